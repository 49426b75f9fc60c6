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
