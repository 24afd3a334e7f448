//! The SQLite journal: one file (WAL), a lock file per campaign so one process sends it, and
//! the run under way kept in arrival order and folded into the keyed rows as it goes and when
//! it ends (see [`pending`]).

mod connect;
mod lock;
mod pending;
mod receipts;
mod schema;
pub(super) mod writer;

use super::receipt::{Awaiting, Fate, Receipt};
use super::{Backend, Hash, JournalError, Known, Row, RunRow, Sections, State, Totals, from_millis, millis, row};
use crate::receipts::Funnel;
use rusqlite::{Connection, OptionalExtension, params};
use std::path::{Path, PathBuf};
use std::sync::LazyLock;

/// An open SQLite journal: locked for one campaign when this process sends it, unlocked when it only
/// reads.
pub struct Sqlite {
    conn: Connection,
    path: PathBuf,
    lock: Option<(String, lock::Lock)>,
    /// A reader's copy of a send under way (see [`pending::snapshot`]) has rows.
    live: bool,
}

impl std::fmt::Debug for Sqlite {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sqlite").field("path", &self.path).finish_non_exhaustive()
    }
}

/// The columns of a row, as stored (see [`row::columns`]).
pub(super) static ROW_COLUMNS: LazyLock<String> =
    LazyLock::new(|| row::columns("state", "error_code", "error_message"));

impl Sqlite {
    /// Opens (creating if needed) the journal and locks `campaign` in it. Fails with
    /// [`JournalError::Busy`] when another herald is sending that campaign; other campaigns in
    /// the same journal are free to send.
    pub fn open(path: &Path, campaign: &str) -> Result<Sqlite, JournalError> {
        make_dir(path)?;
        let lock = lock::Lock::acquire(path, campaign)?;
        let mut conn = connect::open(path)?;
        // A run that crashed left its claims and outcomes pending.
        pending::fold(&mut conn, campaign).map_err(JournalError::write)?;
        Ok(Sqlite { conn, path: path.to_path_buf(), lock: Some((campaign.to_string(), lock)), live: false })
    }

    /// Opens (creating if needed) the journal to write what belongs to no campaign's run
    /// (delivery receipts), locking no campaign.
    pub fn open_unlocked(path: &Path) -> Result<Sqlite, JournalError> {
        make_dir(path)?;
        Ok(Sqlite { conn: connect::open(path)?, path: path.to_path_buf(), lock: None, live: false })
    }

    /// Opens an existing journal to read it, without the lock (a send may be running: what it
    /// has recorded so far is read too); `Ok(None)` when there is no journal yet.
    pub fn open_read(path: &Path) -> Result<Option<Sqlite>, JournalError> {
        if !path.exists() {
            return Ok(None);
        }
        let conn = connect::open_read(path)?;
        let live = pending::snapshot(&conn).map_err(JournalError::read)?;
        Ok(Some(Sqlite { conn, path: path.to_path_buf(), lock: None, live }))
    }

    /// Whether another process is sending `campaign` with this journal right now.
    pub fn busy(&self, campaign: &str) -> bool {
        !self.owns(campaign) && lock::Lock::acquire(&self.path, campaign).is_err()
    }

    /// Whether this process holds `campaign`'s lock.
    fn owns(&self, campaign: &str) -> bool {
        self.lock.as_ref().is_some_and(|(c, _)| c == campaign)
    }
}

impl Backend for Sqlite {
    fn senders(&self, campaign: &str) -> Result<usize, JournalError> {
        Ok(usize::from(self.busy(campaign)))
    }

    fn runs(&self, campaign: &str) -> Result<Vec<RunRow>, JournalError> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT started_at, finished_at, mode, stopped_kind, stopped, exit_code
                 FROM runs WHERE campaign = (SELECT id FROM campaigns WHERE name = ?1) ORDER BY id",
            )
            .map_err(JournalError::read)?;
        stmt.query_map(params![campaign], |r| {
            let kind: Option<String> = r.get(3)?;
            let text: Option<String> = r.get(4)?;
            Ok(RunRow {
                started_at: r.get(0)?,
                finished_at: r.get(1)?,
                mode: r.get(2)?,
                stopped: kind.zip(text),
                exit_code: r.get(5)?,
            })
        })
        .and_then(Iterator::collect)
        .map_err(JournalError::read)
    }

    fn sections(&self, campaign: &str) -> Result<Option<Sections>, JournalError> {
        let sections: Option<String> = self
            .conn
            .query_row("SELECT sections FROM campaigns WHERE name = ?1", params![campaign], |r| r.get(0))
            .optional()
            .map_err(JournalError::read)?;
        Ok(sections.and_then(|s| serde_json::from_str(&s).ok()))
    }

    fn campaigns(&self) -> Result<Vec<Known>, JournalError> {
        let file = if schema::has_files(&self.conn).map_err(JournalError::read)? { "file" } else { "NULL AS file" };
        let sql = format!("SELECT name, {file}, sections FROM campaigns ORDER BY id");
        let mut stmt = self.conn.prepare(&sql).map_err(JournalError::read)?;
        stmt.query_map([], |r| {
            let sections: String = r.get(2)?;
            Ok(Known {
                name: r.get(0)?,
                file: r.get(1)?,
                sections: serde_json::from_str(&sections).unwrap_or_default(),
            })
        })
        .and_then(Iterator::collect)
        .map_err(JournalError::read)
    }

    fn totals(&self, campaign: &str) -> Result<Totals, JournalError> {
        let mut totals = Totals::default();
        // A pending row counts in its state, and takes its recipient's row out of the old one.
        let mut stmt = self
            .conn
            .prepare(
                "WITH c (id) AS (SELECT id FROM campaigns WHERE name = ?1)
                 SELECT state, SUM(n), SUM(interrupted), MIN(first_sent_at), MAX(updated_at) FROM (
                     SELECT state, 1 AS n, error_code IS 'interrupted' AS interrupted, first_sent_at, updated_at
                     FROM recipients WHERE campaign = (SELECT id FROM c)
                     UNION ALL
                     SELECT state, 1, error_code IS 'interrupted', first_sent_at, updated_at
                     FROM pending WHERE campaign = (SELECT id FROM c)
                     UNION ALL
                     SELECT r.state, -1, -(r.error_code IS 'interrupted'), NULL, NULL
                     FROM pending p JOIN recipients r ON r.campaign = p.campaign AND r.recipient = p.recipient
                     WHERE p.campaign = (SELECT id FROM c)
                 ) GROUP BY state HAVING SUM(n) > 0",
            )
            .map_err(JournalError::read)?;
        let rows = stmt
            .query_map(params![campaign], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, usize>(1)?, r.get::<_, usize>(2)?, r.get(3)?, r.get(4)?))
            })
            .map_err(JournalError::read)?;
        let (mut first, mut last): (Option<i64>, Option<i64>) = (None, None);
        for row in rows {
            let (state, n, interrupted, f, l): (String, usize, usize, i64, i64) = row.map_err(JournalError::read)?;
            totals.states.insert(State::parse(&state), n);
            totals.interrupted += interrupted;
            first = Some(first.map_or(f, |x| x.min(f)));
            last = Some(last.map_or(l, |x| x.max(l)));
        }
        totals.first_sent_at = first.map(|ms| crate::results::timestamp(from_millis(ms)));
        totals.last_at = last.map(|ms| crate::results::timestamp(from_millis(ms)));
        Ok(totals)
    }

    fn row(&self, campaign: &str, recipient: &str) -> Result<Option<Row>, JournalError> {
        lookup(&self.conn, campaign, recipient, self.live).map_err(JournalError::read)
    }

    fn settle_crashed(&mut self, campaign: &str) -> Result<usize, JournalError> {
        let now = millis(jiff::Timestamp::now());
        self.conn
            .execute(
                "UPDATE recipients SET state = 'unknown', error_code = 'interrupted',
                        error_message = 'herald stopped while this request was in flight; the provider may or may not have it',
                        updated_at = ?2
                 WHERE campaign = (SELECT id FROM campaigns WHERE name = ?1) AND state = 'in_flight'",
                params![campaign, now],
            )
            .map_err(JournalError::write)
    }

    fn rebaseline(&mut self, campaign: &str, hashes: &[(String, Hash)]) -> Result<(), JournalError> {
        let tx = self.conn.transaction().map_err(JournalError::write)?;
        {
            let mut stmt = tx
                .prepare(
                    "UPDATE recipients SET request_hash = ?3
                     WHERE campaign = (SELECT id FROM campaigns WHERE name = ?1) AND recipient = ?2",
                )
                .map_err(JournalError::write)?;
            for (recipient, hash) in hashes {
                stmt.execute(params![campaign, recipient, &hash[..]]).map_err(JournalError::write)?;
            }
        }
        tx.commit().map_err(JournalError::write)
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
        let tx = self.conn.transaction().map_err(JournalError::write)?;
        tx.execute(
            "INSERT INTO campaigns (name, sections, created_at, updated_at, sender, file) VALUES (?1, ?2, ?3, ?3, ?4, ?5)
             ON CONFLICT(name) DO UPDATE SET sections = excluded.sections, updated_at = excluded.updated_at,
                                             sender = excluded.sender, file = excluded.file",
            params![campaign, sections, now, sender, file],
        )
        .map_err(JournalError::write)?;
        tx.execute(
            "INSERT INTO runs (campaign, started_at, mode, pid)
             VALUES ((SELECT id FROM campaigns WHERE name = ?1), ?2, ?3, ?4)",
            params![campaign, now, mode, std::process::id()],
        )
        .map_err(JournalError::write)?;
        let id = tx.last_insert_rowid();
        tx.commit().map_err(JournalError::write)?;
        Ok(id)
    }

    fn sent_since(
        &self,
        sender: &str,
        campaign: &str,
        since: jiff::Timestamp,
    ) -> Result<(usize, Option<jiff::Timestamp>), JournalError> {
        let sql = "WITH c AS (SELECT id FROM campaigns WHERE sender = ?1 OR name = ?2),
                   sent AS (
                       SELECT first_sent_at AS at FROM recipients
                       WHERE campaign IN (SELECT id FROM c) AND state IN ('sent', 'unknown', 'in_flight') AND first_sent_at >= ?3
                       UNION ALL
                       SELECT first_sent_at FROM pending
                       WHERE campaign IN (SELECT id FROM c) AND state IN ('sent', 'unknown', 'in_flight') AND first_sent_at >= ?3
                   )
                   SELECT COUNT(*), MIN(at) FROM sent";
        let (count, oldest): (usize, Option<i64>) = self
            .conn
            .query_row(sql, params![sender, campaign, millis(since)], |r| Ok((r.get(0)?, r.get(1)?)))
            .map_err(JournalError::read)?;
        Ok((count, oldest.map(from_millis)))
    }

    fn messaged_since(
        &self,
        sender: &str,
        campaign: &str,
        since: jiff::Timestamp,
    ) -> Result<std::collections::HashSet<String>, JournalError> {
        // A campaign's sender lists its senders apart by spaces (`cloud_api:1 cloud_api:2`).
        let query = |table| {
            format!(
                "SELECT recipient FROM {table}
                 WHERE campaign IN (SELECT id FROM campaigns WHERE name <> ?2
                                        AND instr(' ' || sender || ' ', ' ' || ?1 || ' ') > 0)
                   AND state IN ('sent', 'unknown', 'in_flight') AND updated_at >= ?3
                   AND recipient NOT IN (SELECT recipient FROM recipients
                                         WHERE campaign = (SELECT id FROM campaigns WHERE name = ?2) AND state = 'sent')"
            )
        };
        let mut found = std::collections::HashSet::new();
        for table in ["recipients", "pending"] {
            let mut stmt = self.conn.prepare(&query(table)).map_err(JournalError::read)?;
            let rows = stmt
                .query_map(params![sender, campaign, millis(since)], |r| r.get::<_, String>(0))
                .map_err(JournalError::read)?;
            for r in rows {
                found.insert(r.map_err(JournalError::read)?);
            }
        }
        Ok(found)
    }

    fn end_run(&mut self, run: i64, stopped: Option<(&str, &str)>, exit_code: u8) -> Result<(), JournalError> {
        self.conn
            .execute(
                "UPDATE runs SET finished_at = ?2, stopped_kind = ?3, stopped = ?4, exit_code = ?5 WHERE id = ?1",
                params![run, crate::results::now(), stopped.map(|s| s.0), stopped.map(|s| s.1), exit_code],
            )
            .map(|_| ())
            .map_err(JournalError::write)
    }

    fn writer(&self, campaign: &str, keep_bodies: bool) -> Result<super::writer::Writer, JournalError> {
        let store = writer::Thread::open(&self.path, campaign.to_string(), self.owns(campaign))?;
        super::writer::Writer::start(store, &self.path, keep_bodies)
    }

    fn record_each(&mut self, receipts: &[Receipt]) -> Result<Vec<Fate>, JournalError> {
        receipts::record(&mut self.conn, receipts).map_err(JournalError::write)
    }

    fn sweep_receipts(&mut self, received_before: jiff::Timestamp) -> Result<usize, JournalError> {
        receipts::sweep(&mut self.conn, millis(received_before)).map_err(JournalError::write)
    }

    fn funnel(&self, campaign: &str) -> Result<Funnel, JournalError> {
        receipts::funnel(&self.conn, campaign, self.live).map_err(JournalError::read)
    }

    fn charges(&self, campaign: &str) -> Result<crate::cost::Charges, JournalError> {
        receipts::charges(&self.conn, campaign, self.live).map_err(JournalError::read)
    }

    fn awaiting(&self, campaign: &str, after: Option<&str>, limit: usize) -> Result<Vec<Awaiting>, JournalError> {
        receipts::awaiting(&self.conn, campaign, after, limit, self.live).map_err(JournalError::read)
    }
}

/// Makes the folder of the journal at `path`.
fn make_dir(path: &Path) -> Result<(), JournalError> {
    match path.parent().filter(|d| !d.as_os_str().is_empty()) {
        Some(dir) => std::fs::create_dir_all(dir).map_err(|source| JournalError::File {
            what: "create",
            path: dir.to_path_buf(),
            source,
        }),
        None => Ok(()),
    }
}

/// One recipient's row, with cached statements; with `live`, a reader's copy of the send under
/// way comes first.
pub(super) fn lookup(conn: &Connection, campaign: &str, recipient: &str, live: bool) -> rusqlite::Result<Option<Row>> {
    let tables: &[&str] = if live { &["temp.live", "recipients"] } else { &["recipients"] };
    for table in tables {
        let name = table.trim_start_matches("temp.");
        let sql = format!(
            "SELECT {} FROM {}
             WHERE campaign = (SELECT id FROM campaigns WHERE name = ?1) AND recipient = ?2",
            *ROW_COLUMNS,
            row::from(table, name)
        );
        let row = conn.prepare_cached(&sql)?.query_row(params![campaign, recipient], |r| row::decode(r)).optional()?;
        if row.is_some() {
            return Ok(row);
        }
    }
    Ok(None)
}

#[cfg(test)]
mod tests;
