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

#[test]
fn a_keyboard_wedge_scanner_types_a_badge_and_control_keys_are_dropped() {
    use slint::ComponentHandle;
    use slint::platform::WindowEvent;
    let dir = tempfile::tempdir().unwrap();
    let h = Harness::new(demo_kiosk(dir.path()), ViewOptions::default(), 1024, 600);
    let agnes = &demo_badges()[0];
    let window = h.window.window();
    let press = |text: &str| {
        window.dispatch_event(WindowEvent::KeyPressed { text: text.into() });
        window.dispatch_event(WindowEvent::KeyReleased { text: text.into() });
    };
    // A wedge scanner types the badge then Enter; it may send Shift around capitals, and a stray
    // Tab or F-key must not end up in the badge.
    let shift = slint::SharedString::from(slint::platform::Key::Shift).to_string();
    let tab = slint::SharedString::from(slint::platform::Key::Tab).to_string();
    let f5 = slint::SharedString::from(slint::platform::Key::F5).to_string();
    for (i, c) in agnes.payload.chars().enumerate() {
        if c.is_ascii_uppercase() {
            press(&shift);
        }
        if i == 10 {
            press(&tab);
            press(&f5);
        }
        press(&c.to_string());
    }
    let enter = slint::SharedString::from(slint::platform::Key::Return).to_string();
    press(&enter);
    assert!(
        h.wait_for("Bonjour Agnès Lemaître !", WAIT),
        "the typed badge was scanned"
    );
    h.shutdown();
}
