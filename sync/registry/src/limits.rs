//! The registry's limits: body size, request timeout, how many uploads are checked at once, and
//! a per-key rate limit (a token bucket per device or organiser key, applied once the signature
//! proves who is sending, so nobody can spend another kiosk's allowance).

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
    /// Uploads checked at once; more wait their turn.
    pub concurrent_checks: usize,
    /// Sustained uploads per minute per key.
    pub uploads_per_minute: u32,
    /// Uploads one key may send in a burst (a kiosk back online with a backlog).
    pub burst: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_body_bytes: 32 * 1024 * 1024,
            request_timeout: Duration::from_secs(120),
            concurrent_checks: std::thread::available_parallelism()
                .map(|n| n.get() * 2)
                .unwrap_or(4),
            uploads_per_minute: 60,
            burst: 30,
        }
    }
}

#[derive(Debug)]
struct Bucket {
    tokens: f64,
    last: Instant,
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
        let bucket = buckets.entry(*key).or_insert(Bucket {
            tokens: self.burst,
            last: now,
        });
        let elapsed = now.saturating_duration_since(bucket.last).as_secs_f64();
        bucket.tokens = (bucket.tokens + elapsed * self.per_second).min(self.burst);
        bucket.last = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            true
        } else {
            false
        }
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
