//! Throughput limits: a token bucket per provider and account, as real APIs meter each sending
//! number or key. A request over the limit gets the provider's own throttling answer (Meta's
//! 429 with code 130429, …) with `Retry-After` set to when the next request would pass.
//!
//! A bucket holds one second's worth of requests (at least one) and refills continuously, so a
//! client at the limit passes and a burst above it is throttled. Time is passed in, so tests
//! drive the buckets with a manual clock.

use crate::providers::ProviderKind;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

/// Which limit the sandbox enforces.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub enum Throughput {
    /// None: every request passes.
    #[default]
    Unlimited,
    /// This many requests a second, for every provider.
    PerSec(f64),
    /// Each provider's published limit ([`crate::providers::Info::rate_limit`]: Meta's 80
    /// messages a second per number, WhautoChat's 100 requests a minute, …); providers that
    /// publish none are not limited.
    Documented,
}

/// Why a `--throughput` value cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a throughput: write requests a second (`80`, `80/s`), a minute (`100/min`) or `documented`")]
pub struct ThroughputError(String);

impl Throughput {
    /// Reads `documented`, `N`, `N/s` or `N/min` (N a positive number).
    ///
    /// # Errors
    ///
    /// When `s` is none of those.
    pub fn parse(s: &str) -> Result<Throughput, ThroughputError> {
        let s = s.trim();
        if s.eq_ignore_ascii_case("documented") {
            return Ok(Throughput::Documented);
        }
        let (number, per) = match s.split_once('/') {
            Some((n, "s" | "sec")) => (n, 1.0),
            Some((n, "min" | "m")) => (n, 60.0),
            Some(_) => return Err(ThroughputError(s.into())),
            None => (s, 1.0),
        };
        match number.trim().parse::<f64>() {
            Ok(n) if n.is_finite() && n > 0.0 => Ok(Throughput::PerSec(n / per)),
            _ => Err(ThroughputError(s.into())),
        }
    }

    /// Requests a second allowed to `kind`, if limited.
    pub fn per_sec(&self, kind: ProviderKind) -> Option<f64> {
        match self {
            Throughput::Unlimited => None,
            Throughput::PerSec(n) => Some(*n),
            Throughput::Documented => kind.provider().info().rate_limit.map(|l| l.per_sec),
        }
    }
}

/// One provider account's bucket.
#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    at: Duration,
}

/// Every account's bucket under one [`Throughput`].
#[derive(Debug, Default)]
pub(super) struct Buckets {
    limit: Throughput,
    buckets: Mutex<HashMap<(&'static str, String), Bucket>>,
}

impl Buckets {
    /// Buckets for `limit`, all full.
    pub(super) fn new(limit: Throughput) -> Buckets {
        Buckets { limit, buckets: Mutex::default() }
    }

    /// Takes a request for `account` of `kind` at `now` (since the sandbox started): `None`
    /// when it passes, else the whole seconds until one would (at least 1), for `Retry-After`.
    pub(super) fn take(&self, kind: ProviderKind, account: &str, now: Duration) -> Option<u64> {
        let rate = self.limit.per_sec(kind)?;
        let capacity = rate.max(1.0);
        let mut buckets = self.buckets.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let bucket =
            buckets.entry((kind.as_str(), account.to_string())).or_insert(Bucket { tokens: capacity, at: now });
        let elapsed = now.saturating_sub(bucket.at).as_secs_f64();
        bucket.tokens = (bucket.tokens + elapsed * rate).min(capacity);
        bucket.at = bucket.at.max(now);
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            return None;
        }
        let wait = ((1.0 - bucket.tokens) / rate).ceil();
        // The float-to-int cast saturates; a wait is never below a second in `Retry-After`.
        Some((wait as u64).max(1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::testing::kind;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn a_burst_over_the_limit_is_throttled_until_the_bucket_refills() {
        let buckets = Buckets::new(Throughput::PerSec(10.0));
        let cloud = kind("cloud_api");
        let passed = (0..15).filter(|_| buckets.take(cloud, "1", ms(0)).is_none()).count();
        assert_eq!(passed, 10, "one second's worth passes at once");
        assert_eq!(buckets.take(cloud, "1", ms(0)), Some(1));
        assert_eq!(buckets.take(cloud, "2", ms(0)), None, "each account has its own bucket");
        assert_eq!(buckets.take(cloud, "1", ms(99)), Some(1));
        assert_eq!(buckets.take(cloud, "1", ms(100)), None, "a tenth of a second brings one back");
        // At exactly the limit, every request passes.
        assert!((1..=100).all(|i| buckets.take(cloud, "1", ms(100 + i * 100)).is_none()));
    }

    #[test]
    fn retry_after_says_when_the_next_request_passes() {
        let buckets = Buckets::new(Throughput::parse("6/min").unwrap());
        let wa = kind("whautochat");
        assert_eq!(buckets.take(wa, "", ms(0)), None);
        assert_eq!(buckets.take(wa, "", ms(0)), Some(10));
        assert_eq!(buckets.take(wa, "", ms(7_500)), Some(3));
        assert_eq!(buckets.take(wa, "", ms(10_000)), None);
    }

    #[test]
    fn documented_limits_are_each_providers_own() {
        let documented = Throughput::Documented;
        assert_eq!(documented.per_sec(kind("cloud_api")), Some(80.0));
        assert_eq!(documented.per_sec(kind("whautochat")), Some(100.0 / 60.0));
        for &kind in ProviderKind::ALL {
            assert_eq!(documented.per_sec(kind), kind.provider().info().rate_limit.map(|l| l.per_sec), "{kind}");
        }
        assert_eq!(Buckets::new(documented).take(kind("evolution"), "x", ms(0)), None);
        let unlimited = Buckets::new(Throughput::Unlimited);
        assert!((0..1000).all(|_| unlimited.take(kind("cloud_api"), "1", ms(0)).is_none()));
    }

    #[test]
    fn throughput_values_parse_or_say_what_to_write() {
        assert_eq!(Throughput::parse("80"), Ok(Throughput::PerSec(80.0)));
        assert_eq!(Throughput::parse("80/s"), Ok(Throughput::PerSec(80.0)));
        assert_eq!(Throughput::parse("120/min"), Ok(Throughput::PerSec(2.0)));
        assert_eq!(Throughput::parse("Documented"), Ok(Throughput::Documented));
        for bad in ["0", "-5", "fast", "10/h", "NaN", "inf"] {
            assert!(Throughput::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(
            Throughput::parse("fast").unwrap_err().to_string(),
            "`fast` is not a throughput: write requests a second (`80`, `80/s`), a minute (`100/min`) or `documented`"
        );
    }
}
