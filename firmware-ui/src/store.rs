//! The kiosk's store: one SQLite database holding the event package, check-ins, poll states,
//! who has voted, the ballots, the audit chain, exports and the upload outbox.
//!
//! Two promises shape it. Durability: WAL journal with `synchronous = FULL`, so a transaction
//! that returned is on the SD card; the screen acknowledges only after that. Secrecy: ballots
//! live in a `WITHOUT ROWID` table keyed by a random 128-bit id, with no time, no member and no
//! order; the "has voted" marks hold (poll, member) only; `secure_delete` overwrites freed
//! pages; and the WAL is truncated when a poll closes so no history lingers in it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use rusqlite::{
    Connection, ErrorCode, OptionalExtension, Transaction, TransactionBehavior, params,
};
use urne_core::audit::{AuditEntry, AuditEvent};
use urne_core::ballot::WeightedBallot;
use urne_core::event::Member;
use urne_core::ids::{MemberId, PollId};
use urne_core::poll::Poll;
use urne_core::rules::Attendance;
use urne_core::tally::TallyContext;
use urne_core::timestamp::Timestamp;

/// The schema version this code writes (`PRAGMA user_version`).
pub const SCHEMA_VERSION: i64 = 4;

/// Migrations, in order: `MIGRATIONS[n]` takes a database from version `n` to `n + 1`. A
/// migration is never edited once released: later changes are new migrations.
pub const MIGRATIONS: &[&str] = &[
    // 1: the evening's essentials.
    "
    CREATE TABLE settings (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
    ) WITHOUT ROWID;
    CREATE TABLE package (
        slot INTEGER PRIMARY KEY CHECK (slot = 1),
        event TEXT NOT NULL,
        organiser TEXT NOT NULL,
        bytes BLOB NOT NULL
    );
    CREATE TABLE checkins (
        member BLOB PRIMARY KEY,
        at INTEGER NOT NULL
    ) WITHOUT ROWID;
    CREATE TABLE polls (
        poll TEXT PRIMARY KEY,
        state TEXT NOT NULL CHECK (state IN ('open', 'closed')),
        opened_at INTEGER NOT NULL,
        opened_with TEXT NOT NULL,
        closed_at INTEGER,
        context TEXT
    ) WITHOUT ROWID;
    -- Who has voted in which poll: nothing else, no time, no order.
    CREATE TABLE voted (
        poll TEXT NOT NULL,
        member BLOB NOT NULL,
        PRIMARY KEY (poll, member)
    ) WITHOUT ROWID;
    -- What was voted: keyed by a random id, so the table's order is random.
    CREATE TABLE ballots (
        poll TEXT NOT NULL,
        id BLOB NOT NULL,
        ballot BLOB NOT NULL,
        PRIMARY KEY (poll, id)
    ) WITHOUT ROWID;
    CREATE TABLE audit (
        seq INTEGER PRIMARY KEY,
        entry TEXT NOT NULL
    );
    CREATE TABLE exports (
        seq INTEGER PRIMARY KEY,
        file_name TEXT NOT NULL,
        digest TEXT NOT NULL,
        test INTEGER NOT NULL,
        created_at INTEGER NOT NULL,
        bytes BLOB NOT NULL
    );
    CREATE TABLE outbox (
        export_seq INTEGER PRIMARY KEY REFERENCES exports(seq),
        state TEXT NOT NULL CHECK (state IN ('pending', 'synced', 'refused')),
        attempts INTEGER NOT NULL DEFAULT 0,
        detail TEXT
    );
",
    // 2: members leaving (check-out), proxies, revoked badges.
    "
    ALTER TABLE checkins ADD COLUMN present INTEGER NOT NULL DEFAULT 1;
    CREATE TABLE proxies (
        absent BLOB PRIMARY KEY,
        holder BLOB NOT NULL,
        at INTEGER NOT NULL
    ) WITHOUT ROWID;
    CREATE TABLE revoked (
        member BLOB PRIMARY KEY,
        at INTEGER NOT NULL
    ) WITHOUT ROWID;
",
    // 3: people registered at the door (walk-ins).
    "
    CREATE TABLE walkins (
        member BLOB PRIMARY KEY,
        last_name TEXT NOT NULL,
        first_name TEXT NOT NULL,
        grp TEXT,
        at INTEGER NOT NULL
    ) WITHOUT ROWID;
",
    // 4: polls written or corrected on the kiosk during the evening, in the order they were
    // first written; a row for a package poll's id replaces the package's definition.
    "
    CREATE TABLE local_polls (
        seq INTEGER PRIMARY KEY,
        poll TEXT NOT NULL UNIQUE,
        definition TEXT NOT NULL
    );
",
];

/// Why the store could not do what was asked; nothing was changed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The SD card is full.
    #[error("the kiosk's storage is full")]
    Full,
    /// The database file or its folder is read-only.
    #[error("the kiosk's storage is read-only")]
    ReadOnly,
    /// Another program holds the database.
    #[error("the database is locked by another program")]
    Locked,
    /// The database file is damaged or not a database.
    #[error("the database is damaged: {0}")]
    Corrupt(String),
    /// The database was written by a newer version of Urne.
    #[error("the database was written by a newer version of Urne (schema {0})")]
    TooNew(i64),
    /// Any other database failure.
    #[error("database error: {0}")]
    Other(String),
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        match e.sqlite_error_code() {
            Some(ErrorCode::DiskFull) => StoreError::Full,
            Some(ErrorCode::ReadOnly) => StoreError::ReadOnly,
            Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => StoreError::Locked,
            Some(ErrorCode::DatabaseCorrupt | ErrorCode::NotADatabase) => {
                StoreError::Corrupt(e.to_string())
            }
            _ => StoreError::Other(e.to_string()),
        }
    }
}

impl From<serde_json::Error> for StoreError {
    fn from(e: serde_json::Error) -> Self {
        StoreError::Corrupt(e.to_string())
    }
}

/// A storage fault the tests can reproduce (see [`Store::simulate_fault`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// No space left.
    Full,
    /// Read-only file system.
    ReadOnly,
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
}

/// An export as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportRow {
    /// Sequence number.
    pub seq: u64,
    /// File name written.
    pub file_name: String,
    /// SHA-256 of the file.
    pub digest: String,
    /// Whether it was a test-deck run.
    pub test: bool,
    /// Upload state: `pending`, `synced` or `refused`.
    pub upload: String,
}

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

/// The kiosk's database.
#[derive(Debug)]
pub struct Store {
    conn: Connection,
    path: PathBuf,
    /// The last audit entry, so that appending does not re-read and re-parse it every time.
    head: Option<AuditEntry>,
    /// A storage fault reproduced for tests (see [`Store::simulate_fault`]).
    fault: std::cell::Cell<Option<Fault>>,
}

fn ts(v: i64) -> Timestamp {
    Timestamp(v)
}

impl Store {
    /// Opens (creating if needed) the database at `path` and brings its schema up to date.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        let conn = Connection::open(path)?;
        Self::configure(&conn)?;
        let mut store = Self {
            conn,
            path: path.to_owned(),
            head: None,
            fault: std::cell::Cell::new(None),
        };
        store.migrate()?;
        store.head = store.last_audit_entry()?;
        Ok(store)
    }

    /// Creates a database at an earlier schema version (tests of the migrations).
    pub fn create_at_version(path: &Path, version: usize) -> Result<(), StoreError> {
        let mut conn = Connection::open(path)?;
        Self::configure(&conn)?;
        for (from, sql) in MIGRATIONS.iter().enumerate().take(version) {
            let tx = conn.transaction()?;
            tx.execute_batch(sql)?;
            tx.pragma_update(None, "user_version", i64::try_from(from + 1).unwrap_or(0))?;
            tx.commit()?;
        }
        Ok(())
    }

    fn last_audit_entry(&self) -> Result<Option<AuditEntry>, StoreError> {
        let last: Option<String> = self
            .conn
            .query_row(
                "SELECT entry FROM audit ORDER BY seq DESC LIMIT 1",
                [],
                |r| r.get(0),
            )
            .optional()?;
        Ok(last.map(|e| serde_json::from_str(&e)).transpose()?)
    }

    /// Makes every later write fail as on a full SD card or a read-only file system, or lifts
    /// that (`None`). A real full disk cannot be arranged on demand, so the tests of what the
    /// kiosk shows and keeps use this; `tests/store_real_faults.rs` checks the real errors of a
    /// full and a read-only file system map to the same [`StoreError`]s.
    pub fn simulate_fault(&self, fault: Option<Fault>) -> Result<(), StoreError> {
        self.fault.set(fault);
        Ok(())
    }

    fn check_fault(&self) -> Result<(), StoreError> {
        match self.fault.get() {
            Some(Fault::Full) => Err(StoreError::Full),
            Some(Fault::ReadOnly) => Err(StoreError::ReadOnly),
            None => Ok(()),
        }
    }

    /// SQLite's own consistency check (`PRAGMA integrity_check`): `Ok` when it says « ok ».
    pub fn integrity_check(&self) -> Result<(), StoreError> {
        let report: String = self
            .conn
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))?;
        if report == "ok" {
            Ok(())
        } else {
            Err(StoreError::Corrupt(report))
        }
    }

    /// Runs `f` in a write transaction that may append audit entries; the cached chain head
    /// moves only once the transaction committed.
    fn audited<T>(
        &mut self,
        f: impl FnOnce(&Transaction<'_>, &mut Audit) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        self.check_fault()?;
        let head = self.head.clone();
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        // Another connection may have appended since the head was cached: trust the table.
        let max_seq: Option<i64> = tx.query_row("SELECT max(seq) FROM audit", [], |r| r.get(0))?;
        let fresh = head.as_ref().map(|h| i64::try_from(h.seq).unwrap_or(-1)) == max_seq;
        let head = if fresh {
            head
        } else {
            let last: Option<String> = tx
                .query_row(
                    "SELECT entry FROM audit ORDER BY seq DESC LIMIT 1",
                    [],
                    |r| r.get(0),
                )
                .optional()?;
            last.map(|e| serde_json::from_str(&e)).transpose()?
        };
        let mut audit = Audit { head };
        let value = f(&tx, &mut audit)?;
        tx.commit()?;
        self.head = audit.head;
        Ok(value)
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn configure(conn: &Connection) -> Result<(), StoreError> {
        // WAL + FULL: a committed transaction survives a power cut, and readers never block the
        // writer. secure_delete: freed pages (a reset poll's ballots) are overwritten.
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "secure_delete", "ON")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        conn.busy_timeout(std::time::Duration::from_millis(2000))?;
        Ok(())
    }

    fn migrate(&mut self) -> Result<(), StoreError> {
        let version: i64 = self
            .conn
            .pragma_query_value(None, "user_version", |r| r.get(0))?;
        if version > SCHEMA_VERSION {
            return Err(StoreError::TooNew(version));
        }
        for (from, sql) in MIGRATIONS
            .iter()
            .enumerate()
            .skip(usize::try_from(version).unwrap_or(0))
        {
            let tx = self.conn.transaction()?;
            tx.execute_batch(sql)?;
            tx.pragma_update(None, "user_version", i64::try_from(from + 1).unwrap_or(0))?;
            tx.commit()?;
        }
        Ok(())
    }

    /// The schema version of the open database.
    pub fn schema_version(&self) -> Result<i64, StoreError> {
        Ok(self
            .conn
            .pragma_query_value(None, "user_version", |r| r.get(0))?)
    }

    fn write(&mut self) -> Result<Transaction<'_>, StoreError> {
        self.check_fault()?;
        Ok(self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?)
    }

    /// The column names of a table, in order (for the secrecy checks of the schema).
    pub fn columns(&self, table: &str) -> Result<Vec<String>, StoreError> {
        let mut stmt = self
            .conn
            .prepare("SELECT name FROM pragma_table_info(?1) ORDER BY cid")?;
        let names = stmt
            .query_map([table], |r| r.get::<_, String>(0))?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(names)
    }

    /// A setting.
    pub fn setting(&self, key: &str) -> Result<Option<String>, StoreError> {
        Ok(self
            .conn
            .query_row("SELECT value FROM settings WHERE key = ?1", [key], |r| {
                r.get(0)
            })
            .optional()?)
    }

    /// Sets a setting.
    pub fn set_setting(&mut self, key: &str, value: &str) -> Result<(), StoreError> {
        self.check_fault()?;
        self.conn.execute(
            "INSERT INTO settings (key, value) VALUES (?1, ?2)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            params![key, value],
        )?;
        Ok(())
    }

    /// The loaded event package file, if any.
    pub fn package(&self) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self
            .conn
            .query_row("SELECT bytes FROM package WHERE slot = 1", [], |r| r.get(0))
            .optional()?)
    }

    /// Stores the event package, pins its organiser key when `pin` is given, and audits it, in
    /// one transaction.
    pub fn load_package(
        &mut self,
        bytes: &[u8],
        event: &str,
        organiser: &str,
        pin: Option<(&str, &str)>,
        at: Timestamp,
        audit: AuditEvent,
    ) -> Result<(), StoreError> {
        self.audited(|tx, a| {
            tx.execute(
                "INSERT INTO package (slot, event, organiser, bytes) VALUES (1, ?1, ?2, ?3)
                 ON CONFLICT (slot) DO UPDATE SET event = excluded.event,
                     organiser = excluded.organiser, bytes = excluded.bytes",
                params![event, organiser, bytes],
            )?;
            if let Some((key, value)) = pin {
                tx.execute(
                    "INSERT INTO settings (key, value) VALUES (?1, ?2)
                     ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                    params![key, value],
                )?;
            }
            a.append(tx, at, audit)
        })
    }

    /// Whether the store holds anything of an evening: check-ins, polls, proxies or exports.
    pub fn has_records(&self) -> Result<bool, StoreError> {
        let n: i64 = self.conn.query_row(
            "SELECT (SELECT count(*) FROM checkins) + (SELECT count(*) FROM polls)
                  + (SELECT count(*) FROM proxies) + (SELECT count(*) FROM exports)
                  + (SELECT count(*) FROM local_polls)",
            [],
            |r| r.get(0),
        )?;
        Ok(n > 0)
    }

    /// Checks a member in (or back in after a check-out), auditing it, in one transaction.
    pub fn check_in(&mut self, member: &MemberId, at: Timestamp) -> Result<CheckIn, StoreError> {
        self.audited(|tx, a| {
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
                    tx.prepare_cached(
                        "INSERT INTO checkins (member, at, present) VALUES (?1, ?2, 1)",
                    )?
                    .execute(params![member.as_bytes(), at.0])?;
                    a.append(tx, at, AuditEvent::CheckIn { member: *member })?;
                    Ok(CheckIn::New)
                }
            }
        })
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

    /// Sets (or, with `None`, removes) several settings in one transaction.
    pub fn set_settings(&mut self, values: &[(&str, Option<&str>)]) -> Result<(), StoreError> {
        let tx = self.write()?;
        write_settings(&tx, values)?;
        tx.commit()?;
        Ok(())
    }

    /// Sets (or, with `None`, removes) settings and appends their audit entries in one
    /// transaction: the clock confirmation and the first-boot setup are on the card whole or
    /// not at all.
    pub fn set_settings_audited(
        &mut self,
        values: &[(&str, Option<&str>)],
        events: Vec<AuditEvent>,
        at: Timestamp,
    ) -> Result<(), StoreError> {
        self.audited(|tx, a| {
            write_settings(tx, values)?;
            for event in events {
                a.append(tx, at, event)?;
            }
            Ok(())
        })
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

    /// Every poll that was opened, with its state.
    pub fn polls(&self) -> Result<BTreeMap<PollId, PollRow>, StoreError> {
        let mut stmt = self
            .conn
            .prepare("SELECT poll, state, opened_at, opened_with, closed_at, context FROM polls")?;
        let rows = stmt
            .query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, i64>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, Option<i64>>(4)?,
                    r.get::<_, Option<String>>(5)?,
                ))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        rows.into_iter()
            .map(|(poll, state, opened, opened_with, closed, context)| {
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
                    },
                ))
            })
            .collect()
    }

    /// Opens a poll and audits it with the attendance at that moment.
    pub fn open_poll(
        &mut self,
        poll: &PollId,
        at: Timestamp,
        attendance: Attendance,
    ) -> Result<(), StoreError> {
        self.audited(|tx, a| {
            tx.execute(
                "INSERT INTO polls (poll, state, opened_at, opened_with) VALUES (?1, 'open', ?2, ?3)",
                params![poll.as_str(), at.0, serde_json::to_string(&attendance)?],
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
    ) -> Result<(), StoreError> {
        self.audited(|tx, a| {
            let ballots: i64 = tx.query_row(
                "SELECT count(*) FROM ballots WHERE poll = ?1",
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
            let ballots = tx.execute("DELETE FROM ballots WHERE poll = ?1", [poll.as_str()])?;
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

    /// Rewrites the database in key order (`VACUUM`), so that even the physical placement of
    /// ballots in the file keeps no trace of when they were written, then copies the WAL into
    /// the database and truncates it to zero bytes. The rewrite is best effort: if another
    /// connection keeps it from running, ballots still carry no order in any table scan or
    /// export, and the next close tries again.
    pub fn checkpoint(&self) -> Result<(), StoreError> {
        if let Err(e) = self.conn.execute_batch("VACUUM") {
            tracing::warn!(error = %e, "the database could not be rewritten in key order");
        }
        self.conn
            .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
        Ok(())
    }

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

    /// Appends an audit entry on its own.
    pub fn audit(&mut self, at: Timestamp, event: AuditEvent) -> Result<(), StoreError> {
        self.audited(|tx, a| a.append(tx, at, event))
    }

    /// The whole audit chain.
    pub fn audit_chain(&self) -> Result<Vec<AuditEntry>, StoreError> {
        let mut stmt = self.conn.prepare("SELECT entry FROM audit ORDER BY seq")?;
        let rows = stmt
            .query_map([], |r| r.get::<_, String>(0))?
            .collect::<Result<Vec<_>, _>>()?;
        rows.iter()
            .map(|e| serde_json::from_str(e).map_err(StoreError::from))
            .collect()
    }

    /// The next export's sequence number.
    pub fn next_export_seq(&self) -> Result<u64, StoreError> {
        let n: i64 =
            self.conn
                .query_row("SELECT coalesce(max(seq), 0) + 1 FROM exports", [], |r| {
                    r.get(0)
                })?;
        Ok(u64::try_from(n).unwrap_or(1))
    }

    /// Records an export and, in the same transaction, its upload in the outbox. The audit entry
    /// for the export must already be in the chain (the bundle contains it).
    pub fn record_export(
        &mut self,
        seq: u64,
        file_name: &str,
        digest: &str,
        test: bool,
        at: Timestamp,
        bytes: &[u8],
    ) -> Result<(), StoreError> {
        let seq = i64::try_from(seq).map_err(|_| StoreError::Other("sequence overflow".into()))?;
        let tx = self.write()?;
        tx.execute(
            "INSERT INTO exports (seq, file_name, digest, test, created_at, bytes)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![seq, file_name, digest, test, at.0, bytes],
        )?;
        tx.execute(
            "INSERT INTO outbox (export_seq, state) VALUES (?1, 'pending')",
            [seq],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Every export, newest first, with its upload state.
    pub fn exports(&self) -> Result<Vec<ExportRow>, StoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT e.seq, e.file_name, e.digest, e.test, o.state
             FROM exports e JOIN outbox o ON o.export_seq = e.seq ORDER BY e.seq DESC",
        )?;
        let rows = stmt
            .query_map([], |r| {
                Ok(ExportRow {
                    seq: u64::try_from(r.get::<_, i64>(0)?).unwrap_or(0),
                    file_name: r.get(1)?,
                    digest: r.get(2)?,
                    test: r.get(3)?,
                    upload: r.get(4)?,
                })
            })?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    /// Bundles waiting to be uploaded: (sequence number, bytes), oldest first.
    pub fn pending_uploads(&self) -> Result<Vec<(u64, Vec<u8>)>, StoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT e.seq, e.bytes FROM outbox o JOIN exports e ON e.seq = o.export_seq
             WHERE o.state = 'pending' ORDER BY e.seq",
        )?;
        let rows = stmt
            .query_map([], |r| {
                Ok((
                    u64::try_from(r.get::<_, i64>(0)?).unwrap_or(0),
                    r.get::<_, Vec<u8>>(1)?,
                ))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    /// The registry's signed receipt of an uploaded bundle (its JSON, as received), once synced.
    pub fn upload_receipt(&self, seq: u64) -> Result<Option<String>, StoreError> {
        let seq = i64::try_from(seq).map_err(|_| StoreError::Other("sequence overflow".into()))?;
        Ok(self
            .conn
            .query_row(
                "SELECT detail FROM outbox WHERE export_seq = ?1 AND state = 'synced'",
                [seq],
                |r| r.get(0),
            )
            .optional()?)
    }

    /// Records the outcome of an upload attempt: `synced` with the receipt, `refused` with the
    /// reason, or still `pending` after a transient failure.
    pub fn record_upload(&mut self, seq: u64, state: &str, detail: &str) -> Result<(), StoreError> {
        self.check_fault()?;
        let seq = i64::try_from(seq).map_err(|_| StoreError::Other("sequence overflow".into()))?;
        self.conn.execute(
            "UPDATE outbox SET state = ?2, attempts = attempts + 1, detail = ?3
             WHERE export_seq = ?1",
            params![seq, state, detail],
        )?;
        Ok(())
    }
}

/// The audit chain's head during a transaction.
#[derive(Debug)]
struct Audit {
    head: Option<AuditEntry>,
}

impl Audit {
    fn append(
        &mut self,
        tx: &Transaction<'_>,
        at: Timestamp,
        event: AuditEvent,
    ) -> Result<(), StoreError> {
        let entry = AuditEntry::next(self.head.as_ref(), at, event);
        tx.prepare_cached("INSERT INTO audit (seq, entry) VALUES (?1, ?2)")?
            .execute(params![
                i64::try_from(entry.seq).unwrap_or(i64::MAX),
                entry.to_json_line()
            ])?;
        self.head = Some(entry);
        Ok(())
    }
}

fn member_id(bytes: Vec<u8>) -> Result<MemberId, StoreError> {
    let id: [u8; 16] = bytes
        .try_into()
        .map_err(|_| StoreError::Corrupt("a member id is not 16 bytes".into()))?;
    Ok(MemberId::from_bytes(id))
}

/// Sets (or, with `None`, removes) settings within a transaction.
fn write_settings(tx: &Transaction<'_>, values: &[(&str, Option<&str>)]) -> Result<(), StoreError> {
    for (key, value) in values {
        match value {
            Some(value) => tx.execute(
                "INSERT INTO settings (key, value) VALUES (?1, ?2)
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                params![key, value],
            )?,
            None => tx.execute("DELETE FROM settings WHERE key = ?1", [key])?,
        };
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use urne_core::ballot::{Ballot, MotionChoice};

    fn poll() -> PollId {
        PollId::new("charte").unwrap()
    }

    fn store() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("urne.sqlite")).unwrap();
        (dir, store)
    }

    #[test]
    fn a_member_votes_once_and_the_ballot_carries_no_member() {
        let (_dir, mut store) = store();
        let member = MemberId::from_bytes([7; 16]);
        store
            .open_poll(&poll(), Timestamp(10), Attendance::default())
            .unwrap();
        let ballot = WeightedBallot::single(Ballot::Motion(MotionChoice::For));
        store.cast(&poll(), &member, &ballot, [1; 16]).unwrap();
        assert!(matches!(
            store.cast(&poll(), &member, &ballot, [2; 16]),
            Err(CastError::AlreadyVoted)
        ));
        assert_eq!(store.ballots(&poll()).unwrap(), vec![ballot]);
        assert!(store.has_voted(&poll(), &member).unwrap());
    }

    #[test]
    fn casting_in_a_closed_or_unknown_poll_stores_nothing() {
        let (_dir, mut store) = store();
        let member = MemberId::from_bytes([7; 16]);
        let ballot = WeightedBallot::single(Ballot::Motion(MotionChoice::For));
        assert!(matches!(
            store.cast(&poll(), &member, &ballot, [1; 16]),
            Err(CastError::NotOpen)
        ));
        assert!(!store.has_voted(&poll(), &member).unwrap());
        assert!(store.ballots(&poll()).unwrap().is_empty());
    }

    #[test]
    fn check_ins_are_audited_once() {
        let (_dir, mut store) = store();
        let member = MemberId::from_bytes([3; 16]);
        assert_eq!(
            store.check_in(&member, Timestamp(100)).unwrap(),
            CheckIn::New
        );
        assert_eq!(
            store.check_in(&member, Timestamp(200)).unwrap(),
            CheckIn::Already(Timestamp(100))
        );
        assert!(store.check_out(&member, Timestamp(300)).unwrap());
        assert_eq!(store.present_count().unwrap(), 0);
        assert_eq!(
            store.check_in(&member, Timestamp(400)).unwrap(),
            CheckIn::Returned(Timestamp(100))
        );
        let chain = store.audit_chain().unwrap();
        assert_eq!(chain.len(), 3);
        urne_core::audit::verify_chain(&chain).unwrap();
    }

    #[test]
    fn reopening_keeps_everything_and_the_schema_version() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("urne.sqlite");
        {
            let mut store = Store::open(&path).unwrap();
            store
                .check_in(&MemberId::from_bytes([1; 16]), Timestamp(1))
                .unwrap();
        }
        let store = Store::open(&path).unwrap();
        assert_eq!(store.schema_version().unwrap(), SCHEMA_VERSION);
        assert_eq!(store.present_count().unwrap(), 1);
    }
}
