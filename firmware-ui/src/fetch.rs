//! The registry as a second source of event packages, beside the USB stick: looks up the
//! registry's events that have a published package, and downloads one.
//!
//! Each request runs on a short-lived thread of its own with a small tokio runtime (as the
//! upload loop does), so that neither the screen nor the kiosk's worker waits on the network: a
//! voter scanning a badge while a slow download is under way is served at once.
//!
//! The registry only carries bytes. A downloaded package is verified and described exactly as
//! a package found on the stick ([`describe_package`]) and loaded under the same rules
//! ([`crate::kiosk::Kiosk::load_package_from_registry`]).

use std::future::Future;
use std::sync::Arc;

use urne_codec::protocol::EventListing;
use urne_core::crypto::{Fingerprint, SecretKey};
use urne_sync::uploader::{UploadError, Uploader};

use crate::kiosk::{OfferInfo, PackageProblem, describe_package};

/// Why the registry gave no list or no package. Nothing on the kiosk changed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FetchError {
    /// Neither the settings page nor the kiosk's start (`--registry`) gave an address.
    #[error("no registry address is set (settings page, or --registry at start)")]
    NoAddress,
    /// The registry could not be reached, or the connection dropped.
    #[error("the registry does not answer: {0}")]
    Unreachable(String),
    /// The registry answered with a failure of its own (5xx).
    #[error("the registry failed (HTTP {0}); try again later")]
    Server(u16),
    /// The registry does not know this kiosk's device key (403): its operator must enrol it.
    #[error("this kiosk ({device}) is not enrolled at the registry: {reason}")]
    NotEnrolled {
        /// The kiosk's device fingerprint, to give to the registry's operator.
        device: Fingerprint,
        /// The registry's words.
        reason: String,
    },
    /// The kiosk is enrolled, but its operator has not assigned it to this event (403
    /// `not-assigned`).
    #[error("this kiosk ({device}) is not assigned to this event at the registry: {reason}")]
    NotAssigned {
        /// The kiosk's device fingerprint, to give to the registry's operator.
        device: Fingerprint,
        /// The registry's words.
        reason: String,
    },
    /// No package is published for this event (404).
    #[error("no package is published for this event: {0}")]
    NoPackage(String),
    /// Any other refusal.
    #[error("the registry refused the request ({status}): {reason}")]
    Refused {
        /// HTTP status.
        status: u16,
        /// The registry's words.
        reason: String,
    },
    /// The kiosk could not start the request (no thread, no runtime).
    #[error("the request could not be started: {0}")]
    Failed(String),
}

impl FetchError {
    /// Transport failures and the registry's own failures, which say nothing about the request.
    fn common(e: UploadError) -> Result<(u16, String, Option<String>), Self> {
        match e {
            UploadError::Unreachable(why) => Err(FetchError::Unreachable(why)),
            UploadError::Server(status) => Err(FetchError::Server(status)),
            UploadError::Refused {
                status,
                reason,
                code,
            } => Ok((status, reason, code)),
            // Only uploads carry receipts; kept apart rather than assumed away.
            UploadError::BadReceipt(e) => Err(FetchError::Refused {
                status: 0,
                reason: e.to_string(),
            }),
            // The settings page refuses such an address; one set before that rule is refused
            // here, and said so.
            UploadError::Address(e) => Err(FetchError::Refused {
                status: 0,
                reason: e.to_string(),
            }),
        }
    }
}

/// A package downloaded from the registry, with what the kiosk's checks made of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fetched {
    /// The event asked for.
    pub event: String,
    /// The package's bytes, exactly as received (loading verifies them again).
    pub bytes: Vec<u8>,
    /// What it holds, or why the kiosk refuses it (as for a package on the stick).
    pub outcome: Result<OfferInfo, (PackageProblem, String)>,
}

/// The registry's events that have a published package, in the registry's order.
pub async fn events_with_packages(uploader: &Uploader) -> Result<Vec<EventListing>, FetchError> {
    match uploader.events().await {
        Ok(events) => Ok(events.into_iter().filter(|e| e.package.is_some()).collect()),
        Err(e) => {
            let (status, reason, _) = FetchError::common(e)?;
            Err(FetchError::Refused { status, reason })
        }
    }
}

/// Downloads `event`'s package, proving with `device` that this kiosk is enrolled, and checks
/// it as a package on the stick is checked (against the organiser key `pinned` on the kiosk).
pub async fn download(
    uploader: &Uploader,
    event: &str,
    device: &SecretKey,
    pinned: Option<Fingerprint>,
) -> Result<Fetched, FetchError> {
    match uploader.fetch_package(event, device).await {
        Ok(bytes) => {
            let outcome = describe_package(&bytes, pinned);
            if let Err((code, detail)) = &outcome {
                tracing::warn!(event, ?code, %detail, "package from the registry refused");
            }
            Ok(Fetched {
                event: event.to_owned(),
                bytes,
                outcome,
            })
        }
        Err(e) => {
            let (status, reason, code) = FetchError::common(e)?;
            Err(match status {
                403 if code.as_deref() == Some("not-assigned") => FetchError::NotAssigned {
                    device: device.public().fingerprint(),
                    reason,
                },
                403 => FetchError::NotEnrolled {
                    device: device.public().fingerprint(),
                    reason,
                },
                404 => FetchError::NoPackage(reason),
                _ => FetchError::Refused { status, reason },
            })
        }
    }
}

/// Looks up the events with a published package at the registry at `url`, on a thread of its
/// own; `deliver` receives the outcome there. Returns at once.
pub fn look_up_events(
    url: String,
    deliver: impl FnOnce(Result<Vec<EventListing>, FetchError>) + Send + 'static,
) -> std::io::Result<()> {
    run_detached("registry-events", deliver, async move {
        let uploader = Uploader::new(&url).map_err(|e| FetchError::Unreachable(e.to_string()))?;
        events_with_packages(&uploader).await
    })
}

/// Downloads and checks `event`'s package from the registry at `url`, on a thread of its own;
/// `deliver` receives the outcome there. Returns at once.
pub fn fetch_package(
    url: String,
    event: String,
    device: Arc<SecretKey>,
    pinned: Option<Fingerprint>,
    deliver: impl FnOnce(Result<Fetched, FetchError>) + Send + 'static,
) -> std::io::Result<()> {
    run_detached("registry-package", deliver, async move {
        let uploader = Uploader::new(&url).map_err(|e| FetchError::Unreachable(e.to_string()))?;
        download(&uploader, &event, &device, pinned).await
    })
}

/// Runs `work` to its end on a new thread with a current-thread runtime, then hands the
/// outcome to `deliver`. The thread is not joined: the HTTP client's timeouts bound it, and
/// an answer nobody waits for any more is simply dropped by its receiver.
fn run_detached<T: Send + 'static>(
    name: &str,
    deliver: impl FnOnce(Result<T, FetchError>) + Send + 'static,
    work: impl Future<Output = Result<T, FetchError>> + Send + 'static,
) -> std::io::Result<()> {
    std::thread::Builder::new()
        .name(name.into())
        .spawn(move || {
            let outcome = match tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            {
                Ok(runtime) => runtime.block_on(work),
                Err(e) => {
                    tracing::error!(error = %e, "no runtime for a registry request");
                    Err(FetchError::Failed(e.to_string()))
                }
            };
            deliver(outcome);
        })
        .map(|_| ())
}
