//! The kiosk's clock, behind a trait so that tests and the test deck can set the time.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use urne_core::timestamp::Timestamp;

/// Where the kiosk reads the time.
pub trait Clock: Send + Sync {
    /// Now, in whole seconds UTC.
    fn now(&self) -> Timestamp;
}

/// The operating system's clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        urne_sync::system_clock()
    }
}

/// A clock that shows what it is told (tests, test decks).
#[derive(Debug, Clone, Default)]
pub struct FakeClock(Arc<AtomicI64>);

impl FakeClock {
    /// A clock showing `at`.
    pub fn at(at: Timestamp) -> Self {
        Self(Arc::new(AtomicI64::new(at.0)))
    }

    /// Moves the clock forward.
    pub fn advance(&self, seconds: i64) {
        self.0.fetch_add(seconds, Ordering::SeqCst);
    }
}

impl Clock for FakeClock {
    fn now(&self) -> Timestamp {
        Timestamp(self.0.load(Ordering::SeqCst))
    }
}

/// Another clock plus an offset the organiser confirmed on the settings page (a Pi offline has
/// no reliable time at boot). The offset can change while the kiosk runs.
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
        Timestamp(self.inner.now().0.saturating_add(self.offset()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The contract every clock keeps: time does not run backwards between two readings.
    fn contract(clock: &dyn Clock) {
        let a = clock.now();
        let b = clock.now();
        assert!(b >= a);
        assert!(a.0 > 1_700_000_000 || a.0 >= 0);
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
        let clock = OffsetClock::new(Arc::new(fake.clone()), -90);
        assert_eq!(clock.now(), Timestamp(1_796_499_910));
        fake.advance(10);
        clock.set_offset(3600);
        assert_eq!(clock.now(), Timestamp(1_796_503_610));
        assert_eq!(clock.base(), Timestamp(1_796_500_010));
    }
}
