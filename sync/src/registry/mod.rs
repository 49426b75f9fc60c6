//! `urne-registry`: the central registry that receives bundles from enrolled kiosks, checks them
//! (signature, hashes, full re-count with urne-core), stores each exactly once and answers with a
//! signed receipt.

pub mod store;

use std::future::Future;
use std::path::Path;
use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path as UrlPath, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::json;
use urne_core::crypto::{SecretKey, Sha256Digest};
use urne_core::results;
use urne_core::timestamp::Timestamp;

use crate::bundle;
use crate::receipt::{RECEIPT_FORMAT, Receipt, SignedReceipt};
pub use store::{RegistryStore, SqliteStore, StoreError, Stored};

/// Largest accepted bundle (a 10,000-ballot evening is a few megabytes).
pub const MAX_BUNDLE_BYTES: usize = 64 * 1024 * 1024;

/// Why the registry could not start.
#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    /// Storage.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The registry key file.
    #[error("registry key {path}: {reason}")]
    Key {
        /// The key file.
        path: String,
        /// Why.
        reason: String,
    },
}

/// The registry's shared state.
#[derive(Clone)]
pub struct Registry {
    store: Arc<dyn RegistryStore>,
    key: Arc<SecretKey>,
    clock: fn() -> Timestamp,
}

impl std::fmt::Debug for Registry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Registry")
            .field("key", &self.key)
            .finish_non_exhaustive()
    }
}

/// Loads the registry's signing key from `path`, creating it (mode 0600) on first start.
pub fn load_or_create_key(path: &Path) -> Result<SecretKey, RegistryError> {
    let fail = |reason: String| RegistryError::Key {
        path: path.display().to_string(),
        reason,
    };
    match std::fs::read_to_string(path) {
        Ok(pem) => SecretKey::from_pem(&pem).map_err(|e| fail(e.to_string())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let mut seed = [0u8; 32];
            getrandom::fill(&mut seed).map_err(|e| fail(e.to_string()))?;
            let key = SecretKey::from_seed(&seed);
            seed.fill(0);
            crate::atomic::write(path, key.to_pem().as_bytes(), 0o600)
                .map_err(|e| fail(e.to_string()))?;
            Ok(key)
        }
        Err(e) => Err(fail(e.to_string())),
    }
}

impl Registry {
    /// A registry over a store, signing receipts with `key`.
    pub fn new(store: Arc<dyn RegistryStore>, key: SecretKey, clock: fn() -> Timestamp) -> Self {
        Self {
            store,
            key: Arc::new(key),
            clock,
        }
    }

    /// The registry's public key, which kiosks pin.
    pub fn public_key(&self) -> urne_core::crypto::PublicKey {
        self.key.public()
    }

    /// The HTTP routes.
    pub fn router(self) -> Router {
        Router::new()
            .route("/api/v1/health", get(health))
            .route("/api/v1/bundles", post(upload).get(list))
            .route("/api/v1/bundles/{digest}", get(download))
            .layer(DefaultBodyLimit::max(MAX_BUNDLE_BYTES))
            .with_state(self)
    }

    /// Checks and stores one bundle; the HTTP handler's body, callable without HTTP.
    pub fn receive(&self, bytes: &[u8]) -> Result<Stored, Refusal> {
        let now = (self.clock)();
        let refuse = |status: StatusCode, device, reason: String| {
            // Recording the refusal is best effort: the answer to the client matters more.
            let _ = self
                .store
                .record_refusal(device, &reason, &now.to_rfc3339());
            Refusal { status, reason }
        };
        let opened = bundle::open(bytes, None)
            .map_err(|e| refuse(StatusCode::BAD_REQUEST, None, e.to_string()))?;
        let device_fp = opened.manifest.signer;
        let device = self
            .store
            .device(&device_fp)
            .map_err(|e| refuse(StatusCode::INTERNAL_SERVER_ERROR, None, e.to_string()))?;
        match device {
            Some(d) if d.key == opened.signer => {}
            _ => {
                return Err(refuse(
                    StatusCode::FORBIDDEN,
                    Some(&device_fp),
                    format!("device {device_fp} is not enrolled at this registry"),
                ));
            }
        }
        let verified = results::verify(&opened).map_err(|e| {
            refuse(
                StatusCode::UNPROCESSABLE_ENTITY,
                Some(&device_fp),
                e.to_string(),
            )
        })?;
        let digest = Sha256Digest::of(bytes);
        let receipt = SignedReceipt::sign(
            &Receipt {
                format: RECEIPT_FORMAT.into(),
                bundle: digest,
                device: device_fp,
                event: opened.manifest.event.clone(),
                seq: opened.manifest.seq,
                received: now,
                registry: self.key.public().fingerprint(),
            },
            &self.key,
        );
        let stored = self
            .store
            .store(&store::NewBundle {
                digest: &digest,
                device: &device_fp,
                event: opened.manifest.event.as_str(),
                seq: opened.manifest.seq,
                test: verified.test,
                bytes,
                receipt: &receipt,
                received: &now.to_rfc3339(),
            })
            .map_err(|e| {
                refuse(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    Some(&device_fp),
                    e.to_string(),
                )
            })?;
        if let Stored::Conflict { existing } = &stored {
            return Err(refuse(
                StatusCode::CONFLICT,
                Some(&device_fp),
                format!(
                    "device {device_fp} already sent a different bundle ({existing}) with sequence number {}",
                    opened.manifest.seq
                ),
            ));
        }
        Ok(stored)
    }
}

/// A refused upload: the status and the reason given to the client.
#[derive(Debug, Clone)]
pub struct Refusal {
    /// HTTP status.
    pub status: StatusCode,
    /// Why.
    pub reason: String,
}

fn json_response(status: StatusCode, body: serde_json::Value) -> Response {
    (status, axum::Json(body)).into_response()
}

async fn health() -> Response {
    json_response(StatusCode::OK, json!({ "status": "ok" }))
}

async fn upload(State(registry): State<Registry>, body: Bytes) -> Response {
    let outcome = tokio::task::spawn_blocking(move || registry.receive(&body)).await;
    match outcome {
        Ok(Ok(Stored::New(receipt))) => {
            tracing::info!("bundle stored");
            (StatusCode::CREATED, axum::Json(receipt)).into_response()
        }
        Ok(Ok(Stored::Again(receipt))) => (StatusCode::OK, axum::Json(receipt)).into_response(),
        Ok(Ok(Stored::Conflict { .. })) => json_response(
            StatusCode::CONFLICT,
            json!({ "error": "conflicting bundle" }),
        ),
        Ok(Err(refusal)) => {
            tracing::warn!(reason = %refusal.reason, "bundle refused");
            json_response(refusal.status, json!({ "error": refusal.reason }))
        }
        Err(_) => json_response(
            StatusCode::INTERNAL_SERVER_ERROR,
            json!({ "error": "internal error" }),
        ),
    }
}

async fn list(State(registry): State<Registry>) -> Response {
    match tokio::task::spawn_blocking(move || registry.store.bundles()).await {
        Ok(Ok(rows)) => json_response(StatusCode::OK, json!({ "bundles": rows })),
        _ => json_response(
            StatusCode::INTERNAL_SERVER_ERROR,
            json!({ "error": "internal error" }),
        ),
    }
}

async fn download(State(registry): State<Registry>, UrlPath(digest): UrlPath<String>) -> Response {
    if Sha256Digest::parse(&digest).is_none() {
        return json_response(
            StatusCode::BAD_REQUEST,
            json!({ "error": "a bundle is named by its SHA-256 (64 hexadecimal digits)" }),
        );
    }
    match tokio::task::spawn_blocking(move || registry.store.bundle_bytes(&digest)).await {
        Ok(Ok(Some(bytes))) => (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "application/x-tar")],
            bytes,
        )
            .into_response(),
        Ok(Ok(None)) => json_response(StatusCode::NOT_FOUND, json!({ "error": "no such bundle" })),
        _ => json_response(
            StatusCode::INTERNAL_SERVER_ERROR,
            json!({ "error": "internal error" }),
        ),
    }
}

/// Serves the registry on `listener` until `shutdown` completes, finishing requests in flight.
pub async fn serve(
    listener: tokio::net::TcpListener,
    registry: Registry,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, registry.router())
        .with_graceful_shutdown(shutdown)
        .await
}
