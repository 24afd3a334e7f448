//! Group commit: one thread owns the journal connection; workers send it marks and outcomes.
//! Everything that arrives while a transaction commits goes into the next one, so a burst of
//! `concurrency` marks costs one commit, not one each. A worker waits for its `in_flight` mark
//! to be committed before its request leaves. Outcomes are not waited for and never force a
//! commit of their own: they ride along with the next marks, or are flushed after
//! [`OUTCOME_DELAY`] and at the end. A crash before they commit leaves rows `in_flight`, which a
//! re-run treats as `unknown`: never resent.

use crate::results::Record;
use rusqlite::params;
use std::path::Path;
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::Instant;
use tokio::sync::oneshot;

/// Most operations in one transaction.
const MAX_BATCH: usize = 4096;

/// Longest an outcome waits for marks to ride along with.
pub const OUTCOME_DELAY: std::time::Duration = std::time::Duration::from_millis(100);

enum Op {
    InFlight {
        recipient: String,
        csv_line: Option<u64>,
        request_hash: String,
        body: Option<String>,
        ack: oneshot::Sender<Result<(), String>>,
    },
    Done {
        record: Box<Record>,
        request_hash: String,
    },
    Release {
        recipient: String,
    },
}

/// The writer thread of one run.
pub struct Writer {
    handle: Handle,
    thread: JoinHandle<Result<Stats, String>>,
}

/// What the writer did.
#[derive(Debug, Clone, Copy, Default)]
pub struct Stats {
    /// Transactions committed.
    pub commits: u64,
    /// Operations written.
    pub operations: u64,
}

/// A cheap handle workers use.
#[derive(Clone)]
pub struct Handle {
    tx: mpsc::Sender<Op>,
    keep_bodies: bool,
}

impl Writer {
    /// Opens a second connection to `path` on a new thread.
    pub fn start(path: &Path, campaign: &str, keep_bodies: bool) -> Result<Writer, String> {
        let conn = super::schema::open(path).map_err(|e| format!("cannot open the journal: {e}"))?;
        let (tx, rx) = mpsc::channel();
        let campaign = campaign.to_string();
        let thread = std::thread::Builder::new()
            .name("herald-journal".into())
            .spawn(move || run(conn, &campaign, rx))
            .map_err(|e| format!("cannot start the journal writer: {e}"))?;
        Ok(Writer { handle: Handle { tx, keep_bodies }, thread })
    }

    /// A handle for workers.
    pub fn handle(&self) -> Handle {
        self.handle.clone()
    }

    /// Waits until everything sent so far is committed, then stops the thread.
    pub fn finish(self) -> Result<Stats, String> {
        drop(self.handle);
        self.thread.join().map_err(|_| "the journal writer crashed".to_string())?
    }
}

impl Handle {
    /// Marks `recipient` in flight and waits until that is committed.
    pub async fn in_flight(
        &self,
        recipient: &str,
        csv_line: Option<u64>,
        request: &crate::request::HttpRequest,
        request_hash: String,
    ) -> Result<(), String> {
        let (ack, done) = oneshot::channel();
        let body = self.keep_bodies.then(|| request.body.to_string());
        self.tx
            .send(Op::InFlight { recipient: recipient.to_string(), csv_line, request_hash, body, ack })
            .map_err(|_| "the journal writer has stopped".to_string())?;
        done.await.map_err(|_| "the journal writer has stopped".to_string())?
    }

    /// Undoes the `in_flight` mark of a recipient that surely was not delivered (the run stopped
    /// before its request, or between attempts the provider refused): a re-run sends it.
    pub fn release(&self, recipient: &str) {
        let _ = self.tx.send(Op::Release { recipient: recipient.to_string() });
    }

    /// Records a final outcome (committed with the next batch).
    pub fn done(&self, record: &Record, request_hash: String) {
        let _ = self.tx.send(Op::Done { record: Box::new(record.clone()), request_hash });
    }
}

fn run(mut conn: rusqlite::Connection, campaign: &str, rx: mpsc::Receiver<Op>) -> Result<Stats, String> {
    let mut stats = Stats::default();
    let mut batch: Vec<Op> = Vec::new();
    let mut oldest: Option<Instant> = None;
    let mut open = true;
    while open || !batch.is_empty() {
        // Wait for work: forever when idle, until the oldest outcome is due otherwise.
        let next = match oldest {
            None if batch.is_empty() => rx.recv().map_err(|_| mpsc::RecvTimeoutError::Disconnected),
            _ => rx.recv_timeout(OUTCOME_DELAY.saturating_sub(oldest.map_or(OUTCOME_DELAY, |t| t.elapsed()))),
        };
        match next {
            Ok(op) => push(&mut batch, &mut oldest, op),
            Err(mpsc::RecvTimeoutError::Timeout) => {}
            Err(mpsc::RecvTimeoutError::Disconnected) => open = false,
        }
        while batch.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(op) => push(&mut batch, &mut oldest, op),
                Err(mpsc::TryRecvError::Empty) => break,
                Err(mpsc::TryRecvError::Disconnected) => {
                    open = false;
                    break;
                }
            }
        }
        let marks_waiting = batch.iter().any(|op| matches!(op, Op::InFlight { .. }));
        let due = oldest.is_some_and(|t| t.elapsed() >= OUTCOME_DELAY);
        if batch.is_empty() || !(marks_waiting || due || !open || batch.len() >= MAX_BATCH) {
            continue;
        }
        let result = write(&mut conn, campaign, &batch).map_err(|e| format!("cannot write the journal: {e}"));
        stats.commits += 1;
        stats.operations += batch.len() as u64;
        oldest = None;
        for op in batch.drain(..) {
            if let Op::InFlight { ack, .. } = op {
                let _ = ack.send(result.clone());
            }
        }
        result?;
    }
    Ok(stats)
}

fn push(batch: &mut Vec<Op>, oldest: &mut Option<Instant>, op: Op) {
    if !matches!(op, Op::InFlight { .. }) && oldest.is_none() {
        *oldest = Some(Instant::now());
    }
    batch.push(op);
}

fn write(conn: &mut rusqlite::Connection, campaign: &str, batch: &[Op]) -> rusqlite::Result<()> {
    let now = crate::results::now();
    // Prepared BEGIN/COMMIT: a run commits tens of thousands of times, and parsing them anew
    // each time shows in profiles.
    conn.prepare_cached("BEGIN IMMEDIATE")?.execute([])?;
    let result = write_batch(conn, campaign, batch, &now);
    if result.is_ok() {
        conn.prepare_cached("COMMIT")?.execute([])?;
    } else {
        let _ = conn.execute_batch("ROLLBACK");
    }
    result
}

fn write_batch(conn: &rusqlite::Connection, campaign: &str, batch: &[Op], now: &str) -> rusqlite::Result<()> {
    let mut mark = conn.prepare_cached(
        "INSERT INTO recipients (campaign_id, recipient, csv_line, state, request_hash, body, first_sent_at, updated_at)
         VALUES (?1, ?2, ?3, 'in_flight', ?4, ?5, ?6, ?6)
         ON CONFLICT (campaign_id, recipient) DO UPDATE SET
             previous_state = recipients.state, state = 'in_flight', csv_line = excluded.csv_line,
             request_hash = excluded.request_hash, body = excluded.body, updated_at = excluded.updated_at",
    )?;
    // A released mark returns to the state before it (or, for a first attempt, to no row).
    let mut forget = conn.prepare_cached(
        "DELETE FROM recipients WHERE campaign_id = ?1 AND recipient = ?2 AND state = 'in_flight' AND previous_state IS NULL",
    )?;
    let mut restore = conn.prepare_cached(
        "UPDATE recipients SET state = previous_state, previous_state = NULL, updated_at = ?3
         WHERE campaign_id = ?1 AND recipient = ?2 AND state = 'in_flight'",
    )?;
    // The mark created the row, so an outcome is a plain update (cheaper than an upsert).
    let mut done = conn.prepare_cached(
        "UPDATE recipients SET state = ?3, message_id = ?4, http_status = ?5, error_code = ?6, error_message = ?7,
                               attempts = ?8, latency_ms = ?9, updated_at = ?10
         WHERE campaign_id = ?1 AND recipient = ?2",
    )?;
    for op in batch {
        match op {
            Op::InFlight { recipient, csv_line, request_hash, body, .. } => {
                mark.execute(params![campaign, recipient, csv_line, request_hash, body, now])?;
            }
            Op::Release { recipient } => {
                if forget.execute(params![campaign, recipient])? == 0 {
                    restore.execute(params![campaign, recipient, now])?;
                }
            }
            Op::Done { record: r, request_hash } => {
                let Some(state) = super::State::of(r.status) else { continue };
                let mut update = || {
                    done.execute(params![
                        campaign,
                        r.recipient,
                        state.as_str(),
                        r.message_id,
                        r.http_status,
                        r.error_code,
                        r.error_message,
                        r.attempts,
                        r.latency_ms,
                        r.timestamp
                    ])
                };
                if update()? == 0 {
                    // An outcome without a mark (not expected): keep it rather than lose it.
                    mark.execute(params![
                        campaign,
                        r.recipient,
                        r.csv_line,
                        request_hash,
                        Option::<String>::None,
                        now
                    ])?;
                    update()?;
                }
            }
        }
    }
    Ok(())
}
