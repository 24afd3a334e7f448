//! The PostgreSQL journal's side of a run. A batch is looked up in one query and claimed in
//! the same transaction: a recipient never seen is claimed by an `INSERT … ON CONFLICT DO
//! NOTHING`, one to resend (`--retry-failed`, `--retry-unknown`) by an `UPDATE` that holds only
//! if the row is still as it was read. A claim another runner made first is simply not ours,
//! so runners sharing a campaign claim disjoint recipients. A recipient `in_flight` under
//! another run is never claimed: its runner is alive, or its lease runs out and the next
//! `send` makes it `unknown`.

use super::{ROW_COLUMNS, read_row};
use crate::journal::writer::{self, Admission, Admitted, Candidate, Change, Stats};
use crate::journal::{Decision, JournalError, Policy, Row, State, millis};
use crate::results::{Code, Record};
use postgres::{Client, Statement};
use std::collections::{HashMap, HashSet};

/// The recipients' rows with their receipts (see [`crate::journal::row::from`]).
fn rows() -> String {
    crate::journal::row::from("recipients", "recipients")
}

/// A claim of this run, and the row it replaced (restored if the claim is released).
type Claims = HashMap<String, Option<Row>>;

/// The run's statements, prepared once: a round trip each saved at every batch.
struct Statements {
    offer: Statement,
    lookup: Statement,
    settle: Statement,
    lease: Statement,
    claim: Statement,
    reclaim: Statement,
    done: Statement,
    restore: Statement,
    delete: Statement,
}

impl Statements {
    fn prepare(client: &mut Client) -> Result<Statements, JournalError> {
        let lease = format!(
            "UPDATE runs SET lease_until = clock_timestamp() + interval '{}' WHERE id = $1 AND lease_until > clock_timestamp()",
            super::lease::interval()
        );
        // Recipients offered in this run, to find the rows the campaign no longer lists: on
        // the server, so a run's memory does not grow with the audience.
        client.batch_execute("CREATE TEMP TABLE offered (recipient TEXT PRIMARY KEY)")?;
        Ok(Statements {
            offer: client.prepare("INSERT INTO offered SELECT unnest($1::text[]) ON CONFLICT DO NOTHING")?,
            lookup: client
                .prepare(&format!("SELECT {} FROM {} WHERE campaign = $1 AND recipient = ANY($2)", *ROW_COLUMNS, rows()))?,
            settle: client.prepare(super::SETTLE)?,
            lease: client.prepare(&lease)?,
            claim: client.prepare(
                "INSERT INTO recipients (campaign, recipient, csv_line, state, request_hash, body, first_sent_at, updated_at, run, sender)
                 SELECT $1, w, l, 'in_flight', h, b, $6, $6, $7, s
                 FROM UNNEST($2::text[], $3::bigint[], $4::bytea[], $5::text[], $8::text[]) AS x (w, l, h, b, s)
                 ON CONFLICT (campaign, recipient) DO NOTHING
                 RETURNING recipient",
            )?,
            // A retry keeps the recipient's first send time, as the file journal does.
            reclaim: client.prepare(
                "UPDATE recipients SET state = 'in_flight', csv_line = $3, request_hash = $4, body = $5, message_id = NULL,
                                       http_status = NULL, error_code = NULL, error_message = NULL, attempts = 0,
                                       latency_ms = NULL, updated_at = $6, run = $7, sender = $10
                 WHERE campaign = $1 AND recipient = $2 AND state = $8 AND updated_at = $9",
            )?,
            // Every outcome of a batch in one statement.
            done: client.prepare(
                "UPDATE recipients r SET state = u.state, message_id = u.message_id, http_status = u.http_status,
                        error_code = u.error_code, error_message = u.error_message, attempts = u.attempts,
                        latency_ms = u.latency_ms, updated_at = u.updated_at, sender = COALESCE(u.sender, r.sender)
                 FROM UNNEST($3::text[], $4::text[], $5::text[], $6::int[], $7::text[], $8::text[], $9::bigint[],
                             $10::bigint[], $11::bigint[], $12::text[])
                      AS u (recipient, state, message_id, http_status, error_code, error_message, attempts,
                            latency_ms, updated_at, sender)
                 WHERE r.campaign = $1 AND r.recipient = ANY($3) AND r.run = $2 AND r.recipient = u.recipient",
            )?,
            restore: client.prepare(
                "UPDATE recipients SET state = $4, request_hash = $5, message_id = $6, http_status = $7, error_code = $8,
                                       error_message = $9, attempts = $10, latency_ms = $11, updated_at = $12,
                                       sender = $13
                 WHERE campaign = $1 AND recipient = $2 AND run = $3",
            )?,
            delete: client.prepare("DELETE FROM recipients WHERE campaign = $1 AND recipient = $2 AND run = $3")?,
        })
    }
}

/// The outcomes of a batch, as columns for [`Statements::done`].
#[derive(Default)]
struct Outcomes {
    recipient: Vec<String>,
    state: Vec<&'static str>,
    message_id: Vec<Option<String>>,
    http_status: Vec<Option<i32>>,
    error_code: Vec<Option<String>>,
    error_message: Vec<Option<String>>,
    attempts: Vec<i64>,
    latency_ms: Vec<Option<i64>>,
    updated_at: Vec<i64>,
    sender: Vec<Option<String>>,
}

impl Outcomes {
    fn push(&mut self, state: State, r: Record) {
        self.state.push(state.as_str());
        self.message_id.push(r.message_id);
        self.http_status.push(r.http_status.map(i32::from));
        self.error_code.push(r.error_code.as_ref().map(|c| c.as_str().into_owned()));
        self.error_message.push(r.error_message);
        self.attempts.push(i64::from(r.attempts));
        self.latency_ms.push(r.latency_ms.and_then(|n| i64::try_from(n).ok()));
        self.updated_at.push(millis(r.timestamp));
        self.sender.push(r.sender);
        self.recipient.push(r.recipient);
    }
}

/// The thread's state.
pub struct Store {
    client: Client,
    statements: Statements,
    /// The campaign's number (`None`: it never ran).
    id: Option<i64>,
    /// This process's run; without one, nothing is claimed.
    run: Option<i64>,
    /// Rows of the campaign when the run started; 0 means lookups can be skipped.
    known: i64,
    claims: Claims,
    /// The sender number and its daily cap, counted over every runner at each claim.
    cap: Option<(String, usize)>,
    /// Claims when the table's statistics were last refreshed (see [`Store::analyze`]).
    analyzed: u64,
    stats: Stats,
}

impl Store {
    /// The run `run` of `campaign` (none: a dry run, which only looks up).
    pub fn new(
        mut client: Client,
        campaign: &str,
        run: Option<i64>,
        cap: Option<(String, usize)>,
    ) -> Result<Store, JournalError> {
        // Every statement here finds a batch's rows by key, planned for the batch at hand.
        client.batch_execute("SET enable_seqscan = off; SET plan_cache_mode = force_custom_plan")?;
        let id: Option<i64> =
            client.query_opt("SELECT id FROM campaigns WHERE name = $1", &[&campaign])?.map(|r| r.get(0));
        let known: i64 = client.query_one("SELECT COUNT(*) FROM recipients WHERE campaign = $1", &[&id])?.get(0);
        Ok(Store {
            statements: Statements::prepare(&mut client)?,
            client,
            id,
            run,
            known,
            claims: HashMap::new(),
            cap,
            analyzed: 0,
            stats: Stats::default(),
        })
    }

    /// Refreshes the table's statistics each time this run's claims have doubled. The table
    /// grows from nothing during a run faster than autovacuum looks at it, and a planner taking
    /// it for tiny scans it whole for each batch, or pairs a batch's outcomes with its rows one
    /// by one: 0.7 s a batch at 10,000 rows.
    fn analyze(&mut self) -> Result<(), JournalError> {
        if self.stats.claimed >= 1000 && self.stats.claimed >= 2 * self.analyzed {
            self.client.batch_execute("ANALYZE recipients")?;
            self.analyzed = self.stats.claimed;
        }
        Ok(())
    }
}

/// A recipient another runner is sending right now, as this run reports it.
fn taken(c: &Candidate) -> Admission {
    let message = "another herald runner claimed it first (`herald report` shows how it ended)".to_string();
    Admission::Kept(Box::new(Record::skipped(c.recipient.clone(), c.csv_line, Code::InFlight, message)))
}

/// Writes outcomes and releases of this run's claims.
fn write_changes(
    tx: &mut postgres::Transaction<'_>,
    statements: &Statements,
    (id, run): (Option<i64>, Option<i64>),
    claims: &Claims,
    changes: Vec<Change>,
) -> Result<Vec<String>, JournalError> {
    let mut written = Vec::new();
    let mut outcomes = Outcomes::default();
    for change in changes {
        match change {
            Change::Done(records) => {
                for r in records {
                    let Some(state) = State::of(r.status) else { continue };
                    if claims.contains_key(&r.recipient) {
                        written.push(r.recipient.clone());
                        outcomes.push(state, r);
                    }
                }
            }
            Change::Release(recipients) => {
                for recipient in recipients {
                    if claims.contains_key(&recipient) {
                        written.push(recipient.clone());
                    }
                    match claims.get(&recipient) {
                        None => {}
                        Some(None) => {
                            tx.execute(&statements.delete, &[&id, &recipient, &run])?;
                        }
                        Some(Some(old)) => {
                            let r = &old.record;
                            tx.execute(
                                &statements.restore,
                                &[
                                    &id,
                                    &recipient,
                                    &run,
                                    &old.state.as_str(),
                                    &old.request_hash,
                                    &r.message_id,
                                    &r.http_status.map(i32::from),
                                    &r.error_code.as_ref().map(|c| c.as_str()),
                                    &r.error_message,
                                    &i64::from(r.attempts),
                                    &r.latency_ms.and_then(|n| i64::try_from(n).ok()),
                                    &millis(r.timestamp),
                                    &r.sender,
                                ],
                            )?;
                        }
                    }
                }
            }
        }
    }
    if !outcomes.recipient.is_empty() {
        let o = &outcomes;
        tx.execute(
            &statements.done,
            &[
                &id,
                &run,
                &o.recipient,
                &o.state,
                &o.message_id,
                &o.http_status,
                &o.error_code,
                &o.error_message,
                &o.attempts,
                &o.latency_ms,
                &o.updated_at,
                &o.sender,
            ],
        )?;
    }
    Ok(written)
}

/// Renews the run's lease in the claim's own transaction; refuses to claim when it already ran
/// out, since other runners may then have taken this run's open claims for a crash's.
fn hold_lease(tx: &mut postgres::Transaction<'_>, lease: &Statement, run: i64) -> Result<(), JournalError> {
    match tx.execute(lease, &[&run])? {
        0 => Err(JournalError::LeaseLost),
        _ => Ok(()),
    }
}

/// How many more messages `sender` may send under its daily `cap`: the messages of the last
/// 24 hours over every campaign with that sender (and `campaign`), counted under a lock that
/// every runner's claim for the sender takes, so the cap holds across runners.
fn room(
    tx: &mut postgres::Transaction<'_>,
    sender: &str,
    campaign: i64,
    cap: usize,
    now: i64,
) -> Result<usize, JournalError> {
    tx.execute("SELECT pg_advisory_xact_lock(hashtext('herald daily cap ' || $1))", &[&sender])?;
    let day = now - 24 * 3600 * 1000;
    let used: i64 = tx
        .query_one(
            "SELECT COUNT(*) FROM recipients
             WHERE campaign IN (SELECT id FROM campaigns WHERE sender = $1 OR id = $2)
               AND state IN ('sent', 'unknown', 'in_flight') AND first_sent_at >= $3",
            &[&sender, &campaign, &day],
        )?
        .get(0);
    Ok(cap.saturating_sub(usize::try_from(used).unwrap_or(usize::MAX)))
}

/// What one batch's claim needs of the store, apart from its connection.
struct Claimer<'s> {
    statements: &'s Statements,
    cap: &'s Option<(String, usize)>,
    known: i64,
    id: Option<i64>,
    run: Option<i64>,
    now: i64,
}

/// A batch's decisions, the recipients whose claims held, and the rows the retried ones had.
struct Claimed {
    admitted: Admitted,
    won: HashSet<String>,
    previous: HashMap<usize, Row>,
}

impl Claimer<'_> {
    /// Looks the batch up, decides, and claims (see the module's documentation).
    fn claim(
        &self,
        tx: &mut postgres::Transaction<'_>,
        candidates: &[Candidate],
        policy: Policy,
        budget: usize,
    ) -> Result<Claimed, JournalError> {
        let (id, run, now) = (self.id, self.run, self.now);
        let names: Vec<&str> = candidates.iter().map(|c| c.recipient.as_str()).collect();
        if self.known > 0 {
            tx.execute(&self.statements.offer, &[&names])?;
        }
        if let (Some(id), Some(_)) = (id, run) {
            // Claims of runners that crashed become `unknown` here, not just when read.
            tx.execute(&self.statements.settle, &[&id, &names, &now])?;
        }
        let mut rows = HashMap::new();
        if self.known > 0 || run.is_some() {
            let found = tx.query(&self.statements.lookup, &[&id, &names])?;
            for r in &found {
                let r = read_row(r)?;
                rows.insert(r.record.recipient.clone(), r);
            }
        }
        let mut left = if run.is_some() { budget } else { 0 };
        let mut admitted = Vec::with_capacity(candidates.len());
        let mut fresh = Vec::new();
        let mut again = Vec::new();
        for (i, c) in candidates.iter().enumerate() {
            let row = rows.remove(&c.recipient);
            // Someone else's claim under way is theirs, whatever the policy.
            if row.as_ref().is_some_and(|r| r.state == State::InFlight) && run.is_some() {
                admitted.push(taken(c));
                continue;
            }
            let decision = policy.decide(row.as_ref());
            admitted.push(match (decision, row, &c.request_hash) {
                (Decision::Keep, Some(row), _) => Admission::Kept(Box::new(policy.kept(row))),
                (Decision::Send, row, Some(hash)) if left > 0 => {
                    left -= 1;
                    match row {
                        None => fresh.push((i, hash)),
                        Some(row) => again.push((i, hash, row)),
                    }
                    Admission::Claimed
                }
                _ => Admission::Unclaimed,
            });
        }
        if fresh.is_empty() && again.is_empty() {
            return Ok(Claimed { admitted, won: HashSet::new(), previous: HashMap::new() });
        }
        let (Some(id), Some(run)) = (id, run) else {
            return Err(JournalError::WriterGone(Some("a run claimed before it began".into())));
        };
        hold_lease(tx, &self.statements.lease, run)?;
        if let Some((sender, cap)) = &self.cap {
            let allowed = room(tx, sender, id, *cap, now)?;
            // Past the cap, the last claims of the batch wait for a later run.
            let mut over = (fresh.len() + again.len()).saturating_sub(allowed);
            while over > 0 {
                let i = match (fresh.last(), again.last()) {
                    (Some(f), Some(a)) if f.0 > a.0 => fresh.pop().map(|f| f.0),
                    (_, Some(_)) => again.pop().map(|a| a.0),
                    (Some(_), None) => fresh.pop().map(|f| f.0),
                    (None, None) => None,
                };
                if let Some(i) = i {
                    admitted[i] = Admission::Unclaimed;
                }
                over -= 1;
            }
        }
        let mut won: HashSet<String> = HashSet::new();
        if !fresh.is_empty() {
            let who: Vec<&str> = fresh.iter().map(|(i, _)| candidates[*i].recipient.as_str()).collect();
            let lines: Vec<Option<i64>> =
                fresh.iter().map(|(i, _)| candidates[*i].csv_line.and_then(|n| i64::try_from(n).ok())).collect();
            let hashes: Vec<&[u8]> = fresh.iter().map(|(_, h)| &h[..]).collect();
            let bodies: Vec<Option<&str>> = fresh.iter().map(|(i, _)| candidates[*i].body.as_deref()).collect();
            let senders: Vec<Option<&str>> = fresh.iter().map(|(i, _)| candidates[*i].sender.as_deref()).collect();
            let rows =
                tx.query(&self.statements.claim, &[&id, &who, &lines, &hashes, &bodies, &now, &run, &senders])?;
            won.extend(rows.iter().map(|r| r.get::<_, String>(0)));
        }
        let mut previous: HashMap<usize, Row> = HashMap::new();
        for (i, hash, row) in again {
            let c = &candidates[i];
            let line = c.csv_line.and_then(|n| i64::try_from(n).ok());
            let n = tx.execute(
                &self.statements.reclaim,
                &[
                    &id,
                    &c.recipient,
                    &line,
                    &&hash[..],
                    &c.body,
                    &now,
                    &run,
                    &row.state.as_str(),
                    &millis(row.record.timestamp),
                    &c.sender,
                ],
            )?;
            if n == 1 {
                // The receipts of the message it replaces say nothing of the new one (and a
                // provider that takes herald's own id, Communiktor, would see the same id).
                if let Some(old) = &row.record.message_id {
                    tx.execute("DELETE FROM receipts WHERE message_id = $1", &[old])?;
                }
                won.insert(c.recipient.clone());
                previous.insert(i, row);
            }
        }
        Ok(Claimed { admitted, won, previous })
    }
}

impl writer::Store for Store {
    fn admit(
        &mut self,
        changes: Vec<Change>,
        candidates: &[Candidate],
        policy: Policy,
        budget: usize,
    ) -> Result<Admitted, JournalError> {
        self.claim(changes, candidates, policy, budget).map_err(|e| e.of_query(true))
    }

    fn flush(&mut self, changes: Vec<Change>) -> Result<(), JournalError> {
        self.commit_changes(changes).map_err(|e| e.of_query(true))
    }

    fn gone(&mut self) -> Result<Vec<Record>, JournalError> {
        self.unoffered().map_err(|e| e.of_query(false))
    }

    fn finish(self) -> Result<Stats, JournalError> {
        Ok(self.stats)
    }
}

impl Store {
    /// Commits `changes`, then claims the batch (see [`writer::Store::admit`]).
    fn claim(
        &mut self,
        changes: Vec<Change>,
        candidates: &[Candidate],
        policy: Policy,
        budget: usize,
    ) -> Result<Admitted, JournalError> {
        let claimer = Claimer {
            statements: &self.statements,
            cap: &self.cap,
            known: self.known,
            id: self.id,
            run: self.run,
            now: millis(jiff::Timestamp::now()),
        };
        let mut tx = self.client.transaction()?;
        let written = write_changes(&mut tx, claimer.statements, (claimer.id, claimer.run), &self.claims, changes)?;
        // The claims go under a savepoint: when they fail (a lost lease, a deadlock), the
        // outcomes and releases riding along are still committed, so a sent recipient is never
        // left in flight.
        let claimed = {
            let mut claims = tx.savepoint("admit")?;
            let claimed = claimer.claim(&mut claims, candidates, policy, budget);
            if claimed.is_ok() {
                claims.commit()?;
            }
            claimed
        };
        tx.commit()?;
        self.stats.commits += 1;
        for recipient in written {
            self.claims.remove(&recipient);
        }
        let Claimed { mut admitted, won, mut previous } = claimed?;
        for (i, a) in admitted.iter_mut().enumerate() {
            if *a != Admission::Claimed {
                continue;
            }
            let c = &candidates[i];
            if won.contains(&c.recipient) {
                self.claims.insert(c.recipient.clone(), previous.remove(&i));
                self.stats.claimed += 1;
            } else {
                *a = taken(c);
            }
        }
        if let Err(e) = self.analyze() {
            tracing::warn!(error = %e, "cannot refresh the journal's statistics");
        }
        Ok(admitted)
    }

    /// Commits `changes` on their own.
    fn commit_changes(&mut self, changes: Vec<Change>) -> Result<(), JournalError> {
        let mut tx = self.client.transaction()?;
        let written = write_changes(&mut tx, &self.statements, (self.id, self.run), &self.claims, changes)?;
        tx.commit()?;
        self.stats.commits += 1;
        for recipient in written {
            self.claims.remove(&recipient);
        }
        Ok(())
    }

    /// Rows never offered in this run, when the campaign had rows before it.
    fn unoffered(&mut self) -> Result<Vec<Record>, JournalError> {
        if self.known == 0 {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT {} FROM {} WHERE campaign = $1
               AND NOT EXISTS (SELECT 1 FROM offered o WHERE o.recipient = recipients.recipient)
             ORDER BY recipient",
            *ROW_COLUMNS,
            rows()
        );
        let rows = self.client.query(&sql, &[&self.id])?;
        rows.iter().map(|r| read_row(r).map(|r| r.record)).collect()
    }
}
