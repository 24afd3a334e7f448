//! The schedule step of `herald send`: what `schedule.send_at` means for this run, and the wait
//! for it in-process (`mode: local`). The wait shows a live countdown on a terminal and one
//! plain line a minute otherwise (the first at once); Ctrl-C or SIGTERM cancels it. The time
//! left is read again from the wall clock on every tick, so a second run, a machine that slept
//! or a corrected clock all wait for the right moment.

use super::send::Options;
use crate::campaign::model::ScheduleMode;
use crate::error::Error;
use crate::plan::Plan;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use jiff::Timestamp;
use std::future::Future;
use std::io::IsTerminal;
use std::time::Duration;

/// How often a plain line is printed while waiting without a terminal.
const PLAIN_EVERY: Duration = Duration::from_secs(60);

/// How often the countdown is redrawn (and the clock read again).
const TICK: Duration = Duration::from_secs(1);

/// The time herald must wait for (`mode: local`, still ahead), if any; says what happens
/// otherwise. A provider that schedules gets the time in each request and herald sends at
/// once; a dry run, the sandbox and `--now` never wait.
pub fn wait_until(plan: &Plan, o: &Options) -> Option<Timestamp> {
    let schedule = plan.schedule?;
    let when = crate::clock::time(schedule.at);
    if schedule.at <= Timestamp::now() {
        // Validation refuses a time that has passed, unless --now.
        if o.now {
            eprintln!("note: schedule.send_at ({when}) has passed; sending now (--now)");
        }
        return None;
    }
    let provider = plan.provider.provider().info().name;
    match schedule.mode {
        ScheduleMode::Provider if o.now => {
            eprintln!("note: schedule.send_at is {when}; sending now, without asking {provider} to wait (--now)");
            None
        }
        ScheduleMode::Provider => {
            eprintln!("note: each request asks {provider} to deliver at {when} (`schedule.mode: provider`)");
            None
        }
        ScheduleMode::Local if o.dry_run || o.sandbox || o.now => {
            eprintln!(
                "note: schedule.send_at is {when}; sending now ({})",
                if o.now { "--now" } else { "dry run or sandbox" }
            );
            None
        }
        ScheduleMode::Local => Some(schedule.at),
    }
}

/// Waits until `at`, counting down on stderr; Ctrl-C or SIGTERM cancels (exit 130).
pub async fn wait(at: Timestamp, quiet: bool) -> Result<(), Error> {
    // Installed before the first line, so a signal sent right after it is caught.
    let mut signals = crate::signals::Signals::install();
    let mut countdown = Countdown::new(quiet);
    let cancelled = async move {
        if !signals.next().await {
            // No handler: nothing can cancel, so the wait runs its course.
            std::future::pending::<()>().await;
        }
    };
    let print = |line: String| eprintln!("{line}");
    let waited = wait_with(at, &mut countdown, Timestamp::now, tokio::time::sleep, cancelled, print).await;
    countdown.finish();
    waited
}

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
enum Countdown {
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
    fn new(quiet: bool) -> Countdown {
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
    fn tick(&mut self, at: Timestamp, now: Timestamp) -> Option<String> {
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
    fn finish(&self) {
        if let Countdown::Live(bar) = self {
            bar.finish_and_clear();
        }
    }
}

/// The wait, with its clock, its sleep, its cancellation and where lines go passed in (tests fake
/// them all).
async fn wait_with<S: Future<Output = ()>>(
    at: Timestamp,
    countdown: &mut Countdown,
    clock: impl Fn() -> Timestamp,
    mut sleep: impl FnMut(Duration) -> S,
    cancelled: impl Future<Output = ()>,
    mut print: impl FnMut(String),
) -> Result<(), Error> {
    let mut cancelled = std::pin::pin!(cancelled);
    loop {
        let now = clock();
        if now >= at {
            return Ok(());
        }
        if let Some(line) = countdown.tick(at, now) {
            print(line);
        }
        let left = Duration::try_from(at.duration_since(now)).unwrap_or_default();
        tokio::select! {
            biased;
            () = &mut cancelled => return Err(Error::Cancelled),
            () = sleep(left.min(TICK)) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;

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

    /// Runs the wait from `start` with a clock that each sleep moves on (so nothing really
    /// sleeps); returns the lines printed, how many sleeps it took and how it ended.
    fn waited(mut countdown: Countdown, start: Timestamp, cancel: bool) -> (Vec<String>, usize, Result<(), Error>) {
        let clock = Cell::new(start);
        let sleeps = Cell::new(0);
        let sleep = |d: Duration| {
            clock.set(clock.get() + d);
            sleeps.set(sleeps.get() + 1);
            std::future::ready(())
        };
        let cancelled = async {
            if !cancel {
                std::future::pending::<()>().await;
            }
        };
        let mut lines = Vec::new();
        let runtime = tokio::runtime::Builder::new_current_thread().build().expect("a runtime");
        let result =
            runtime.block_on(wait_with(at(), &mut countdown, || clock.get(), sleep, cancelled, |l| lines.push(l)));
        (lines, sleeps.get(), result)
    }

    #[test]
    fn without_a_terminal_a_line_at_once_then_one_a_minute() {
        let plain = Countdown::Lines { every: Some(PLAIN_EVERY), last: None };
        let (lines, sleeps, result) = waited(plain, before(150), false);
        assert!(result.is_ok());
        let left: Vec<&str> = lines.iter().map(|l| l.split(['(', ')']).nth(1).unwrap()).collect();
        assert_eq!(left, ["in 2m30s", "in 1m30s", "in 30s"]);
        assert_eq!(sleeps, 150, "one tick a second");
        // --quiet: the first line only.
        let quiet = Countdown::Lines { every: None, last: None };
        let (lines, _, result) = waited(quiet, before(150), false);
        assert!(result.is_ok());
        assert_eq!(lines.len(), 1);
    }

    #[test]
    fn a_fraction_of_a_second_is_slept_exactly_and_a_time_passed_is_not_waited_for() {
        let plain = || Countdown::Lines { every: Some(PLAIN_EVERY), last: None };
        let (_, sleeps, result) = waited(plain(), at() - jiff::SignedDuration::from_millis(2500), false);
        assert_eq!((sleeps, result.is_ok()), (3, true));
        let (lines, sleeps, result) = waited(plain(), at(), false);
        assert_eq!((lines.len(), sleeps, result.is_ok()), (0, 0, true));
    }

    #[test]
    fn a_signal_cancels_the_wait_and_a_second_run_counts_from_the_clock() {
        let plain = || Countdown::Lines { every: Some(PLAIN_EVERY), last: None };
        let (lines, _, result) = waited(plain(), before(3600), true);
        assert!(matches!(result, Err(Error::Cancelled)), "{result:?}");
        assert_eq!(lines.len(), 1);
        assert!(lines[0].contains("(in 1h00m00s)"), "{lines:?}");
        // Started again ten minutes later, it waits what is left, not the whole hour again.
        let (lines, sleeps, result) = waited(plain(), before(3000), false);
        assert!(result.is_ok());
        assert!(lines[0].contains("(in 50m00s)"), "{lines:?}");
        assert_eq!(sleeps, 3000);
    }
}
