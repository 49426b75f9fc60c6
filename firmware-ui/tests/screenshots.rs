//! Renders each screen of the evening with the software renderer to `docs/screenshots/`, so
//! that the README and the docs show what a voter and an organiser really see.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use urne_core::credential::Role;
use urne_kiosk::clock::SystemClock;
use urne_kiosk::generated::Page;
use urne_kiosk::keystore::MemoryKeyStore;
use urne_kiosk::kiosk::Kiosk;
use urne_kiosk::ui_testing::Harness;
use urne_kiosk::usb::MemoryTarget;
use urne_kiosk::view::ViewOptions;
use urne_sync::badges::issue_all;

const WAIT: Duration = Duration::from_secs(10);

fn shots() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../docs/screenshots")
}

#[test]
fn the_screens_of_the_thread_are_rendered() {
    let dir = tempfile::tempdir().unwrap();
    let mut kiosk = Kiosk::open(
        &dir.path().join("urne.sqlite"),
        &MemoryKeyStore::new([9; 32]),
        Arc::new(SystemClock),
        Box::new(MemoryTarget::default()),
    )
    .unwrap();
    kiosk
        .load_package(&urne_sync::demo::package().bytes)
        .unwrap();
    kiosk.set_pin("123456").unwrap();
    let fingerprint = kiosk.device_fingerprint().to_hex();
    let badges = issue_all(
        &urne_sync::demo::package().package,
        &urne_sync::demo::organiser_key(),
    );
    let organiser = badges.iter().find(|b| b.role == Role::Organiser).unwrap();
    let h = Harness::new(
        kiosk,
        ViewOptions {
            export_target: "/media/urne/CLE-USB".into(),
            device_fingerprint: fingerprint,
            ..ViewOptions::default()
        },
        1024,
        600,
    );
    let out = shots();
    h.snapshot(&out.join("idle.png"));

    // The door: 55 members arrive, so that the quorum (50) is reached when the poll opens.
    let members: Vec<_> = badges
        .iter()
        .filter(|b| b.role == Role::Participant)
        .collect();
    for badge in members.iter().skip(5).take(50) {
        h.scan(&badge.payload);
        assert!(h.wait_for(&format!("Bonjour {} !", badge.name), WAIT));
    }
    h.tap("Terminer");

    h.scan(&organiser.payload);
    assert!(h.wait_for_page(Page::Pin, WAIT));
    for d in "12".chars() {
        h.tap(&d.to_string());
    }
    h.snapshot(&out.join("pin.png"));
    for d in "3456".chars() {
        h.tap(&d.to_string());
    }
    h.tap("Valider");
    assert!(h.wait_for_page(Page::Dashboard, WAIT));
    let charte = "Adopter la charte de l'Assemblée populaire (version du 12 novembre)";
    h.tap(&format!("Ouvrir le scrutin : {charte}"));
    assert!(h.wait_for(&format!("Clore le scrutin : {charte}"), WAIT));
    h.tap("Verrouiller");

    for (i, badge) in badges
        .iter()
        .filter(|b| b.role == Role::Participant)
        .take(5)
        .enumerate()
    {
        h.scan(&badge.payload);
        assert!(h.wait_for(&format!("Bonjour {} !", badge.name), WAIT));
        if i == 0 {
            h.snapshot(&out.join("welcome.png"));
        }
        h.tap("Voter");
        h.tap(if i < 4 { "Pour" } else { "Contre" });
        if i == 0 {
            h.snapshot(&out.join("ballot-motion.png"));
        }
        h.tap("Continuer");
        if i == 0 {
            h.snapshot(&out.join("review.png"));
        }
        h.tap("Confirmer mon vote");
        assert!(h.wait_for("A voté !", WAIT));
        if i == 0 {
            h.snapshot(&out.join("voted.png"));
        }
        h.tap("Terminer");
    }

    h.scan("URNE:AQFORGED");
    assert!(h.wait_for_page(Page::Refused, WAIT));
    h.snapshot(&out.join("refused.png"));
    h.tap("Compris");

    h.scan(&organiser.payload);
    assert!(h.wait_for_page(Page::Pin, WAIT));
    for d in "123456".chars() {
        h.tap(&d.to_string());
    }
    h.tap("Valider");
    assert!(h.wait_for_page(Page::Dashboard, WAIT));
    h.snapshot(&out.join("dashboard.png"));
    h.tap(&format!("Clore le scrutin : {charte}"));
    assert!(h.wait_for_page(Page::Result, WAIT));
    h.snapshot(&out.join("result-motion.png"));
    h.shutdown();
}
