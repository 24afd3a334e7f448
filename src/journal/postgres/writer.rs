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
use postgres::Client;
use std::collections::{HashMap, HashSet};

/// A claim of this run, and the row it replaced (restored if the claim is released).
type Claims = HashMap<String, Option<Row>>;

/// The thread's state.
pub struct Store {
    client: Client,
    /// The campaign's number (`None`: it never ran).
    id: Option<i64>,
    /// This process's run; without one, nothing is claimed.
    run: Option<i64>,
    /// Rows of the campaign when the run started; 0 means lookups can be skipped.
    known: i64,
    /// Recipients looked up, to find the rows the campaign no longer lists.
    offered: HashSet<String>,
    claims: Claims,
    /// The sender number and its daily cap, counted over every runner at each claim.
    cap: Option<(String, usize)>,
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
        let id: Option<i64> =
            client.query_opt("SELECT id FROM campaigns WHERE name = $1", &[&campaign])?.map(|r| r.get(0));
        let known: i64 = client.query_one("SELECT COUNT(*) FROM recipients WHERE campaign = $1", &[&id])?.get(0);
        Ok(Store {
            client,
            id,
            run,
            known,
            offered: HashSet::new(),
            claims: HashMap::new(),
            cap,
            stats: Stats::default(),
        })
    }

    /// Rows the journal has for `recipients`, by recipient.
    fn lookup(
        tx: &mut postgres::Transaction<'_>,
        id: Option<i64>,
        recipients: &[&str],
    ) -> Result<HashMap<String, Row>, JournalError> {
        let sql = format!("SELECT {ROW_COLUMNS} FROM recipients WHERE campaign = $1 AND recipient = ANY($2)");
        let rows = tx.query(&sql, &[&id, &recipients])?;
        Ok(rows.iter().map(read_row).map(|r| (r.record.recipient.clone(), r)).collect())
    }
}

/// A recipient another runner is sending right now, as this run reports it.
fn taken(c: &Candidate) -> Admission {
    let message = "another herald runner claimed it first and is sending it".to_string();
    Admission::Kept(Box::new(Record::skipped(c.recipient.clone(), c.csv_line, Code::InFlight, message)))
}

/// Writes outcomes and releases of this run's claims.
fn write_changes(
    tx: &mut postgres::Transaction<'_>,
    id: Option<i64>,
    run: Option<i64>,
    claims: &mut Claims,
    changes: Vec<Change>,
) -> Result<(), JournalError> {
    if changes.is_empty() {
        return Ok(());
    }
    let done = tx.prepare(
        "UPDATE recipients SET state = $4, message_id = $5, http_status = $6, error_code = $7, error_message = $8,
                               attempts = $9, latency_ms = $10, updated_at = $11
         WHERE campaign = $1 AND recipient = $2 AND run = $3",
    )?;
    let restore = tx.prepare(
        "UPDATE recipients SET state = $4, request_hash = $5, message_id = $6, http_status = $7, error_code = $8,
                               error_message = $9, attempts = $10, latency_ms = $11, updated_at = $12
         WHERE campaign = $1 AND recipient = $2 AND run = $3",
    )?;
    let delete = tx.prepare("DELETE FROM recipients WHERE campaign = $1 AND recipient = $2 AND run = $3")?;
    for change in changes {
        match change {
            Change::Done(records) => {
                for r in records {
                    let Some(state) = State::of(r.status) else { continue };
                    if claims.remove(&r.recipient).is_none() {
                        continue;
                    }
                    tx.execute(
                        &done,
                        &[
                            &id,
                            &r.recipient,
                            &run,
                            &state.as_str(),
                            &r.message_id,
                            &r.http_status.map(i32::from),
                            &r.error_code.as_ref().map(|c| c.as_str()),
                            &r.error_message,
                            &i64::from(r.attempts),
                            &r.latency_ms.and_then(|n| i64::try_from(n).ok()),
                            &millis(r.timestamp),
                        ],
                    )?;
                }
            }
            Change::Release(recipients) => {
                for recipient in recipients {
                    match claims.remove(&recipient) {
                        None => {}
                        Some(None) => {
                            tx.execute(&delete, &[&id, &recipient, &run])?;
                        }
                        Some(Some(old)) => {
                            let r = &old.record;
                            tx.execute(
                                &restore,
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
                                ],
                            )?;
                        }
                    }
                }
            }
        }
    }
    Ok(())
}

/// Renews the run's lease in the claim's own transaction; refuses to claim when it already ran
/// out, since other runners may then have taken this run's open claims for a crash's.
fn hold_lease(tx: &mut postgres::Transaction<'_>, run: i64) -> Result<(), JournalError> {
    let sql = format!(
        "UPDATE runs SET lease_until = now() + interval '{}' WHERE id = $1 AND lease_until > now()",
        super::lease::interval()
    );
    match tx.execute(&sql, &[&run])? {
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

impl writer::Store for Store {
    fn admit(
        &mut self,
        changes: Vec<Change>,
        candidates: &[Candidate],
        policy: Policy,
        budget: usize,
    ) -> Result<Admitted, JournalError> {
        let now = millis(jiff::Timestamp::now());
        let (id, run) = (self.id, self.run);
        let mut tx = self.client.transaction()?;
        write_changes(&mut tx, id, run, &mut self.claims, changes)?;
        if self.known > 0 {
            self.offered.extend(candidates.iter().map(|c| c.recipient.clone()));
        }
        let names: Vec<&str> = candidates.iter().map(|c| c.recipient.as_str()).collect();
        if let (Some(id), Some(_)) = (id, run) {
            // Claims of runners that crashed become `unknown` here, not just when read.
            tx.execute(super::SETTLE, &[&id, &names, &now])?;
        }
        let mut rows =
            if self.known > 0 || run.is_some() { Store::lookup(&mut tx, id, &names)? } else { HashMap::new() };
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
            let decision = policy.decide(row.as_ref().map(|r| r.state));
            admitted.push(match (decision, row, &c.request_hash) {
                (Decision::Keep, Some(row), _) => Admission::Kept(Box::new(row.record)),
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
            tx.commit()?;
            return Ok(admitted);
        }
        let (Some(id), Some(run)) = (id, run) else {
            return Err(JournalError::WriterGone(Some("a run claimed before it began".into())));
        };
        hold_lease(&mut tx, run)?;
        if let Some((sender, cap)) = &self.cap {
            let allowed = room(&mut tx, sender, id, *cap, now)?;
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
            let rows = tx.query(
                "INSERT INTO recipients (campaign, recipient, csv_line, state, request_hash, body, first_sent_at, updated_at, run)
                 SELECT $1, w, l, 'in_flight', h, b, $6, $6, $7 FROM UNNEST($2::text[], $3::bigint[], $4::bytea[], $5::text[]) AS x (w, l, h, b)
                 ON CONFLICT (campaign, recipient) DO NOTHING
                 RETURNING recipient",
                &[&id, &who, &lines, &hashes, &bodies, &now, &run],
            )?;
            won.extend(rows.iter().map(|r| r.get::<_, String>(0)));
        }
        let reclaim = tx.prepare(
            "UPDATE recipients SET state = 'in_flight', csv_line = $3, request_hash = $4, body = $5, message_id = NULL,
                                   http_status = NULL, error_code = NULL, error_message = NULL, attempts = 0,
                                   latency_ms = NULL, first_sent_at = $6, updated_at = $6, run = $7
             WHERE campaign = $1 AND recipient = $2 AND state = $8 AND updated_at = $9",
        )?;
        let mut previous: HashMap<usize, Row> = HashMap::new();
        for (i, hash, row) in again {
            let c = &candidates[i];
            let line = c.csv_line.and_then(|n| i64::try_from(n).ok());
            let n = tx.execute(
                &reclaim,
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
                ],
            )?;
            if n == 1 {
                won.insert(c.recipient.clone());
                previous.insert(i, row);
            }
        }
        tx.commit()?;
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
        self.stats.commits += 1;
        Ok(admitted)
    }

    fn flush(&mut self, changes: Vec<Change>) -> Result<(), JournalError> {
        let mut tx = self.client.transaction()?;
        write_changes(&mut tx, self.id, self.run, &mut self.claims, changes)?;
        tx.commit()?;
        self.stats.commits += 1;
        Ok(())
    }

    fn gone(&mut self) -> Result<Vec<Record>, JournalError> {
        if self.known == 0 {
            return Ok(Vec::new());
        }
        let sql = format!("SELECT {ROW_COLUMNS} FROM recipients WHERE campaign = $1 ORDER BY recipient");
        let rows = self.client.query(&sql, &[&self.id])?;
        Ok(rows
            .iter()
            .map(read_row)
            .filter(|r| !self.offered.contains(&r.record.recipient))
            .map(|r| r.record)
            .collect())
    }

    fn finish(self) -> Result<Stats, JournalError> {
        Ok(self.stats)
    }
}
