//! The upload loop: sends pending bundles from the outbox to the registry whenever it answers,
//! with exponential backoff and jitter, and records each signed receipt. It runs on its own
//! thread with its own database connection, so neither the UI nor the controller waits on the
//! network; it resumes after a restart because the outbox is in the store.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

use urne_core::crypto::Fingerprint;
use urne_sync::uploader::{UploadError, Uploader, backoff};

use crate::kiosk::SETTING_REGISTRY_URL;
use crate::store::{Store, StoreError, UploadState};

const SETTING_REGISTRY_KEY: &str = "registry_key";

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

/// Tries once to upload every pending bundle.
pub async fn upload_pending(store: &mut Store, uploader: &Uploader) -> Result<Pass, StoreError> {
    let mut pass = Pass::default();
    for (seq, bytes) in store.pending_uploads()? {
        // The registry's key is pinned on its first valid receipt (trust on first use); after
        // that, a receipt from any other key is refused.
        let pinned = store
            .setting(SETTING_REGISTRY_KEY)?
            .and_then(|hex| Fingerprint::parse(&hex));
        match uploader.upload(bytes, pinned.as_ref()).await {
            Ok(receipt) => {
                if pinned.is_none()
                    && let Ok(parsed) =
                        serde_json::from_str::<urne_codec::receipt::Receipt>(&receipt.receipt)
                {
                    store.set_setting(SETTING_REGISTRY_KEY, &parsed.registry.to_hex())?;
                }
                store.record_upload(
                    seq,
                    UploadState::Synced,
                    &serde_json::to_string(&receipt).unwrap_or_default(),
                )?;
                pass.synced += 1;
            }
            Err(e) if e.is_transient() => {
                tracing::info!(seq, error = %e, "registry unreachable; will retry");
                store.record_upload(seq, UploadState::Pending, &e.to_string())?;
                pass.waiting += 1;
                // The registry is not answering: the next bundles would fail the same way.
                break;
            }
            Err(e @ (UploadError::Refused { .. } | UploadError::BadReceipt(_))) => {
                tracing::warn!(seq, error = %e, "bundle refused by the registry");
                store.record_upload(seq, UploadState::Refused, &e.to_string())?;
                pass.refused += 1;
            }
            Err(e) => {
                store.record_upload(seq, UploadState::Pending, &e.to_string())?;
                pass.waiting += 1;
            }
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
    /// settings page, or else to `registry_url` (the command line's); with neither, it waits
    /// for an address to be set.
    pub fn spawn(database: PathBuf, registry_url: Option<String>) -> std::io::Result<Self> {
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
                runtime.block_on(run(database, registry_url, flag));
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

async fn run(database: PathBuf, default_url: Option<String>, stop: Arc<AtomicBool>) {
    let mut uploader: Option<(String, Uploader)> = None;
    let mut attempt: u32 = 0;
    while !stop.load(Ordering::SeqCst) {
        let outcome = match Store::open(&database) {
            Ok(mut store) => {
                // The address set on the settings page wins, and may change while running.
                let url = store
                    .setting(SETTING_REGISTRY_URL)
                    .ok()
                    .flatten()
                    .or_else(|| default_url.clone());
                match url {
                    None => Ok(Pass::default()),
                    Some(url) => {
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
                            Some((_, up)) => upload_pending(&mut store, up).await,
                            None => Ok(Pass::default()),
                        }
                    }
                }
            }
            Err(e) => Err(e),
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
