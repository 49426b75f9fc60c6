//! Generates `docs/vectors/badges.json`, the badge format's test vectors: one valid badge of
//! each kind and one badge for each reason the kiosk refuses one.
//!
//! `cargo run -p urne-core --example badge_vectors > docs/vectors/badges.json`
//!
//! Ed25519 signatures are deterministic, so the output is the same on every run: the file is
//! generated once and committed, and `core/tests/badge_vectors.rs` holds the code to it.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Serialize;
use urne_core::credential::{Credential, PREFIX, Role, event_tag};
use urne_core::crypto::SecretKey;
use urne_core::ids::{EventId, MemberId};
use urne_core::timestamp::Timestamp;

/// What the organiser signs: the spec's context string, then the badge's bytes.
const SIGNING_CONTEXT: &[u8] = b"urne-badge/1\0";

const SEED: [u8; 32] = *b"urne badge test vectors, v1 seed";
const OTHER_SEED: [u8; 32] = *b"not the organiser of this event!";
const EVENT: &str = "bellevue-2026-12-05";
const OTHER_EVENT: &str = "autre-assemblee-2026";
/// 2026-12-04T00:00:00Z and 2026-12-07T23:59:59Z: the event's badge window.
const FROM: i64 = 1_796_342_400;
const UNTIL: i64 = 1_796_687_999;
/// 2026-12-05T19:46:40Z: when every vector is checked.
const NOW: i64 = 1_796_500_000;

fn text(bytes: &[u8]) -> String {
    format!("{PREFIX}{}", URL_SAFE_NO_PAD.encode(bytes))
}

fn bytes_of(text: &str) -> Vec<u8> {
    URL_SAFE_NO_PAD
        .decode(text.strip_prefix(PREFIX).expect("an issued badge"))
        .expect("base64url")
}

/// Re-signs `unsigned` (a badge without its signature) with `key`.
fn signed(unsigned: &[u8], key: &SecretKey) -> Vec<u8> {
    let signature = key.sign(&[SIGNING_CONTEXT, unsigned].concat());
    [unsigned, &signature].concat()
}

fn member(n: u8) -> MemberId {
    let mut bytes = [0u8; 16];
    for (i, b) in bytes.iter_mut().enumerate() {
        *b = n
            .wrapping_mul(0x11)
            .wrapping_add(u8::try_from(i).unwrap_or(0));
    }
    MemberId::from_bytes(bytes)
}

fn credential(role: Role, event: &EventId, id: MemberId, name: &str) -> Credential {
    Credential::new(role, event, id, name, Timestamp(FROM), Timestamp(UNTIL))
}

/// The file, fields in reading order.
#[derive(Serialize)]
struct Document {
    format: &'static str,
    about: &'static str,
    organiser_seed: String,
    organiser_public_key: String,
    other_key_seed: String,
    event: &'static str,
    event_tag: String,
    now: i64,
    now_rfc3339: String,
    revoked: Vec<String>,
    vectors: Vec<Vector>,
}

#[derive(Serialize)]
struct Vector {
    name: String,
    note: String,
    text: String,
    /// The body decoded, where it decodes.
    hex: Option<String>,
    /// "valid" or the refusal.
    expected: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    credential: Option<Fields>,
}

#[derive(Serialize)]
struct Fields {
    role: &'static str,
    event_tag: String,
    member: String,
    valid_from: i64,
    valid_until: i64,
    name: String,
}

fn valid(name: &str, note: &str, c: &Credential, key: &SecretKey) -> Vector {
    let text = c.issue(key);
    Vector {
        name: name.into(),
        note: note.into(),
        hex: Some(hex::encode(bytes_of(&text))),
        text,
        expected: "valid".into(),
        credential: Some(Fields {
            role: match c.role {
                Role::Participant => "participant",
                Role::Organiser => "organiser",
            },
            event_tag: hex::encode(c.event_tag),
            member: c.member.to_string(),
            valid_from: c.valid_from.0,
            valid_until: c.valid_until.0,
            name: c.name.clone(),
        }),
    }
}

fn refused(name: &str, note: &str, text: &str, reason: &str) -> Vector {
    Vector {
        name: name.into(),
        note: note.into(),
        text: text.into(),
        hex: text
            .strip_prefix(PREFIX)
            .and_then(|body| URL_SAFE_NO_PAD.decode(body).ok())
            .map(hex::encode),
        expected: reason.into(),
        credential: None,
    }
}

fn main() {
    let key = SecretKey::from_seed(&SEED);
    let other_key = SecretKey::from_seed(&OTHER_SEED);
    let event = EventId::new(EVENT).expect("a slug");
    let other_event = EventId::new(OTHER_EVENT).expect("a slug");

    let agnes = credential(Role::Participant, &event, member(1), "Agnès Lemaître");
    let agnes_text = agnes.issue(&key);
    let agnes_bytes = bytes_of(&agnes_text);
    let unsigned = &agnes_bytes[..agnes_bytes.len() - 64];
    let organiser = credential(Role::Organiser, &event, member(2), "Bureau de l'assemblée");
    // 48 bytes exactly, accents included: the longest name a badge carries.
    let longest = credential(
        Role::Participant,
        &event,
        member(3),
        "Marie-Bérénice de La Tour d'Auvergne-Lauraguais",
    );
    assert_eq!(longest.name.len(), 48);
    let revoked = credential(Role::Participant, &event, member(4), "Théo Moreau");

    let with_byte = |at: usize, value: u8| {
        let mut b = unsigned.to_vec();
        b[at] = value;
        b
    };
    let window = |from: i64, until: i64| {
        Credential::new(
            Role::Participant,
            &event,
            member(5),
            "Léa Durand",
            Timestamp(from),
            Timestamp(until),
        )
        .issue(&key)
    };
    let mut tampered = agnes_bytes.clone();
    // « Agnès Lemaître » becomes « Agnès Lemaîtra »: the signature no longer matches.
    let last_name_byte = 35 + agnes.name.len() - 1;
    tampered[last_name_byte] = b'a';
    let mut bad_utf8 = unsigned.to_vec();
    // Replace the « è » (0xC3 0xA8) with a lone continuation byte and a stray 0xFF.
    let e_grave = 35 + "Agn".len();
    bad_utf8[e_grave] = 0xFF;
    bad_utf8[e_grave + 1] = 0xA8;

    let vectors = vec![
        valid("valid-participant", "a member's badge", &agnes, &key),
        valid(
            "valid-organiser",
            "an organiser badge (unlocks organiser mode with the PIN)",
            &organiser,
            &key,
        ),
        valid(
            "valid-longest-name",
            "a 48-byte name, the longest allowed: the longest badge text",
            &longest,
            &key,
        ),
        refused(
            "not-a-badge-url",
            "another QR code altogether",
            "https://example.org/urne",
            "not-a-badge",
        ),
        refused(
            "not-a-badge-lowercase-prefix",
            "the prefix is case-sensitive",
            &agnes_text.replacen("URNE:", "urne:", 1),
            "not-a-badge",
        ),
        refused(
            "not-a-badge-base64-padding",
            "padded base64 is refused: the text is unpadded base64url",
            &format!("{PREFIX}{}=", &agnes_text[PREFIX.len()..]),
            "not-a-badge",
        ),
        refused(
            "not-a-badge-standard-base64",
            "'+' and '/' are not base64url",
            &format!("{PREFIX}AQA+/w"),
            "not-a-badge",
        ),
        refused(
            "not-a-badge-trailing-byte",
            "one byte after the signature: unsigned data is refused, not ignored",
            &text(&[agnes_bytes.as_slice(), &[0]].concat()),
            "not-a-badge",
        ),
        refused(
            "truncated-empty",
            "no bytes after the prefix",
            PREFIX,
            "truncated",
        ),
        refused(
            "truncated-header",
            "the first 20 bytes only",
            &text(&agnes_bytes[..20]),
            "truncated",
        ),
        refused(
            "truncated-signature",
            "the last byte of the signature is missing",
            &text(&agnes_bytes[..agnes_bytes.len() - 1]),
            "truncated",
        ),
        refused(
            "unknown-version",
            "version 2 (checked before anything else)",
            &text(&signed(&with_byte(0, 2), &key)),
            "unknown-version",
        ),
        refused(
            "unknown-role",
            "role byte 2, correctly signed",
            &text(&signed(&with_byte(1, 2), &key)),
            "unknown-role",
        ),
        refused(
            "wrong-event",
            &format!("issued by the same organiser for the event « {OTHER_EVENT} »"),
            &credential(Role::Participant, &other_event, member(1), "Agnès Lemaître").issue(&key),
            "wrong-event",
        ),
        refused(
            "bad-signature-other-key",
            "signed by a key that is not the event's organiser key",
            &agnes.issue(&other_key),
            "bad-signature",
        ),
        refused(
            "bad-signature-altered-name",
            "the last letter of the name changed after signing",
            &text(&tampered),
            "bad-signature",
        ),
        refused(
            "not-yet-valid",
            "valid from one second after now",
            &window(NOW + 1, UNTIL),
            "not-yet-valid",
        ),
        refused(
            "expired",
            "valid until one second before now",
            &window(FROM, NOW - 1),
            "expired",
        ),
        refused(
            "revoked",
            "its member id is in the revoked list",
            &revoked.issue(&key),
            "revoked",
        ),
        refused(
            "bad-name-too-long",
            "the name length byte says 49",
            &text(&signed(&with_byte(34, 49), &key)),
            "bad-name",
        ),
        refused(
            "bad-name-not-utf8",
            "the name is not UTF-8, correctly signed",
            &text(&signed(&bad_utf8, &key)),
            "bad-name",
        ),
    ];

    let boundaries = vec![
        valid(
            "valid-at-first-second",
            "now equals valid_from: the window includes its ends",
            &Credential::new(
                Role::Participant,
                &event,
                member(6),
                "Benoît André",
                Timestamp(NOW),
                Timestamp(UNTIL),
            ),
            &key,
        ),
        valid(
            "valid-at-last-second",
            "now equals valid_until",
            &Credential::new(
                Role::Participant,
                &event,
                member(7),
                "Zoé Roux",
                Timestamp(FROM),
                Timestamp(NOW),
            ),
            &key,
        ),
    ];

    let document = Document {
        format: "urne-badge/1",
        about: "Test vectors of Urne's badge credentials (docs/formats.md, « Badges »). Check each text with the organiser key of `organiser_seed`, the event `event`, the time `now` and the revoked member ids `revoked`: `expected` is either \"valid\" (then `credential` gives the decoded fields) or the refusal. `hex` is the base64url body after the prefix, decoded, where it decodes. Generated by core/examples/badge_vectors.rs, checked by core/tests/badge_vectors.rs.",
        organiser_seed: hex::encode(SEED),
        organiser_public_key: hex::encode(key.public().to_raw()),
        other_key_seed: hex::encode(OTHER_SEED),
        event: EVENT,
        event_tag: hex::encode(event_tag(&event)),
        now: NOW,
        now_rfc3339: Timestamp(NOW).to_rfc3339(),
        revoked: vec![revoked.member.to_string()],
        vectors: vectors.into_iter().chain(boundaries).collect(),
    };
    println!("{}", serde_json::to_string_pretty(&document).expect("JSON"));
}
