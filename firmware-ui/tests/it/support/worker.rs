//! Acting on a kiosk that runs on its own worker, as the organiser at its screen would: a
//! closure run on the worker, its result waited for.

use std::sync::mpsc::{self, Sender};

use urne_kiosk::kiosk::Kiosk;
use urne_kiosk::worker::Job;

/// Runs `f` on the kiosk behind `jobs` and returns its result.
pub fn on<T: Send + 'static>(
    jobs: &Sender<Job<()>>,
    f: impl FnOnce(&mut Kiosk) -> T + Send + 'static,
) -> T {
    let (done, result) = mpsc::sync_channel(1);
    jobs.send(Box::new(move |k, _| {
        let _ = done.send(f(k));
    }))
    .unwrap();
    result.recv().unwrap()
}

/// A lead kiosk on a worker of its own, serving its hall on 127.0.0.1 (a free port) until
/// dropped.
pub struct ServedLead {
    /// What runs on the lead.
    pub jobs: Sender<Job<()>>,
    /// The hall's service.
    pub service: urne_kiosk::hall::serve::LeadService,
    /// The lead's device key fingerprint.
    pub fingerprint: urne_core::crypto::Fingerprint,
    // Dropped last: the service first, then the worker finishes what it holds.
    _worker: urne_kiosk::worker::Worker<()>,
}

impl ServedLead {
    /// Serves the hall of `kiosk`.
    pub fn start(kiosk: Kiosk) -> Self {
        let identity = kiosk.hall_identity().unwrap();
        let keys = urne_kiosk::hall::serve::LeadKeys {
            identity: identity.clone(),
            gate: kiosk.hall_gate(),
        };
        let (worker, _inbox) =
            urne_kiosk::worker::Worker::<()>::spawn(kiosk, std::sync::Arc::new(|| {})).unwrap();
        let jobs = worker.jobs();
        let service = urne_kiosk::hall::serve::LeadService::start(
            jobs.clone(),
            &keys,
            "127.0.0.1:0".parse().unwrap(),
        )
        .unwrap();
        Self {
            jobs,
            service,
            fingerprint: identity.fingerprint(),
            _worker: worker,
        }
    }

    /// Runs `f` on the lead and returns its result.
    pub fn on<T: Send + 'static>(&self, f: impl FnOnce(&mut Kiosk) -> T + Send + 'static) -> T {
        on(&self.jobs, f)
    }
}
