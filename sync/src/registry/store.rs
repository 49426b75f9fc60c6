//! The registry's storage, behind a trait so that a PostgreSQL backend can take over from the
//! default SQLite file when one machine is not enough.

use std::path::Path;
use std::sync::Mutex;

use rusqlite::{Connection, OptionalExtension, params};
use urne_core::crypto::{Fingerprint, PublicKey, Sha256Digest};

use crate::receipt::SignedReceipt;

/// A storage failure.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database refused.
    #[error("registry database: {0}")]
    Db(#[from] rusqlite::Error),
    /// A stored value is unreadable.
    #[error("registry database holds an unreadable value: {0}")]
    Corrupt(String),
}

/// An enrolled kiosk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Device {
    /// Its key fingerprint.
    pub fingerprint: Fingerprint,
    /// A label chosen at enrolment (« kiosque 1 de Bellevue »).
    pub label: String,
    /// Its public key.
    pub key: PublicKey,
}

/// A stored bundle, without its bytes.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct BundleRow {
    /// SHA-256 of the bundle file.
    pub digest: String,
    /// The signing device.
    pub device: String,
    /// The event.
    pub event: String,
    /// Sequence number.
    pub seq: u64,
    /// Whether it is a test-deck bundle.
    pub test: bool,
    /// When it was received (RFC 3339).
    pub received: String,
}

/// What storing a bundle did.
#[derive(Debug, Clone)]
pub enum Stored {
    /// Newly stored, with this receipt.
    New(SignedReceipt),
    /// Already there: the same receipt as the first time.
    Again(SignedReceipt),
    /// Another bundle already holds this device and sequence number.
    Conflict {
        /// The digest already stored.
        existing: String,
    },
}

/// A bundle to store.
#[derive(Debug, Clone)]
pub struct NewBundle<'a> {
    /// SHA-256 of the file.
    pub digest: &'a Sha256Digest,
    /// Signing device.
    pub device: &'a Fingerprint,
    /// The event.
    pub event: &'a str,
    /// Sequence number.
    pub seq: u64,
    /// Test-deck bundle.
    pub test: bool,
    /// The file.
    pub bytes: &'a [u8],
    /// The receipt to give if it is new.
    pub receipt: &'a SignedReceipt,
    /// When it arrived (RFC 3339).
    pub received: &'a str,
}

/// The registry's storage.
pub trait RegistryStore: Send + Sync {
    /// Enrols (or relabels) a device.
    fn enrol(&self, label: &str, key: &PublicKey) -> Result<(), StoreError>;
    /// The enrolled device with this fingerprint.
    fn device(&self, fingerprint: &Fingerprint) -> Result<Option<Device>, StoreError>;
    /// Stores a bundle exactly once.
    fn store(&self, bundle: &NewBundle<'_>) -> Result<Stored, StoreError>;
    /// Records a refused upload (for the operator).
    fn record_refusal(
        &self,
        device: Option<&Fingerprint>,
        reason: &str,
        at: &str,
    ) -> Result<(), StoreError>;
    /// Every stored bundle, newest first.
    fn bundles(&self) -> Result<Vec<BundleRow>, StoreError>;
    /// A stored bundle's bytes.
    fn bundle_bytes(&self, digest: &str) -> Result<Option<Vec<u8>>, StoreError>;
}

/// The SQLite file backend.
#[derive(Debug)]
pub struct SqliteStore {
    conn: Mutex<Connection>,
}

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS devices (
    fingerprint TEXT PRIMARY KEY,
    label TEXT NOT NULL,
    pem TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS bundles (
    digest TEXT PRIMARY KEY,
    device TEXT NOT NULL REFERENCES devices(fingerprint),
    event TEXT NOT NULL,
    seq INTEGER NOT NULL,
    test INTEGER NOT NULL,
    received TEXT NOT NULL,
    receipt TEXT NOT NULL,
    bytes BLOB NOT NULL,
    UNIQUE (device, event, seq)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS refusals (
    id INTEGER PRIMARY KEY,
    device TEXT,
    reason TEXT NOT NULL,
    at TEXT NOT NULL
);
";

impl SqliteStore {
    /// Opens (or creates) the database file.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        let conn = Connection::open(path)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        conn.execute_batch(SCHEMA)?;
        Ok(Self {
            conn: Mutex::new(conn),
        })
    }

    fn conn(&self) -> std::sync::MutexGuard<'_, Connection> {
        // A panic while holding the lock leaves SQLite consistent (transactions roll back).
        self.conn.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// SQLite integers are signed: sequence numbers above `i64::MAX` are refused, not wrapped.
fn seq_sql(seq: u64) -> Result<i64, StoreError> {
    i64::try_from(seq)
        .map_err(|_| StoreError::Corrupt(format!("sequence number {seq} is too large")))
}

impl RegistryStore for SqliteStore {
    fn enrol(&self, label: &str, key: &PublicKey) -> Result<(), StoreError> {
        self.conn().execute(
            "INSERT INTO devices (fingerprint, label, pem) VALUES (?1, ?2, ?3)
             ON CONFLICT (fingerprint) DO UPDATE SET label = excluded.label",
            params![key.fingerprint().to_hex(), label, key.to_pem()],
        )?;
        Ok(())
    }

    fn device(&self, fingerprint: &Fingerprint) -> Result<Option<Device>, StoreError> {
        let row: Option<(String, String)> = self
            .conn()
            .query_row(
                "SELECT label, pem FROM devices WHERE fingerprint = ?1",
                [fingerprint.to_hex()],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        row.map(|(label, pem)| {
            let key = PublicKey::from_pem(&pem).map_err(|e| StoreError::Corrupt(e.to_string()))?;
            Ok(Device {
                fingerprint: *fingerprint,
                label,
                key,
            })
        })
        .transpose()
    }

    fn store(&self, b: &NewBundle<'_>) -> Result<Stored, StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let same: Option<String> = tx
            .query_row(
                "SELECT receipt FROM bundles WHERE digest = ?1",
                [b.digest.to_hex()],
                |r| r.get(0),
            )
            .optional()?;
        if let Some(receipt) = same {
            let receipt =
                serde_json::from_str(&receipt).map_err(|e| StoreError::Corrupt(e.to_string()))?;
            return Ok(Stored::Again(receipt));
        }
        let clash: Option<String> = tx
            .query_row(
                "SELECT digest FROM bundles WHERE device = ?1 AND event = ?2 AND seq = ?3",
                params![b.device.to_hex(), b.event, seq_sql(b.seq)?],
                |r| r.get(0),
            )
            .optional()?;
        if let Some(existing) = clash {
            return Ok(Stored::Conflict { existing });
        }
        tx.execute(
            "INSERT INTO bundles (digest, device, event, seq, test, received, receipt, bytes)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![
                b.digest.to_hex(),
                b.device.to_hex(),
                b.event,
                seq_sql(b.seq)?,
                b.test,
                b.received,
                serde_json::to_string(b.receipt).expect("receipts always serialise"),
                b.bytes
            ],
        )?;
        tx.commit()?;
        Ok(Stored::New(b.receipt.clone()))
    }

    fn record_refusal(
        &self,
        device: Option<&Fingerprint>,
        reason: &str,
        at: &str,
    ) -> Result<(), StoreError> {
        self.conn().execute(
            "INSERT INTO refusals (device, reason, at) VALUES (?1, ?2, ?3)",
            params![device.map(|d| d.to_hex()), reason, at],
        )?;
        Ok(())
    }

    fn bundles(&self) -> Result<Vec<BundleRow>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare(
            "SELECT digest, device, event, seq, test, received FROM bundles
             ORDER BY received DESC, digest",
        )?;
        let rows = stmt
            .query_map([], |r| {
                Ok(BundleRow {
                    digest: r.get(0)?,
                    device: r.get(1)?,
                    event: r.get(2)?,
                    seq: r.get::<_, i64>(3)?.try_into().unwrap_or(0),
                    test: r.get(4)?,
                    received: r.get(5)?,
                })
            })?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    fn bundle_bytes(&self, digest: &str) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self
            .conn()
            .query_row(
                "SELECT bytes FROM bundles WHERE digest = ?1",
                [digest],
                |r| r.get(0),
            )
            .optional()?)
    }
}
