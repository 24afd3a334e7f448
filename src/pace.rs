//! A run's pace: the rate it was asked for and the rate it achieved, and when it fell short,
//! why: the provider slowed it (throttling answers), every worker is busy
//! (`delivery.concurrency` is below what the rate needs at this latency: Little's law, in
//! flight = rate × latency), other runners share the sender's rate, or herald itself cannot
//! prepare requests faster. The run measures it (`run::meter`); progress and reports say it.

use std::time::Duration;

/// Below this share of the asked rate, the rate is not held.
pub const HELD: f64 = 0.95;

/// How much the provider slowed a campaign.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Slowdowns {
    /// Times the rate was cut.
    pub cuts: u32,
    /// Time spent below the asked rate.
    pub slowed: Duration,
    /// The rate now, requests a second.
    pub current: f64,
}

impl Slowdowns {
    /// Two senders' slowdowns as the campaign's: cuts add up, as do the rates now; the time
    /// slowed is the longer.
    pub fn and(self, other: Slowdowns) -> Slowdowns {
        Slowdowns {
            cuts: self.cuts + other.cuts,
            slowed: self.slowed.max(other.slowed),
            current: self.current + other.current,
        }
    }
}

/// How a run keeps its rate.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Pace {
    /// Requests a second asked for (`delivery.rate`, or the provider's default).
    pub asked: f64,
    /// Requests a second achieved: over the last few seconds while sending, over the run (from
    /// its first request to its last) in the summary.
    pub achieved: f64,
    /// Requests on the wire.
    pub in_flight: usize,
    /// The workers: the most requests in flight (`delivery.concurrency`).
    pub workers: usize,
    /// The mean time an answer took, lately (or over the run).
    pub latency: Option<Duration>,
    /// Why the asked rate is not held, when it is not.
    pub limit: Option<Limit>,
    /// How the provider slowed the run.
    pub slowdowns: Slowdowns,
    /// Requests the provider refused for the pace.
    pub throttled: usize,
}

/// What holds a run below its asked rate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limit {
    /// The provider's throttling answers slowed it.
    Provider,
    /// Every worker is busy: the rate needs more requests in flight at this latency.
    Concurrency,
    /// Other runners on the journal share the sender's rate.
    Shared,
    /// Requests are not prepared (rendered, claimed in the journal) as fast as asked.
    Herald,
    /// The sender pauses between messages (`delivery.jitter`), one at a time: the provider's
    /// answer time adds to each pause.
    Pauses,
}

impl Limit {
    /// Every reason; on a tie the summary names the later.
    pub const ALL: [Limit; 5] = [Limit::Provider, Limit::Concurrency, Limit::Shared, Limit::Herald, Limit::Pauses];

    /// Its name in summary.json.
    pub fn as_str(self) -> &'static str {
        match self {
            Limit::Provider => "provider",
            Limit::Concurrency => "concurrency",
            Limit::Shared => "shared",
            Limit::Herald => "herald",
            Limit::Pauses => "pauses",
        }
    }
}

impl Pace {
    /// The line summaries print when the asked rate was not held or the provider slowed the
    /// run; `None` when there is nothing to say.
    pub fn line(&self) -> Option<String> {
        let rates = format!("asked {}, achieved {:.1}/s", crate::delivery::rate_text(self.asked), self.achieved);
        match (self.held(), self.why()) {
            (false, Some(why)) => Some(format!("{rates}: {why}")),
            // Too short a run to judge, or nothing to blame: the summary.json numbers say enough.
            (false, None) => None,
            (true, _) if self.slowdowns.cuts > 0 => Some(format!(
                "{rates}; the provider throttled {} request{}, slowing the run {} time{} for {} in all",
                self.throttled,
                if self.throttled == 1 { "" } else { "s" },
                self.slowdowns.cuts,
                if self.slowdowns.cuts == 1 { "" } else { "s" },
                crate::clock::format(self.slowdowns.slowed)
            )),
            (true, _) => None,
        }
    }

    /// Requests in flight the asked rate needs at the latest latency (Little's law).
    pub fn needs(&self) -> Option<usize> {
        self.latency.map(|l| (self.asked * l.as_secs_f64()).ceil() as usize)
    }

    /// Why, in words, with what to do.
    pub fn why(&self) -> Option<String> {
        let ms = |d: Duration| d.as_millis();
        Some(match self.limit? {
            Limit::Provider => format!(
                "the provider throttled {} request{} and the rate was cut {} time{} (now {})",
                self.throttled,
                if self.throttled == 1 { "" } else { "s" },
                self.slowdowns.cuts,
                if self.slowdowns.cuts == 1 { "" } else { "s" },
                crate::delivery::rate_text(self.slowdowns.current)
            ),
            Limit::Concurrency => match (self.latency, self.needs()) {
                (Some(l), Some(needs)) => format!(
                    "all {} workers are busy: at {} ms a request, {} needs about {needs} in flight; raise `delivery.concurrency`",
                    self.workers,
                    ms(l),
                    crate::delivery::rate_text(self.asked)
                ),
                _ => format!("all {} workers are busy; raise `delivery.concurrency`", self.workers),
            },
            Limit::Shared => "other runners on the journal share this sender's rate".to_string(),
            Limit::Herald => {
                "herald prepares requests (renders, claims them in the journal) slower than that".to_string()
            }
            Limit::Pauses => {
                "the sender sends one message at a time with `delivery.jitter`'s pauses, and each answer's time adds to them"
                    .to_string()
            }
        })
    }

    /// A few words for the progress line, while the asked rate is not held.
    pub fn short(&self) -> Option<String> {
        let why = match self.limit? {
            Limit::Provider => {
                format!("slowed by the provider to {}", crate::delivery::rate_text(self.slowdowns.current))
            }
            Limit::Concurrency => match self.needs() {
                Some(needs) => format!("all {} workers busy, needs ~{needs} (delivery.concurrency)", self.workers),
                None => format!("all {} workers busy (delivery.concurrency)", self.workers),
            },
            Limit::Shared => "rate shared with other runners".to_string(),
            Limit::Herald => "herald cannot prepare requests faster".to_string(),
            Limit::Pauses => "one at a time with pauses (delivery.jitter)".to_string(),
        };
        Some(format!("below {}: {why}", crate::delivery::rate_text(self.asked)))
    }

    /// Whether the asked rate is held.
    pub fn held(&self) -> bool {
        self.achieved >= self.asked * HELD
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_summary_line_speaks_only_when_there_is_something_to_say() {
        let short = Pace { asked: 100.0, achieved: 32.6, ..Pace::default() };
        assert_eq!(short.line(), None, "a run too short to judge blames nothing");
        let capped = Pace { limit: Some(Limit::Concurrency), workers: 4, ..short };
        assert!(capped.line().unwrap().starts_with("asked 100/s, achieved 32.6/s: all 4 workers are busy"));
        let held = Pace { achieved: 100.0, ..short };
        assert_eq!(held.line(), None);
        let slowed =
            Pace { slowdowns: Slowdowns { cuts: 2, current: 100.0, ..Slowdowns::default() }, throttled: 3, ..held };
        assert!(slowed.line().unwrap().contains("the provider throttled 3 requests, slowing the run 2 times"));
    }
}
