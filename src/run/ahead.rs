//! How far claims run ahead of the requests going out: one claim covers about 50 ms of
//! sending, and the engine keeps two claims ahead, so a crash leaves at most about 100 ms of
//! traffic claimed but never sent. Of the traffic that really goes out: when the concurrency,
//! the provider's latency or retries keep the run below its rate, claims follow the requests
//! made (measured at each progress tick, with room to speed up), not the rate asked.

use std::time::Duration;
use tokio::time::Instant;

/// Traffic one claim covers.
const SPAN: f64 = 0.05;

/// How much faster than measured the claims may let the run go, so it can speed up.
const HEADROOM: f64 = 2.0;

/// The claim size, in requests.
pub struct Ahead {
    asked: f64,
    /// The most requests one claim covers.
    most: usize,
    /// Requests per second measured lately (`None` before the first measure).
    measured: Option<f64>,
    /// The last measure: when, and requests made by then.
    last: (Instant, usize),
}

impl Ahead {
    /// Claims for a run at `asked` requests per second, at most `most` requests each.
    pub fn new(asked: f64, most: usize) -> Ahead {
        Ahead { asked, most: most.max(1), measured: None, last: (Instant::now(), 0) }
    }

    /// Notes that `requests` have been made by `now`. Until the first request goes out there
    /// is nothing to follow (the run is starting, or waiting for the journal): claims keep to
    /// the rate asked.
    pub fn observe(&mut self, now: Instant, requests: usize) {
        if requests == 0 {
            self.last = (now, 0);
            return;
        }
        let (then, before) = self.last;
        let elapsed = now.saturating_duration_since(then);
        if elapsed < Duration::from_millis(10) {
            return;
        }
        let rate = requests.saturating_sub(before) as f64 / elapsed.as_secs_f64();
        self.measured = Some(self.measured.map_or(rate, |m| (m + rate) / 2.0));
        self.last = (now, requests);
    }

    /// Requests one claim covers now.
    pub fn requests(&self) -> usize {
        let rate = self.measured.map_or(self.asked, |m| self.asked.min(m * HEADROOM));
        ((rate * SPAN).ceil() as usize).clamp(1, self.most)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn claims_cover_50ms_of_the_rate_or_of_what_really_goes_out() {
        let start = Instant::now();
        let mut a = Ahead::new(2000.0, 256);
        assert_eq!(a.requests(), 100, "before any measure, the rate asked");
        a.observe(start, 0);
        a.observe(start + Duration::from_millis(500), 0);
        assert_eq!(a.requests(), 100, "nothing has gone out yet: a slow start is not a slow run");
        // 300 requests a second go out (the concurrency caps the run): claims follow them.
        a.observe(start + Duration::from_millis(1500), 300);
        assert_eq!(a.requests(), 30);
        // Nothing goes out: one request at a time.
        a.observe(start + Duration::from_millis(2500), 300);
        a.observe(start + Duration::from_millis(3500), 300);
        assert!(a.requests() <= 8, "{}", a.requests());
        // Never beyond the rate asked, nor the most a claim may hold.
        a.observe(start + Duration::from_millis(4500), 100_300);
        assert_eq!(a.requests(), 100);
        assert_eq!(Ahead::new(1e9, 256).requests(), 256);
        assert_eq!(Ahead::new(1.0, 256).requests(), 1);
    }
}
