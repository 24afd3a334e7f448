//! Group commit: one thread owns the journal connection; workers send it marks and outcomes.
//! Everything that arrives while a transaction commits goes into the next one, so a burst of
//! `concurrency` marks costs one fsync, not one each. A worker waits for its `in_flight` mark to
//! be committed before its request leaves; outcomes are not waited for (a crash before they
//! commit leaves the row `in_flight`, which a re-run treats as `unknown`: never resent).

use crate::results::Record;
use rusqlite::params;
use std::path::Path;
use std::thread::JoinHandle;
use tokio::sync::{mpsc, oneshot};

/// Most operations in one transaction.
const MAX_BATCH: usize = 1024;

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
    tx: mpsc::UnboundedSender<Op>,
    keep_bodies: bool,
}

impl Writer {
    /// Opens a second connection to `path` on a new thread.
    pub fn start(path: &Path, campaign: &str, keep_bodies: bool) -> Result<Writer, String> {
        let conn = super::schema::open(path).map_err(|e| format!("cannot open the journal: {e}"))?;
        let (tx, rx) = mpsc::unbounded_channel();
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

    /// Records a final outcome (committed with the next batch).
    pub fn done(&self, record: &Record, request_hash: String) {
        let _ = self.tx.send(Op::Done { record: Box::new(record.clone()), request_hash });
    }
}

fn run(mut conn: rusqlite::Connection, campaign: &str, mut rx: mpsc::UnboundedReceiver<Op>) -> Result<Stats, String> {
    let mut stats = Stats::default();
    while let Some(first) = rx.blocking_recv() {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(op) => batch.push(op),
                Err(_) => break,
            }
        }
        let result = write(&mut conn, campaign, &batch).map_err(|e| format!("cannot write the journal: {e}"));
        stats.commits += 1;
        stats.operations += batch.len() as u64;
        for op in batch {
            if let Op::InFlight { ack, .. } = op {
                let _ = ack.send(result.clone());
            }
        }
        result?;
    }
    Ok(stats)
}

fn write(conn: &mut rusqlite::Connection, campaign: &str, batch: &[Op]) -> rusqlite::Result<()> {
    let now = crate::results::now();
    let tx = conn.transaction()?;
    {
        let mut mark = tx.prepare_cached(
            "INSERT INTO recipients (campaign_id, recipient, csv_line, state, request_hash, body, first_sent_at, updated_at)
             VALUES (?1, ?2, ?3, 'in_flight', ?4, ?5, ?6, ?6)
             ON CONFLICT (campaign_id, recipient) DO UPDATE SET
                 state = 'in_flight', csv_line = excluded.csv_line, request_hash = excluded.request_hash,
                 body = excluded.body, updated_at = excluded.updated_at",
        )?;
        let mut done = tx.prepare_cached(
            "INSERT INTO recipients (campaign_id, recipient, csv_line, state, request_hash, message_id, http_status,
                                     error_code, error_message, attempts, latency_ms, first_sent_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?12)
             ON CONFLICT (campaign_id, recipient) DO UPDATE SET
                 state = excluded.state, message_id = excluded.message_id, http_status = excluded.http_status,
                 error_code = excluded.error_code, error_message = excluded.error_message, attempts = excluded.attempts,
                 latency_ms = excluded.latency_ms, updated_at = excluded.updated_at",
        )?;
        for op in batch {
            match op {
                Op::InFlight { recipient, csv_line, request_hash, body, .. } => {
                    mark.execute(params![campaign, recipient, csv_line, request_hash, body, now])?;
                }
                Op::Done { record: r, request_hash } => {
                    let Some(state) = super::State::of(r.status) else { continue };
                    done.execute(params![
                        campaign,
                        r.recipient,
                        r.csv_line,
                        state.as_str(),
                        request_hash,
                        r.message_id,
                        r.http_status,
                        r.error_code,
                        r.error_message,
                        r.attempts,
                        r.latency_ms,
                        r.timestamp
                    ])?;
                }
            }
        }
    }
    tx.commit()
}
