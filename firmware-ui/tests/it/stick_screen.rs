//! The organiser's dashboard follows the USB stick: a stick watch (the fake standing for
//! udisks2) posts to the view's inbox as the real one does on the Pi, and the line near
//! « Exporter » says « Aucune clé USB », then « Clé USB détectée : LABEL », then « Aucune clé
//! USB » again.

use std::sync::Arc;
use std::time::Duration;

use urne_core::timestamp::Timestamp;
use urne_kiosk::clock::FakeClock;
use urne_kiosk::stick::{FakeSticks, StickWatch};
use urne_kiosk::ui_testing::Harness;
use urne_kiosk::ui_testing::demo::Fixture;
use urne_kiosk::view::Reply;
use urne_kiosk::view::ViewOptions;

const WAIT: Duration = Duration::from_secs(10);
/// 2026-12-05T19:00:00Z, the evening of the demo assembly.
const EVENING: i64 = 1_796_497_200;

#[test]
fn the_dashboard_says_when_a_stick_is_put_in_and_taken_out() {
    let dir = tempfile::tempdir().unwrap();
    let h = Harness::new(
        Fixture::new(dir.path())
            .seed(7)
            .clock(Arc::new(FakeClock::at(Timestamp(EVENING))))
            .demo()
            .build(),
        ViewOptions::default(),
        1024,
        900,
    );
    h.unlock();
    // Nothing watched (a folder on a desktop): no line about a stick.
    assert!(!h.shows_containing("Clé USB détectée"));
    assert!(!h.shows("Aucune clé USB"));

    let (sticks, hand) = FakeSticks::new();
    let post = h.outbox();
    let _watch = StickWatch::spawn(sticks, move |event| {
        post.post(Reply::Stick(event));
    })
    .unwrap();
    assert!(h.wait_for("Aucune clé USB", WAIT));

    hand.insert("sda1", "URNE-BUREAU");
    assert!(h.wait_for("Clé USB détectée : URNE-BUREAU", WAIT));
    assert!(!h.shows("Aucune clé USB"));

    hand.remove("sda1");
    assert!(h.wait_for("Aucune clé USB", WAIT));
    assert!(!h.shows_containing("Clé USB détectée"));

    // A stick without a label is still announced.
    hand.insert("sdb1", "");
    assert!(h.wait_for("Clé USB détectée", WAIT));
    h.shutdown();
}
