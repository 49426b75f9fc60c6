//! The PIN recovery order (ordre de réinitialisation du code PIN): a short text the organiser
//! key signs on the laptop, for one kiosk, so that a forgotten organiser PIN can be replaced.
//! The kiosk reads it with its QR scanner and accepts it only from the organiser key it pinned
//! at the first package, only if it names this kiosk, and only once.
//!
//! Layout of version 1 (specified in `docs/formats.md`):
//!
//! ```text
//! 0      1   version = 1
//! 1      32  the kiosk's device fingerprint
//! 33     16  a random nonce (the order is good once)
//! 49     32  the organiser's Ed25519 public key
//! 81     64  Ed25519 signature over "urne-pin-reset/1\0" || bytes 0 .. 81
//! ```
//!
//! The QR code holds `URNE-PIN1:` followed by the unpadded base64url of those 145 bytes: 204
//! characters, which fit a version 10 QR code at error-correction level M.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::crypto::{Fingerprint, PublicKey, SecretKey, Sha256Digest};

/// The text every PIN recovery order starts with.
pub const PREFIX: &str = "URNE-PIN1:";
const VERSION: u8 = 1;
const SIGNED_LEN: usize = 81;
const LEN: usize = SIGNED_LEN + 64;
const CONTEXT: &[u8] = b"urne-pin-reset/1\0";

/// A PIN recovery order that verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PinReset {
    /// The kiosk it is for.
    pub device: Fingerprint,
    /// What makes it good once.
    pub nonce: [u8; 16],
    /// The organiser key that signed it.
    pub organiser: Fingerprint,
}

/// Why an order is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PinResetError {
    /// Not a PIN recovery order (or torn, or of an unknown version).
    #[error("this code is not a PIN recovery order")]
    NotAnOrder,
    /// The signature does not hold.
    #[error("this PIN recovery order is not genuine (its signature does not hold)")]
    BadSignature,
    /// Signed by another key than the organiser's this kiosk trusts.
    #[error("this PIN recovery order is signed by another key than this kiosk's organiser")]
    NotTheOrganiser,
    /// Made for another kiosk.
    #[error("this PIN recovery order is for another kiosk")]
    OtherKiosk,
}

/// Signs an order for the kiosk `device` with the organiser key; `nonce` comes from the caller
/// (the core draws no randomness).
pub fn issue(key: &SecretKey, device: &Fingerprint, nonce: [u8; 16]) -> String {
    let mut bytes = Vec::with_capacity(LEN);
    bytes.push(VERSION);
    bytes.extend_from_slice(&device.0);
    bytes.extend_from_slice(&nonce);
    bytes.extend_from_slice(&key.public().to_raw());
    let signature = key.sign(&[CONTEXT, &bytes].concat());
    bytes.extend_from_slice(&signature);
    format!("{PREFIX}{}", URL_SAFE_NO_PAD.encode(bytes))
}

/// Checks a scanned order: its layout, its signature, that its signer is `organiser` and that
/// it names `device`. Whether it was used already is the kiosk's to remember.
pub fn verify(
    text: &str,
    organiser: &Fingerprint,
    device: &Fingerprint,
) -> Result<PinReset, PinResetError> {
    let bytes = text
        .trim()
        .strip_prefix(PREFIX)
        .and_then(|body| URL_SAFE_NO_PAD.decode(body).ok())
        .filter(|b| b.len() == LEN && b[0] == VERSION)
        .ok_or(PinResetError::NotAnOrder)?;
    let mut raw = [0u8; 32];
    raw.copy_from_slice(&bytes[49..81]);
    let signer = PublicKey::from_raw(&raw).map_err(|_| PinResetError::BadSignature)?;
    signer
        .verify(
            &[CONTEXT, &bytes[..SIGNED_LEN]].concat(),
            &bytes[SIGNED_LEN..],
        )
        .map_err(|_| PinResetError::BadSignature)?;
    if signer.fingerprint() != *organiser {
        return Err(PinResetError::NotTheOrganiser);
    }
    let mut named = [0u8; 32];
    named.copy_from_slice(&bytes[1..33]);
    if Sha256Digest(named) != *device {
        return Err(PinResetError::OtherKiosk);
    }
    let mut nonce = [0u8; 16];
    nonce.copy_from_slice(&bytes[33..49]);
    Ok(PinReset {
        device: *device,
        nonce,
        organiser: *organiser,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_order_holds_for_its_kiosk_and_organiser_only() {
        let organiser = SecretKey::from_seed(&[1; 32]);
        let kiosk = SecretKey::from_seed(&[2; 32]).public().fingerprint();
        let other = SecretKey::from_seed(&[3; 32]).public().fingerprint();
        let fp = organiser.public().fingerprint();
        let text = issue(&organiser, &kiosk, [9; 16]);
        assert!(text.len() <= 213, "{} characters", text.len());
        let order = verify(&text, &fp, &kiosk).unwrap();
        assert_eq!(order.nonce, [9; 16]);
        assert_eq!(verify(&text, &fp, &other), Err(PinResetError::OtherKiosk));
        assert_eq!(
            verify(&text, &other, &kiosk),
            Err(PinResetError::NotTheOrganiser)
        );
        // Another key's order for this kiosk.
        let stranger = SecretKey::from_seed(&[4; 32]);
        assert_eq!(
            verify(&issue(&stranger, &kiosk, [9; 16]), &fp, &kiosk),
            Err(PinResetError::NotTheOrganiser)
        );
        // One byte changed anywhere breaks it.
        let body = URL_SAFE_NO_PAD
            .decode(text.strip_prefix(PREFIX).unwrap())
            .unwrap();
        for i in [1, 40, 60, 100] {
            let mut altered = body.clone();
            altered[i] ^= 1;
            let altered = format!("{PREFIX}{}", URL_SAFE_NO_PAD.encode(&altered));
            assert!(verify(&altered, &fp, &kiosk).is_err(), "byte {i}");
        }
        for junk in ["URNE:abc", "URNE-PIN1:", "URNE-PIN1:!!", &text[..100]] {
            assert_eq!(verify(junk, &fp, &kiosk), Err(PinResetError::NotAnOrder));
        }
    }
}
