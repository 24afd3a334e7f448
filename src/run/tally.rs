//! Running counts of a send, and the failure-rate breaker that stops a campaign going badly.

use crate::results::Status;

/// Recipients finished before the failure rate is judged.
pub const MIN_SAMPLE: usize = 20;

/// Counts so far.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
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
}

impl Tally {
    /// Recipients that reached a final state.
    pub fn finished(&self) -> usize {
        self.sent + self.failed + self.unknown
    }

    /// Counts a recipient's final state.
    pub fn record(&mut self, status: Status) {
        match status {
            Status::Sent | Status::DryRun => self.sent += 1,
            Status::Failed => self.failed += 1,
            Status::Unknown => self.unknown += 1,
            Status::Skipped => {}
        }
    }

    /// Failed and unknown recipients as a share of those finished.
    pub fn failure_rate(&self) -> f64 {
        let done = self.finished();
        if done == 0 { 0.0 } else { (self.failed + self.unknown) as f64 / done as f64 }
    }

    /// Whether failures exceed `max` once enough recipients have finished to judge (or all have).
    pub fn breaker_tripped(&self, max: f64) -> bool {
        (self.finished() >= MIN_SAMPLE.min(self.total)) && self.failure_rate() > max
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn judges_failure_rate_only_after_a_sample() {
        let mut t = Tally { total: 100, ..Tally::default() };
        t.record(Status::Failed);
        assert!(!t.breaker_tripped(0.0), "one failure is no sample");
        for _ in 0..19 {
            t.record(Status::Sent);
        }
        assert!(t.breaker_tripped(0.02));
        assert!(!t.breaker_tripped(0.05));
        let mut small = Tally { total: 3, ..Tally::default() };
        small.record(Status::Sent);
        small.record(Status::Sent);
        small.record(Status::Unknown);
        assert!(small.breaker_tripped(0.1));
    }
}
