//! Sealing one ballot to the tally key, and opening it at the count.
//!
//! A sealed ballot is HPKE's encapsulated key (32 bytes) followed by the AEAD ciphertext of the
//! padded ballot. HPKE's `info` binds it to its box — event, poll, and the digest of the poll's
//! definition — so a ciphertext copied into another poll or event, or kept across a change of
//! the poll's wording, does not open. Every ballot of a poll is padded to the same length
//! ([`padded_len`]), so the size of a ciphertext says nothing about what it holds.

use hpke::aead::ChaCha20Poly1305;
use hpke::kdf::HkdfSha256;
use hpke::{Deserializable, OpModeR, OpModeS, Serializable};
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use zeroize::Zeroizing;

use super::key::{Kem, TallyPublicKey, TallySecretKey};
use crate::ballot::WeightedBallot;
use crate::crypto::Sha256Digest;
use crate::ids::{EventId, PollId};
use crate::poll::Poll;

const INFO_CONTEXT: &[u8] = b"urne-box/1\0";
/// Length of HPKE's encapsulated key for X25519.
const ENC_LEN: usize = 32;
/// Length of the ChaCha20-Poly1305 tag.
const TAG_LEN: usize = 16;
/// The plaintext starts with the ballot's length, on two bytes.
const LEN_PREFIX: usize = 2;

/// Which box a ballot belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BoxId<'a> {
    /// The event.
    pub event: &'a EventId,
    /// The poll.
    pub poll: &'a PollId,
    /// The digest of the poll's definition ([`Poll::definition_digest`]).
    pub definition: Sha256Digest,
}

impl<'a> BoxId<'a> {
    /// The box of `poll` in `event`.
    pub fn of(event: &'a EventId, poll: &'a Poll) -> Self {
        Self {
            event,
            poll: &poll.id,
            definition: poll.definition_digest(),
        }
    }

    fn info(&self) -> Vec<u8> {
        let mut info = Vec::with_capacity(INFO_CONTEXT.len() + 100);
        info.extend_from_slice(INFO_CONTEXT);
        info.extend_from_slice(self.event.as_str().as_bytes());
        info.push(0);
        info.extend_from_slice(self.poll.as_str().as_bytes());
        info.push(0);
        info.extend_from_slice(&self.definition.0);
        info
    }
}

/// A sealed ballot, as stored in the box.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SealedBallot(pub Vec<u8>);

/// Why a ballot could not be sealed or opened.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SealError {
    /// The ballot is longer than its poll's padded length (it cannot be a valid ballot).
    #[error("the ballot is longer than any valid ballot of its poll")]
    TooLong,
    /// The tally public key is unusable.
    #[error("the tally key is not a usable X25519 public key")]
    BadPublicKey,
    /// The stored bytes are too short or their length is not the poll's.
    #[error("a sealed ballot has the wrong length")]
    Malformed,
    /// The AEAD refused: another key, another box, or altered bytes.
    #[error(
        "a sealed ballot does not open with this key in this box: it was altered or comes from elsewhere"
    )]
    Refused,
    /// It opened, but what is inside is no ballot of Urne's form.
    #[error("a sealed ballot opened but holds no readable ballot")]
    Unreadable,
}

/// The plaintext length every ballot of `poll` is padded to: enough for the longest ballot the
/// poll accepts (every option approved, graded or ranked, with the largest weight), rounded up
/// to 32 bytes.
pub fn padded_len(poll: &Poll) -> usize {
    // The envelope `{"ballot":{"approval":[…]},"weight":4294967295}` is under 64 bytes; each
    // option adds at most its id, quotes, a separator and a grade or tier's brackets.
    let options: usize = poll
        .kind
        .option_ids()
        .iter()
        .map(|id| id.as_str().len() + 8)
        .sum();
    let len = LEN_PREFIX + 64 + options;
    len.div_ceil(32) * 32
}

/// The length of a sealed ballot of `poll`.
pub fn sealed_len(poll: &Poll) -> usize {
    ENC_LEN + padded_len(poll) + TAG_LEN
}

/// Seals `ballot` into its box. `seed` must be 32 fresh random bytes: the ephemeral key is
/// drawn from them. `pad_to` is [`padded_len`] of the ballot's poll.
pub fn seal(
    public: &TallyPublicKey,
    id: &BoxId<'_>,
    ballot: &WeightedBallot,
    pad_to: usize,
    seed: [u8; 32],
) -> Result<SealedBallot, SealError> {
    let bytes = Zeroizing::new(ballot.canonical_bytes());
    if bytes.len() + LEN_PREFIX > pad_to {
        return Err(SealError::TooLong);
    }
    let len = u16::try_from(bytes.len()).map_err(|_| SealError::TooLong)?;
    let mut plain = Zeroizing::new(vec![0u8; pad_to]);
    plain[..LEN_PREFIX].copy_from_slice(&len.to_be_bytes());
    plain[LEN_PREFIX..LEN_PREFIX + bytes.len()].copy_from_slice(&bytes);
    let recipient = public.to_hpke().ok_or(SealError::BadPublicKey)?;
    let mut rng = ChaCha20Rng::from_seed(seed);
    let (enc, ciphertext) = hpke::single_shot_seal_with_rng::<ChaCha20Poly1305, HkdfSha256, Kem>(
        &OpModeS::Base,
        &recipient,
        &id.info(),
        &plain,
        &[],
        &mut rng,
    )
    .map_err(|_| SealError::BadPublicKey)?;
    let mut out = Vec::with_capacity(ENC_LEN + ciphertext.len());
    out.extend_from_slice(&enc.to_bytes());
    out.extend_from_slice(&ciphertext);
    Ok(SealedBallot(out))
}

/// Opens a sealed ballot of the box `id`, padded to `pad_to`.
pub fn open(
    secret: &TallySecretKey,
    id: &BoxId<'_>,
    sealed: &[u8],
    pad_to: usize,
) -> Result<WeightedBallot, SealError> {
    if sealed.len() != ENC_LEN + pad_to + TAG_LEN {
        return Err(SealError::Malformed);
    }
    let (enc, ciphertext) = sealed.split_at(ENC_LEN);
    let enc = <Kem as hpke::Kem>::EncappedKey::from_bytes(enc).map_err(|_| SealError::Malformed)?;
    let plain = Zeroizing::new(
        hpke::single_shot_open::<ChaCha20Poly1305, HkdfSha256, Kem>(
            &OpModeR::Base,
            secret.hpke(),
            &enc,
            &id.info(),
            ciphertext,
            &[],
        )
        .map_err(|_| SealError::Refused)?,
    );
    let len = usize::from(u16::from_be_bytes([plain[0], plain[1]]));
    let body = plain
        .get(LEN_PREFIX..LEN_PREFIX + len)
        .ok_or(SealError::Unreadable)?;
    if plain[LEN_PREFIX + len..].iter().any(|&b| b != 0) {
        return Err(SealError::Unreadable);
    }
    serde_json::from_slice(body).map_err(|_| SealError::Unreadable)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ballot::{Ballot, MotionChoice};
    use crate::ids::OptionId;
    use crate::poll::PollKind;
    use std::collections::BTreeSet;

    fn poll(id: &str, kind: PollKind) -> Poll {
        Poll {
            id: PollId::new(id).unwrap(),
            question: "Question ?".into(),
            kind,
        }
    }

    fn options(n: usize) -> Vec<crate::poll::PollOption> {
        (0..n)
            .map(|i| crate::poll::PollOption {
                id: OptionId::new(format!("option-au-nom-assez-long-{i}")).unwrap(),
                label: format!("Option {i}"),
            })
            .collect()
    }

    #[test]
    fn a_ballot_opens_in_its_own_box_only() {
        let key = TallySecretKey::from_seed([1; 32]);
        let event = EventId::new("ag-2026").unwrap();
        let other_event = EventId::new("ag-2027").unwrap();
        let motion = poll(
            "motion",
            PollKind::SingleChoice {
                options: options(2),
                blank_allowed: true,
            },
        );
        let pad = padded_len(&motion);
        let ballot = WeightedBallot {
            ballot: Ballot::Single(options(2)[1].id.clone()),
            weight: 12,
        };
        let id = BoxId::of(&event, &motion);
        let sealed = seal(&key.public(), &id, &ballot, pad, [9; 32]).unwrap();
        assert_eq!(sealed.0.len(), sealed_len(&motion));
        assert_eq!(open(&key, &id, &sealed.0, pad), Ok(ballot.clone()));

        let elsewhere = BoxId::of(&other_event, &motion);
        assert_eq!(
            open(&key, &elsewhere, &sealed.0, pad),
            Err(SealError::Refused)
        );
        let mut reworded = motion.clone();
        reworded.question = "Autre question ?".into();
        let reworded_box = BoxId::of(&event, &reworded);
        assert_eq!(
            open(&key, &reworded_box, &sealed.0, pad),
            Err(SealError::Refused)
        );
        let wrong_key = TallySecretKey::from_seed([2; 32]);
        assert_eq!(
            open(&wrong_key, &id, &sealed.0, pad),
            Err(SealError::Refused)
        );
        let mut altered = sealed.0.clone();
        let last = altered.len() - 20;
        altered[last] ^= 1;
        assert_eq!(open(&key, &id, &altered, pad), Err(SealError::Refused));
        assert_eq!(
            open(&key, &id, &sealed.0[1..], pad),
            Err(SealError::Malformed)
        );
    }

    #[test]
    fn the_same_ballot_seals_differently_each_time() {
        let key = TallySecretKey::from_seed([1; 32]);
        let event = EventId::new("ag").unwrap();
        let single = poll(
            "choix",
            PollKind::SingleChoice {
                options: options(3),
                blank_allowed: false,
            },
        );
        let id = BoxId::of(&event, &single);
        let pad = padded_len(&single);
        let ballot = WeightedBallot::single(Ballot::Motion(MotionChoice::Abstain));
        let a = seal(&key.public(), &id, &ballot, pad, [1; 32]).unwrap();
        let b = seal(&key.public(), &id, &ballot, pad, [2; 32]).unwrap();
        assert_ne!(a, b);
        assert_eq!(a.0.len(), b.0.len());
    }

    #[test]
    fn the_longest_ballot_of_every_kind_fits_its_padding() {
        let opts = options(40);
        let ids: Vec<OptionId> = opts.iter().map(|o| o.id.clone()).collect();
        let all: BTreeSet<OptionId> = ids.iter().cloned().collect();
        let heaviest = |ballot| WeightedBallot {
            ballot,
            weight: u32::MAX,
        };
        let cases = [
            (
                PollKind::Approval {
                    options: opts.clone(),
                    min: 0,
                    max: 40,
                    blank_allowed: true,
                },
                Ballot::Approval(all.clone()),
            ),
            (
                PollKind::MajorityJudgment {
                    candidates: opts.clone(),
                    grades: 7,
                },
                Ballot::Grades(ids.iter().map(|id| (id.clone(), 6)).collect()),
            ),
            (
                PollKind::Ranking {
                    candidates: opts.clone(),
                },
                Ballot::Ranking(ids.iter().map(|id| vec![id.clone()]).collect()),
            ),
        ];
        let key = TallySecretKey::from_seed([1; 32]);
        let event = EventId::new("ag").unwrap();
        for (kind, ballot) in cases {
            let p = poll("p", kind);
            let pad = padded_len(&p);
            let ballot = heaviest(ballot);
            let sealed = seal(&key.public(), &BoxId::of(&event, &p), &ballot, pad, [4; 32]);
            assert!(
                sealed.is_ok(),
                "{:?} does not fit {pad}",
                ballot.canonical_bytes().len()
            );
        }
    }
}
