//! How long a campaign takes to send, as `validate` says it: the requests (a batch is one) at
//! the effective rate, or the days the daily cap spreads the audience over. The effective rate
//! is `delivery.rate`, unless human pacing is slower: with `delivery.jitter` a sender sends one
//! message at a time with a pause after each (and the typing before each), so at most one per
//! average pause plus typing for each sender; with `delivery.typing` alone, each request stays open while the
//! indicator shows, so at most `concurrency` per typing time. A floor: a provider slower to
//! answer than the concurrency allows, or throttling, makes it longer.

use crate::delivery::{Pause, rate_text};
use std::time::Duration;

/// What paces the campaign.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Pace {
    /// `delivery.rate`.
    pub rate_per_sec: f64,
    /// `delivery.concurrency`.
    pub concurrency: usize,
    /// `delivery.jitter`.
    pub jitter: Option<Pause>,
    /// The typing indicator's time before a request, on average (zero without it).
    pub typing: Duration,
    /// How many senders send side by side, each paused on its own.
    pub senders: usize,
}

impl Pace {
    /// Requests a second at most: the rate, or what human pacing allows if that is slower.
    pub fn effective(&self) -> f64 {
        let human = match self.jitter {
            Some(pause) => self.senders.max(1) as f64 / (pause.mean() + self.typing).as_secs_f64(),
            None if !self.typing.is_zero() => self.concurrency.max(1) as f64 / self.typing.as_secs_f64(),
            None => f64::INFINITY,
        };
        self.rate_per_sec.min(human)
    }

    /// Why the effective rate is below `delivery.rate`, or `None` when it is not.
    fn slower(&self) -> Option<String> {
        if self.effective() >= self.rate_per_sec {
            return None;
        }
        let typing =
            (!self.typing.is_zero()).then(|| format!("about {:.1}s of typing before each", self.typing.as_secs_f64()));
        let one = if self.senders > 1 { "one message at a time per sender" } else { "one message at a time" };
        let why = match (self.jitter, typing) {
            (Some(pause), Some(typing)) => format!("{one}, {typing} and a {} pause after it", pause.text()),
            (Some(pause), None) => format!("{one} with a {} pause after each", pause.text()),
            (None, Some(typing)) => format!("{typing}, {} at a time", self.concurrency.max(1)),
            (None, None) => return None,
        };
        Some(format!(" ({why}; delivery.rate is {}; the provider's answers add to this)", rate_text(self.rate_per_sec)))
    }
}

/// `sends in about 1m03s at 80/s`, `sends in under a second at 80/s`,
/// `sends in about 8m20s at 12/m (one message at a time with a 2s..8s pause after each; …)`, or
/// `sends over 3 days at the daily cap of 1000`.
pub(super) fn sending_time(recipients: usize, batch: usize, pace: &Pace, daily_cap: Option<usize>) -> String {
    if let Some(cap) = daily_cap.filter(|&cap| cap > 0 && recipients > cap) {
        return format!("sends over {} days at the daily cap of {cap}", recipients.div_ceil(cap));
    }
    let per_sec = pace.effective();
    let rate = rate_text(per_sec);
    let why = pace.slower().unwrap_or_default();
    let seconds = recipients.div_ceil(batch.max(1)) as f64 / per_sec;
    match Duration::try_from_secs_f64(seconds) {
        Ok(d) if d < Duration::from_secs(1) => format!("sends in under a second at {rate}{why}"),
        Ok(d) => format!("sends in about {} at {rate}{why}", crate::clock::format(d)),
        Err(_) => format!("sends at {rate}{why}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(rate_per_sec: f64) -> Pace {
        Pace { rate_per_sec, concurrency: 4, jitter: None, typing: Duration::ZERO, senders: 1 }
    }

    #[test]
    fn the_time_is_the_requests_over_the_rate_or_the_days_the_cap_takes() {
        assert_eq!(sending_time(2, 1, &at(80.0), None), "sends in under a second at 80/s");
        assert_eq!(sending_time(5_040, 1, &at(80.0), None), "sends in about 1m03s at 80/s");
        assert_eq!(sending_time(10_000, 1, &at(100.0 / 60.0), None), "sends in about 1h40m00s at 100/m");
        // A batch of 100 recipients is one request.
        assert_eq!(sending_time(10_000, 100, &at(10.0), None), "sends in about 10s at 10/s");
        assert_eq!(sending_time(2_500, 1, &at(80.0), Some(1_000)), "sends over 3 days at the daily cap of 1000");
        assert_eq!(sending_time(1_000, 1, &at(80.0), Some(1_000)), "sends in about 12s at 80/s");
    }

    #[test]
    fn human_pacing_slows_the_rate_to_one_message_per_pause_and_typing() {
        let secs = Duration::from_secs;
        let jitter = Some(Pause { min: secs(2), max: secs(8) });
        // A 5 s pause on average: 12 a minute, not the 10/s asked.
        let paused = Pace { jitter, ..at(10.0) };
        assert_eq!(paused.effective(), 0.2);
        assert_eq!(
            sending_time(100, 1, &paused, None),
            "sends in about 8m20s at 12/m (one message at a time with a 2s..8s pause after each; delivery.rate is \
             10/s; the provider's answers add to this)"
        );
        // Typing 1 s on average besides: one message every 6 s.
        let typed = Pace { typing: secs(1), ..paused };
        assert_eq!(typed.effective(), 1.0 / 6.0);
        assert!(sending_time(100, 1, &typed, None).starts_with(
            "sends in about 10m00s at 10/m (one message at a time, about 1.0s of typing before each and a 2s..8s pause"
        ));
        // Typing alone: each request stays open 2 s, 4 at a time.
        let typing = Pace { typing: secs(2), ..at(10.0) };
        assert_eq!(typing.effective(), 2.0);
        assert!(sending_time(100, 1, &typing, None).starts_with("sends in about 50s at 2/s (about 2.0s of typing"));
        // A rate slower than the pauses is the rate, and says nothing of them.
        let slow = Pace { jitter, ..at(1.0 / 60.0) };
        assert_eq!(sending_time(10, 1, &slow, None), "sends in about 10m00s at 1/m");
    }
}
