//! Fuzz target: the badge parser never panics on any scanned text, and `verify` agrees with
//! `decode_unchecked` — it refuses whatever decoding refuses, for the same reason, and what it
//! accepts is exactly what decoding read.
#![no_main]

use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use urne_core::credential::{BadgeCheck, Credential, MAX_NAME_BYTES};
use urne_core::crypto::{PublicKey, SecretKey};
use urne_core::ids::{EventId, MemberId};
use urne_core::timestamp::Timestamp;

/// The organiser key and event of docs/vectors/badges.json, whose texts seed the corpus: the
/// fuzzer starts from badges that pass every check and mutates them.
static KEYS: LazyLock<[PublicKey; 1]> =
    LazyLock::new(|| [SecretKey::from_seed(b"urne badge test vectors, v1 seed").public()]);
static EVENT: LazyLock<EventId> =
    LazyLock::new(|| EventId::new("bellevue-2026-12-05").expect("a slug"));

fuzz_target!(|data: &[u8]| {
    // Scanners send text; the kiosk drops lines that are not UTF-8 before parsing.
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let decoded = Credential::decode_unchecked(text);
    let revoked = MemberId::from_bytes([0x44; 16]);
    let check = BadgeCheck {
        event: &EVENT,
        keys: &*KEYS,
        walk_ins: None,
        is_revoked: &|m| *m == revoked,
        now: Timestamp(1_796_500_000),
    };
    let verified = Credential::verify(text, &check);
    match (&decoded, &verified) {
        (Err(d), Err(v)) => assert_eq!(d, v, "verify refuses for the decoder's reason"),
        (Err(d), Ok(c)) => panic!("decoding refused ({d}) but verify accepted {c:?}"),
        (Ok((c, bytes)), result) => {
            assert!(c.name.len() <= MAX_NAME_BYTES);
            assert_eq!(bytes.len(), 35 + c.name.len() + 64);
            if let Ok(v) = result {
                assert_eq!(v, c);
            }
        }
    }
});
