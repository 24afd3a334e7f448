//! The session's waits: for `schedule.send_at` (`mode: local`), for a held recipient's sending
//! window, and after a clean canary, each on the session's clock ([`Clock`]: real time, or a
//! manual clock's in tests). Ctrl-C or SIGTERM cancels each (exit 130). The `send_at` wait reads
//! the clock again on every tick, so a second run, a machine that slept or a corrected clock all
//! wait for the right moment; each tick is an [`Event::Countdown`].

use super::{Event, OnEvent, Options, SessionError, tell};
use crate::campaign::model::ScheduleMode;
use crate::plan::Plan;
use crate::window::Clock;
use jiff::Timestamp;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// How often the time left is told (and the clock read again).
const TICK: Duration = Duration::from_secs(1);

/// The time herald must wait for (`mode: local`, still ahead by `clock`), if any; says what
/// happens otherwise. A provider that schedules gets the time in each request and herald sends
/// at once; a dry run, the sandbox and `--now` never wait.
pub(super) fn send_at(
    plan: &Plan,
    o: &Options,
    clock: &Clock,
    on_event: OnEvent<'_>,
) -> Result<Option<Timestamp>, SessionError> {
    let Some(schedule) = plan.schedule else { return Ok(None) };
    let when = crate::clock::time(schedule.at);
    if schedule.at <= clock.wall() {
        // Validation refuses a time that has passed, unless --now.
        if o.now {
            tell(on_event, Event::SendAtPassed(when))?;
        }
        return Ok(None);
    }
    let provider = plan.provider.provider().info().name;
    match schedule.mode {
        ScheduleMode::Provider => {
            tell(on_event, Event::SendAtByProvider { when, provider, now: o.now })?;
            Ok(None)
        }
        ScheduleMode::Local if o.dry_run || o.sandbox || o.now => {
            tell(on_event, Event::SendAtNow { when, now: o.now })?;
            Ok(None)
        }
        ScheduleMode::Local => Ok(Some(schedule.at)),
    }
}

/// Waits until `at` by `clock`, telling the time left once a second; cancelling (Ctrl-C,
/// SIGTERM) ends it (exit 130).
pub(super) async fn until(
    at: Timestamp,
    clock: &Clock,
    cancel: &CancellationToken,
    on_event: OnEvent<'_>,
) -> Result<(), SessionError> {
    let waited = ticking(at, clock, cancel, |now| tell(on_event, Event::Countdown { at, now })).await;
    tell(on_event, Event::CountdownOver)?;
    waited
}

/// The `send_at` wait, its ticks going to `tick`.
async fn ticking(
    at: Timestamp,
    clock: &Clock,
    cancel: &CancellationToken,
    mut tick: impl FnMut(Timestamp) -> Result<(), SessionError>,
) -> Result<(), SessionError> {
    loop {
        let now = clock.wall();
        if now >= at {
            return Ok(());
        }
        tick(now)?;
        let left = Duration::try_from(at.duration_since(now)).unwrap_or_default();
        tokio::select! {
            biased;
            () = cancel.cancelled() => return Err(SessionError::Cancelled),
            () = clock.sleep(left.min(TICK)) => {}
        }
    }
}

/// Waits `wait` after a clean canary before going on; Ctrl-C or SIGTERM stops (exit 130).
pub(super) async fn after_canary(
    wait: Duration,
    clock: &Clock,
    cancel: &CancellationToken,
    on_event: OnEvent<'_>,
) -> Result<(), SessionError> {
    tell(on_event, Event::CanaryWait(wait))?;
    tokio::select! {
        biased;
        () = cancel.cancelled() => Err(SessionError::CanaryWaitCancelled),
        () = clock.sleep(wait) => Ok(()),
    }
}

/// Waits until `opens` (a held recipient's window); Ctrl-C or SIGTERM cancels (exit 130).
pub(super) async fn window(
    opens: Timestamp,
    clock: &Clock,
    cancel: &CancellationToken,
    on_event: OnEvent<'_>,
) -> Result<(), SessionError> {
    let wait = Duration::try_from(opens.duration_since(clock.wall())).unwrap_or_default();
    tell(on_event, Event::WindowWait { opens, wait })?;
    tokio::select! {
        biased;
        () = cancel.cancelled() => Err(SessionError::WindowWaitCancelled),
        () = clock.sleep(wait) => Ok(()),
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

    /// Runs the wait from `start` on a manual clock (so nothing really sleeps), cancelled
    /// beforehand if `cancel`; returns the ticks, the clock's waits and how it ended.
    fn waited(start: Timestamp, cancel: bool) -> (Vec<Timestamp>, Vec<Duration>, Result<(), SessionError>) {
        let clock = Clock::manual(start);
        let token = CancellationToken::new();
        if cancel {
            token.cancel();
        }
        let mut ticks = Vec::new();
        let tick = |now| {
            ticks.push(now);
            Ok(())
        };
        let runtime = tokio::runtime::Builder::new_current_thread().build().expect("a runtime");
        let result = runtime.block_on(ticking(at(), &clock, &token, tick));
        (ticks, clock.slept(), result)
    }

    #[test]
    fn a_tick_a_second_until_the_time() {
        let (ticks, slept, result) = waited(before(150), false);
        assert!(result.is_ok());
        assert_eq!((ticks.len(), slept.len()), (150, 150), "one tick a second");
        assert_eq!(ticks[0], before(150));
    }

    #[test]
    fn a_fraction_of_a_second_is_slept_exactly_and_a_time_passed_is_not_waited_for() {
        let (_, slept, result) = waited(at() - jiff::SignedDuration::from_millis(2500), false);
        assert_eq!((slept.len(), slept[2], result.is_ok()), (3, Duration::from_millis(500), true));
        let (ticks, slept, result) = waited(at(), false);
        assert_eq!((ticks.len(), slept.len(), result.is_ok()), (0, 0, true));
    }

    #[test]
    fn a_signal_cancels_the_wait_and_a_second_run_counts_from_the_clock() {
        let (ticks, _, result) = waited(before(3600), true);
        assert!(matches!(result, Err(SessionError::Cancelled)), "{result:?}");
        assert_eq!(ticks, [before(3600)]);
        // Started again ten minutes later, it waits what is left, not the whole hour again.
        let (ticks, slept, result) = waited(before(3000), false);
        assert!(result.is_ok());
        assert_eq!((ticks[0], slept.len()), (before(3000), 3000));
    }
}
