//! The bureau's shares of the tally key (parts de la clé): Shamir's k-of-n secret sharing of the
//! key's 32-byte seed over GF(2^8) (vsss-rs, constant time), each share written as one line of
//! text for a QR code and for typing, and the set the kiosk gathers at the count.
//!
//! A share's text is `URNE-PART1:` and the RFC 4648 base32 of: format (1), share number (1),
//! threshold k (1), share count n (1), the first 8 bytes of the tally key's fingerprint, the
//! 32-byte share, and a 4-byte checksum (the start of the SHA-256 of what precedes). The
//! checksum catches a typo; the fingerprint bytes name another event's share; the package's
//! digest of every share ([`TallyInfo::shares`]) refuses one that was altered or made up.

use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use vsss_rs::{Gf256, IdentifierGf256};
use zeroize::{Zeroize, Zeroizing};

use super::key::{TallyInfo, TallySecretKey};
use crate::crypto::Sha256Digest;

/// The text every share starts with.
pub const SHARE_PREFIX: &str = "URNE-PART1:";
const FORMAT: u8 = 1;
const TAG_LEN: usize = 8;
const CHECK_LEN: usize = 4;
/// Format, number, k, n, tag, share, checksum.
const PAYLOAD_LEN: usize = 4 + TAG_LEN + 32 + CHECK_LEN;
const DIGEST_CONTEXT: &[u8] = b"urne-part/1\0";

/// One share of a tally key.
pub struct Share {
    payload: Zeroizing<[u8; PAYLOAD_LEN]>,
}

impl std::fmt::Debug for Share {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Share({} of {}, k = {})",
            self.number(),
            self.count(),
            self.threshold()
        )
    }
}

impl Share {
    /// The share's number, 1 to n.
    pub fn number(&self) -> u8 {
        self.payload[1]
    }

    /// Shares needed to open the box.
    pub fn threshold(&self) -> u8 {
        self.payload[2]
    }

    /// Shares made.
    pub fn count(&self) -> u8 {
        self.payload[3]
    }

    fn tag(&self) -> &[u8] {
        &self.payload[4..4 + TAG_LEN]
    }

    fn value(&self) -> &[u8] {
        &self.payload[4 + TAG_LEN..PAYLOAD_LEN - CHECK_LEN]
    }

    /// The digest the package keeps of this share.
    pub fn digest(&self) -> Sha256Digest {
        Sha256Digest::of_parts(&[DIGEST_CONTEXT, &self.payload[..PAYLOAD_LEN - CHECK_LEN]])
    }

    /// The share as one line of text, for a QR code (base32 is QR's alphanumeric mode).
    pub fn text(&self) -> Zeroizing<String> {
        let mut text = String::from(SHARE_PREFIX);
        text.push_str(&data_encoding::BASE32_NOPAD.encode(&self.payload[..]));
        Zeroizing::new(text)
    }

    /// The share to type, in groups of four characters: the text of the QR code without its
    /// `URNE-PART1:` prefix, which a person need not type.
    pub fn grouped(&self) -> Zeroizing<String> {
        let text = self.text();
        let body = &text[SHARE_PREFIX.len()..];
        let mut out = String::with_capacity(body.len() + body.len() / 4);
        for (i, c) in body.chars().enumerate() {
            if i > 0 && i % 4 == 0 {
                out.push(' ');
            }
            out.push(c);
        }
        Zeroizing::new(out)
    }

    /// Reads a share scanned or typed: with its prefix (in any case) or without, spaces and
    /// dashes ignored, and the digits a person may type for the letters they resemble (0 for O,
    /// 1 for I, 8 for B).
    pub fn parse(text: &str) -> Result<Self, ShareError> {
        let trimmed = text.trim();
        let prefixed = trimmed
            .get(..SHARE_PREFIX.len())
            .is_some_and(|p| p.eq_ignore_ascii_case(SHARE_PREFIX));
        let body = if prefixed {
            &trimmed[SHARE_PREFIX.len()..]
        } else {
            trimmed
        };
        let mut clean: Zeroizing<String> = Zeroizing::new(String::with_capacity(body.len()));
        for c in body.chars() {
            match c.to_ascii_uppercase() {
                ' ' | '-' | '\t' => {}
                '0' => clean.push('O'),
                '1' => clean.push('I'),
                '8' => clean.push('B'),
                c => clean.push(c),
            }
        }
        // Without the prefix, only text of a share's length is taken for a share mistyped.
        if !prefixed && clean.len() != data_encoding::BASE32_NOPAD.encode_len(PAYLOAD_LEN) {
            return Err(ShareError::NotAShare);
        }
        let mut decoded = Zeroizing::new(
            data_encoding::BASE32_NOPAD
                .decode(clean.as_bytes())
                .map_err(|_| ShareError::Mistyped)?,
        );
        if decoded.len() != PAYLOAD_LEN {
            decoded.zeroize();
            return Err(ShareError::Mistyped);
        }
        let mut payload = Zeroizing::new([0u8; PAYLOAD_LEN]);
        payload.copy_from_slice(&decoded);
        let check = Sha256Digest::of(&payload[..PAYLOAD_LEN - CHECK_LEN]);
        if payload[PAYLOAD_LEN - CHECK_LEN..] != check.0[..CHECK_LEN] {
            return Err(ShareError::Mistyped);
        }
        if payload[0] != FORMAT {
            return Err(ShareError::NotAShare);
        }
        Ok(Self { payload })
    }
}

/// Why a share was refused. Each is said to the bureau by name, and nothing changes.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ShareError {
    /// Not a share of Urne's form.
    #[error("this is not a part of an Urne tally key")]
    NotAShare,
    /// The checksum fails: a character was mistyped or misread.
    #[error("this part was mistyped or misread: check it character by character")]
    Mistyped,
    /// A share of another event's key.
    #[error("this part does not belong to this event")]
    OtherEvent,
    /// Named for this event but not one of the shares made for it.
    #[error("this part is not one of those made for this event")]
    Unknown,
    /// This share was already read.
    #[error("part {0} was already read")]
    Duplicate(u8),
    /// The shares do not rebuild the key (cannot happen with shares the package lists).
    #[error("these parts do not rebuild this event's tally key")]
    Mismatch,
    /// The key or its parameters cannot be split so.
    #[error(
        "a tally key is split into 2 to 255 parts, and needs at least 2 and at most all of them"
    )]
    Parameters,
}

/// Splits `key` into `count` shares of which `threshold` open the box, with the polynomials
/// drawn from `seed` (32 fresh random bytes). Returns the shares, by number, and the package's
/// description of the key.
pub fn split(
    key: &TallySecretKey,
    threshold: u8,
    count: u8,
    seed: [u8; 32],
) -> Result<(Vec<Share>, TallyInfo), ShareError> {
    if threshold < 2 || threshold > count {
        return Err(ShareError::Parameters);
    }
    let rng = ChaCha20Rng::from_seed(seed);
    let ids = (1..=count).map(|i| IdentifierGf256::from(Gf256(i)));
    let raw = Gf256::split_bytes_with_participant_ids_iter(
        usize::from(threshold),
        usize::from(count),
        key.seed(),
        rng,
        ids,
    )
    .map_err(|_| ShareError::Parameters)?;
    let tag = key.public().fingerprint();
    let mut shares = Vec::with_capacity(raw.len());
    for mut value in raw {
        let mut payload = Zeroizing::new([0u8; PAYLOAD_LEN]);
        payload[0] = FORMAT;
        payload[1] = value[0];
        payload[2] = threshold;
        payload[3] = count;
        payload[4..4 + TAG_LEN].copy_from_slice(&tag.0[..TAG_LEN]);
        payload[4 + TAG_LEN..PAYLOAD_LEN - CHECK_LEN].copy_from_slice(&value[1..]);
        value.zeroize();
        let check = Sha256Digest::of(&payload[..PAYLOAD_LEN - CHECK_LEN]);
        payload[PAYLOAD_LEN - CHECK_LEN..].copy_from_slice(&check.0[..CHECK_LEN]);
        shares.push(Share { payload });
    }
    let info = TallyInfo {
        public: key.public(),
        threshold,
        shares: shares.iter().map(Share::digest).collect(),
        test: false,
    };
    Ok((shares, info))
}

/// The shares gathered at a count, each checked the moment it is read.
#[derive(Debug)]
pub struct ShareSet<'a> {
    info: &'a TallyInfo,
    read: Vec<Share>,
}

impl<'a> ShareSet<'a> {
    /// An empty set for the key `info` describes.
    pub fn new(info: &'a TallyInfo) -> Self {
        Self {
            info,
            read: Vec::new(),
        }
    }

    /// Shares still needed.
    pub fn missing(&self) -> usize {
        usize::from(self.info.threshold).saturating_sub(self.read.len())
    }

    /// The numbers of the shares read so far.
    pub fn numbers(&self) -> Vec<u8> {
        self.read.iter().map(Share::number).collect()
    }

    /// Reads one share (scanned or typed). Returns its number; refuses, changing nothing, a
    /// share that is mistyped, another event's, not one of this key's, or already read.
    pub fn add(&mut self, text: &str) -> Result<u8, ShareError> {
        let share = Share::parse(text)?;
        let tag = self.info.public.fingerprint();
        if share.tag() != &tag.0[..TAG_LEN] {
            return Err(ShareError::OtherEvent);
        }
        let listed = usize::from(share.number())
            .checked_sub(1)
            .and_then(|i| self.info.shares.get(i));
        if listed != Some(&share.digest()) || share.threshold() != self.info.threshold {
            return Err(ShareError::Unknown);
        }
        if self.read.iter().any(|s| s.number() == share.number()) {
            return Err(ShareError::Duplicate(share.number()));
        }
        let number = share.number();
        self.read.push(share);
        Ok(number)
    }

    /// The key, once enough shares are read: rebuilt in memory and checked against the
    /// package's public key. The caller drops it (which wipes it) as soon as the box is open.
    pub fn key(&self) -> Result<Option<TallySecretKey>, ShareError> {
        if self.missing() > 0 {
            return Ok(None);
        }
        let raw: Vec<Vec<u8>> = self
            .read
            .iter()
            .take(usize::from(self.info.threshold))
            .map(|s| {
                let mut v = Vec::with_capacity(33);
                v.push(s.number());
                v.extend_from_slice(s.value());
                v
            })
            .collect();
        let raw = Zeroizing::new(raw);
        let mut seed =
            Zeroizing::new(Gf256::combine_bytes(&raw[..]).map_err(|_| ShareError::Mismatch)?);
        let bytes: [u8; 32] = seed
            .as_slice()
            .try_into()
            .map_err(|_| ShareError::Mismatch)?;
        seed.zeroize();
        let key = TallySecretKey::from_seed(bytes);
        if key.public() != self.info.public {
            return Err(ShareError::Mismatch);
        }
        Ok(Some(key))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn made(threshold: u8, count: u8) -> (TallySecretKey, Vec<Share>, TallyInfo) {
        let key = TallySecretKey::from_seed([5; 32]);
        let (shares, info) = split(&key, threshold, count, [6; 32]).unwrap();
        (key, shares, info)
    }

    #[test]
    fn any_k_of_n_shares_rebuild_the_key_and_fewer_do_not() {
        let (key, shares, info) = made(3, 5);
        assert_eq!(info.validate(), Ok(()));
        for picks in [[0, 1, 2], [4, 2, 0], [1, 3, 4]] {
            let mut set = ShareSet::new(&info);
            for (n, i) in picks.iter().enumerate() {
                assert!(
                    set.key().unwrap().is_none(),
                    "{n} shares must not be enough"
                );
                assert_eq!(set.add(&shares[*i].text()), Ok(shares[*i].number()));
            }
            assert_eq!(set.key().unwrap().unwrap().public(), key.public());
        }
    }

    #[test]
    fn shares_are_refused_by_name() {
        let (_, shares, info) = made(2, 3);
        let (_, foreign, _) = {
            let other = TallySecretKey::from_seed([8; 32]);
            let (s, i) = split(&other, 2, 3, [6; 32]).unwrap();
            (other, s, i)
        };
        let mut set = ShareSet::new(&info);
        assert_eq!(set.add("bonjour"), Err(ShareError::NotAShare));
        assert_eq!(set.add(&foreign[0].text()), Err(ShareError::OtherEvent));
        let text = shares[0].text();
        let mut typo: Vec<char> = text.chars().collect();
        let at = SHARE_PREFIX.len() + 10;
        typo[at] = if typo[at] == 'A' { 'B' } else { 'A' };
        let typo: String = typo.into_iter().collect();
        assert_eq!(set.add(&typo), Err(ShareError::Mistyped));
        assert_eq!(set.add(&text), Ok(1));
        assert_eq!(set.add(&shares[0].grouped()), Err(ShareError::Duplicate(1)));
        assert_eq!(set.numbers(), vec![1]);
        assert_eq!(set.missing(), 1);
    }

    #[test]
    fn a_share_made_up_with_the_right_name_is_refused() {
        let (key, shares, info) = made(2, 3);
        // Another split of the same key: right tag, right checksum, not the package's shares.
        let (again, _) = split(&key, 2, 3, [7; 32]).unwrap();
        let mut set = ShareSet::new(&info);
        assert_eq!(set.add(&again[0].text()), Err(ShareError::Unknown));
        assert_eq!(set.add(&shares[2].text()), Ok(3));
    }

    #[test]
    fn a_typed_share_is_read_forgivingly() {
        let (_, shares, info) = made(2, 3);
        let typed = shares[1]
            .grouped()
            .to_lowercase()
            .replace('o', "0")
            .replace('i', "1");
        let mut set = ShareSet::new(&info);
        assert_eq!(set.add(&format!("  {typed}\n")), Ok(2));
        let prefixed = format!("urne-part1: {}", shares[2].grouped().to_lowercase());
        assert_eq!(set.add(&prefixed), Ok(3));
    }

    #[test]
    fn a_share_sheet_line_fits_one_qr_code_and_hides_its_secret_in_debug() {
        let (_, shares, _) = made(2, 3);
        assert!(shares[0].text().len() < 100);
        assert!(
            shares[0]
                .text()
                .chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '-' || c == ':')
        );
        assert!(!format!("{:?}", shares[0]).contains(&shares[0].text()[SHARE_PREFIX.len()..]));
    }

    #[test]
    fn impossible_splits_are_refused() {
        let key = TallySecretKey::from_seed([5; 32]);
        assert!(split(&key, 1, 3, [0; 32]).is_err());
        assert!(split(&key, 4, 3, [0; 32]).is_err());
    }
}
