//! The registry's storage, behind a trait so that a PostgreSQL backend can take over from the
//! default SQLite file ([`sqlite`]) when one machine is not enough: what each backend keeps and
//! the rows it gives back.

use urne_core::crypto::{Fingerprint, PublicKey, Sha256Digest};

use urne_codec::protocol::EventListing;
use urne_codec::receipt::SignedReceipt;

/// A storage failure.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database refused.
    #[error("registry database: {0}")]
    Db(#[from] rusqlite::Error),
    /// The transaction holding a bundle could not be committed.
    #[error("registry database: the write could not be committed: {0}")]
    Commit(String),
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
    /// Set once the operator revoked it: nothing it signs is accepted from then on, and what it
    /// sent before is no longer shown as results.
    pub revoked: Option<Revocation>,
}

/// What [`RegistryStore::revoke`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Revoked {
    /// The device as it now stands.
    pub device: Device,
    /// Whether this call revoked it (false: it already was).
    pub now: bool,
}

/// Why and when a device was revoked (`urne-registry revoke-device`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Revocation {
    /// When (RFC 3339).
    pub at: String,
    /// The operator's reason (« clé copiée », « kiosque volé »).
    pub reason: String,
}

/// An organiser key enrolled for one event: packages it signs may be published, and bundles of
/// kiosks that ran one of its packages may be uploaded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Organiser {
    /// The event.
    pub event: String,
    /// A label chosen at enrolment (« bureau de l'assemblée de Bellevue »).
    pub label: String,
    /// Its public key.
    pub key: PublicKey,
}

/// A package to publish.
#[derive(Debug, Clone)]
pub struct NewPackage<'a> {
    /// SHA-256 of the `.urnepkg` file.
    pub digest: &'a Sha256Digest,
    /// The event.
    pub event: &'a str,
    /// Title, place and date, for the events list.
    pub title: &'a str,
    /// Where.
    pub place: &'a str,
    /// When (`YYYY-MM-DD`).
    pub date: &'a str,
    /// The organiser key that signed it.
    pub organiser: &'a Fingerprint,
    /// When it was signed (RFC 3339): the newest signature is the one kiosks fetch.
    pub created: &'a str,
    /// When it arrived (RFC 3339).
    pub received: &'a str,
    /// The file.
    pub bytes: &'a [u8],
}

/// How many refusals a store keeps: the newest. With reasons cut at 200 characters, the table
/// stays under a few megabytes whatever is sent.
pub const KEPT_REFUSALS: u32 = 10_000;

/// A refused upload, for the operator.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RefusalRow {
    /// When (RFC 3339).
    pub at: String,
    /// The device, when the bundle named one.
    pub device: Option<String>,
    /// Why.
    pub reason: String,
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
    /// What the results pages show, worked out once at upload (JSON of
    /// [`crate::model::BundleSummary`]).
    pub summary: &'a str,
}

/// The registry's storage.
pub trait RegistryStore: Send + Sync {
    /// Enrols (or relabels) a device.
    fn enrol(&self, label: &str, key: &PublicKey) -> Result<(), StoreError>;
    /// The enrolled device with this fingerprint, revoked or not. Read from the storage on every
    /// call: a revocation made by another process is seen on the next request.
    fn device(&self, fingerprint: &Fingerprint) -> Result<Option<Device>, StoreError>;
    /// Keeps a package challenge issued to `device` at `issued` (Unix seconds), forgetting the
    /// challenges issued before `expired_before` and all but the `keep` newest of the device.
    fn issue_challenge(
        &self,
        nonce: &str,
        device: &Fingerprint,
        issued: i64,
        expired_before: i64,
        keep: u32,
    ) -> Result<(), StoreError>;
    /// Uses up a challenge: true if `nonce` was issued to `device` no earlier than
    /// `issued_after` and not used yet. It is forgotten either way.
    fn take_challenge(
        &self,
        nonce: &str,
        device: &Fingerprint,
        issued_after: i64,
    ) -> Result<bool, StoreError>;
    /// Every enrolled device, by label then fingerprint.
    fn devices(&self) -> Result<Vec<Device>, StoreError>;
    /// Revokes a device for good (enrolling its key again does not lift it: a kiosk comes back
    /// with a new key). `None` if it was never enrolled. A device already revoked keeps its
    /// first revocation.
    fn revoke(
        &self,
        fingerprint: &Fingerprint,
        reason: &str,
        at: &str,
    ) -> Result<Option<Revoked>, StoreError>;
    /// Stores a bundle exactly once.
    fn store(&self, bundle: &NewBundle<'_>) -> Result<Stored, StoreError>;
    /// Records a refused upload (for the operator), keeping only the newest [`KEPT_REFUSALS`].
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
    /// Assigns an enrolled kiosk to an event: it may fetch the event's package and send its
    /// results. `false` when it already was.
    fn assign(&self, event: &str, device: &Fingerprint, at: &str) -> Result<bool, StoreError>;
    /// Withdraws an assignment; `false` when there was none.
    fn unassign(&self, event: &str, device: &Fingerprint) -> Result<bool, StoreError>;
    /// Whether a kiosk is assigned to an event (asked on every request: no cache).
    fn is_assigned(&self, event: &str, device: &Fingerprint) -> Result<bool, StoreError>;
    /// The kiosks assigned to an event, by fingerprint.
    fn assignments(&self, event: &str) -> Result<Vec<Fingerprint>, StoreError>;
    /// Enrols an organiser key for an event (or relabels it).
    fn enrol_organiser(&self, event: &str, label: &str, key: &PublicKey) -> Result<(), StoreError>;
    /// The organiser keys enrolled for an event.
    fn organisers(&self, event: &str) -> Result<Vec<Organiser>, StoreError>;
    /// Publishes a package; `false` when this very file was already published.
    fn publish_package(&self, package: &NewPackage<'_>) -> Result<bool, StoreError>;
    /// Every published package of an event, newest first (their bytes).
    fn packages(&self, event: &str) -> Result<Vec<Vec<u8>>, StoreError>;
    /// The newest published package of an event: (digest, bytes).
    fn package(&self, event: &str) -> Result<Option<(String, Vec<u8>)>, StoreError>;
    /// Every event with an enrolled organiser key, by date then id.
    fn events(&self) -> Result<Vec<EventListing>, StoreError>;
    /// The stored summaries of an event's bundles: (row, summary JSON), by device then sequence.
    fn event_bundles(&self, event: &str) -> Result<Vec<(BundleRow, String)>, StoreError>;
    /// The refusals, newest first (at most `limit`).
    fn refusals(&self, limit: u32) -> Result<Vec<RefusalRow>, StoreError>;
    /// How many bundles are stored (the mutation tests compare it before and after).
    fn bundle_count(&self) -> Result<u64, StoreError>;
}

mod sqlite;

pub use sqlite::SqliteStore;
