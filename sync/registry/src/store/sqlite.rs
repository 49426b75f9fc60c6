//! The SQLite file backend of the registry's storage: the schema and its migrations, the group
//! commit of bundles, and the queries behind [`RegistryStore`].

use std::path::Path;
use std::sync::Mutex;

use rusqlite::{Connection, OptionalExtension, params};
use urne_core::crypto::{Fingerprint, PublicKey};

use urne_codec::protocol::EventListing;
use urne_codec::receipt::SignedReceipt;

use super::*;

/// The SQLite file backend.
///
/// Bundles are stored with a group commit: each upload queues its bundle, and whichever upload
/// gets the connection first writes every queued bundle in one transaction, then answers each
/// of them. A receipt still leaves only after the transaction holding its bundle is durable
/// (`synchronous = FULL`), but kiosks uploading at once share one disk flush instead of each
/// waiting for its own.
#[derive(Debug)]
pub struct SqliteStore {
    conn: Mutex<Connection>,
    queue: Mutex<Vec<Waiting>>,
}

/// A bundle in the group commit's queue, and where its outcome goes.
#[derive(Debug)]
struct Waiting {
    bundle: QueuedBundle,
    outcome: std::sync::mpsc::SyncSender<Result<Stored, StoreError>>,
}

/// An owned copy of a [`NewBundle`], to cross threads.
#[derive(Debug)]
struct QueuedBundle {
    digest: String,
    device: String,
    event: String,
    seq: i64,
    test: bool,
    bytes: Vec<u8>,
    receipt: SignedReceipt,
    received: String,
    summary: String,
}

/// The schema version this code writes (`PRAGMA user_version`).
const SCHEMA_VERSION: i64 = 5;

/// What takes a database of version `n - 1` to version `n`, for each `n` above the oldest
/// version still read (2). Applied in one transaction with the new version number.
const MIGRATIONS: &[(i64, &str)] = &[
    (
        3,
        // Revocation: a flag, not a delete, since stored bundles reference their device.
        "ALTER TABLE devices ADD COLUMN revoked_at TEXT;
     ALTER TABLE devices ADD COLUMN revoked_reason TEXT;",
    ),
    (
        // Package challenges: single-use nonces, each bound to the device it was issued to.
        4, CHALLENGES,
    ),
    (
        // Kiosks assigned to events. A kiosk keeps the events it already sent bundles for, so
        // that an upgrade does not cut off an evening under way; any other event needs
        // `urne-registry assign`.
        5,
        "CREATE TABLE IF NOT EXISTS assignments (
             event TEXT NOT NULL,
             device TEXT NOT NULL,
             at TEXT NOT NULL,
             PRIMARY KEY (event, device)
         ) WITHOUT ROWID;
         INSERT OR IGNORE INTO assignments (event, device, at)
             SELECT DISTINCT event, device, 'before assignments' FROM bundles;",
    ),
];

const CHALLENGES: &str = "
CREATE TABLE IF NOT EXISTS challenges (
    nonce TEXT PRIMARY KEY,
    device TEXT NOT NULL,
    issued INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS challenges_by_device ON challenges (device, issued);
";

const ASSIGNMENTS: &str = "
CREATE TABLE IF NOT EXISTS assignments (
    event TEXT NOT NULL,
    device TEXT NOT NULL,
    at TEXT NOT NULL,
    PRIMARY KEY (event, device)
) WITHOUT ROWID;
";

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS devices (
    fingerprint TEXT PRIMARY KEY,
    label TEXT NOT NULL,
    pem TEXT NOT NULL,
    revoked_at TEXT,
    revoked_reason TEXT
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS bundles (
    digest TEXT PRIMARY KEY,
    device TEXT NOT NULL REFERENCES devices(fingerprint),
    event TEXT NOT NULL,
    seq INTEGER NOT NULL,
    test INTEGER NOT NULL,
    received TEXT NOT NULL,
    receipt TEXT NOT NULL,
    summary TEXT NOT NULL,
    bytes BLOB NOT NULL,
    UNIQUE (device, event, seq)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS bundles_by_event ON bundles (event, device, seq);
CREATE TABLE IF NOT EXISTS organisers (
    event TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    label TEXT NOT NULL,
    pem TEXT NOT NULL,
    PRIMARY KEY (event, fingerprint)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS packages (
    digest TEXT PRIMARY KEY,
    event TEXT NOT NULL,
    title TEXT NOT NULL,
    place TEXT NOT NULL,
    date TEXT NOT NULL,
    organiser TEXT NOT NULL,
    created TEXT NOT NULL,
    received TEXT NOT NULL,
    bytes BLOB NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS packages_by_event ON packages (event, created);
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
        let mut conn = Connection::open(path)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        // One write transaction: two processes opening an old file at once migrate it once.
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let version: i64 = tx.pragma_query_value(None, "user_version", |r| r.get(0))?;
        let tables: i64 = tx.query_row(
            "SELECT count(*) FROM sqlite_master WHERE type = 'table'",
            [],
            |r| r.get(0),
        )?;
        if tables > 0 {
            let oldest = MIGRATIONS.first().map_or(SCHEMA_VERSION, |(to, _)| to - 1);
            if !(oldest..=SCHEMA_VERSION).contains(&version) {
                return Err(StoreError::Corrupt(format!(
                    "the database has schema version {version}; this urne-registry reads versions {oldest} to {SCHEMA_VERSION}"
                )));
            }
            for (to, migration) in MIGRATIONS {
                if *to > version {
                    tx.execute_batch(migration)?;
                    tracing::info!(from = to - 1, to, "registry database migrated");
                }
            }
        }
        tx.execute_batch(SCHEMA)?;
        tx.execute_batch(CHALLENGES)?;
        tx.execute_batch(ASSIGNMENTS)?;
        tx.pragma_update(None, "user_version", SCHEMA_VERSION)?;
        tx.commit()?;
        Ok(Self {
            conn: Mutex::new(conn),
            queue: Mutex::new(Vec::new()),
        })
    }

    /// Writes every queued bundle in one transaction, then tells each its outcome. Called with
    /// the connection held, so that no one else writes meanwhile.
    fn commit_queued(conn: &mut Connection, batch: Vec<Waiting>) {
        let outcomes = (|| -> Result<Vec<Result<Stored, StoreError>>, rusqlite::Error> {
            let mut tx =
                conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            let mut outcomes = Vec::with_capacity(batch.len());
            for waiting in &batch {
                // A savepoint per bundle: one that fails leaves the others in the transaction.
                let savepoint = tx.savepoint()?;
                let outcome = insert_bundle(&savepoint, &waiting.bundle);
                if outcome.is_ok() {
                    savepoint.commit()?;
                }
                outcomes.push(outcome);
            }
            tx.commit()?;
            Ok(outcomes)
        })();
        match outcomes {
            Ok(outcomes) => {
                for (waiting, outcome) in batch.into_iter().zip(outcomes) {
                    let _ = waiting.outcome.send(outcome);
                }
            }
            Err(e) => {
                for waiting in batch {
                    let _ = waiting.outcome.send(Err(StoreError::Commit(e.to_string())));
                }
            }
        }
    }

    fn conn(&self) -> std::sync::MutexGuard<'_, Connection> {
        // A panic while holding the lock leaves SQLite consistent (transactions roll back).
        self.conn.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// A device row as stored: fingerprint, label, PEM, and the revocation's time and reason.
type DeviceRow = (String, String, String, Option<String>, Option<String>);

fn device_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<DeviceRow> {
    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
}

fn device_of((fingerprint, label, pem, at, reason): DeviceRow) -> Result<Device, StoreError> {
    let corrupt = |what: String| StoreError::Corrupt(what);
    let key = PublicKey::from_pem(&pem).map_err(|e| corrupt(e.to_string()))?;
    if key.fingerprint().to_hex() != fingerprint {
        return Err(corrupt(format!("device {fingerprint} holds another key")));
    }
    Ok(Device {
        fingerprint: key.fingerprint(),
        label,
        key,
        revoked: at.map(|at| Revocation {
            at,
            reason: reason.unwrap_or_default(),
        }),
    })
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
        let conn = self.conn();
        let row = conn
            .query_row(
                "SELECT fingerprint, label, pem, revoked_at, revoked_reason FROM devices
                 WHERE fingerprint = ?1",
                [fingerprint.to_hex()],
                device_row,
            )
            .optional()?;
        row.map(device_of).transpose()
    }

    fn issue_challenge(
        &self,
        nonce: &str,
        device: &Fingerprint,
        issued: i64,
        expired_before: i64,
        keep: u32,
    ) -> Result<(), StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        tx.execute("DELETE FROM challenges WHERE issued < ?1", [expired_before])?;
        tx.execute(
            "INSERT INTO challenges (nonce, device, issued) VALUES (?1, ?2, ?3)",
            params![nonce, device.to_hex(), issued],
        )?;
        tx.execute(
            "DELETE FROM challenges WHERE device = ?1 AND nonce NOT IN
             (SELECT nonce FROM challenges WHERE device = ?1
              ORDER BY rowid DESC LIMIT ?2)",
            params![device.to_hex(), keep],
        )?;
        tx.commit()?;
        Ok(())
    }

    fn take_challenge(
        &self,
        nonce: &str,
        device: &Fingerprint,
        issued_after: i64,
    ) -> Result<bool, StoreError> {
        let conn = self.conn();
        let issued: Option<(String, i64)> = conn
            .query_row(
                "DELETE FROM challenges WHERE nonce = ?1 RETURNING device, issued",
                [nonce],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        Ok(issued.is_some_and(|(to, at)| to == device.to_hex() && at >= issued_after))
    }

    fn devices(&self) -> Result<Vec<Device>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare(
            "SELECT fingerprint, label, pem, revoked_at, revoked_reason FROM devices
             ORDER BY label, fingerprint",
        )?;
        let rows = stmt
            .query_map([], device_row)?
            .collect::<Result<Vec<_>, _>>()?;
        rows.into_iter().map(device_of).collect()
    }

    fn revoke(
        &self,
        fingerprint: &Fingerprint,
        reason: &str,
        at: &str,
    ) -> Result<Option<Revoked>, StoreError> {
        let changed = self.conn().execute(
            "UPDATE devices SET revoked_at = ?2, revoked_reason = ?3
             WHERE fingerprint = ?1 AND revoked_at IS NULL",
            params![fingerprint.to_hex(), at, reason],
        )?;
        Ok(self.device(fingerprint)?.map(|device| Revoked {
            device,
            now: changed == 1,
        }))
    }

    fn store(&self, b: &NewBundle<'_>) -> Result<Stored, StoreError> {
        let (outcome, answer) = std::sync::mpsc::sync_channel(1);
        let bundle = QueuedBundle {
            digest: b.digest.to_hex(),
            device: b.device.to_hex(),
            event: b.event.to_owned(),
            seq: seq_sql(b.seq)?,
            test: b.test,
            bytes: b.bytes.to_vec(),
            receipt: b.receipt.clone(),
            received: b.received.to_owned(),
            summary: b.summary.to_owned(),
        };
        self.queue
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(Waiting { bundle, outcome });
        loop {
            // Whoever held the connection before us may have committed ours with its own.
            if let Ok(outcome) = answer.try_recv() {
                return outcome;
            }
            let mut conn = self.conn();
            if let Ok(outcome) = answer.try_recv() {
                return outcome;
            }
            let batch = std::mem::take(&mut *self.queue.lock().unwrap_or_else(|p| p.into_inner()));
            Self::commit_queued(&mut conn, batch);
        }
    }

    fn record_refusal(
        &self,
        device: Option<&Fingerprint>,
        reason: &str,
        at: &str,
    ) -> Result<(), StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        tx.execute(
            "INSERT INTO refusals (device, reason, at) VALUES (?1, ?2, ?3)",
            params![device.map(|d| d.to_hex()), reason, at],
        )?;
        tx.execute(
            "DELETE FROM refusals WHERE id <= (SELECT max(id) FROM refusals) - ?1",
            [KEPT_REFUSALS],
        )?;
        tx.commit()?;
        Ok(())
    }

    fn bundles(&self) -> Result<Vec<BundleRow>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare(
            "SELECT digest, device, event, seq, test, received FROM bundles
             ORDER BY received DESC, digest",
        )?;
        let rows = stmt
            .query_map([], bundle_row)?
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

    fn assign(&self, event: &str, device: &Fingerprint, at: &str) -> Result<bool, StoreError> {
        let changed = self.conn().execute(
            "INSERT INTO assignments (event, device, at) VALUES (?1, ?2, ?3)
             ON CONFLICT (event, device) DO NOTHING",
            params![event, device.to_hex(), at],
        )?;
        Ok(changed == 1)
    }

    fn unassign(&self, event: &str, device: &Fingerprint) -> Result<bool, StoreError> {
        let changed = self.conn().execute(
            "DELETE FROM assignments WHERE event = ?1 AND device = ?2",
            params![event, device.to_hex()],
        )?;
        Ok(changed == 1)
    }

    fn is_assigned(&self, event: &str, device: &Fingerprint) -> Result<bool, StoreError> {
        Ok(self
            .conn()
            .prepare_cached("SELECT 1 FROM assignments WHERE event = ?1 AND device = ?2")?
            .query_row(params![event, device.to_hex()], |_| Ok(()))
            .optional()?
            .is_some())
    }

    fn assignments(&self, event: &str) -> Result<Vec<Fingerprint>, StoreError> {
        let conn = self.conn();
        let mut stmt =
            conn.prepare("SELECT device FROM assignments WHERE event = ?1 ORDER BY device")?;
        let rows = stmt
            .query_map([event], |r| r.get::<_, String>(0))?
            .collect::<Result<Vec<_>, _>>()?;
        rows.iter()
            .map(|hex| {
                Fingerprint::parse(hex)
                    .ok_or_else(|| StoreError::Corrupt(format!("assignment of device {hex}")))
            })
            .collect()
    }

    fn enrol_organiser(&self, event: &str, label: &str, key: &PublicKey) -> Result<(), StoreError> {
        self.conn().execute(
            "INSERT INTO organisers (event, fingerprint, label, pem) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (event, fingerprint) DO UPDATE SET label = excluded.label",
            params![event, key.fingerprint().to_hex(), label, key.to_pem()],
        )?;
        Ok(())
    }

    fn organisers(&self, event: &str) -> Result<Vec<Organiser>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn
            .prepare("SELECT label, pem FROM organisers WHERE event = ?1 ORDER BY fingerprint")?;
        let rows = stmt
            .query_map([event], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        rows.into_iter()
            .map(|(label, pem)| {
                Ok(Organiser {
                    event: event.to_owned(),
                    label,
                    key: PublicKey::from_pem(&pem)
                        .map_err(|e| StoreError::Corrupt(e.to_string()))?,
                })
            })
            .collect()
    }

    fn publish_package(&self, p: &NewPackage<'_>) -> Result<bool, StoreError> {
        let inserted = self.conn().execute(
            "INSERT INTO packages
             (digest, event, title, place, date, organiser, created, received, bytes)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
             ON CONFLICT (digest) DO NOTHING",
            params![
                p.digest.to_hex(),
                p.event,
                p.title,
                p.place,
                p.date,
                p.organiser.to_hex(),
                p.created,
                p.received,
                p.bytes
            ],
        )?;
        Ok(inserted == 1)
    }

    fn packages(&self, event: &str) -> Result<Vec<Vec<u8>>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare(
            "SELECT bytes FROM packages WHERE event = ?1
             ORDER BY created DESC, received DESC, digest",
        )?;
        let rows = stmt
            .query_map([event], |r| r.get::<_, Vec<u8>>(0))?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    fn package(&self, event: &str) -> Result<Option<(String, Vec<u8>)>, StoreError> {
        Ok(self
            .conn()
            .query_row(
                "SELECT digest, bytes FROM packages WHERE event = ?1
                 ORDER BY created DESC, received DESC, digest LIMIT 1",
                [event],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?)
    }

    fn events(&self) -> Result<Vec<EventListing>, StoreError> {
        let conn = self.conn();
        // The title comes from the newest package, else from the newest bundle's summary.
        let mut stmt = conn.prepare(
            "SELECT e.event,
                    p.title, p.place, p.date, p.digest,
                    (SELECT json_extract(b.summary, '$.event.title') FROM bundles b
                      WHERE b.event = e.event ORDER BY b.received DESC LIMIT 1),
                    (SELECT json_extract(b.summary, '$.event.place') FROM bundles b
                      WHERE b.event = e.event ORDER BY b.received DESC LIMIT 1),
                    (SELECT json_extract(b.summary, '$.event.date') FROM bundles b
                      WHERE b.event = e.event ORDER BY b.received DESC LIMIT 1),
                    (SELECT count(*) FROM bundles b WHERE b.event = e.event),
                    (SELECT count(*) FROM bundles b WHERE b.event = e.event AND b.test)
             FROM (SELECT DISTINCT event FROM organisers) e
             LEFT JOIN packages p ON p.digest = (
                 SELECT digest FROM packages WHERE event = e.event
                 ORDER BY created DESC, received DESC, digest LIMIT 1)",
        )?;
        let mut rows = stmt
            .query_map([], |r| {
                let pick = |a: Option<String>, b: Option<String>| a.or(b).unwrap_or_default();
                Ok(EventListing {
                    id: r.get(0)?,
                    title: pick(r.get(1)?, r.get(5)?),
                    place: pick(r.get(2)?, r.get(6)?),
                    date: pick(r.get(3)?, r.get(7)?),
                    package: r.get(4)?,
                    bundles: r.get::<_, i64>(8)?.try_into().unwrap_or(0),
                    test_runs: r.get::<_, i64>(9)?.try_into().unwrap_or(0),
                })
            })?
            .collect::<Result<Vec<_>, _>>()?;
        // Newest events first; undated ones (nothing arrived yet) last.
        rows.sort_by(|a, b| {
            a.date
                .is_empty()
                .cmp(&b.date.is_empty())
                .then_with(|| b.date.cmp(&a.date))
                .then_with(|| a.id.cmp(&b.id))
        });
        Ok(rows)
    }

    fn event_bundles(&self, event: &str) -> Result<Vec<(BundleRow, String)>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare(
            "SELECT digest, device, event, seq, test, received, summary FROM bundles
             WHERE event = ?1 ORDER BY device, seq",
        )?;
        let rows = stmt
            .query_map([event], |r| Ok((bundle_row(r)?, r.get(6)?)))?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    fn refusals(&self, limit: u32) -> Result<Vec<RefusalRow>, StoreError> {
        let conn = self.conn();
        let mut stmt =
            conn.prepare("SELECT at, device, reason FROM refusals ORDER BY id DESC LIMIT ?1")?;
        let rows = stmt
            .query_map([limit], |r| {
                Ok(RefusalRow {
                    at: r.get(0)?,
                    device: r.get(1)?,
                    reason: r.get(2)?,
                })
            })?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    fn bundle_count(&self) -> Result<u64, StoreError> {
        let n: i64 = self
            .conn()
            .query_row("SELECT count(*) FROM bundles", [], |r| r.get(0))?;
        Ok(n.try_into().unwrap_or(0))
    }
}

/// Inserts one bundle unless it is already there (the same receipt again) or another bundle
/// holds its device and sequence number.
fn insert_bundle(conn: &Connection, b: &QueuedBundle) -> Result<Stored, StoreError> {
    let same: Option<String> = conn
        .query_row(
            "SELECT receipt FROM bundles WHERE digest = ?1",
            [&b.digest],
            |r| r.get(0),
        )
        .optional()?;
    if let Some(receipt) = same {
        let receipt =
            serde_json::from_str(&receipt).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        return Ok(Stored::Again(receipt));
    }
    let clash: Option<String> = conn
        .query_row(
            "SELECT digest FROM bundles WHERE device = ?1 AND event = ?2 AND seq = ?3",
            params![b.device, b.event, b.seq],
            |r| r.get(0),
        )
        .optional()?;
    if let Some(existing) = clash {
        return Ok(Stored::Conflict { existing });
    }
    conn.execute(
        "INSERT INTO bundles
         (digest, device, event, seq, test, received, receipt, summary, bytes)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        params![
            b.digest,
            b.device,
            b.event,
            b.seq,
            b.test,
            b.received,
            serde_json::to_string(&b.receipt).expect("receipts always serialise"),
            b.summary,
            b.bytes
        ],
    )?;
    Ok(Stored::New(b.receipt.clone()))
}

fn bundle_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<BundleRow> {
    Ok(BundleRow {
        digest: r.get(0)?,
        device: r.get(1)?,
        event: r.get(2)?,
        seq: r.get::<_, i64>(3)?.try_into().unwrap_or(0),
        test: r.get(4)?,
        received: r.get(5)?,
    })
}

#[cfg(test)]
mod tests {
    use urne_core::crypto::SecretKey;
    use urne_core::ids::EventId;
    use urne_core::timestamp::Timestamp;

    use super::*;
    use urne_codec::receipt::{RECEIPT_FORMAT, Receipt};

    fn receipt(
        registry: &SecretKey,
        digest: Sha256Digest,
        device: Fingerprint,
        seq: u64,
    ) -> SignedReceipt {
        SignedReceipt::sign(
            &Receipt {
                format: RECEIPT_FORMAT.into(),
                bundle: digest,
                device,
                event: EventId::new("assemblee").unwrap(),
                seq,
                received: Timestamp(0),
                registry: registry.public().fingerprint(),
            },
            registry,
        )
    }

    /// Eight threads store at once through the group commit: every bundle is stored exactly
    /// once, a bundle sent twice at the same time gets the first receipt again, and another
    /// bundle with the same device and sequence number is a conflict.
    #[test]
    fn the_group_commit_stores_each_bundle_once_and_answers_each_upload() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(&dir.path().join("r.sqlite")).unwrap();
        let registry = SecretKey::from_seed(&[3; 32]);
        let devices: Vec<SecretKey> = (0..8u8)
            .map(|i| SecretKey::from_seed(&[i + 10; 32]))
            .collect();
        for d in &devices {
            store.enrol("kiosque", &d.public()).unwrap();
        }
        let outcomes = Mutex::new(Vec::new());
        std::thread::scope(|scope| {
            for (t, device) in devices.iter().enumerate() {
                let (store, registry, outcomes, first) = (
                    &store,
                    &registry,
                    &outcomes,
                    devices[0].public().fingerprint(),
                );
                scope.spawn(move || {
                    let fp = device.public().fingerprint();
                    for seq in 1..=40u64 {
                        // Threads 0 and 1 send the same 40 bundles (same device, same bytes).
                        let owner = if t == 1 { 0 } else { t };
                        let bytes = format!("bundle {owner} {seq}").into_bytes();
                        let fp = if t == 1 { first } else { fp };
                        let digest = Sha256Digest::of(&bytes);
                        let r = receipt(registry, digest, fp, seq);
                        let outcome = store
                            .store(&NewBundle {
                                digest: &digest,
                                device: &fp,
                                event: "assemblee",
                                seq,
                                test: false,
                                bytes: &bytes,
                                receipt: &r,
                                received: "2026-12-05T20:00:00Z",
                                summary: "{}",
                            })
                            .unwrap();
                        outcomes.lock().unwrap().push((owner, seq, outcome));
                    }
                });
            }
        });
        let outcomes = outcomes.into_inner().unwrap();
        assert_eq!(store.bundle_count().unwrap(), 7 * 40);
        let new = outcomes
            .iter()
            .filter(|(_, _, o)| matches!(o, Stored::New(_)))
            .count();
        let again = outcomes
            .iter()
            .filter(|(_, _, o)| matches!(o, Stored::Again(_)))
            .count();
        assert_eq!((new, again), (7 * 40, 40));
        // Both senders of a duplicated bundle hold the same receipt.
        for seq in 1..=40 {
            let receipts: Vec<&SignedReceipt> = outcomes
                .iter()
                .filter(|(owner, s, _)| *owner == 0 && *s == seq)
                .map(|(_, _, o)| match o {
                    Stored::New(r) | Stored::Again(r) => r,
                    Stored::Conflict { .. } => panic!("no conflict expected"),
                })
                .collect();
            assert_eq!(receipts.len(), 2);
            assert_eq!(receipts[0], receipts[1]);
        }
        // A different bundle with a stored device and sequence number.
        let fp = devices[2].public().fingerprint();
        let digest = Sha256Digest::of(b"another bundle");
        let r = receipt(&registry, digest, fp, 7);
        let clash = store
            .store(&NewBundle {
                digest: &digest,
                device: &fp,
                event: "assemblee",
                seq: 7,
                test: false,
                bytes: b"another bundle",
                receipt: &r,
                received: "2026-12-05T20:00:00Z",
                summary: "{}",
            })
            .unwrap();
        assert!(matches!(clash, Stored::Conflict { .. }));
        assert_eq!(store.bundle_count().unwrap(), 7 * 40);
    }
}
