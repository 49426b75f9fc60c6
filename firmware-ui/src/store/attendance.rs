//! Who is in the hall: check-ins and check-outs, proxies, people registered at the door, and
//! revoked badges — each change with its audit entry, in one transaction.

use rusqlite::{OptionalExtension, Transaction, params};
use urne_core::audit::AuditEvent;
use urne_core::event::Member;
use urne_core::ids::MemberId;
use urne_core::timestamp::Timestamp;

use super::{Audit, Store, StoreError, member_id, ts};

/// What a scan at the door did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckIn {
    /// First check-in.
    New,
    /// Already present since this time.
    Already(Timestamp),
    /// Had left (checked out) and is back; first arrived at this time.
    Returned(Timestamp),
}

impl Store {
    /// Checks a member in (or back in after a check-out), auditing it, in one transaction.
    pub fn check_in(&mut self, member: &MemberId, at: Timestamp) -> Result<CheckIn, StoreError> {
        self.audited(|tx, a| check_in_within(tx, a, member, at))
    }

    /// Checks a member out (they leave the hall). Returns false if they were not present.
    pub fn check_out(&mut self, member: &MemberId, at: Timestamp) -> Result<bool, StoreError> {
        self.audited(|tx, a| {
            let changed = tx.execute(
                "UPDATE checkins SET present = 0 WHERE member = ?1 AND present = 1",
                [member.as_bytes()],
            )?;
            if changed == 1 {
                a.append(tx, at, AuditEvent::CheckOut { member: *member })?;
            }
            Ok(changed == 1)
        })
    }

    /// Undoes a check-in made by mistake (organiser), unless the member has voted. Returns
    /// false if there was nothing to undo.
    pub fn undo_check_in(&mut self, member: &MemberId, at: Timestamp) -> Result<bool, StoreError> {
        self.audited(|tx, a| {
            let voted: i64 = tx.query_row(
                "SELECT count(*) FROM voted WHERE member = ?1",
                [member.as_bytes()],
                |r| r.get(0),
            )?;
            if voted > 0 {
                return Err(StoreError::Other(
                    "this member has already voted: the check-in stays".into(),
                ));
            }
            let changed = tx.execute(
                "DELETE FROM checkins WHERE member = ?1 AND present = 1",
                [member.as_bytes()],
            )?;
            if changed == 1 {
                a.append(tx, at, AuditEvent::CheckInUndone { member: *member })?;
            }
            Ok(changed == 1)
        })
    }

    /// When a member now present first checked in; `None` when not present.
    pub fn checked_in_at(&self, member: &MemberId) -> Result<Option<Timestamp>, StoreError> {
        Ok(self
            .conn
            .prepare_cached("SELECT at FROM checkins WHERE member = ?1 AND present = 1")?
            .query_row([member.as_bytes()], |r| r.get::<_, i64>(0))
            .optional()?
            .map(ts))
    }

    /// Every member present, with the time of their first check-in.
    pub fn present(&self) -> Result<Vec<(MemberId, Timestamp)>, StoreError> {
        let mut stmt = self
            .conn
            .prepare("SELECT member, at FROM checkins WHERE present = 1 ORDER BY at, member")?;
        let rows = stmt
            .query_map([], |r| {
                let bytes: Vec<u8> = r.get(0)?;
                Ok((bytes, r.get::<_, i64>(1)?))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        rows.into_iter()
            .map(|(bytes, at)| Ok((member_id(bytes)?, ts(at))))
            .collect()
    }

    /// How many members are checked in.
    pub fn present_count(&self) -> Result<u64, StoreError> {
        let n: i64 =
            self.conn
                .query_row("SELECT count(*) FROM checkins WHERE present = 1", [], |r| {
                    r.get(0)
                })?;
        Ok(u64::try_from(n).unwrap_or(0))
    }

    /// The absent members whose proxy `holder` carries.
    pub fn represented_by(&self, holder: &MemberId) -> Result<Vec<MemberId>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT absent FROM proxies WHERE holder = ?1 ORDER BY absent")?;
        let rows = stmt
            .query_map([holder.as_bytes()], |r| r.get::<_, Vec<u8>>(0))?
            .collect::<Result<Vec<_>, _>>()?;
        rows.into_iter().map(member_id).collect()
    }

    /// Whether a member is in the hall now.
    pub fn is_present(&self, member: &MemberId) -> Result<bool, StoreError> {
        Ok(self.checked_in_at(member)?.is_some())
    }

    /// Every proxy given: (absent member, holder).
    pub fn proxies(&self) -> Result<Vec<(MemberId, MemberId)>, StoreError> {
        let mut stmt = self
            .conn
            .prepare("SELECT absent, holder FROM proxies ORDER BY absent")?;
        let rows = stmt
            .query_map([], |r| {
                Ok((r.get::<_, Vec<u8>>(0)?, r.get::<_, Vec<u8>>(1)?))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        rows.into_iter()
            .map(|(a, h)| Ok((member_id(a)?, member_id(h)?)))
            .collect()
    }

    /// Records a proxy, checked beforehand by urne-core's `ProxyBook`, and audits it.
    pub fn grant_proxy(
        &mut self,
        absent: &MemberId,
        holder: &MemberId,
        at: Timestamp,
    ) -> Result<(), StoreError> {
        self.audited(|tx, a| {
            tx.execute(
                "INSERT INTO proxies (absent, holder, at) VALUES (?1, ?2, ?3)",
                params![absent.as_bytes(), holder.as_bytes(), at.0],
            )?;
            a.append(
                tx,
                at,
                AuditEvent::ProxyGranted {
                    absent: *absent,
                    holder: *holder,
                },
            )
        })
    }

    /// Withdraws a proxy and audits it. Returns false if there was none.
    pub fn revoke_proxy(&mut self, absent: &MemberId, at: Timestamp) -> Result<bool, StoreError> {
        self.audited(|tx, a| {
            let changed =
                tx.execute("DELETE FROM proxies WHERE absent = ?1", [absent.as_bytes()])?;
            if changed == 1 {
                a.append(tx, at, AuditEvent::ProxyRevoked { absent: *absent })?;
            }
            Ok(changed == 1)
        })
    }

    /// Registers a walk-in, checks them in, and audits both, in one transaction.
    pub fn register_walk_in(&mut self, member: &Member, at: Timestamp) -> Result<(), StoreError> {
        self.audited(|tx, a| {
            tx.execute(
                "INSERT INTO walkins (member, last_name, first_name, grp, at)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                params![
                    member.id.as_bytes(),
                    member.last_name,
                    member.first_name,
                    member.group,
                    at.0
                ],
            )?;
            tx.execute(
                "INSERT INTO checkins (member, at, present) VALUES (?1, ?2, 1)",
                params![member.id.as_bytes(), at.0],
            )?;
            a.append(
                tx,
                at,
                AuditEvent::WalkInRegistered {
                    member: member.id,
                    name: member.display_name(),
                },
            )?;
            a.append(tx, at, AuditEvent::CheckIn { member: member.id })
        })
    }

    /// Everyone registered at the door, in the order they came.
    pub fn walk_ins(&self) -> Result<Vec<Member>, StoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT member, last_name, first_name, grp FROM walkins ORDER BY at, member",
        )?;
        let rows = stmt
            .query_map([], |r| {
                Ok((
                    r.get::<_, Vec<u8>>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, Option<String>>(3)?,
                ))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        rows.into_iter()
            .map(|(id, last_name, first_name, group)| {
                Ok(Member {
                    id: member_id(id)?,
                    last_name,
                    first_name,
                    group,
                    weight: 1,
                })
            })
            .collect()
    }

    /// Whether `member` was registered at the door on this kiosk (so that a badge signed by the
    /// kiosk's own key may name them).
    pub fn is_walk_in(&self, member: &MemberId) -> Result<bool, StoreError> {
        Ok(self
            .conn
            .prepare_cached("SELECT 1 FROM walkins WHERE member = ?1")?
            .query_row([member.as_bytes()], |_| Ok(()))
            .optional()?
            .is_some())
    }

    /// Revokes a badge (lost or stolen) and audits it.
    pub fn revoke_badge(&mut self, member: &MemberId, at: Timestamp) -> Result<(), StoreError> {
        self.audited(|tx, a| {
            tx.execute(
                "INSERT OR IGNORE INTO revoked (member, at) VALUES (?1, ?2)",
                params![member.as_bytes(), at.0],
            )?;
            a.append(tx, at, AuditEvent::BadgeRevoked { member: *member })
        })
    }

    /// Whether a badge was revoked.
    pub fn is_revoked(&self, member: &MemberId) -> Result<bool, StoreError> {
        Ok(self
            .conn
            .prepare_cached("SELECT 1 FROM revoked WHERE member = ?1")?
            .query_row([member.as_bytes()], |_| Ok(()))
            .optional()?
            .is_some())
    }
}

/// A check-in inside a transaction, with its audit entry.
pub(super) fn check_in_within(
    tx: &Transaction<'_>,
    a: &mut Audit,
    member: &MemberId,
    at: Timestamp,
) -> Result<CheckIn, StoreError> {
    let earlier: Option<(i64, bool)> = tx
        .prepare_cached("SELECT at, present FROM checkins WHERE member = ?1")?
        .query_row([member.as_bytes()], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    match earlier {
        Some((first, true)) => Ok(CheckIn::Already(ts(first))),
        Some((first, false)) => {
            tx.execute(
                "UPDATE checkins SET present = 1 WHERE member = ?1",
                [member.as_bytes()],
            )?;
            a.append(tx, at, AuditEvent::CheckIn { member: *member })?;
            Ok(CheckIn::Returned(ts(first)))
        }
        None => {
            tx.prepare_cached("INSERT INTO checkins (member, at, present) VALUES (?1, ?2, 1)")?
                .execute(params![member.as_bytes(), at.0])?;
            a.append(tx, at, AuditEvent::CheckIn { member: *member })?;
            Ok(CheckIn::New)
        }
    }
}
