//! Organiser authentication: the PIN (an Argon2id hash in the store), its lockout after wrong
//! tries, and organiser mode unlocked for one organiser badge at a time.
//!
//! [`OrganiserAuth`] is the one place that knows whether organiser mode is unlocked; the screens
//! learn it from the controller's answers and hold no copy of their own. The PIN's hash and the
//! count of wrong tries live in the store, so that a restart forgets the session but not a
//! lockout. Wrong tries are counted per organiser badge: someone who photographed one badge and
//! guesses PINs locks that badge out, not the event's other organisers.

use subtle::ConstantTimeEq as _;
use urne_core::audit::AuditEvent;
use urne_core::ids::MemberId;
use urne_core::timestamp::Timestamp;

use super::{Kiosk, KioskError, PinResetProblem, random_bytes};
use crate::clock::Clock;
use crate::store::{Store, StoreError};

const SETTING_PIN: &str = "organiser_pin";
/// The wrong tries of each organiser badge: a JSON object from the badge id to its count of
/// consecutive failures and the time of the last one.
const SETTING_PIN_FAILURES: &str = "organiser_pin_failures_by_badge";
/// Before wrong tries were counted per badge: one count for all, cleared with the next PIN.
const OLD_SETTING_PIN_FAILURES: &str = "organiser_pin_failures";
const OLD_SETTING_PIN_LAST_FAILURE: &str = "organiser_pin_last_failure";

/// A badge's consecutive wrong PINs and the time of the last one.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
struct Failures {
    count: u32,
    last: i64,
}

type FailureBook = std::collections::BTreeMap<String, Failures>;

fn failure_book(store: &Store) -> Result<FailureBook, StoreError> {
    // An unreadable book (a card edited by hand) counts as empty, and the next failure rewrites
    // it: a kiosk must not lock every organiser out over a damaged setting.
    Ok(store
        .setting(SETTING_PIN_FAILURES)?
        .and_then(|text| serde_json::from_str(&text).ok())
        .unwrap_or_default())
}

/// Digits in the organiser PIN.
pub const PIN_LENGTH: usize = 6;

/// The answer to a PIN.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PinOutcome {
    /// Organiser mode is unlocked.
    Unlocked,
    /// Wrong PIN; consecutive failures so far.
    Wrong {
        /// Failures so far.
        failures: u32,
    },
    /// Too many wrong PINs: no PIN is checked before this many seconds have passed.
    LockedOut {
        /// Seconds left.
        seconds: u64,
    },
}

/// Wrong PINs allowed before each further try has to wait.
pub const PIN_FREE_TRIES: u32 = 5;

/// How long to wait after `failures` consecutive wrong PINs: nothing for the first five, then
/// 30 s, doubling with each further failure, at most an hour.
pub fn pin_delay(failures: u32) -> u64 {
    if failures < PIN_FREE_TRIES {
        return 0;
    }
    let doublings = (failures - PIN_FREE_TRIES).min(7);
    (30u64 << doublings).min(3600)
}

/// Whether `pin` has the PIN's shape: six ASCII digits.
pub(super) fn well_formed(pin: &str) -> bool {
    pin.len() == PIN_LENGTH && pin.bytes().all(|b| b.is_ascii_digit())
}

/// Organiser mode: which organiser badge unlocked it, if any.
#[derive(Debug, Default)]
pub(super) struct OrganiserAuth {
    unlocked: Option<MemberId>,
}

impl OrganiserAuth {
    /// The settings that store a new PIN and clear the count of wrong tries, to be written in
    /// one transaction (with the first-boot setup's other values, or on their own).
    pub(super) fn new_pin_settings(pin: &str) -> [(&'static str, Option<String>); 4] {
        [
            (SETTING_PIN, Some(pin_record(pin))),
            (SETTING_PIN_FAILURES, None),
            (OLD_SETTING_PIN_FAILURES, None),
            (OLD_SETTING_PIN_LAST_FAILURE, None),
        ]
    }

    /// Whether a PIN has been set.
    pub(super) fn has_pin(store: &Store) -> Result<bool, StoreError> {
        Ok(store.setting(SETTING_PIN)?.is_some())
    }

    /// Checks `pin` for `organiser` (an organiser of the event): unlocks when right. Every
    /// failure and every unlock is audited.
    pub(super) fn unlock(
        &mut self,
        store: &mut Store,
        organiser: MemberId,
        pin: &str,
        now: Timestamp,
    ) -> Result<PinOutcome, KioskError> {
        let stored = store.setting(SETTING_PIN)?.ok_or(KioskError::Locked)?;
        let mut book = failure_book(store)?;
        let badge = organiser.to_string();
        let before = book.get(&badge).copied().unwrap_or_default();
        // After five wrong PINs each try of this badge waits longer: a 6-digit PIN cannot be
        // guessed at the kiosk in an evening.
        let ready_at = before
            .last
            .saturating_add(i64::try_from(pin_delay(before.count)).unwrap_or(i64::MAX));
        if now.0 < ready_at {
            return Ok(PinOutcome::LockedOut {
                seconds: u64::try_from(ready_at - now.0).unwrap_or(0),
            });
        }
        if matches_record(&stored, pin) {
            if book.remove(&badge).is_some() {
                store.set_setting(SETTING_PIN_FAILURES, &book_text(&book))?;
            }
            store.audit(now, AuditEvent::OrganiserUnlocked { organiser })?;
            self.unlocked = Some(organiser);
            Ok(PinOutcome::Unlocked)
        } else {
            let failures = before.count.saturating_add(1);
            book.insert(
                badge,
                Failures {
                    count: failures,
                    last: now.0,
                },
            );
            store.set_setting(SETTING_PIN_FAILURES, &book_text(&book))?;
            store.audit(
                now,
                AuditEvent::PinRejected {
                    organiser,
                    failures,
                },
            )?;
            Ok(PinOutcome::Wrong { failures })
        }
    }

    /// Leaves organiser mode.
    pub(super) fn lock(&mut self) {
        self.unlocked = None;
    }

    /// The organiser who unlocked organiser mode, if it is unlocked.
    pub(super) fn unlocked(&self) -> Option<MemberId> {
        self.unlocked
    }

    /// Refuses unless organiser mode is unlocked.
    pub(super) fn require(&self) -> Result<MemberId, KioskError> {
        self.unlocked.ok_or(KioskError::Locked)
    }
}

impl Kiosk {
    /// Sets the organiser PIN (6 digits), stored as an Argon2id hash.
    pub fn set_pin(&mut self, pin: &str) -> Result<(), KioskError> {
        let values = OrganiserAuth::new_pin_settings(pin);
        let values: Vec<(&str, Option<&str>)> =
            values.iter().map(|(k, v)| (*k, v.as_deref())).collect();
        self.store.set_settings(&values)?;
        Ok(())
    }

    /// Changes the organiser PIN from organiser mode (the settings page): the new PIN replaces
    /// the old one, every badge's count of wrong tries is cleared, and the change is audited,
    /// in one transaction. The session stays unlocked.
    pub fn change_pin(&mut self, pin: &str) -> Result<(), KioskError> {
        let organiser = self.auth.require()?;
        self.store_new_pin(pin, AuditEvent::PinChanged { organiser })
    }

    /// Stores a new PIN (six digits) with the wrong tries cleared and `event` audited, in one
    /// transaction.
    fn store_new_pin(&mut self, pin: &str, event: AuditEvent) -> Result<(), KioskError> {
        if !well_formed(pin) {
            return Err(KioskError::Setting(super::SettingProblem::Pin));
        }
        let values = OrganiserAuth::new_pin_settings(pin);
        let values: Vec<(&str, Option<&str>)> =
            values.iter().map(|(k, v)| (*k, v.as_deref())).collect();
        self.store
            .set_settings_audited(&values, vec![event], self.clock.now())?;
        Ok(())
    }

    /// Checks a PIN recovery order scanned on the PIN page: signed by the organiser key this
    /// kiosk pinned, for this kiosk, and not used here before. Changes nothing.
    pub fn check_pin_reset(&self, order: &str) -> Result<(), KioskError> {
        self.pin_reset_order(order).map(|_| ())
    }

    /// Replaces a forgotten PIN with `pin` on the strength of a PIN recovery order (see
    /// [`urne_core::recovery`]): the new PIN, every badge's wrong tries cleared, and the order
    /// recorded as used, in one transaction. Organiser mode stays locked: the organiser then
    /// types the new PIN after their badge.
    pub fn reset_pin(&mut self, order: &str, pin: &str) -> Result<(), KioskError> {
        let reset = self.pin_reset_order(order)?;
        self.store_new_pin(
            pin,
            AuditEvent::PinReset {
                organiser: reset.organiser,
                order: hex::encode(reset.nonce),
            },
        )?;
        tracing::info!("the organiser PIN was replaced with a recovery order");
        Ok(())
    }

    fn pin_reset_order(&self, order: &str) -> Result<urne_core::recovery::PinReset, KioskError> {
        let organiser = self
            .pinned_organiser()?
            .ok_or(KioskError::PinReset(PinResetProblem::NoOrganiser))?;
        let reset = urne_core::recovery::verify(order, &organiser, &self.device_fingerprint())
            .map_err(|e| KioskError::PinReset(e.into()))?;
        let nonce = hex::encode(reset.nonce);
        let used = self
            .store
            .audit_chain()?
            .iter()
            .any(|e| matches!(&e.event, AuditEvent::PinReset { order, .. } if *order == nonce));
        if used {
            return Err(KioskError::PinReset(PinResetProblem::Used));
        }
        Ok(reset)
    }

    /// Whether a PIN has been set.
    pub fn has_pin(&self) -> Result<bool, KioskError> {
        Ok(OrganiserAuth::has_pin(&self.store)?)
    }

    /// Checks the PIN for an organiser badge; unlocks organiser mode when right. Every failure
    /// and every unlock is audited.
    pub fn unlock(&mut self, organiser: &MemberId, pin: &str) -> Result<PinOutcome, KioskError> {
        if self.loaded()?.package.event.organiser(organiser).is_none() {
            return Err(KioskError::Locked);
        }
        let now = self.clock.now();
        self.auth.unlock(&mut self.store, *organiser, pin, now)
    }

    /// Leaves organiser mode.
    pub fn lock(&mut self) {
        self.auth.lock();
        // A count left half-way is started again from the first share.
        self.forget_shares();
    }

    /// Whether organiser mode is unlocked.
    pub fn is_unlocked(&self) -> bool {
        self.auth.unlocked().is_some()
    }

    /// Refuses unless organiser mode is unlocked.
    pub(super) fn require_organiser(&self) -> Result<(), KioskError> {
        self.auth.require().map(|_| ())
    }
}

fn book_text(book: &FailureBook) -> String {
    serde_json::to_string(book).expect("a map of counts always serialises")
}

/// `salt$hash` in hexadecimal, as stored.
fn pin_record(pin: &str) -> String {
    let salt: [u8; 16] = random_bytes();
    format!(
        "{}${}",
        hex::encode(salt),
        hex::encode(pin_hash(pin, &salt))
    )
}

/// Whether `pin` is well formed and hashes to the stored `salt$hash`.
fn matches_record(record: &str, pin: &str) -> bool {
    record
        .split_once('$')
        .and_then(|(salt, hash)| Some((hex::decode(salt).ok()?, hex::decode(hash).ok()?)))
        .is_some_and(|(salt, hash)| {
            // Compared in constant time: how long a wrong PIN takes says nothing of how much of
            // its hash matched.
            well_formed(pin) && bool::from(pin_hash(pin, &salt).as_slice().ct_eq(hash.as_slice()))
        })
}

fn pin_hash(pin: &str, salt: &[u8]) -> [u8; 32] {
    let mut out = [0u8; 32];
    // Argon2id with its default cost (19 MiB, 2 passes): a few tens of milliseconds on a Pi, so
    // that a copied database does not give the PIN away instantly.
    argon2::Argon2::default()
        .hash_password_into(pin.as_bytes(), salt, &mut out)
        .expect("a 16-byte salt and 32-byte output are valid Argon2 parameters");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pin_delay_starts_after_five_wrong_tries_and_doubles_up_to_an_hour() {
        let delays: Vec<u64> = (0..14).map(pin_delay).collect();
        assert_eq!(
            delays,
            [0, 0, 0, 0, 0, 30, 60, 120, 240, 480, 960, 1920, 3600, 3600]
        );
        assert_eq!(pin_delay(u32::MAX), 3600);
    }

    #[test]
    fn a_stored_pin_matches_itself_only() {
        let record = pin_record("482913");
        assert!(matches_record(&record, "482913"));
        assert!(!matches_record(&record, "482914"));
        assert!(!matches_record(&record, "48291"));
        assert!(!matches_record("not a record", "482913"));
    }
}
