//! Noticing the USB stick as soon as it is put in or taken out, so that the organiser's dashboard
//! can say « Clé USB détectée : LABEL » or « Aucune clé USB » before anybody taps « Exporter ».
//!
//! A [`StickWatcher`] lists the removable USB file systems present now and blocks until they may
//! have changed; [`StickWatch`] runs one on its own thread and reports each change of the first
//! stick (the one [`crate::udisks::UdisksTarget`] writes to) as a [`StickEvent`]. The real
//! watcher (`udisks::SystemSticks`, feature `udisks`) follows udisks2's `InterfacesAdded` and
//! `InterfacesRemoved` signals; [`FakeSticks`] stands for it in tests, and both pass the same
//! contract test.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Mutex};

use crate::usb::Volume;

/// What the dashboard is told about the stick.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StickEvent {
    /// A stick is in; its file system's label (empty when it has none).
    Inserted {
        /// The label, for the screen.
        label: String,
    },
    /// No stick is in (also the first report when there is none at start).
    Removed,
}

/// Why the sticks cannot be watched.
#[derive(Debug, thiserror::Error)]
pub enum StickError {
    /// The bus or the daemon failed.
    #[error("cannot watch the USB sticks: {0}")]
    Watch(String),
}

/// Where the sticks come from.
pub trait StickWatcher: Send + 'static {
    /// The file systems of removable USB drives present now, in a stable order.
    fn present(&mut self) -> Result<Vec<Volume>, StickError>;
    /// Blocks until the sticks may have changed. `Ok(false)` when nothing will ever change
    /// again (the bus or the fake is gone).
    fn wait(&mut self) -> Result<bool, StickError>;
}

/// What the screen should say when `volumes` are present: the first one, as the target uses.
pub fn event_for(volumes: &[Volume]) -> StickEvent {
    match volumes.first() {
        Some(v) => StickEvent::Inserted {
            label: v.label.clone(),
        },
        None => StickEvent::Removed,
    }
}

/// A running watch thread. Dropping it asks the thread to stop; it notices at the next change
/// (a blocked D-Bus read is not interrupted; the thread holds nothing the kiosk needs).
#[derive(Debug)]
pub struct StickWatch {
    stop: Arc<AtomicBool>,
}

impl StickWatch {
    /// Starts watching, calling `sink` on the watch thread with the state at start and then at
    /// every change.
    pub fn spawn(
        watcher: impl StickWatcher,
        sink: impl Fn(StickEvent) + Send + 'static,
    ) -> std::io::Result<Self> {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        std::thread::Builder::new()
            .name("stick-watch".into())
            .spawn(move || run(watcher, &sink, &flag))?;
        Ok(Self { stop })
    }
}

impl Drop for StickWatch {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
    }
}

fn run(mut watcher: impl StickWatcher, sink: &dyn Fn(StickEvent), stop: &AtomicBool) {
    let mut last: Option<StickEvent> = None;
    loop {
        match watcher.present() {
            Ok(volumes) => {
                let now = event_for(&volumes);
                if last.as_ref() != Some(&now) {
                    sink(now.clone());
                    last = Some(now);
                }
            }
            Err(e) => tracing::warn!("{e}"),
        }
        if stop.load(Ordering::SeqCst) {
            return;
        }
        match watcher.wait() {
            Ok(true) => {}
            Ok(false) => return,
            Err(e) => {
                tracing::warn!("{e}; the dashboard no longer follows the stick");
                return;
            }
        }
        if stop.load(Ordering::SeqCst) {
            return;
        }
    }
}

/// Sticks put in and taken out by a test through its [`StickHand`].
#[derive(Debug)]
pub struct FakeSticks {
    present: Vec<Volume>,
    changes: Receiver<Vec<Volume>>,
}

/// The test's hand on a [`FakeSticks`]; dropping it ends the watch.
#[derive(Debug)]
pub struct StickHand {
    volumes: Mutex<BTreeMap<String, String>>,
    changes: Sender<Vec<Volume>>,
}

impl FakeSticks {
    /// No stick in, and the hand that plugs them.
    pub fn new() -> (Self, StickHand) {
        let (tx, rx) = mpsc::channel();
        (
            Self {
                present: Vec::new(),
                changes: rx,
            },
            StickHand {
                volumes: Mutex::new(BTreeMap::new()),
                changes: tx,
            },
        )
    }
}

impl StickHand {
    fn change(&self, edit: impl FnOnce(&mut BTreeMap<String, String>)) {
        let mut volumes = self.volumes.lock().unwrap_or_else(|e| e.into_inner());
        edit(&mut volumes);
        let snapshot = volumes
            .iter()
            .map(|(id, label)| Volume {
                id: id.clone(),
                label: label.clone(),
            })
            .collect();
        let _ = self.changes.send(snapshot);
    }

    /// Puts a stick in (`id` orders sticks as udisks2's object paths do).
    pub fn insert(&self, id: &str, label: &str) {
        self.change(|v| {
            v.insert(id.into(), label.into());
        });
    }

    /// Takes the stick `id` out.
    pub fn remove(&self, id: &str) {
        self.change(|v| {
            v.remove(id);
        });
    }
}

impl StickWatcher for FakeSticks {
    fn present(&mut self) -> Result<Vec<Volume>, StickError> {
        Ok(self.present.clone())
    }

    fn wait(&mut self) -> Result<bool, StickError> {
        match self.changes.recv() {
            Ok(volumes) => {
                self.present = volumes;
                Ok(true)
            }
            Err(_) => Ok(false),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_stick_is_the_one_reported() {
        assert_eq!(event_for(&[]), StickEvent::Removed);
        let v = |id: &str, label: &str| Volume {
            id: id.into(),
            label: label.into(),
        };
        assert_eq!(
            event_for(&[v("sda1", "URNE"), v("sdb1", "AUTRE")]),
            StickEvent::Inserted {
                label: "URNE".into()
            }
        );
    }
}
