//! The journal's side of a run, on a thread of its own that owns a connection. The run hands it
//! recipients in batches; for each batch it looks up what the journal already records, decides
//! who to send to (see [`super::Policy`]) and claims them in `pending`, all in one transaction
//! committed before the batch is answered, so every claim is durable before its request can
//! leave. Outcomes and releases are not waited for: they ride along with the next batch, or are
//! flushed after [`OUTCOME_DELAY`] and at the end, when the run's rows are folded into the
//! journal's keyed rows. A crash before they commit leaves claims `in_flight`, which a re-run
//! treats as `unknown`: never resent.

use super::{Decision, Hash, JournalError, Policy, Row, State, lookup, millis, read_row};
use crate::results::Record;
use rusqlite::{Connection, OptionalExtension, params};
use std::collections::HashMap;
use std::future::Future;
use std::path::Path;
use std::sync::{Arc, OnceLock, mpsc};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};
use tokio::sync::oneshot;

/// Longest an outcome waits for a batch to ride along with.
pub const OUTCOME_DELAY: Duration = Duration::from_millis(100);

/// Buffered outcomes and releases (recipients) that force a commit of their own.
const MAX_BUFFERED: usize = 4096;

/// A recipient offered to the journal.
#[derive(Debug, Clone)]
pub struct Candidate {
    /// The recipient's key (E.164 or `tag:…`).
    pub recipient: String,
    /// Its CSV line.
    pub csv_line: Option<u64>,
    /// The hash of its request; `None` when it was not rendered (the run stopped, or it is
    /// beyond `--limit`): it can be looked up, never claimed.
    pub request_hash: Option<Hash>,
    /// The body, stored with `--keep-bodies`.
    pub body: Option<String>,
}

/// What the journal made of one candidate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Admission {
    /// Claimed: marked `in_flight` and committed. Send it.
    Claimed,
    /// Final in the journal and left as it is: its record.
    Kept(Box<Record>),
    /// Would be sent, but was not claimed (no budget left, or claiming is off).
    Unclaimed,
}

/// One batch's answer, aligned with the candidates.
pub type Admitted = Vec<Admission>;

enum Op {
    Admit {
        candidates: Vec<Candidate>,
        policy: Policy,
        /// How many may be claimed (0: look up only).
        budget: usize,
        reply: oneshot::Sender<Result<Admitted, JournalError>>,
    },
    Done(Vec<Record>),
    Release(Vec<String>),
    Gone(oneshot::Sender<Result<Vec<Record>, JournalError>>),
}

/// The journal thread of one run.
pub struct Writer {
    handle: Handle,
    thread: JoinHandle<Result<Stats, JournalError>>,
}

/// What the writer did.
#[derive(Debug, Clone, Copy, Default)]
pub struct Stats {
    /// Transactions committed.
    pub commits: u64,
    /// Rows claimed.
    pub claimed: u64,
}

/// A cheap handle for the run.
#[derive(Clone)]
pub struct Handle {
    tx: mpsc::Sender<Op>,
    keep_bodies: bool,
    /// Why the writer thread stopped, once it has: a full disk, say, rather than just "gone".
    failure: Arc<OnceLock<String>>,
}

impl Writer {
    /// Opens a second connection to `path` on a new thread. An `owner` (the process holding
    /// the campaign's lock) writes, and folds the run's rows when it finishes; anyone else only
    /// reads (a dry run, a report), and sees a send under way.
    pub fn start(path: &Path, campaign: &str, keep_bodies: bool, owner: bool) -> Result<Writer, JournalError> {
        let conn = if owner { super::schema::open(path)? } else { super::schema::open_read(path)? };
        let (tx, rx) = mpsc::channel();
        let campaign = campaign.to_string();
        let failure = Arc::new(OnceLock::new());
        let failed = failure.clone();
        let thread = std::thread::Builder::new()
            .name("herald-journal".into())
            .spawn(move || {
                let result = Thread::new(conn, campaign, owner).and_then(|t| t.run(&rx));
                if let Err(e) = &result {
                    let _ = failed.set(e.to_string());
                }
                result
            })
            .map_err(|source| JournalError::File { what: "start the writer for", path: path.to_path_buf(), source })?;
        Ok(Writer { handle: Handle { tx, keep_bodies, failure }, thread })
    }

    /// A handle for the run.
    pub fn handle(&self) -> Handle {
        self.handle.clone()
    }

    /// Waits until everything sent so far is committed, then stops the thread.
    pub fn finish(self) -> Result<Stats, JournalError> {
        drop(self.handle);
        self.thread.join().map_err(|_| JournalError::WriterGone(None))?
    }
}

impl Handle {
    /// Whether request bodies are stored.
    pub fn keeps_bodies(&self) -> bool {
        self.keep_bodies
    }

    /// Hands `candidates` to the journal at once, to be looked up, and up to `budget` of those
    /// `policy` sends to claimed; the claims are committed when the returned future completes.
    pub fn admit(
        &self,
        candidates: Vec<Candidate>,
        policy: Policy,
        budget: usize,
    ) -> impl Future<Output = Result<Admitted, JournalError>> + Send + 'static {
        let (reply, answer) = oneshot::channel();
        let sent = self.tx.send(Op::Admit { candidates, policy, budget, reply }).is_ok();
        let failure = self.failure.clone();
        async move {
            let gone = || JournalError::WriterGone(failure.get().cloned());
            if !sent {
                return Err(gone());
            }
            answer.await.map_err(|_| gone())?
        }
    }

    /// Records final outcomes (committed with the next batch).
    pub fn done(&self, records: Vec<Record>) {
        let _ = self.tx.send(Op::Done(records));
    }

    /// Undoes the claims of recipients that surely were not delivered (the run stopped before
    /// their request, or between attempts the provider refused): a re-run sends them.
    pub fn release(&self, recipients: Vec<String>) {
        let _ = self.tx.send(Op::Release(recipients));
    }

    /// The records of rows the run never offered: recipients the campaign no longer lists.
    pub async fn gone(&self) -> Result<Vec<Record>, JournalError> {
        let (reply, answer) = oneshot::channel();
        let gone = || JournalError::WriterGone(self.failure.get().cloned());
        self.tx.send(Op::Gone(reply)).map_err(|_| gone())?;
        answer.await.map_err(|_| gone())?
    }
}

const CLAIM: &str =
    "INSERT INTO pending (campaign, recipient, csv_line, state, request_hash, body, first_sent_at, updated_at)
     VALUES (?1, ?2, ?3, 'in_flight', ?4, ?5, ?6, ?6)";

// An outcome updates its claim, found by row number.
const DONE: &str = "UPDATE pending SET state = ?2, message_id = ?3, http_status = ?4, error_code = ?5,
         error_message = ?6, attempts = ?7, latency_ms = ?8, updated_at = ?9
     WHERE seq = ?1";

// A released claim is dropped: the recipient's row stays as it was (or absent, the first time).
const RELEASE: &str = "DELETE FROM pending WHERE seq = ?1";

/// How often the WAL is copied into the main file while a run writes, so the main file alone
/// (a backup, a CI cache that missed `journal.db-wal`) lags the run by about this much.
const CHECKPOINT_EVERY: Duration = Duration::from_secs(1);

/// Copies what it can of the WAL into the main file; a reader in the way only delays it.
fn checkpoint(conn: &Connection, mode: &str) {
    let sql = format!("PRAGMA wal_checkpoint({mode})");
    if let Err(e) = conn.query_row(&sql, [], |_| Ok(())) {
        tracing::debug!(error = %e, "checkpoint");
    }
}

/// The thread's state.
struct Thread {
    conn: Connection,
    /// The campaign's name, and its number in the journal (`None`: it never ran).
    campaign: String,
    id: Option<i64>,
    /// Rows of the campaign when the run started; 0 means lookups can be skipped.
    known: usize,
    /// This run's claims with no outcome yet: their row numbers in `pending`.
    claims: HashMap<String, i64>,
    /// Whether this thread folds the run's rows when it finishes (it holds the lock).
    owner: bool,
    /// A reader's copy of a send under way has rows (see [`super::pending::snapshot`]).
    live: bool,
    buffered: Vec<Op>,
    /// Recipients in `buffered`.
    waiting: usize,
    oldest: Option<Instant>,
    /// When the WAL was last copied into the main file.
    checkpointed: Instant,
    stats: Stats,
}

impl Thread {
    fn new(mut conn: Connection, campaign: String, owner: bool) -> Result<Thread, JournalError> {
        if owner {
            // Rows an earlier run in this process could not fold must be found by lookups.
            super::pending::fold(&mut conn, &campaign).map_err(JournalError::Write)?;
        }
        let id: Option<i64> = conn
            .query_row("SELECT id FROM campaigns WHERE name = ?1", params![campaign], |r| r.get(0))
            .optional()
            .map_err(JournalError::Read)?;
        let live = !owner && super::pending::snapshot(&conn).map_err(JournalError::Read)?;
        let count = |table: &str| -> Result<usize, JournalError> {
            let sql = format!("SELECT COUNT(*) FROM {table} WHERE campaign = ?1");
            conn.query_row(&sql, params![id], |r| r.get(0)).map_err(JournalError::Read)
        };
        let known = count("recipients")? + if live { count("temp.live")? } else { 0 };
        if known > 0 {
            // Recipients looked up, to find afterwards the rows the campaign no longer lists.
            conn.execute_batch("CREATE TEMP TABLE IF NOT EXISTS offered (recipient TEXT PRIMARY KEY) WITHOUT ROWID")
                .map_err(JournalError::Write)?;
        }
        let stats = Stats::default();
        Ok(Thread {
            conn,
            campaign,
            id,
            known,
            claims: HashMap::new(),
            owner,
            live,
            buffered: Vec::new(),
            waiting: 0,
            oldest: None,
            checkpointed: Instant::now(),
            stats,
        })
    }

    fn run(mut self, rx: &mpsc::Receiver<Op>) -> Result<Stats, JournalError> {
        loop {
            let next = match self.oldest {
                None => rx.recv().map_err(|_| mpsc::RecvTimeoutError::Disconnected),
                Some(t) => rx.recv_timeout(OUTCOME_DELAY.saturating_sub(t.elapsed())),
            };
            match next {
                Ok(Op::Admit { candidates, policy, budget, reply }) => {
                    // A failure goes to the run, which stops; outcomes and releases still come.
                    let _ = reply.send(self.admit(&candidates, policy, budget));
                }
                Ok(Op::Gone(reply)) => {
                    let result = self.flush().and_then(|()| self.gone());
                    let _ = reply.send(result);
                }
                Ok(op) => {
                    self.oldest.get_or_insert_with(Instant::now);
                    self.waiting += match &op {
                        Op::Done(records) => records.len(),
                        Op::Release(recipients) => recipients.len(),
                        Op::Admit { .. } | Op::Gone(_) => 0,
                    };
                    self.buffered.push(op);
                    if self.waiting >= MAX_BUFFERED {
                        self.flush()?;
                    }
                }
                Err(mpsc::RecvTimeoutError::Timeout) => self.flush()?,
                Err(mpsc::RecvTimeoutError::Disconnected) => {
                    self.flush()?;
                    if self.owner {
                        super::pending::fold(&mut self.conn, &self.campaign).map_err(JournalError::Write)?;
                        // Everything into the main file, so a copy of `journal.db` alone is whole.
                        checkpoint(&self.conn, "TRUNCATE");
                    }
                    return Ok(self.stats);
                }
            }
        }
    }

    /// Commits buffered outcomes and releases on their own.
    fn flush(&mut self) -> Result<(), JournalError> {
        if self.buffered.is_empty() {
            return Ok(());
        }
        self.transaction(true, |t, _| t.write_buffered())
    }

    /// Runs `f` in a transaction: one that writes takes the write lock at once; one that only
    /// reads (a dry run, a report) never competes with a sender for it.
    fn transaction<T>(
        &mut self,
        writes: bool,
        f: impl FnOnce(&mut Thread, i64) -> rusqlite::Result<T>,
    ) -> Result<T, JournalError> {
        let now = millis(jiff::Timestamp::now());
        // Prepared BEGIN/COMMIT: a run commits thousands of times.
        let begin = if writes { "BEGIN IMMEDIATE" } else { "BEGIN" };
        self.conn.prepare_cached(begin).and_then(|mut s| s.execute([])).map_err(JournalError::Write)?;
        match f(self, now) {
            Ok(value) => {
                self.conn.prepare_cached("COMMIT").and_then(|mut s| s.execute([])).map_err(JournalError::Write)?;
                self.stats.commits += 1;
                if self.owner && self.checkpointed.elapsed() >= CHECKPOINT_EVERY {
                    checkpoint(&self.conn, "PASSIVE");
                    self.checkpointed = Instant::now();
                }
                Ok(value)
            }
            Err(e) => {
                let _ = self.conn.execute_batch("ROLLBACK");
                Err(JournalError::Write(e))
            }
        }
    }

    /// Commits buffered outcomes and releases, then decides and claims the batch. When the
    /// claims fail (a full disk), only they are rolled back: the outcomes riding along in the
    /// same transaction are still committed, so a sent recipient is never left `in_flight`.
    fn admit(&mut self, candidates: &[Candidate], policy: Policy, budget: usize) -> Result<Admitted, JournalError> {
        let writes = budget > 0 || !self.buffered.is_empty();
        self.transaction(writes, |t, now| {
            t.write_buffered()?;
            t.conn.prepare_cached("SAVEPOINT admit")?.execute([])?;
            let mut claimed = Vec::new();
            let admitted = t.decide_and_claim(candidates, policy, budget, now, &mut claimed);
            if admitted.is_err() {
                t.conn.prepare_cached("ROLLBACK TO admit")?.execute([])?;
                for recipient in claimed {
                    t.claims.remove(recipient);
                    t.stats.claimed -= 1;
                }
            }
            t.conn.prepare_cached("RELEASE admit")?.execute([])?;
            Ok(admitted)
        })?
        .map_err(JournalError::Write)
    }

    /// Decides every candidate and claims those to send; `claimed` collects the claims made.
    fn decide_and_claim<'c>(
        &mut self,
        candidates: &'c [Candidate],
        policy: Policy,
        budget: usize,
        now: i64,
        claimed: &mut Vec<&'c str>,
    ) -> rusqlite::Result<Admitted> {
        let mut left = budget;
        let mut admitted = Vec::with_capacity(candidates.len());
        let mut claims = Vec::new();
        for c in candidates {
            let row = self.lookup(&c.recipient)?;
            let decision = policy.decide(row.as_ref().map(|r| r.state));
            admitted.push(match (decision, row, &c.request_hash) {
                (Decision::Keep, Some(row), _) => Admission::Kept(Box::new(row.record)),
                (Decision::Send, _, Some(hash)) if left > 0 => {
                    left -= 1;
                    claims.push((c, hash));
                    Admission::Claimed
                }
                _ => Admission::Unclaimed,
            });
        }
        if !claims.is_empty() {
            let id = self.campaign_id()?;
            let mut claim = self.conn.prepare_cached(CLAIM)?;
            for (c, hash) in claims {
                claim.execute(params![id, c.recipient, c.csv_line, &hash[..], c.body, now])?;
                self.claims.insert(c.recipient.clone(), self.conn.last_insert_rowid());
                self.stats.claimed += 1;
                claimed.push(&c.recipient);
            }
        }
        Ok(admitted)
    }

    /// The campaign's number; it exists once a run has begun (before anything is claimed).
    fn campaign_id(&mut self) -> rusqlite::Result<i64> {
        if let Some(id) = self.id {
            return Ok(id);
        }
        let id =
            self.conn.query_row("SELECT id FROM campaigns WHERE name = ?1", params![self.campaign], |r| r.get(0))?;
        self.id = Some(id);
        Ok(id)
    }

    fn lookup(&mut self, recipient: &str) -> rusqlite::Result<Option<Row>> {
        if self.known == 0 {
            return Ok(None);
        }
        self.conn
            .prepare_cached("INSERT OR IGNORE INTO offered (recipient) VALUES (?1)")?
            .execute(params![recipient])?;
        lookup(&self.conn, &self.campaign, recipient, self.live)
    }

    fn write_buffered(&mut self) -> rusqlite::Result<()> {
        self.oldest = None;
        self.waiting = 0;
        let buffered = std::mem::take(&mut self.buffered);
        if buffered.is_empty() {
            return Ok(());
        }
        let mut done = self.conn.prepare_cached(DONE)?;
        let mut release = self.conn.prepare_cached(RELEASE)?;
        for op in buffered {
            match op {
                Op::Done(records) => {
                    for r in records {
                        let Some(state) = State::of(r.status) else { continue };
                        let Some(seq) = self.claims.remove(&r.recipient) else { continue };
                        done.execute(params![
                            seq,
                            state.as_str(),
                            r.message_id,
                            r.http_status,
                            r.error_code.as_ref().map(|c| c.as_str()),
                            r.error_message,
                            r.attempts,
                            r.latency_ms,
                            millis(r.timestamp),
                        ])?;
                    }
                }
                Op::Release(recipients) => {
                    for seq in recipients.iter().filter_map(|r| self.claims.remove(r)) {
                        release.execute(params![seq])?;
                    }
                }
                Op::Admit { .. } | Op::Gone(_) => {}
            }
        }
        Ok(())
    }

    /// Rows never offered in this run, when the campaign had rows before it.
    fn gone(&mut self) -> Result<Vec<Record>, JournalError> {
        if self.known == 0 {
            return Ok(Vec::new());
        }
        let cols = super::ROW_COLUMNS;
        let not_offered = "NOT EXISTS (SELECT 1 FROM offered o WHERE o.recipient = r.recipient)";
        let sql = if self.live {
            format!(
                "SELECT {cols} FROM temp.live r WHERE campaign = ?1 AND {not_offered}
                 UNION ALL
                 SELECT {cols} FROM recipients r WHERE campaign = ?1 AND {not_offered}
                 AND NOT EXISTS (SELECT 1 FROM temp.live l WHERE l.campaign = r.campaign AND l.recipient = r.recipient)
                 ORDER BY recipient"
            )
        } else {
            format!("SELECT {cols} FROM recipients r WHERE campaign = ?1 AND {not_offered} ORDER BY recipient")
        };
        let mut stmt = self.conn.prepare(&sql).map_err(JournalError::Read)?;
        let rows = stmt.query_map(params![self.id], read_row).map_err(JournalError::Read)?;
        rows.map(|r| r.map(|r| r.record)).collect::<Result<_, _>>().map_err(JournalError::Read)
    }
}
