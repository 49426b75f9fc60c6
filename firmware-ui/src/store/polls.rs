//! Poll states (opened with the attendance of that moment, closed with the counting context)
//! and the polls written or corrected on the kiosk.

use std::collections::BTreeMap;

use rusqlite::{OptionalExtension, params};
use urne_core::audit::AuditEvent;
use urne_core::ids::PollId;
use urne_core::poll::Poll;
use urne_core::rules::Attendance;
use urne_core::sealed::TallyPublicKey;
use urne_core::tally::TallyContext;
use urne_core::timestamp::Timestamp;

use super::{Store, StoreError, ts};

/// A poll's row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PollRow {
    /// Closed or still open.
    pub closed: bool,
    /// When it opened.
    pub opened_at: Timestamp,
    /// Attendance when it opened.
    pub opened_with: Attendance,
    /// When it closed.
    pub closed_at: Option<Timestamp>,
    /// The counting context, fixed at closing.
    pub context: Option<TallyContext>,
    /// Whether its ballots are sealed to the event's tally key.
    pub sealed: bool,
    /// Whether its sealed box was opened and counted.
    pub counted: bool,
}

impl PollRow {
    /// Closed, with a sealed box not yet opened (en attente de dépouillement).
    pub fn awaiting_count(&self) -> bool {
        self.closed && self.sealed && !self.counted
    }

    /// Where the poll stands.
    pub fn state(&self) -> urne_core::results::PollState {
        use urne_core::results::PollState;
        match (self.closed, self.awaiting_count()) {
            (false, _) => PollState::Open,
            (true, true) => PollState::AwaitingCount,
            (true, false) => PollState::Closed,
        }
    }
}

impl Store {
    /// The polls that are open now.
    pub fn open_polls(&self) -> Result<Vec<PollId>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT poll FROM polls WHERE state = 'open'")?;
        let rows = stmt
            .query_map([], |r| r.get::<_, String>(0))?
            .collect::<Result<Vec<_>, _>>()?;
        rows.into_iter()
            .map(|p| PollId::new(p).map_err(|e| StoreError::Corrupt(e.to_string())))
            .collect()
    }

    /// Every poll that was opened, with its state.
    pub fn polls(&self) -> Result<BTreeMap<PollId, PollRow>, StoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT p.poll, p.state, p.opened_at, p.opened_with, p.closed_at, p.context,
                        b.counted
                 FROM polls p LEFT JOIN boxes b ON b.poll = p.poll",
        )?;
        let rows = stmt
            .query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, i64>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, Option<i64>>(4)?,
                    r.get::<_, Option<String>>(5)?,
                    r.get::<_, Option<bool>>(6)?,
                ))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        rows.into_iter()
            .map(
                |(poll, state, opened, opened_with, closed, context, counted)| {
                    let id = PollId::new(poll).map_err(|e| StoreError::Corrupt(e.to_string()))?;
                    let context = context.map(|c| serde_json::from_str(&c)).transpose()?;
                    Ok((
                        id,
                        PollRow {
                            closed: state == "closed",
                            opened_at: ts(opened),
                            opened_with: serde_json::from_str(&opened_with)?,
                            closed_at: closed.map(ts),
                            context,
                            sealed: counted.is_some(),
                            counted: counted.unwrap_or(false),
                        },
                    ))
                },
            )
            .collect()
    }

    /// Opens a poll and audits it with the attendance at that moment; a poll `sealed` to a
    /// tally key gets an empty box, with the digest of an empty box.
    pub fn open_poll(
        &mut self,
        poll: &PollId,
        at: Timestamp,
        attendance: Attendance,
        sealed_to: TallyPublicKey,
    ) -> Result<(), StoreError> {
        self.audited(|tx, a| {
            tx.execute(
                "INSERT INTO polls (poll, state, opened_at, opened_with) VALUES (?1, 'open', ?2, ?3)",
                params![poll.as_str(), at.0, serde_json::to_string(&attendance)?],
            )?;
            let empty = urne_core::sealed::BoxDigest::empty();
            tx.execute(
                "INSERT INTO boxes (poll, public, count, sum) VALUES (?1, ?2, 0, ?3)",
                params![poll.as_str(), &sealed_to.0[..], &empty.sum.0[..]],
            )?;
            a.append(
                tx,
                at,
                AuditEvent::PollOpened {
                    poll: poll.clone(),
                    attendance,
                },
            )
        })
    }

    /// Closes a poll with its counting context, audits it with the attendance and the number of
    /// ballots, then truncates the WAL so that the order in which ballots were written does not
    /// linger in it.
    pub fn close_poll(
        &mut self,
        poll: &PollId,
        at: Timestamp,
        context: &TallyContext,
        small_poll: Option<u32>,
    ) -> Result<(), StoreError> {
        self.audited(|tx, a| {
            let ballots: i64 = tx.query_row(
                "SELECT (SELECT count(*) FROM ballots WHERE poll = ?1)
                      + (SELECT count(*) FROM sealed WHERE poll = ?1)",
                [poll.as_str()],
                |r| r.get(0),
            )?;
            let changed = tx.execute(
                "UPDATE polls SET state = 'closed', closed_at = ?2, context = ?3
                 WHERE poll = ?1 AND state = 'open'",
                params![poll.as_str(), at.0, serde_json::to_string(context)?],
            )?;
            if changed != 1 {
                return Err(StoreError::Other(format!("poll {poll} is not open")));
            }
            a.append(
                tx,
                at,
                AuditEvent::PollClosed {
                    poll: poll.clone(),
                    attendance: context.at_close,
                    ballots: u64::try_from(ballots).unwrap_or(0),
                    small_poll,
                },
            )
        })?;
        self.checkpoint()
    }

    /// Discards a poll's ballots and "has voted" marks, and puts it back to not opened (a
    /// poll opened by mistake, or to be held again). `secure_delete` overwrites the freed
    /// pages and the WAL is truncated, so that nothing of the discarded ballots remains.
    pub fn reset_poll(&mut self, poll: &PollId, at: Timestamp) -> Result<u64, StoreError> {
        let discarded = self.audited(|tx, a| {
            let ballots = tx.execute("DELETE FROM ballots WHERE poll = ?1", [poll.as_str()])?
                + tx.execute("DELETE FROM sealed WHERE poll = ?1", [poll.as_str()])?;
            tx.execute("DELETE FROM boxes WHERE poll = ?1", [poll.as_str()])?;
            tx.execute("DELETE FROM voted WHERE poll = ?1", [poll.as_str()])?;
            tx.execute("DELETE FROM polls WHERE poll = ?1", [poll.as_str()])?;
            let ballots = u64::try_from(ballots).unwrap_or(0);
            a.append(
                tx,
                at,
                AuditEvent::PollReset {
                    poll: poll.clone(),
                    ballots,
                },
            )?;
            Ok(ballots)
        })?;
        self.checkpoint()?;
        Ok(discarded)
    }

    /// Rewrites the database in key order (`VACUUM`), so that the physical placement of rows
    /// keeps no trace of when they were written, then copies the WAL into the database and
    /// truncates it to zero bytes, with the uploader's connection kept out meanwhile (the quiet
    /// gate). What SQLite answers is checked: a rewrite that fails, or a checkpoint that another
    /// program kept busy or left frames behind, is an error, never a silent success. This
    /// scrubs the file; it cannot make the disk forget (freed blocks, wear levelling) — the
    /// sealed box is what keeps ballots secret.
    pub fn checkpoint(&self) -> Result<(), StoreError> {
        let _quiet = self
            .gate
            .write()
            .map_err(|_| StoreError::Other("the uploader's connection panicked".into()))?;
        self.conn.execute_batch("VACUUM")?;
        let (busy, log, done): (i64, i64, i64) =
            self.conn
                .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| {
                    Ok((r.get(0)?, r.get(1)?, r.get(2)?))
                })?;
        if busy != 0 {
            return Err(StoreError::Locked);
        }
        if log != done {
            return Err(StoreError::Other(format!(
                "the journal was not emptied: {done} of {log} frames copied"
            )));
        }
        Ok(())
    }

    /// Records a poll written on the kiosk (or a corrected definition of one not yet opened),
    /// with its audit entry, in one transaction. Refused, changing nothing, once the poll
    /// has been opened.
    pub fn define_poll(
        &mut self,
        poll: &Poll,
        created: bool,
        at: Timestamp,
    ) -> Result<(), StoreError> {
        let definition = serde_json::to_string(poll)?;
        self.audited(|tx, a| {
            let opened: bool = tx
                .query_row(
                    "SELECT 1 FROM polls WHERE poll = ?1",
                    [poll.id.as_str()],
                    |_| Ok(true),
                )
                .optional()?
                .unwrap_or(false);
            if opened {
                return Err(StoreError::Other(format!(
                    "poll {} is already open and can no longer change",
                    poll.id
                )));
            }
            tx.execute(
                "INSERT INTO local_polls (poll, definition) VALUES (?1, ?2)
                 ON CONFLICT (poll) DO UPDATE SET definition = excluded.definition",
                params![poll.id.as_str(), definition],
            )?;
            let digest = poll.definition_digest();
            let event = if created {
                AuditEvent::PollCreated {
                    poll: poll.id.clone(),
                    definition: digest,
                }
            } else {
                AuditEvent::PollEdited {
                    poll: poll.id.clone(),
                    definition: digest,
                }
            };
            a.append(tx, at, event)
        })
    }

    /// The polls written or corrected on the kiosk, in the order they were first written.
    pub fn local_polls(&self) -> Result<Vec<Poll>, StoreError> {
        let mut stmt = self
            .conn
            .prepare("SELECT definition FROM local_polls ORDER BY seq")?;
        let rows = stmt
            .query_map([], |r| r.get::<_, String>(0))?
            .collect::<Result<Vec<_>, _>>()?;
        rows.iter()
            .map(|json| Ok(serde_json::from_str(json)?))
            .collect()
    }
}
