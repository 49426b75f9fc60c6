//! The package challenge under replay, as measured before: a challenge was a signed timestamp
//! that any enrolled kiosk could use, as often as it liked, for five minutes; a captured package
//! request could be sent again. Now a challenge is a nonce issued to one enrolled kiosk, good
//! once and for five minutes of the registry's clock.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use urne_codec::protocol;
use urne_core::crypto::SecretKey;
use urne_core::timestamp::Timestamp;
use urne_registry::{Limits, Refusal, Registry, RegistryStore, SqliteStore};

const EVENT: &str = "bellevue-2026-12-05";

/// The clock of the expiry test's registry, moved by hand (its own: tests run at once).
static NOW: AtomicI64 = AtomicI64::new(1_796_500_000);

fn moving_clock() -> Timestamp {
    Timestamp(NOW.load(Ordering::SeqCst))
}

fn fixed_clock() -> Timestamp {
    Timestamp(1_796_500_000)
}

fn kiosk(n: u8) -> SecretKey {
    SecretKey::from_seed(&[n; 32])
}

fn registry(dir: &std::path::Path, clock: fn() -> Timestamp) -> Registry {
    let store = Arc::new(SqliteStore::open(&dir.join("registry.sqlite")).unwrap());
    store.enrol("Kiosque 1", &kiosk(1).public()).unwrap();
    store.enrol("Kiosque 2", &kiosk(2).public()).unwrap();
    // Kiosk 4 is enrolled for another event only.
    store.enrol("Kiosque 4", &kiosk(4).public()).unwrap();
    for (n, event) in [(1, EVENT), (2, EVENT), (4, "autre-assemblee")] {
        store
            .assign(
                event,
                &kiosk(n).public().fingerprint(),
                "2026-12-01T10:00:00Z",
            )
            .unwrap();
    }
    Registry::new(
        store,
        SecretKey::from_seed(&[7; 32]),
        clock,
        Limits::default(),
    )
}

/// A package request signed by `key` over `challenge`. No package is published: a request that
/// passes the proof is answered `NoPackage`, one that does not is refused before.
fn ask(registry: &Registry, key: &SecretKey, challenge: &str) -> Result<Vec<u8>, Refusal> {
    registry.package_for(
        EVENT,
        &key.public().fingerprint().to_hex(),
        challenge,
        &protocol::sign_package_request(key, EVENT, challenge),
    )
}

#[test]
fn a_challenge_is_good_once_for_the_kiosk_it_was_issued_to() {
    let dir = tempfile::tempdir().unwrap();
    let registry = registry(dir.path(), fixed_clock);
    let one = kiosk(1).public().fingerprint().to_hex();

    let challenge = registry.challenge(&one).unwrap();
    assert!(matches!(
        ask(&registry, &kiosk(1), &challenge),
        Err(Refusal::NoPackage(_))
    ));
    // The captured request, sent again.
    assert!(matches!(
        ask(&registry, &kiosk(1), &challenge),
        Err(Refusal::StaleChallenge)
    ));

    // Another enrolled kiosk cannot use it, even signing it with its own key.
    let challenge = registry.challenge(&one).unwrap();
    assert!(matches!(
        ask(&registry, &kiosk(2), &challenge),
        Err(Refusal::StaleChallenge)
    ));

    // A wrong signature does not spend the kiosk's challenge.
    let challenge = registry.challenge(&one).unwrap();
    let forged = registry.package_for(
        EVENT,
        &one,
        &challenge,
        &protocol::sign_package_request(&kiosk(3), EVENT, &challenge),
    );
    assert!(matches!(forged, Err(Refusal::BadSignature)));
    assert!(matches!(
        ask(&registry, &kiosk(1), &challenge),
        Err(Refusal::NoPackage(_))
    ));

    // Only enrolled kiosks get one.
    let stranger = kiosk(3).public().fingerprint().to_hex();
    assert!(matches!(
        registry.challenge(&stranger),
        Err(Refusal::UnknownDevice(_))
    ));
    assert!(matches!(
        registry.challenge("not a fingerprint"),
        Err(Refusal::BadFingerprint)
    ));
}

#[test]
fn challenges_expire_and_asking_many_keeps_a_few() {
    let dir = tempfile::tempdir().unwrap();
    let registry = registry(dir.path(), moving_clock);
    let one = kiosk(1).public().fingerprint().to_hex();

    let start = NOW.load(Ordering::SeqCst);
    let late = registry.challenge(&one).unwrap();
    NOW.store(
        start + protocol::CHALLENGE_LIFETIME_SECONDS + 1,
        Ordering::SeqCst,
    );
    let expired = ask(&registry, &kiosk(1), &late);
    NOW.store(start, Ordering::SeqCst);
    assert!(
        matches!(expired, Err(Refusal::StaleChallenge)),
        "{expired:?}"
    );

    let many: Vec<String> = (0..1000)
        .map(|_| registry.challenge(&one).unwrap())
        .collect();
    let kept: i64 = rusqlite::Connection::open(dir.path().join("registry.sqlite"))
        .unwrap()
        .query_row("SELECT count(*) FROM challenges", [], |r| r.get(0))
        .unwrap();
    assert!(kept <= 4, "{kept} challenges kept");
    assert!(matches!(
        ask(&registry, &kiosk(1), &many[0]),
        Err(Refusal::StaleChallenge)
    ));
    assert!(matches!(
        ask(&registry, &kiosk(1), &many[999]),
        Err(Refusal::NoPackage(_))
    ));
}

/// Measured before: any enrolled kiosk downloaded any event's roster. A kiosk assigned to
/// another event gets a challenge (it is enrolled) but not this event's package, and keeps its
/// challenge for its own event.
#[test]
fn a_kiosk_gets_only_the_packages_of_the_events_it_is_assigned_to() {
    let dir = tempfile::tempdir().unwrap();
    let registry = registry(dir.path(), fixed_clock);
    let four = kiosk(4).public().fingerprint();
    let challenge = registry.challenge(&four.to_hex()).unwrap();
    match ask(&registry, &kiosk(4), &challenge) {
        Err(Refusal::NotAssigned { device, event }) => {
            assert_eq!((device, event.as_str()), (four, EVENT));
        }
        other => panic!("an unassigned kiosk was answered {other:?}"),
    }
    let own = registry.package_for(
        "autre-assemblee",
        &four.to_hex(),
        &challenge,
        &protocol::sign_package_request(&kiosk(4), "autre-assemblee", &challenge),
    );
    assert!(matches!(own, Err(Refusal::NoPackage(_))), "{own:?}");

    // Assigned by the operator while the registry runs: the next request gets through.
    registry
        .store()
        .assign(EVENT, &four, "2026-12-01T11:00:00Z")
        .unwrap();
    let challenge = registry.challenge(&four.to_hex()).unwrap();
    assert!(matches!(
        ask(&registry, &kiosk(4), &challenge),
        Err(Refusal::NoPackage(_))
    ));
}

/// The operator's commands, run against the database of a registry that serves: `enrol
/// --event`, `assignments`, `unassign`, `assign`, each read on the next request.
#[test]
fn the_operator_assigns_and_unassigns_kiosks_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("registry.sqlite");
    let registry = registry(dir.path(), fixed_clock);
    let key = kiosk(5);
    let pem = dir.path().join("device.pem");
    std::fs::write(&pem, key.public().to_pem()).unwrap();
    let fingerprint = key.public().fingerprint().to_hex();
    let run = |args: &[&str]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_urne-registry"))
            .args(args)
            .arg("--db")
            .arg(&db)
            .output()
            .unwrap();
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned()
                + &String::from_utf8_lossy(&out.stderr),
        )
    };
    let pem_arg = pem.to_str().unwrap();
    let (ok, out) = run(&[
        "enrol",
        "--label",
        "Kiosque 5",
        "--pubkey",
        pem_arg,
        "--event",
        EVENT,
    ]);
    assert!(ok, "{out}");
    assert!(
        out.contains(&format!("assigned {fingerprint} to {EVENT}")),
        "{out}"
    );
    let (ok, out) = run(&["assignments", "--event", EVENT]);
    assert!(ok && out.contains(&fingerprint), "{out}");
    let challenge = registry.challenge(&fingerprint).unwrap();
    assert!(matches!(
        ask(&registry, &key, &challenge),
        Err(Refusal::NoPackage(_))
    ));

    let (ok, out) = run(&["unassign", "--event", EVENT, "--device", &fingerprint]);
    assert!(ok, "{out}");
    let challenge = registry.challenge(&fingerprint).unwrap();
    assert!(matches!(
        ask(&registry, &key, &challenge),
        Err(Refusal::NotAssigned { .. })
    ));
    let (ok, out) = run(&["assignments", "--event", EVENT]);
    assert!(ok && !out.contains(&fingerprint), "{out}");

    // Only an enrolled kiosk, only an event id, only a fingerprint.
    let stranger = kiosk(6).public().fingerprint().to_hex();
    let (ok, out) = run(&["assign", "--event", EVENT, "--device", &stranger]);
    assert!(!ok && out.contains("is enrolled"), "{out}");
    let (ok, out) = run(&["assign", "--event", "Pas Un Id", "--device", &fingerprint]);
    assert!(!ok && out.contains("is not an event id"), "{out}");
    let (ok, out) = run(&["assign", "--event", EVENT, "--device", "1234"]);
    assert!(!ok && out.contains("is not a fingerprint"), "{out}");
    let (ok, out) = run(&["assign", "--event", EVENT, "--device", &fingerprint]);
    assert!(ok && out.contains("assigned"), "{out}");
}
