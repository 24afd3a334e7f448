//! The SQLite journal's side of a run: claims appended to `pending` and updated in place by
//! row number, folded into the keyed rows a step at a time once the log is large, and when the
//! run ends (see [`super::pending`]).

use super::{ROW_COLUMNS, lookup};
use crate::journal::writer::{Admission, Admitted, Candidate, Change, Stats, Store};
use crate::journal::{Decision, JournalError, Policy, Row, State, millis, row};
use crate::results::Record;
use rusqlite::{Connection, OptionalExtension, params};
use std::collections::HashMap;
use std::time::{Duration, Instant};

const CLAIM: &str =
    "INSERT INTO pending (campaign, recipient, csv_line, state, request_hash, body, first_sent_at, updated_at, sender)
     VALUES (?1, ?2, ?3, 'in_flight', ?4, ?5, ?6, ?6, ?7)";

// An outcome updates its claim, found by row number.
const DONE: &str = "UPDATE pending SET state = ?2, message_id = ?3, http_status = ?4, error_code = ?5,
         error_message = ?6, attempts = ?7, latency_ms = ?8, updated_at = ?9, sender = coalesce(?10, sender)
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
pub(in crate::journal) struct Thread {
    conn: Connection,
    /// The campaign's name, and its number in the journal (`None`: it never ran).
    campaign: String,
    id: Option<i64>,
    /// Rows of the campaign when the run started; 0 means lookups can be skipped.
    known: usize,
    /// This run's claims with no outcome yet: their row numbers in `pending`.
    claims: HashMap<String, i64>,
    /// Whether this thread folds the run's rows (it holds the lock).
    owner: bool,
    /// This run's rows in `pending` with a final outcome, not folded yet.
    unfolded: usize,
    /// Whether the run folds steps as it goes: not after a step failed.
    stepping: bool,
    /// When the last fold step ended, and how long it took: the next waits as long, so
    /// folding takes at most half the thread's time.
    folded_at: Option<(Instant, Duration)>,
    /// A reader's copy of a send under way has rows (see [`super::pending::snapshot`]).
    live: bool,
    /// When the WAL was last copied into the main file.
    checkpointed: Instant,
    stats: Stats,
}

impl Thread {
    /// Opens a connection to `path` for the run. An `owner` (the process holding the
    /// campaign's lock) writes, and folds the run's rows when it finishes; anyone else only
    /// reads (a dry run, a report), and sees a send under way.
    pub(in crate::journal) fn open(
        path: &std::path::Path,
        campaign: String,
        owner: bool,
    ) -> Result<Thread, JournalError> {
        let conn = if owner { super::connect::open(path)? } else { super::connect::open_read(path)? };
        Thread::new(conn, campaign, owner)
    }

    fn new(mut conn: Connection, campaign: String, owner: bool) -> Result<Thread, JournalError> {
        if owner {
            // Rows an earlier run in this process could not fold must be found by lookups.
            super::pending::fold(&mut conn, &campaign).map_err(JournalError::write)?;
        }
        let id: Option<i64> = conn
            .query_row("SELECT id FROM campaigns WHERE name = ?1", params![campaign], |r| r.get(0))
            .optional()
            .map_err(JournalError::read)?;
        let live = !owner && super::pending::snapshot(&conn).map_err(JournalError::read)?;
        let count = |table: &str| -> Result<usize, JournalError> {
            let sql = format!("SELECT COUNT(*) FROM {table} WHERE campaign = ?1");
            conn.query_row(&sql, params![id], |r| r.get(0)).map_err(JournalError::read)
        };
        let known = count("recipients")? + if live { count("temp.live")? } else { 0 };
        if known > 0 {
            // Recipients looked up, to find afterwards the rows the campaign no longer lists.
            conn.execute_batch("CREATE TEMP TABLE IF NOT EXISTS offered (recipient TEXT PRIMARY KEY) WITHOUT ROWID")
                .map_err(JournalError::write)?;
        }
        let stats = Stats::default();
        Ok(Thread {
            conn,
            campaign,
            id,
            known,
            claims: HashMap::new(),
            owner,
            unfolded: 0,
            stepping: true,
            folded_at: None,
            live,
            checkpointed: Instant::now(),
            stats,
        })
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
        self.conn.prepare_cached(begin).and_then(|mut s| s.execute([])).map_err(JournalError::write)?;
        match f(self, now) {
            Ok(value) => {
                self.conn.prepare_cached("COMMIT").and_then(|mut s| s.execute([])).map_err(JournalError::write)?;
                if self.owner && self.checkpointed.elapsed() >= CHECKPOINT_EVERY {
                    checkpoint(&self.conn, "PASSIVE");
                    self.checkpointed = Instant::now();
                }
                Ok(value)
            }
            Err(e) => {
                let _ = self.conn.execute_batch("ROLLBACK");
                Err(JournalError::write(e))
            }
        }
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
            let decision = policy.decide(row.as_ref());
            admitted.push(match (decision, row, &c.request_hash) {
                (Decision::Keep, Some(row), _) => Admission::Kept(Box::new(policy.kept(row))),
                (Decision::Send, row, Some(hash)) if left > 0 => {
                    left -= 1;
                    claims.push((c, hash, row.and_then(|r| r.record.message_id)));
                    Admission::Claimed
                }
                _ => Admission::Unclaimed,
            });
        }
        if !claims.is_empty() {
            let id = self.campaign_id()?;
            let mut claim = self.conn.prepare_cached(CLAIM)?;
            // The receipts of a message a claim replaces say nothing of the new one (and a
            // provider that takes herald's own id, Communiktor, would see the same id).
            let mut forget = self.conn.prepare_cached("DELETE FROM receipts WHERE message_id = ?1")?;
            for (c, hash, old) in claims {
                if let Some(old) = old {
                    forget.execute(params![old])?;
                }
                claim.execute(params![id, c.recipient, c.csv_line, &hash[..], c.body, now, c.sender])?;
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

    fn write_changes(&mut self, changes: Vec<Change>) -> rusqlite::Result<()> {
        if changes.is_empty() {
            return Ok(());
        }
        let mut done = self.conn.prepare_cached(DONE)?;
        let mut release = self.conn.prepare_cached(RELEASE)?;
        for change in changes {
            match change {
                Change::Done(records) => {
                    for r in records {
                        let Some(state) = State::of(r.status) else { continue };
                        let Some(seq) = self.claims.remove(&r.recipient) else { continue };
                        self.unfolded += 1;
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
                            r.sender,
                        ])?;
                    }
                }
                Change::Release(recipients) => {
                    for seq in recipients.iter().filter_map(|r| self.claims.remove(r)) {
                        release.execute(params![seq])?;
                    }
                }
            }
        }
        Ok(())
    }

    /// Rows never offered in this run, when the campaign had rows before it.
    fn unoffered(&mut self) -> Result<Vec<Record>, JournalError> {
        if self.known == 0 {
            return Ok(Vec::new());
        }
        let cols = &*ROW_COLUMNS;
        let not_offered = "NOT EXISTS (SELECT 1 FROM offered o WHERE o.recipient = r.recipient)";
        let (live, kept) = (row::from("temp.live r", "r"), row::from("recipients r", "r"));
        let sql = if self.live {
            format!(
                "SELECT {cols} FROM {live} WHERE campaign = ?1 AND {not_offered}
                 UNION ALL
                 SELECT {cols} FROM {kept} WHERE campaign = ?1 AND {not_offered}
                 AND NOT EXISTS (SELECT 1 FROM temp.live l WHERE l.campaign = r.campaign AND l.recipient = r.recipient)
                 ORDER BY recipient"
            )
        } else {
            format!("SELECT {cols} FROM {kept} WHERE campaign = ?1 AND {not_offered} ORDER BY recipient")
        };
        let mut stmt = self.conn.prepare(&sql).map_err(JournalError::read)?;
        let rows = stmt.query_map(params![self.id], |r| row::decode(r)).map_err(JournalError::read)?;
        rows.map(|r| r.map(|r| r.record)).collect::<Result<_, _>>().map_err(JournalError::read)
    }
}

impl Store for Thread {
    fn admit(
        &mut self,
        changes: Vec<Change>,
        candidates: &[Candidate],
        policy: Policy,
        budget: usize,
    ) -> Result<Admitted, JournalError> {
        // When the claims fail (a full disk), only they are rolled back, to the savepoint: the
        // outcomes riding along are still committed, so a sent recipient is never left in flight.
        let writes = budget > 0 || !changes.is_empty();
        self.transaction(writes, |t, now| {
            t.write_changes(changes)?;
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
            t.stats.commits += 1;
            Ok(admitted)
        })?
        .map_err(JournalError::write)
    }

    fn flush(&mut self, changes: Vec<Change>) -> Result<(), JournalError> {
        self.transaction(true, |t, _| {
            t.stats.commits += 1;
            t.write_changes(changes)
        })
    }

    fn gone(&mut self) -> Result<Vec<Record>, JournalError> {
        self.unoffered()
    }

    fn fold(&mut self) {
        let due = self.folded_at.is_none_or(|(end, took)| end.elapsed() >= took);
        let ready = self.owner && self.stepping && due && self.unfolded >= super::pending::BOUND;
        let Some(id) = self.id.filter(|_| ready) else {
            return;
        };
        let started = Instant::now();
        match self.transaction(true, |t, _| super::pending::fold_step(&t.conn, id)) {
            Ok(folded) => {
                self.stats.folds += 1;
                // None left (a count off by a rolled-back write): the end folds what remains.
                self.unfolded = if folded == 0 { 0 } else { self.unfolded.saturating_sub(folded) };
                self.folded_at = Some((Instant::now(), started.elapsed()));
            }
            Err(e) => {
                // A step only spares the run's end some work; failing (the journal busy with
                // another campaign's fold past the busy timeout, a full disk), it must not stop
                // the outcomes still to come from being recorded. The end folds what is left,
                // or says why it cannot.
                let _ = self.conn.execute_batch("ROLLBACK");
                tracing::warn!(error = %e, "cannot fold the journal's log as the run goes; the run's end folds it");
                self.stepping = false;
            }
        }
    }

    fn finish(mut self) -> Result<Stats, JournalError> {
        if self.owner {
            super::pending::fold(&mut self.conn, &self.campaign).map_err(JournalError::write)?;
            // Everything into the main file, so a copy of `journal.db` alone is whole.
            checkpoint(&self.conn, "TRUNCATE");
        }
        Ok(self.stats)
    }
}
