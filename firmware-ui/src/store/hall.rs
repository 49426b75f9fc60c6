//! The hall on the card: on the lead kiosk, the kiosks paired to it with their role (audited
//! when paired and removed), and how many ballots each voting kiosk delivered to each poll —
//! counts only, updated in the transaction of the casts they count, never a member or a
//! ballot; on a door kiosk, the check-ins waiting for a lead that did not answer.

use rusqlite::{OptionalExtension, Transaction, params};
use urne_core::audit::AuditEvent;
use urne_core::crypto::{Fingerprint, Sha256Digest};
use urne_core::ids::PollId;
use urne_core::timestamp::Timestamp;

use super::{Store, StoreError};

/// A kiosk's role in the hall, as the store writes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KioskRole {
    /// Checks members in at the door.
    Door,
    /// Takes voters' visits.
    Voting,
}

impl KioskRole {
    /// The word in the table and the audit chain.
    pub fn as_str(self) -> &'static str {
        match self {
            KioskRole::Door => "door",
            KioskRole::Voting => "voting",
        }
    }

    fn parse(text: &str) -> Result<Self, StoreError> {
        match text {
            "door" => Ok(KioskRole::Door),
            "voting" => Ok(KioskRole::Voting),
            other => Err(StoreError::Corrupt(format!(
                "unknown hall role « {other} »"
            ))),
        }
    }
}

/// A kiosk paired to this lead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PairedKiosk {
    /// Its device key's fingerprint.
    pub device: Fingerprint,
    /// What it does.
    pub role: KioskRole,
    /// When it was paired.
    pub paired_at: Timestamp,
    /// When it was removed, if it was.
    pub removed_at: Option<Timestamp>,
}

/// Ballots delivered by one voting kiosk to one poll.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivered {
    /// The voting kiosk.
    pub device: Fingerprint,
    /// The poll.
    pub poll: PollId,
    /// How many ballots.
    pub ballots: u64,
}

fn fingerprint(bytes: Vec<u8>) -> Result<Fingerprint, StoreError> {
    let bytes: [u8; 32] = bytes
        .try_into()
        .map_err(|_| StoreError::Corrupt("a kiosk fingerprint is not 32 bytes".into()))?;
    Ok(Sha256Digest(bytes))
}

impl Store {
    /// Pairs a kiosk (again, if it was removed) and audits it, in one transaction.
    pub fn pair_kiosk(
        &mut self,
        device: &Fingerprint,
        role: KioskRole,
        at: Timestamp,
    ) -> Result<(), StoreError> {
        self.audited(|tx, a| {
            tx.execute(
                "INSERT INTO hall_kiosks (device, role, paired_at, removed_at)
                 VALUES (?1, ?2, ?3, NULL)
                 ON CONFLICT (device) DO UPDATE
                 SET role = excluded.role, paired_at = excluded.paired_at, removed_at = NULL",
                params![&device.0[..], role.as_str(), at.0],
            )?;
            a.append(
                tx,
                at,
                AuditEvent::KioskPaired {
                    device: *device,
                    role: role.as_str().to_owned(),
                },
            )
        })
    }

    /// Removes a kiosk from the hall and audits it. Returns false if it was not paired.
    pub fn remove_kiosk(
        &mut self,
        device: &Fingerprint,
        at: Timestamp,
    ) -> Result<bool, StoreError> {
        self.audited(|tx, a| {
            let changed = tx.execute(
                "UPDATE hall_kiosks SET removed_at = ?2 WHERE device = ?1 AND removed_at IS NULL",
                params![&device.0[..], at.0],
            )?;
            if changed == 1 {
                a.append(tx, at, AuditEvent::KioskRemoved { device: *device })?;
            }
            Ok(changed == 1)
        })
    }

    /// Every kiosk ever paired, removed ones included, in pairing order.
    pub fn paired_kiosks(&self) -> Result<Vec<PairedKiosk>, StoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT device, role, paired_at, removed_at FROM hall_kiosks ORDER BY paired_at, device",
        )?;
        let rows = stmt
            .query_map([], |r| {
                Ok((
                    r.get::<_, Vec<u8>>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, i64>(2)?,
                    r.get::<_, Option<i64>>(3)?,
                ))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        rows.into_iter()
            .map(|(device, role, paired, removed)| {
                Ok(PairedKiosk {
                    device: fingerprint(device)?,
                    role: KioskRole::parse(&role)?,
                    paired_at: Timestamp(paired),
                    removed_at: removed.map(Timestamp),
                })
            })
            .collect()
    }

    /// The role of a kiosk paired now (not removed), or `None`.
    pub fn paired_role(&self, device: &Fingerprint) -> Result<Option<KioskRole>, StoreError> {
        let role: Option<String> = self
            .conn
            .prepare_cached(
                "SELECT role FROM hall_kiosks WHERE device = ?1 AND removed_at IS NULL",
            )?
            .query_row([&device.0[..]], |r| r.get(0))
            .optional()?;
        role.map(|r| KioskRole::parse(&r)).transpose()
    }

    /// The ballots each voting kiosk delivered, by kiosk and poll.
    pub fn delivered(&self) -> Result<Vec<Delivered>, StoreError> {
        let mut stmt = self
            .conn
            .prepare("SELECT device, poll, ballots FROM hall_delivered ORDER BY device, poll")?;
        let rows = stmt
            .query_map([], |r| {
                Ok((
                    r.get::<_, Vec<u8>>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, i64>(2)?,
                ))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        rows.into_iter()
            .map(|(device, poll, ballots)| {
                Ok(Delivered {
                    device: fingerprint(device)?,
                    poll: PollId::new(&poll)
                        .map_err(|_| StoreError::Corrupt(format!("bad poll id « {poll} »")))?,
                    ballots: u64::try_from(ballots).unwrap_or(0),
                })
            })
            .collect()
    }
}

impl Store {
    /// On a door kiosk: a badge checked in here while the lead did not answer, with the local
    /// check-in, in one transaction (a badge queued twice is kept once).
    pub fn queue_check_in(
        &mut self,
        member: &urne_core::ids::MemberId,
        badge: &str,
        at: Timestamp,
    ) -> Result<super::CheckIn, StoreError> {
        self.audited(|tx, a| {
            let checked = super::attendance::check_in_within(tx, a, member, at)?;
            tx.prepare_cached("INSERT OR IGNORE INTO hall_queue (badge) VALUES (?1)")?
                .execute([badge])?;
            Ok(checked)
        })
    }

    /// The badges waiting for the lead.
    pub fn queued_check_ins(&self) -> Result<Vec<String>, StoreError> {
        let mut stmt = self
            .conn
            .prepare("SELECT badge FROM hall_queue ORDER BY badge")?;
        let rows = stmt
            .query_map([], |r| r.get::<_, String>(0))?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    /// A queued badge the lead has taken.
    pub fn unqueue_check_in(&mut self, badge: &str) -> Result<(), StoreError> {
        let tx = self.write()?;
        tx.prepare_cached("DELETE FROM hall_queue WHERE badge = ?1")?
            .execute([badge])?;
        tx.commit()?;
        Ok(())
    }
}

/// Counts `ballots` more delivered by `device` to `poll`, inside the casts' transaction.
pub(super) fn count_delivered(
    tx: &Transaction<'_>,
    device: &Fingerprint,
    poll: &PollId,
    ballots: u64,
) -> Result<(), StoreError> {
    tx.prepare_cached(
        "INSERT INTO hall_delivered (device, poll, ballots) VALUES (?1, ?2, ?3)
         ON CONFLICT (device, poll) DO UPDATE SET ballots = ballots + excluded.ballots",
    )?
    .execute(params![
        &device.0[..],
        poll.as_str(),
        i64::try_from(ballots).unwrap_or(i64::MAX)
    ])?;
    Ok(())
}
