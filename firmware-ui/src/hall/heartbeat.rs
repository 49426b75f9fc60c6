//! A member kiosk's heartbeat: every so often it asks its lead for the hall's counts — so that
//! the lead's hall page shows it connected and when it was last heard — and, when the lead
//! answers, has the worker send it the check-ins a door kiosk queued while it did not. It runs
//! on a thread of its own with a link of its own, so that a lead that does not answer never
//! holds the worker.

use std::sync::mpsc::{self, RecvTimeoutError, Sender};
use std::thread::JoinHandle;
use std::time::Duration;

use urne_codec::hall::{AnswerBody, RequestBody};

use crate::remote::{Lead, new_request_id};
use crate::worker::Job;

/// How often a member kiosk is heard by its lead.
pub const EVERY: Duration = Duration::from_secs(15);

/// The heartbeat, until dropped.
#[derive(Debug)]
pub struct Heartbeat {
    stop: Option<Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Heartbeat {
    /// Starts asking `lead` every `every`, flushing the door's queue on the worker fed by
    /// `jobs` whenever it answers.
    pub fn spawn<R: Send + 'static>(
        lead: Box<dyn Lead>,
        jobs: Sender<Job<R>>,
        every: Duration,
    ) -> std::io::Result<Self> {
        let (stop, stopped) = mpsc::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("hall-heartbeat".into())
            .spawn(move || {
                loop {
                    let heard = lead.ask(new_request_id(), RequestBody::Status {});
                    if matches!(heard, Ok(AnswerBody::Status { .. })) {
                        let flush: Job<R> = Box::new(|kiosk, _| {
                            let sent = kiosk.flush_door_queue();
                            if sent > 0 {
                                tracing::info!(sent, "hall: queued check-ins sent to the lead");
                            }
                        });
                        if jobs.send(flush).is_err() {
                            return;
                        }
                    }
                    match stopped.recv_timeout(every) {
                        Err(RecvTimeoutError::Timeout) => {}
                        Ok(()) | Err(RecvTimeoutError::Disconnected) => return,
                    }
                }
            })?;
        Ok(Self {
            stop: Some(stop),
            thread: Some(thread),
        })
    }
}

impl Drop for Heartbeat {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
