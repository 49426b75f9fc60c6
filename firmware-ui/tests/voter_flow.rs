//! The touchscreen flows, driven through Slint's testing backend by accessible label.

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
use urne_sync::badges::{Badge, issue_all};

const WAIT: Duration = Duration::from_secs(10);

fn demo_badges() -> Vec<Badge> {
    issue_all(
        &urne_sync::demo::package().package,
        &urne_sync::demo::organiser_key(),
    )
}

fn demo_kiosk(dir: &std::path::Path) -> Kiosk {
    let mut kiosk = Kiosk::open(
        &dir.join("urne.sqlite"),
        &MemoryKeyStore::new([9; 32]),
        Arc::new(SystemClock),
        Box::new(MemoryTarget::default()),
    )
    .unwrap();
    kiosk
        .load_package(&urne_sync::demo::package().bytes)
        .unwrap();
    kiosk.set_pin("123456").unwrap();
    kiosk
}

fn unlock(h: &Harness, organiser: &Badge) {
    h.scan(&organiser.payload);
    assert!(
        h.wait_for_page(Page::Pin, WAIT),
        "the organiser badge asks for the PIN"
    );
    for d in "123456".chars() {
        h.tap(&d.to_string());
    }
    h.tap("Valider");
    assert!(
        h.wait_for_page(Page::Dashboard, WAIT),
        "the right PIN opens the dashboard"
    );
}

#[test]
fn a_member_votes_pour_on_the_first_motion() {
    let dir = tempfile::tempdir().unwrap();
    let h = Harness::new(demo_kiosk(dir.path()), ViewOptions::default(), 1024, 600);
    let badges = demo_badges();
    let organiser = badges.iter().find(|b| b.role == Role::Organiser).unwrap();
    let agnes = &badges[0];

    unlock(&h, organiser);
    h.tap(
        "Ouvrir le scrutin : Adopter la charte de l'Assemblée populaire (version du 12 novembre)",
    );
    assert!(h.wait_for(
        "Clore le scrutin : Adopter la charte de l'Assemblée populaire (version du 12 novembre)",
        WAIT
    ));
    h.tap("Verrouiller");
    assert_eq!(h.page(), Page::Idle);

    h.scan(&agnes.payload);
    assert!(
        h.wait_for("Bonjour Agnès Lemaître !", WAIT),
        "the member is greeted by name"
    );
    h.tap("Voter");
    assert_eq!(h.page(), Page::Ballot);
    h.tap("Pour");
    h.tap("Continuer");
    assert_eq!(h.page(), Page::Review);
    h.tap("Confirmer mon vote");
    assert!(h.wait_for("A voté !", WAIT));
    h.shutdown();
}
