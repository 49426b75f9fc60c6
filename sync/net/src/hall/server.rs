//! The lead kiosk's server: a TLS accept loop over the hall's network, under connection caps and
//! timeouts, that reads request frames from the member kiosks and hands each one, with the key
//! its sender proved, to the kiosk's [`HallLead`] on a blocking thread (the lead's store is
//! SQLite). A request id seen before gets the answer it got the first time, and a request is
//! applied at most once even if its retry arrives while it is still being applied: the
//! application runs in a task of its own, which a dropped connection does not cancel.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::Deserialize;
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::TlsAcceptor;
use urne_codec::hall::frame::{self, FrameReader};
use urne_codec::hall::{
    Answer, AnswerBody, HALL_VERSION, RefusalCode, Request, RequestBody, RequestId,
};
use urne_core::crypto::Fingerprint;

use super::replay::{AnswerBook, Entry};
use super::tls::{KeyGate, TlsIdentity, TlsSetupError, peer_fingerprint, server_config};
use super::wire::{WireError, read_frame, write_message};
use crate::admission::Admission;

/// A member kiosk as the lead sees it on one connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Peer {
    /// The fingerprint of the device key the handshake proved.
    pub device: Fingerprint,
}

/// What the lead kiosk does with the hall's requests. The kiosk implements it over its store.
pub trait HallLead: KeyGate {
    /// The answer to one request from `peer`. Called on a blocking thread, at most once per
    /// (kiosk, request id) while the answer is remembered; answered to the kiosk only once this
    /// returns, so a stored cast is acknowledged only after its commit.
    fn answer(&self, peer: &Peer, request: RequestBody) -> AnswerBody;
}

/// The lead's caps and timeouts.
#[derive(Debug, Clone)]
pub struct ServerLimits {
    /// Connections open at once (a hall has a handful of kiosks; a few reconnect at a time).
    pub max_connections: usize,
    /// Connections open at once from one address.
    pub connections_per_address: usize,
    /// A TLS handshake not finished in this time is dropped.
    pub handshake_timeout: Duration,
    /// A connection with no request for this long is closed (the kiosk reconnects).
    pub idle_timeout: Duration,
    /// Once a frame has begun, it must arrive whole within this time.
    pub frame_timeout: Duration,
}

impl Default for ServerLimits {
    fn default() -> Self {
        Self {
            max_connections: 64,
            connections_per_address: 8,
            handshake_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(120),
            frame_timeout: Duration::from_secs(10),
        }
    }
}

/// The id and version of a request, read before the rest so that a request of another version,
/// or one whose body cannot be read, is answered under its own id.
#[derive(Deserialize)]
struct Envelope {
    version: u32,
    id: RequestId,
}

/// The lead's listening socket, bound before it serves so that the kiosk knows its port (for
/// the pairing card) while binding stays in this crate.
#[derive(Debug)]
pub struct HallListener(TcpListener);

impl HallListener {
    /// Binds `address` (port 0: any free port).
    pub async fn bind(address: SocketAddr) -> std::io::Result<Self> {
        TcpListener::bind(address).await.map(Self)
    }

    /// Where it listens.
    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.0.local_addr()
    }

    pub(super) fn into_inner(self) -> TcpListener {
        self.0
    }
}

impl From<TcpListener> for HallListener {
    fn from(listener: TcpListener) -> Self {
        Self(listener)
    }
}

/// The lead's server: its TLS configuration, its caps and the answers it remembers.
pub struct LeadServer {
    acceptor: TlsAcceptor,
    lead: Arc<dyn HallLead>,
    limits: ServerLimits,
    book: Arc<AnswerBook>,
}

impl std::fmt::Debug for LeadServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LeadServer")
            .field("limits", &self.limits)
            .finish_non_exhaustive()
    }
}

impl LeadServer {
    /// A server for `lead` under the device key `identity`.
    pub fn new(
        identity: &TlsIdentity,
        lead: Arc<dyn HallLead>,
        limits: ServerLimits,
    ) -> Result<Self, TlsSetupError> {
        let gate: Arc<dyn KeyGate> = Arc::new(GateOf(lead.clone()));
        Ok(Self {
            acceptor: TlsAcceptor::from(Arc::new(server_config(identity, gate)?)),
            lead,
            limits,
            book: Arc::new(AnswerBook::new()),
        })
    }

    /// How many requests were answered from memory: retries of a request already applied.
    pub fn answered_again(&self) -> u64 {
        self.book.repeats()
    }

    /// Serves the hall on `listener` until `shutdown` completes. Requests being applied then
    /// finish in their own tasks.
    pub async fn serve(
        &self,
        listener: impl Into<HallListener>,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) {
        let HallListener(listener) = listener.into();
        let limits = &self.limits;
        let admission = Admission::new(limits.max_connections, limits.connections_per_address);
        tokio::pin!(shutdown);
        loop {
            let room = tokio::select! {
                room = admission.room() => room,
                () = &mut shutdown => break,
            };
            let (stream, address) = tokio::select! {
                accepted = listener.accept() => match accepted {
                    Ok(accepted) => accepted,
                    Err(e) => {
                        tracing::warn!(error = %e, "hall: cannot accept a connection");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                },
                () = &mut shutdown => break,
            };
            let Some(ticket) = admission.admit(room, address.ip()) else {
                tracing::debug!(%address, "hall: too many connections from one address: closed");
                continue;
            };
            let connection = Connection {
                acceptor: self.acceptor.clone(),
                lead: self.lead.clone(),
                book: self.book.clone(),
                limits: limits.clone(),
                address,
            };
            tokio::spawn(async move {
                connection.run(stream).await;
                drop(ticket);
            });
        }
    }
}

/// The lead seen as the TLS layer's gate.
struct GateOf(Arc<dyn HallLead>);

impl KeyGate for GateOf {
    fn admits(&self, device: &Fingerprint) -> bool {
        self.0.admits(device)
    }
}

/// One member kiosk's connection.
struct Connection {
    acceptor: TlsAcceptor,
    lead: Arc<dyn HallLead>,
    book: Arc<AnswerBook>,
    limits: ServerLimits,
    address: SocketAddr,
}

impl Connection {
    async fn run(self, stream: TcpStream) {
        let _ = stream.set_nodelay(true);
        let handshake = tokio::time::timeout(self.limits.handshake_timeout, async {
            self.acceptor.accept(stream).await
        });
        let mut tls = match handshake.await {
            Ok(Ok(tls)) => tls,
            Ok(Err(e)) => {
                tracing::info!(address = %self.address, error = %e, "hall: handshake refused");
                return;
            }
            Err(_) => {
                tracing::debug!(address = %self.address, "hall: handshake too slow: closed");
                return;
            }
        };
        let device = tls
            .get_ref()
            .1
            .peer_certificates()
            .and_then(|certs| certs.first())
            .and_then(|key| peer_fingerprint(key.as_ref()));
        let Some(device) = device else {
            // The verifier accepted a key, so this does not happen; refuse rather than guess.
            return;
        };
        let peer = Peer { device };
        let mut reader = FrameReader::new();
        loop {
            let body = match self.next_frame(&mut tls, &mut reader).await {
                Ok(Some(body)) => body,
                Ok(None) => return,
                Err(e) => {
                    tracing::debug!(device = %peer.device, error = %e, "hall: connection closed");
                    return;
                }
            };
            let (answer, keep_open) = self.answer(&peer, &body).await;
            if let Err(e) = write_message(&mut tls, &answer).await {
                tracing::debug!(device = %peer.device, error = %e, "hall: answer not delivered");
                return;
            }
            if !keep_open {
                return;
            }
        }
    }

    /// The next frame: waits up to the idle timeout for it to begin, then up to the frame
    /// timeout for the rest.
    async fn next_frame<S>(
        &self,
        stream: &mut S,
        reader: &mut FrameReader,
    ) -> Result<Option<Vec<u8>>, WireError>
    where
        S: tokio::io::AsyncRead + Unpin,
    {
        let limit = self.limits.idle_timeout + self.limits.frame_timeout;
        match tokio::time::timeout(limit, read_frame(stream, reader)).await {
            Ok(result) => result,
            Err(_) => Err(WireError::Io(std::io::ErrorKind::TimedOut.into())),
        }
    }

    /// The answer to one frame, and whether the connection stays open after it (not after a
    /// frame that could not be read: the stream may be out of step).
    async fn answer(&self, peer: &Peer, body: &[u8]) -> (Answer, bool) {
        let refused = |id, code| Answer {
            version: HALL_VERSION,
            id,
            body: AnswerBody::Refused { code, at: None },
        };
        let Ok(envelope) = frame::decode::<Envelope>(body) else {
            return (refused(RequestId([0; 16]), RefusalCode::Malformed), false);
        };
        if envelope.version != HALL_VERSION {
            return (refused(envelope.id, RefusalCode::Version), false);
        }
        let Ok(request) = frame::decode::<Request>(body) else {
            return (refused(envelope.id, RefusalCode::Malformed), false);
        };
        // Asked again on every request: a kiosk removed from the hall is cut off at its next
        // request, not only at its next connection.
        if !self.lead.admits(&peer.device) {
            return (refused(envelope.id, RefusalCode::NotPaired), false);
        }
        let body = self.apply_once(*peer, request).await;
        let answer = Answer {
            version: HALL_VERSION,
            id: envelope.id,
            body,
        };
        (answer, true)
    }

    /// Applies a request once, or waits for the answer of its first arrival.
    async fn apply_once(&self, peer: Peer, request: Request) -> AnswerBody {
        let mut receiver = match self.book.enter(peer.device, request.id, Instant::now()) {
            Entry::First(sender) => {
                let receiver = sender.subscribe();
                let lead = self.lead.clone();
                // A task of its own: the application finishes, and is remembered, even if this
                // connection drops while it runs.
                tokio::spawn(async move {
                    let applied =
                        tokio::task::spawn_blocking(move || lead.answer(&peer, request.body));
                    let answer = applied.await.unwrap_or_else(|e| {
                        tracing::error!(error = %e, "hall: the lead failed on a request");
                        AnswerBody::Refused {
                            code: RefusalCode::Storage,
                            at: None,
                        }
                    });
                    sender.send_replace(Some(answer));
                });
                receiver
            }
            Entry::Again(receiver) => receiver,
        };
        match receiver.wait_for(Option::is_some).await {
            Ok(answer) => answer.clone().unwrap_or(AnswerBody::Refused {
                code: RefusalCode::Storage,
                at: None,
            }),
            Err(_) => AnswerBody::Refused {
                code: RefusalCode::Storage,
                at: None,
            },
        }
    }
}
