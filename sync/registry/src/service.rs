//! `urne-registry`: the central registry that receives bundles from enrolled kiosks, checks them
//! (canonical form, signature, hashes, enrolled device and organiser, full re-count with
//! urne-core), stores each exactly once and answers with a signed receipt; it also hands event
//! packages to enrolled kiosks and publishes results as JSON and as French HTML pages.

mod limits;
pub mod model;
pub mod pages;
pub mod store;

use std::collections::BTreeSet;
use std::future::Future;
use std::path::Path;
use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path as UrlPath, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::json;
use urne_core::audit::AuditEvent;
use urne_core::crypto::{Fingerprint, SecretKey, Sha256Digest};
use urne_core::package::EventPackage;
use urne_core::results;
use urne_core::timestamp::Timestamp;

use crate::receipt::{RECEIPT_FORMAT, Receipt, SignedReceipt};
use crate::{protocol, tarball};
pub use limits::Limits;
use limits::RateLimiter;
use model::{BundleSummary, EventHeader, EventResults};
pub use store::{RegistryStore, SqliteStore, StoreError, Stored};

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
    limits: Limits,
    rate: Arc<RateLimiter>,
    known: Arc<Known>,
}

/// Enrolments already found in the store. Enrolment is only ever added (there is no
/// unenrolment), so a key found once stays valid; a key not found is looked up again each time,
/// so one enrolled while the registry runs (by `urne-registry enrol` on the same file) is seen.
#[derive(Debug, Default)]
struct Known {
    devices: std::sync::Mutex<std::collections::HashMap<Fingerprint, urne_core::crypto::PublicKey>>,
    organisers: std::sync::Mutex<BTreeSet<(String, Fingerprint)>>,
}

impl std::fmt::Debug for Registry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Registry")
            .field("key", &self.key)
            .field("limits", &self.limits)
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

/// A refused request: the status and the reason given to the client.
#[derive(Debug, Clone)]
pub struct Refusal {
    /// HTTP status.
    pub status: StatusCode,
    /// Why, in words an operator can act on.
    pub reason: String,
}

impl Refusal {
    fn new(status: StatusCode, reason: impl Into<String>) -> Self {
        Self {
            status,
            reason: reason.into(),
        }
    }
}

fn internal(e: &StoreError) -> Refusal {
    tracing::error!(error = %e, "registry storage failed");
    Refusal::new(
        StatusCode::INTERNAL_SERVER_ERROR,
        "the registry's storage failed; try again later",
    )
}

/// A published package.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Published {
    /// The event.
    pub event: String,
    /// SHA-256 of the file.
    pub digest: Sha256Digest,
    /// Whether it was new (false: this very file was already published).
    pub new: bool,
}

impl Registry {
    /// A registry over a store, signing receipts with `key`.
    pub fn new(
        store: Arc<dyn RegistryStore>,
        key: SecretKey,
        clock: fn() -> Timestamp,
        limits: Limits,
    ) -> Self {
        Self {
            store,
            key: Arc::new(key),
            clock,
            rate: Arc::new(RateLimiter::new(&limits)),
            known: Arc::new(Known::default()),
            limits,
        }
    }

    /// The registry's public key, which kiosks pin.
    pub fn public_key(&self) -> urne_core::crypto::PublicKey {
        self.key.public()
    }

    /// The storage.
    pub fn store(&self) -> &Arc<dyn RegistryStore> {
        &self.store
    }

    /// The HTTP routes, with the body cap, the request timeout and the cap on checks at once.
    pub fn router(self) -> Router {
        let limits = self.limits.clone();
        let checks = tower::limit::GlobalConcurrencyLimitLayer::new(limits.concurrent_checks);
        let api = Router::new()
            .route(protocol::HEALTH, get(health))
            .route(
                protocol::BUNDLES,
                post(upload).layer(checks.clone()).get(list),
            )
            .route("/api/v1/bundles/{digest}", get(download))
            .route(protocol::PACKAGES, post(publish).layer(checks))
            .route(protocol::CHALLENGE, get(challenge))
            .route(protocol::EVENTS, get(events))
            .route("/api/v1/events/{id}/results", get(results_json))
            .route("/api/v1/events/{id}/package", get(fetch_package))
            .route("/", get(events_page))
            .route("/events/{id}", get(results_page))
            .fallback(not_found);
        api.layer(DefaultBodyLimit::max(limits.max_body_bytes))
            .layer(tower_http::timeout::TimeoutLayer::with_status_code(
                StatusCode::REQUEST_TIMEOUT,
                limits.request_timeout,
            ))
            .with_state(self)
    }

    /// The enrolled key of a device, if it is enrolled.
    fn device_key(
        &self,
        fingerprint: &Fingerprint,
    ) -> Result<Option<urne_core::crypto::PublicKey>, Refusal> {
        let lock = || self.known.devices.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(key) = lock().get(fingerprint) {
            return Ok(Some(*key));
        }
        let found = self.store.device(fingerprint).map_err(|e| internal(&e))?;
        if let Some(device) = &found {
            lock().insert(*fingerprint, device.key);
        }
        Ok(found.map(|d| d.key))
    }

    /// Whether `organiser` is enrolled for `event`, and whether any key is.
    fn organiser_enrolled(
        &self,
        event: &str,
        organiser: &Fingerprint,
    ) -> Result<(bool, bool), Refusal> {
        let lock = || {
            self.known
                .organisers
                .lock()
                .unwrap_or_else(|p| p.into_inner())
        };
        if lock().contains(&(event.to_owned(), *organiser)) {
            return Ok((true, true));
        }
        let enrolled = self.store.organisers(event).map_err(|e| internal(&e))?;
        let mut known = lock();
        for o in &enrolled {
            known.insert((event.to_owned(), o.key.fingerprint()));
        }
        Ok((
            known.contains(&(event.to_owned(), *organiser)),
            !enrolled.is_empty(),
        ))
    }

    fn refuse(&self, device: Option<&Fingerprint>, refusal: Refusal) -> Refusal {
        // Recording is best effort: the answer to the client matters more. Storage failures
        // are not refusals of the bundle and are not recorded as such.
        if refusal.status != StatusCode::INTERNAL_SERVER_ERROR {
            let now = (self.clock)();
            if let Err(e) = self
                .store
                .record_refusal(device, &refusal.reason, &now.to_rfc3339())
            {
                tracing::error!(error = %e, "cannot record a refusal");
            }
        }
        refusal
    }

    /// The files of an uploaded tar, only in the exact form Urne writes (`what`: "bundle" or
    /// "package", for the reason given back).
    fn read_canonical(&self, bytes: &[u8], what: &str) -> Result<Vec<(String, Vec<u8>)>, Refusal> {
        let files = tarball::read(bytes).map_err(|e| {
            self.refuse(
                None,
                Refusal::new(StatusCode::BAD_REQUEST, format!("not a {what}: {e}")),
            )
        })?;
        if !tarball::is_canonical(bytes, &files) {
            return Err(self.refuse(
                None,
                Refusal::new(
                    StatusCode::BAD_REQUEST,
                    format!("not a {what} as Urne writes it (the tar container was altered)"),
                ),
            ));
        }
        Ok(files)
    }

    /// Checks and stores one bundle; the HTTP handler's body, callable without HTTP.
    pub fn receive(&self, bytes: &[u8]) -> Result<Stored, Refusal> {
        let now = (self.clock)();
        let files = self.read_canonical(bytes, "bundle")?;
        let opened =
            urne_core::archive::open(urne_core::archive::ArchiveFormat::Bundle, &files, None)
                .map_err(|e| {
                    self.refuse(
                        None,
                        Refusal::new(StatusCode::UNPROCESSABLE_ENTITY, e.to_string()),
                    )
                })?;
        // From here the bundle is signed by the key it names.
        let device_fp = opened.manifest.signer;
        let device = Some(&device_fp);
        match self.device_key(&device_fp)? {
            Some(key) if key == opened.signer => {}
            _ => {
                return Err(self.refuse(
                    device,
                    Refusal::new(
                        StatusCode::FORBIDDEN,
                        format!(
                            "device {device_fp} is not enrolled at this registry (urne-registry enrol)"
                        ),
                    ),
                ));
            }
        }
        if !self.rate.allow(&device_fp) {
            return Err(self.refuse(
                device,
                Refusal::new(
                    StatusCode::TOO_MANY_REQUESTS,
                    format!(
                        "device {device_fp} sent more than {} bundles a minute; try again later",
                        self.limits.uploads_per_minute
                    ),
                ),
            ));
        }
        let verified = results::verify(&opened).map_err(|e| {
            self.refuse(
                device,
                Refusal::new(StatusCode::UNPROCESSABLE_ENTITY, e.to_string()),
            )
        })?;
        let event = opened.manifest.event.as_str();
        self.check_organiser(event, &verified.audit)
            .map_err(|r| self.refuse(device, r))?;
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
        let summary = serde_json::to_string(&BundleSummary::of(&verified, opened.manifest.created))
            .expect("summaries always serialise");
        let stored = self
            .store
            .store(&store::NewBundle {
                digest: &digest,
                device: &device_fp,
                event,
                seq: opened.manifest.seq,
                test: verified.test,
                bytes,
                receipt: &receipt,
                received: &now.to_rfc3339(),
                summary: &summary,
            })
            .map_err(|e| internal(&e))?;
        if let Stored::Conflict { existing } = &stored {
            return Err(self.refuse(
                device,
                Refusal::new(
                    StatusCode::CONFLICT,
                    format!(
                        "device {device_fp} already sent a different bundle ({existing}) with sequence number {}",
                        opened.manifest.seq
                    ),
                ),
            ));
        }
        Ok(stored)
    }

    /// A bundle is accepted only for an event with an enrolled organiser key, and only if every
    /// package the kiosk loaded for it (as its signed audit chain records) was signed by one.
    fn check_organiser(
        &self,
        event: &str,
        audit: &[urne_core::audit::AuditEntry],
    ) -> Result<(), Refusal> {
        let signers: BTreeSet<Fingerprint> = audit
            .iter()
            .filter_map(|entry| match &entry.event {
                AuditEvent::PackageLoaded {
                    event: loaded,
                    organiser,
                    ..
                } if loaded.as_str() == event => Some(*organiser),
                _ => None,
            })
            .collect();
        if signers.is_empty() {
            return Err(Refusal::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                format!("the audit chain records no package loaded for event {event}"),
            ));
        }
        for signer in &signers {
            match self.organiser_enrolled(event, signer)? {
                (true, _) => {}
                (false, false) => {
                    return Err(Refusal::new(
                        StatusCode::FORBIDDEN,
                        format!(
                            "event {event} is not enrolled at this registry (urne-registry enrol-organiser)"
                        ),
                    ));
                }
                (false, true) => {
                    return Err(Refusal::new(
                        StatusCode::FORBIDDEN,
                        format!(
                            "the kiosk ran a package of event {event} signed by {signer}, which is not an organiser key enrolled for this event"
                        ),
                    ));
                }
            }
        }
        Ok(())
    }

    /// Checks and publishes an event package signed by an organiser key enrolled for its event.
    pub fn publish(&self, bytes: &[u8]) -> Result<Published, Refusal> {
        let now = (self.clock)();
        let files = self.read_canonical(bytes, "package")?;
        let verified = EventPackage::open(&files, None).map_err(|e| {
            self.refuse(
                None,
                Refusal::new(StatusCode::UNPROCESSABLE_ENTITY, e.to_string()),
            )
        })?;
        let event = verified.package.event.id.as_str();
        let organiser = verified.organiser_fingerprint();
        let (enrolled, _) = self.organiser_enrolled(event, &organiser)?;
        if !enrolled {
            return Err(self.refuse(
                None,
                Refusal::new(
                    StatusCode::FORBIDDEN,
                    format!(
                        "organiser key {organiser} is not enrolled for event {event} (urne-registry enrol-organiser)"
                    ),
                ),
            ));
        }
        if !self.rate.allow(&organiser) {
            return Err(Refusal::new(
                StatusCode::TOO_MANY_REQUESTS,
                "too many packages published a minute; try again later",
            ));
        }
        let digest = Sha256Digest::of(bytes);
        let e = &verified.package.event;
        let new = self
            .store
            .publish_package(&store::NewPackage {
                digest: &digest,
                event,
                title: &e.title,
                place: &e.place,
                date: &e.date,
                organiser: &organiser,
                created: &verified.created.to_rfc3339(),
                received: &now.to_rfc3339(),
                bytes,
            })
            .map_err(|e| internal(&e))?;
        Ok(Published {
            event: event.to_owned(),
            digest,
            new,
        })
    }

    /// The newest package of an event, for an enrolled kiosk that signed a fresh challenge.
    pub fn package_for(
        &self,
        event: &str,
        device: &str,
        challenge: &str,
        signature: &str,
    ) -> Result<Vec<u8>, Refusal> {
        use base64::Engine as _;
        let unauthorised = |why: &str| Refusal::new(StatusCode::UNAUTHORIZED, why);
        let now = (self.clock)().0;
        if !protocol::challenge_is_fresh(challenge, &self.key.public(), now) {
            return Err(unauthorised(
                "the challenge is missing, not ours or expired: ask /api/v1/challenge again",
            ));
        }
        let fingerprint = Fingerprint::parse(device)
            .ok_or_else(|| unauthorised("the device fingerprint is not 64 hexadecimal digits"))?;
        let Some(enrolled) = self.device_key(&fingerprint)? else {
            return Err(Refusal::new(
                StatusCode::FORBIDDEN,
                format!("device {fingerprint} is not enrolled at this registry"),
            ));
        };
        let signature = base64::engine::general_purpose::STANDARD
            .decode(signature)
            .map_err(|_| unauthorised("the signature is not base64"))?;
        enrolled
            .verify(
                &protocol::package_request_message(event, challenge),
                &signature,
            )
            .map_err(|_| unauthorised("the request's signature does not match the device key"))?;
        match self.store.package(event).map_err(|e| internal(&e))? {
            Some((_, bytes)) => Ok(bytes),
            None => Err(Refusal::new(
                StatusCode::NOT_FOUND,
                format!("no package has been published for event {event}"),
            )),
        }
    }

    /// An event's results: 404 when the registry does not know the event.
    pub fn results(&self, event: &str) -> Result<EventResults, Refusal> {
        let events = self.store.events().map_err(|e| internal(&e))?;
        let Some(row) = events.into_iter().find(|e| e.id == event) else {
            return Err(Refusal::new(
                StatusCode::NOT_FOUND,
                format!("the registry knows no event {event}"),
            ));
        };
        let rows = self
            .store
            .event_bundles(event)
            .map_err(|e| internal(&e))?
            .into_iter()
            .map(|(row, json)| {
                serde_json::from_str::<BundleSummary>(&json)
                    .map(|s| (row, s))
                    .map_err(|e| internal(&StoreError::Corrupt(e.to_string())))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let labels = |device: &str| {
            Fingerprint::parse(device)
                .and_then(|fp| self.store.device(&fp).ok().flatten())
                .map(|d| d.label)
                .unwrap_or_default()
        };
        let header = EventHeader {
            id: row.id,
            title: row.title,
            place: row.place,
            date: row.date,
            organisation: None,
        };
        Ok(EventResults::assemble(header, rows, labels))
    }
}

fn json_response(status: StatusCode, body: serde_json::Value) -> Response {
    (status, axum::Json(body)).into_response()
}

fn refusal_response(refusal: Refusal) -> Response {
    json_response(refusal.status, json!({ "error": refusal.reason }))
}

fn join_failed() -> Response {
    json_response(
        StatusCode::INTERNAL_SERVER_ERROR,
        json!({ "error": "internal error" }),
    )
}

async fn health() -> Response {
    json_response(StatusCode::OK, json!({ "status": "ok" }))
}

async fn not_found() -> Response {
    json_response(StatusCode::NOT_FOUND, json!({ "error": "no such page" }))
}

async fn upload(State(registry): State<Registry>, body: Bytes) -> Response {
    match tokio::task::spawn_blocking(move || registry.receive(&body)).await {
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
            tracing::warn!(status = %refusal.status, reason = %refusal.reason, "bundle refused");
            refusal_response(refusal)
        }
        Err(_) => join_failed(),
    }
}

async fn publish(State(registry): State<Registry>, body: Bytes) -> Response {
    match tokio::task::spawn_blocking(move || registry.publish(&body)).await {
        Ok(Ok(p)) => json_response(
            if p.new {
                StatusCode::CREATED
            } else {
                StatusCode::OK
            },
            json!({ "event": p.event, "package": p.digest.to_hex() }),
        ),
        Ok(Err(refusal)) => {
            tracing::warn!(status = %refusal.status, reason = %refusal.reason, "package refused");
            refusal_response(refusal)
        }
        Err(_) => join_failed(),
    }
}

async fn challenge(State(registry): State<Registry>) -> Response {
    let now = (registry.clock)().0;
    json_response(
        StatusCode::OK,
        json!({ "challenge": protocol::issue_challenge(&registry.key, now) }),
    )
}

async fn fetch_package(
    State(registry): State<Registry>,
    UrlPath(event): UrlPath<String>,
    headers: HeaderMap,
) -> Response {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    let device = header(protocol::HEADER_DEVICE);
    let challenge = header(protocol::HEADER_CHALLENGE);
    let signature = header(protocol::HEADER_SIGNATURE);
    let outcome = tokio::task::spawn_blocking(move || {
        registry.package_for(&event, &device, &challenge, &signature)
    })
    .await;
    match outcome {
        Ok(Ok(bytes)) => (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "application/x-tar")],
            bytes,
        )
            .into_response(),
        Ok(Err(refusal)) => refusal_response(refusal),
        Err(_) => join_failed(),
    }
}

async fn list(State(registry): State<Registry>) -> Response {
    match tokio::task::spawn_blocking(move || registry.store.bundles()).await {
        Ok(Ok(rows)) => json_response(StatusCode::OK, json!({ "bundles": rows })),
        Ok(Err(e)) => refusal_response(internal(&e)),
        Err(_) => join_failed(),
    }
}

async fn events(State(registry): State<Registry>) -> Response {
    match tokio::task::spawn_blocking(move || registry.store.events()).await {
        Ok(Ok(rows)) => json_response(StatusCode::OK, json!({ "events": rows })),
        Ok(Err(e)) => refusal_response(internal(&e)),
        Err(_) => join_failed(),
    }
}

async fn results_json(State(registry): State<Registry>, UrlPath(id): UrlPath<String>) -> Response {
    match tokio::task::spawn_blocking(move || registry.results(&id)).await {
        Ok(Ok(results)) => (StatusCode::OK, axum::Json(results)).into_response(),
        Ok(Err(refusal)) => refusal_response(refusal),
        Err(_) => join_failed(),
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
        Ok(Err(e)) => refusal_response(internal(&e)),
        Err(_) => join_failed(),
    }
}

async fn events_page(State(registry): State<Registry>) -> Response {
    match tokio::task::spawn_blocking(move || registry.store.events()).await {
        Ok(Ok(rows)) => html_page(StatusCode::OK, pages::events(&rows)),
        Ok(Err(e)) => page_error(&internal(&e)),
        Err(_) => join_failed(),
    }
}

async fn results_page(State(registry): State<Registry>, UrlPath(id): UrlPath<String>) -> Response {
    match tokio::task::spawn_blocking(move || registry.results(&id)).await {
        Ok(Ok(results)) => html_page(StatusCode::OK, pages::results(&results)),
        Ok(Err(refusal)) => page_error(&refusal),
        Err(_) => join_failed(),
    }
}

fn page_error(refusal: &Refusal) -> Response {
    html_page(
        refusal.status,
        pages::error(refusal.status.as_u16(), &refusal.reason),
    )
}

/// The pages load nothing and run nothing: their only style is inline and their charts are
/// inline SVG. The policy says so to the browser, so that a text that slipped past the escaping
/// still could not run or fetch anything.
const PAGE_POLICY: &str = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; \
                           form-action 'none'; frame-ancestors 'none'";

fn html_page(status: StatusCode, body: String) -> Response {
    (
        status,
        [(header::CONTENT_SECURITY_POLICY, PAGE_POLICY)],
        Html(body),
    )
        .into_response()
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
