//! Badge credentials: the signed text inside a badge's QR code, issued by the organiser and
//! checked offline by the kiosk.
//!
//! Layout of version 1 (all integers big-endian), specified with test vectors in
//! `docs/formats.md`:
//!
//! ```text
//! 0      1   version = 1
//! 1      1   role: 0 participant, 1 organiser
//! 2      8   event tag: SHA-256("urne-event/1\0" || event id)[0..8]
//! 10     16  member id
//! 26     4   valid from, Unix seconds
//! 30     4   valid until, Unix seconds
//! 34     1   n = length of the display name in bytes (at most 48)
//! 35     n   display name, UTF-8
//! 35+n   64  Ed25519 signature over "urne-badge/1\0" || bytes 0 .. 35+n
//! ```
//!
//! A kiosk signs the badges of the people it registers at the door (walk-ins) with its own
//! device key, under another domain tag, `"urne-walk-in-badge/1\0"`: a signature made for one
//! kind can never pass as the other, and a device key can vouch only for a participant whom
//! that kiosk registered, never for an organiser nor for a member of the roster.
//!
//! The QR code holds `URNE:` followed by the unpadded base64url of those bytes: at most 147
//! bytes, so 201 characters, which fits a version 10 QR code at error-correction level M (213
//! bytes).

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};

use crate::crypto::{PublicKey, SecretKey, Sha256Digest};
use crate::ids::{EventId, MemberId};
use crate::timestamp::Timestamp;

/// The text every Urne badge starts with.
pub const PREFIX: &str = "URNE:";
/// The only version this code issues and reads.
pub const VERSION: u8 = 1;
/// The longest display name carried on a badge, in bytes of UTF-8.
pub const MAX_NAME_BYTES: usize = 48;
const HEADER_LEN: usize = 35;
const SIGNATURE_LEN: usize = 64;
const SIGNING_CONTEXT: &[u8] = b"urne-badge/1\0";
const WALK_IN_CONTEXT: &[u8] = b"urne-walk-in-badge/1\0";

/// What a badge lets its holder do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Role {
    /// A member of the assembly: checks in and votes.
    Participant,
    /// May unlock organiser mode (with the PIN).
    Organiser,
}

/// The content of a badge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credential {
    /// Participant or organiser.
    pub role: Role,
    /// The tag of the event it was issued for.
    pub event_tag: [u8; 8],
    /// The member (or organiser badge) id.
    pub member: MemberId,
    /// The first second the badge is accepted.
    pub valid_from: Timestamp,
    /// The last second the badge is accepted.
    pub valid_until: Timestamp,
    /// The name shown when the badge is scanned.
    pub name: String,
}

/// Why a badge was refused; each reason gets its own message on the kiosk.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BadgeError {
    /// The scanned text is not an Urne badge at all.
    #[error("this code is not an Urne badge")]
    NotABadge,
    /// The badge is shorter than its layout says (a torn or partially read code).
    #[error("this badge is incomplete (truncated)")]
    Truncated,
    /// A version this kiosk does not know.
    #[error("this badge has an unknown version ({0})")]
    UnknownVersion(u8),
    /// A role byte other than participant or organiser.
    #[error("this badge has an unknown role")]
    UnknownRole,
    /// Issued for another event.
    #[error("this badge is for another event")]
    WrongEvent,
    /// The signature does not match any accepted organiser key.
    #[error("this badge's signature is not valid (forged or altered)")]
    BadSignature,
    /// Scanned before its validity window.
    #[error("this badge is not valid yet")]
    NotYetValid,
    /// Scanned after its validity window.
    #[error("this badge has expired")]
    Expired,
    /// Revoked by the organiser.
    #[error("this badge has been revoked")]
    Revoked,
    /// The name is not UTF-8 or too long.
    #[error("this badge's name is not readable")]
    BadName,
}

/// What the kiosk checks a badge against.
#[derive(Clone, Copy)]
pub struct BadgeCheck<'a> {
    /// The event the kiosk is running.
    pub event: &'a EventId,
    /// The accepted organiser keys (several during a key rotation).
    pub keys: &'a [PublicKey],
    /// The kiosk's own key and the walk-ins it registered, when walk-in badges are accepted.
    pub walk_ins: Option<WalkInCheck<'a>>,
    /// Whether a member id has been revoked.
    pub is_revoked: &'a dyn Fn(&MemberId) -> bool,
    /// The current time, from the kiosk's clock.
    pub now: Timestamp,
}

/// The walk-in badges a kiosk accepts: signed by its own key, for the people it registered.
#[derive(Clone, Copy)]
pub struct WalkInCheck<'a> {
    /// The kiosk's device key.
    pub key: &'a PublicKey,
    /// Whether a member id was registered at the door by this kiosk.
    pub is_walk_in: &'a dyn Fn(&MemberId) -> bool,
}

impl std::fmt::Debug for WalkInCheck<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WalkInCheck")
            .field("key", self.key)
            .finish_non_exhaustive()
    }
}

impl std::fmt::Debug for BadgeCheck<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BadgeCheck")
            .field("event", self.event)
            .field("keys", &self.keys)
            .field("walk_ins", &self.walk_ins)
            .field("now", &self.now)
            .finish_non_exhaustive()
    }
}

/// The 8-byte tag that binds a badge to its event.
pub fn event_tag(event: &EventId) -> [u8; 8] {
    let digest = Sha256Digest::of_parts(&[b"urne-event/1\0", event.as_str().as_bytes()]);
    let mut tag = [0u8; 8];
    tag.copy_from_slice(&digest.0[..8]);
    tag
}

/// Shortens a name to at most [`MAX_NAME_BYTES`] bytes on a character boundary.
pub fn badge_name(name: &str) -> String {
    let name = name.trim();
    if name.len() <= MAX_NAME_BYTES {
        return name.to_owned();
    }
    let mut end = MAX_NAME_BYTES;
    while !name.is_char_boundary(end) {
        end -= 1;
    }
    name[..end].trim_end().to_owned()
}

impl Credential {
    /// A credential for `member` of `event`.
    pub fn new(
        role: Role,
        event: &EventId,
        member: MemberId,
        name: &str,
        valid_from: Timestamp,
        valid_until: Timestamp,
    ) -> Self {
        Self {
            role,
            event_tag: event_tag(event),
            member,
            valid_from,
            valid_until,
            name: badge_name(name),
        }
    }

    fn unsigned_bytes(&self) -> Vec<u8> {
        let name = self.name.as_bytes();
        let mut out = Vec::with_capacity(HEADER_LEN + name.len() + SIGNATURE_LEN);
        out.push(VERSION);
        out.push(match self.role {
            Role::Participant => 0,
            Role::Organiser => 1,
        });
        out.extend_from_slice(&self.event_tag);
        out.extend_from_slice(self.member.as_bytes());
        out.extend_from_slice(&clamp_u32(self.valid_from).to_be_bytes());
        out.extend_from_slice(&clamp_u32(self.valid_until).to_be_bytes());
        // `badge_name` bounds the length to 48, so it fits one byte.
        out.push(u8::try_from(name.len()).unwrap_or(u8::MAX));
        out.extend_from_slice(name);
        out
    }

    /// Signs the credential with an organiser key and returns the text to put in the QR code.
    pub fn issue(&self, key: &SecretKey) -> String {
        self.signed(key, SIGNING_CONTEXT)
    }

    /// Signs a walk-in's badge with the kiosk's device key, under the walk-in domain tag. The
    /// role is forced to participant: a device key never vouches for an organiser.
    pub fn issue_walk_in(&self, device: &SecretKey) -> String {
        Self {
            role: Role::Participant,
            ..self.clone()
        }
        .signed(device, WALK_IN_CONTEXT)
    }

    fn signed(&self, key: &SecretKey, context: &[u8]) -> String {
        let mut bytes = self.unsigned_bytes();
        let signature = key.sign(&[context, &bytes].concat());
        bytes.extend_from_slice(&signature);
        format!("{PREFIX}{}", URL_SAFE_NO_PAD.encode(bytes))
    }

    /// Decodes a badge text without checking it (for tools that print what a badge says).
    pub fn decode_unchecked(text: &str) -> Result<(Self, Vec<u8>), BadgeError> {
        let body = text
            .trim()
            .strip_prefix(PREFIX)
            .ok_or(BadgeError::NotABadge)?;
        let bytes = URL_SAFE_NO_PAD
            .decode(body)
            .map_err(|_| BadgeError::NotABadge)?;
        let version = *bytes.first().ok_or(BadgeError::Truncated)?;
        if version != VERSION {
            return Err(BadgeError::UnknownVersion(version));
        }
        if bytes.len() < HEADER_LEN {
            return Err(BadgeError::Truncated);
        }
        let name_len = usize::from(bytes[34]);
        if name_len > MAX_NAME_BYTES {
            return Err(BadgeError::BadName);
        }
        let total = HEADER_LEN + name_len + SIGNATURE_LEN;
        if bytes.len() < total {
            return Err(BadgeError::Truncated);
        }
        if bytes.len() > total {
            // Trailing bytes would be unsigned: refuse rather than ignore them.
            return Err(BadgeError::NotABadge);
        }
        let role = match bytes[1] {
            0 => Role::Participant,
            1 => Role::Organiser,
            _ => return Err(BadgeError::UnknownRole),
        };
        let mut event_tag = [0u8; 8];
        event_tag.copy_from_slice(&bytes[2..10]);
        let mut member = [0u8; 16];
        member.copy_from_slice(&bytes[10..26]);
        let from = u32::from_be_bytes([bytes[26], bytes[27], bytes[28], bytes[29]]);
        let until = u32::from_be_bytes([bytes[30], bytes[31], bytes[32], bytes[33]]);
        let name = std::str::from_utf8(&bytes[HEADER_LEN..HEADER_LEN + name_len])
            .map_err(|_| BadgeError::BadName)?
            .to_owned();
        Ok((
            Self {
                role,
                event_tag,
                member: MemberId::from_bytes(member),
                valid_from: Timestamp(i64::from(from)),
                valid_until: Timestamp(i64::from(until)),
                name,
            },
            bytes,
        ))
    }

    /// Decodes and checks a scanned badge: version, completeness, event, signature, validity
    /// window and revocation, in that order.
    pub fn verify(text: &str, check: &BadgeCheck<'_>) -> Result<Self, BadgeError> {
        let (credential, bytes) = Self::decode_unchecked(text)?;
        if credential.event_tag != event_tag(check.event) {
            return Err(BadgeError::WrongEvent);
        }
        let (signed, signature) = bytes.split_at(bytes.len() - SIGNATURE_LEN);
        let message = [SIGNING_CONTEXT, signed].concat();
        let by_organiser = check
            .keys
            .iter()
            .any(|key| key.verify(&message, signature).is_ok());
        if !by_organiser && !Self::walk_in_signed(&credential, signed, signature, check) {
            return Err(BadgeError::BadSignature);
        }
        if check.now < credential.valid_from {
            return Err(BadgeError::NotYetValid);
        }
        if check.now > credential.valid_until {
            return Err(BadgeError::Expired);
        }
        if (check.is_revoked)(&credential.member) {
            return Err(BadgeError::Revoked);
        }
        Ok(credential)
    }
}

impl Credential {
    /// Whether the badge is a walk-in's, signed by the kiosk under the walk-in tag: only a
    /// participant, only someone this kiosk registered at the door.
    fn walk_in_signed(
        credential: &Self,
        signed: &[u8],
        signature: &[u8],
        check: &BadgeCheck<'_>,
    ) -> bool {
        let Some(walk_ins) = check.walk_ins else {
            return false;
        };
        credential.role == Role::Participant
            && walk_ins
                .key
                .verify(&[WALK_IN_CONTEXT, signed].concat(), signature)
                .is_ok()
            && (walk_ins.is_walk_in)(&credential.member)
    }
}

fn clamp_u32(t: Timestamp) -> u32 {
    u32::try_from(t.0.max(0)).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn setup() -> (EventId, SecretKey, Credential) {
        let event = EventId::new("bellevue-2026-12-05").unwrap();
        let key = SecretKey::from_seed(&[3; 32]);
        let cred = Credential::new(
            Role::Participant,
            &event,
            MemberId::from_bytes([9; 16]),
            "Agnès Lemaître",
            Timestamp(1_796_400_000),
            Timestamp(1_796_600_000),
        );
        (event, key, cred)
    }

    fn check<'a>(event: &'a EventId, keys: &'a [PublicKey], now: i64) -> BadgeCheck<'a> {
        BadgeCheck {
            event,
            keys,
            walk_ins: None,
            is_revoked: &|_| false,
            now: Timestamp(now),
        }
    }

    #[test]
    fn an_issued_badge_verifies_and_names_its_holder() {
        let (event, key, cred) = setup();
        let text = cred.issue(&key);
        let keys = [key.public()];
        let got = Credential::verify(&text, &check(&event, &keys, 1_796_500_000)).unwrap();
        assert_eq!(got, cred);
        assert_eq!(got.name, "Agnès Lemaître");
    }

    #[test]
    fn each_refusal_has_its_own_reason() {
        let (event, key, cred) = setup();
        let text = cred.issue(&key);
        let keys = [key.public()];
        let now = 1_796_500_000;
        let other_event = EventId::new("autre").unwrap();
        assert_eq!(
            Credential::verify(&text, &check(&other_event, &keys, now)),
            Err(BadgeError::WrongEvent)
        );
        let stranger = [SecretKey::from_seed(&[4; 32]).public()];
        assert_eq!(
            Credential::verify(&text, &check(&event, &stranger, now)),
            Err(BadgeError::BadSignature)
        );
        assert_eq!(
            Credential::verify(&text, &check(&event, &keys, 1_796_700_000)),
            Err(BadgeError::Expired)
        );
        assert_eq!(
            Credential::verify(&text, &check(&event, &keys, 1_796_000_000)),
            Err(BadgeError::NotYetValid)
        );
        assert_eq!(
            Credential::verify(&text[..text.len() - 10], &check(&event, &keys, now)),
            Err(BadgeError::Truncated)
        );
        assert_eq!(
            Credential::verify("https://example.org", &check(&event, &keys, now)),
            Err(BadgeError::NotABadge)
        );
        let revoked = BadgeCheck {
            is_revoked: &|m| *m == MemberId::from_bytes([9; 16]),
            ..check(&event, &keys, now)
        };
        assert_eq!(
            Credential::verify(&text, &revoked),
            Err(BadgeError::Revoked)
        );
    }

    #[test]
    fn a_device_key_vouches_only_for_the_walk_ins_it_registered() {
        let (event, organiser, cred) = setup();
        let device = SecretKey::from_seed(&[5; 32]);
        let device_public = device.public();
        let keys = [organiser.public()];
        let walk_in = MemberId::from_bytes([9; 16]);
        let is_walk_in = |m: &MemberId| *m == walk_in;
        let kiosk = BadgeCheck {
            walk_ins: Some(WalkInCheck {
                key: &device_public,
                is_walk_in: &is_walk_in,
            }),
            ..check(&event, &keys, 1_796_500_000)
        };
        // The walk-in's own badge.
        assert_eq!(
            Credential::verify(&cred.issue_walk_in(&device), &kiosk),
            Ok(cred.clone())
        );
        // A copied device key signing under the organiser's tag, as kiosks did before.
        assert_eq!(
            Credential::verify(&cred.issue(&device), &kiosk),
            Err(BadgeError::BadSignature)
        );
        // An organiser badge signed by the device, under either tag.
        let organiser_badge = Credential {
            role: Role::Organiser,
            ..cred.clone()
        };
        for forged in [
            organiser_badge.issue(&device),
            organiser_badge.signed(&device, WALK_IN_CONTEXT),
        ] {
            assert_eq!(
                Credential::verify(&forged, &kiosk),
                Err(BadgeError::BadSignature)
            );
        }
        // A member of the roster, not registered at the door.
        let member = Credential {
            member: MemberId::from_bytes([7; 16]),
            ..cred.clone()
        };
        assert_eq!(
            Credential::verify(&member.issue_walk_in(&device), &kiosk),
            Err(BadgeError::BadSignature)
        );
        // The organiser's signature under the walk-in tag is not an organiser badge either.
        assert_eq!(
            Credential::verify(&cred.signed(&organiser, WALK_IN_CONTEXT), &kiosk),
            Err(BadgeError::BadSignature)
        );
        // Another kiosk, or a check without walk-ins, refuses it.
        assert_eq!(
            Credential::verify(
                &cred.issue_walk_in(&device),
                &check(&event, &keys, 1_796_500_000)
            ),
            Err(BadgeError::BadSignature)
        );
    }

    #[test]
    fn a_long_name_still_fits_a_version_10_qr_code() {
        let (event, key, _) = setup();
        let long = "Marie-Bérénice de La Tour d'Auvergne-Lauraguais Épinay";
        let cred = Credential::new(
            Role::Organiser,
            &event,
            MemberId::from_bytes([1; 16]),
            long,
            Timestamp(0),
            Timestamp(i64::from(u32::MAX)),
        );
        assert!(cred.name.len() <= MAX_NAME_BYTES);
        let text = cred.issue(&key);
        assert!(text.len() <= 213, "{} characters", text.len());
    }
}
