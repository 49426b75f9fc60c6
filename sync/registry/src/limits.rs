//! The registry's limits: body size, request timeout, how many uploads are checked at once, the
//! connections and how slowly a request may arrive (applied by [`crate::listen`]), and
//! a per-key rate limit (a token bucket per device or organiser key, applied once the signature
//! proves who is sending, so nobody can spend another kiosk's allowance); and the rate at which
//! refusals are recorded for the operator (see [`crate::refusal`]).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use urne_core::crypto::Fingerprint;

/// Limits of one registry.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Largest accepted request body (a 10,000-ballot evening is about 2 MB).
    pub max_body_bytes: usize,
    /// A request taking longer is answered 408 (a slow hotspot still sends a few MB in this time).
    pub request_timeout: Duration,
    /// Uploads checked at once; more wait their turn. A slot is taken only once the whole body
    /// is read, so that a slow sender holds none.
    pub concurrent_checks: usize,
    /// A connection that has not sent a request's headers in this time is closed.
    pub header_read_timeout: Duration,
    /// A body may start slowly for this long; after it, it must keep up
    /// [`Limits::min_body_bytes_per_second`] on average or be answered 408.
    pub body_grace: Duration,
    /// The slowest body accepted after the grace (a hotspot on a bad day sends well above it).
    pub min_body_bytes_per_second: u32,
    /// Connections open at once; the next one waits in the system's queue.
    pub max_connections: usize,
    /// Connections open at once from one address; more are closed on arrival.
    pub connections_per_ip: usize,
    /// Sustained uploads per minute per key.
    pub uploads_per_minute: u32,
    /// Uploads one key may send in a burst (a kiosk back online with a backlog).
    pub burst: u32,
    /// Refusals recorded a minute, from all senders together (the rest are counted).
    pub refusals_per_minute: u32,
    /// Refusals recorded in a burst.
    pub refusal_burst: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_body_bytes: 32 * 1024 * 1024,
            request_timeout: Duration::from_secs(120),
            concurrent_checks: std::thread::available_parallelism()
                .map(|n| n.get() * 2)
                .unwrap_or(4),
            header_read_timeout: Duration::from_secs(10),
            body_grace: Duration::from_secs(10),
            min_body_bytes_per_second: 4096,
            max_connections: 1024,
            connections_per_ip: 64,
            uploads_per_minute: 60,
            burst: 30,
            refusals_per_minute: 60,
            refusal_burst: 200,
        }
    }
}

/// A token bucket: `burst` tokens, refilled at a rate.
#[derive(Debug)]
pub(crate) struct Bucket {
    tokens: f64,
    last: Instant,
}

impl Bucket {
    pub(crate) fn full(burst: f64, now: Instant) -> Self {
        Self {
            tokens: burst,
            last: now,
        }
    }

    /// Refills for the time since the last call, then takes one token if there is one.
    pub(crate) fn take(&mut self, now: Instant, per_second: f64, burst: f64) -> bool {
        let elapsed = now.saturating_duration_since(self.last).as_secs_f64();
        self.tokens = (self.tokens + elapsed * per_second).min(burst);
        self.last = now;
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

/// Token buckets by key. Memory is bounded by the number of enrolled keys: a key gets a bucket
/// only once its signature verified and it was found enrolled.
#[derive(Debug)]
pub(crate) struct RateLimiter {
    per_second: f64,
    burst: f64,
    buckets: Mutex<HashMap<Fingerprint, Bucket>>,
}

impl RateLimiter {
    pub(crate) fn new(limits: &Limits) -> Self {
        Self {
            per_second: f64::from(limits.uploads_per_minute) / 60.0,
            burst: f64::from(limits.burst.max(1)),
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes one token from `key`'s bucket, if there is one.
    pub(crate) fn allow(&self, key: &Fingerprint) -> bool {
        self.allow_at(key, Instant::now())
    }

    fn allow_at(&self, key: &Fingerprint, now: Instant) -> bool {
        let mut buckets = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        buckets
            .entry(*key)
            .or_insert(Bucket::full(self.burst, now))
            .take(now, self.per_second, self.burst)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_then_the_sustained_rate() {
        let limits = Limits {
            uploads_per_minute: 60,
            burst: 3,
            ..Limits::default()
        };
        let limiter = RateLimiter::new(&limits);
        let kiosk = Fingerprint::parse(&"ab".repeat(32)).unwrap();
        let other = Fingerprint::parse(&"cd".repeat(32)).unwrap();
        let t0 = Instant::now();
        assert!((0..3).all(|_| limiter.allow_at(&kiosk, t0)));
        assert!(!limiter.allow_at(&kiosk, t0), "the burst is spent");
        assert!(
            limiter.allow_at(&other, t0),
            "another kiosk has its own bucket"
        );
        assert!(!limiter.allow_at(&kiosk, t0 + Duration::from_millis(500)));
        assert!(
            limiter.allow_at(&kiosk, t0 + Duration::from_millis(1100)),
            "one a second"
        );
    }
}
