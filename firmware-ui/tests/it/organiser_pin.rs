//! The organiser PIN: under guessing, and changed from the settings page. Measured before: one
//! count of wrong tries for the whole kiosk, so that someone who photographed one organiser
//! badge and typed wrong PINs locked every organiser of the event out for up to an hour; and no
//! way to change the PIN once set.

use std::sync::Arc;

use urne_core::audit::AuditEvent;
use urne_core::credential::{Credential, Role};
use urne_core::timestamp::Timestamp;
use urne_kiosk::clock::FakeClock;
use urne_kiosk::generated::Page;
use urne_kiosk::kiosk::{KioskError, PinOutcome, ScanOutcome};
use urne_kiosk::ui_testing::demo::{Fixture, unlock};
use urne_kiosk::ui_testing::{Harness, demo};
use urne_kiosk::view::ViewOptions;

const WAIT: std::time::Duration = std::time::Duration::from_secs(10);

/// The demo event with a second organiser.
fn two_organisers() -> urne_organiser::package::Built {
    let toml = include_str!("../../../demo/assemblee-demo.toml").replacen(
        "[[organiser]]\nname = \"Bureau de l'assemblée\"\n",
        "[[organiser]]\nname = \"Bureau de l'assemblée\"\n\n[[organiser]]\nname = \"Secrétaire de séance\"\n",
        1,
    );
    super::badge_keys::built_from(&toml)
}

#[test]
fn wrong_pins_lock_out_the_badge_they_were_typed_for_and_no_other() {
    let built = two_organisers();
    let event = &built.package.event;
    assert_eq!(event.organisers.len(), 2);
    let badge = |i: usize| {
        let o = &event.organisers[i];
        Credential::new(
            Role::Organiser,
            &event.id,
            o.id,
            &o.name,
            event.badges_valid_from,
            event.badges_valid_until,
        )
        .issue(&urne_kiosk::demo::organiser_key())
    };
    let dir = tempfile::tempdir().unwrap();
    let clock = FakeClock::at(Timestamp(1_796_495_400));
    let mut kiosk = Fixture::new(dir.path())
        .seed(21)
        .clock(Arc::new(clock.clone()))
        .build();
    kiosk.set_pin(urne_kiosk::demo::PIN).unwrap();
    kiosk.load_package(&built.bytes).unwrap();
    let organiser =
        |kiosk: &mut urne_kiosk::kiosk::Kiosk, i: usize| match kiosk.scan(&badge(i)).unwrap() {
            ScanOutcome::Organiser { organiser, .. } => organiser,
            other => panic!("{other:?}"),
        };

    // The photographed badge: five wrong guesses, then even the right PIN must wait.
    let stolen = organiser(&mut kiosk, 0);
    for n in 1..=5 {
        assert_eq!(
            kiosk.unlock(&stolen, "000000").unwrap(),
            PinOutcome::Wrong { failures: n }
        );
    }
    assert_eq!(
        kiosk.unlock(&stolen, urne_kiosk::demo::PIN).unwrap(),
        PinOutcome::LockedOut { seconds: 30 }
    );

    // The other organiser, at once, with the right PIN.
    let other = organiser(&mut kiosk, 1);
    assert_eq!(
        kiosk.unlock(&other, urne_kiosk::demo::PIN).unwrap(),
        PinOutcome::Unlocked
    );
    kiosk.lock();

    // The lockout outlives a restart of the kiosk, and ends on time.
    drop(kiosk);
    let mut kiosk = Fixture::new(dir.path())
        .seed(21)
        .clock(Arc::new(clock.clone()))
        .build();
    let stolen = organiser(&mut kiosk, 0);
    assert!(matches!(
        kiosk.unlock(&stolen, urne_kiosk::demo::PIN).unwrap(),
        PinOutcome::LockedOut { .. }
    ));
    clock.advance(30);
    assert_eq!(
        kiosk.unlock(&stolen, urne_kiosk::demo::PIN).unwrap(),
        PinOutcome::Unlocked
    );
    kiosk.lock();
    // A success clears that badge's count: the next wrong PIN is the first again.
    assert_eq!(
        kiosk.unlock(&stolen, "000000").unwrap(),
        PinOutcome::Wrong { failures: 1 }
    );
}

/// Waits until some text on screen contains `part`.
fn wait_for_containing(h: &Harness, part: &str, timeout: std::time::Duration) -> bool {
    let start = std::time::Instant::now();
    while !h.shows_containing(part) && start.elapsed() < timeout {
        h.settle();
    }
    h.shows_containing(part)
}

fn type_pin(h: &Harness, pin: &str) {
    for digit in pin.chars() {
        h.tap(&digit.to_string());
    }
    h.tap("Valider");
}

#[test]
fn an_organiser_changes_the_pin_from_the_settings_page() {
    let dir = tempfile::tempdir().unwrap();
    let kiosk = Fixture::new(dir.path())
        .seed(22)
        .demo()
        .confirm_time()
        .build();
    let h = Harness::new(kiosk, ViewOptions::default(), 1024, 1400);
    h.unlock();
    h.tap("Réglages");
    assert!(h.wait_for_page(Page::Settings, WAIT));

    // Started, then given up: back on the settings page, nothing changed.
    h.tap("Changer le code PIN");
    assert!(h.wait_for_page(Page::Pin, WAIT));
    assert!(h.shows("Nouveau code PIN"));
    h.tap("Annuler");
    assert!(h.wait_for_page(Page::Settings, WAIT));

    h.tap("Changer le code PIN");
    assert!(h.wait_for_page(Page::Pin, WAIT));
    type_pin(&h, "246810");
    assert!(h.wait_for("Le même code PIN, une seconde fois", WAIT));
    // A typing mistake the second time: chosen again from the start.
    type_pin(&h, "246811");
    assert!(h.wait_for(
        "Les deux codes ne sont pas les mêmes : choisissez-le à nouveau.",
        WAIT
    ));
    assert!(h.shows("Nouveau code PIN"));
    type_pin(&h, "246810");
    assert!(h.wait_for("Le même code PIN, une seconde fois", WAIT));
    type_pin(&h, "246810");
    assert!(h.wait_for_page(Page::Settings, WAIT));
    assert!(h.wait_for(
        "Code PIN changé : le nouveau code vaut dès maintenant pour tous les badges d'organisateur.",
        WAIT
    ));

    // The old PIN no longer opens organiser mode; the new one does.
    h.tap("Retour au tableau de bord");
    assert!(h.wait_for_page(Page::Dashboard, WAIT));
    h.tap("Verrouiller");
    h.scan(&demo::organiser().payload);
    assert!(h.wait_for_page(Page::Pin, WAIT));
    assert!(h.shows("Mode organisateur"));
    type_pin(&h, urne_kiosk::demo::PIN);
    assert!(h.wait_for("Code incorrect (1 essai).", WAIT));
    type_pin(&h, "246810");
    assert!(h.wait_for_page(Page::Dashboard, WAIT));
    h.shutdown();
}

#[test]
fn only_an_unlocked_organiser_changes_the_pin_and_the_change_is_audited() {
    let dir = tempfile::tempdir().unwrap();
    let mut kiosk = Fixture::new(dir.path()).seed(23).demo().build();
    assert!(matches!(
        kiosk.change_pin("135790"),
        Err(KioskError::Locked)
    ));
    unlock(&mut kiosk);
    assert!(matches!(
        kiosk.change_pin("12345"),
        Err(KioskError::Setting(_))
    ));
    kiosk.change_pin("135790").unwrap();
    let chain = kiosk.store().audit_chain().unwrap();
    assert!(matches!(
        chain.last().unwrap().event,
        AuditEvent::PinChanged { .. }
    ));
    // The PIN itself is nowhere in the chain.
    assert!(!urne_core::audit::to_jsonl(&chain).contains("135790"));
}

/// The PIN forgotten: the organiser makes a recovery order on the laptop (`urne pin-reset`)
/// and scans it on the PIN page; the kiosk takes a new PIN, twice. An order is good once, for
/// this kiosk, from this kiosk's organiser key only.
#[test]
fn a_forgotten_pin_is_replaced_with_an_order_of_the_organiser_key() {
    let dir = tempfile::tempdir().unwrap();
    let kiosk = Fixture::new(dir.path())
        .seed(24)
        .demo()
        .confirm_time()
        .build();
    let device = urne_core::crypto::SecretKey::from_seed(&[24; 32])
        .public()
        .fingerprint();
    let organiser = urne_kiosk::demo::organiser_key();
    let order = urne_core::recovery::issue(&organiser, &device, [7; 16]);
    let elsewhere = urne_core::recovery::issue(
        &organiser,
        &urne_core::crypto::SecretKey::from_seed(&[25; 32])
            .public()
            .fingerprint(),
        [8; 16],
    );
    let stranger = urne_core::recovery::issue(
        &urne_core::crypto::SecretKey::from_seed(&[26; 32]),
        &device,
        [9; 16],
    );
    let options = ViewOptions {
        device_fingerprint: device.to_hex(),
        ..ViewOptions::default()
    };
    let h = Harness::new(kiosk, options, 1024, 1400);
    h.scan(&demo::organiser().payload);
    assert!(h.wait_for_page(Page::Pin, WAIT));
    h.tap("Code oublié ?");
    // The fingerprint to type, grouped by four as everywhere on the kiosk.
    let hex = device.to_hex().to_uppercase();
    let grouped: Vec<&str> = (0..16).map(|i| &hex[i * 4..i * 4 + 4]).collect();
    assert!(h.shows_containing(&format!(
        "urne pin-reset --key organisateur.key --device {} »",
        grouped.join(" ")
    )));

    for (bad, why) in [
        (&elsewhere, "cet ordre a été préparé pour un autre kiosque"),
        (&stranger, "cet ordre est signé par une autre clé"),
    ] {
        h.scan(bad);
        assert!(
            wait_for_containing(
                &h,
                &format!("Ordre de réinitialisation refusé : {why}"),
                WAIT
            ),
            "{why}"
        );
    }

    h.scan(&order);
    assert!(h.wait_for("Nouveau code PIN", WAIT));
    type_pin(&h, "975310");
    assert!(h.wait_for("Le même code PIN, une seconde fois", WAIT));
    type_pin(&h, "975310");
    assert!(h.wait_for(
        "Nouveau code enregistré : tapez-le pour ouvrir le mode organisateur.",
        WAIT
    ));
    type_pin(&h, "975310");
    assert!(h.wait_for_page(Page::Dashboard, WAIT));
    h.tap("Verrouiller");

    // The same order a second time: refused, and the PIN stays the new one.
    h.scan(&demo::organiser().payload);
    assert!(h.wait_for_page(Page::Pin, WAIT));
    h.scan(&order);
    assert!(wait_for_containing(
        &h,
        "Ordre de réinitialisation refusé : cet ordre a déjà servi sur ce kiosque",
        WAIT
    ));
    type_pin(&h, urne_kiosk::demo::PIN);
    assert!(h.wait_for("Code incorrect (1 essai).", WAIT));
    type_pin(&h, "975310");
    assert!(h.wait_for_page(Page::Dashboard, WAIT));
    h.shutdown();
}
