//! How long the sandbox waits before answering: a fixed delay, or one drawn from a long-tailed
//! (log-normal) distribution fitted so its median and 99th percentile are the ones asked for,
//! as real APIs answer most requests quickly and a few slowly.
//!
//! Draws are seeded and numbered, so the same seed gives the same delays in the same order.

use crate::providers::imitation::ids::{hash, unit};
use std::time::Duration;

/// The standard normal's 99th percentile.
const Z99: f64 = 2.326_347_874_040_841;

/// No draw is longer than this many times the p99: a bound, so a freak draw cannot hold a
/// request for hours.
const CAP_TIMES_P99: f64 = 10.0;

/// The delay before each answer.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Latency {
    median: Duration,
    /// The log-normal's σ (0: always the median).
    sigma: f64,
    cap: Duration,
}

/// Why a latency spread cannot be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LatencyError {
    /// The p99 is below the median.
    #[error(
        "--latency-p99-ms {p99} is below --latency-ms {median}: the 99th percentile cannot be faster than the median"
    )]
    P99BelowMedian {
        /// The median asked for, in milliseconds.
        median: u128,
        /// The p99 asked for, in milliseconds.
        p99: u128,
    },
    /// A spread around a zero median.
    #[error("--latency-p99-ms needs --latency-ms (the median) above 0")]
    NoMedian,
}

impl Latency {
    /// Always `delay`.
    pub fn fixed(delay: Duration) -> Latency {
        Latency { median: delay, sigma: 0.0, cap: delay }
    }

    /// Delays whose median is `median` and whose 99th percentile is `p99`.
    ///
    /// # Errors
    ///
    /// When `p99` is below `median`, or `median` is zero while `p99` is not.
    pub fn spread(median: Duration, p99: Duration) -> Result<Latency, LatencyError> {
        if p99 < median {
            return Err(LatencyError::P99BelowMedian { median: median.as_millis(), p99: p99.as_millis() });
        }
        if median.is_zero() {
            return if p99.is_zero() { Ok(Latency::fixed(median)) } else { Err(LatencyError::NoMedian) };
        }
        let sigma = (p99.as_secs_f64() / median.as_secs_f64()).ln() / Z99;
        Ok(Latency { median, sigma, cap: p99.mul_f64(CAP_TIMES_P99) })
    }

    /// Whether every delay is zero.
    pub fn is_zero(&self) -> bool {
        self.median.is_zero()
    }

    /// The `n`th delay of a run seeded with `seed`.
    pub fn draw(&self, seed: u64, n: u64) -> Duration {
        if self.sigma == 0.0 {
            return self.median;
        }
        // Box–Muller from two uniforms in (0, 1]: a standard normal deviate.
        let u = |stage: &[u8]| 1.0 - unit(hash(seed, &[b"latency", stage, &n.to_le_bytes()]));
        let z = (-2.0 * u(b"r").ln()).sqrt() * (std::f64::consts::TAU * u(b"theta")).cos();
        let factor = (self.sigma * z).exp();
        Duration::try_from_secs_f64(self.median.as_secs_f64() * factor).map_or(self.cap, |d| d.min(self.cap))
    }
}

impl Default for Latency {
    fn default() -> Latency {
        Latency::fixed(Duration::ZERO)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    /// The `q` quantile of `n` draws, in milliseconds.
    fn quantile(latency: &Latency, seed: u64, n: u64, q: f64) -> f64 {
        let mut draws: Vec<f64> = (0..n).map(|i| latency.draw(seed, i).as_secs_f64() * 1000.0).collect();
        draws.sort_by(f64::total_cmp);
        draws[((n as f64 * q) as usize).min(draws.len() - 1)]
    }

    #[test]
    fn draws_have_the_median_and_p99_asked_for() {
        let latency = Latency::spread(ms(300), ms(1200)).unwrap();
        let (median, p99) = (quantile(&latency, 7, 20_000, 0.5), quantile(&latency, 7, 20_000, 0.99));
        assert!((285.0..315.0).contains(&median), "median {median}");
        assert!((1100.0..1300.0).contains(&p99), "p99 {p99}");
        assert!(quantile(&latency, 7, 20_000, 0.0) < 150.0, "a spread reaches below the median too");
    }

    #[test]
    fn draws_follow_the_seed_and_stay_under_the_cap() {
        let latency = Latency::spread(ms(10), ms(5000)).unwrap();
        let run = |seed| (0..2000).map(|i| latency.draw(seed, i)).collect::<Vec<_>>();
        assert_eq!(run(1), run(1));
        assert_ne!(run(1), run(2));
        assert!(run(3).iter().all(|d| *d <= ms(50_000)));
    }

    #[test]
    fn a_fixed_latency_or_equal_median_and_p99_never_varies() {
        for latency in [Latency::fixed(ms(150)), Latency::spread(ms(150), ms(150)).unwrap()] {
            assert!((0..100).all(|i| latency.draw(9, i) == ms(150)));
        }
        assert!(Latency::spread(ms(0), ms(0)).unwrap().is_zero());
    }

    #[test]
    fn a_p99_below_the_median_or_without_one_is_refused() {
        assert_eq!(Latency::spread(ms(300), ms(200)), Err(LatencyError::P99BelowMedian { median: 300, p99: 200 }));
        assert_eq!(Latency::spread(ms(0), ms(200)), Err(LatencyError::NoMedian));
        assert_eq!(
            LatencyError::P99BelowMedian { median: 300, p99: 200 }.to_string(),
            "--latency-p99-ms 200 is below --latency-ms 300: the 99th percentile cannot be faster than the median"
        );
    }
}
