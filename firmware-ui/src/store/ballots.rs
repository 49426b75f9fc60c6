//! The ballot box: the "has voted" marks `(poll, member)` and the ballots, written together in
//! one transaction — the ballots with no member, no time and no order.

use rusqlite::{OptionalExtension, params};
use urne_core::ballot::WeightedBallot;
use urne_core::ids::{MemberId, PollId};

use super::{Store, StoreError};

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

    /// Casts a ballot: the "has voted" mark and the ballot in one transaction, both or neither.
    /// `ballot_id` must be 128 fresh random bits.
    pub fn cast(
        &mut self,
        poll: &PollId,
        member: &MemberId,
        ballot: &WeightedBallot,
        ballot_id: [u8; 16],
    ) -> Result<(), CastError> {
        let tx = self.write()?;
        let open: Option<String> = tx
            .prepare_cached("SELECT state FROM polls WHERE poll = ?1")
            .and_then(|mut s| s.query_row([poll.as_str()], |r| r.get(0)).optional())
            .map_err(StoreError::from)?;
        if open.as_deref() != Some("open") {
            return Err(CastError::NotOpen);
        }
        let marked = tx
            .prepare_cached("INSERT OR IGNORE INTO voted (poll, member) VALUES (?1, ?2)")
            .and_then(|mut s| s.execute(params![poll.as_str(), member.as_bytes()]))
            .map_err(StoreError::from)?;
        if marked == 0 {
            return Err(CastError::AlreadyVoted);
        }
        tx.prepare_cached("INSERT INTO ballots (poll, id, ballot) VALUES (?1, ?2, ?3)")
            .and_then(|mut s| {
                s.execute(params![
                    poll.as_str(),
                    &ballot_id[..],
                    ballot.canonical_bytes()
                ])
            })
            .map_err(StoreError::from)?;
        tx.commit().map_err(StoreError::from)?;
        Ok(())
    }

    /// A poll's ballots, in the table's order (random, by id).
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
