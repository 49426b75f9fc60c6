//! Loading the event from the registry, through the screens and over real HTTP on 127.0.0.1:
//! the organiser lists the registry's events, picks one, compares the organiser key's
//! fingerprint and loads it, under the same checks as a package on a USB stick. A kiosk the
//! registry does not know, a registry that does not answer, a kiosk without a registry address
//! and a package signed by another organiser key than the pinned one change nothing and say
//! why on the screen.

use std::time::{Duration, Instant};

use crate::support::{TestRegistry, closed_address};
use slint::ComponentHandle;
use urne_core::audit::AuditEvent;
use urne_core::crypto::SecretKey;
use urne_kiosk::fetch::{self, FetchError};
use urne_kiosk::generated::{KioskAdapter, Page};
use urne_kiosk::kiosk::{Kiosk, KioskError, SETTING_REGISTRY_URL};
use urne_kiosk::ui_testing::Harness;
use urne_kiosk::ui_testing::demo::Fixture;
use urne_kiosk::view::{ViewOptions, grouped};
use urne_sync::uploader::Uploader;

const WAIT: Duration = Duration::from_secs(10);
const TITLE: &str = "Banquet citoyen de Bellevue — Assemblée populaire du 5 décembre";
/// The load button of the demo event's package (its accessible label).
const LOAD: &str =
    "Charger l'événement : Banquet citoyen de Bellevue — Assemblée populaire du 5 décembre";
const UNREACHABLE: &str = "Le registre ne répond pas. Vérifiez la connexion du kiosque (câble réseau, Wi-Fi ou partage de connexion d'un téléphone) et l'adresse du registre, puis touchez « Chercher à nouveau ».";

fn download_label() -> String {
    format!("Télécharger l'événement : {TITLE}")
}

fn demo_fingerprint() -> String {
    grouped(&urne_kiosk::demo::organiser_key().public().fingerprint())
}

/// The demo event signed by another organiser key, made a day after the demo package (the
/// registry hands out an event's newest package).
fn foreign_package(key: &SecretKey) -> Vec<u8> {
    urne_organiser::package::build(
        include_str!("../../../demo/assemblee-demo.toml"),
        include_bytes!("../../../demo/roster.csv"),
        key,
        &mut urne_codec::os::os_rng(),
        urne_core::timestamp::Timestamp(1_794_441_600 + 86_400),
        false,
        urne_organiser::package::Sealing::default(),
    )
    .unwrap()
    .bytes
}

/// A kiosk without an event whose registry is `url` (as given with `--registry`).
fn empty_kiosk(dir: &std::path::Path, url: Option<String>) -> Kiosk {
    Fixture::new(dir)
        .seed(8)
        .pin("123456")
        .registry(url)
        .build()
}

/// Opens the packages page from the idle screen, and shows the registry source.
fn open_registry(h: &Harness) {
    assert!(h.shows("Un organisateur doit charger l'événement"));
    h.tap("Charger l'événement (clé USB ou registre)");
    assert!(h.wait_for_page(Page::Packages, WAIT));
    h.tap("Registre");
}

#[test]
fn the_organiser_loads_the_event_from_the_registry_after_checking_its_key() {
    let dir = tempfile::tempdir().unwrap();
    let registry = TestRegistry::demo(dir.path());
    let kiosk = empty_kiosk(dir.path(), Some(registry.url.clone()));
    registry.enrol_kiosk(&kiosk.device_public_key());

    // Tall enough for the whole package card to be on screen without scrolling.
    let h = Harness::new(kiosk, ViewOptions::default(), 1024, 1100);
    let start = Instant::now();
    open_registry(&h);
    assert!(
        h.shows("Recherche des événements publiés au registre…"),
        "the lookup says it is under way"
    );
    assert!(
        h.wait_for(&download_label(), WAIT),
        "the demo event is listed"
    );
    assert!(h.shows(&format!("Registre : {}", registry.url)));
    h.tap(&download_label());
    assert!(h.shows(&format!("Téléchargement du paquet de « {TITLE} »…")));
    assert!(
        h.wait_for(
            &format!("Clé de l'organisateur : {}", demo_fingerprint()),
            WAIT
        ),
        "the downloaded package shows the key to compare"
    );
    assert!(h.shows(
        "Premier chargement : vérifiez que cette empreinte est bien celle affichée par « urne package ». Ce kiosque n'acceptera ensuite que les paquets signés par cette clé."
    ));
    h.tap(LOAD);
    assert!(h.wait_for_page(Page::Idle, WAIT));
    assert!(h.wait_for("Scannez votre badge", WAIT));
    assert!(h.window.global::<KioskAdapter>().get_has_event());
    h.shutdown();
    assert!(
        start.elapsed() < Duration::from_secs(8),
        "{:?}",
        start.elapsed()
    );

    // The package is the one published, and its key is pinned, as after a USB load.
    let kiosk = empty_kiosk(dir.path(), None);
    assert_eq!(
        kiosk.store().package().unwrap().unwrap(),
        urne_kiosk::demo::package().bytes
    );
    assert_eq!(
        kiosk.pinned_organiser().unwrap(),
        Some(urne_kiosk::demo::organiser_key().public().fingerprint())
    );
}

#[test]
fn a_kiosk_the_registry_does_not_know_is_told_to_have_its_fingerprint_enrolled() {
    let dir = tempfile::tempdir().unwrap();
    let registry = TestRegistry::demo(dir.path());
    let kiosk = empty_kiosk(dir.path(), Some(registry.url.clone()));
    let device = grouped(&kiosk.device_fingerprint());

    let h = Harness::new(kiosk, ViewOptions::default(), 1024, 1100);
    open_registry(&h);
    // The list is public; the package is not.
    assert!(h.wait_for(&download_label(), WAIT));
    h.tap(&download_label());
    assert!(
        h.wait_for(
            &format!(
                "Ce kiosque n'est pas inscrit au registre : il ne peut pas recevoir de paquet. Demandez au responsable du registre d'inscrire l'empreinte de ce kiosque (elle figure aussi sur la page Réglages) : {device}"
            ),
            WAIT
        ),
        "403 says what to do, with the fingerprint to enrol"
    );
    assert!(h.find(LOAD).is_empty(), "nothing to load");
    assert!(!h.window.global::<KioskAdapter>().get_has_event());
    h.tap("Retour");
    assert!(h.wait_for_page(Page::Idle, WAIT));
    assert!(h.shows("Un organisateur doit charger l'événement"));
    h.shutdown();

    let kiosk = empty_kiosk(dir.path(), None);
    assert!(kiosk.store().package().unwrap().is_none());
    assert!(kiosk.pinned_organiser().unwrap().is_none());
}

#[test]
fn a_registry_that_does_not_answer_is_said_so_quickly() {
    let dir = tempfile::tempdir().unwrap();
    let mut kiosk = empty_kiosk(dir.path(), None);
    // The address set on the settings page is the one asked.
    kiosk
        .store_mut()
        .set_setting(SETTING_REGISTRY_URL, &closed_address())
        .unwrap();

    let h = Harness::new(kiosk, ViewOptions::default(), 1024, 1100);
    let start = Instant::now();
    open_registry(&h);
    assert!(h.wait_for(UNREACHABLE, WAIT));
    assert!(
        start.elapsed() < Duration::from_secs(5),
        "{:?}",
        start.elapsed()
    );
    // The stick is still one tap away, and asking again says the same.
    h.tap("Clé USB");
    assert!(h.shows(
        "Aucun paquet d'événement (.urnepkg) sur la clé USB. Branchez la clé préparée avec la commande « urne package »."
    ));
    h.tap("Registre");
    assert!(h.shows(UNREACHABLE), "the registry's answer is kept");
    h.tap("Chercher à nouveau");
    assert!(h.wait_for(UNREACHABLE, WAIT));
    assert!(!h.window.global::<KioskAdapter>().get_has_event());
    h.shutdown();
}

#[test]
fn without_a_registry_address_the_page_says_where_to_set_it() {
    let dir = tempfile::tempdir().unwrap();
    let h = Harness::new(
        empty_kiosk(dir.path(), None),
        ViewOptions::default(),
        1024,
        1100,
    );
    open_registry(&h);
    assert!(h.wait_for(
        "Aucune adresse de registre n'est réglée sur ce kiosque. Un organisateur la règle sur la page Réglages du tableau de bord (« Adresse du registre ») : on y scanne la carte du registre ; sur un kiosque encore sans événement, elle peut aussi être donnée à son démarrage (options --registry et --registry-key).",
        WAIT
    ));
    h.shutdown();
}

#[test]
fn a_package_signed_by_another_organiser_key_than_the_pinned_one_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let other = SecretKey::from_seed(&[0x42; 32]);
    let foreign = foreign_package(&other);
    // The registry holds a newer package of the same event, signed by a second organiser key
    // enrolled for it there; this kiosk pinned the demo key when it loaded the demo package.
    let registry = TestRegistry::demo(dir.path());
    registry.enrol_organiser(
        urne_kiosk::demo::package().package.event.id.as_str(),
        &other.public(),
    );
    registry.publish(&foreign);
    let mut kiosk = Fixture::new(dir.path()).seed(8).demo().build();
    kiosk
        .store_mut()
        .set_setting(SETTING_REGISTRY_URL, &registry.url)
        .unwrap();
    registry.enrol_kiosk(&kiosk.device_public_key());

    let h = Harness::new(kiosk, ViewOptions::default(), 1024, 1200);
    h.unlock();
    h.tap("Réglages");
    assert!(h.wait_for_page(Page::Settings, WAIT));
    h.tap("Charger un événement");
    assert!(h.wait_for_page(Page::Packages, WAIT));
    h.tap("Registre");
    assert!(h.wait_for(&download_label(), WAIT));
    h.tap(&download_label());
    assert!(h.wait_for(
        "Ce paquet est signé par une autre clé que celle de ce kiosque : il sera refusé.",
        WAIT
    ));
    assert!(
        h.shows(&format!(
            "Clé de l'organisateur : {}",
            grouped(&other.public().fingerprint())
        )),
        "the key that signed it is shown"
    );
    assert!(
        h.find(LOAD).is_empty(),
        "no load button for a foreign package"
    );

    // Even asked directly, the kiosk refuses it and says so on the page.
    h.view
        .load_downloaded(foreign.clone(), other.public().fingerprint());
    assert!(h.wait_for(
        "Le paquet a été refusé : il est signé par une autre clé que celle de ce kiosque. Rien n'a été modifié.",
        WAIT
    ));
    h.tap("Retour");
    assert!(h.wait_for_page(Page::Dashboard, WAIT));
    h.shutdown();

    let mut kiosk = Fixture::new(dir.path()).seed(8).build();
    assert_eq!(
        kiosk.store().package().unwrap().unwrap(),
        urne_kiosk::demo::package().bytes
    );
    // The unlocking is audited; no package was loaded after the demo's.
    let loads = kiosk
        .store()
        .audit_chain()
        .unwrap()
        .into_iter()
        .filter(|e| matches!(e.event, AuditEvent::PackageLoaded { .. }))
        .count();
    assert_eq!(loads, 1);
    assert_eq!(
        kiosk.pinned_organiser().unwrap(),
        Some(urne_kiosk::demo::organiser_key().public().fingerprint())
    );
    // Locked, the kiosk does not even look at the signature: another package needs an
    // unlocked organiser once an event is loaded.
    assert!(matches!(
        kiosk.load_package_from_registry(
            &urne_kiosk::demo::package().bytes,
            &other.public().fingerprint()
        ),
        Err(KioskError::Locked)
    ));
}

#[test]
fn the_registry_answers_are_told_apart() {
    let dir = tempfile::tempdir().unwrap();
    let registry = TestRegistry::demo(dir.path());
    let device = SecretKey::from_seed(&[9; 32]);
    let event = urne_kiosk::demo::package().package.event.id.to_string();
    urne_sync::uploader::install_crypto_provider();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let up = Uploader::new(&registry.url).unwrap();
        let listed = fetch::events_with_packages(&up).await.unwrap();
        assert_eq!(listed.len(), 1);
        assert_eq!(listed[0].id, event);

        let refused = fetch::download(&up, &event, &device, None).await;
        assert!(
            matches!(&refused, Err(FetchError::NotEnrolled { device: d, .. }) if *d == device.public().fingerprint()),
            "{refused:?}"
        );
        registry.enrol_kiosk(&device.public());
        // Enrolled, and assigned to the demo event only.
        let elsewhere = fetch::download(&up, "autre-evenement", &device, None).await;
        assert!(
            matches!(&elsewhere, Err(FetchError::NotAssigned { device: d, .. }) if *d == device.public().fingerprint()),
            "{elsewhere:?}"
        );

        let fetched = fetch::download(&up, &event, &device, None).await.unwrap();
        assert_eq!(fetched.bytes, urne_kiosk::demo::package().bytes);
        let info = fetched.outcome.unwrap();
        assert!(info.first_load && !info.foreign);

        let down = Uploader::new(&closed_address()).unwrap();
        let unreachable = fetch::events_with_packages(&down).await;
        assert!(
            matches!(unreachable, Err(FetchError::Unreachable(_))),
            "{unreachable:?}"
        );
    });
}
