//! Exports as recorded, and the outbox of their uploads to the registry.

use rusqlite::types::{FromSql, FromSqlError, FromSqlResult, ToSql, ToSqlOutput, ValueRef};
use rusqlite::{OptionalExtension, params};
use urne_core::timestamp::Timestamp;

use super::{Store, StoreError};

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
    /// Where its upload stands.
    pub upload: UploadState,
}

/// Where an export's upload to the registry stands (the outbox's `state`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UploadState {
    /// Not accepted by the registry yet (never tried, or a transient failure).
    Pending,
    /// Accepted: the registry's receipt is kept.
    Synced,
    /// Refused by the registry, for good.
    Refused,
}

impl UploadState {
    /// The state as the outbox stores it.
    pub fn as_str(self) -> &'static str {
        match self {
            UploadState::Pending => "pending",
            UploadState::Synced => "synced",
            UploadState::Refused => "refused",
        }
    }
}

/// Compares with the state as stored (`pending`, `synced`, `refused`).
impl PartialEq<&str> for UploadState {
    fn eq(&self, stored: &&str) -> bool {
        self.as_str() == *stored
    }
}

impl ToSql for UploadState {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::from(self.as_str()))
    }
}

impl FromSql for UploadState {
    fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
        // The schema's CHECK allows these three only.
        [
            UploadState::Pending,
            UploadState::Synced,
            UploadState::Refused,
        ]
        .into_iter()
        .find(|s| value.as_str().is_ok_and(|v| v == s.as_str()))
        .ok_or(FromSqlError::InvalidType)
    }
}

impl Store {
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

    /// Records the outcome of an upload attempt: synced with the receipt, refused with the
    /// reason, or still pending after a transient failure.
    pub fn record_upload(
        &mut self,
        seq: u64,
        state: UploadState,
        detail: &str,
    ) -> Result<(), StoreError> {
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
