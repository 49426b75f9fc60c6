//! The registry over HTTP: the axum routes and handlers of `docs/registry.md`, with the body
//! cap, the minimum rate of a body, the request timeout and the cap on checks at once
//! ([`crate::limits`]), and the one mapping from a [`Refusal`] to its HTTP status. Each handler
//! hands its request to the [`Registry`] service on a blocking thread (checks and SQLite block)
//! and shapes the answer. [`crate::listen`] serves the routes.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::{DefaultBodyLimit, FromRef, Path as UrlPath, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use http_body_util::BodyExt;
use serde_json::json;
use tokio::sync::Semaphore;
use urne_codec::protocol;
use urne_core::crypto::Sha256Digest;

use crate::limits::Limits;
use crate::pages;
use crate::service::{Refusal, Registry};
use crate::store::Stored;

/// What the handlers share: the registry, and the slots of uploads checked at once.
#[derive(Clone)]
struct Served {
    registry: Registry,
    checks: Checks,
}

/// The slots of uploads checked at once ([`Limits::concurrent_checks`]).
#[derive(Clone)]
struct Checks(Arc<Semaphore>);

impl FromRef<Served> for Registry {
    fn from_ref(served: &Served) -> Registry {
        served.registry.clone()
    }
}

impl FromRef<Served> for Checks {
    fn from_ref(served: &Served) -> Checks {
        served.checks.clone()
    }
}

/// The HTTP routes, with the body cap, the request timeout and the cap on checks at once.
pub fn router(registry: Registry) -> Router {
    let limits = registry.limits().clone();
    let checks = Checks(Arc::new(Semaphore::new(limits.concurrent_checks.max(1))));
    let api = Router::new()
        .route(protocol::HEALTH, get(health))
        .route(protocol::BUNDLES, post(upload).get(list))
        .route("/api/v1/bundles/{digest}", get(download))
        .route(protocol::PACKAGES, post(publish))
        .route(protocol::CHALLENGE, get(challenge))
        .route(protocol::EVENTS, get(events))
        .route("/api/v1/events/{id}/results", get(results_json))
        .route("/api/v1/events/{id}/package", get(fetch_package))
        .route("/", get(events_page))
        .route("/events/{id}", get(results_page))
        .fallback(not_found);
    api.layer(axum::middleware::map_response(standard_headers))
        .layer(DefaultBodyLimit::max(limits.max_body_bytes))
        .layer(tower_http::timeout::TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            limits.request_timeout,
        ))
        .with_state(Served { registry, checks })
}

/// Headers on every answer: no browser guesses a type other than the one sent (a bundle's or a
/// refusal's bytes never run as a page), and no cache keeps an answer that changes with the next
/// bundle. A handler that knows better (a bundle named by its digest never changes; a package
/// holds a roster) sets its own `Cache-Control`.
async fn standard_headers(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers
        .entry(header::CACHE_CONTROL)
        .or_insert(HeaderValue::from_static("no-cache"));
    response
}

/// An upload's body, read whole under the size cap and the minimum rate before any check slot
/// is taken: a sender that trickles its body holds a connection, never a slot. The body may
/// start slowly for [`Limits::body_grace`]; from then on each piece must arrive before the
/// time by which the bytes so far would have come at [`Limits::min_body_bytes_per_second`].
async fn read_body(body: Body, headers: &HeaderMap, limits: &Limits) -> Result<Vec<u8>, Response> {
    let too_large = || {
        json_response(
            StatusCode::PAYLOAD_TOO_LARGE,
            json!({
                "error": format!("the upload is larger than {} bytes", limits.max_body_bytes),
                "code": "too-large",
            }),
        )
    };
    let announced = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if announced.is_some_and(|n| n > limits.max_body_bytes as u64) {
        return Err(too_large());
    }
    let start = tokio::time::Instant::now();
    let per_second = f64::from(limits.min_body_bytes_per_second.max(1));
    let mut body = body;
    let mut bytes = Vec::new();
    loop {
        let due =
            start + limits.body_grace + Duration::from_secs_f64(bytes.len() as f64 / per_second);
        let frame = match tokio::time::timeout_at(due, body.frame()).await {
            Err(_) => {
                return Err(json_response(
                    StatusCode::REQUEST_TIMEOUT,
                    json!({
                        "error": format!(
                            "the upload arrived slower than {} bytes a second; try again",
                            limits.min_body_bytes_per_second
                        ),
                        "code": "too-slow",
                    }),
                ));
            }
            Ok(None) => return Ok(bytes),
            Ok(Some(Err(_))) => {
                return Err(json_response(
                    StatusCode::BAD_REQUEST,
                    json!({ "error": "the upload's body could not be read", "code": "bad-body" }),
                ));
            }
            Ok(Some(Ok(frame))) => frame,
        };
        if let Ok(data) = frame.into_data() {
            if bytes.len() + data.len() > limits.max_body_bytes {
                return Err(too_large());
            }
            bytes.extend_from_slice(&data);
        }
    }
}

/// The HTTP status of each refusal: the one place where the registry's reasons meet HTTP.
pub fn status(refusal: &Refusal) -> StatusCode {
    match refusal {
        Refusal::NotATar { .. } | Refusal::NotCanonical { .. } => StatusCode::BAD_REQUEST,
        Refusal::Archive(_)
        | Refusal::Content(_)
        | Refusal::Package(_)
        | Refusal::SequenceTooLarge(_) => StatusCode::UNPROCESSABLE_ENTITY,
        Refusal::StaleChallenge
        | Refusal::BadFingerprint
        | Refusal::SignatureNotBase64
        | Refusal::BadSignature => StatusCode::UNAUTHORIZED,
        Refusal::DeviceNotEnrolled(_)
        | Refusal::DeviceRevoked { .. }
        | Refusal::EventNotEnrolled(_)
        | Refusal::ForeignPackage { .. }
        | Refusal::OrganiserNotEnrolled { .. }
        | Refusal::UnknownDevice(_)
        | Refusal::NotAssigned { .. } => StatusCode::FORBIDDEN,
        Refusal::DeviceTooFast { .. } | Refusal::OrganiserTooFast => StatusCode::TOO_MANY_REQUESTS,
        Refusal::Conflict { .. } => StatusCode::CONFLICT,
        Refusal::NoPackage(_) | Refusal::UnknownEvent(_) => StatusCode::NOT_FOUND,
        Refusal::Storage => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

fn json_response(status: StatusCode, body: serde_json::Value) -> Response {
    (status, axum::Json(body)).into_response()
}

fn refusal_response(refusal: &Refusal) -> Response {
    json_response(
        status(refusal),
        json!({ "error": refusal.to_string(), "code": refusal.code() }),
    )
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

/// An upload: its body read under the limits, then `check` run on a blocking thread once a
/// check slot is free. `Err` is the answer already made (too large, too slow, unreadable).
async fn checked<T: Send + 'static>(
    registry: Registry,
    checks: Checks,
    headers: &HeaderMap,
    body: Body,
    check: impl FnOnce(&Registry, &[u8]) -> T + Send + 'static,
) -> Result<T, Response> {
    let body = read_body(body, headers, registry.limits()).await?;
    let _slot = checks.0.acquire().await.map_err(|_| join_failed())?;
    tokio::task::spawn_blocking(move || check(&registry, &body))
        .await
        .map_err(|_| join_failed())
}

async fn upload(
    State(registry): State<Registry>,
    State(checks): State<Checks>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    match checked(registry, checks, &headers, body, |r, bytes| {
        r.receive(bytes)
    })
    .await
    {
        Ok(Ok(Stored::New(receipt))) => {
            tracing::info!("bundle stored");
            (StatusCode::CREATED, axum::Json(receipt)).into_response()
        }
        Ok(Ok(Stored::Again(receipt))) => (StatusCode::OK, axum::Json(receipt)).into_response(),
        Ok(Ok(Stored::Conflict { .. })) => json_response(
            StatusCode::CONFLICT,
            json!({ "error": "conflicting bundle" }),
        ),
        // The service logged the refusal (escaped, cut and under a rate): an attacker's text.
        Ok(Err(refusal)) => refusal_response(&refusal),
        Err(answer) => answer,
    }
}

async fn publish(
    State(registry): State<Registry>,
    State(checks): State<Checks>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    match checked(registry, checks, &headers, body, |r, bytes| {
        r.publish(bytes)
    })
    .await
    {
        Ok(Ok(p)) => json_response(
            if p.new {
                StatusCode::CREATED
            } else {
                StatusCode::OK
            },
            json!({ "event": p.event, "package": p.digest.to_hex() }),
        ),
        Ok(Err(refusal)) => refusal_response(&refusal),
        Err(answer) => answer,
    }
}

/// The query of a challenge request: the kiosk that asks.
#[derive(serde::Deserialize)]
struct ChallengeQuery {
    #[serde(default)]
    device: String,
}

async fn challenge(
    State(registry): State<Registry>,
    axum::extract::Query(query): axum::extract::Query<ChallengeQuery>,
) -> Response {
    match tokio::task::spawn_blocking(move || registry.challenge(&query.device)).await {
        Ok(Ok(challenge)) => json_response(StatusCode::OK, json!({ "challenge": challenge })),
        Ok(Err(refusal)) => refusal_response(&refusal),
        Err(_) => join_failed(),
    }
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
            [
                (header::CONTENT_TYPE, "application/x-tar"),
                // A package holds the roster: no cache on the way keeps a copy.
                (header::CACHE_CONTROL, "no-store"),
            ],
            bytes,
        )
            .into_response(),
        Ok(Err(refusal)) => refusal_response(&refusal),
        Err(_) => join_failed(),
    }
}

async fn list(State(registry): State<Registry>) -> Response {
    match tokio::task::spawn_blocking(move || registry.bundles()).await {
        Ok(Ok(rows)) => json_response(StatusCode::OK, json!({ "bundles": rows })),
        Ok(Err(refusal)) => refusal_response(&refusal),
        Err(_) => join_failed(),
    }
}

async fn events(State(registry): State<Registry>) -> Response {
    match tokio::task::spawn_blocking(move || registry.events()).await {
        Ok(Ok(rows)) => json_response(StatusCode::OK, json!({ "events": rows })),
        Ok(Err(refusal)) => refusal_response(&refusal),
        Err(_) => join_failed(),
    }
}

async fn results_json(State(registry): State<Registry>, UrlPath(id): UrlPath<String>) -> Response {
    match tokio::task::spawn_blocking(move || registry.results(&id)).await {
        Ok(Ok(results)) => (StatusCode::OK, axum::Json(results)).into_response(),
        Ok(Err(refusal)) => refusal_response(&refusal),
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
    match tokio::task::spawn_blocking(move || registry.bundle_bytes(&digest)).await {
        Ok(Ok(Some(bytes))) => (
            StatusCode::OK,
            [
                (header::CONTENT_TYPE, "application/x-tar"),
                // Named by its SHA-256: these bytes are the only ones this address ever serves.
                (header::CACHE_CONTROL, "public, max-age=31536000, immutable"),
            ],
            bytes,
        )
            .into_response(),
        Ok(Ok(None)) => json_response(StatusCode::NOT_FOUND, json!({ "error": "no such bundle" })),
        Ok(Err(refusal)) => refusal_response(&refusal),
        Err(_) => join_failed(),
    }
}

async fn events_page(State(registry): State<Registry>) -> Response {
    match tokio::task::spawn_blocking(move || registry.events()).await {
        Ok(Ok(rows)) => html_page(StatusCode::OK, pages::events(&rows)),
        Ok(Err(refusal)) => page_error(&refusal),
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
    let status = status(refusal);
    html_page(status, pages::error(status.as_u16(), &refusal.to_string()))
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
