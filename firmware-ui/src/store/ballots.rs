//! The ballot box: the "has voted" marks `(poll, member)` and the sealed ballots, written
//! together in one transaction — the ballots with no member, no time and no order.
//!
//! A cast writes only the ciphertext (sealed to the event's tally key) and the box's running
//! digest: the store has no way to take a ballot in clear while a poll is open. The clear
//! ballots are written once, at the count, sorted by content, in the transaction that deletes
//! the ciphertexts.

use rusqlite::{OptionalExtension, Transaction, params};
use urne_core::audit::AuditEvent;
use urne_core::ballot::WeightedBallot;
use urne_core::crypto::{Fingerprint, Sha256Digest};
use urne_core::ids::{MemberId, PollId};
use urne_core::sealed::{BoxDigest, SealedBallot, TallyPublicKey};
use urne_core::timestamp::Timestamp;

use super::{Store, StoreError};

/// A sealed box as the card holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SealedBox {
    /// The ciphertexts, in the table's order (random, by id).
    pub ciphertexts: Vec<Vec<u8>>,
    /// The running digest written with the casts.
    pub digest: BoxDigest,
    /// The tally key the box is sealed to.
    pub public: TallyPublicKey,
    /// Whether the box was already opened and counted.
    pub counted: bool,
}

/// Why a ballot was not cast; nothing was stored.
#[derive(Debug, thiserror::Error)]
pub enum CastError {
    /// This member already voted in this poll.
    #[error("this member has already voted in this poll")]
    AlreadyVoted,
    /// The poll is not open.
    #[error("this poll is not open")]
    NotOpen,
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// One ballot of a visit, sealed and ready to be written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SealedCast {
    /// The poll.
    pub poll: PollId,
    /// The member the ballot counts for (the voter, or a member whose proxy they hold).
    pub member: MemberId,
    /// The ciphertext.
    pub ballot: SealedBallot,
    /// 128 fresh random bits: the row's key, so that the table's order is random.
    pub id: [u8; 16],
}

/// Why a visit was not cast; nothing of it was stored.
#[derive(Debug, thiserror::Error)]
#[error("the visit's ballots were not stored")]
pub struct VisitCastError {
    /// The place in the visit of the ballot refused, or `None` when the whole write failed.
    pub at: Option<usize>,
    /// Why.
    #[source]
    pub error: CastError,
}

impl Store {
    /// Whether a member already voted in a poll.
    pub fn has_voted(&self, poll: &PollId, member: &MemberId) -> Result<bool, StoreError> {
        Ok(self
            .conn
            .prepare_cached("SELECT 1 FROM voted WHERE poll = ?1 AND member = ?2")?
            .query_row(params![poll.as_str(), member.as_bytes()], |_| Ok(()))
            .optional()?
            .is_some())
    }

    /// Casts a sealed ballot: the "has voted" mark and the ciphertext in one transaction, both
    /// or neither. `ballot_id` must be 128 fresh random bits. Returns the box's digest after
    /// this cast.
    pub fn cast(
        &mut self,
        poll: &PollId,
        member: &MemberId,
        ballot: &SealedBallot,
        ballot_id: [u8; 16],
    ) -> Result<BoxDigest, CastError> {
        let cast = SealedCast {
            poll: poll.clone(),
            member: *member,
            ballot: ballot.clone(),
            id: ballot_id,
        };
        let mut digests = self
            .cast_visit(member, std::slice::from_ref(&cast))
            .map_err(|e| e.error)?;
        digests
            .pop()
            .map(|(_, d)| d)
            .ok_or_else(|| CastError::Store(StoreError::Other("a cast moved no box".into())))
    }

    /// Casts every ballot of `voter`'s visit — theirs and their proxies' — in one transaction:
    /// every "has voted" mark and every ciphertext, and the visit's begun row deleted, all or
    /// none (a power cut in the middle leaves none). Returns each box's digest after the visit,
    /// once per poll touched.
    pub fn cast_visit(
        &mut self,
        voter: &MemberId,
        casts: &[SealedCast],
    ) -> Result<Vec<(PollId, BoxDigest)>, VisitCastError> {
        self.cast_delivered_visit(voter, casts, None)
    }

    /// [`Self::cast_visit`] for a visit a voting kiosk of the hall took: the ballots it
    /// delivered, counted per poll in the same transaction.
    pub fn cast_delivered_visit(
        &mut self,
        voter: &MemberId,
        casts: &[SealedCast],
        delivered_by: Option<&Fingerprint>,
    ) -> Result<Vec<(PollId, BoxDigest)>, VisitCastError> {
        let whole = |error: CastError| VisitCastError { at: None, error };
        let tx = self.write().map_err(|e| whole(e.into()))?;
        let mut digests: Vec<(PollId, BoxDigest)> = Vec::new();
        for (at, cast) in casts.iter().enumerate() {
            let digest = cast_into(&tx, cast).map_err(|error| VisitCastError {
                at: Some(at),
                error,
            })?;
            match digests.iter_mut().find(|(p, _)| *p == cast.poll) {
                Some((_, kept)) => *kept = digest,
                None => digests.push((cast.poll.clone(), digest)),
            }
        }
        tx.prepare_cached("DELETE FROM visits WHERE member = ?1")
            .and_then(|mut s| s.execute([voter.as_bytes()]))
            .map_err(|e| whole(StoreError::from(e).into()))?;
        if let Some(device) = delivered_by {
            for (poll, _) in &digests {
                let n = casts.iter().filter(|c| c.poll == *poll).count() as u64;
                super::hall::count_delivered(&tx, device, poll, n).map_err(|e| whole(e.into()))?;
            }
        }
        tx.commit().map_err(|e| whole(StoreError::from(e).into()))?;
        Ok(digests)
    }

    /// Notes that `voter` began filling in ballots (only the member: no time, no poll).
    pub fn begin_visit(&mut self, voter: &MemberId) -> Result<(), StoreError> {
        let tx = self.write()?;
        tx.prepare_cached("INSERT OR IGNORE INTO visits (member) VALUES (?1)")?
            .execute([voter.as_bytes()])?;
        tx.commit()?;
        Ok(())
    }

    /// Whether `voter` began a visit whose ballots were never stored (a power cut, or a voter
    /// who walked away), forgetting it: the next scan says so once.
    pub fn take_unrecorded_visit(&mut self, voter: &MemberId) -> Result<bool, StoreError> {
        // Read first: most scans find nothing, and then need no write (no fsync).
        let begun = self
            .conn
            .prepare_cached("SELECT 1 FROM visits WHERE member = ?1")?
            .query_row([voter.as_bytes()], |_| Ok(()))
            .optional()?;
        if begun.is_none() {
            return Ok(false);
        }
        let tx = self.write()?;
        let taken = tx
            .prepare_cached("DELETE FROM visits WHERE member = ?1")?
            .execute([voter.as_bytes()])?;
        tx.commit()?;
        Ok(taken > 0)
    }

    /// A poll's sealed box, or `None` for a poll never opened.
    pub fn sealed_box(&self, poll: &PollId) -> Result<Option<SealedBox>, StoreError> {
        let Some((count, sum, counted, public)) = self
            .conn
            .query_row(
                "SELECT count, sum, counted, public FROM boxes WHERE poll = ?1",
                [poll.as_str()],
                |r| {
                    Ok((
                        r.get::<_, i64>(0)?,
                        r.get::<_, Vec<u8>>(1)?,
                        r.get::<_, bool>(2)?,
                        r.get::<_, Vec<u8>>(3)?,
                    ))
                },
            )
            .optional()?
        else {
            return Ok(None);
        };
        let public = TallyPublicKey(
            public
                .try_into()
                .map_err(|_| StoreError::Corrupt("a box's tally key is not 32 bytes".into()))?,
        );
        let mut stmt = self
            .conn
            .prepare("SELECT ciphertext FROM sealed WHERE poll = ?1")?;
        let ciphertexts = stmt
            .query_map([poll.as_str()], |r| r.get::<_, Vec<u8>>(0))?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Some(SealedBox {
            ciphertexts,
            digest: BoxDigest {
                count: u64::try_from(count).unwrap_or(u64::MAX),
                sum: Sha256Digest(
                    sum.try_into()
                        .map_err(|_| StoreError::Corrupt("a box digest is not 32 bytes".into()))?,
                ),
            },
            counted,
            public,
        }))
    }

    /// Writes a closed poll's opened box: its ballot classes (one per content, of their total
    /// weight: a member's weight never sits beside their ballot), sorted by content so that
    /// their place in the file follows what they say and not when they were cast, replace the
    /// ciphertexts, with the `PollCounted` audit entry for the `count` ballots, in one
    /// transaction.
    pub fn count_box(
        &mut self,
        poll: &PollId,
        ballots: &mut [WeightedBallot],
        count: u64,
        digest: BoxDigest,
        test_key: bool,
        at: Timestamp,
    ) -> Result<(), StoreError> {
        ballots.sort();
        self.audited(|tx, a| {
            let counted = tx.execute(
                "UPDATE boxes SET counted = 1 WHERE poll = ?1 AND counted = 0",
                [poll.as_str()],
            )?;
            if counted != 1 {
                return Err(StoreError::Other(format!(
                    "the box of {poll} is not waiting to be counted"
                )));
            }
            let mut insert =
                tx.prepare_cached("INSERT INTO ballots (poll, id, ballot) VALUES (?1, ?2, ?3)")?;
            for (i, ballot) in ballots.iter().enumerate() {
                let id = u128::try_from(i).unwrap_or(u128::MAX).to_be_bytes();
                insert.execute(params![poll.as_str(), &id[..], ballot.canonical_bytes()])?;
            }
            tx.execute("DELETE FROM sealed WHERE poll = ?1", [poll.as_str()])?;
            a.append(
                tx,
                at,
                AuditEvent::PollCounted {
                    poll: poll.clone(),
                    ballots: count,
                    digest,
                    test_key,
                },
            )
        })?;
        self.checkpoint()
    }

    /// A counted poll's ballot classes in clear, in content order (none before the count).
    pub fn ballots(&self, poll: &PollId) -> Result<Vec<WeightedBallot>, StoreError> {
        let mut stmt = self
            .conn
            .prepare("SELECT ballot FROM ballots WHERE poll = ?1")?;
        let rows = stmt
            .query_map([poll.as_str()], |r| r.get::<_, Vec<u8>>(0))?
            .collect::<Result<Vec<_>, _>>()?;
        rows.iter()
            .map(|b| serde_json::from_slice(b).map_err(StoreError::from))
            .collect()
    }

    /// Number of members who voted in a poll.
    pub fn voted_count(&self, poll: &PollId) -> Result<u64, StoreError> {
        let n: i64 = self.conn.query_row(
            "SELECT count(*) FROM voted WHERE poll = ?1",
            [poll.as_str()],
            |r| r.get(0),
        )?;
        Ok(u64::try_from(n).unwrap_or(0))
    }
}

/// Writes one ballot of a visit inside its transaction: the poll must be open and the member
/// not marked yet.
fn cast_into(tx: &Transaction<'_>, cast: &SealedCast) -> Result<BoxDigest, CastError> {
    let open: Option<String> = tx
        .prepare_cached("SELECT state FROM polls WHERE poll = ?1")
        .and_then(|mut s| s.query_row([cast.poll.as_str()], |r| r.get(0)).optional())
        .map_err(StoreError::from)?;
    if open.as_deref() != Some("open") {
        return Err(CastError::NotOpen);
    }
    let marked = tx
        .prepare_cached("INSERT OR IGNORE INTO voted (poll, member) VALUES (?1, ?2)")
        .and_then(|mut s| s.execute(params![cast.poll.as_str(), cast.member.as_bytes()]))
        .map_err(StoreError::from)?;
    if marked == 0 {
        return Err(CastError::AlreadyVoted);
    }
    Ok(seal_into(tx, &cast.poll, &cast.ballot, cast.id)?)
}

/// Adds a ciphertext to its box and moves the box's digest on, inside the cast's transaction.
fn seal_into(
    tx: &Transaction<'_>,
    poll: &PollId,
    sealed: &SealedBallot,
    id: [u8; 16],
) -> Result<BoxDigest, StoreError> {
    tx.prepare_cached("INSERT INTO sealed (poll, id, ciphertext) VALUES (?1, ?2, ?3)")?
        .execute(params![poll.as_str(), &id[..], &sealed.0])?;
    let (count, sum) = tx
        .prepare_cached("SELECT count, sum FROM boxes WHERE poll = ?1 AND counted = 0")?
        .query_row([poll.as_str()], |r| {
            Ok((r.get::<_, i64>(0)?, r.get::<_, Vec<u8>>(1)?))
        })
        .optional()?
        .ok_or_else(|| StoreError::Other(format!("poll {poll} has no sealed box")))?;
    let before = BoxDigest {
        count: u64::try_from(count).unwrap_or(u64::MAX),
        sum: Sha256Digest(
            sum.try_into()
                .map_err(|_| StoreError::Corrupt("a box digest is not 32 bytes".into()))?,
        ),
    };
    let after = before.with(&sealed.0);
    tx.prepare_cached("UPDATE boxes SET count = ?2, sum = ?3 WHERE poll = ?1")?
        .execute(params![
            poll.as_str(),
            i64::try_from(after.count).unwrap_or(i64::MAX),
            &after.sum.0[..]
        ])?;
    Ok(after)
}
