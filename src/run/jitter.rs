//! Human pacing (`delivery.jitter`): a sender sends one message at a time, as a person would,
//! and after each one ends pauses for a time drawn from the campaign's range before the next
//! goes out. On top of the pacer: a worker takes its turn here after the pacer's slot (the
//! engine runs one worker with jitter, so no claims wait behind a pause; a turn also holds
//! the sender alone if several workers share these pauses). The
//! draw is seeded from the worker's lane and turn ([`super::backoff::Jitter`]; the turn comes
//! before the worker takes its request), so a run's pauses are reproducible. Runners sharing a
//! journal pause each on its own.

use super::backoff::Jitter;
use crate::delivery::Pause;
use tokio::sync::{Mutex, MutexGuard};
use tokio::time::Instant;

/// The sender's pauses; without `delivery.jitter`, every turn is immediate.
pub struct Pauses(Option<(Pause, Mutex<Option<Instant>>)>);

/// The sender's turn: while it lasts no other message of the sender goes out; when it ends
/// the next pause starts.
pub struct Turn<'a>(Option<MutexGuard<'a, Option<Instant>>>);

impl Pauses {
    /// Pauses drawn from `pause`, or none.
    pub fn new(pause: Option<Pause>) -> Pauses {
        Pauses(pause.map(|p| (p, Mutex::new(None))))
    }

    /// Waits until no other message of the sender is on its way and the pause drawn from
    /// `seed` has passed since the last one ended (the first message goes at once).
    pub async fn turn(&self, seed: u64) -> Turn<'_> {
        let Some((pause, last)) = &self.0 else { return Turn(None) };
        let last = last.lock().await;
        if let Some(ended) = *last {
            tokio::time::sleep_until(ended + pause.at(Jitter::new(seed).next())).await;
        }
        Turn(Some(last))
    }
}

impl Drop for Turn<'_> {
    fn drop(&mut self) {
        if let Some(last) = &mut self.0 {
            **last = Some(Instant::now());
        }
    }
}

/// The seed of a worker's `turn`-th turn on `lane`: every turn draws a pause of its own.
pub fn seed(lane: usize, turn: u64) -> u64 {
    turn ^ ((lane as u64) << 48)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    const PAUSE: Pause = Pause { min: Duration::from_secs(2), max: Duration::from_secs(8) };

    #[tokio::test(start_paused = true)]
    async fn pauses_fall_within_the_range_and_average_its_middle() {
        let pauses = Pauses::new(Some(PAUSE));
        drop(pauses.turn(seed(0, 1)).await);
        let mut gaps = Vec::new();
        for turn in 1..=1000 {
            let before = Instant::now();
            drop(pauses.turn(seed(0, turn)).await);
            gaps.push(before.elapsed());
        }
        assert!(gaps.iter().all(|g| (PAUSE.min..=PAUSE.max).contains(g)), "{:?}", gaps.iter().min());
        let mean = gaps.iter().sum::<Duration>() / 1000;
        assert!(mean.abs_diff(PAUSE.mean()) < Duration::from_millis(300), "{mean:?}");
        // Spread over the range, not bunched: some pauses near each end.
        assert!(gaps.iter().any(|g| *g < Duration::from_secs(3)) && gaps.iter().any(|g| *g > Duration::from_secs(7)));
    }

    #[tokio::test(start_paused = true)]
    async fn one_message_at_a_time_and_the_pause_counts_from_its_end() {
        let pauses = std::sync::Arc::new(Pauses::new(Some(Pause { min: PAUSE.min, max: PAUSE.min })));
        let start = Instant::now();
        let first = pauses.turn(seed(0, 1)).await;
        assert_eq!(start.elapsed(), Duration::ZERO, "the first message goes at once");
        let second = tokio::spawn({
            let pauses = pauses.clone();
            async move {
                drop(pauses.turn(seed(1, 1)).await);
                Instant::now()
            }
        });
        // The first message takes 5 s to answer (an Evolution typing delay, a slow gateway).
        tokio::time::sleep(Duration::from_secs(5)).await;
        drop(first);
        assert_eq!(second.await.unwrap() - start, Duration::from_secs(7));
    }

    #[tokio::test(start_paused = true)]
    async fn without_jitter_turns_are_immediate_and_concurrent() {
        let pauses = Pauses::new(None);
        let start = Instant::now();
        let (_a, _b) = (pauses.turn(1).await, pauses.turn(2).await);
        assert_eq!(start.elapsed(), Duration::ZERO);
    }
}
