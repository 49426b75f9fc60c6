//! The demo assembly, ready for tests: its badges, and [`Fixture`], the one way tests and
//! benchmarks build a kiosk — its key, clock and stick, the demo package with the demo PIN,
//! members checked in and polls opened the way an organiser does.

use std::path::Path;
use std::sync::Arc;

use urne_core::credential::Role;
use urne_core::ids::PollId;
use urne_papers::badges::{Badge, issue_all};

use crate::clock::{Clock, SystemClock};
use crate::keystore::{FileKeyStore, KeyStore, MemoryKeyStore};
use crate::kiosk::{Kiosk, ScanOutcome};
use crate::usb::{FolderTarget, MemoryTarget, UsbTarget};

/// Every badge of the demo assembly, members in roster order, the organiser's last.
pub fn badges() -> Vec<Badge> {
    issue_all(
        &crate::demo::package().package,
        &crate::demo::organiser_key(),
    )
}

/// The members' badges.
pub fn members() -> Vec<Badge> {
    badges()
        .into_iter()
        .filter(|b| b.role == Role::Participant)
        .collect()
}

/// The organiser's badge.
pub fn organiser() -> Badge {
    badges()
        .into_iter()
        .find(|b| b.role == Role::Organiser)
        .expect("the demo has an organiser badge")
}

/// Where the fixture's device key comes from.
#[derive(Debug, Clone, Copy)]
enum Keys {
    /// Made from a seed, in memory.
    Seed([u8; 32]),
    /// A key file in the data folder, made on first start, as on a real kiosk.
    File,
}

/// A kiosk for a test, set up as an organiser would, then opened: by default a key made from
/// seed 1, the system clock, exports to memory, and no event.
pub struct Fixture<'a> {
    dir: &'a Path,
    keys: Keys,
    clock: Arc<dyn Clock>,
    usb: Box<dyn UsbTarget>,
    registry: Option<String>,
    pin: Option<String>,
    demo: bool,
    confirm_time: bool,
    present: usize,
    open: Vec<usize>,
}

impl std::fmt::Debug for Fixture<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Fixture")
            .field("dir", &self.dir)
            .field("keys", &self.keys)
            .field("demo", &self.demo)
            .finish_non_exhaustive()
    }
}

impl<'a> Fixture<'a> {
    /// A kiosk whose database lives in `dir`.
    pub fn new(dir: &'a Path) -> Self {
        Self {
            dir,
            keys: Keys::Seed([1; 32]),
            clock: Arc::new(SystemClock),
            usb: Box::new(MemoryTarget::default()),
            registry: None,
            pin: None,
            demo: false,
            confirm_time: false,
            present: 0,
            open: Vec::new(),
        }
    }

    /// The device key made from `[seed; 32]` (each test its own kiosk).
    pub fn seed(self, seed: u8) -> Self {
        self.key_seed([seed; 32])
    }

    /// The device key made from `seed`.
    pub fn key_seed(mut self, seed: [u8; 32]) -> Self {
        self.keys = Keys::Seed(seed);
        self
    }

    /// The device key in a file of the data folder, made at the first start.
    pub fn key_file(mut self) -> Self {
        self.keys = Keys::File;
        self
    }

    /// The kiosk's clock.
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// Where exports go.
    pub fn usb(mut self, usb: Box<dyn UsbTarget>) -> Self {
        self.usb = usb;
        self
    }

    /// Exports to a folder standing for the stick.
    pub fn usb_folder(self, folder: &Path) -> Self {
        self.usb(Box::new(FolderTarget::new(folder)))
    }

    /// The registry the kiosk was started with (`--registry`).
    pub fn registry(mut self, url: Option<String>) -> Self {
        self.registry = url;
        self
    }

    /// The organiser PIN already chosen (as at the setup): a package can then be loaded.
    pub fn pin(mut self, pin: &str) -> Self {
        self.pin = Some(pin.to_owned());
        self
    }

    /// Holds the demo package, with the demo PIN.
    pub fn demo(mut self) -> Self {
        self.demo = true;
        self
    }

    /// The organiser confirmed the date and time (on a test machine whose clock is not
    /// synchronised, like a Pi booted offline).
    pub fn confirm_time(mut self) -> Self {
        self.confirm_time = true;
        self
    }

    /// The first `count` members of the demo roster are checked in.
    pub fn present(mut self, count: usize) -> Self {
        self.present = count;
        self
    }

    /// The polls at these positions of the demo event are open.
    pub fn open_polls(mut self, positions: &[usize]) -> Self {
        self.open = positions.to_vec();
        self
    }

    /// Opens the kiosk and sets it up.
    pub fn build(self) -> Kiosk {
        let keys: Box<dyn KeyStore> = match self.keys {
            Keys::Seed(seed) => Box::new(MemoryKeyStore::new(seed)),
            Keys::File => Box::new(FileKeyStore::in_folder(self.dir)),
        };
        let mut kiosk = Kiosk::open(
            &self.dir.join("urne.sqlite"),
            keys.as_ref(),
            self.clock,
            self.usb,
        )
        .expect("the kiosk opens");
        if let Keys::Seed(seed) = self.keys {
            // A seeded kiosk is reproducible whole: its sealed ballots too (the export sample).
            kiosk.set_entropy(Box::new(crate::entropy::SeededEntropy::new(seed)));
        }
        kiosk.set_default_registry(self.registry, None);
        if let Some(pin) = &self.pin {
            kiosk.set_pin(pin).expect("the PIN is set");
        }
        if self.demo {
            kiosk
                .set_pin(crate::demo::PIN)
                .expect("the demo PIN is set");
            kiosk
                .load_package(&crate::demo::package().bytes)
                .expect("the demo package loads");
            kiosk.use_test_tally_key();
        }
        if self.confirm_time {
            confirm_time(&mut kiosk);
        }
        for badge in members().iter().take(self.present) {
            kiosk.scan(&badge.payload).expect("the member checks in");
        }
        if !self.open.is_empty() {
            open_polls(&mut kiosk, &self.open);
        }
        kiosk
    }
}

/// Unlocks organiser mode with the demo organiser's badge and PIN.
pub fn unlock(kiosk: &mut Kiosk) {
    let ScanOutcome::Organiser { organiser, .. } = kiosk
        .scan(&organiser().payload)
        .expect("the organiser badge is read")
    else {
        panic!("the organiser badge is an organiser's");
    };
    kiosk
        .unlock(&organiser, crate::demo::PIN)
        .expect("the demo PIN unlocks");
}

/// Confirms the date and time as the organiser does on the settings page, when the clock is
/// neither synchronised nor confirmed yet (then locks again): the system clock of a test
/// machine that is not synchronised is a Pi booted offline.
pub fn confirm_time(kiosk: &mut Kiosk) {
    if kiosk.clock_trusted() {
        return;
    }
    unlock(kiosk);
    kiosk.confirm_clock(0).expect("the clock is confirmed");
    kiosk.lock();
}

/// Opens the polls at these positions of the event, as the organiser (then locks again).
pub fn open_polls(kiosk: &mut Kiosk, positions: &[usize]) {
    unlock(kiosk);
    let polls: Vec<PollId> = kiosk
        .event()
        .expect("an event is loaded")
        .polls
        .iter()
        .map(|p| p.id.clone())
        .collect();
    // On the system clock of a machine that is not synchronised, the organiser confirms the
    // time first, as on a Pi booted offline.
    if !kiosk.clock_trusted() {
        kiosk.confirm_clock(0).expect("the clock is confirmed");
    }
    for i in positions {
        kiosk.open_poll(&polls[*i]).expect("the poll opens");
    }
    kiosk.lock();
}
