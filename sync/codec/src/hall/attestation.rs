//! The attestation each paired kiosk signs for the hall's bundle: its own counts (check-ins it
//! relayed, visits it took, ballots it delivered per poll) and the digest of the bundle the lead
//! exported. `urne verify` checks every signature, and that the « has voted » marks, the ballots
//! and the sum of the delivered counts agree. Counts only: no member, no time, no order.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Serialize};
use urne_core::crypto::{Fingerprint, PublicKey, SecretKey, Sha256Digest};
use urne_core::ids::EventId;

use super::{HallRole, PollCount};

/// Format tag of an attestation.
pub const ATTESTATION_FORMAT: &str = "urne-hall-attestation/1";

/// What a paired kiosk attests.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Attestation {
    /// [`ATTESTATION_FORMAT`].
    pub format: String,
    /// The event.
    pub event: EventId,
    /// The lead kiosk's device key fingerprint.
    pub lead: Fingerprint,
    /// This kiosk's device key fingerprint.
    pub kiosk: Fingerprint,
    /// Its role in the hall.
    pub role: HallRole,
    /// SHA-256 of the bundle the lead exported.
    pub bundle: Sha256Digest,
    /// Check-ins it relayed to the lead.
    pub checkins: u64,
    /// Visits it took (casts the lead stored).
    pub visits: u64,
    /// Ballots it delivered, poll by poll.
    pub delivered: Vec<PollCount>,
}

/// An attestation as exported beside the bundle: the exact signed text, the signature and the key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignedAttestation {
    /// The attestation's JSON, as signed.
    pub attestation: String,
    /// Base64 of the Ed25519 signature over [`signed_message`] of that text.
    pub signature: String,
    /// The kiosk's public key (SubjectPublicKeyInfo PEM).
    pub key: String,
}

/// Why an attestation does not hold.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AttestationError {
    /// Unreadable, or not an attestation.
    #[error("the attestation is not readable")]
    Unreadable,
    /// The signature does not verify.
    #[error("the attestation's signature is not valid")]
    BadSignature,
    /// Signed by another kiosk than the one it names, or than the one expected.
    #[error("the attestation comes from another kiosk ({0})")]
    WrongKiosk(Fingerprint),
    /// For another bundle.
    #[error("the attestation is for another bundle")]
    WrongBundle,
}

/// What is signed: a domain tag, then the JSON text, so that no other signed message of Urne can
/// be taken for an attestation.
pub fn signed_message(text: &str) -> Vec<u8> {
    format!("{ATTESTATION_FORMAT}\n{text}").into_bytes()
}

impl SignedAttestation {
    /// Signs an attestation with the kiosk's device key.
    pub fn sign(attestation: &Attestation, key: &SecretKey) -> Self {
        let text = serde_json::to_string(attestation).expect("attestations always serialise");
        Self {
            signature: STANDARD.encode(key.sign(&signed_message(&text))),
            attestation: text,
            key: key.public().to_pem(),
        }
    }

    /// Checks the signature, that the signer is the kiosk the attestation names (and `kiosk`),
    /// and that it is for `bundle`.
    pub fn verify(
        &self,
        kiosk: &Fingerprint,
        bundle: &Sha256Digest,
    ) -> Result<Attestation, AttestationError> {
        let key = PublicKey::from_pem(&self.key).map_err(|_| AttestationError::Unreadable)?;
        let signature = STANDARD
            .decode(&self.signature)
            .map_err(|_| AttestationError::Unreadable)?;
        key.verify(&signed_message(&self.attestation), &signature)
            .map_err(|_| AttestationError::BadSignature)?;
        let attestation: Attestation =
            serde_json::from_str(&self.attestation).map_err(|_| AttestationError::Unreadable)?;
        if attestation.format != ATTESTATION_FORMAT {
            return Err(AttestationError::Unreadable);
        }
        if attestation.kiosk != key.fingerprint() || *kiosk != key.fingerprint() {
            return Err(AttestationError::WrongKiosk(key.fingerprint()));
        }
        if attestation.bundle != *bundle {
            return Err(AttestationError::WrongBundle);
        }
        Ok(attestation)
    }
}
