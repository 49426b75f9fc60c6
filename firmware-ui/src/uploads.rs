//! The upload loop: sends pending bundles from the outbox to the registry whenever it answers,
//! with exponential backoff and jitter, and records each signed receipt. It runs on its own
//! thread with its own short-lived database connections, so neither the UI nor the controller
//! waits on the network; each is opened behind the store's quiet gate, so that it pauses while
//! the kiosk empties the journal at a close; it resumes after a restart because the outbox is in
//! the store. A receipt counts only when signed by the registry key pinned at the setup (from
//! the registry's card): without that key nothing is sent, and a receipt under another key
//! leaves the bundle waiting — whoever answers at the registry's address is not trusted.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

use urne_core::crypto::Fingerprint;
use urne_sync::uploader::{UploadError, Uploader, backoff};

use crate::kiosk::{SETTING_REGISTRY_KEY, SETTING_REGISTRY_URL};
use crate::store::{QuietGate, Store, StoreError, UploadState};

/// What one pass over the outbox did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Pass {
    /// Bundles acknowledged by the registry.
    pub synced: usize,
    /// Bundles the registry refused for good.
    pub refused: usize,
    /// Bundles still waiting (the registry did not answer).
    pub waiting: usize,
}

/// The registry to send to: the address and key set on the settings page (or at the setup),
/// else the ones the kiosk was started with; the key is `None` when none was given.
type Target = (String, Option<Fingerprint>);

fn target(store: &Store, default: Option<&Target>) -> Result<Option<Target>, StoreError> {
    Ok(match store.setting(SETTING_REGISTRY_URL)? {
        Some(url) => Some((
            url,
            store
                .setting(SETTING_REGISTRY_KEY)?
                .and_then(|hex| Fingerprint::parse(&hex)),
        )),
        None => default.cloned(),
    })
}

/// Records what the registry answered for the bundle `seq`; returns whether to stop the pass
/// (the registry is not answering, or not with its key: the next bundles would fail the same
/// way).
fn record(
    store: &mut Store,
    seq: u64,
    outcome: Result<urne_codec::receipt::SignedReceipt, UploadError>,
    pass: &mut Pass,
) -> Result<bool, StoreError> {
    match outcome {
        Ok(receipt) => {
            store.record_upload(
                seq,
                UploadState::Synced,
                &serde_json::to_string(&receipt).unwrap_or_default(),
            )?;
            pass.synced += 1;
            Ok(false)
        }
        Err(e) if e.is_transient() => {
            tracing::info!(seq, error = %e, "registry unreachable; will retry");
            store.record_upload(seq, UploadState::Pending, &e.to_string())?;
            pass.waiting += 1;
            Ok(true)
        }
        Err(e @ UploadError::BadReceipt(_)) => {
            // Something answered at the registry's address without the registry's key (or
            // with a broken receipt): the bundle may not be stored, so it stays to send.
            tracing::warn!(seq, error = %e, "receipt not from the pinned registry key; will retry");
            store.record_upload(seq, UploadState::Pending, &e.to_string())?;
            pass.waiting += 1;
            Ok(true)
        }
        Err(e @ UploadError::Refused { .. }) => {
            tracing::warn!(seq, error = %e, "bundle refused by the registry");
            store.record_upload(seq, UploadState::Refused, &e.to_string())?;
            pass.refused += 1;
            Ok(false)
        }
        Err(e) => {
            store.record_upload(seq, UploadState::Pending, &e.to_string())?;
            pass.waiting += 1;
            Ok(false)
        }
    }
}

/// Tries once to upload every pending bundle, on the caller's connection, taking only
/// receipts signed by the registry key `registry`.
pub async fn upload_pending(
    store: &mut Store,
    uploader: &Uploader,
    registry: &Fingerprint,
) -> Result<Pass, StoreError> {
    let mut pass = Pass::default();
    for (seq, bytes) in store.pending_uploads()? {
        let outcome = uploader.upload(bytes, Some(registry)).await;
        if record(store, seq, outcome, &mut pass)? {
            break;
        }
    }
    Ok(pass)
}

/// Runs `f` on a connection of its own, opened and closed while the quiet gate is held for
/// reading: never while the kiosk empties the journal at a close, and never across a wait on
/// the network.
fn with_store<T>(
    database: &Path,
    gate: &QuietGate,
    f: impl FnOnce(&mut Store) -> Result<T, StoreError>,
) -> Result<T, StoreError> {
    let _reading = gate
        .read()
        .map_err(|_| StoreError::Other("the kiosk's store panicked".into()))?;
    let mut store = Store::open(database)?;
    f(&mut store)
}

/// One pass of the loop: the outbox read, each bundle sent, each answer recorded, every
/// database access behind the quiet gate.
async fn gated_pass(
    database: &Path,
    gate: &QuietGate,
    uploader: &Uploader,
    registry: &Fingerprint,
) -> Result<Pass, StoreError> {
    let mut pass = Pass::default();
    let pending = with_store(database, gate, |s| s.pending_uploads())?;
    for (seq, bytes) in pending {
        let outcome = uploader.upload(bytes, Some(registry)).await;
        let stop = with_store(database, gate, |s| record(s, seq, outcome, &mut pass))?;
        if stop {
            break;
        }
    }
    Ok(pass)
}

/// The background uploader; dropping it asks it to stop.
#[derive(Debug)]
pub struct UploadLoop {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl UploadLoop {
    /// Starts uploading the bundles of the database at `database` to the registry set on the
    /// settings page, or else to `registry` (the command line's address and key); with
    /// neither, or without the registry's key, it waits for them to be set.
    pub fn spawn(
        database: PathBuf,
        registry: Option<(String, Option<Fingerprint>)>,
        gate: QuietGate,
    ) -> std::io::Result<Self> {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let thread = std::thread::Builder::new()
            .name("uploader".into())
            .spawn(move || {
                let runtime = match tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                {
                    Ok(r) => r,
                    Err(e) => {
                        tracing::error!(error = %e, "uploader cannot start");
                        return;
                    }
                };
                runtime.block_on(run(database, registry, gate, flag));
            })?;
        Ok(Self {
            stop,
            thread: Some(thread),
        })
    }

    /// Stops the loop and waits for it.
    pub fn stop(mut self) {
        self.halt();
    }

    fn halt(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for UploadLoop {
    fn drop(&mut self) {
        self.halt();
    }
}

async fn run(database: PathBuf, default: Option<Target>, gate: QuietGate, stop: Arc<AtomicBool>) {
    let mut uploader: Option<(String, Uploader)> = None;
    let mut attempt: u32 = 0;
    let mut told_no_key = false;
    while !stop.load(Ordering::SeqCst) {
        // The registry set on the settings page wins, and may change while running.
        let chosen = with_store(&database, &gate, |s| target(s, default.as_ref()));
        let outcome = match chosen {
            Err(e) => Err(e),
            Ok(None) => Ok(Pass::default()),
            Ok(Some((_, None))) => {
                if !told_no_key {
                    tracing::warn!(
                        "the registry's key is not set (scan its card on the settings page): nothing is sent"
                    );
                    told_no_key = true;
                }
                Ok(Pass::default())
            }
            Ok(Some((url, Some(key)))) => {
                told_no_key = false;
                if uploader.as_ref().is_none_or(|(u, _)| *u != url) {
                    uploader = match Uploader::new(&url) {
                        Ok(up) => Some((url.clone(), up)),
                        Err(e) => {
                            tracing::error!(error = %e, "bad registry address");
                            None
                        }
                    };
                }
                match &uploader {
                    Some((_, up)) => gated_pass(&database, &gate, up, &key).await,
                    None => Ok(Pass::default()),
                }
            }
        };
        let wait = match outcome {
            Ok(pass) if pass.waiting == 0 => {
                attempt = 0;
                Duration::from_secs(5)
            }
            Ok(_) | Err(_) => {
                let mut jitter = [0u8; 8];
                let _ = getrandom::fill(&mut jitter);
                let delay = backoff(attempt, u64::from_le_bytes(jitter));
                attempt = attempt.saturating_add(1);
                delay
            }
        };
        let step = Duration::from_millis(50);
        let mut waited = Duration::ZERO;
        while waited < wait && !stop.load(Ordering::SeqCst) {
            tokio::time::sleep(step).await;
            waited += step;
        }
    }
}
