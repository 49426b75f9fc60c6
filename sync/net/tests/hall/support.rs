//! A lead that records what it applies, started on a free port, and device keys for the tests.

use std::collections::HashSet;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::oneshot;
use urne_codec::hall::{AnswerBody, HallStatus, RequestBody};
use urne_core::crypto::{Fingerprint, SecretKey};
use urne_sync::hall::client::{ClientPolicy, HallClient};
use urne_sync::hall::server::{HallLead, LeadServer, Peer, ServerLimits};
use urne_sync::hall::tls::{KeyGate, TlsIdentity};

/// A device key of the tests (seeded, so that a failure names the same kiosk every run).
pub fn device(n: u8) -> SecretKey {
    SecretKey::from_seed(&[n; 32])
}

pub fn identity(key: &SecretKey) -> TlsIdentity {
    TlsIdentity::from_device_key(key).unwrap()
}

/// One request as the lead applied it.
#[derive(Debug, Clone)]
pub struct Applied {
    pub device: Fingerprint,
    pub request: RequestBody,
    pub answer: AnswerBody,
}

impl Applied {
    /// The badge of a check-in.
    pub fn badge(&self) -> Option<&str> {
        match &self.request {
            RequestBody::CheckIn { badge } => Some(badge),
            _ => None,
        }
    }
}

/// A lead that admits the keys it is told and answers each request with the number of requests
/// applied so far: a request applied twice would get two different answers.
#[derive(Debug, Default)]
pub struct RecordingLead {
    pub admitted: Mutex<HashSet<Fingerprint>>,
    pub applied: Mutex<Vec<Applied>>,
    /// How long each application takes (a lead's SQLite commit).
    pub work: Mutex<Duration>,
}

impl RecordingLead {
    pub fn admitting(keys: &[&SecretKey]) -> Arc<Self> {
        let lead = Self::default();
        for key in keys {
            lead.admit(key);
        }
        Arc::new(lead)
    }

    pub fn admit(&self, key: &SecretKey) {
        self.admitted
            .lock()
            .unwrap()
            .insert(key.public().fingerprint());
    }

    pub fn remove(&self, key: &SecretKey) {
        self.admitted
            .lock()
            .unwrap()
            .remove(&key.public().fingerprint());
    }

    pub fn applied(&self) -> Vec<Applied> {
        self.applied.lock().unwrap().clone()
    }
}

impl KeyGate for RecordingLead {
    fn admits(&self, device: &Fingerprint) -> bool {
        self.admitted.lock().unwrap().contains(device)
    }
}

impl HallLead for RecordingLead {
    fn answer(&self, peer: &Peer, request: RequestBody) -> AnswerBody {
        let work = *self.work.lock().unwrap();
        std::thread::sleep(work);
        let mut applied = self.applied.lock().unwrap();
        let answer = AnswerBody::Status {
            status: HallStatus {
                present: applied.len() as u64 + 1,
                represented: 0,
                open: Vec::new(),
            },
        };
        applied.push(Applied {
            device: peer.device,
            request,
            answer: answer.clone(),
        });
        answer
    }
}

/// A lead served on 127.0.0.1 until dropped.
pub struct Running {
    pub address: SocketAddr,
    pub server: Arc<LeadServer>,
    _stop: oneshot::Sender<()>,
}

pub async fn serve(key: &SecretKey, lead: Arc<RecordingLead>, limits: ServerLimits) -> Running {
    let server = Arc::new(LeadServer::new(&identity(key), lead, limits).unwrap());
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let (stop, stopped) = oneshot::channel::<()>();
    let serving = server.clone();
    tokio::spawn(async move {
        serving
            .serve(listener, async {
                let _ = stopped.await;
            })
            .await;
    });
    Running {
        address,
        server,
        _stop: stop,
    }
}

/// A member kiosk's client of `lead` at `address`, quick to give up.
pub fn client(member: &SecretKey, lead: &SecretKey, address: SocketAddr) -> HallClient {
    HallClient::new(
        &identity(member),
        lead.public().fingerprint(),
        vec![address],
        ClientPolicy {
            connect_timeout: Duration::from_secs(2),
            answer_timeout: Duration::from_secs(3),
            first_pause: Duration::from_millis(20),
            max_pause: Duration::from_millis(500),
        },
    )
    .unwrap()
}

pub fn status() -> RequestBody {
    RequestBody::Status {}
}
