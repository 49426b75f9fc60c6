//! Why the registry refuses a request ([`Refusal`]), each with a fixed code, and how refusals
//! are kept for the operator: a refusal before authentication is an attacker's text as much as a
//! kiosk's mistake, so what is stored and logged is its code and at most
//! [`STORED_REASON_CHARS`] characters with control characters escaped, under a rate; the
//! refusals over the rate are counted, and their number is recorded when the rate allows again.

use std::sync::Mutex;
use std::time::Instant;

use urne_codec::tarball::TarError;
use urne_core::archive::ArchiveError;
use urne_core::crypto::Fingerprint;
use urne_core::package::PackageError;
use urne_core::results::ResultsError;
use urne_core::untrusted;

use crate::limits::{Bucket, Limits};
use crate::store::RegistryStore;

/// A stored or logged reason holds at most this many characters after its code.
pub const STORED_REASON_CHARS: usize = 200;

/// What an upload is, in a refusal's words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Upload {
    /// A results bundle from a kiosk.
    Bundle,
    /// An event package from an organiser.
    Package,
}

impl std::fmt::Display for Upload {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Upload::Bundle => "bundle",
            Upload::Package => "package",
        })
    }
}

/// Why the registry refused a request, in words an operator can act on (its `Display`, given
/// back to the client).
#[derive(Debug, thiserror::Error)]
pub enum Refusal {
    /// The upload is not a tar file, or a hostile one.
    #[error("not a {what}: {error}")]
    NotATar {
        /// Bundle or package.
        what: Upload,
        /// What the container reader found.
        error: TarError,
    },
    /// The tar file is not byte for byte the one Urne writes.
    #[error("not a {what} as Urne writes it (the tar container was altered)")]
    NotCanonical {
        /// Bundle or package.
        what: Upload,
    },
    /// The bundle's signature, hashes or layout do not hold.
    #[error("{0}")]
    Archive(ArchiveError),
    /// The bundle's content does not hold: audit chain, ballots, re-count.
    #[error("{0}")]
    Content(ResultsError),
    /// The package's signature, hashes or content do not hold.
    #[error("{0}")]
    Package(PackageError),
    /// The bundle's signer is not an enrolled kiosk.
    #[error("device {0} is not enrolled at this registry (urne-registry enrol)")]
    DeviceNotEnrolled(Fingerprint),
    /// The bundle's signer was revoked by the operator.
    #[error(
        "device {device} was revoked at this registry on {at}: nothing it signs is accepted (a kiosk comes back with a new key, enrolled again)"
    )]
    DeviceRevoked {
        /// The kiosk.
        device: Fingerprint,
        /// When it was revoked.
        at: String,
    },
    /// A kiosk sent more bundles than its rate allows.
    #[error("device {device} sent more than {per_minute} bundles a minute; try again later")]
    DeviceTooFast {
        /// The kiosk.
        device: Fingerprint,
        /// Its sustained rate.
        per_minute: u32,
    },
    /// The kiosk is enrolled, but not assigned to this event.
    #[error(
        "kiosk {device} is not assigned to event {event} (urne-registry assign --event {event} --device {device})"
    )]
    NotAssigned {
        /// The kiosk.
        device: Fingerprint,
        /// The event.
        event: String,
    },
    /// A sequence number the store cannot hold (above 2^63 − 1): no kiosk counts that far.
    #[error("the bundle's sequence number {0} is too large")]
    SequenceTooLarge(u64),
    /// No organiser key is enrolled for the bundle's event.
    #[error("event {0} is not enrolled at this registry (urne-registry enrol-organiser)")]
    EventNotEnrolled(String),
    /// The kiosk ran a package signed by a key not enrolled for the event.
    #[error(
        "the kiosk ran a package of event {event} signed by {signer}, which is not an organiser key enrolled for this event"
    )]
    ForeignPackage {
        /// The event.
        event: String,
        /// The package's signer.
        signer: Fingerprint,
    },
    /// The kiosk already sent another bundle with this sequence number.
    #[error(
        "device {device} already sent a different bundle ({existing}) with sequence number {seq}"
    )]
    Conflict {
        /// The kiosk.
        device: Fingerprint,
        /// The digest of the bundle stored first.
        existing: String,
        /// The sequence number.
        seq: u64,
    },
    /// The package's signer is not enrolled for its event.
    #[error(
        "organiser key {organiser} is not enrolled for event {event} (urne-registry enrol-organiser)"
    )]
    OrganiserNotEnrolled {
        /// The signer.
        organiser: Fingerprint,
        /// The event.
        event: String,
    },
    /// An organiser published more packages than its rate allows.
    #[error("too many packages published a minute; try again later")]
    OrganiserTooFast,
    /// A package request's challenge is missing, not this registry's, or expired.
    #[error(
        "the challenge is missing, was not issued to this device, was used already or expired: ask /api/v1/challenge again"
    )]
    StaleChallenge,
    /// A package request names no device.
    #[error("the device fingerprint is not 64 hexadecimal digits")]
    BadFingerprint,
    /// A package request comes from a kiosk not enrolled here.
    #[error("device {0} is not enrolled at this registry")]
    UnknownDevice(Fingerprint),
    /// A package request's signature is not base64.
    #[error("the signature is not base64")]
    SignatureNotBase64,
    /// A package request is not signed by the device it names.
    #[error("the request's signature does not match the device key")]
    BadSignature,
    /// No package has been published for the event asked.
    #[error("no package has been published for event {0}")]
    NoPackage(String),
    /// The registry knows no such event.
    #[error("the registry knows no event {0}")]
    UnknownEvent(String),
    /// The registry's storage failed: nothing is wrong with the request.
    #[error("the registry's storage failed; try again later")]
    Storage,
}

impl Refusal {
    /// The refusal's fixed code: what the operator filters on and what a client may match, in
    /// the JSON answer's `code` and before each stored reason.
    pub fn code(&self) -> &'static str {
        match self {
            Refusal::NotATar { .. } => "not-a-tar",
            Refusal::NotCanonical { .. } => "not-canonical",
            Refusal::Archive(_) => "archive",
            Refusal::Content(_) => "content",
            Refusal::Package(_) => "package",
            Refusal::DeviceNotEnrolled(_) => "device-not-enrolled",
            Refusal::DeviceRevoked { .. } => "device-revoked",
            Refusal::DeviceTooFast { .. } => "device-too-fast",
            Refusal::SequenceTooLarge(_) => "sequence-too-large",
            Refusal::NotAssigned { .. } => "not-assigned",
            Refusal::EventNotEnrolled(_) => "event-not-enrolled",
            Refusal::ForeignPackage { .. } => "foreign-package",
            Refusal::Conflict { .. } => "conflict",
            Refusal::OrganiserNotEnrolled { .. } => "organiser-not-enrolled",
            Refusal::OrganiserTooFast => "organiser-too-fast",
            Refusal::StaleChallenge => "stale-challenge",
            Refusal::BadFingerprint => "bad-fingerprint",
            Refusal::UnknownDevice(_) => "unknown-device",
            Refusal::SignatureNotBase64 => "signature-not-base64",
            Refusal::BadSignature => "bad-signature",
            Refusal::NoPackage(_) => "no-package",
            Refusal::UnknownEvent(_) => "unknown-event",
            Refusal::Storage => "storage",
        }
    }

    /// What is stored and logged of the refusal: its code, then its text escaped and cut.
    pub fn recorded(&self) -> String {
        format!(
            "{}: {}",
            self.code(),
            untrusted::shown(&self.to_string(), STORED_REASON_CHARS)
        )
    }
}

/// The refusals kept for the operator, under a rate shared by every sender: a flood of hostile
/// uploads writes at most the burst, then a row a second or so, and one row that counts the rest.
#[derive(Debug)]
pub(crate) struct RefusalLog {
    per_second: f64,
    burst: f64,
    state: Mutex<LogState>,
}

#[derive(Debug)]
struct LogState {
    bucket: Bucket,
    /// Refusals over the rate since the last one recorded.
    unrecorded: u64,
}

impl RefusalLog {
    pub(crate) fn new(limits: &Limits) -> Self {
        let burst = f64::from(limits.refusal_burst.max(1));
        Self {
            per_second: f64::from(limits.refusals_per_minute) / 60.0,
            burst,
            state: Mutex::new(LogState {
                bucket: Bucket::full(burst, Instant::now()),
                unrecorded: 0,
            }),
        }
    }

    /// Stores and logs `refusal` if the rate allows, else counts it. Best effort: the answer to
    /// the client matters more than the record.
    pub(crate) fn record(
        &self,
        store: &dyn RegistryStore,
        device: Option<&Fingerprint>,
        refusal: &Refusal,
        at: &str,
    ) {
        let unrecorded = {
            let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
            if !state
                .bucket
                .take(Instant::now(), self.per_second, self.burst)
            {
                state.unrecorded += 1;
                return;
            }
            std::mem::take(&mut state.unrecorded)
        };
        if unrecorded > 0 {
            let note = format!(
                "over-rate: {unrecorded} refusals were not recorded one by one (more than the {} a minute this registry records)",
                (self.per_second * 60.0).round()
            );
            tracing::warn!(unrecorded, "refusals over the rate were not recorded");
            if let Err(e) = store.record_refusal(None, &note, at) {
                tracing::error!(error = %e, "cannot record a refusal");
            }
        }
        let reason = refusal.recorded();
        tracing::warn!(
            code = refusal.code(),
            device = device.map(|d| d.to_hex()),
            reason = %reason,
            "request refused"
        );
        if let Err(e) = store.record_refusal(device, &reason, at) {
            tracing::error!(error = %e, "cannot record a refusal");
        }
    }
}
