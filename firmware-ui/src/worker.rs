//! The worker thread that owns the kiosk controller: every store write, signature and file
//! write happens here, so that the UI thread never waits on the SD card or the USB stick.
//!
//! The UI hands it [`Job`]s — closures that run on the controller — and each job posts what the
//! screen should do with its outcome to an [`Outbox`]: the UI's inbox, plus a [`Waker`] that gets
//! the inbox drained on the UI thread (in the app: `slint::invoke_from_event_loop`; in tests:
//! nothing, the test drains the inbox itself). The worker does not know what a reply is: the
//! view decides (see `view::Reply`). The scanner thread, the stick watch and the short-lived
//! threads that ask the registry post to the same inbox.

use std::sync::Arc;
use std::sync::mpsc::{self, Receiver, Sender};
use std::thread::JoinHandle;

use crate::kiosk::Kiosk;

/// Wakes the UI thread when replies are waiting.
pub type Waker = Arc<dyn Fn() + Send + Sync>;

/// A piece of work for the controller: it runs on the worker thread and posts its replies.
pub type Job<R> = Box<dyn FnOnce(&mut Kiosk, &Outbox<R>) + Send>;

/// Where replies go, from the worker and from the threads it or the app starts.
pub struct Outbox<R> {
    replies: Sender<R>,
    wake: Waker,
}

impl<R> Clone for Outbox<R> {
    fn clone(&self) -> Self {
        Self {
            replies: self.replies.clone(),
            wake: Arc::clone(&self.wake),
        }
    }
}

impl<R> std::fmt::Debug for Outbox<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Outbox").finish_non_exhaustive()
    }
}

impl<R> Outbox<R> {
    /// Posts `reply` to the UI and wakes it; a reply to a UI that is gone is dropped.
    pub fn post(&self, reply: R) {
        if self.replies.send(reply).is_ok() {
            (self.wake)();
        }
    }
}

/// The worker and the channel its jobs arrive on.
pub struct Worker<R> {
    jobs: Sender<Job<R>>,
    outbox: Outbox<R>,
    thread: Option<JoinHandle<()>>,
}

impl<R> std::fmt::Debug for Worker<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Worker").finish_non_exhaustive()
    }
}

impl<R: Send + 'static> Worker<R> {
    /// Starts the worker thread around `kiosk`; returns it and the UI's end of the inbox.
    pub fn spawn(kiosk: Kiosk, waker: Waker) -> std::io::Result<(Self, Receiver<R>)> {
        let (jobs, queue) = mpsc::channel::<Job<R>>();
        let (replies, inbox) = mpsc::channel::<R>();
        let outbox = Outbox {
            replies,
            wake: waker,
        };
        let worker_outbox = outbox.clone();
        let thread = std::thread::Builder::new()
            .name("kiosk-worker".into())
            .spawn(move || {
                let mut kiosk = kiosk;
                for job in queue {
                    job(&mut kiosk, &worker_outbox);
                }
            })?;
        Ok((
            Self {
                jobs,
                outbox,
                thread: Some(thread),
            },
            inbox,
        ))
    }
}

impl<R> Worker<R> {
    /// A sender of jobs for the UI.
    pub fn jobs(&self) -> Sender<Job<R>> {
        self.jobs.clone()
    }

    /// The UI's inbox, for the threads that report to it (scanner, stick watch).
    pub fn outbox(&self) -> Outbox<R> {
        self.outbox.clone()
    }

    /// Waits for the worker to finish what it holds, once every job sender (this one and the
    /// UI's) is gone: a cast in progress is never cut short.
    pub fn join(mut self) {
        let thread = self.thread.take();
        drop(self);
        if let Some(t) = thread {
            let _ = t.join();
        }
    }
}
