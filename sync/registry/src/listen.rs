//! The registry's accept loop, in place of `axum::serve`: each connection is served by hyper with
//! a header-read timeout, at most [`Limits::max_connections`] at once (the next ones wait in the
//! system's queue, so a flood cannot exhaust file descriptors) and at most
//! [`Limits::connections_per_ip`] from one address (more are closed on arrival, before anything
//! is read). Measured before: 100 idle connections stayed open for as long as their senders
//! wished, and four slow uploads blocked every real one. On shutdown, requests in flight finish.

use std::future::Future;
use std::time::Duration;

use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use urne_sync::admission::Admission;

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
    let app = router(registry);
    let admission = Admission::new(limits.max_connections, limits.connections_per_ip);
    let graceful = GracefulShutdown::new();
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout);
    tokio::pin!(shutdown);
    loop {
        let room = tokio::select! {
            room = admission.room() => room,
            () = &mut shutdown => break,
        };
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    // Out of file descriptors, or a connection reset while queued: wait a little
                    // rather than spin, and go on.
                    tracing::warn!(error = %e, "cannot accept a connection");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let Some(ticket) = admission.admit(room, peer.ip()) else {
            tracing::debug!(%peer, "too many connections from one address: closed");
            continue;
        };
        let connection =
            http.serve_connection(TokioIo::new(stream), TowerToHyperService::new(app.clone()));
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            if let Err(e) = connection.await {
                tracing::debug!(error = %e, "connection ended with an error");
            }
            drop(ticket);
        });
    }
    drop(listener);
    graceful.shutdown().await;
    Ok(())
}
