//! How long to wait before retrying: exponential with full jitter, never less than what the
//! provider asked for with `Retry-After`.

use std::time::Duration;

/// The first retry waits up to this long.
const BASE: Duration = Duration::from_millis(500);
/// No backoff waits longer than this (a provider's `Retry-After` may).
const CAP: Duration = Duration::from_secs(30);

/// The wait before attempt `next` (2 for the first retry). `jitter` is uniform in [0, 1).
pub fn delay(next: u32, retry_after: Option<Duration>, jitter: f64) -> Duration {
    let exp = BASE.saturating_mul(1u32 << (next.saturating_sub(2)).min(16)).min(CAP);
    let backoff = exp.mul_f64(0.5 + jitter.clamp(0.0, 1.0) / 2.0);
    retry_after.map_or(backoff, |after| after.max(backoff.min(after + BASE)))
}

/// A small deterministic generator for jitter (xorshift), seeded per recipient.
#[derive(Debug)]
pub struct Jitter(u64);

impl Jitter {
    /// A generator seeded from `seed` (never zero).
    pub fn new(seed: u64) -> Jitter {
        Jitter(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    /// The next value in [0, 1).
    pub fn next(&mut self) -> f64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grows_exponentially_with_jitter_up_to_a_cap() {
        assert_eq!(delay(2, None, 0.0), Duration::from_millis(250));
        assert_eq!(delay(2, None, 1.0), Duration::from_millis(500));
        assert_eq!(delay(4, None, 1.0), Duration::from_secs(2));
        assert_eq!(delay(20, None, 1.0), CAP);
    }

    #[test]
    fn honours_retry_after() {
        assert_eq!(delay(2, Some(Duration::from_secs(3)), 0.0), Duration::from_secs(3));
        assert!(delay(2, Some(Duration::ZERO), 1.0) <= BASE);
    }

    #[test]
    fn jitter_stays_in_range() {
        let mut j = Jitter::new(42);
        for _ in 0..1000 {
            let x = j.next();
            assert!((0.0..1.0).contains(&x));
        }
    }
}
