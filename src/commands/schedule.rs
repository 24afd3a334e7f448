//! The countdown `herald send` shows while the session waits for `schedule.send_at`
//! (`mode: local`): a live spinner on a terminal and one plain line a minute otherwise (the first
//! at once), drawn from the session's [`crate::session::Event::Countdown`] ticks.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use jiff::Timestamp;
use std::io::IsTerminal;
use std::time::Duration;

/// How often a plain line is printed while waiting without a terminal.
const PLAIN_EVERY: Duration = Duration::from_secs(60);

/// The countdown text. Pure, so tests check it.
pub fn line(at: Timestamp, now: Timestamp) -> String {
    let left = Duration::try_from(at.duration_since(now)).unwrap_or_default();
    // Rounded up, so the last second reads "in 1s", not "in 0s".
    let left = Duration::from_secs(left.as_secs() + u64::from(left.subsec_nanos() > 0));
    format!(
        "waiting until {} (in {}) · Ctrl-C cancels, --now sends at once",
        crate::clock::time(at),
        crate::clock::format(left)
    )
}

/// Where the countdown goes.
pub enum Countdown {
    /// A spinner redrawn every second, on a terminal.
    Live(ProgressBar),
    /// Plain lines: the first at once, then one per `every` (never again when `None`: `--quiet`).
    Lines {
        /// How often.
        every: Option<Duration>,
        /// When the last line was printed.
        last: Option<Timestamp>,
    },
}

impl Countdown {
    /// Chooses by `quiet` and whether stderr is a terminal.
    pub fn new(quiet: bool) -> Countdown {
        if quiet {
            Countdown::Lines { every: None, last: None }
        } else if std::io::stderr().is_terminal() {
            let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
            bar.set_style(
                ProgressStyle::with_template("{spinner} {msg}").unwrap_or_else(|_| ProgressStyle::default_spinner()),
            );
            Countdown::Live(bar)
        } else {
            Countdown::Lines { every: Some(PLAIN_EVERY), last: None }
        }
    }

    /// Shows the time left; returns the line to print, if one is due.
    pub fn tick(&mut self, at: Timestamp, now: Timestamp) -> Option<String> {
        match self {
            Countdown::Live(bar) => {
                bar.set_message(line(at, now));
                bar.tick();
                None
            }
            Countdown::Lines { every, last } => {
                let due = match (*last, *every) {
                    (None, _) => true,
                    (Some(last), Some(every)) => Duration::try_from(now.duration_since(last)).is_ok_and(|d| d >= every),
                    (Some(_), None) => false,
                };
                if due {
                    *last = Some(now);
                }
                due.then(|| line(at, now))
            }
        }
    }

    /// Removes the spinner.
    pub fn finish(&self) {
        if let Countdown::Live(bar) = self {
            bar.finish_and_clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at() -> Timestamp {
        "2026-12-01T09:00:00Z".parse().unwrap()
    }

    fn before(secs: i64) -> Timestamp {
        at() - jiff::SignedDuration::from_secs(secs)
    }

    #[test]
    fn the_line_says_when_how_long_and_how_to_get_out() {
        assert_eq!(
            line(at(), before(3 * 3600 + 12 * 60 + 4)),
            "waiting until 2026-12-01 09:00 UTC (in 3h12m04s) · Ctrl-C cancels, --now sends at once"
        );
        let almost = at() - jiff::SignedDuration::from_millis(200);
        assert!(line(at(), almost).contains("(in 1s)"), "{}", line(at(), almost));
    }

    /// The lines printed for a tick each second from `secs` before the time.
    fn lines(mut countdown: Countdown, secs: i64) -> Vec<String> {
        (0..secs).filter_map(|k| countdown.tick(at(), before(secs - k))).collect()
    }

    #[test]
    fn without_a_terminal_a_line_at_once_then_one_a_minute() {
        let plain = Countdown::Lines { every: Some(PLAIN_EVERY), last: None };
        let lines = lines(plain, 150);
        let left: Vec<&str> = lines.iter().map(|l| l.split(['(', ')']).nth(1).unwrap()).collect();
        assert_eq!(left, ["in 2m30s", "in 1m30s", "in 30s"]);
        // --quiet: the first line only.
        let quiet = Countdown::Lines { every: None, last: None };
        assert_eq!(super::tests::lines(quiet, 150).len(), 1);
    }
}
