//! Loading the event from a USB stick: the organiser confirms the key's fingerprint on the first
//! load, which pins it; tampered, unsigned and foreign packages are refused with a clear message
//! and change nothing.

use std::time::Duration;

use slint::ComponentHandle;
use urne_core::credential::Role;
use urne_core::crypto::SecretKey;
use urne_kiosk::generated::{KioskAdapter, Page};
use urne_kiosk::kiosk::{Kiosk, KioskError, PackageProblem};
use urne_kiosk::ui_testing::Harness;
use urne_kiosk::ui_testing::demo::Fixture;
use urne_kiosk::view::{ViewOptions, grouped};

const WAIT: Duration = Duration::from_secs(10);

fn foreign_package() -> Vec<u8> {
    let mut rng = urne_codec::os::os_rng();
    urne_organiser::package::build(
        include_str!("../../../demo/assemblee-demo.toml"),
        include_bytes!("../../../demo/roster.csv"),
        &SecretKey::from_seed(&[0x42; 32]),
        &mut rng,
        urne_core::timestamp::Timestamp(1_794_441_600),
        false,
        urne_organiser::package::Sealing::default(),
    )
    .unwrap()
    .bytes
}

fn tampered_package() -> Vec<u8> {
    let mut bytes = urne_kiosk::demo::package().bytes;
    // Change the event's title inside the tar: the hash in the manifest no longer matches.
    let at = bytes
        .windows(7)
        .position(|w| w == b"Banquet")
        .expect("the title is in the package");
    bytes[at] = b'P';
    bytes
}

fn unsigned_package() -> Vec<u8> {
    let files = urne_codec::tarball::read(&urne_kiosk::demo::package().bytes).unwrap();
    let kept: Vec<(String, Vec<u8>)> = files
        .into_iter()
        .filter(|(name, _)| name != "manifest.sig")
        .collect();
    urne_codec::tarball::write(&kept, 0)
}

/// The demo event as a package made before the sealed ballot box: signed by the demo organiser,
/// valid in every other way, but with no `tally.json` — its ballots would sit in clear.
fn unsealed_package() -> Vec<u8> {
    let files = urne_codec::tarball::read(&urne_kiosk::demo::package().bytes).unwrap();
    let data: std::collections::BTreeMap<String, Vec<u8>> = files
        .into_iter()
        .filter(|(name, _)| name == "event.json" || name == "roster.json")
        .collect();
    let verified = urne_codec::package::read(&urne_kiosk::demo::package().bytes, None).unwrap();
    let header = urne_core::archive::ManifestHeader {
        format: urne_core::archive::ArchiveFormat::Package,
        kind: urne_core::package::KIND_PACKAGE.into(),
        event: verified.package.event.id.clone(),
        seq: 1,
        created: verified.created,
    };
    let sealed =
        urne_core::archive::seal(&header, &data, &urne_kiosk::demo::organiser_key()).unwrap();
    urne_codec::tarball::write(&sealed, 0)
}

fn kiosk(dir: &std::path::Path, usb: &std::path::Path) -> Kiosk {
    Fixture::new(dir)
        .seed(8)
        .pin("123456")
        .usb_folder(usb)
        .build()
}

#[test]
fn the_first_package_is_confirmed_on_screen_and_pins_its_key() {
    let dir = tempfile::tempdir().unwrap();
    let usb = tempfile::tempdir().unwrap();
    std::fs::write(
        usb.path().join("1-bellevue.urnepkg"),
        urne_kiosk::demo::package().bytes,
    )
    .unwrap();
    std::fs::write(usb.path().join("2-altere.urnepkg"), tampered_package()).unwrap();
    std::fs::write(usb.path().join("3-non-signe.urnepkg"), unsigned_package()).unwrap();
    std::fs::write(usb.path().join("4-ancien.urnepkg"), unsealed_package()).unwrap();

    // Tall enough for the four packages to be on screen without scrolling.
    let h = Harness::new(
        kiosk(dir.path(), usb.path()),
        ViewOptions::default(),
        1024,
        1400,
    );
    assert!(h.shows("Un organisateur doit charger l'événement"));
    h.tap("Charger l'événement (clé USB ou registre)");
    assert!(h.wait_for_page(Page::Packages, WAIT));
    let demo_key = grouped(&urne_kiosk::demo::organiser_key().public().fingerprint());
    assert!(
        h.shows(&format!("Clé de l'organisateur : {demo_key}")),
        "the fingerprint to compare is on screen"
    );
    assert!(
        h.shows("Paquet inutilisable : le paquet a été modifié après sa signature."),
        "the tampered package is shown as unusable, with the reason"
    );
    assert!(h.shows("Paquet inutilisable : le paquet n'est pas signé."));
    assert!(
        h.shows(
            "Paquet inutilisable : ce paquet a été préparé avant l'urne scellée et n'a pas de \
             clé de dépouillement : refaites-le avec urne package."
        ),
        "a package whose ballots would sit in clear is refused, with what to do"
    );
    h.tap("Charger l'événement : Banquet citoyen de Bellevue — Assemblée populaire du 5 décembre");
    assert!(h.wait_for_page(Page::Idle, WAIT));
    assert!(h.wait_for("Scannez votre badge", WAIT));
    assert!(h.window.global::<KioskAdapter>().get_has_event());
    h.shutdown();

    // The key is pinned: a package signed by another key is refused and changes nothing.
    let mut k = kiosk(dir.path(), usb.path());
    let before = k.store().audit_chain().unwrap().len();
    let err = k.load_package(&foreign_package()).unwrap_err();
    assert!(matches!(err, KioskError::ForeignPackage { .. }), "{err}");
    assert!(matches!(
        k.load_package(&tampered_package()),
        Err(KioskError::Package(PackageProblem::Altered, _))
    ));
    assert!(matches!(
        k.load_package(&unsigned_package()),
        Err(KioskError::Package(PackageProblem::Unsigned, _))
    ));
    assert!(matches!(
        k.load_package(&unsealed_package()),
        Err(KioskError::Package(PackageProblem::Unsealed, _))
    ));
    assert_eq!(k.store().audit_chain().unwrap().len(), before);
    assert_eq!(
        k.store().package().unwrap().unwrap(),
        urne_kiosk::demo::package().bytes
    );
}

#[test]
fn a_foreign_package_is_flagged_on_screen_once_a_key_is_pinned() {
    let dir = tempfile::tempdir().unwrap();
    let usb = tempfile::tempdir().unwrap();
    let mut k = kiosk(dir.path(), usb.path());
    k.set_pin("123456").unwrap();
    k.load_package(&urne_kiosk::demo::package().bytes).unwrap();
    std::fs::write(usb.path().join("autre.urnepkg"), foreign_package()).unwrap();

    let h = Harness::new(k, ViewOptions::default(), 1024, 1200);
    let badges = urne_papers::badges::issue_all(
        &urne_kiosk::demo::package().package,
        &urne_kiosk::demo::organiser_key(),
    );
    let organiser = badges.iter().find(|b| b.role == Role::Organiser).unwrap();
    h.scan(&organiser.payload);
    assert!(h.wait_for_page(Page::Pin, WAIT));
    for d in "123456".chars() {
        h.tap(&d.to_string());
    }
    h.tap("Valider");
    assert!(h.wait_for_page(Page::Dashboard, WAIT));
    h.tap("Réglages");
    assert!(h.wait_for_page(Page::Settings, WAIT));
    h.tap("Charger un événement");
    assert!(h.wait_for_page(Page::Packages, WAIT));
    assert!(
        h.shows("Ce paquet est signé par une autre clé que celle de ce kiosque : il sera refusé.")
    );
    assert!(
        h.find(
            "Charger l'événement : Banquet citoyen de Bellevue — Assemblée populaire du 5 décembre"
        )
        .is_empty(),
        "no load button for a foreign package"
    );
    h.tap("Retour");
    assert!(h.wait_for_page(Page::Dashboard, WAIT));
    h.shutdown();
}
