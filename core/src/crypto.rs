//! Ed25519 keys, their fingerprints and their PEM forms, shared by badges, packages and bundles.
//!
//! Public keys travel as SubjectPublicKeyInfo PEM so that OpenSSL can verify a signature with no
//! Urne software at all; private keys are stored as PKCS#8 PEM for the same reason. A key's
//! fingerprint is the SHA-256 of its SubjectPublicKeyInfo DER, which anyone can recompute with
//! `openssl pkey -pubin -in key.pem -outform DER | sha256sum`.

use std::fmt;

use ed25519_dalek::Signer;
use ed25519_dalek::pkcs8::spki::der::pem::LineEnding;
use ed25519_dalek::pkcs8::{DecodePrivateKey, DecodePublicKey, EncodePrivateKey, EncodePublicKey};
use rand_core::{CryptoRng, Rng};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use sha2::{Digest as _, Sha256};
use zeroize::Zeroizing;

pub use ed25519_dalek::Signature;

/// Why a key or signature could not be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    /// The text is not a PEM public key of the Ed25519 kind.
    #[error("not an Ed25519 public key in PEM (SubjectPublicKeyInfo) form")]
    BadPublicKeyPem,
    /// The text is not a PKCS#8 PEM private key of the Ed25519 kind.
    #[error("not an Ed25519 private key in PEM (PKCS#8) form")]
    BadPrivateKeyPem,
    /// The signature does not match the message and key.
    #[error("the signature does not match")]
    BadSignature,
    /// The signature is not 64 bytes long.
    #[error("a signature must be exactly 64 bytes, found {0}")]
    BadSignatureLength(usize),
}

/// A SHA-256 digest, printed as 64 lowercase hexadecimal digits.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Sha256Digest(pub [u8; 32]);

impl Sha256Digest {
    /// Digests `data`.
    pub fn of(data: &[u8]) -> Self {
        Self(Sha256::digest(data).into())
    }

    /// Digests the concatenation of several parts (no separators: callers add their own framing).
    pub fn of_parts(parts: &[&[u8]]) -> Self {
        let mut hasher = Sha256::new();
        for part in parts {
            hasher.update(part);
        }
        Self(hasher.finalize().into())
    }

    /// Parses 64 hexadecimal digits.
    pub fn parse(text: &str) -> Option<Self> {
        let mut bytes = [0u8; 32];
        hex::decode_to_slice(text, &mut bytes).ok()?;
        Some(Self(bytes))
    }

    /// The digest as 64 lowercase hexadecimal digits.
    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }
}

impl fmt::Display for Sha256Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

impl fmt::Debug for Sha256Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Sha256Digest({})", self.to_hex())
    }
}

impl Serialize for Sha256Digest {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_hex())
    }
}

impl<'de> Deserialize<'de> for Sha256Digest {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Self::parse(&s).ok_or_else(|| serde::de::Error::custom("expected 64 hexadecimal digits"))
    }
}

/// The fingerprint of a public key: SHA-256 of its SubjectPublicKeyInfo DER.
pub type Fingerprint = Sha256Digest;

/// A public Ed25519 key (a kiosk's device key, an organiser's key, the registry's key).
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct PublicKey(ed25519_dalek::VerifyingKey);

impl PublicKey {
    /// Parses a SubjectPublicKeyInfo PEM.
    pub fn from_pem(pem: &str) -> Result<Self, KeyError> {
        ed25519_dalek::VerifyingKey::from_public_key_pem(pem.trim())
            .map(Self)
            .map_err(|_| KeyError::BadPublicKeyPem)
    }

    /// Wraps the 32 raw key bytes.
    pub fn from_raw(bytes: &[u8; 32]) -> Result<Self, KeyError> {
        ed25519_dalek::VerifyingKey::from_bytes(bytes)
            .map(Self)
            .map_err(|_| KeyError::BadPublicKeyPem)
    }

    /// The 32 raw key bytes.
    pub fn to_raw(&self) -> [u8; 32] {
        self.0.to_bytes()
    }

    /// The SubjectPublicKeyInfo PEM, with `\n` line endings.
    pub fn to_pem(&self) -> String {
        // Encoding a valid 32-byte key into a fixed-size structure cannot fail.
        self.0
            .to_public_key_pem(LineEnding::LF)
            .expect("Ed25519 SubjectPublicKeyInfo always encodes")
    }

    /// The SubjectPublicKeyInfo DER.
    pub fn to_der(&self) -> Vec<u8> {
        self.0
            .to_public_key_der()
            .expect("Ed25519 SubjectPublicKeyInfo always encodes")
            .into_vec()
    }

    /// SHA-256 of the SubjectPublicKeyInfo DER.
    pub fn fingerprint(&self) -> Fingerprint {
        Sha256Digest::of(&self.to_der())
    }

    /// Verifies a raw 64-byte Ed25519 signature over `message` (RFC 8032, strict).
    pub fn verify(&self, message: &[u8], signature: &[u8]) -> Result<(), KeyError> {
        let bytes: &[u8; 64] = signature
            .try_into()
            .map_err(|_| KeyError::BadSignatureLength(signature.len()))?;
        let signature = Signature::from_bytes(bytes);
        self.0
            .verify_strict(message, &signature)
            .map_err(|_| KeyError::BadSignature)
    }
}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PublicKey({})", self.fingerprint())
    }
}

/// A private Ed25519 key. Its bytes never leave this type except as PKCS#8 PEM for storage.
pub struct SecretKey(ed25519_dalek::SigningKey);

impl SecretKey {
    /// Draws a new key from the given cryptographic random source.
    pub fn generate<R: Rng + CryptoRng + ?Sized>(rng: &mut R) -> Self {
        let mut seed = [0u8; 32];
        rng.fill_bytes(&mut seed);
        let key = Self(ed25519_dalek::SigningKey::from_bytes(&seed));
        seed.fill(0);
        key
    }

    /// Builds a key from a 32-byte seed (used for the published demo organiser key only).
    pub fn from_seed(seed: &[u8; 32]) -> Self {
        Self(ed25519_dalek::SigningKey::from_bytes(seed))
    }

    /// Parses a PKCS#8 PEM private key: version 1 (the key alone, as Urne writes it and OpenSSL
    /// reads it) or version 2 (with its public key, as Urne wrote it before; the public key must
    /// match).
    pub fn from_pem(pem: &str) -> Result<Self, KeyError> {
        ed25519_dalek::SigningKey::from_pkcs8_pem(pem.trim())
            .map(Self)
            .map_err(|_| KeyError::BadPrivateKeyPem)
    }

    /// The PKCS#8 PEM form, to be written to a file readable by its owner only. Version 1
    /// (RFC 8410: the 32-byte seed alone), the form OpenSSL 3.0 and Python's `cryptography`
    /// read; ed25519-dalek's own encoder adds the public key (version 2), which they refuse.
    pub fn to_pem(&self) -> Zeroizing<String> {
        let v1 = ed25519_dalek::pkcs8::KeypairBytes {
            secret_key: self.0.to_bytes(),
            public_key: None,
        };
        Zeroizing::new(
            v1.to_pkcs8_pem(LineEnding::LF)
                .expect("Ed25519 PKCS#8 always encodes")
                .to_string(),
        )
    }

    /// The matching public key.
    pub fn public(&self) -> PublicKey {
        PublicKey(self.0.verifying_key())
    }

    /// Signs `message`, returning the raw 64-byte signature.
    pub fn sign(&self, message: &[u8]) -> [u8; 64] {
        self.0.sign(message).to_bytes()
    }
}

impl fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SecretKey(public {})", self.public().fingerprint())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pem_round_trips_and_signatures_verify() {
        let key = SecretKey::from_seed(&[7; 32]);
        let public = key.public();
        let again = PublicKey::from_pem(&public.to_pem()).unwrap();
        assert_eq!(again, public);
        let restored = SecretKey::from_pem(&key.to_pem()).unwrap();
        assert_eq!(restored.public(), public);
        let sig = key.sign(b"hello");
        assert!(public.verify(b"hello", &sig).is_ok());
        assert_eq!(
            public.verify(b"hellO", &sig),
            Err(KeyError::BadSignature),
            "a changed message must not verify"
        );
        assert_eq!(
            public.verify(b"hello", &sig[..63]),
            Err(KeyError::BadSignatureLength(63))
        );
    }

    #[test]
    fn private_keys_are_written_as_pkcs8_v1_and_both_versions_read_back() {
        use base64::Engine as _;
        let key = SecretKey::from_seed(&[3; 32]);
        let pem = key.to_pem();
        let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
        let der = base64::engine::general_purpose::STANDARD
            .decode(body)
            .unwrap();
        // RFC 8410's v1 form: SEQUENCE { INTEGER 0, AlgorithmIdentifier, OCTET STRING { seed } },
        // 48 bytes, without the public key OpenSSL 3.0 refuses.
        assert_eq!(der.len(), 48, "{der:02x?}");
        assert_eq!(&der[..5], &[0x30, 0x2e, 0x02, 0x01, 0x00]);
        // A key Urne wrote before, in the v2 form with its public key, still reads.
        let v2 = key.0.to_pkcs8_pem(LineEnding::LF).unwrap();
        assert!(v2.len() > pem.len());
        let restored = SecretKey::from_pem(&v2).unwrap();
        assert_eq!(restored.public(), key.public());
    }

    #[test]
    fn pem_has_the_openssl_spki_header() {
        let pem = SecretKey::from_seed(&[1; 32]).public().to_pem();
        assert!(pem.starts_with("-----BEGIN PUBLIC KEY-----\n"));
        // An Ed25519 SubjectPublicKeyInfo is always 44 bytes of DER.
        assert_eq!(SecretKey::from_seed(&[1; 32]).public().to_der().len(), 44);
    }
}
