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
    }
}
