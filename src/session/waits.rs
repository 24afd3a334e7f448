//! The session's waits: for `schedule.send_at` (`mode: local`), for a held recipient's sending
//! window, and after a clean canary. Ctrl-C or SIGTERM cancels each (exit 130). The `send_at`
//! wait reads the wall clock again on every tick, so a second run, a machine that slept or a
//! corrected clock all wait for the right moment; each tick is an [`Event::Countdown`].

use super::{Event, OnEvent, Options};
use crate::campaign::model::ScheduleMode;
use crate::error::Error;
use crate::plan::Plan;
use jiff::Timestamp;
use std::future::Future;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// How often the time left is told (and the clock read again).
const TICK: Duration = Duration::from_secs(1);

/// The time herald must wait for (`mode: local`, still ahead), if any; says what happens
/// otherwise. A provider that schedules gets the time in each request and herald sends at
/// once; a dry run, the sandbox and `--now` never wait.
pub(super) fn send_at(plan: &Plan, o: &Options, on_event: OnEvent<'_>) -> Result<Option<Timestamp>, Error> {
    let Some(schedule) = plan.schedule else { return Ok(None) };
    let when = crate::clock::time(schedule.at);
    if schedule.at <= Timestamp::now() {
        // Validation refuses a time that has passed, unless --now.
        if o.now {
            on_event(Event::SendAtPassed(when))?;
        }
        return Ok(None);
    }
    let provider = plan.provider.provider().info().name;
    match schedule.mode {
        ScheduleMode::Provider => {
            on_event(Event::SendAtByProvider { when, provider, now: o.now })?;
            Ok(None)
        }
        ScheduleMode::Local if o.dry_run || o.sandbox || o.now => {
            on_event(Event::SendAtNow { when, now: o.now })?;
            Ok(None)
        }
        ScheduleMode::Local => Ok(Some(schedule.at)),
    }
}

/// Waits until `at`, telling the time left once a second; Ctrl-C or SIGTERM cancels (exit 130).
pub(super) async fn until(at: Timestamp, on_event: OnEvent<'_>) -> Result<(), Error> {
    // Installed before the first tick, so a signal sent right after it is caught.
    let mut signals = crate::signals::Signals::install();
    let cancelled = async move {
        if !signals.next().await {
            // No handler: nothing can cancel, so the wait runs its course.
            std::future::pending::<()>().await;
        }
    };
    let tick = |now| on_event(Event::Countdown { at, now });
    let waited = wait_with(at, Timestamp::now, tokio::time::sleep, cancelled, tick).await;
    on_event(Event::CountdownOver)?;
    waited
}

/// The wait, with its clock, its sleep, its cancellation and where ticks go passed in (tests
/// fake them all).
async fn wait_with<S: Future<Output = ()>>(
    at: Timestamp,
    clock: impl Fn() -> Timestamp,
    mut sleep: impl FnMut(Duration) -> S,
    cancelled: impl Future<Output = ()>,
    mut tick: impl FnMut(Timestamp) -> Result<(), Error>,
) -> Result<(), Error> {
    let mut cancelled = std::pin::pin!(cancelled);
    loop {
        let now = clock();
        if now >= at {
            return Ok(());
        }
        tick(now)?;
        let left = Duration::try_from(at.duration_since(now)).unwrap_or_default();
        tokio::select! {
            biased;
            () = &mut cancelled => return Err(Error::Cancelled),
            () = sleep(left.min(TICK)) => {}
        }
    }
}

/// Waits `wait` after a clean canary before going on; Ctrl-C or SIGTERM stops (exit 130).
pub(super) async fn after_canary(
    wait: Duration,
    cancel: &CancellationToken,
    on_event: OnEvent<'_>,
) -> Result<(), Error> {
    on_event(Event::CanaryWait(wait))?;
    tokio::select! {
        () = tokio::time::sleep(wait) => Ok(()),
        () = cancel.cancelled() => Err(Error::CanaryWaitCancelled),
    }
}

/// Waits until `opens` (a held recipient's window); Ctrl-C or SIGTERM cancels (exit 130).
pub(super) async fn window(opens: Timestamp, cancel: &CancellationToken, on_event: OnEvent<'_>) -> Result<(), Error> {
    let wait = Duration::try_from(opens.duration_since(Timestamp::now())).unwrap_or_default();
    on_event(Event::WindowWait { opens, wait })?;
    tokio::select! {
        () = tokio::time::sleep(wait) => Ok(()),
        () = cancel.cancelled() => Err(Error::WindowWaitCancelled),
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

    /// Runs the wait from `start` with a clock that each sleep moves on (so nothing really
    /// sleeps); returns the ticks, how many sleeps it took and how it ended.
    fn waited(start: Timestamp, cancel: bool) -> (Vec<Timestamp>, usize, Result<(), Error>) {
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
        let mut ticks = Vec::new();
        let tick = |now| {
            ticks.push(now);
            Ok(())
        };
        let runtime = tokio::runtime::Builder::new_current_thread().build().expect("a runtime");
        let result = runtime.block_on(wait_with(at(), || clock.get(), sleep, cancelled, tick));
        (ticks, sleeps.get(), result)
    }

    #[test]
    fn a_tick_a_second_until_the_time() {
        let (ticks, sleeps, result) = waited(before(150), false);
        assert!(result.is_ok());
        assert_eq!((ticks.len(), sleeps), (150, 150), "one tick a second");
        assert_eq!(ticks[0], before(150));
    }

    #[test]
    fn a_fraction_of_a_second_is_slept_exactly_and_a_time_passed_is_not_waited_for() {
        let (_, sleeps, result) = waited(at() - jiff::SignedDuration::from_millis(2500), false);
        assert_eq!((sleeps, result.is_ok()), (3, true));
        let (ticks, sleeps, result) = waited(at(), false);
        assert_eq!((ticks.len(), sleeps, result.is_ok()), (0, 0, true));
    }

    #[test]
    fn a_signal_cancels_the_wait_and_a_second_run_counts_from_the_clock() {
        let (ticks, _, result) = waited(before(3600), true);
        assert!(matches!(result, Err(Error::Cancelled)), "{result:?}");
        assert_eq!(ticks, [before(3600)]);
        // Started again ten minutes later, it waits what is left, not the whole hour again.
        let (ticks, sleeps, result) = waited(before(3000), false);
        assert!(result.is_ok());
        assert_eq!((ticks[0], sleeps), (before(3000), 3000));
    }
}
