//! The pacer, the run's single source of its rate: a token bucket (GCRA) shared by every
//! worker, so request *i* starts near `start + i / rate` however long each one takes, at the
//! rate the provider lets the campaign keep ([`Aimd`]: cut when it throttles, grown back in
//! the calm), and paused campaign-wide when it says how long to wait (`Retry-After`). Waiters
//! are served in turn, and each slot is timed at the rate of the moment it comes due, so a cut
//! slows the very next request, not the ones after a queue of reservations. With a journal
//! several runners share, the slots come from the journal too, so the rate holds for the sender
//! number across all of them.

use super::aimd::{Aimd, Slowdowns};
use std::sync::Mutex;
use std::time::Duration;
use tokio::time::Instant;

/// A slot used this late is still the slot it was: a timer that wakes a little late does not
/// slow the run down, nor does a lane busy for a moment. Not bounded by one period: at 1000/s
/// a period is the timer's own millisecond, and every late wake lost a slot (870/s of 1000).
const LATE: Duration = Duration::from_millis(20);

/// The shared pacer.
pub struct Pacer {
    /// The bucket; the lock is held by the waiter whose turn it is.
    bucket: tokio::sync::Mutex<Bucket>,
    /// The rate, and the campaign-wide pause.
    control: Mutex<Control>,
    /// Runners sharing the journal share the sender's slots.
    shared: Option<crate::journal::Slots>,
}

/// The token bucket (GCRA), kept as the time the last request counts as sent at, so the next
/// is due one period of the *current* rate later.
struct Bucket {
    last: Instant,
    burst: u32,
}

struct Control {
    aimd: Aimd,
    /// No request starts before this (the provider's `Retry-After`).
    paused_until: Option<Instant>,
}

impl Pacer {
    /// `rate_per_sec` requests per second, at most `burst` back to back after an idle spell.
    pub fn new(rate_per_sec: f64, burst: u32) -> Pacer {
        let now = Instant::now();
        Pacer {
            bucket: tokio::sync::Mutex::new(Bucket {
                last: now.checked_sub(period(rate_per_sec)).unwrap_or(now),
                burst: burst.max(1),
            }),
            control: Mutex::new(Control { aimd: Aimd::new(rate_per_sec.max(1e-6), now), paused_until: None }),
            shared: None,
        }
    }

    /// Paced as [`Pacer::new`], and by `slots` shared with the sender's other runners.
    pub fn shared(rate_per_sec: f64, burst: u32, slots: crate::journal::Slots) -> Pacer {
        Pacer { shared: Some(slots), ..Pacer::new(rate_per_sec, burst) }
    }

    /// Waits for the next slot.
    pub async fn wait(&self) {
        if let Some(slots) = &self.shared {
            slots.wait().await;
        }
        let mut bucket = self.bucket.lock().await;
        loop {
            let now = Instant::now();
            let (rate, paused_until) = self.control(|c| (c.aimd.rate(now), c.paused_until));
            let period = period(rate);
            // Up to `burst` requests go back to back after an idle spell.
            let due = bucket.last + period;
            let conforming = due.checked_sub(period.saturating_mul(bucket.burst - 1)).unwrap_or(now);
            let at = conforming.max(now).max(paused_until.unwrap_or(now));
            if at <= now {
                let late = now.checked_sub(LATE).unwrap_or(now);
                bucket.last = due.max(late);
                return;
            }
            // Woken at the slot, then judged again: the rate or a pause may have changed.
            tokio::time::sleep_until(at).await;
        }
    }

    /// The provider refused a request for the pace, `latency` after it went out, asking to
    /// wait `after` when it said: the whole campaign slows down, and pauses that long.
    pub fn throttled(&self, latency: Duration, after: Option<Duration>) {
        let now = Instant::now();
        self.control(|c| {
            c.aimd.throttled(now, latency);
            if let Some(after) = after {
                let until = now + after;
                c.paused_until = Some(c.paused_until.map_or(until, |p| p.max(until)));
            }
        });
    }

    /// How much the provider slowed the campaign so far.
    pub fn slowdowns(&self) -> Slowdowns {
        self.control(|c| c.aimd.slowdowns(Instant::now()))
    }

    fn control<R>(&self, f: impl FnOnce(&mut Control) -> R) -> R {
        let mut c = self.control.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        f(&mut c)
    }
}

/// The time between two requests at `rate` a second.
fn period(rate: f64) -> Duration {
    Duration::from_secs_f64(1.0 / rate.max(1e-6)).max(Duration::from_nanos(1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn paces_at_the_rate_after_the_burst() {
        let pacer = Pacer::new(10.0, 2);
        let start = Instant::now();
        for _ in 0..2 {
            pacer.wait().await;
        }
        assert_eq!(start.elapsed(), Duration::ZERO);
        pacer.wait().await;
        assert_eq!(start.elapsed(), Duration::from_millis(100));
        for _ in 0..10 {
            pacer.wait().await;
        }
        assert_eq!(start.elapsed(), Duration::from_millis(1100));
    }

    #[tokio::test(start_paused = true)]
    async fn a_throttle_slows_the_next_request_and_retry_after_pauses_everyone() {
        let pacer = Pacer::new(100.0, 1);
        let start = Instant::now();
        pacer.wait().await;
        pacer.throttled(Duration::from_millis(10), None);
        pacer.wait().await;
        // 80/s after the cut: 12.5 ms (the timer's next millisecond), not 10.
        let second = start.elapsed();
        assert!(second >= Duration::from_micros(12_500) && second <= Duration::from_millis(13), "{second:?}");
        pacer.throttled(Duration::ZERO, Some(Duration::from_secs(2)));
        pacer.wait().await;
        assert!(start.elapsed() >= Duration::from_secs(2), "{:?}", start.elapsed());
        assert_eq!(pacer.slowdowns().cuts, 1, "the second refusal came within the cool-down");
    }

    #[tokio::test(start_paused = true)]
    async fn a_rate_faster_than_the_timer_keeps_its_pace_when_wakes_come_late() {
        // 1000/s is one request a millisecond, the timer's own grain: every wake is a little
        // late, and a lane busy for a few milliseconds now and then must not cost the run
        // those slots either.
        let pacer = Pacer::new(1000.0, 1);
        let start = Instant::now();
        for i in 0..1000 {
            pacer.wait().await;
            if i % 10 == 9 {
                tokio::time::sleep(Duration::from_micros(3_500)).await;
            }
        }
        let elapsed = start.elapsed();
        assert!(elapsed <= Duration::from_millis(1_010), "1000 requests at 1000/s took {elapsed:?}");
    }
}
