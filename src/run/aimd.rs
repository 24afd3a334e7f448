//! The rate the provider lets a campaign keep: additive increase, multiplicative decrease.
//! A throttling answer (429, Meta 130429, a gateway's "too many requests") cuts the rate for
//! the whole campaign, at most once per cool-down (the requests already in flight at the old
//! rate come back refused too); while no refusal comes the rate grows back, fast towards the
//! rate it was last refused at, then slowly past it, up to the asked rate. Time is passed in,
//! so the controller is tested without a clock.

pub use crate::pace::Slowdowns;
use std::time::Duration;
use tokio::time::Instant;

/// A cut keeps this share of the rate.
const CUT: f64 = 0.8;
/// Below the rate last refused at, each second of calm closes this share of the gap.
const CLOSE: f64 = 0.3;
/// At or past that rate, each second of calm adds this share of the asked rate (a probe).
const PROBE: f64 = 0.02;
/// No cut takes the rate below this share of the asked rate.
const FLOOR: f64 = 1.0 / 64.0;
/// The shortest time between two cuts.
const COOL_DOWN: Duration = Duration::from_millis(500);

/// The controller.
#[derive(Debug, Clone)]
pub struct Aimd {
    asked: f64,
    current: f64,
    /// The rate the provider last refused at, while slowed.
    refused_at: Option<f64>,
    /// The last cut, and how long after it the next may come.
    last_cut: Option<(Instant, Duration)>,
    /// Growth is applied up to here.
    grown_to: Instant,
    /// Cuts so far.
    cuts: u32,
    /// Since when the rate is below the asked one, and the time slowed before that.
    slowed_since: Option<Instant>,
    slowed: Duration,
}

impl Aimd {
    /// A controller at `asked` requests a second, from `now`.
    pub fn new(asked: f64, now: Instant) -> Aimd {
        Aimd {
            asked,
            current: asked,
            refused_at: None,
            last_cut: None,
            grown_to: now,
            cuts: 0,
            slowed_since: None,
            slowed: Duration::ZERO,
        }
    }

    /// The rate to keep at `now`, grown for the calm since the last call.
    pub fn rate(&mut self, now: Instant) -> f64 {
        let calm = now.saturating_duration_since(self.grown_to).as_secs_f64();
        self.grown_to = self.grown_to.max(now);
        if self.current < self.asked && calm > 0.0 {
            let step = match self.refused_at {
                Some(r) if self.current < r => ((r - self.current) * CLOSE).max(self.asked * PROBE),
                _ => self.asked * PROBE,
            };
            self.current = (self.current + step * calm).min(self.asked);
            if self.current >= self.asked {
                self.refused_at = None;
                if let Some(since) = self.slowed_since.take() {
                    self.slowed += now.saturating_duration_since(since);
                }
            }
        }
        self.current
    }

    /// The provider refused a request for the pace, `latency` after it went out: cut, unless
    /// the last cut is still cooling down (answers to requests sent before it). Whether it cut.
    pub fn throttled(&mut self, now: Instant, latency: Duration) -> bool {
        if self.last_cut.is_some_and(|(at, cool)| now < at + cool) {
            return false;
        }
        let rate = self.rate(now);
        self.refused_at = Some(rate);
        self.current = (rate * CUT).max(self.asked * FLOOR);
        self.last_cut = Some((now, (latency * 2).max(COOL_DOWN)));
        self.cuts += 1;
        self.slowed_since.get_or_insert(now);
        true
    }

    /// How much the campaign was slowed, up to `now`.
    pub fn slowdowns(&mut self, now: Instant) -> Slowdowns {
        let current = self.rate(now);
        let ongoing = self.slowed_since.map_or(Duration::ZERO, |s| now.saturating_duration_since(s));
        Slowdowns { cuts: self.cuts, slowed: self.slowed + ongoing, current }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secs(s: f64) -> Duration {
        Duration::from_secs_f64(s)
    }

    #[test]
    fn a_refusal_cuts_once_per_cool_down_and_calm_grows_it_back() {
        let t0 = Instant::now();
        let mut a = Aimd::new(100.0, t0);
        assert!(a.throttled(t0, secs(0.3)));
        assert_eq!(a.rate(t0), 80.0);
        // The answers to requests sent before the cut are refused too: no second cut.
        assert!(!a.throttled(t0 + secs(0.5), secs(0.3)));
        assert_eq!(a.slowdowns(t0 + secs(0.5)).cuts, 1);
        // Calm: back towards 100 (the rate refused at), then to the asked rate, and no further.
        let later = a.rate(t0 + secs(2.0));
        assert!(later > 80.0 && later < 100.0, "{later}");
        // Asked as the engine asks, every tick.
        for tick in 20..600 {
            a.rate(t0 + secs(f64::from(tick) / 10.0));
        }
        assert_eq!(a.rate(t0 + secs(60.0)), 100.0);
        let s = a.slowdowns(t0 + secs(120.0));
        assert!(s.slowed > secs(2.0) && s.slowed < secs(60.0), "{s:?}");
        assert_eq!(s.current, 100.0);
    }

    #[test]
    fn settles_near_what_the_provider_takes() {
        // A provider taking 50/s of the asked 80/s: over a minute, refusals whenever the rate
        // is above 50; the average rate stays within 10% of 50.
        let t0 = Instant::now();
        let mut a = Aimd::new(80.0, t0);
        let (mut sum, steps) = (0.0, 6_000);
        for i in 0..steps {
            let now = t0 + secs(f64::from(i) / 100.0);
            let rate = a.rate(now);
            if rate > 50.0 {
                a.throttled(now, secs(0.05));
            }
            if i >= 1_000 {
                sum += rate;
            }
        }
        let mean = sum / f64::from(steps - 1_000);
        assert!((45.0..=52.0).contains(&mean), "{mean}");
    }

    #[test]
    fn never_cuts_below_the_floor() {
        let t0 = Instant::now();
        let mut a = Aimd::new(64.0, t0);
        for i in 0..100 {
            a.throttled(t0 + secs(f64::from(i)), Duration::ZERO);
        }
        assert!(a.rate(t0 + secs(100.0)) >= 1.0);
    }
}
