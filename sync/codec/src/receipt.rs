//! Receipts: the registry's signed acknowledgement that it stored a bundle.
//!
//! The receipt is a small JSON document; the registry signs its exact bytes with its own Ed25519
//! key. The kiosk keeps the receipt and checks it against the registry key it pinned.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Serialize};
use urne_core::crypto::{Fingerprint, PublicKey, SecretKey, Sha256Digest};
use urne_core::ids::EventId;
use urne_core::timestamp::Timestamp;

/// Format tag of a receipt.
pub const RECEIPT_FORMAT: &str = "urne-receipt/1";

/// What the registry acknowledges.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Receipt {
    /// `urne-receipt/1`.
    pub format: String,
    /// SHA-256 of the bundle file.
    pub bundle: Sha256Digest,
    /// The device that signed the bundle.
    pub device: Fingerprint,
    /// The event.
    pub event: EventId,
    /// The bundle's sequence number.
    pub seq: u64,
    /// When the registry stored it.
    pub received: Timestamp,
    /// The registry's key fingerprint.
    pub registry: Fingerprint,
}

/// A receipt as sent over the wire: the exact signed bytes, the signature and the key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignedReceipt {
    /// The receipt JSON, as signed.
    pub receipt: String,
    /// Base64 of the 64-byte Ed25519 signature.
    pub signature: String,
    /// The registry's public key (SubjectPublicKeyInfo PEM).
    pub registry_key: String,
}

/// Why a receipt does not hold.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReceiptError {
    /// Unreadable.
    #[error("the receipt is not readable")]
    Unreadable,
    /// The signature does not verify.
    #[error("the receipt's signature is not valid")]
    BadSignature,
    /// Signed by another registry than the pinned one.
    #[error("the receipt comes from another registry ({0})")]
    WrongRegistry(Fingerprint),
    /// For another bundle.
    #[error("the receipt acknowledges another bundle")]
    WrongBundle,
}

impl SignedReceipt {
    /// Signs a receipt.
    pub fn sign(receipt: &Receipt, key: &SecretKey) -> Self {
        let text = serde_json::to_string(receipt).expect("receipts always serialise");
        let signature = STANDARD.encode(key.sign(text.as_bytes()));
        Self {
            receipt: text,
            signature,
            registry_key: key.public().to_pem(),
        }
    }

    /// Checks the signature, the registry (if pinned) and the bundle digest.
    pub fn verify(
        &self,
        bundle: &Sha256Digest,
        pinned_registry: Option<&Fingerprint>,
    ) -> Result<Receipt, ReceiptError> {
        let key = PublicKey::from_pem(&self.registry_key).map_err(|_| ReceiptError::Unreadable)?;
        let signature = STANDARD
            .decode(&self.signature)
            .map_err(|_| ReceiptError::Unreadable)?;
        key.verify(self.receipt.as_bytes(), &signature)
            .map_err(|_| ReceiptError::BadSignature)?;
        let receipt: Receipt =
            serde_json::from_str(&self.receipt).map_err(|_| ReceiptError::Unreadable)?;
        if receipt.format != RECEIPT_FORMAT || receipt.registry != key.fingerprint() {
            return Err(ReceiptError::Unreadable);
        }
        if let Some(pinned) = pinned_registry
            && *pinned != receipt.registry
        {
            return Err(ReceiptError::WrongRegistry(receipt.registry));
        }
        if receipt.bundle != *bundle {
            return Err(ReceiptError::WrongBundle);
        }
        Ok(receipt)
    }
}
