//! The tally key kept by the organiser, only when asked (`urne package --keep-tally-key FILE`):
//! the key and the seed its shares were drawn from, sealed under a passphrase, so that lost part
//! sheets can be printed again (`urne shares`) — the same parts, which the package still lists.
//!
//! The file is JSON: a header in clear (format, event, tally key fingerprint, k and n, the
//! Argon2id parameters and salt, the nonce) and the 64 secret bytes sealed with
//! ChaCha20-Poly1305 under the key Argon2id derives from the passphrase, the header bound as
//! associated data so that no field of it can be changed. Argon2id costs 64 MiB and three passes:
//! a fraction of a second on a laptop per guess, which is what makes a stolen file slow to crack.
//! Pure like the package it goes with: salt and nonce come from the caller's generator.

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce};
use serde::{Deserialize, Serialize};
use urne_core::ids::EventId;
use urne_core::rand_core::{CryptoRng, Rng};
use urne_core::sealed::{self, Share, ShareError, TallyInfo, TallySecretKey};
use zeroize::{Zeroize, Zeroizing};

const FORMAT: &str = "urne-tally-key/1";
/// Argon2id cost: 64 MiB, 3 passes, 1 lane (RFC 9106's second recommended setting, on one lane).
const MEMORY_KIB: u32 = 64 * 1024;
const PASSES: u32 = 3;
const LANES: u32 = 1;
/// The shortest passphrase accepted: four words of a phrase, or twelve random characters.
pub const MIN_PASSPHRASE: usize = 12;

/// A tally key and the seed of its shares' polynomials: enough to print the very same parts again.
pub struct TallyMaterial {
    seed: Zeroizing<[u8; 32]>,
    split_seed: Zeroizing<[u8; 32]>,
}

impl std::fmt::Debug for TallyMaterial {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "TallyMaterial(of {:?})", self.key().public())
    }
}

impl TallyMaterial {
    /// A fresh key and split seed, drawn from `rng`.
    pub fn draw<R: Rng + CryptoRng + ?Sized>(rng: &mut R) -> Self {
        let mut seed = Zeroizing::new([0u8; 32]);
        rng.fill_bytes(&mut seed[..]);
        let mut split_seed = Zeroizing::new([0u8; 32]);
        rng.fill_bytes(&mut split_seed[..]);
        Self { seed, split_seed }
    }

    /// The tally key (wiped when dropped).
    pub fn key(&self) -> TallySecretKey {
        TallySecretKey::from_seed(*self.seed)
    }

    /// The key's `count` shares of which `threshold` open the box, and the package's description
    /// of the key: always the same shares for the same material and parameters.
    pub fn split(&self, threshold: u8, count: u8) -> Result<(Vec<Share>, TallyInfo), ShareError> {
        sealed::split(&self.key(), threshold, count, *self.split_seed)
    }
}

/// The clear part of the file, bound to its sealed part.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeptHeader {
    /// `urne-tally-key/1`.
    pub format: String,
    /// The event the key seals.
    pub event: EventId,
    /// The tally key's fingerprint (hex), as the part sheets print it.
    pub fingerprint: String,
    /// Parts needed.
    pub threshold: u8,
    /// Parts made.
    pub shares: u8,
    /// Argon2id memory, KiB.
    pub memory_kib: u32,
    /// Argon2id passes.
    pub passes: u32,
    /// Argon2id lanes.
    pub lanes: u32,
    /// Argon2id salt (hex).
    pub salt: String,
    /// ChaCha20-Poly1305 nonce (hex).
    pub nonce: String,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct KeptFile {
    header: KeptHeader,
    /// The 64 secret bytes and the AEAD tag (hex).
    sealed: String,
}

/// Why a kept key could not be written or opened. Nothing is written or changed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeptKeyError {
    /// The passphrase is too short to stand a guessing attack.
    #[error("the passphrase needs at least {MIN_PASSPHRASE} characters")]
    ShortPassphrase,
    /// Not a kept tally key file of a format this version reads.
    #[error("this is not an Urne tally key file")]
    NotAKeyFile,
    /// The passphrase is wrong, or the file was altered.
    #[error("wrong passphrase, or the file was altered")]
    WrongPassphrase,
    /// The file's Argon2 parameters are not ones this version uses.
    #[error("this tally key file asks for key-derivation costs Urne does not use")]
    Parameters,
    /// The key in the file is not the package's tally key.
    #[error("this tally key is not the one the package seals to")]
    OtherKey,
    /// The parts printed again are not those the package lists.
    #[error("the parts made from this file are not those the package lists")]
    OtherParts,
    /// The key cannot be split as the header says.
    #[error(transparent)]
    Shares(#[from] ShareError),
}

fn derive(passphrase: &str, header: &KeptHeader) -> Result<Zeroizing<[u8; 32]>, KeptKeyError> {
    if (header.memory_kib, header.passes, header.lanes) != (MEMORY_KIB, PASSES, LANES) {
        return Err(KeptKeyError::Parameters);
    }
    let salt = hex::decode(&header.salt).map_err(|_| KeptKeyError::NotAKeyFile)?;
    let params = argon2::Params::new(MEMORY_KIB, PASSES, LANES, Some(32))
        .map_err(|_| KeptKeyError::Parameters)?;
    let argon = argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params);
    let mut out = Zeroizing::new([0u8; 32]);
    argon
        .hash_password_into(passphrase.as_bytes(), &salt, &mut out[..])
        .map_err(|_| KeptKeyError::Parameters)?;
    Ok(out)
}

fn cipher(key: &[u8; 32]) -> ChaCha20Poly1305 {
    ChaCha20Poly1305::new(&Key::from(*key))
}

fn nonce(header: &KeptHeader) -> Result<Nonce, KeptKeyError> {
    let bytes: [u8; 12] = hex::decode(&header.nonce)
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or(KeptKeyError::NotAKeyFile)?;
    Ok(Nonce::from(bytes))
}

fn aad(header: &KeptHeader) -> Vec<u8> {
    serde_json::to_vec(header).expect("a header always serialises")
}

/// Seals `material` of `event`'s tally key, split `threshold` of `shares`, under `passphrase`.
pub fn seal<R: Rng + CryptoRng + ?Sized>(
    material: &TallyMaterial,
    event: &EventId,
    threshold: u8,
    shares: u8,
    passphrase: &str,
    rng: &mut R,
) -> Result<Vec<u8>, KeptKeyError> {
    if passphrase.chars().count() < MIN_PASSPHRASE {
        return Err(KeptKeyError::ShortPassphrase);
    }
    let mut salt = [0u8; 16];
    rng.fill_bytes(&mut salt);
    let mut nonce_bytes = [0u8; 12];
    rng.fill_bytes(&mut nonce_bytes);
    let header = KeptHeader {
        format: FORMAT.into(),
        event: event.clone(),
        fingerprint: material.key().public().fingerprint().to_hex(),
        threshold,
        shares,
        memory_kib: MEMORY_KIB,
        passes: PASSES,
        lanes: LANES,
        salt: hex::encode(salt),
        nonce: hex::encode(nonce_bytes),
    };
    let key = derive(passphrase, &header)?;
    let mut secret = Zeroizing::new([0u8; 64]);
    secret[..32].copy_from_slice(&material.seed[..]);
    secret[32..].copy_from_slice(&material.split_seed[..]);
    let aad = aad(&header);
    let sealed = cipher(&key)
        .encrypt(
            &nonce(&header)?,
            Payload {
                msg: &secret[..],
                aad: &aad,
            },
        )
        .map_err(|_| KeptKeyError::Parameters)?;
    let file = KeptFile {
        header,
        sealed: hex::encode(sealed),
    };
    let mut bytes = serde_json::to_vec_pretty(&file).expect("a kept key always serialises");
    bytes.push(b'\n');
    Ok(bytes)
}

/// A kept key file of this format, not yet opened.
fn parse(bytes: &[u8]) -> Result<KeptFile, KeptKeyError> {
    let file: KeptFile = serde_json::from_slice(bytes).map_err(|_| KeptKeyError::NotAKeyFile)?;
    if file.header.format != FORMAT {
        return Err(KeptKeyError::NotAKeyFile);
    }
    Ok(file)
}

/// The header of a kept key file, read without the passphrase (to say which event it is for).
pub fn header(bytes: &[u8]) -> Result<KeptHeader, KeptKeyError> {
    Ok(parse(bytes)?.header)
}

/// Opens a kept key file with its passphrase.
pub fn open(bytes: &[u8], passphrase: &str) -> Result<(KeptHeader, TallyMaterial), KeptKeyError> {
    let file = parse(bytes)?;
    let sealed = hex::decode(&file.sealed).map_err(|_| KeptKeyError::NotAKeyFile)?;
    let key = derive(passphrase, &file.header)?;
    let aad = aad(&file.header);
    let mut secret = Zeroizing::new(
        cipher(&key)
            .decrypt(
                &nonce(&file.header)?,
                Payload {
                    msg: &sealed,
                    aad: &aad,
                },
            )
            .map_err(|_| KeptKeyError::WrongPassphrase)?,
    );
    if secret.len() != 64 {
        secret.zeroize();
        return Err(KeptKeyError::NotAKeyFile);
    }
    let mut seed = Zeroizing::new([0u8; 32]);
    seed.copy_from_slice(&secret[..32]);
    let mut split_seed = Zeroizing::new([0u8; 32]);
    split_seed.copy_from_slice(&secret[32..]);
    let material = TallyMaterial { seed, split_seed };
    if material.key().public().fingerprint().to_hex() != file.header.fingerprint {
        return Err(KeptKeyError::WrongPassphrase);
    }
    Ok((file.header, material))
}

/// The bureau's parts printed again from a kept key: checked to be exactly the parts `info` (the
/// package's `tally.json`) lists, so that a sheet printed again opens the box.
pub fn parts_again(material: &TallyMaterial, info: &TallyInfo) -> Result<Vec<Share>, KeptKeyError> {
    if material.key().public() != info.public {
        return Err(KeptKeyError::OtherKey);
    }
    let count = u8::try_from(info.shares.len()).map_err(|_| KeptKeyError::OtherParts)?;
    let (shares, again) = material.split(info.threshold, count)?;
    if again.shares != info.shares {
        return Err(KeptKeyError::OtherParts);
    }
    Ok(shares)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand_chacha::ChaCha20Rng;
    use rand_chacha::rand_core::SeedableRng;

    fn kept() -> (TallyMaterial, TallyInfo, Vec<u8>) {
        let mut rng = ChaCha20Rng::from_seed([9; 32]);
        let material = TallyMaterial::draw(&mut rng);
        let (_, info) = material.split(2, 3).unwrap();
        let event = EventId::new("ag-2026").unwrap();
        let bytes = seal(&material, &event, 2, 3, "correct horse battery", &mut rng).unwrap();
        (material, info, bytes)
    }

    #[test]
    fn the_passphrase_opens_the_very_parts_the_package_lists() {
        let (material, info, bytes) = kept();
        let (header, opened) = open(&bytes, "correct horse battery").unwrap();
        assert_eq!(header.event.as_str(), "ag-2026");
        assert_eq!((header.threshold, header.shares), (2, 3));
        let again = parts_again(&opened, &info).unwrap();
        let (first, _) = material.split(2, 3).unwrap();
        let texts = |s: &[Share]| s.iter().map(|s| s.text().to_string()).collect::<Vec<_>>();
        assert_eq!(texts(&again), texts(&first));
        // Nothing secret in clear in the file.
        let text = String::from_utf8(bytes).unwrap();
        assert!(!text.contains(&hex::encode(*material.seed)));
        assert!(!text.contains(&hex::encode(*material.split_seed)));
    }

    #[test]
    fn a_wrong_passphrase_or_an_altered_header_opens_nothing() {
        let (_, _, bytes) = kept();
        assert_eq!(
            open(&bytes, "correct horse batterie").unwrap_err(),
            KeptKeyError::WrongPassphrase
        );
        let text = String::from_utf8(bytes).unwrap();
        let altered = text.replace("\"threshold\": 2", "\"threshold\": 3");
        assert_ne!(altered, text);
        assert_eq!(
            open(altered.as_bytes(), "correct horse battery").unwrap_err(),
            KeptKeyError::WrongPassphrase
        );
        assert_eq!(
            open(b"{\"not\": 1}", "correct horse battery").unwrap_err(),
            KeptKeyError::NotAKeyFile
        );
    }

    #[test]
    fn a_short_passphrase_is_refused_and_another_key_prints_no_parts() {
        let mut rng = ChaCha20Rng::from_seed([3; 32]);
        let material = TallyMaterial::draw(&mut rng);
        let event = EventId::new("ag-2026").unwrap();
        assert_eq!(
            seal(&material, &event, 2, 3, "short", &mut rng).unwrap_err(),
            KeptKeyError::ShortPassphrase
        );
        let (_, info, _) = kept();
        assert_eq!(
            parts_again(&material, &info).unwrap_err(),
            KeptKeyError::OtherKey
        );
    }
}
