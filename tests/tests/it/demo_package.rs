//! The committed demo package `demo/assemblee-demo.urnepkg` (embedded by the kiosk and by `urne
//! demo`) is exactly what the organiser's tools build from `demo/assemblee-demo.toml` and
//! `demo/roster.csv` with the demo's seeded generator, build time and published key; and `urne
//! demo` writes that file and the kiosk's demo key.
//!
//! After changing the demo's TOML or roster (or the package format), regenerate the file with
//! `URNE_BLESS=1 cargo test -p urne-tests --test it demo_package`, which rewrites it atomically.

use std::process::Command;

use urne_core::crypto::SecretKey;
use urne_core::rand_core::SeedableRng;
use urne_tests::{binary, workspace};

use crate::support::{DEMO_CREATED, DEMO_EVENT_TOML, DEMO_RNG_SEED, DEMO_ROSTER_CSV};

/// The demo package as the organiser's tools build it today.
fn rebuilt() -> Vec<u8> {
    let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(DEMO_RNG_SEED);
    urne_organiser::package::build(
        DEMO_EVENT_TOML,
        DEMO_ROSTER_CSV,
        &urne_kiosk::demo::organiser_key(),
        &mut rng,
        DEMO_CREATED,
        false,
        urne_organiser::package::Sealing::TestKey,
    )
    .expect("the demo assembly is valid")
    .bytes
}

#[test]
fn the_committed_demo_package_is_what_the_demo_files_build() {
    let path = workspace().join("demo/assemblee-demo.urnepkg");
    let built = rebuilt();
    if std::env::var_os("URNE_BLESS").is_some_and(|v| v == "1") {
        urne_codec::atomic::write(&path, &built, 0o644).unwrap();
        // What was compiled in is the old file until the next build.
        eprintln!("{} rewritten: rebuild to embed it", path.display());
        return;
    }
    let committed = std::fs::read(&path).unwrap();
    assert!(
        committed == built,
        "{} is not what demo/assemblee-demo.toml and demo/roster.csv build: regenerate it with \
         `URNE_BLESS=1 cargo test -p urne-tests --test it demo_package`, then rebuild (the kiosk \
         and `urne demo` embed it)",
        path.display()
    );
    assert!(
        urne_kiosk::demo::PACKAGE == committed.as_slice(),
        "the kiosk embeds an older demo/assemblee-demo.urnepkg: rebuild it"
    );
}

#[test]
fn the_kiosk_reads_the_demo_package_signed_by_the_demo_key() {
    let signed = urne_kiosk::demo::package();
    assert_eq!(signed.bytes, urne_kiosk::demo::PACKAGE);
    let verified = urne_codec::package::read(
        &signed.bytes,
        Some(&urne_kiosk::demo::organiser_key().public().fingerprint()),
    )
    .unwrap();
    assert_eq!(verified.package, signed.package);
    assert_eq!(verified.created, DEMO_CREATED);
    assert_eq!(signed.package.roster.len(), 150);
}

#[test]
fn urne_demo_writes_the_kiosks_demo_package_and_key() {
    let dir = tempfile::tempdir().unwrap();
    let (package, key) = (dir.path().join("demo.urnepkg"), dir.path().join("demo.key"));
    let status = Command::new(binary("urne"))
        .args(["--lang", "en", "demo", "--package"])
        .arg(&package)
        .arg("--key")
        .arg(&key)
        .status()
        .unwrap();
    assert!(status.success());
    assert_eq!(std::fs::read(&package).unwrap(), urne_kiosk::demo::PACKAGE);
    let written = SecretKey::from_pem(&std::fs::read_to_string(&key).unwrap()).unwrap();
    assert_eq!(
        written.public(),
        urne_kiosk::demo::organiser_key().public(),
        "urne demo and the kiosk name the same demo organiser key"
    );
}
