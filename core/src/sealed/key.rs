//! The event's tally key (clé de dépouillement): an X25519 key pair for HPKE, the public half in
//! the package, the private half only in the bureau's shares and, for the moments of a count,
//! in memory (wiped on drop).

use std::fmt;

use hpke::kem::X25519HkdfSha256;
use hpke::{Deserializable, Kem as _, Serializable};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use crate::crypto::Sha256Digest;

/// The KEM of Urne's HPKE suite.
pub(super) type Kem = X25519HkdfSha256;

const FINGERPRINT_CONTEXT: &[u8] = b"urne-tally-key/1\0";

/// Where the published test key comes from: anyone can rebuild it, so nothing sealed to it is
/// secret. The demo and the test deck use it; their results are no vote and say so.
const TEST_KEY_SEED: &[u8] = b"urne published test tally key: nothing sealed to it is secret\0";

/// The public half of a tally key: 32 bytes of X25519, written as 64 hexadecimal digits.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct TallyPublicKey(pub [u8; 32]);

impl TallyPublicKey {
    /// The key's fingerprint, printed on the bureau's share sheets and the procès-verbal:
    /// SHA-256 of `"urne-tally-key/1\0"` and the 32 key bytes.
    pub fn fingerprint(&self) -> Sha256Digest {
        Sha256Digest::of_parts(&[FINGERPRINT_CONTEXT, &self.0])
    }

    /// The key in the HPKE crate's form, or `None` for bytes that are no X25519 point encoding
    /// (every 32 bytes are, so this only fails if the crate's checks grow stricter).
    pub(super) fn to_hpke(self) -> Option<<Kem as hpke::Kem>::PublicKey> {
        <Kem as hpke::Kem>::PublicKey::from_bytes(&self.0).ok()
    }
}

impl fmt::Debug for TallyPublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TallyPublicKey({})", hex::encode(self.0))
    }
}

impl Serialize for TallyPublicKey {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&hex::encode(self.0))
    }
}

impl<'de> Deserialize<'de> for TallyPublicKey {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        let mut bytes = [0u8; 32];
        hex::decode_to_slice(&text, &mut bytes)
            .map_err(|_| serde::de::Error::custom("a tally key is 64 hexadecimal digits"))?;
        Ok(Self(bytes))
    }
}

/// The private half of a tally key. It is kept as the 32-byte seed HPKE derives the X25519 key
/// from (RFC 9180 DeriveKeyPair), which is also what the bureau's shares split, and as that
/// derived key, so that a count derives it once and not once per ballot. Both are wiped when the
/// key is dropped (the X25519 secret by x25519-dalek's own drop); it is never serialised.
#[derive(Zeroize, ZeroizeOnDrop)]
pub struct TallySecretKey {
    seed: [u8; 32],
    #[zeroize(skip)]
    private: <Kem as hpke::Kem>::PrivateKey,
    #[zeroize(skip)]
    public: TallyPublicKey,
}

impl TallySecretKey {
    /// The key derived from 32 random bytes (the caller draws them from the OS).
    pub fn from_seed(seed: [u8; 32]) -> Self {
        let (private, public) = Kem::derive_keypair(&seed);
        let mut bytes = [0u8; 32];
        bytes.copy_from_slice(&public.to_bytes());
        Self {
            seed,
            private,
            public: TallyPublicKey(bytes),
        }
    }

    /// The published test key of the demo and the test deck (see [`TallyInfo::test`]).
    pub fn test() -> Self {
        Self::from_seed(Sha256Digest::of(TEST_KEY_SEED).0)
    }

    /// The public half.
    pub fn public(&self) -> TallyPublicKey {
        self.public
    }

    /// The seed, for splitting into shares.
    pub(super) fn seed(&self) -> &[u8; 32] {
        &self.seed
    }

    /// The X25519 private key in the HPKE crate's form.
    pub(super) fn hpke(&self) -> &<Kem as hpke::Kem>::PrivateKey {
        &self.private
    }

    /// The seed as a wiped-on-drop copy (for a passphrase-protected file the organiser asked to
    /// keep).
    pub fn export_seed(&self) -> Zeroizing<[u8; 32]> {
        Zeroizing::new(self.seed)
    }
}

impl fmt::Debug for TallySecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Never the secret: only which public key it belongs to.
        write!(f, "TallySecretKey(of {:?})", self.public)
    }
}

/// What an event package says about its tally key: the public key ballots are sealed to, how
/// the private key was split, and a digest of each share so that the kiosk refuses a wrong one
/// the moment it is scanned.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TallyInfo {
    /// The public key.
    pub public: TallyPublicKey,
    /// Shares needed to open the box (k).
    pub threshold: u8,
    /// The SHA-256 of each share's payload, by share number (n of them). Empty for the test key.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub shares: Vec<Sha256Digest>,
    /// The published test key: the results are no vote.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub test: bool,
}

impl TallyInfo {
    /// The published test key's description: no shares, the kiosk opens the box by itself.
    pub fn test() -> Self {
        Self {
            public: TallySecretKey::test().public(),
            threshold: 0,
            shares: Vec::new(),
            test: true,
        }
    }

    /// Whether this is the published test key, checked against the key itself and not the flag
    /// alone (a package cannot claim to be a test to skip the bureau, nor hide that it is one).
    pub fn is_test_key(&self) -> bool {
        self.public == TallySecretKey::test().public()
    }

    /// Checks the description is coherent: a real key needs 2 ≤ k ≤ n ≤ 255 shares.
    pub fn validate(&self) -> Result<(), TallyInfoError> {
        if self.test != self.is_test_key() {
            return Err(TallyInfoError::TestFlag);
        }
        if self.test {
            return Ok(());
        }
        let n = self.shares.len();
        if self.threshold < 2 || usize::from(self.threshold) > n || n > 255 {
            return Err(TallyInfoError::Threshold {
                threshold: self.threshold,
                shares: n,
            });
        }
        Ok(())
    }
}

/// Why a package's tally key description was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TallyInfoError {
    /// The test flag and the key disagree.
    #[error("the tally key is marked as the published test key but is not it, or the reverse")]
    TestFlag,
    /// k and n make no sense.
    #[error(
        "a tally key needs at least 2 shares to open it and no more than it has ({threshold} of {shares})"
    )]
    Threshold {
        /// k.
        threshold: u8,
        /// n.
        shares: usize,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_test_key_is_fixed_and_recognised() {
        assert_eq!(
            TallySecretKey::test().public(),
            TallySecretKey::test().public()
        );
        assert!(TallyInfo::test().is_test_key());
        assert_eq!(TallyInfo::test().validate(), Ok(()));
        let real = TallySecretKey::from_seed([7; 32]);
        assert_ne!(real.public(), TallySecretKey::test().public());
    }

    #[test]
    fn a_package_cannot_call_a_real_key_a_test_nor_hide_the_test_key() {
        let mut info = TallyInfo::test();
        info.test = false;
        assert!(info.validate().is_err());
        let fake = TallyInfo {
            public: TallySecretKey::from_seed([7; 32]).public(),
            threshold: 0,
            shares: Vec::new(),
            test: true,
        };
        assert_eq!(fake.validate(), Err(TallyInfoError::TestFlag));
    }

    #[test]
    fn debug_never_prints_the_secret() {
        let key = TallySecretKey::from_seed([0xab; 32]);
        let shown = format!("{key:?}");
        assert!(!shown.contains(&hex::encode([0xab; 32])), "{shown}");
    }

    #[test]
    fn the_public_key_round_trips_as_hex() {
        let public = TallySecretKey::from_seed([3; 32]).public();
        let json = serde_json::to_string(&public).unwrap();
        assert_eq!(json.len(), 66);
        assert_eq!(
            serde_json::from_str::<TallyPublicKey>(&json).unwrap(),
            public
        );
    }
}
