//! A member kiosk's link to the lead: one TLS connection pinned to the lead's key, opened on
//! demand to the card's addresses in turn, and requests that survive a bad network. Each request
//! has an id drawn once; a lost answer, a reset or a partition is retried with the same id, with
//! growing pauses, until the caller's deadline, so that the lead applies it once and answers it
//! the same. A lead with another key, or a lead that no longer admits this kiosk, is not retried.

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use rustls::pki_types::ServerName;
use tokio::net::TcpStream;
use tokio::sync::Mutex;
use tokio::time::Instant;
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;
use urne_codec::hall::frame::{self, FrameReader};
use urne_codec::hall::{Answer, AnswerBody, HALL_VERSION, Request, RequestBody, RequestId};
use urne_core::crypto::Fingerprint;

use super::tls::{TlsIdentity, TlsSetupError, client_config};
use super::wire::{WireError, read_frame, write_message};

/// How hard the client tries.
#[derive(Debug, Clone)]
pub struct ClientPolicy {
    /// One TCP connection and TLS handshake to one address.
    pub connect_timeout: Duration,
    /// From the request written to its answer read. Not for a pairing, whose answer waits for
    /// an organiser's decision: it is waited for until the caller's deadline.
    pub answer_timeout: Duration,
    /// The first pause after a failure; it doubles up to `max_pause`.
    pub first_pause: Duration,
    /// The longest pause.
    pub max_pause: Duration,
}

impl Default for ClientPolicy {
    fn default() -> Self {
        Self {
            connect_timeout: Duration::from_secs(3),
            answer_timeout: Duration::from_secs(10),
            first_pause: Duration::from_millis(100),
            max_pause: Duration::from_secs(2),
        }
    }
}

/// Why a request got no answer.
#[derive(Debug, thiserror::Error)]
pub enum HallError {
    /// The lead could not be reached, or did not answer, before the deadline. The request may
    /// have been applied: retry it with the same id.
    #[error("the lead kiosk did not answer in time ({attempts} attempts; last: {last})")]
    Unreachable {
        /// How many times the request was tried.
        attempts: u32,
        /// What went wrong the last time.
        last: String,
    },
    /// The kiosk at the card's address has another key than the card's: not the lead, or an
    /// impostor.
    #[error("the kiosk at this address is not the paired lead (its key differs)")]
    WrongLead,
    /// The lead refused this kiosk's key: not paired, or removed from the hall.
    #[error("the lead kiosk does not admit this kiosk (not paired, or removed)")]
    NotAdmitted,
}

/// What one attempt came to.
enum Failure {
    /// Worth another try.
    Transient(String),
    /// Not worth another try.
    Final(HallError),
}

/// A member kiosk's client of one lead.
pub struct HallClient {
    connector: TlsConnector,
    addresses: Vec<SocketAddr>,
    policy: ClientPolicy,
    link: Mutex<Link>,
}

impl std::fmt::Debug for HallClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HallClient")
            .field("addresses", &self.addresses)
            .finish_non_exhaustive()
    }
}

#[derive(Default)]
struct Link {
    stream: Option<TlsStream<TcpStream>>,
    /// The address that answered last: tried first.
    preferred: usize,
}

impl HallClient {
    /// A client of the lead with fingerprint `lead` at `addresses` (the pairing card's).
    pub fn new(
        identity: &TlsIdentity,
        lead: Fingerprint,
        addresses: Vec<SocketAddr>,
        policy: ClientPolicy,
    ) -> Result<Self, TlsSetupError> {
        let config = client_config(identity, lead)?;
        Ok(Self {
            connector: TlsConnector::from(Arc::new(config)),
            addresses,
            policy,
            link: Mutex::default(),
        })
    }

    /// A new request id (128 bits from the system's random source).
    pub fn new_id() -> RequestId {
        let mut bytes = [0u8; 16];
        getrandom::fill(&mut bytes).expect("the system's random source works");
        RequestId(bytes)
    }

    /// Sends a request under `id` and waits for its answer, retrying until `deadline` has
    /// passed; no attempt outlasts it. A request retried later (after
    /// [`HallError::Unreachable`]) must keep its id.
    pub async fn request(
        &self,
        id: RequestId,
        body: RequestBody,
        deadline: Duration,
    ) -> Result<AnswerBody, HallError> {
        let request = Request {
            version: HALL_VERSION,
            id,
            body,
        };
        let give_up = Instant::now() + deadline;
        let mut pause = self.policy.first_pause;
        let mut attempts = 0;
        loop {
            attempts += 1;
            let last = match self.attempt(&request, give_up).await {
                Ok(answer) => return Ok(answer),
                Err(Failure::Final(e)) => return Err(e),
                Err(Failure::Transient(why)) => why,
            };
            tracing::debug!(attempt = attempts, error = %last, "hall: request to retry");
            let now = Instant::now();
            if now + pause >= give_up {
                return Err(HallError::Unreachable { attempts, last });
            }
            tokio::time::sleep(jitter(pause)).await;
            pause = (pause * 2).min(self.policy.max_pause);
        }
    }

    /// One try, over the open connection or a new one, given up at `give_up`.
    async fn attempt(&self, request: &Request, give_up: Instant) -> Result<AnswerBody, Failure> {
        let Ok(mut link) = tokio::time::timeout_at(give_up, self.link.lock()).await else {
            return Err(Failure::Transient(
                "the link was busy until the deadline".into(),
            ));
        };
        if link.stream.is_none() {
            let (stream, at) = self.connect(link.preferred, give_up).await?;
            link.stream = Some(stream);
            link.preferred = at;
        }
        let Some(stream) = link.stream.as_mut() else {
            return Err(Failure::Transient("no connection".into()));
        };
        let exchange = async {
            write_message(stream, request).await?;
            let mut reader = FrameReader::new();
            match read_frame(stream, &mut reader).await? {
                Some(body) => Ok(body),
                None => Err(WireError::Cut),
            }
        };
        let answer_by = match request.body {
            RequestBody::Pair { .. } => give_up,
            _ => give_up.min(Instant::now() + self.policy.answer_timeout),
        };
        let outcome = tokio::time::timeout_at(answer_by, exchange).await;
        let body = match outcome {
            Ok(Ok(body)) => body,
            Ok(Err(e)) => {
                link.stream = None;
                return Err(classify_wire(e));
            }
            Err(_) => {
                link.stream = None;
                return Err(Failure::Transient("no answer in time".into()));
            }
        };
        match frame::decode::<Answer>(&body) {
            // (A lead of another version answers in its own version, under this id.)
            Ok(answer) if answer.id == request.id => Ok(answer.body),
            // A request the lead could not read at all is refused under no id; a retry would
            // not read better.
            Ok(Answer {
                id,
                body: body @ AnswerBody::Refused { .. },
                ..
            }) if id == RequestId([0; 16]) => Ok(body),
            Ok(_) | Err(_) => {
                // Out of step with the lead: start over on a new connection.
                link.stream = None;
                Err(Failure::Transient(
                    "an answer that is not this request's".into(),
                ))
            }
        }
    }

    /// Connects to the first address that answers, starting with `preferred`, before
    /// `give_up`.
    async fn connect(
        &self,
        preferred: usize,
        give_up: Instant,
    ) -> Result<(TlsStream<TcpStream>, usize), Failure> {
        let mut last = String::from("the pairing card lists no address");
        for n in 0..self.addresses.len() {
            let at = (preferred + n) % self.addresses.len();
            let address = self.addresses[at];
            let connecting = async {
                let tcp = TcpStream::connect(address).await?;
                let _ = tcp.set_nodelay(true);
                self.connector
                    .connect(ServerName::IpAddress(address.ip().into()), tcp)
                    .await
            };
            let by = give_up.min(Instant::now() + self.policy.connect_timeout);
            match tokio::time::timeout_at(by, connecting).await {
                Ok(Ok(stream)) => return Ok((stream, at)),
                Ok(Err(e)) => match classify_io(&e) {
                    Failure::Final(e) => return Err(Failure::Final(e)),
                    Failure::Transient(why) => last = format!("{address}: {why}"),
                },
                Err(_) => last = format!("{address}: no connection in time"),
            }
        }
        Err(Failure::Transient(last))
    }
}

fn classify_wire(error: WireError) -> Failure {
    match error {
        WireError::Io(e) => classify_io(&e),
        WireError::Cut | WireError::Frame(_) => Failure::Transient(error.to_string()),
    }
}

/// Tells the TLS refusals that will not change on a retry from a bad network.
fn classify_io(error: &io::Error) -> Failure {
    let tls = error
        .get_ref()
        .and_then(|inner| inner.downcast_ref::<rustls::Error>());
    match tls {
        Some(rustls::Error::InvalidCertificate(_)) => Failure::Final(HallError::WrongLead),
        // The lead checks this kiosk's key after the client's side of the handshake is done,
        // so its refusal arrives as an alert on the first read.
        Some(rustls::Error::AlertReceived(
            rustls::AlertDescription::AccessDenied
            | rustls::AlertDescription::BadCertificate
            | rustls::AlertDescription::CertificateUnknown
            | rustls::AlertDescription::UnsupportedCertificate,
        )) => Failure::Final(HallError::NotAdmitted),
        _ => Failure::Transient(error.to_string()),
    }
}

/// A pause of between 75 % and 125 % of `pause`, so that kiosks cut off together do not come
/// back in step.
fn jitter(pause: Duration) -> Duration {
    let mut byte = [0u8; 1];
    let spread = match getrandom::fill(&mut byte) {
        Ok(()) => f64::from(byte[0]) / 255.0,
        Err(_) => 0.5,
    };
    pause.mul_f64(0.75 + spread / 2.0)
}
