//! The badge test vectors of `docs/vectors/badges.json` hold: each valid one decodes to its
//! listed fields (and re-issues to the same text, Ed25519 being deterministic), and each
//! invalid one is refused for exactly its listed reason. The file is read at compile time:
//! urne-core does no I/O, not even in its tests.

use std::collections::BTreeSet;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::Value;
use urne_core::credential::{BadgeCheck, BadgeError, Credential, PREFIX, Role, event_tag};
use urne_core::crypto::SecretKey;
use urne_core::ids::{EventId, MemberId};
use urne_core::timestamp::Timestamp;

const VECTORS: &str = include_str!("../../../docs/vectors/badges.json");

fn reason(error: &BadgeError) -> &'static str {
    match error {
        BadgeError::NotABadge => "not-a-badge",
        BadgeError::Truncated => "truncated",
        BadgeError::UnknownVersion(_) => "unknown-version",
        BadgeError::UnknownRole => "unknown-role",
        BadgeError::WrongEvent => "wrong-event",
        BadgeError::BadSignature => "bad-signature",
        BadgeError::NotYetValid => "not-yet-valid",
        BadgeError::Expired => "expired",
        BadgeError::Revoked => "revoked",
        BadgeError::BadName => "bad-name",
    }
}

fn str_field<'a>(value: &'a Value, key: &str) -> &'a str {
    value[key]
        .as_str()
        .unwrap_or_else(|| panic!("« {key} » is a string in {value}"))
}

fn seed(doc: &Value, key: &str) -> [u8; 32] {
    hex::decode(str_field(doc, key))
        .expect("hex")
        .try_into()
        .expect("32 bytes")
}

#[test]
fn every_badge_vector_is_accepted_or_refused_as_documented() {
    let doc: Value = serde_json::from_str(VECTORS).expect("valid JSON");
    assert_eq!(str_field(&doc, "format"), "urne-badge/1");
    let key = SecretKey::from_seed(&seed(&doc, "organiser_seed"));
    assert_eq!(
        hex::encode(key.public().to_raw()),
        str_field(&doc, "organiser_public_key")
    );
    let event = EventId::new(str_field(&doc, "event")).unwrap();
    assert_eq!(hex::encode(event_tag(&event)), str_field(&doc, "event_tag"));
    let now = Timestamp(doc["now"].as_i64().expect("now"));
    assert_eq!(now.to_rfc3339(), str_field(&doc, "now_rfc3339"));
    let revoked: BTreeSet<MemberId> = doc["revoked"]
        .as_array()
        .expect("revoked")
        .iter()
        .map(|v| MemberId::parse(v.as_str().expect("an id")).unwrap())
        .collect();
    let keys = [key.public()];
    let is_revoked = |m: &MemberId| revoked.contains(m);
    let check = BadgeCheck {
        event: &event,
        keys: &keys,
        walk_ins: None,
        is_revoked: &is_revoked,
        now,
    };

    let vectors = doc["vectors"].as_array().expect("vectors");
    let mut names = BTreeSet::new();
    let mut outcomes = BTreeSet::new();
    for vector in vectors {
        let name = str_field(vector, "name");
        assert!(names.insert(name), "{name} appears twice");
        let text = str_field(vector, "text");
        let expected = str_field(vector, "expected");
        outcomes.insert(expected);
        // `hex` is the body, decoded, wherever it decodes.
        match text
            .strip_prefix(PREFIX)
            .and_then(|body| URL_SAFE_NO_PAD.decode(body).ok())
        {
            Some(bytes) => assert_eq!(hex::encode(bytes), str_field(vector, "hex"), "{name}"),
            None => assert!(vector["hex"].is_null(), "{name}"),
        }
        let got = Credential::verify(text, &check);
        if expected == "valid" {
            let credential = got.unwrap_or_else(|e| panic!("{name}: refused ({e})"));
            let fields = &vector["credential"];
            let role = match credential.role {
                Role::Participant => "participant",
                Role::Organiser => "organiser",
            };
            assert_eq!(role, str_field(fields, "role"), "{name}");
            assert_eq!(
                hex::encode(credential.event_tag),
                str_field(fields, "event_tag"),
                "{name}"
            );
            assert_eq!(
                credential.member.to_string(),
                str_field(fields, "member"),
                "{name}"
            );
            assert_eq!(
                Some(credential.valid_from.0),
                fields["valid_from"].as_i64(),
                "{name}"
            );
            assert_eq!(
                Some(credential.valid_until.0),
                fields["valid_until"].as_i64(),
                "{name}"
            );
            assert_eq!(credential.name, str_field(fields, "name"), "{name}");
            // Issuing the same content with the same key gives the same text, byte for byte.
            let again = Credential::new(
                credential.role,
                &event,
                credential.member,
                &credential.name,
                credential.valid_from,
                credential.valid_until,
            )
            .issue(&key);
            assert_eq!(again, text, "{name}");
        } else {
            match got {
                Ok(c) => panic!("{name}: accepted as {c:?}, expected {expected}"),
                Err(e) => assert_eq!(reason(&e), expected, "{name}: {e}"),
            }
        }
    }

    // The longest badge is the documented maximum, within a version 10 QR code at level M.
    let longest = vectors
        .iter()
        .filter(|v| v["expected"] == "valid")
        .map(|v| str_field(v, "text").len())
        .max();
    assert_eq!(longest, Some(201));

    // Every refusal the kiosk can give has at least one vector.
    let all = [
        "valid",
        "not-a-badge",
        "truncated",
        "unknown-version",
        "unknown-role",
        "wrong-event",
        "bad-signature",
        "not-yet-valid",
        "expired",
        "revoked",
        "bad-name",
    ];
    assert_eq!(outcomes, all.into_iter().collect::<BTreeSet<_>>());
}

#[test]
fn the_other_key_of_the_vectors_is_not_the_organiser_key() {
    let doc: Value = serde_json::from_str(VECTORS).expect("valid JSON");
    let organiser = SecretKey::from_seed(&seed(&doc, "organiser_seed")).public();
    let other = SecretKey::from_seed(&seed(&doc, "other_key_seed")).public();
    assert_ne!(organiser.to_raw(), other.to_raw());
}
