//! The kiosk's store: one SQLite database holding the event package, check-ins, poll states,
//! who has voted, the ballots, the audit chain, exports and the upload outbox.
//!
//! Two promises shape it. Durability: WAL journal with `synchronous = FULL`, so a transaction
//! that returned is on the SD card; the screen acknowledges only after that. Secrecy: ballots
//! live in a `WITHOUT ROWID` table keyed by a random 128-bit id, with no time, no member and no
//! order; the "has voted" marks hold (poll, member) only; `secure_delete` overwrites freed
//! pages; and the WAL is truncated when a poll closes so no history lingers in it.
//!
//! One concern per submodule: [`schema`] (the migrations), [`settings`] (settings and the
//! event package), [`attendance`] (check-ins, proxies, walk-ins, revoked badges), [`polls`]
//! (poll states and definitions written on the kiosk), [`ballots`] (the "has voted" marks and
//! the ballots), [`exports`] (exports and the upload outbox), [`hall`] (the kiosks paired to a
//! lead kiosk, and the ballots each delivered); this module opens the database,
//! runs the transactions and keeps the audit chain.

mod attendance;
mod ballots;
mod exports;
mod hall;
mod polls;
mod schema;
mod settings;
#[cfg(test)]
mod tests;

use std::path::{Path, PathBuf};

use rusqlite::{
    Connection, ErrorCode, OptionalExtension, Transaction, TransactionBehavior, params,
};
use urne_core::audit::{AuditEntry, AuditEvent};
use urne_core::ids::MemberId;
use urne_core::timestamp::Timestamp;

pub use attendance::CheckIn;
pub use ballots::{CastError, SealedBox, SealedCast, VisitCastError};
pub use exports::{ExportRow, UploadState};
pub use hall::{Delivered, KioskRole, PairedKiosk};
pub use polls::PollRow;
pub use schema::{MIGRATIONS, SCHEMA_VERSION};

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

/// The kiosk's database.
#[derive(Debug)]
pub struct Store {
    conn: Connection,
    path: PathBuf,
    /// The last audit entry, so that appending does not re-read and re-parse it every time.
    head: Option<AuditEntry>,
    /// A storage fault reproduced for tests (see [`Store::simulate_fault`]).
    fault: std::cell::Cell<Option<Fault>>,
    /// Taken for writing while the journal is rewritten and emptied (see [`QuietGate`]).
    gate: QuietGate,
}

/// The gate other connections of this process (the uploader's) hold for reading while they use
/// the database, and the store holds for writing while it rewrites the file and empties the
/// WAL at a close: a reader in the middle would keep the WAL from being truncated.
pub type QuietGate = std::sync::Arc<std::sync::RwLock<()>>;

pub(super) fn ts(v: i64) -> Timestamp {
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
            gate: QuietGate::default(),
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

    pub(super) fn check_fault(&self) -> Result<(), StoreError> {
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
    pub(super) fn audited<T>(
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

    /// The gate the uploader's connection holds while it reads and writes (see [`QuietGate`]).
    pub fn quiet_gate(&self) -> QuietGate {
        self.gate.clone()
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

    pub(super) fn write(&mut self) -> Result<Transaction<'_>, StoreError> {
        self.check_fault()?;
        Ok(self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?)
    }

    /// The names of every table, in name order (for the secrecy checks of the schema: a table a
    /// later migration adds is checked without anyone listing it).
    pub fn tables(&self) -> Result<Vec<String>, StoreError> {
        let mut stmt = self
            .conn
            .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")?;
        let names = stmt
            .query_map([], |r| r.get::<_, String>(0))?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(names)
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
}

/// The audit chain's head during a transaction.
#[derive(Debug)]
pub(super) struct Audit {
    head: Option<AuditEntry>,
}

impl Audit {
    pub(super) fn append(
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

pub(super) fn member_id(bytes: Vec<u8>) -> Result<MemberId, StoreError> {
    let id: [u8; 16] = bytes
        .try_into()
        .map_err(|_| StoreError::Corrupt("a member id is not 16 bytes".into()))?;
    Ok(MemberId::from_bytes(id))
}

/// Sets (or, with `None`, removes) settings within a transaction.
pub(super) fn write_settings(
    tx: &Transaction<'_>,
    values: &[(&str, Option<&str>)],
) -> Result<(), StoreError> {
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
