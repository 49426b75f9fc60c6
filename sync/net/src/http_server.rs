//! An HTTP server's accept loop, in place of `axum::serve`, for the registry and the hall's
//! projected screen: each connection is served by hyper with a header-read timeout, at most
//! [`HttpLimits::max_connections`] at once (the next ones wait in the system's queue, so a flood
//! cannot exhaust file descriptors) and at most [`HttpLimits::connections_per_ip`] from one
//! address (more are closed on arrival, before anything is read). Measured on the registry
//! before it: 100 idle connections stayed open for as long as their senders wished, and four
//! slow uploads blocked every real one. On shutdown, requests in flight finish.

use std::future::Future;
use std::time::Duration;

use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;

use crate::admission::Admission;

/// The caps of one HTTP server.
#[derive(Debug, Clone)]
pub struct HttpLimits {
    /// Connections open at once; the next one waits in the system's queue.
    pub max_connections: usize,
    /// Connections open at once from one address; more are closed on arrival.
    pub connections_per_ip: usize,
    /// A connection that has not sent a request's headers in this time is closed.
    pub header_read_timeout: Duration,
}

/// Serves `app` on `listener` until `shutdown` completes, finishing requests in flight.
pub async fn serve(
    listener: TcpListener,
    app: axum::Router,
    limits: &HttpLimits,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
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
