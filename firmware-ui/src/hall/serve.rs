//! The lead's side of the hall: urne-sync's server on a runtime thread of its own, answering
//! each request by running it on the kiosk's worker — the one writer of the store — and waiting
//! for the result, so that a cast is acknowledged after its commit. A pairing waits outside the
//! worker for the organiser's decision, asking the worker now and then, so that the screens
//! stay live meanwhile.

use core::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Sender};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use tokio::sync::oneshot;
use urne_codec::hall::{AnswerBody, RefusalCode, RequestBody};
use urne_core::crypto::Fingerprint;
use urne_sync::hall::screen::{self, ScreenSource};
use urne_sync::hall::server::{HallLead, HallListener, LeadServer, Peer, ServerLimits};
use urne_sync::hall::tls::{KeyGate, TlsIdentity};

use crate::kiosk::Kiosk;
use crate::kiosk::hall::{HallGate, HallReply, PAIRING_LAPSE_SECS};
use crate::worker::Job;

/// The hall served by this lead kiosk, until dropped.
pub struct LeadService {
    address: SocketAddr,
    screen_address: Option<SocketAddr>,
    stopping: Arc<AtomicBool>,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for LeadService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LeadService")
            .field("address", &self.address)
            .finish_non_exhaustive()
    }
}

impl LeadService {
    /// Serves the hall on `address` (port 0: a free one) with the kiosk's device key, running
    /// each request on the worker that `jobs` feeds and letting in whom `gate` admits.
    pub fn start<R: Send + 'static>(
        jobs: Sender<Job<R>>,
        lead: &LeadKeys,
        address: SocketAddr,
    ) -> std::io::Result<Self> {
        let identity = &lead.identity;
        let stopping = Arc::new(AtomicBool::new(false));
        let screen: Arc<dyn ScreenSource> = Arc::new(WorkerScreen {
            jobs: jobs.clone(),
            last: std::sync::Mutex::new(None),
        });
        let lead = Arc::new(WorkerLead {
            jobs,
            gate: lead.gate.clone(),
            stopping: stopping.clone(),
        });
        let server = LeadServer::new(identity, lead, ServerLimits::default())
            .map_err(std::io::Error::other)?;
        let server = Arc::new(server);
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("hall-lead")
            .enable_all()
            .build()?;
        let listener = runtime.block_on(HallListener::bind(address))?;
        // The projected screen on the next port (any free one when the hall's port is).
        let screen_port = match address.port() {
            0 => 0,
            port => port.checked_add(1).unwrap_or(0),
        };
        let address = listener.local_addr()?;
        // A port taken by something else costs the projected screen, not the hall.
        let screen_listener = match runtime.block_on(HallListener::bind(SocketAddr::new(
            address.ip(),
            screen_port,
        ))) {
            Ok(listener) => Some(listener),
            Err(error) => {
                tracing::warn!(%error, port = screen_port, "hall: no projected screen");
                None
            }
        };
        let screen_address = screen_listener.as_ref().and_then(|l| l.local_addr().ok());
        let (stop, stopped) = oneshot::channel::<()>();
        let (screen_stop, screen_stopped) = oneshot::channel::<()>();
        let serving = server.clone();
        let thread = std::thread::Builder::new()
            .name("hall-lead".into())
            .spawn(move || {
                runtime.block_on(async move {
                    let wall = screen_listener.map(|listener| {
                        tokio::spawn(screen::serve(listener, screen, async {
                            let _ = screen_stopped.await;
                        }))
                    });
                    serving
                        .serve(listener, async {
                            let _ = stopped.await;
                        })
                        .await;
                    let _ = screen_stop.send(());
                    if let Some(wall) = wall
                        && let Ok(Err(error)) = wall.await
                    {
                        tracing::warn!(%error, "hall: the projected screen stopped");
                    }
                });
            })?;
        tracing::info!(%address, screen = ?screen_address, "hall: the lead listens");
        Ok(Self {
            address,
            screen_address,
            stopping,
            stop: Some(stop),
            thread: Some(thread),
        })
    }

    /// Serves the hall on `port` on every address of this kiosk (IPv6 and IPv4 together where
    /// the system allows, else IPv4).
    pub fn everywhere<R: Send + 'static>(
        jobs: Sender<Job<R>>,
        lead: &LeadKeys,
        port: u16,
    ) -> std::io::Result<Self> {
        use core::net::{IpAddr, Ipv4Addr, Ipv6Addr};
        let any6 = SocketAddr::new(IpAddr::V6(Ipv6Addr::UNSPECIFIED), port);
        let any4 = SocketAddr::new(IpAddr::V4(Ipv4Addr::UNSPECIFIED), port);
        Self::start(jobs.clone(), lead, any6).or_else(|_| Self::start(jobs, lead, any4))
    }

    /// Where the hall's kiosks reach this lead.
    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// Where a browser in the hall reads the projected screen (plain HTTP); `None` when its
    /// port was taken.
    pub fn screen_address(&self) -> Option<SocketAddr> {
        self.screen_address
    }
}

impl Drop for LeadService {
    fn drop(&mut self) {
        self.stopping.store(true, Ordering::Relaxed);
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// What the lead's server needs from the kiosk before it serves: the device key as a TLS
/// identity, and the gate the kiosk keeps up to date. Read on the worker (`Kiosk::lead_keys`).
#[derive(Debug, Clone)]
pub struct LeadKeys {
    /// The device key as a raw public key.
    pub identity: TlsIdentity,
    /// Who may finish a handshake.
    pub gate: HallGate,
}

/// How long a page written for the projected screen is served again as it is: any number of
/// screens and phones in the hall cost the worker one read a second at most.
const PAGE_KEPT: Duration = Duration::from_secs(1);

/// How long a page waits for the worker (busy with a count, say) before the screen is told
/// the lead does not answer; it asks again at its next refresh.
const PAGE_WAIT: Duration = Duration::from_secs(3);

/// The projected screen's page, asked of the kiosk's worker and written here.
struct WorkerScreen<R> {
    jobs: Sender<Job<R>>,
    last: std::sync::Mutex<Option<(Instant, String)>>,
}

impl<R: Send + 'static> ScreenSource for WorkerScreen<R> {
    fn page(&self) -> Option<String> {
        let mut last = self
            .last
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some((at, page)) = last.as_ref()
            && at.elapsed() < PAGE_KEPT
        {
            return Some(page.clone());
        }
        let (done, result) = mpsc::sync_channel(1);
        let job: Job<R> = Box::new(move |kiosk, _| {
            let _ = done.send(kiosk.wall());
        });
        self.jobs.send(job).ok()?;
        match result.recv_timeout(PAGE_WAIT).ok()? {
            Ok(wall) => {
                let page = super::wall::page(&wall);
                *last = Some((Instant::now(), page.clone()));
                Some(page)
            }
            Err(error) => {
                tracing::warn!(%error, "hall: the projected screen could not be read");
                None
            }
        }
    }
}

/// The lead kiosk behind its worker.
struct WorkerLead<R> {
    jobs: Sender<Job<R>>,
    gate: HallGate,
    /// Set when the service stops, so that a pairing's wait ends at once instead of holding
    /// the service's thread for minutes.
    stopping: Arc<AtomicBool>,
}

impl<R: Send + 'static> WorkerLead<R> {
    /// Runs `f` on the worker and waits for its result; `None` if the worker is gone.
    fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Kiosk) -> T + Send + 'static,
    ) -> Option<T> {
        let (done, result) = mpsc::sync_channel(1);
        let job: Job<R> = Box::new(move |kiosk, _| {
            let _ = done.send(f(kiosk));
        });
        self.jobs.send(job).ok()?;
        result.recv().ok()
    }

    /// Waits for the organiser's decision on `device`'s pairing.
    fn await_organiser(&self, device: Fingerprint) -> AnswerBody {
        let give_up = Instant::now() + Duration::from_secs(PAIRING_LAPSE_SECS.unsigned_abs() + 5);
        loop {
            match self.run(move |k| k.pairing_outcome(&device)) {
                Some(Some(answer)) => return answer,
                Some(None)
                    if Instant::now() < give_up && !self.stopping.load(Ordering::Relaxed) =>
                {
                    std::thread::sleep(Duration::from_millis(250));
                }
                Some(None) | None => {
                    return AnswerBody::Refused {
                        code: RefusalCode::TokenExpired,
                        at: None,
                    };
                }
            }
        }
    }
}

impl<R: Send + 'static> KeyGate for WorkerLead<R> {
    fn admits(&self, device: &Fingerprint) -> bool {
        self.gate.admits(device)
    }
}

impl<R: Send + 'static> HallLead for WorkerLead<R> {
    fn answer(&self, peer: &Peer, request: RequestBody) -> AnswerBody {
        let device = peer.device;
        match self.run(move |k| k.hall_answer(&device, request)) {
            Some(HallReply::Answer(answer)) => answer,
            Some(HallReply::AwaitOrganiser) => self.await_organiser(device),
            None => AnswerBody::Refused {
                code: RefusalCode::Storage,
                at: None,
            },
        }
    }
}
