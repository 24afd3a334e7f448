//! What time it is, and how herald waits for a time: the system's clock, a fixed instant
//! (`HERALD_NOW`, to rehearse a send at another hour) or a manual clock for tests. A manual
//! clock's waits move its time on at once and are recorded, so a test stands at 22:00 in
//! Nairobi, lets the session wait for 09:00, and sees it send, in milliseconds.

use jiff::Timestamp;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

/// What time it is, for window decisions and the session's waits.
#[derive(Clone)]
pub struct Clock(Kind);

#[derive(Clone)]
enum Kind {
    System,
    Fixed(Timestamp),
    Manual(Arc<Mutex<Manual>>),
}

/// A manual clock's time and the waits that moved it on.
struct Manual {
    now: Timestamp,
    slept: Vec<Duration>,
}

impl Clock {
    /// The system's clock.
    pub fn system() -> Clock {
        Clock(Kind::System)
    }

    /// Windows are judged at `at`, always; waits take real time.
    pub fn fixed(at: Timestamp) -> Clock {
        Clock(Kind::Fixed(at))
    }

    /// Starts at `at`; each wait ([`Clock::sleep`]) moves it on by as long at once. Clones
    /// share its time.
    pub fn manual(at: Timestamp) -> Clock {
        Clock(Kind::Manual(Arc::new(Mutex::new(Manual { now: at, slept: Vec::new() }))))
    }

    /// Whether it stands still (a rehearsal at a fixed time).
    pub fn is_fixed(&self) -> bool {
        matches!(self.0, Kind::Fixed(_))
    }

    /// Now, as windows are judged.
    pub fn now(&self) -> Timestamp {
        match &self.0 {
            Kind::System => Timestamp::now(),
            Kind::Fixed(at) => *at,
            Kind::Manual(m) => lock(m).now,
        }
    }

    /// Now, as waits are measured: the system's time, except on a manual clock (a fixed clock
    /// judges windows at its instant, but waits for `schedule.send_at` in real time).
    pub fn wall(&self) -> Timestamp {
        match &self.0 {
            Kind::Manual(m) => lock(m).now,
            Kind::System | Kind::Fixed(_) => Timestamp::now(),
        }
    }

    /// Waits `d`: really, or on a manual clock by moving its time on (and recording the wait).
    pub async fn sleep(&self, d: Duration) {
        match &self.0 {
            Kind::Manual(m) => {
                {
                    let mut m = lock(m);
                    m.now = m.now.checked_add(d).unwrap_or(m.now);
                    m.slept.push(d);
                }
                tokio::task::yield_now().await;
            }
            Kind::System | Kind::Fixed(_) => tokio::time::sleep(d).await,
        }
    }

    /// The waits a manual clock was moved on by, in order (none on the other clocks).
    pub fn slept(&self) -> Vec<Duration> {
        match &self.0 {
            Kind::Manual(m) => lock(m).slept.clone(),
            Kind::System | Kind::Fixed(_) => Vec::new(),
        }
    }
}

/// The manual clock's state; a panic elsewhere while it was held leaves it usable.
fn lock(m: &Mutex<Manual>) -> std::sync::MutexGuard<'_, Manual> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl std::fmt::Debug for Clock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.0 {
            Kind::System => f.write_str("Clock::system"),
            Kind::Fixed(at) => write!(f, "Clock::fixed({at})"),
            Kind::Manual(m) => write!(f, "Clock::manual({})", lock(m).now),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_manual_clock_moves_on_by_its_waits_and_its_clones_share_its_time() {
        let at: Timestamp = "2026-11-30T19:00:00Z".parse().unwrap();
        let clock = Clock::manual(at);
        let shared = clock.clone();
        let rt = tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap();
        rt.block_on(shared.sleep(Duration::from_secs(11 * 3600)));
        assert_eq!((clock.now(), clock.wall()), (at + jiff::SignedDuration::from_hours(11), clock.now()));
        assert_eq!(clock.slept(), [Duration::from_secs(11 * 3600)]);
        assert!(!clock.is_fixed());
    }

    #[test]
    fn a_fixed_clock_judges_windows_at_its_instant_and_waits_in_real_time() {
        let at: Timestamp = "2026-11-30T19:00:00Z".parse().unwrap();
        let clock = Clock::fixed(at);
        assert_eq!(clock.now(), at);
        assert!(clock.wall() > at && clock.is_fixed() && clock.slept().is_empty());
    }
}
