//! The kiosk's clock, behind a trait so that tests and the test deck can set the time. A
//! Raspberry Pi has no battery-backed clock: offline, it boots with whatever time it last saved,
//! so the clock also says whether the operating system has synchronised it from the network,
//! and which boot it is (an offset confirmed by the organiser holds only until the next boot).

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};

use urne_core::timestamp::Timestamp;

/// Where the kiosk reads the time.
pub trait Clock: Send + Sync {
    /// Now, in whole seconds UTC.
    fn now(&self) -> Timestamp;
    /// Whether the operating system has set this time from a network time source since boot.
    fn synced(&self) -> bool;
    /// This boot's identity: it changes at every boot, and only then.
    fn boot_id(&self) -> String;
}

/// The flag file systemd-timesyncd (Raspberry Pi OS's time client) creates once it has
/// synchronised the system clock, and which disappears at the next boot (`/run` is a tmpfs).
const TIMESYNC_FLAG: &str = "/run/systemd/timesync/synchronized";
/// The kernel's random identity of the current boot.
const BOOT_ID: &str = "/proc/sys/kernel/random/boot_id";

/// The operating system's clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        urne_codec::os::system_clock()
    }

    fn synced(&self) -> bool {
        Path::new(TIMESYNC_FLAG).exists()
    }

    fn boot_id(&self) -> String {
        // Without /proc (not Linux) every start counts as the same boot: an offset, once
        // confirmed, is kept.
        std::fs::read_to_string(BOOT_ID)
            .map(|id| id.trim().to_owned())
            .unwrap_or_else(|_| "unknown".to_owned())
    }
}

/// A clock that shows what it is told (tests, test decks). It starts synchronised, like a
/// desktop's clock; [`FakeClock::set_synced`] makes it a Pi that booted offline.
#[derive(Debug, Clone)]
pub struct FakeClock {
    now: Arc<AtomicI64>,
    synced: Arc<AtomicBool>,
    boot: Arc<AtomicU64>,
}

impl Default for FakeClock {
    fn default() -> Self {
        Self::at(Timestamp(0))
    }
}

impl FakeClock {
    /// A clock showing `at`, synchronised.
    pub fn at(at: Timestamp) -> Self {
        Self {
            now: Arc::new(AtomicI64::new(at.0)),
            synced: Arc::new(AtomicBool::new(true)),
            boot: Arc::new(AtomicU64::new(1)),
        }
    }

    /// Moves the clock forward.
    pub fn advance(&self, seconds: i64) {
        self.now.fetch_add(seconds, Ordering::SeqCst);
    }

    /// Sets the time.
    pub fn set(&self, at: Timestamp) {
        self.now.store(at.0, Ordering::SeqCst);
    }

    /// Whether the time counts as synchronised from the network.
    pub fn set_synced(&self, synced: bool) {
        self.synced.store(synced, Ordering::SeqCst);
    }

    /// A new boot: a new boot id, and not synchronised until told so.
    pub fn reboot(&self) {
        self.boot.fetch_add(1, Ordering::SeqCst);
        self.set_synced(false);
    }
}

impl Clock for FakeClock {
    fn now(&self) -> Timestamp {
        Timestamp(self.now.load(Ordering::SeqCst))
    }

    fn synced(&self) -> bool {
        self.synced.load(Ordering::SeqCst)
    }

    fn boot_id(&self) -> String {
        format!("fake-boot-{}", self.boot.load(Ordering::SeqCst))
    }
}

/// Another clock plus an offset the organiser confirmed (a Pi offline has no reliable time at
/// boot). The offset can change while the kiosk runs. Once the operating system has synchronised
/// its clock from the network the offset no longer applies: the synchronisation has already
/// corrected what the organiser corrected.
#[derive(Clone)]
pub struct OffsetClock {
    inner: Arc<dyn Clock>,
    offset: Arc<AtomicI64>,
}

impl std::fmt::Debug for OffsetClock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OffsetClock")
            .field("offset", &self.offset())
            .finish_non_exhaustive()
    }
}

impl OffsetClock {
    /// `inner` shifted by `offset` seconds.
    pub fn new(inner: Arc<dyn Clock>, offset: i64) -> Self {
        Self {
            inner,
            offset: Arc::new(AtomicI64::new(offset)),
        }
    }

    /// The offset in seconds.
    pub fn offset(&self) -> i64 {
        self.offset.load(Ordering::SeqCst)
    }

    /// Changes the offset.
    pub fn set_offset(&self, offset: i64) {
        self.offset.store(offset, Ordering::SeqCst);
    }

    /// The clock without the offset.
    pub fn base(&self) -> Timestamp {
        self.inner.now()
    }
}

impl Clock for OffsetClock {
    fn now(&self) -> Timestamp {
        let base = self.inner.now();
        if self.inner.synced() {
            base
        } else {
            Timestamp(base.0.saturating_add(self.offset()))
        }
    }

    fn synced(&self) -> bool {
        self.inner.synced()
    }

    fn boot_id(&self) -> String {
        self.inner.boot_id()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The contract every clock keeps: time does not run backwards between two readings, and
    /// the boot id stays the same within a boot.
    fn contract(clock: &dyn Clock) {
        let a = clock.now();
        let b = clock.now();
        assert!(b >= a);
        assert!(a.0 > 1_700_000_000 || a.0 >= 0);
        let boot = clock.boot_id();
        assert!(!boot.is_empty());
        assert_eq!(clock.boot_id(), boot);
        assert_eq!(clock.synced(), clock.synced());
    }

    #[test]
    fn system_and_fake_clocks_keep_the_contract() {
        contract(&SystemClock);
        let fake = FakeClock::at(Timestamp(1_796_501_643));
        contract(&fake);
        fake.advance(60);
        assert_eq!(fake.now(), Timestamp(1_796_501_703));
        let shifted = OffsetClock::new(Arc::new(SystemClock), 3600);
        contract(&shifted);
    }

    #[test]
    fn an_offset_clock_follows_its_base_and_its_offset() {
        let fake = FakeClock::at(Timestamp(1_796_500_000));
        fake.set_synced(false);
        let clock = OffsetClock::new(Arc::new(fake.clone()), -90);
        assert_eq!(clock.now(), Timestamp(1_796_499_910));
        fake.advance(10);
        clock.set_offset(3600);
        assert_eq!(clock.now(), Timestamp(1_796_503_610));
        assert_eq!(clock.base(), Timestamp(1_796_500_010));
    }

    #[test]
    fn a_synchronised_clock_drops_the_offset() {
        let fake = FakeClock::at(Timestamp(1_796_500_000));
        fake.set_synced(false);
        let clock = OffsetClock::new(Arc::new(fake.clone()), 7200);
        assert_eq!(clock.now(), Timestamp(1_796_507_200));
        // The network set the system clock: it is right now, and the offset would make it wrong.
        fake.set_synced(true);
        assert!(clock.synced());
        assert_eq!(clock.now(), Timestamp(1_796_500_000));
    }

    #[test]
    fn a_reboot_changes_the_boot_id_and_loses_the_synchronisation() {
        let fake = FakeClock::at(Timestamp(1_796_500_000));
        let before = fake.boot_id();
        assert!(fake.synced());
        fake.reboot();
        assert_ne!(fake.boot_id(), before);
        assert!(!fake.synced());
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn the_system_clock_reads_the_kernels_boot_id() {
        let id = SystemClock.boot_id();
        // A UUID, as the kernel writes it.
        assert_eq!(id.len(), 36, "{id}");
        assert_eq!(id.matches('-').count(), 4);
    }
}
