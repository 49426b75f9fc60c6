//! The registry's key is pinned at the kiosk's setup, from the registry's card, never taken from
//! whoever answers first: a server at the registry's address with another key (a hotel Wi-Fi
//! that redirects, a DNS answer forged, a copied address) gets the bundles it is sent but its
//! receipts count for nothing, and the bundles stay to send to the real registry.

use crate::support;

use std::time::{Duration, Instant};

use urne_core::crypto::SecretKey;
use urne_kiosk::store::UploadState;
use urne_kiosk::uploads::{UploadLoop, upload_pending};
use urne_registry::Limits;
use urne_sync::uploader::Uploader;

fn generous() -> Limits {
    Limits {
        uploads_per_minute: 100_000,
        burst: 10_000,
        ..Limits::default()
    }
}

#[test]
fn a_receipt_from_another_key_than_the_pinned_one_leaves_the_bundles_to_send() {
    let organiser = urne_kiosk::demo::organiser_key();
    let mut kiosk = support::evening(
        *b"a kiosk behind a hotel's Wi-Fi..",
        &urne_kiosk::demo::package(),
        &organiser,
        5,
        2,
    );
    // The real registry, and an impostor: a registry of its own (another key) where the
    // same kiosk happens to be enrolled, so that it answers with well-formed receipts.
    let (_real_dir, real_db) = support::scratch();
    let real = support::serve_in_process(
        support::registry_db(&real_db, &[&kiosk.device], &organiser),
        generous(),
    );
    let (_fake_dir, fake_db) = support::scratch();
    let impostor = support::serve_in_process_with_key(
        support::registry_db(&fake_db, &[&kiosk.device], &organiser),
        generous(),
        SecretKey::from_seed(&[0x66; 32]),
    );
    let pinned = real.registry.public_key().fingerprint();
    assert_ne!(pinned, impostor.registry.public_key().fingerprint());

    // The kiosk sends to the impostor: it stores the first bundle and signs a receipt, which
    // the kiosk does not take. Nothing is marked as sent, and the pass stops there.
    let to_impostor = Uploader::new(&impostor.url).unwrap();
    let pass = impostor
        .runtime
        .block_on(upload_pending(
            kiosk.kiosk.store_mut(),
            &to_impostor,
            &pinned,
        ))
        .unwrap();
    assert_eq!((pass.synced, pass.refused, pass.waiting), (0, 0, 1));
    assert_eq!(kiosk.kiosk.store().pending_uploads().unwrap().len(), 2);
    assert!(
        kiosk
            .kiosk
            .store()
            .exports()
            .unwrap()
            .iter()
            .all(|e| e.upload == UploadState::Pending)
    );
    assert_eq!(impostor.registry.store().bundle_count().unwrap(), 1);

    // The real registry, once reached, gets both and its receipts are kept.
    let to_real = Uploader::new(&real.url).unwrap();
    let pass = real
        .runtime
        .block_on(upload_pending(kiosk.kiosk.store_mut(), &to_real, &pinned))
        .unwrap();
    assert_eq!((pass.synced, pass.refused, pass.waiting), (2, 0, 0));
    assert!(kiosk.kiosk.store().pending_uploads().unwrap().is_empty());
    assert_eq!(real.registry.store().bundle_count().unwrap(), 2);
}

#[test]
fn without_the_registry_key_the_upload_loop_sends_nothing() {
    let organiser = urne_kiosk::demo::organiser_key();
    let kiosk = support::evening(
        *b"a kiosk set up with no card.....",
        &urne_kiosk::demo::package(),
        &organiser,
        3,
        1,
    );
    let (_dir, db) = support::scratch();
    let registry = support::serve_in_process(
        support::registry_db(&db, &[&kiosk.device], &organiser),
        generous(),
    );
    // An address from the command line without `--registry-key`: the loop waits for the key
    // (its first pass runs at once) and trusts nobody in the meantime.
    let database = kiosk.kiosk.store().path().to_owned();
    let uploads = UploadLoop::spawn(
        database.clone(),
        Some((registry.url.clone(), None)),
        Default::default(),
    )
    .unwrap();
    std::thread::sleep(Duration::from_secs(2));
    uploads.stop();
    assert_eq!(registry.registry.store().bundle_count().unwrap(), 0);
    assert_eq!(kiosk.kiosk.store().pending_uploads().unwrap().len(), 1);

    // With the key from the card, the same loop sends the bundle.
    let key = registry.registry.public_key().fingerprint();
    let uploads = UploadLoop::spawn(
        database,
        Some((registry.url.clone(), Some(key))),
        Default::default(),
    )
    .unwrap();
    let start = Instant::now();
    while registry.registry.store().bundle_count().unwrap() == 0
        && start.elapsed() < Duration::from_secs(30)
    {
        std::thread::sleep(Duration::from_millis(50));
    }
    uploads.stop();
    assert_eq!(registry.registry.store().bundle_count().unwrap(), 1);
}
