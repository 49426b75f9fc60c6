//! The first boot of an appliance (mise en service) and the clock a Pi without a battery has:
//! the setup screens from the device key to the date and time, what is stored (all of it in one
//! transaction, or nothing), and polls that cannot open until the time was confirmed since the
//! kiosk booted or synchronised from the network.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use urne_core::audit::AuditEvent;
use urne_core::crypto::{Fingerprint, PublicKey, SecretKey};
use urne_core::ids::PollId;
use urne_core::timestamp::Timestamp;
use urne_kiosk::app::{self, Options};
use urne_kiosk::clock::FakeClock;
use urne_kiosk::generated::{OrganiserAdapter, Page, PollState, SetupAdapter, SetupStep};
use urne_kiosk::keystore::FileKeyStore;
use urne_kiosk::kiosk::{Kiosk, KioskError, PinOutcome, Provisioning, ScanOutcome};
use urne_kiosk::ui_testing::demo::Fixture;
use urne_kiosk::ui_testing::{Harness, demo};
use urne_kiosk::view::ViewOptions;

use slint::{ComponentHandle, Model};

const WAIT: Duration = Duration::from_secs(10);
/// 2026-12-05 18:00 UTC, the demo assembly's evening.
const EVENING: Timestamp = Timestamp(1_796_493_600);

/// A fresh kiosk (no PIN, no event) with its database in `dir`, its stick in `dir/usb`.
fn fresh(dir: &Path, clock: &FakeClock) -> Kiosk {
    let usb = dir.join("usb");
    std::fs::create_dir_all(&usb).unwrap();
    Fixture::new(dir)
        .seed(21)
        .clock(Arc::new(clock.clone()))
        .usb_folder(&usb)
        .build()
}

/// A clock as a Pi booted offline has it: two days behind, not synchronised.
fn offline_clock() -> FakeClock {
    let clock = FakeClock::at(Timestamp(EVENING.0 - 2 * 86_400));
    clock.set_synced(false);
    clock
}

fn setup(pin: &str, registry: &str, offset: Option<i64>) -> Provisioning {
    Provisioning {
        pin: pin.into(),
        registry_url: registry.into(),
        registry_key: None,
        clock_offset: offset,
    }
}

/// The fingerprint a registry's card carries.
fn registry_key() -> Fingerprint {
    SecretKey::from_seed(&[44; 32]).public().fingerprint()
}

fn events(kiosk: &Kiosk) -> Vec<AuditEvent> {
    kiosk
        .store()
        .audit_chain()
        .unwrap()
        .into_iter()
        .map(|e| e.event)
        .collect()
}

#[test]
fn a_bad_setup_changes_nothing_and_a_good_one_is_stored_whole() {
    let dir = tempfile::tempdir().unwrap();
    let clock = offline_clock();
    let mut kiosk = fresh(dir.path(), &clock);
    assert!(kiosk.needs_provisioning().unwrap());
    assert!(!kiosk.clock_trusted());
    let before = events(&kiosk);

    for (bad, why) in [
        (setup("12345", "", Some(0)), "a PIN of five digits"),
        (setup("12a456", "", Some(0)), "a PIN with a letter"),
        (
            setup("123456", "registre.example.org", Some(0)),
            "an address without https://",
        ),
        (
            setup("123456", "https://registre.example.org", Some(0)),
            "an address without the key from the registry's card",
        ),
        (
            setup("123456", "", Some(20 * 366 * 86_400)),
            "a clock twenty years off",
        ),
        // The clock is not synchronised: the organiser must confirm it.
        (setup("123456", "", None), "no confirmation of the time"),
    ] {
        assert!(kiosk.provision(&bad).is_err(), "{why} was accepted");
        assert!(kiosk.needs_provisioning().unwrap(), "{why}");
        assert!(!kiosk.has_pin().unwrap(), "{why}");
        assert_eq!(events(&kiosk), before, "{why}");
    }
    assert!(matches!(
        kiosk.provision(&setup("123456", "", None)),
        Err(KioskError::ClockUnconfirmed)
    ));

    kiosk
        .provision(&Provisioning {
            registry_key: Some(registry_key()),
            ..setup("246810", " https://registre.example.org ", Some(2 * 86_400))
        })
        .unwrap();
    assert!(!kiosk.needs_provisioning().unwrap());
    assert!(kiosk.has_pin().unwrap());
    assert!(kiosk.clock_trusted());
    let settings = kiosk.settings().unwrap();
    assert_eq!(
        settings.registry_url.as_deref(),
        Some("https://registre.example.org")
    );
    assert_eq!(settings.registry_key, Some(registry_key()));
    assert_eq!(settings.now, EVENING);
    let added: Vec<AuditEvent> = events(&kiosk)[before.len()..].to_vec();
    assert_eq!(
        added,
        [
            AuditEvent::ClockConfirmed { offset: 2 * 86_400 },
            AuditEvent::Provisioned {
                device: kiosk.device_fingerprint(),
                registry: true,
            },
        ]
    );
    // The entries carry the corrected time.
    let chain = kiosk.store().audit_chain().unwrap();
    assert_eq!(chain.last().unwrap().at, EVENING);
    assert!(matches!(
        kiosk.provision(&setup("135790", "", Some(0))),
        Err(KioskError::AlreadyProvisioned)
    ));

    // The PIN chosen is the one that unlocks organiser mode.
    kiosk
        .load_package(&urne_kiosk::demo::package().bytes)
        .unwrap();
    let ScanOutcome::Organiser { organiser, .. } = kiosk.scan(&demo::organiser().payload).unwrap()
    else {
        panic!("the organiser badge is an organiser's")
    };
    assert!(matches!(
        kiosk.unlock(&organiser, "123456").unwrap(),
        PinOutcome::Wrong { .. }
    ));
    assert_eq!(
        kiosk.unlock(&organiser, "246810").unwrap(),
        PinOutcome::Unlocked
    );
}

/// The first package pins the organiser key: on a kiosk nobody has set up, whoever holds it
/// could pin theirs. The PIN is chosen first, through the API as on the screens; a package given
/// at start (`--package`) waits for the setup.
#[test]
fn no_package_loads_before_the_setup_has_chosen_the_pin() {
    let dir = tempfile::tempdir().unwrap();
    let clock = FakeClock::at(EVENING);
    let mut kiosk = fresh(dir.path(), &clock);
    let before = events(&kiosk);
    let package = urne_kiosk::demo::package().bytes;
    assert!(matches!(
        kiosk.load_package(&package),
        Err(KioskError::SetupFirst)
    ));
    assert!(kiosk.event().is_none());
    assert_eq!(kiosk.pinned_organiser().unwrap(), None);
    assert_eq!(events(&kiosk), before, "a refused package writes nothing");

    // Given at start, it is checked at once and kept until the setup is done.
    assert!(
        kiosk
            .load_package_at_start(b"not a package".to_vec())
            .is_err()
    );
    assert!(!kiosk.load_package_at_start(package.clone()).unwrap());
    assert!(kiosk.event().is_none());
    kiosk.provision(&setup("246810", "", None)).unwrap();
    assert_eq!(
        kiosk.event().map(|e| e.id.to_string()),
        Some(urne_kiosk::demo::package().package.event.id.to_string())
    );
    let added = events(&kiosk)[before.len()..].to_vec();
    assert!(matches!(added[0], AuditEvent::Provisioned { .. }));
    assert!(matches!(added[1], AuditEvent::PackageLoaded { .. }));

    // The same through the kiosk's start on a fresh card.
    let data = dir.path().join("card");
    let file = dir.path().join("soiree.urnepkg");
    std::fs::write(&file, &package).unwrap();
    let options = Options {
        data: data.clone(),
        usb_dir: data.join("usb"),
        udisks: false,
        package: Some(file),
        demo: false,
        scanner: None,
        baud: 9600,
        registry: None,
        lang: urne_core::tally::Lang::Fr,
        voter_timeout_secs: 60,
    };
    let mut kiosk = app::open_kiosk(&options).unwrap();
    assert!(kiosk.event().is_none(), "loaded before the setup");
    let offset = (!kiosk.clock_trusted()).then_some(0);
    kiosk.provision(&setup("246810", "", offset)).unwrap();
    assert!(kiosk.event().is_some(), "loaded once the setup is done");
    drop(kiosk);
    // The next start finds it loaded, and loads the same file again as nothing new.
    assert!(app::open_kiosk(&options).unwrap().event().is_some());
}

#[test]
fn a_synchronised_clock_needs_no_confirmation_at_setup() {
    let dir = tempfile::tempdir().unwrap();
    let clock = FakeClock::at(EVENING);
    let mut kiosk = fresh(dir.path(), &clock);
    assert!(kiosk.clock_trusted());
    kiosk.provision(&setup("246810", "", None)).unwrap();
    let added = events(&kiosk);
    assert!(
        !added
            .iter()
            .any(|e| matches!(e, AuditEvent::ClockConfirmed { .. }))
    );
    assert!(added.contains(&AuditEvent::Provisioned {
        device: kiosk.device_fingerprint(),
        registry: false,
    }));
}

/// Unlocks the demo organiser on a kiosk holding the demo package and returns its polls.
fn unlocked(kiosk: &mut Kiosk) -> Vec<PollId> {
    let ScanOutcome::Organiser { organiser, .. } = kiosk.scan(&demo::organiser().payload).unwrap()
    else {
        panic!("the organiser badge is an organiser's")
    };
    assert_eq!(
        kiosk.unlock(&organiser, urne_kiosk::demo::PIN).unwrap(),
        PinOutcome::Unlocked
    );
    kiosk
        .event()
        .unwrap()
        .polls
        .iter()
        .map(|p| p.id.clone())
        .collect()
}

#[test]
fn no_poll_opens_until_the_time_is_confirmed_for_this_boot_or_synchronised() {
    let dir = tempfile::tempdir().unwrap();
    let clock = offline_clock();
    let open = |clock: &FakeClock| {
        let mut kiosk = Fixture::new(dir.path())
            .seed(4)
            .clock(Arc::new(clock.clone()))
            .demo()
            .build();
        let polls = unlocked(&mut kiosk);
        (kiosk, polls)
    };

    let (mut kiosk, polls) = open(&clock);
    assert!(!kiosk.dashboard().unwrap().clock_trusted);
    assert!(matches!(
        kiosk.open_poll(&polls[0]),
        Err(KioskError::ClockUnconfirmed)
    ));
    assert!(kiosk.store().polls().unwrap().is_empty());
    kiosk.confirm_clock(2 * 86_400).unwrap();
    assert!(kiosk.dashboard().unwrap().clock_trusted);
    kiosk.open_poll(&polls[0]).unwrap();
    drop(kiosk);

    // The kiosk restarts during the same boot (systemd restarts it): the confirmation holds.
    let (mut kiosk, polls) = open(&clock);
    assert!(kiosk.clock_trusted());
    assert_eq!(kiosk.settings().unwrap().now, EVENING);
    kiosk.open_poll(&polls[1]).unwrap();
    drop(kiosk);

    // A power cut: the Pi boots again with its saved time; the offset means nothing now.
    clock.reboot();
    let (mut kiosk, polls) = open(&clock);
    assert!(!kiosk.clock_trusted());
    let settings = kiosk.settings().unwrap();
    assert_eq!(settings.clock_offset, 0);
    assert!(!settings.clock_confirmed);
    assert!(matches!(
        kiosk.open_poll(&polls[2]),
        Err(KioskError::ClockUnconfirmed)
    ));
    // The network comes back and the system clock is synchronised: polls may open, at the
    // system's time.
    clock.set(EVENING);
    clock.set_synced(true);
    assert!(kiosk.clock_trusted());
    kiosk.open_poll(&polls[2]).unwrap();
    assert_eq!(kiosk.settings().unwrap().now, EVENING);
}

#[test]
fn a_new_device_key_asks_for_the_setup_and_the_demo_never_does() {
    let dir = tempfile::tempdir().unwrap();
    let options = |data: &Path, demo: bool| Options {
        data: data.into(),
        usb_dir: data.join("usb"),
        udisks: false,
        package: None,
        demo,
        scanner: None,
        baud: 9600,
        registry: None,
        lang: urne_core::tally::Lang::Fr,
        voter_timeout_secs: 60,
    };
    let data = dir.path().join("urne");
    let key = FileKeyStore::in_folder(&data);
    let mut kiosk = app::open_kiosk(&options(&data, false)).unwrap();
    assert!(key.path().exists(), "the device key is made at first start");
    assert!(kiosk.needs_provisioning().unwrap());
    let clock_offset = (!kiosk.clock_trusted()).then_some(0);
    kiosk.provision(&setup("246810", "", clock_offset)).unwrap();
    drop(kiosk);
    assert!(
        !app::open_kiosk(&options(&data, false))
            .unwrap()
            .needs_provisioning()
            .unwrap()
    );
    // The key file is lost (a new SD card with the old database): a new key means a new
    // enrolment, so the setup comes back.
    std::fs::remove_file(key.path()).unwrap();
    assert!(
        app::open_kiosk(&options(&data, false))
            .unwrap()
            .needs_provisioning()
            .unwrap()
    );

    let demo_dir = dir.path().join("demo");
    let kiosk = app::open_kiosk(&options(&demo_dir, true)).unwrap();
    assert!(kiosk.has_pin().unwrap());
    assert!(kiosk.clock_trusted(), "the demo's polls open on any clock");
}

/// The screens of the setup, as an organiser goes through them on a Pi booted offline.
#[test]
fn the_setup_screens_walk_an_organiser_from_the_key_to_the_clock() {
    let dir = tempfile::tempdir().unwrap();
    let clock = offline_clock();
    let kiosk = fresh(dir.path(), &clock);
    let device = kiosk.device_fingerprint();
    let public = kiosk.device_public_key();
    let options = ViewOptions {
        device_fingerprint: device.to_hex(),
        first_boot: true,
        ..ViewOptions::default()
    };
    let h = Harness::new(kiosk, options, 1024, 600);
    assert_eq!(h.page(), Page::Setup);
    let shown = urne_kiosk::view::grouped(&device);
    assert!(h.shows(&format!("Empreinte du kiosque : {shown}")));
    assert!(h.shows("QR code de l'empreinte du kiosque"));

    // The public key goes to the stick for the registry's operator.
    h.tap("Copier la clé publique sur la clé USB");
    let file = format!("urne-kiosk-{}.pem", &device.to_hex()[..16]);
    assert!(h.wait_for(
        &format!(
            "Clé publique écrite sur la clé USB : {file}. Le responsable du registre inscrit ce kiosque avec ce fichier."
        ),
        WAIT
    ));
    let pem = std::fs::read_to_string(dir.path().join("usb").join(&file)).unwrap();
    assert_eq!(PublicKey::from_pem(&pem).unwrap(), public);

    h.tap("Continuer");
    let setup = h.window.global::<SetupAdapter>();
    assert_eq!(setup.get_step(), SetupStep::Pin);
    let type_pin = |pin: &str| {
        for d in pin.chars() {
            h.tap(&d.to_string());
        }
        h.tap("Valider");
    };
    type_pin("246810");
    assert_eq!(setup.get_step(), SetupStep::PinAgain);
    // A typing mistake: the PIN is chosen again.
    type_pin("246801");
    assert_eq!(setup.get_step(), SetupStep::Pin);
    assert!(h.shows("Les deux codes ne sont pas les mêmes : choisissez-le à nouveau."));
    type_pin("246810");
    type_pin("246810");
    assert_eq!(setup.get_step(), SetupStep::Registry);

    // An address typed without its scheme is refused on the spot.
    h.tap("Adresse du registre");
    assert!(setup.get_typing_url());
    for key in ["r", "e", "g"] {
        h.tap(key);
    }
    h.tap("Valider");
    h.tap("Continuer");
    assert!(h.shows(
        "L'adresse du registre doit commencer par https:// (http:// seulement vers cette machine)."
    ));
    assert_eq!(setup.get_step(), SetupStep::Registry);
    for _ in 0..3 {
        setup.invoke_url_key("⌫".into());
    }
    setup.invoke_url_key("https://registre.example.org".into());
    h.tap("Continuer");
    // The address alone is refused: the key comes from the registry's card, never from
    // whoever answers first at that address.
    assert!(h.shows("Scannez la carte du registre (urne-registry card) : sans la clé qu'elle porte, le kiosque ne peut pas vérifier les reçus du registre."));
    assert_eq!(setup.get_step(), SetupStep::Registry);
    assert!(h.shows("Clé du registre : pas encore de carte scannée."));
    let card = urne_codec::protocol::RegistryCard {
        url: "https://registre.example.org".into(),
        key: registry_key(),
    };
    h.scan(&card.to_text());
    let shown_key = urne_kiosk::view::grouped(&registry_key());
    assert!(h.wait_for(
        &format!("Clé du registre : {shown_key} — comparez-la avec celle que son responsable vous a donnée."),
        WAIT
    ));
    h.tap("Continuer");
    assert_eq!(setup.get_step(), SetupStep::Clock);

    // The clock shows the Pi's saved time; the organiser moves it two days on.
    assert!(h.wait_for("Date et heure du kiosque : 2026-12-03 18:00", WAIT));
    h.tap("+1 jour");
    h.tap("+1 jour");
    assert!(h.shows("Date et heure du kiosque : 2026-12-05 18:00"));
    h.tap("Confirmer cette heure et terminer");
    assert!(h.wait_for_page(Page::Idle, WAIT));
    assert!(h.shows("Charger l'événement (clé USB ou registre)"));
    // The adapter holds the window: let it go so that the worker can stop.
    drop(setup);
    h.shutdown();

    // Everything was stored, in one go.
    let kiosk = fresh(dir.path(), &clock);
    assert!(!kiosk.needs_provisioning().unwrap());
    assert!(kiosk.clock_trusted());
    let settings = kiosk.settings().unwrap();
    assert_eq!(settings.now, EVENING);
    assert_eq!(
        settings.registry_url.as_deref(),
        Some("https://registre.example.org")
    );
    assert_eq!(settings.registry_key, Some(registry_key()));
    let events = events(&kiosk);
    assert!(events.contains(&AuditEvent::ClockConfirmed { offset: 2 * 86_400 }));
    assert!(events.contains(&AuditEvent::Provisioned {
        device,
        registry: true
    }));
}

#[test]
fn a_synchronised_clock_is_shown_with_nothing_to_adjust() {
    let dir = tempfile::tempdir().unwrap();
    let clock = FakeClock::at(EVENING);
    let kiosk = fresh(dir.path(), &clock);
    let options = ViewOptions {
        device_fingerprint: kiosk.device_fingerprint().to_hex(),
        first_boot: true,
        ..ViewOptions::default()
    };
    let h = Harness::new(kiosk, options, 800, 480);
    h.tap("Continuer");
    for _ in 0..2 {
        for d in "135791".chars() {
            h.tap(&d.to_string());
        }
        h.tap("Valider");
    }
    h.tap("Continuer sans registre");
    assert!(h.wait_for("Heure synchronisée par le réseau : rien à corriger.", WAIT));
    assert!(!h.shows("+1 h"));
    h.tap("L'heure est juste : terminer");
    assert!(h.wait_for_page(Page::Idle, WAIT));
    h.shutdown();
    let kiosk = fresh(dir.path(), &clock);
    assert!(!kiosk.needs_provisioning().unwrap());
    assert_eq!(kiosk.settings().unwrap().registry_url, None);
}

/// On the dashboard, an unconfirmed clock says so and keeps the polls closed until the
/// organiser has checked the time on the settings page.
#[test]
fn the_dashboard_sends_the_organiser_to_check_the_time() {
    let dir = tempfile::tempdir().unwrap();
    let clock = offline_clock();
    let kiosk = Fixture::new(dir.path())
        .seed(5)
        .clock(Arc::new(clock.clone()))
        .demo()
        .build();
    let h = Harness::new(kiosk, ViewOptions::default(), 1024, 600);
    h.unlock();
    let banner = "La date et l'heure n'ont pas été confirmées depuis le démarrage du kiosque : aucun scrutin ne peut s'ouvrir avant.";
    assert!(h.wait_for(banner, WAIT));
    assert!(!h.window.global::<OrganiserAdapter>().get_clock_trusted());
    let question = &urne_kiosk::demo::package().package.event.polls[0].question;
    let open = h
        .find(&format!("Ouvrir le scrutin : {question}"))
        .into_iter()
        .next()
        .expect("the open button is shown");
    assert_eq!(open.accessible_enabled(), Some(false));

    h.tap("Vérifier l'heure");
    assert!(h.wait_for_page(Page::Settings, WAIT));
    assert!(h.shows(
        "Pas encore confirmées depuis le démarrage : aucun scrutin ne peut s'ouvrir avant."
    ));
    h.tap("+1 jour");
    h.tap("+1 jour");
    h.tap("Confirmer la nouvelle date et heure");
    assert!(h.wait_for("Date et heure confirmées.", WAIT));
    h.tap("Retour au tableau de bord");
    assert!(h.wait_for_page(Page::Dashboard, WAIT));
    let mut trusted = false;
    for _ in 0..100 {
        h.view.wait(Duration::from_millis(50));
        if h.window.global::<OrganiserAdapter>().get_clock_trusted() {
            trusted = true;
            break;
        }
    }
    assert!(trusted, "the dashboard learns the time was confirmed");
    assert!(!h.shows(banner));
    h.tap(&format!("Ouvrir le scrutin : {question}"));
    h.settle();
    assert_eq!(
        h.window
            .global::<OrganiserAdapter>()
            .get_polls()
            .iter()
            .next()
            .map(|p| p.state),
        Some(PollState::Open)
    );
    h.shutdown();
}

/// A kiosk set up before registry cards holds an address without a key: it sends nothing and
/// says to scan the card, and its other settings still save; a new address needs its card.
#[test]
fn an_address_kept_from_before_cards_does_not_block_the_other_settings() {
    let dir = tempfile::tempdir().unwrap();
    let mut kiosk = Fixture::new(dir.path()).seed(24).demo().build();
    kiosk
        .store_mut()
        .set_setting("registry_url", "https://registre.example.org")
        .unwrap();
    // The key an older kiosk took from its first receipt is not a card's.
    kiosk
        .store_mut()
        .set_setting("registry_key", &registry_key().to_hex())
        .unwrap();
    assert_eq!(kiosk.settings().unwrap().registry_key, None);
    unlocked(&mut kiosk);
    let saved = kiosk
        .save_settings("en", 90, "https://registre.example.org", None)
        .unwrap();
    assert_eq!(saved.default_lang.as_deref(), Some("en"));
    assert!(matches!(
        kiosk.save_settings("en", 90, "https://autre.example.org", None),
        Err(KioskError::Setting(
            urne_kiosk::kiosk::SettingProblem::RegistryKey
        ))
    ));
    let saved = kiosk
        .save_settings("en", 90, "https://autre.example.org", Some(&registry_key()))
        .unwrap();
    assert_eq!(saved.registry_key, Some(registry_key()));
}
