//! The device key: made at first start from the operating system's random source, kept with
//! mode 0600, the same on every later start, recorded in the audit chain, and shown on the
//! organiser's dashboard as text, and on the settings page as a QR code that decodes to the fingerprint.

use std::time::Duration;

use urne_core::audit::AuditEvent;
use urne_core::credential::Role;
use urne_kiosk::generated::Page;
use urne_kiosk::kiosk::Kiosk;
use urne_kiosk::ui_testing::Harness;
use urne_kiosk::ui_testing::demo::Fixture;
use urne_kiosk::view::ViewOptions;

const WAIT: Duration = Duration::from_secs(10);

fn open(dir: &std::path::Path) -> Kiosk {
    Fixture::new(dir).key_file().build()
}

#[test]
fn the_device_key_is_made_once_kept_private_and_shown_as_text_and_qr() {
    let dir = tempfile::tempdir().unwrap();
    let first = open(dir.path()).device_fingerprint();
    let kiosk = open(dir.path());
    assert_eq!(
        kiosk.device_fingerprint(),
        first,
        "the same key on every start"
    );
    // Another data folder, another key: it comes from the random source, not a constant.
    let other = tempfile::tempdir().unwrap();
    assert_ne!(open(other.path()).device_fingerprint(), first);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.path().join("device.key"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let created: Vec<_> = kiosk
        .store()
        .audit_chain()
        .unwrap()
        .into_iter()
        .filter(|e| matches!(e.event, AuditEvent::DeviceKeyCreated { .. }))
        .collect();
    assert_eq!(created.len(), 1);

    let mut kiosk = kiosk;
    kiosk.set_pin("123456").unwrap();
    kiosk
        .load_package(&urne_kiosk::demo::package().bytes)
        .unwrap();
    let badges = urne_papers::badges::issue_all(
        &urne_kiosk::demo::package().package,
        &urne_kiosk::demo::organiser_key(),
    );
    let organiser = badges.iter().find(|b| b.role == Role::Organiser).unwrap();
    let hex = first.to_hex();
    // Shown in groups of four, as the registry's messages write it.
    let shown = urne_kiosk::view::grouped(&first);
    let options = ViewOptions {
        device_fingerprint: hex.clone(),
        ..ViewOptions::default()
    };
    let h = Harness::new(kiosk, options, 1280, 1600);
    h.scan(&organiser.payload);
    assert!(h.wait_for_page(Page::Pin, WAIT));
    for d in "123456".chars() {
        h.tap(&d.to_string());
    }
    h.tap("Valider");
    assert!(h.wait_for_page(Page::Dashboard, WAIT));
    assert!(h.shows(&format!("Empreinte du kiosque : {shown}")));
    // The QR code for enrolment is on the settings page, beside the registry's address.
    h.tap("Réglages");
    assert!(h.wait_for_page(Page::Settings, WAIT));
    assert!(h.shows(&format!(
        "Pour inscrire ce kiosque au registre, donnez-y son empreinte : {shown}"
    )));

    let shot = h.snapshot(&dir.path().join("settings.png"));
    let texts = crate::support::reading::qr_codes(shot);
    assert_eq!(texts, [hex]);
    h.shutdown();
}
