//! The hall's projected screen (écran de salle): a read-only page the lead kiosk serves over
//! plain HTTP on the hall's network, for a projector or a TV with a browser. What it shows is
//! the kiosk's business ([`ScreenSource`]: one finished HTML page per request); this module
//! serves it under the same connection caps as the registry, and only that: `GET /` gives the
//! page, anything else is refused, nothing a request sends is read beyond its line and headers.
//!
//! Plain HTTP, because a television's browser cannot be given a pinned key, and because the page
//! holds nothing that is not on the wall for the whole hall to read. It sets a policy that lets
//! no script, frame or outside resource run, and asks the browser to store nothing.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use super::server::HallListener;
use crate::http_server::{self, HttpLimits};

/// The page on the wall, asked at each request.
pub trait ScreenSource: Send + Sync + 'static {
    /// The whole HTML page, or `None` when the lead cannot say now. Called on a blocking
    /// thread (the lead's store is SQLite).
    fn page(&self) -> Option<String>;
}

/// The screen's caps: a hall has a projector or two, and a few phones.
pub fn limits() -> HttpLimits {
    HttpLimits {
        max_connections: 32,
        connections_per_ip: 6,
        header_read_timeout: Duration::from_secs(10),
    }
}

/// What the browser is told about the page: no script, no frame, no outside resource (the
/// charts are inline SVG, the style inline); not stored; not to be guessed as another type.
const POLICY: &str = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; \
                      frame-ancestors 'none'; form-action 'none'; base-uri 'none'";

/// The page shown while the lead kiosk cannot answer; the browser tries again by itself.
const UNAVAILABLE: &str = "<!DOCTYPE html>\n<html lang=\"fr\"><head><meta charset=\"utf-8\">\
<meta http-equiv=\"refresh\" content=\"5\"><title>Urne</title></head>\
<body><p>Le kiosque principal ne répond pas pour l'instant.</p></body></html>\n";

/// The screen's routes: `GET /` (and `HEAD /`), nothing else.
pub fn router(source: Arc<dyn ScreenSource>) -> Router {
    Router::new().route("/", get(page)).with_state(source)
}

async fn page(State(source): State<Arc<dyn ScreenSource>>) -> Response {
    let page = tokio::task::spawn_blocking(move || source.page())
        .await
        .ok()
        .flatten();
    let (status, body) = match page {
        Some(page) => (StatusCode::OK, page),
        None => (StatusCode::SERVICE_UNAVAILABLE, UNAVAILABLE.to_owned()),
    };
    (
        status,
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
            (header::CONTENT_SECURITY_POLICY, POLICY),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            (header::REFERRER_POLICY, "no-referrer"),
        ],
        body,
    )
        .into_response()
}

/// Serves the screen of `source` on `listener` until `shutdown` completes.
pub async fn serve(
    listener: HallListener,
    source: Arc<dyn ScreenSource>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    http_server::serve(listener.into_inner(), router(source), &limits(), shutdown).await
}
