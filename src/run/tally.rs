//! Running counts of a send, and the breaker that stops a campaign going badly: it looks at the
//! last [`BREAKER_WINDOW`] finished recipients, so a list with a few undeliverable numbers goes
//! on while a campaign whose requests mostly fail stops early.

use crate::delivery::BREAKER_WINDOW;
use crate::results::Status;

/// Counts so far.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Tally {
    /// Recipients to send in this run.
    pub total: usize,
    /// Accepted.
    pub sent: usize,
    /// Refused or out of retries.
    pub failed: usize,
    /// Sent with no answer.
    pub unknown: usize,
    /// Waiting to retry right now.
    pub retrying: usize,
    /// Requests made, retries included.
    pub requests: usize,
    /// The last finished recipients, for the breaker.
    pub recent: Window,
    /// Recipients outside their sending window.
    pub held: usize,
    /// When the first held recipient's window opens.
    pub next_opening: Option<jiff::Timestamp>,
    /// The rate asked and achieved lately, and what holds it back.
    pub pace: crate::pace::Pace,
}

/// The last [`BREAKER_WINDOW`] finished recipients, newest in the lowest bit: 1 failed or
/// unknown, 0 sent.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Window {
    bits: u64,
    len: usize,
}

impl Tally {
    /// Counts for a run of `total` recipients.
    pub fn of(total: usize) -> Tally {
        Tally { total, ..Tally::default() }
    }

    /// Counts a recipient held until their window opens at `opens`.
    pub fn hold(&mut self, opens: jiff::Timestamp) {
        self.held += 1;
        self.next_opening = Some(self.next_opening.map_or(opens, |first| first.min(opens)));
    }

    /// Recipients that reached a final state.
    pub fn finished(&self) -> usize {
        self.sent + self.failed + self.unknown
    }

    /// Counts a recipient's final state.
    pub fn record(&mut self, status: Status) {
        let failed = match status {
            Status::Sent | Status::DryRun => {
                self.sent += 1;
                false
            }
            Status::Failed => {
                self.failed += 1;
                true
            }
            Status::Unknown => {
                self.unknown += 1;
                true
            }
            Status::Skipped => return,
        };
        let mask = (1u64 << BREAKER_WINDOW) - 1;
        self.recent.bits = ((self.recent.bits << 1) | u64::from(failed)) & mask;
        self.recent.len = (self.recent.len + 1).min(BREAKER_WINDOW);
    }

    /// Failed and unknown recipients as a share of those finished.
    pub fn failure_rate(&self) -> f64 {
        let done = self.finished();
        if done == 0 { 0.0 } else { (self.failed + self.unknown) as f64 / done as f64 }
    }

    /// Failed and unknown recipients as a share of the last [`BREAKER_WINDOW`] finished.
    pub fn recent_failure_rate(&self) -> f64 {
        let Window { bits, len } = self.recent;
        if len == 0 { 0.0 } else { f64::from(bits.count_ones()) / len as f64 }
    }

    /// Whether recent failures exceed `breaker`, once a full window has finished, while
    /// recipients are left to claim (stopping after the last one would change nothing).
    pub fn breaker_tripped(&self, breaker: f64) -> bool {
        self.finished() < self.total && self.recent.len >= BREAKER_WINDOW && self.recent_failure_rate() > breaker
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_breaker_judges_the_last_window_only() {
        let mut t = Tally::of(1_000);
        t.record(Status::Failed);
        assert!(!t.breaker_tripped(0.5), "one failure is no sample");
        // One undeliverable number in twenty: the run goes on.
        for i in 0..200 {
            t.record(if i % 20 == 0 { Status::Failed } else { Status::Sent });
        }
        assert!(!t.breaker_tripped(0.5));
        // Then most requests fail: within one window the breaker trips.
        for _ in 0..30 {
            t.record(Status::Failed);
        }
        assert!(t.breaker_tripped(0.5), "{}", t.recent_failure_rate());
        let mut small = Tally::of(3);
        small.record(Status::Unknown);
        small.record(Status::Unknown);
        small.record(Status::Sent);
        assert!(!small.breaker_tripped(0.5), "nothing is left to protect once everyone has finished");
        small.record(Status::Skipped);
        assert_eq!(small.finished(), 3);
    }
}
