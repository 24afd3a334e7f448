//! Measures a run's [`Pace`]: the engine samples its counters every tick; the meter judges over
//! the last few seconds for the progress line and over the whole run for the summary. Time is
//! passed in, so it is tested without a clock.

use crate::pace::{HELD, Limit, Pace, Slowdowns};
use std::collections::VecDeque;
use std::time::Duration;

/// The achieved rate is judged over this much of the latest sending.
const SPAN: Duration = Duration::from_secs(5);

/// One tick's look at the run.
#[derive(Debug, Clone, Copy, Default)]
pub struct Sample {
    /// Since the run started.
    pub at: Duration,
    /// Requests made so far.
    pub requests: usize,
    /// Requests on the wire.
    pub in_flight: usize,
    /// Requests waiting out a retry.
    pub retrying: usize,
    /// Answers so far, and the time they took together.
    pub answers: usize,
    /// The time all answers so far took.
    pub waited: Duration,
    /// More recipients may come (the feed is open or claims are under way).
    pub more: bool,
    /// How the provider slowed the run.
    pub slowdowns: Slowdowns,
    /// Requests refused for the pace so far.
    pub throttled: usize,
}

/// Judges the run's pace from its samples.
pub struct Meter {
    asked: f64,
    workers: usize,
    shared: bool,
    paused: bool,
    recent: VecDeque<Sample>,
    /// The first request and the latest sample with work waiting or in flight.
    first: Option<Duration>,
    last: Sample,
    /// The latest sample that saw a new request: the run's rate ends there, not with the
    /// wait for the last answers.
    last_request: Duration,
    /// Ticks below the asked rate, by reason, for the summary.
    limited: [(Limit, usize); 5],
    ticks: usize,
}

impl Meter {
    /// A meter for a run asked to keep `asked` requests a second with `workers` workers;
    /// `shared` when other runners share the sender's slots, `paused` when the sender pauses
    /// between messages (`delivery.jitter`: one at a time).
    pub fn new(asked: f64, workers: usize, shared: bool, paused: bool) -> Meter {
        Meter {
            asked,
            workers,
            shared,
            paused,
            recent: VecDeque::new(),
            first: None,
            last: Sample::default(),
            last_request: Duration::ZERO,
            limited: Limit::ALL.map(|l| (l, 0)),
            ticks: 0,
        }
    }

    /// Takes a tick's sample; the pace over the last few seconds.
    pub fn sample(&mut self, s: Sample) -> Pace {
        if s.requests > 0 && self.first.is_none() {
            self.first = Some(s.at);
        }
        if s.requests > self.last.requests {
            self.last_request = s.at;
        }
        self.recent.push_back(s);
        while self.recent.front().is_some_and(|f| s.at.saturating_sub(f.at) > SPAN) {
            self.recent.pop_front();
        }
        self.last = s;
        let oldest = self.recent.front().copied().unwrap_or(s);
        let span = s.at.saturating_sub(oldest.at);
        let achieved =
            if span.is_zero() { 0.0 } else { s.requests.saturating_sub(oldest.requests) as f64 / span.as_secs_f64() };
        let latency = mean(s.waited.saturating_sub(oldest.waited), s.answers.saturating_sub(oldest.answers));
        let mut pace = self.pace(achieved, latency, s);
        // Judged once a whole span of sending is seen, and while there is more to send.
        let sending = self.first.is_some_and(|f| s.at.saturating_sub(f) >= SPAN);
        if sending && s.more && !pace.held() {
            pace.limit = Some(self.limit(&s));
            if let Some(n) = self.limited.iter_mut().find(|(l, _)| pace.limit == Some(*l)) {
                n.1 += 1;
            }
        }
        if sending && s.more {
            self.ticks += 1;
        }
        pace
    }

    /// The pace over the whole run (from the first request to the last: waiting for the last
    /// answers is no shortfall; to the last sample when every request went out in one tick),
    /// with the reason that held it back most, if it was held back for at least a tenth of it.
    pub fn summary(&self) -> Pace {
        let s = self.last;
        let span = |end: Duration| self.first.map_or(Duration::ZERO, |f| end.saturating_sub(f));
        let span = Some(span(self.last_request)).filter(|d| !d.is_zero()).unwrap_or_else(|| span(s.at));
        let achieved = if span.is_zero() { 0.0 } else { s.requests as f64 / span.as_secs_f64() };
        let mut pace = self.pace(achieved, mean(s.waited, s.answers), s);
        // The most frequent reason; on a tie, the later in `Limit::ALL`.
        let (most, ticks) = self.limited.iter().max_by_key(|(_, n)| *n).copied().unwrap_or((Limit::Herald, 0));
        if !pace.held() && ticks * 10 >= self.ticks.max(1) {
            pace.limit = Some(most);
        }
        pace
    }

    fn pace(&self, achieved: f64, latency: Option<Duration>, s: Sample) -> Pace {
        Pace {
            asked: self.asked,
            achieved,
            in_flight: s.in_flight,
            workers: self.workers,
            latency,
            limit: None,
            slowdowns: s.slowdowns,
            throttled: s.throttled,
        }
    }

    fn limit(&self, s: &Sample) -> Limit {
        if s.slowdowns.current < self.asked * HELD || s.throttled > 0 && s.slowdowns.cuts > 0 {
            Limit::Provider
        } else if self.paused {
            Limit::Pauses
        } else if s.in_flight + s.retrying >= self.workers {
            Limit::Concurrency
        } else if self.shared {
            Limit::Shared
        } else {
            Limit::Herald
        }
    }
}

fn mean(total: Duration, n: usize) -> Option<Duration> {
    (n > 0).then(|| total / u32::try_from(n).unwrap_or(u32::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(secs: f64) -> Duration {
        Duration::from_secs_f64(secs)
    }

    /// A run at `per_sec` with `in_flight` busy workers answering in `latency`, sampled every
    /// 100 ms for `secs` seconds.
    fn run(m: &mut Meter, per_sec: f64, in_flight: usize, latency: Duration, secs: u32) -> Pace {
        let mut pace = Pace::default();
        for tick in 0..=secs * 10 {
            let t = f64::from(tick) / 10.0;
            let requests = (per_sec * t) as usize;
            pace = m.sample(Sample {
                at: at(t),
                requests,
                in_flight,
                answers: requests,
                waited: latency * u32::try_from(requests).unwrap(),
                more: true,
                slowdowns: Slowdowns { current: m.asked, ..Slowdowns::default() },
                ..Sample::default()
            });
        }
        pace
    }

    #[test]
    fn a_held_rate_has_no_limit() {
        let mut m = Meter::new(80.0, 1024, false, false);
        let pace = run(&mut m, 80.0, 24, Duration::from_millis(300), 10);
        assert!(pace.held() && pace.limit.is_none(), "{pace:?}");
        assert!(m.summary().limit.is_none());
    }

    #[test]
    fn busy_workers_are_the_limit_and_the_words_say_how_many_are_needed() {
        let mut m = Meter::new(80.0, 4, false, false);
        let pace = run(&mut m, 13.3, 4, Duration::from_millis(300), 10);
        assert_eq!(pace.limit, Some(Limit::Concurrency));
        assert_eq!(pace.needs(), Some(24));
        let why = pace.why().unwrap();
        assert!(why.contains("all 4 workers are busy") && why.contains("about 24 in flight"), "{why}");
        let summary = m.summary();
        assert_eq!(summary.limit, Some(Limit::Concurrency));
        assert!((summary.achieved - 13.3).abs() < 0.5, "{}", summary.achieved);
    }

    #[test]
    fn nothing_is_judged_before_a_span_of_sending_nor_at_the_end() {
        let mut m = Meter::new(80.0, 4, false, false);
        let pace = run(&mut m, 13.3, 4, Duration::from_millis(300), 3);
        assert_eq!(pace.limit, None, "three seconds is too soon to say");
        let mut m = Meter::new(80.0, 1024, false, false);
        run(&mut m, 80.0, 24, Duration::from_millis(300), 10);
        // The last few requests: fewer go out, because there are no more.
        let end = m.sample(Sample { at: at(12.0), requests: 810, more: false, ..Sample::default() });
        assert_eq!(end.limit, None);
    }

    #[test]
    fn the_summary_rate_ends_with_the_last_request_not_the_last_answer() {
        // 1000/s for 10 s at 2 s a request, then 6 s waiting for the slowest answers: the
        // requests went out at the asked rate, the wait for answers is no shortfall.
        let mut m = Meter::new(1000.0, 1024, false, false);
        run(&mut m, 1000.0, 2000, Duration::from_secs(2), 10);
        for tick in 1..=60_u32 {
            let at = at(10.0 + f64::from(tick) / 10.0);
            let in_flight = 2000 - tick as usize * 33;
            m.sample(Sample { at, requests: 10_000, in_flight, ..Sample::default() });
        }
        let summary = m.summary();
        assert!(summary.held(), "{summary:?}");
        assert!((summary.achieved - 1000.0).abs() < 20.0, "{}", summary.achieved);
    }
}
