//! The planning side of a run, on a thread of its own: walks the audience in file order,
//! renders each recipient's request, serialises and hashes it once, and hands the run batches
//! of rows ([`Batches`]). Once the run no longer needs requests (it stopped, or `--limit` is
//! reached), rows pass unrendered, only so the report can say what became of everyone.

use super::pins::Pins;
use super::request_hash;
use super::transport::{Wire, wire_body};
use crate::plan::{Plan, PlanError, Row};
use crate::recipients::{Recipient, Skipped};
use crate::window::{Clock, Placed};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use tokio::sync::mpsc;

/// One row, planned.
#[derive(Debug)]
pub enum Fed {
    /// A recipient with their request, ready to send.
    Rendered(Box<Job>),
    /// A recipient whose request is not needed any more.
    Unrendered {
        /// The recipient's key.
        recipient: String,
        /// Its CSV line.
        csv_line: Option<u64>,
    },
    /// A recipient outside their sending window.
    Held {
        /// The recipient's key.
        recipient: String,
        /// Its CSV line.
        csv_line: Option<u64>,
        /// When their window opens.
        opens: jiff::Timestamp,
        /// The same on their clock, for people: `2026-12-01 09:00 EAT (Africa/Nairobi)`.
        local: String,
    },
    /// A row the audience leaves out.
    Skipped(Skipped),
    /// The plan cannot go on (the CSV changed since it was validated).
    Failed(PlanError),
}

/// A recipient's request, as workers send it.
#[derive(Debug, Clone)]
pub struct Job {
    /// The recipient's key (E.164 or `tag:…`).
    pub recipient: String,
    /// Its CSV line.
    pub csv_line: Option<u64>,
    /// The request.
    pub wire: Wire,
    /// Its hash, for the journal (zeros without one).
    pub hash: crate::journal::Hash,
    /// Its position in the run, to seed retry jitter.
    pub seq: u64,
    /// The index in [`Plan::senders`] of the account it goes from.
    pub sender: usize,
}

/// How the feed works.
#[derive(Debug, Clone)]
pub struct Setup {
    /// Rows per batch, as the run wants them now.
    pub batch: Arc<AtomicUsize>,
    /// Whether requests are hashed (for a journal).
    pub hash: bool,
    /// Whether requests are rendered at all (a report rebuilt from the journal needs none).
    pub render: bool,
    /// Honour the campaign's sending window, by this clock; `None` ignores it.
    pub window: Option<Clock>,
    /// Offer the canary's seed numbers before the audience.
    pub seeds: bool,
    /// Recipients who go from the sender the journal records for them, not their hash's.
    pub pinned: Arc<Pins>,
}

/// Batches the feed has ready beyond the one the run is taking.
const READY: usize = 2;

/// Starts the feed on a thread of its own; `render` turns rendering off once the run needs no
/// more requests.
pub fn start(plan: Arc<Plan>, setup: Setup, render: Arc<AtomicBool>) -> Batches {
    let (tx, rx) = mpsc::channel(READY);
    let thread = std::thread::Builder::new().name("herald-feed".into());
    let started = thread.spawn(move || feed(plan, setup, render, tx));
    if let Err(e) = started {
        tracing::error!(error = %e, "cannot start the feed's thread");
    }
    Batches::Ready(rx)
}

type Receiver = mpsc::Receiver<Vec<Fed>>;

/// The run's end of the feed. When no batch is ready, the wait for one is handed to the
/// runtime's blocking pool: the run's clock then knows the run waits on work under way (a
/// paused test clock does not skip ahead meanwhile). Cancel-safe: a wait given up goes on.
pub enum Batches {
    /// Nobody waits.
    Ready(Receiver),
    /// A wait for the next batch is under way.
    Waiting(tokio::task::JoinHandle<(Receiver, Option<Vec<Fed>>)>),
    /// The feed has ended.
    Ended,
}

impl Batches {
    /// The next batch; `None` once the feed has ended.
    pub async fn next(&mut self) -> Option<Vec<Fed>> {
        loop {
            if let Batches::Waiting(waiting) = self {
                // Awaited in place: given up, the wait stays here for the next call.
                let joined = waiting.await;
                return match joined {
                    Ok((rx, Some(batch))) => {
                        *self = Batches::Ready(rx);
                        Some(batch)
                    }
                    Ok((_, None)) | Err(_) => {
                        *self = Batches::Ended;
                        None
                    }
                };
            }
            let Batches::Ready(mut rx) = std::mem::replace(self, Batches::Ended) else { return None };
            match rx.try_recv() {
                Ok(batch) => {
                    *self = Batches::Ready(rx);
                    return Some(batch);
                }
                Err(mpsc::error::TryRecvError::Disconnected) => return None,
                Err(mpsc::error::TryRecvError::Empty) => {
                    *self = Batches::Waiting(tokio::task::spawn_blocking(move || {
                        let batch = rx.blocking_recv();
                        (rx, batch)
                    }));
                }
            }
        }
    }
}

/// Runs the feed until the audience ends or the run hangs up.
fn feed(plan: Arc<Plan>, setup: Setup, render: Arc<AtomicBool>, tx: mpsc::Sender<Vec<Fed>>) {
    let window = setup.window.as_ref().and_then(|clock| plan.window.as_ref().map(|w| (w, clock)));
    let mut batch = Vec::new();
    let mut seq = 0u64;
    let seeds = if setup.seeds { plan.seeds() } else { Ok(Vec::new()) };
    let rows = match seeds.and_then(|seeds| Ok(seeds.into_iter().map(|r| Ok(Row::Recipient(r))).chain(plan.rows()?))) {
        Ok(rows) => rows,
        Err(e) => {
            let _ = tx.blocking_send(vec![Fed::Failed(e)]);
            return;
        }
    };
    for row in rows {
        let fed = match row {
            Err(e) => Fed::Failed(e),
            Ok(Row::Skipped(s)) => Fed::Skipped(s),
            Ok(Row::Recipient(r)) if !(setup.render && render.load(Ordering::Relaxed)) => {
                Fed::Unrendered { recipient: r.target.to_string(), csv_line: r.csv_line() }
            }
            // Seeds are the sender's own phones: no window holds them.
            Ok(Row::Recipient(r))
                if let Some(held) = window
                    .filter(|_| !matches!(r.origin, crate::recipients::Origin::Seed(_)))
                    .and_then(|(w, clock)| held(&plan, w, clock, &r)) =>
            {
                held
            }
            Ok(Row::Recipient(r)) => match send_of(&plan, &setup.pinned, r) {
                Err(e) => Fed::Failed(e),
                Ok(send) => {
                    seq += 1;
                    let body = wire_body(&send.request.body);
                    let hash = if setup.hash { request_hash::of(&plan, &send, &body) } else { Ok([0; 32]) };
                    match hash {
                        Err(e) => Fed::Failed(e),
                        Ok(hash) => Fed::Rendered(Box::new(Job {
                            recipient: send.recipient.target.to_string(),
                            csv_line: send.recipient.csv_line(),
                            wire: Wire { url: send.request.url, headers: send.request.headers, body },
                            hash,
                            seq,
                            sender: send.sender,
                        })),
                    }
                }
            },
        };
        let failed = matches!(fed, Fed::Failed(_));
        batch.push(fed);
        let full = if failed { Some(std::mem::take(&mut batch)) } else { full(&mut batch, &setup.batch) };
        if let Some(full) = full
            && tx.blocking_send(full).is_err()
        {
            return;
        }
        if failed {
            return;
        }
    }
    if !batch.is_empty() {
        let _ = tx.blocking_send(batch);
    }
}

/// `r`'s request, from the sender the journal recorded for them when that is not their
/// hash's ([`Pins`]).
fn send_of(plan: &Plan, pinned: &Pins, r: Recipient) -> Result<crate::plan::Send, PlanError> {
    if pinned.is_empty() {
        return plan.send_for(r);
    }
    match pinned.of(&r.target.to_string()) {
        Some(sender) => plan.send_from(r, sender),
        None => plan.send_for(r),
    }
}

/// The first `size` rows of `batch` once it has that many, the rest kept: the size (whole
/// requests' worth, see [`Setup::batch`]) may shrink while a batch fills, and a batch cut at
/// the old size would split a request's recipients over two claims.
fn full<T>(batch: &mut Vec<T>, size: &AtomicUsize) -> Option<Vec<T>> {
    let size = size.load(Ordering::Relaxed).max(1);
    if batch.len() < size {
        return None;
    }
    let rest = batch.split_off(size);
    Some(std::mem::replace(batch, rest))
}

/// `Fed::Held` for a recipient outside their window now, or a failure when their zone can no
/// longer be told (the CSV changed since it was validated); `None` when the window is open.
fn held(plan: &Plan, window: &crate::window::Window, clock: &Clock, r: &Recipient) -> Option<Fed> {
    let zone = match plan.placed(r)? {
        Ok(Placed { zone: Some(zone), .. }) => zone,
        Ok(Placed { zone: None, .. }) => {
            let why = "their time zone cannot be told and the campaign has no fallback_timezone".to_string();
            return Some(Fed::Failed(PlanError::Render { recipient: r.target.to_string(), why }));
        }
        Err(bad) => {
            return Some(Fed::Failed(PlanError::Render { recipient: r.target.to_string(), why: bad.to_string() }));
        }
    };
    let opens = window.opening(clock.now(), &zone).opens()?;
    let local = crate::window::local_time(opens, &zone);
    Some(Fed::Held { recipient: r.target.to_string(), csv_line: r.csv_line(), opens, local })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_batch_is_cut_at_the_size_of_the_moment_even_when_it_shrank_while_filling() {
        let size = AtomicUsize::new(240);
        let mut batch: Vec<u32> = (0..122).collect();
        assert_eq!(full(&mut batch, &size), None);
        size.store(120, Ordering::Relaxed);
        assert_eq!(full(&mut batch, &size), Some((0..120).collect()), "whole requests' worth");
        assert_eq!(batch, [120, 121], "the rest waits for the next batch");
    }
}
