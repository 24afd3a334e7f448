//! `delivery.rate` for a sender number across every runner sharing the journal. The database
//! keeps, per sender, the time of the next free slot (by its own clock, so runners' clocks may
//! differ); a runner reserves a block of slots at a time, a fifth of a second's worth, and
//! spaces its requests over them. Slots are never handed out twice, so the runners together
//! never exceed the rate; a runner that stops leaves its unused slots empty, which only slows
//! the others for that block.

use super::connect::connect;
use super::session::apart;
use crate::journal::JournalError;
use postgres::Client;
use std::collections::VecDeque;
use std::sync::mpsc;
use std::time::Duration;
use tokio::sync::{Mutex, oneshot};
use tokio::time::Instant;

/// How much sending time one reservation covers.
const BLOCK: Duration = Duration::from_millis(200);

/// The least lateness a slot is used with: a runner slower than the rate (far below a high one)
/// lags its slots, and asking the database again for each request would slow it further.
const SLACK: Duration = Duration::from_millis(20);

/// The most slots one reservation takes.
const MAX_BLOCK: u32 = 1000;

/// Reserves `$2` µs of slots for sender `$1` after the next free one (or, after an idle spell,
/// up to `$3` µs in the past: the burst); returns how far in the future the first slot is.
const RESERVE: &str = "WITH clock AS (SELECT (extract(epoch FROM clock_timestamp()) * 1000000)::bigint AS us)
     INSERT INTO pacing AS p (sender, next_us) SELECT $1, us + $2 FROM clock
     ON CONFLICT (sender) DO UPDATE SET next_us = GREATEST(p.next_us, (SELECT us FROM clock) - $3) + $2
     RETURNING next_us - $2 - (SELECT us FROM clock)";

/// A request for the next block; answered with how long until its first slot.
type Ask = oneshot::Sender<Result<i64, JournalError>>;

/// The sender's slots, as one runner sees them.
pub struct Slots {
    asks: mpsc::Sender<Ask>,
    /// Slots reserved and not used yet, in order.
    queue: Mutex<VecDeque<Instant>>,
    period: Duration,
    block: u32,
    /// How late a slot may be used: `burst` periods (the back-to-back requests allowed), and
    /// at least [`SLACK`].
    slack: Duration,
}

impl Slots {
    /// Slots for `sender` at `rate_per_sec`, at most `burst` back to back after an idle spell,
    /// reserved over a connection of their own.
    pub fn start(
        url: String,
        schema: &'static str,
        shown: String,
        sender: String,
        rate_per_sec: f64,
        burst: u32,
    ) -> Result<Slots, JournalError> {
        let period = Duration::from_secs_f64(1.0 / rate_per_sec.max(1e-6)).max(Duration::from_micros(1));
        let block = ((BLOCK.as_secs_f64() / period.as_secs_f64()) as u32).clamp(1, MAX_BLOCK);
        let client = apart(move || connect(&url, schema, &shown))?;
        let micros = |d: Duration| i64::try_from(d.as_micros()).unwrap_or(i64::MAX);
        let slack = (period * burst.max(1)).max(SLACK);
        let (span, burst) = (micros(period) * i64::from(block), micros(period) * i64::from(burst.max(1) - 1));
        let (asks, inbox) = mpsc::channel::<Ask>();
        std::thread::Builder::new()
            .name("herald-pacing".into())
            .spawn(move || serve(client, &inbox, &sender, span, burst))
            .map_err(|source| JournalError::File { what: "start the pacing for", path: "postgres".into(), source })?;
        Ok(Slots { asks, queue: Mutex::new(VecDeque::new()), period, block, slack })
    }

    /// Waits for this runner's next slot.
    pub async fn wait(&self) {
        let at = {
            let mut queue = self.queue.lock().await;
            // Slots that went by unused (the run paused: a retry, a window) are gone: using
            // them late would send more than `burst` back to back, on top of the other
            // runners' current slots.
            let late = Instant::now().checked_sub(self.slack).unwrap_or_else(Instant::now);
            while queue.front().is_some_and(|slot| *slot < late) {
                queue.pop_front();
            }
            if queue.is_empty() {
                let first = self.reserve().await;
                queue.extend((0..self.block).map(|i| first + self.period * i));
            }
            queue.pop_front().unwrap_or_else(Instant::now)
        };
        tokio::time::sleep_until(at).await;
    }

    /// The first slot of a new block. When the database cannot be asked, it waits and asks
    /// again: sending slower is safe, sending faster than the sender's rate is not.
    async fn reserve(&self) -> Instant {
        let mut warned = false;
        loop {
            let (reply, answer) = oneshot::channel();
            let answer = if self.asks.send(reply).is_ok() { answer.await.ok() } else { None };
            match answer {
                // Counted from the answer's arrival, not the ask: late by the round trip at
                // most, never early.
                Some(Ok(delay)) => return Instant::now() + Duration::from_micros(u64::try_from(delay).unwrap_or(0)),
                Some(Err(e)) if !warned => {
                    tracing::warn!(error = %e, "cannot reserve sending slots in the journal; retrying");
                    warned = true;
                }
                _ => {}
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    }
}

/// Answers asks for blocks until every [`Slots`] handle is gone.
fn serve(mut client: Client, inbox: &mpsc::Receiver<Ask>, sender: &str, span: i64, burst: i64) {
    for reply in inbox {
        let delay = client.query_one(RESERVE, &[&sender, &span, &burst]).map(|r| r.get::<_, i64>(0));
        let _ = reply.send(delay.map_err(JournalError::from));
    }
}
