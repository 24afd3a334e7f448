//! Drift-free pacing: a token bucket (GCRA) at `delivery.rate` with an explicit burst, shared by
//! every worker, so request *i* starts near `start + i / rate` however long each one takes.
//! With a journal several runners share, the slots come from the journal instead, so the rate
//! holds for the sender number across all of them.

use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use std::num::NonZeroU32;
use std::time::Duration;

/// The shared pacer.
pub enum Pacer {
    /// This process alone sends for the sender.
    Local(DefaultDirectRateLimiter),
    /// Runners sharing the journal share the sender's slots.
    Shared(crate::journal::Slots),
}

impl Pacer {
    /// `rate_per_sec` requests per second, at most `burst` back to back after an idle spell.
    pub fn new(rate_per_sec: f64, burst: u32) -> Pacer {
        let period = Duration::from_secs_f64(1.0 / rate_per_sec.max(1e-6)).max(Duration::from_nanos(1));
        let quota = Quota::with_period(period)
            .expect("period is positive")
            .allow_burst(NonZeroU32::new(burst.max(1)).expect("at least one"));
        Pacer::Local(RateLimiter::direct(quota))
    }

    /// Waits for the next slot.
    pub async fn wait(&self) {
        match self {
            Pacer::Local(limiter) => limiter.until_ready().await,
            Pacer::Shared(slots) => slots.wait().await,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn paces_at_the_rate_after_the_burst() {
        let pacer = Pacer::new(10.0, 2);
        let start = tokio::time::Instant::now();
        for _ in 0..2 {
            pacer.wait().await;
        }
        assert!(start.elapsed() < Duration::from_millis(5));
        pacer.wait().await;
        let third = start.elapsed();
        assert!(third >= Duration::from_millis(90), "{third:?}");
    }
}
