//! Revoking a kiosk whose key was copied, as an operator would while the registry serves.
//! Measured before: no command revoked an enrolled kiosk, and a device row removed from the
//! database was still accepted from the registry's cache (then the bundle's insert failed: 500).

use std::process::Command;

use urne_codec::protocol;
use urne_registry::{Refusal, RegistryStore, SqliteStore};

use super::forged::registry;
use super::registry_pages::{content_of, sample, sample_key, seal};

const EVENT: &str = "bellevue-2026-12-05";

fn revoke(db: &std::path::Path, fingerprint: &str, reason: &str) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_urne-registry"))
        .args(["revoke-device", "--reason", reason, "--db"])
        .arg(db)
        .arg(fingerprint)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn a_revoked_kiosk_is_refused_on_the_next_request_and_its_results_are_flagged() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("registry.sqlite");
    let registry = registry(dir.path());
    let kiosk = sample_key();
    let fingerprint = kiosk.public().fingerprint();
    registry.receive(&sample()).unwrap();
    assert_eq!(registry.results(EVENT).unwrap().kiosks.len(), 1);

    // Revoked by another process on the same database, while this registry runs.
    let said = revoke(&db, &fingerprint.to_hex(), "clé copiée");
    assert!(
        said.contains("revoked") && said.contains("clé copiée"),
        "{said}"
    );

    let (content, _) = content_of(&sample());
    match registry.receive(&seal(&content, 2, false)) {
        Err(Refusal::DeviceRevoked { device, .. }) => assert_eq!(device, fingerprint),
        other => panic!("a revoked kiosk's bundle was not refused: {other:?}"),
    }
    // It gets no challenge, and a package request it signs is refused before any.
    assert!(matches!(
        registry.challenge(&fingerprint.to_hex()),
        Err(Refusal::DeviceRevoked { .. })
    ));
    let signature = protocol::sign_package_request(&kiosk, EVENT, "0");
    assert!(matches!(
        registry.package_for(EVENT, &fingerprint.to_hex(), "0", &signature),
        Err(Refusal::DeviceRevoked { .. })
    ));

    // What it sent before is kept, and shown as a revoked kiosk's, never as results.
    assert_eq!(registry.store().bundle_count().unwrap(), 1);
    let results = registry.results(EVENT).unwrap();
    assert!(results.kiosks.is_empty(), "{:?}", results.kiosks);
    assert_eq!(results.revoked.len(), 1);
    assert_eq!(results.revoked[0].bundles, 1);
    let json = serde_json::to_value(&results).unwrap();
    assert_eq!(json["revoked"][0]["reason"], "clé copiée");
    assert_eq!(json["revoked"][0]["device"], fingerprint.to_hex());
    assert!(json["kiosks"].as_array().unwrap().is_empty());
    let page = urne_registry::pages::results(&results);
    assert!(page.contains("<strong>Kiosque révoqué</strong>"), "{page}");
    assert!(page.contains("clé copiée"));
    assert!(!page.contains("Résultats du kiosque"));

    // A second revocation keeps the first one's date and reason.
    let again = revoke(&db, &fingerprint.to_hex(), "autre raison");
    assert!(
        again.contains("already revoked") && again.contains("clé copiée"),
        "{again}"
    );
    // Enrolling the same key again does not lift it.
    registry
        .store()
        .enrol("Kiosque réinscrit", &kiosk.public())
        .unwrap();
    assert!(registry.receive(&sample()).is_err());
}

#[test]
fn a_device_row_removed_behind_the_registry_is_unknown_on_the_next_request() {
    let dir = tempfile::tempdir().unwrap();
    let registry = registry(dir.path());
    let (content, created) = content_of(&sample());
    // A bundle refused after its device was looked up (its sequence number is not its export's).
    let wrong = urne_codec::bundle::seal(&content, &sample_key(), 9, created, false)
        .unwrap()
        .bytes;
    assert!(matches!(registry.receive(&wrong), Err(Refusal::Content(_))));
    let raw = rusqlite::Connection::open(dir.path().join("registry.sqlite")).unwrap();
    raw.execute("DELETE FROM devices", []).unwrap();
    match registry.receive(&sample()) {
        Err(Refusal::DeviceNotEnrolled(_)) => {}
        other => panic!("a removed device is still known: {other:?}"),
    }
    assert_eq!(registry.store().bundle_count().unwrap(), 0);
}

#[test]
fn a_version_2_database_is_migrated_and_keeps_its_devices_and_their_events() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("registry.sqlite");
    let key = sample_key().public();
    {
        // The devices and bundles tables as schema version 2 wrote them, with one bundle.
        let raw = rusqlite::Connection::open(&db).unwrap();
        raw.execute_batch(
            "CREATE TABLE devices (fingerprint TEXT PRIMARY KEY, label TEXT NOT NULL,
             pem TEXT NOT NULL) WITHOUT ROWID;
             CREATE TABLE bundles (digest TEXT PRIMARY KEY,
             device TEXT NOT NULL REFERENCES devices(fingerprint), event TEXT NOT NULL,
             seq INTEGER NOT NULL, test INTEGER NOT NULL, received TEXT NOT NULL,
             receipt TEXT NOT NULL, summary TEXT NOT NULL, bytes BLOB NOT NULL,
             UNIQUE (device, event, seq)) WITHOUT ROWID;
             PRAGMA user_version = 2;",
        )
        .unwrap();
        raw.execute(
            "INSERT INTO devices VALUES (?1, 'Kiosque de 2025', ?2)",
            [key.fingerprint().to_hex(), key.to_pem()],
        )
        .unwrap();
        raw.execute(
            "INSERT INTO bundles VALUES ('00', ?1, 'fete-2025', 1, 0, '', '', '{}', x'')",
            [key.fingerprint().to_hex()],
        )
        .unwrap();
    }
    let store = SqliteStore::open(&db).unwrap();
    let device = store.device(&key.fingerprint()).unwrap().unwrap();
    assert_eq!(device.label, "Kiosque de 2025");
    assert_eq!(device.revoked, None);
    let revoked = store
        .revoke(&key.fingerprint(), "volé", "2026-12-06T10:00:00Z")
        .unwrap()
        .unwrap();
    assert!(revoked.now);
    assert_eq!(revoked.device.revoked.unwrap().reason, "volé");
    drop(store);
    let raw = rusqlite::Connection::open(&db).unwrap();
    let version: i64 = raw
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .unwrap();
    assert_eq!(version, 5, "migrated to the current version");
    // The kiosk stays assigned to the event it already sent results for, and only to it.
    let store = SqliteStore::open(&db).unwrap();
    assert_eq!(store.assignments("fete-2025").unwrap(), [key.fingerprint()]);
    assert!(!store.is_assigned(EVENT, &key.fingerprint()).unwrap());
    drop(store);

    // A database older than what this registry reads is refused whole, with its version.
    let old = dir.path().join("old.sqlite");
    rusqlite::Connection::open(&old)
        .unwrap()
        .execute_batch("CREATE TABLE devices (x TEXT); PRAGMA user_version = 1;")
        .unwrap();
    let error = SqliteStore::open(&old).unwrap_err().to_string();
    assert!(error.contains("schema version 1"), "{error}");
}
