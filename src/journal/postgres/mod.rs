//! The PostgreSQL journal: the same states and guarantees as the SQLite one, in a database that
//! outlives the machine, shared by any number of runners sending the same campaign. There is no
//! campaign lock: each runner claims recipients with a conditional write on the (campaign,
//! recipient) key, so two runners never claim the same one (see [`writer`]), and each run holds
//! a lease (see [`lease`]) so a crashed runner's claims become `unknown` once it runs out, never
//! while the runner lives.

mod connect;
mod lease;
mod pacing;
mod receipts;
mod schema;
mod session;
mod writer;

pub use connect::reason;
pub use pacing::Slots;

use super::receipt::{Awaiting, Fate, Receipt};
use super::{
    Backend, Hash, JournalError, Known, Location, Row, RunRow, Sections, State, Totals, from_millis, millis, row,
};
use crate::receipts::Funnel;
use session::Session;
use std::collections::HashMap;
use std::sync::LazyLock;

/// A row `in_flight` under a run that is over or whose lease ran out: its runner crashed, so
/// it reads as `unknown` (interrupted) before anyone settles it (see [`Postgres::settle_crashed`]).
macro_rules! orphan {
    () => {
        "(recipients.state = 'in_flight' AND NOT EXISTS (SELECT 1 FROM runs u WHERE u.id = recipients.run \
         AND u.finished_at IS NULL AND u.lease_until > now()))"
    };
}

/// Why a crashed run's claim is `unknown`.
macro_rules! interrupted {
    () => {
        "herald stopped while this request was in flight; the provider may or may not have it"
    };
}

/// The columns of a row (see [`row::columns`]), from `recipients`; a crashed run's claims
/// read as settled.
pub(super) static ROW_COLUMNS: LazyLock<String> = LazyLock::new(|| {
    row::columns(
        concat!("CASE WHEN ", orphan!(), " THEN 'unknown' ELSE state END"),
        concat!("CASE WHEN ", orphan!(), " THEN 'interrupted' ELSE error_code END"),
        concat!("CASE WHEN ", orphan!(), " THEN '", interrupted!(), "' ELSE error_message END"),
    )
});

/// Settles the crashed runs' claims among recipients `$2` of campaign `$1` (`$3`: now).
pub(super) const SETTLE: &str = concat!(
    "UPDATE recipients SET state = 'unknown', error_code = 'interrupted', error_message = '",
    interrupted!(),
    "', updated_at = $3 WHERE campaign = $1 AND recipient = ANY($2) AND ",
    orphan!()
);

/// Settles every crashed run's claims in campaign `$1` (`$2`: now).
const SETTLE_ALL: &str = concat!(
    "UPDATE recipients SET state = 'unknown', error_code = 'interrupted', error_message = '",
    interrupted!(),
    "', updated_at = $2 WHERE campaign = $1 AND ",
    orphan!()
);

/// An open PostgreSQL journal.
pub struct Postgres {
    session: session::Thread,
    url: String,
    schema: &'static str,
    /// The journal as it may be printed.
    shown: String,
    /// This process's run, and the renewal of its lease, once it began.
    run: Option<(i64, lease::Heartbeat)>,
    /// The sender number and its `delivery.daily_cap`, held across runners at every claim.
    cap: Option<(String, usize)>,
}

impl std::fmt::Debug for Postgres {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Postgres").field("journal", &self.shown).finish_non_exhaustive()
    }
}

/// Reads a row selected with [`ROW_COLUMNS`].
pub(super) fn read_row(r: &postgres::Row) -> Result<Row, JournalError> {
    Ok(row::decode(r)?)
}

impl Postgres {
    /// Connects to the journal to send, creating or migrating its tables (nothing is locked:
    /// other runners may send the same campaign).
    pub fn open(url: &str, schema: &'static str, at: &Location) -> Result<Postgres, JournalError> {
        let opened = Postgres::connect(url, schema, at, true)?;
        opened.ok_or_else(|| JournalError::WriterGone(Some("the journal's tables were not created".into())))
    }

    /// Connects to the journal to read it, writing nothing; `Ok(None)` when no send has
    /// created its tables yet.
    pub fn open_read(url: &str, schema: &'static str, at: &Location) -> Result<Option<Postgres>, JournalError> {
        Postgres::connect(url, schema, at, false)
    }

    fn connect(url: &str, schema: &'static str, at: &Location, send: bool) -> Result<Option<Postgres>, JournalError> {
        let shown = at.to_string();
        let Some(session) = session::Thread::open(url.to_string(), schema, shown.clone(), send)? else {
            return Ok(None);
        };
        Ok(Some(Postgres { session, url: url.to_string(), schema, shown, run: None, cap: None }))
    }

    /// Runs `f`, which only reads, with the connection, on its thread.
    fn read<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Session) -> Result<T, JournalError> + Send + 'static,
    ) -> Result<T, JournalError> {
        self.session.call(f).map_err(|e| e.of_query(false))
    }

    /// Runs `f`, which writes, with the connection, on its thread.
    fn write<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Session) -> Result<T, JournalError> + Send + 'static,
    ) -> Result<T, JournalError> {
        self.session.call(f).map_err(|e| e.of_query(true))
    }
}

impl Backend for Postgres {
    fn senders(&self, campaign: &str) -> Result<usize, JournalError> {
        let mine = self.run.as_ref().map_or(0, |(id, _)| *id);
        let campaign = campaign.to_string();
        self.read(move |s| {
            let row = s.client.query_one(
                "SELECT COUNT(*) FROM runs WHERE campaign = (SELECT id FROM campaigns WHERE name = $1)
                     AND finished_at IS NULL AND lease_until > now() AND id <> $2",
                &[&campaign, &mine],
            )?;
            Ok(usize::try_from(row.get::<_, i64>(0)).unwrap_or(0))
        })
    }

    fn runs(&self, campaign: &str) -> Result<Vec<RunRow>, JournalError> {
        let campaign = campaign.to_string();
        self.read(move |s| {
            let rows = s.client.query(
                "SELECT started_at, finished_at, mode, stopped_kind, stopped, exit_code
                 FROM runs WHERE campaign = (SELECT id FROM campaigns WHERE name = $1) ORDER BY id",
                &[&campaign],
            )?;
            Ok(rows
                .iter()
                .map(|r| {
                    let kind: Option<String> = r.get(3);
                    let text: Option<String> = r.get(4);
                    RunRow {
                        started_at: r.get(0),
                        finished_at: r.get(1),
                        mode: r.get(2),
                        stopped: kind.zip(text),
                        exit_code: r.get::<_, Option<i16>>(5).and_then(|c| u8::try_from(c).ok()),
                    }
                })
                .collect())
        })
    }

    fn sections(&self, campaign: &str) -> Result<Option<Sections>, JournalError> {
        let campaign = campaign.to_string();
        self.read(move |s| {
            let row = s.client.query_opt("SELECT sections FROM campaigns WHERE name = $1", &[&campaign])?;
            Ok(row.and_then(|r| serde_json::from_str(r.get(0)).ok()))
        })
    }

    fn campaigns(&self) -> Result<Vec<Known>, JournalError> {
        self.read(move |s| {
            // A reader does not migrate: `file` is read so that a journal of migration 2 has none.
            let rows = s
                .client
                .query("SELECT name, to_jsonb(campaigns) ->> 'file', sections FROM campaigns ORDER BY id", &[])?;
            Ok(rows
                .iter()
                .map(|r| Known {
                    name: r.get(0),
                    file: r.get(1),
                    sections: serde_json::from_str(r.get(2)).unwrap_or_default(),
                })
                .collect())
        })
    }

    fn totals(&self, campaign: &str) -> Result<Totals, JournalError> {
        let campaign = campaign.to_string();
        let rows = self.read(move |s| {
            Ok(s.client.query(
                concat!(
                    "SELECT state, COUNT(*), COUNT(*) FILTER (WHERE error_code = 'interrupted'), MIN(first_sent_at),
                            MAX(updated_at)
                     FROM (SELECT CASE WHEN ",
                    orphan!(),
                    " THEN 'unknown' ELSE state END AS state, CASE WHEN ",
                    orphan!(),
                    " THEN 'interrupted' ELSE error_code END AS error_code, first_sent_at, updated_at
                           FROM recipients WHERE campaign = (SELECT id FROM campaigns WHERE name = $1)) r
                     GROUP BY state"
                ),
                &[&campaign],
            )?)
        })?;
        let mut totals = Totals::default();
        let (mut first, mut last): (Option<i64>, Option<i64>) = (None, None);
        for r in rows {
            let count = |i| usize::try_from(r.get::<_, i64>(i)).unwrap_or(0);
            totals.states.insert(State::parse(r.get(0)), count(1));
            totals.interrupted += count(2);
            let (f, l): (i64, i64) = (r.get(3), r.get(4));
            first = Some(first.map_or(f, |x| x.min(f)));
            last = Some(last.map_or(l, |x| x.max(l)));
        }
        totals.first_sent_at = first.map(|ms| crate::results::timestamp(from_millis(ms)));
        totals.last_at = last.map(|ms| crate::results::timestamp(from_millis(ms)));
        Ok(totals)
    }

    fn row(&self, campaign: &str, recipient: &str) -> Result<Option<Row>, JournalError> {
        let (campaign, recipient) = (campaign.to_string(), recipient.to_string());
        self.read(move |s| s.client.query_opt(&s.lookup, &[&campaign, &recipient])?.map(|r| read_row(&r)).transpose())
    }

    fn rows(&self, campaign: &str, recipients: &[String]) -> Result<HashMap<String, Row>, JournalError> {
        let (campaign, recipients) = (campaign.to_string(), recipients.to_vec());
        self.read(move |s| {
            let rows = s.client.query(&s.batch, &[&campaign, &recipients])?;
            rows.iter().map(|r| read_row(r).map(|r| (r.record.recipient.clone(), r))).collect()
        })
    }

    fn settle_crashed(&mut self, campaign: &str) -> Result<usize, JournalError> {
        let now = millis(jiff::Timestamp::now());
        let campaign = campaign.to_string();
        let n = self.write(move |s| {
            let Some(id) = s.client.query_opt("SELECT id FROM campaigns WHERE name = $1", &[&campaign])? else {
                return Ok(0);
            };
            Ok(s.client.execute(SETTLE_ALL, &[&id.get::<_, i64>(0), &now])?)
        })?;
        Ok(usize::try_from(n).unwrap_or(usize::MAX))
    }

    fn rebaseline(&mut self, campaign: &str, hashes: &[(String, Hash)]) -> Result<(), JournalError> {
        let campaign = campaign.to_string();
        let hashes = hashes.to_vec();
        self.write(move |s| {
            let mut tx = s.client.transaction()?;
            let statement = tx.prepare(
                "UPDATE recipients SET request_hash = $3
                 WHERE campaign = (SELECT id FROM campaigns WHERE name = $1) AND recipient = $2",
            )?;
            for (recipient, hash) in hashes {
                tx.execute(&statement, &[&campaign, &recipient, &&hash[..]])?;
            }
            Ok(tx.commit()?)
        })
    }

    fn begin_run(
        &mut self,
        campaign: &str,
        sections: &Sections,
        file: &str,
        mode: &str,
        sender: &str,
    ) -> Result<i64, JournalError> {
        let now = crate::results::now();
        let sections = serde_json::to_string(sections).unwrap_or_default();
        let host = std::fs::read_to_string("/etc/hostname").map(|h| h.trim().to_string()).unwrap_or_default();
        let (campaign, mode, sender, file) =
            (campaign.to_string(), mode.to_string(), sender.to_string(), file.to_string());
        let id = self.write(move |s| {
            let mut tx = s.client.transaction()?;
            tx.execute(
                "INSERT INTO campaigns (name, sections, created_at, updated_at, sender, file)
                 VALUES ($1, $2, $3, $3, $4, $5)
                 ON CONFLICT (name) DO UPDATE SET sections = excluded.sections, updated_at = excluded.updated_at,
                                                  sender = excluded.sender, file = excluded.file",
                &[&campaign, &sections, &now, &sender, &file],
            )?;
            let sql = format!(
                "INSERT INTO runs (campaign, started_at, mode, pid, host, lease_until)
                 VALUES ((SELECT id FROM campaigns WHERE name = $1), $2, $3, $4, $5, now() + interval '{}')
                 RETURNING id",
                lease::interval()
            );
            let id: i64 = tx.query_one(&sql, &[&campaign, &now, &mode, &i64::from(std::process::id()), &host])?.get(0);
            tx.commit()?;
            Ok(id)
        })?;
        let (url, schema, shown) = (self.url.clone(), self.schema, self.shown.clone());
        let reconnect = move || connect::connect(&url, schema, &shown);
        let renewer = session::apart({
            let reconnect = reconnect.clone();
            move || reconnect()
        })?;
        self.run = Some((id, lease::Heartbeat::start(renewer, reconnect, id, lease::renew())?));
        Ok(id)
    }

    fn sent_since(
        &self,
        sender: &str,
        campaign: &str,
        since: jiff::Timestamp,
    ) -> Result<(usize, Option<jiff::Timestamp>), JournalError> {
        let (sender, campaign, since) = (sender.to_string(), campaign.to_string(), millis(since));
        let (count, oldest) = self.read(move |s| {
            let r = s.client.query_one(
                "SELECT COUNT(*), MIN(first_sent_at) FROM recipients
                 WHERE campaign IN (SELECT id FROM campaigns WHERE sender = $1 OR name = $2)
                   AND state IN ('sent', 'unknown', 'in_flight') AND first_sent_at >= $3",
                &[&sender, &campaign, &since],
            )?;
            Ok((r.get::<_, i64>(0), r.get::<_, Option<i64>>(1)))
        })?;
        Ok((usize::try_from(count).unwrap_or(usize::MAX), oldest.map(from_millis)))
    }

    fn messaged_since(
        &self,
        sender: &str,
        campaign: &str,
        since: jiff::Timestamp,
    ) -> Result<std::collections::HashSet<String>, JournalError> {
        let (sender, campaign, since) = (sender.to_string(), campaign.to_string(), millis(since));
        self.read(move |s| {
            // A campaign's sender lists its senders apart by spaces (`cloud_api:1 cloud_api:2`).
            let rows = s.client.query(
                "SELECT recipient FROM recipients
                 WHERE campaign IN (SELECT id FROM campaigns WHERE name <> $2
                                        AND strpos(' ' || sender || ' ', ' ' || $1 || ' ') > 0)
                   AND state IN ('sent', 'unknown', 'in_flight') AND updated_at >= $3
                   AND recipient NOT IN (SELECT recipient FROM recipients
                                         WHERE campaign = (SELECT id FROM campaigns WHERE name = $2) AND state = 'sent')",
                &[&sender, &campaign, &since],
            )?;
            Ok(rows.iter().map(|r| r.get(0)).collect())
        })
    }

    fn end_run(&mut self, run: i64, stopped: Option<(&str, &str)>, exit_code: u8) -> Result<(), JournalError> {
        let stopped = stopped.map(|(k, s)| (k.to_string(), s.to_string()));
        let now = crate::results::now();
        self.write(move |s| {
            let (kind, text) = stopped.unzip();
            s.client.execute(
                "UPDATE runs SET finished_at = $2, stopped_kind = $3, stopped = $4, exit_code = $5 WHERE id = $1",
                &[&run, &now, &kind, &text, &i16::from(exit_code)],
            )?;
            Ok(())
        })?;
        self.run = None;
        Ok(())
    }

    fn share_limits(
        &mut self,
        sender: &str,
        cap: Option<usize>,
        rate_per_sec: f64,
        burst: u32,
    ) -> Result<Option<Slots>, JournalError> {
        self.cap = cap.map(|cap| (sender.to_string(), cap));
        let (url, schema, shown) = (self.url.clone(), self.schema, self.shown.clone());
        Slots::start(url, schema, shown, sender.to_string(), rate_per_sec, burst).map(Some)
    }

    fn writer(&self, campaign: &str, keep_bodies: bool) -> Result<super::writer::Writer, JournalError> {
        let (url, schema, shown) = (self.url.clone(), self.schema, self.shown.clone());
        let (campaign, run, cap) = (campaign.to_string(), self.run.as_ref().map(|(id, _)| *id), self.cap.clone());
        let store =
            session::apart(move || writer::Store::new(connect::connect(&url, schema, &shown)?, &campaign, run, cap))?;
        super::writer::Writer::start(store, std::path::Path::new(&self.shown), keep_bodies)
    }

    fn record_each(&mut self, receipts: &[Receipt]) -> Result<Vec<Fate>, JournalError> {
        let receipts = receipts.to_vec();
        self.write(move |s| receipts::record(&mut s.client, &receipts))
    }

    fn sweep_receipts(&mut self, received_before: jiff::Timestamp) -> Result<usize, JournalError> {
        let before = millis(received_before);
        self.write(move |s| receipts::sweep(&mut s.client, before))
    }

    fn funnel(&self, campaign: &str) -> Result<Funnel, JournalError> {
        let campaign = campaign.to_string();
        self.read(move |s| receipts::funnel(&mut s.client, &campaign))
    }

    fn charges(&self, campaign: &str) -> Result<crate::cost::Charges, JournalError> {
        let campaign = campaign.to_string();
        self.read(move |s| receipts::charges(&mut s.client, &campaign))
    }

    fn awaiting(&self, campaign: &str, after: Option<&str>, limit: usize) -> Result<Vec<Awaiting>, JournalError> {
        let (campaign, after) = (campaign.to_string(), after.unwrap_or_default().to_string());
        self.read(move |s| receipts::awaiting(&mut s.client, &campaign, &after, limit))
    }
}

#[cfg(test)]
mod tests;
