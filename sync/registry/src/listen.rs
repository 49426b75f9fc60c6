//! The registry's accept loop: urne-sync's HTTP server loop ([`urne_sync::http_server`]) under
//! the registry's connection caps and header-read timeout.

use std::future::Future;

use urne_sync::http_server::{self, HttpLimits};

use crate::http::router;
use crate::limits::Limits;
use crate::service::Registry;

/// Serves the registry on `listener` until `shutdown` completes, finishing requests in flight.
pub async fn serve(
    listener: tokio::net::TcpListener,
    registry: Registry,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let limits: Limits = registry.limits().clone();
    let caps = HttpLimits {
        max_connections: limits.max_connections,
        connections_per_ip: limits.connections_per_ip,
        header_read_timeout: limits.header_read_timeout,
    };
    http_server::serve(listener, router(registry), &caps, shutdown).await
}
