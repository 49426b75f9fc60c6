//! Settings (the organiser's choices, the PIN's hash, the pinned organiser key) and the event
//! package the kiosk holds.

use rusqlite::{OptionalExtension, params};
use urne_core::audit::AuditEvent;
use urne_core::timestamp::Timestamp;

use super::{Store, StoreError, write_settings};

impl Store {
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
}
