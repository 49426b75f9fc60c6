//! The registry over real HTTP on 127.0.0.1: a hundred hostile variations of a valid bundle are
//! all refused and change nothing; a kiosk cannot upload for an event whose organiser key it did
//! not run; the limits answer 413, 408 and 429 with a reason; packages reach enrolled kiosks only;
//! events and results are published as JSON.

use crate::support;

use std::io::{Read, Write};
use std::time::Duration;

use support::{Bundle, InProcess};
use urne_codec::{protocol, tarball};
use urne_core::crypto::{SecretKey, Sha256Digest};
use urne_kiosk::uploads::upload_pending;
use urne_registry::{Limits, RegistryStore};
use urne_sync::uploader::Uploader;

/// Generous limits: the subject of most tests here is not the rate limit.
fn open_limits() -> Limits {
    Limits {
        uploads_per_minute: 100_000,
        burst: 10_000,
        // The mutation test checks that each of its 100 refusals is recorded.
        refusal_burst: 10_000,
        ..Limits::default()
    }
}

/// One HTTP request to the registry; the status and the body.
fn http(
    registry: &InProcess,
    method: reqwest::Method,
    path: &str,
    body: Option<Vec<u8>>,
    headers: &[(&str, String)],
) -> (u16, Vec<u8>) {
    let client = reqwest::Client::new();
    let mut request = client.request(method, format!("{}{path}", registry.url));
    for (name, value) in headers {
        request = request.header(*name, value);
    }
    if let Some(body) = body {
        request = request.body(body);
    }
    registry.runtime.block_on(async {
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        (status, response.bytes().await.unwrap().to_vec())
    })
}

fn upload(registry: &InProcess, bytes: &[u8]) -> (u16, serde_json::Value) {
    let (status, body) = http(
        registry,
        reqwest::Method::POST,
        protocol::BUNDLES,
        Some(bytes.to_vec()),
        &[],
    );
    (status, serde_json::from_slice(&body).unwrap_or_default())
}

fn reason(answer: &serde_json::Value) -> String {
    answer["error"].as_str().unwrap_or_default().to_owned()
}

/// Everything the registry keeps about bundles, to compare before and after.
fn snapshot(registry: &InProcess) -> Vec<(String, String, u64, Vec<u8>)> {
    let store = registry.registry.store();
    store
        .bundles()
        .unwrap()
        .into_iter()
        .map(|b| {
            let bytes = store.bundle_bytes(&b.digest).unwrap().unwrap();
            (b.digest, b.device, b.seq, bytes)
        })
        .collect()
}

fn random(state: &mut u64) -> u64 {
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    *state
}

/// The files of a bundle, changed by `change`, written back as Urne writes tar files.
fn retar(bundle: &[u8], change: impl FnOnce(&mut Vec<(String, Vec<u8>)>)) -> Vec<u8> {
    let mut files = tarball::read(bundle).unwrap();
    let mtime = tar::Header::from_byte_slice(&bundle[..512])
        .mtime()
        .unwrap();
    change(&mut files);
    tarball::write(&files, mtime)
}

fn file<'a>(files: &'a mut [(String, Vec<u8>)], name: &str) -> &'a mut Vec<u8> {
    &mut files.iter_mut().find(|(n, _)| n == name).unwrap().1
}

#[test]
fn a_hundred_mutations_of_a_valid_bundle_are_refused_and_change_nothing() {
    let organiser = urne_kiosk::demo::organiser_key();
    let package = urne_kiosk::demo::package();
    let seed = *b"the kiosk whose bundles mutate!!";
    let kiosk = support::evening(seed, &package, &organiser, 15, 3);
    // The same device key on another evening: valid bundles reusing sequence numbers 1 and 2.
    let replay = support::evening(seed, &package, &organiser, 9, 2);
    let stranger = support::evening(
        *b"a kiosk nobody ever enrolled!!!!",
        &package,
        &organiser,
        15,
        2,
    );
    let (_dir, db) = support::scratch();
    let store = support::registry_db(&db, &[&kiosk.device], &organiser);
    let registry = support::serve_in_process(store, open_limits());
    for stored in &kiosk.bundles[..2] {
        assert_eq!(upload(&registry, &stored.bytes).0, 201);
    }
    // The third export is valid and not uploaded yet: each mutation starts from it.
    let base: &Bundle = &kiosk.bundles[2];
    let before = snapshot(&registry);
    let refusals_before = registry.registry.store().refusals(10_000).unwrap().len();

    let mut state = 0x0123_4567_89AB_CDEF_u64;
    let mut kinds = std::collections::BTreeMap::<&str, usize>::new();
    for i in 0..100_u32 {
        let (kind, bytes, expected): (&str, Vec<u8>, &[u16]) = match i % 7 {
            0 | 1 => {
                let mut bytes = base.bytes.clone();
                let at = usize::try_from(random(&mut state)).unwrap() % bytes.len();
                bytes[at] ^= 1 << (random(&mut state) % 8);
                ("bit flip", bytes, &[400, 422])
            }
            2 => {
                let len = usize::try_from(random(&mut state)).unwrap() % base.bytes.len();
                ("truncation", base.bytes[..len].to_vec(), &[400, 422])
            }
            3 => {
                // Another bundle's signature, or random bytes in its place.
                let other = &kiosk.bundles[usize::try_from(random(&mut state) % 2).unwrap()];
                let signature = tarball::read(&other.bytes)
                    .unwrap()
                    .into_iter()
                    .find(|(n, _)| n == "manifest.sig")
                    .unwrap()
                    .1;
                let noise: Vec<u8> = (0..64).map(|_| random(&mut state) as u8).collect();
                let swapped = if i.is_multiple_of(2) {
                    signature
                } else {
                    noise
                };
                let bytes = retar(&base.bytes, |files| {
                    *file(files, "manifest.sig") = swapped;
                });
                ("swapped signature", bytes, &[422])
            }
            4 => {
                let which = usize::try_from(random(&mut state) % 2).unwrap();
                (
                    "unknown device",
                    stranger.bundles[which].bytes.clone(),
                    &[403],
                )
            }
            5 => {
                let which = usize::try_from(random(&mut state) % 2).unwrap();
                (
                    "replayed sequence number",
                    replay.bundles[which].bytes.clone(),
                    &[409],
                )
            }
            _ => {
                // Content changed inside a well-formed tar: an edited manifest, or a file the
                // manifest does not list.
                let edit = random(&mut state).is_multiple_of(2);
                let bytes = retar(&base.bytes, |files| {
                    if edit {
                        file(files, "manifest.json").push(b' ');
                    } else {
                        files.push(("notes.txt".into(), b"ajout".to_vec()));
                    }
                });
                ("tampered content", bytes, &[422])
            }
        };
        let (status, answer) = upload(&registry, &bytes);
        assert!(
            expected.contains(&status),
            "mutation {i} ({kind}) answered {status}, expected one of {expected:?}: {answer}"
        );
        assert!(
            !reason(&answer).is_empty(),
            "mutation {i} ({kind}) gives a reason"
        );
        *kinds.entry(kind).or_default() += 1;
    }
    assert_eq!(kinds.len(), 6, "{kinds:?}");
    assert_eq!(
        snapshot(&registry),
        before,
        "the stored bundles did not change"
    );
    assert_eq!(
        registry.registry.store().refusals(10_000).unwrap().len(),
        refusals_before + 100,
        "every refusal is recorded for the operator"
    );
    // The valid bundle still goes in afterwards.
    assert_eq!(upload(&registry, &base.bytes).0, 201);
}

#[test]
fn a_kiosk_cannot_upload_for_an_event_whose_organiser_key_it_did_not_run() {
    let organiser = urne_kiosk::demo::organiser_key();
    let impostor = SecretKey::from_seed(b"someone else's organiser key....");
    let seed = *b"an enrolled kiosk, wrong package";
    // The kiosk is enrolled, but the package it ran for this event was signed by another key.
    let wrong = support::evening(seed, &support::demo_package(&impostor), &impostor, 10, 1);
    let (_dir, db) = support::scratch();
    let store = support::registry_db(&db, &[&wrong.device], &organiser);
    let registry = support::serve_in_process(store, open_limits());
    let (status, answer) = upload(&registry, &wrong.bundles[0].bytes);
    assert_eq!(status, 403, "{answer}");
    let why = reason(&answer);
    assert!(
        why.contains(&impostor.public().fingerprint().to_hex())
            && why.contains("not an organiser key enrolled for this event"),
        "{why}"
    );
    assert_eq!(registry.registry.store().bundle_count().unwrap(), 0);

    // The same device with the event's real package is accepted: the refusal was about the key.
    let right = support::evening(
        *b"an enrolled kiosk, wrong package",
        &urne_kiosk::demo::package(),
        &organiser,
        10,
        1,
    );
    assert_eq!(upload(&registry, &right.bundles[0].bytes).0, 201);

    // An event with no organiser key enrolled at all is refused too.
    let (_dir2, db2) = support::scratch();
    let bare = urne_registry::SqliteStore::open(&db2).unwrap();
    bare.enrol("kiosque", &right.device.public()).unwrap();
    bare.assign(
        urne_kiosk::demo::package().package.event.id.as_str(),
        &right.device.public().fingerprint(),
        "2026-12-01T10:00:00Z",
    )
    .unwrap();
    let unknown_event = support::serve_in_process(bare, open_limits());
    let (status, answer) = upload(&unknown_event, &right.bundles[0].bytes);
    assert_eq!(status, 403);
    assert!(
        reason(&answer).contains("is not enrolled at this registry"),
        "{answer}"
    );
}

#[test]
fn limits_answer_with_a_reason_and_keep_nothing() {
    let organiser = urne_kiosk::demo::organiser_key();
    let kiosk = support::evening(
        *b"a kiosk that uploads too quickly",
        &urne_kiosk::demo::package(),
        &organiser,
        8,
        4,
    );
    let (_dir, db) = support::scratch();
    let store = support::registry_db(&db, &[&kiosk.device], &organiser);
    let largest = kiosk.bundles.iter().map(|b| b.bytes.len()).max().unwrap();
    let registry = support::serve_in_process(
        store,
        Limits {
            max_body_bytes: largest + 1024,
            request_timeout: Duration::from_secs(1),
            uploads_per_minute: 1,
            burst: 2,
            concurrent_checks: 2,
            ..Limits::default()
        },
    );

    // Too large: 413 before anything is read into the database.
    let (status, _) = upload(&registry, &vec![0u8; largest + 4096]);
    assert_eq!(status, 413);

    // Too slow: a client that announces a body and stalls gets 408.
    let address = registry.url.strip_prefix("http://").unwrap();
    let mut slow = std::net::TcpStream::connect(address).unwrap();
    write!(
        slow,
        "POST {} HTTP/1.1\r\nhost: {address}\r\ncontent-length: 5000\r\n\r\nabc",
        protocol::BUNDLES
    )
    .unwrap();
    slow.set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut answer = [0u8; 64];
    let n = slow.read(&mut answer).unwrap();
    assert!(
        String::from_utf8_lossy(&answer[..n]).starts_with("HTTP/1.1 408"),
        "{}",
        String::from_utf8_lossy(&answer[..n])
    );

    // Too many: the burst of two goes in, the third waits its turn (429), and the kiosk's
    // uploader keeps it pending rather than giving it up.
    let mut kiosk = kiosk;
    let uploader = Uploader::new(&registry.url).unwrap();
    let pass = registry
        .runtime
        .block_on(upload_pending(
            kiosk.kiosk.store_mut(),
            &uploader,
            &registry.registry.public_key().fingerprint(),
        ))
        .unwrap();
    assert_eq!((pass.synced, pass.waiting, pass.refused), (2, 1, 0));
    assert_eq!(kiosk.kiosk.store().pending_uploads().unwrap().len(), 2);
    let (status, answer) = upload(&registry, &kiosk.bundles[3].bytes);
    assert_eq!(status, 429);
    assert!(reason(&answer).contains("a minute"), "{answer}");
    assert_eq!(registry.registry.store().bundle_count().unwrap(), 2);
}

#[test]
fn packages_reach_enrolled_kiosks_only_and_results_are_published() {
    let organiser = urne_kiosk::demo::organiser_key();
    let package = urne_kiosk::demo::package();
    let event = package.package.event.id.to_string();
    let kiosk = support::evening(
        *b"the kiosk that fetches a package",
        &package,
        &organiser,
        30,
        2,
    );
    let outsider = SecretKey::from_seed(b"a kiosk that was never enrolled!");
    let (_dir, db) = support::scratch();
    let store = support::registry_db(&db, &[&kiosk.device], &organiser);
    let registry = support::serve_in_process(store, open_limits());
    let client = Uploader::new(&registry.url).unwrap();

    // Publishing: a stranger's package for this event is refused, the organiser's accepted once.
    let impostor = SecretKey::from_seed(b"someone else's organiser key....");
    let (status, body) = http(
        &registry,
        reqwest::Method::POST,
        protocol::PACKAGES,
        Some(support::demo_package(&impostor).bytes),
        &[],
    );
    assert_eq!(status, 403, "{}", String::from_utf8_lossy(&body));
    let digest = registry
        .runtime
        .block_on(client.publish(package.bytes.clone()))
        .unwrap();
    assert_eq!(digest, Sha256Digest::of(&package.bytes).to_hex());
    let (status, _) = http(
        &registry,
        reqwest::Method::POST,
        protocol::PACKAGES,
        Some(package.bytes.clone()),
        &[],
    );
    assert_eq!(status, 200, "publishing the same file again is harmless");

    // Fetching: the enrolled kiosk gets the exact file, which still verifies as the organiser's.
    let fetched = registry
        .runtime
        .block_on(client.fetch_package(&event, &kiosk.device))
        .unwrap();
    assert_eq!(fetched, package.bytes);
    let verified =
        urne_codec::package::read(&fetched, Some(&organiser.public().fingerprint())).unwrap();
    assert_eq!(verified.package.event.id.as_str(), event);
    // Nobody else: no proof, an unenrolled key, a signature over another event, a challenge
    // not issued or already used, or an event without a package.
    let path = protocol::package_path(&event);
    assert_eq!(
        http(&registry, reqwest::Method::GET, &path, None, &[]).0,
        401
    );
    let challenge = |r: &InProcess, key: &SecretKey| {
        let path = protocol::challenge_request(&key.public().fingerprint());
        let (status, body) = http(r, reqwest::Method::GET, &path, None, &[]);
        assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
        serde_json::from_slice::<serde_json::Value>(&body).unwrap()["challenge"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let proof = |key: &SecretKey, signed_event: &str, c: &str| {
        vec![
            (protocol::HEADER_DEVICE, key.public().fingerprint().to_hex()),
            (protocol::HEADER_CHALLENGE, c.to_owned()),
            (
                protocol::HEADER_SIGNATURE,
                protocol::sign_package_request(key, signed_event, c),
            ),
        ]
    };
    let get = |headers: &[(&str, String)], path: &str| {
        http(&registry, reqwest::Method::GET, path, None, headers).0
    };
    // No challenge for a stranger; none without a device.
    let (status, _) = http(
        &registry,
        reqwest::Method::GET,
        &protocol::challenge_request(&outsider.public().fingerprint()),
        None,
        &[],
    );
    assert_eq!(status, 403);
    assert_eq!(get(&[], protocol::CHALLENGE), 401);
    let c = challenge(&registry, &kiosk.device);
    assert_eq!(get(&proof(&outsider, &event, &c), &path), 403);
    assert_eq!(get(&proof(&kiosk.device, "another-event", &c), &path), 401);
    assert_eq!(get(&proof(&kiosk.device, &event, "0123"), &path), 401);
    // The challenge is good once: the request that used it cannot be sent again.
    assert_eq!(get(&proof(&kiosk.device, &event, &c), &path), 200);
    assert_eq!(get(&proof(&kiosk.device, &event, &c), &path), 401);
    // An event this kiosk is not assigned to: refused, even with a good proof.
    let c = challenge(&registry, &kiosk.device);
    assert_eq!(
        get(
            &proof(&kiosk.device, "autre-evenement", &c),
            &protocol::package_path("autre-evenement")
        ),
        403
    );

    // Results: both exports stored; the newer one is the kiosk's result, the older superseded.
    for b in &kiosk.bundles {
        assert_eq!(upload(&registry, &b.bytes).0, 201);
    }
    let events = registry.runtime.block_on(client.events()).unwrap();
    let listed = events.iter().find(|e| e.id == event).unwrap();
    assert_eq!(listed.package.as_deref(), Some(digest.as_str()));
    assert_eq!(listed.bundles, 2);
    assert_eq!(listed.title, package.package.event.title);
    let (status, body) = http(
        &registry,
        reqwest::Method::GET,
        &format!("/api/v1/events/{event}/results"),
        None,
        &[],
    );
    assert_eq!(status, 200);
    let results: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(results["kiosks"].as_array().unwrap().len(), 1);
    assert_eq!(results["kiosks"][0]["seq"], 2);
    assert_eq!(results["kiosks"][0]["bundle"], kiosk.bundles[1].digest);
    assert_eq!(results["kiosks"][0]["attendance"]["present"], 30);
    assert_eq!(results["kiosks"][0]["label"], "kiosque 1");
    assert_eq!(results["superseded"], 1);
    assert!(
        !String::from_utf8_lossy(&body).contains(&package.package.roster.members[0].last_name),
        "no member's name is published"
    );
    let (status, _) = http(
        &registry,
        reqwest::Method::GET,
        "/api/v1/events/inconnu/results",
        None,
        &[],
    );
    assert_eq!(status, 404);
    let (status, body) = http(&registry, reqwest::Method::GET, protocol::HEALTH, None, &[]);
    assert_eq!(
        (status, body.as_slice()),
        (200, br#"{"status":"ok"}"#.as_slice())
    );
}
