//! The run under way, in arrival order. A send appends each claim to `pending` and updates it
//! in place (by its row number) with the outcome, so a batch dirties a handful of pages
//! wherever its recipients sort. Written straight into the keyed `recipients` table, a list in
//! random phone order dirtied a page per recipient, twice: 1M recipients went out at 23k msg/s,
//! against 55k now (a sorted list hid it).
//!
//! Claims of one run need no key: the audience offers each recipient once. The campaign's owner
//! (the process holding its lock) folds the campaign's rows whose outcome is final into
//! `recipients`: as the run goes, a bounded step at a time ([`fold_step`]) between batches once
//! [`BOUND`] final rows wait, so what is left to fold when the run ends ([`fold`]) stays about
//! that while the steps keep up. A step merges rows in random key order into the keyed rows,
//! which costs more per row than one merge at the end, so steps take at most half the writer's
//! time: a send never waits on them for long. They keep up with a send of 10k msg/s at 10M
//! recipients here (the end then adds 1.4 s), not with the sandbox's 40k msg/s, where the log
//! outgrows them and the end folds the rest (see docs/journal.md).
//! Rows still in flight stay until they have an outcome, or until a crash's are folded when
//! the journal is next opened; other campaigns' rows are theirs to fold. Readers (a `status`
//! during a send) see the log through [`snapshot`].

use rusqlite::{Connection, TransactionBehavior};

/// Final rows waiting in the log past which the writer folds steps as the run goes: what is
/// left for the run's end to fold when the steps keep up. One step's worth: at 200,000, the
/// end of a 10M run folded 200,000 rows into 10M keyed rows, seconds of random page writes.
/// The tests fold past a handful.
#[cfg(not(test))]
pub const BOUND: usize = STEP;
#[cfg(test)]
pub const BOUND: usize = 8;

/// The most rows one step folds: a step holds the journal's write lock, so a batch of claims
/// waits for it at most this long.
pub const STEP: usize = 5_000;

/// Copies the pending rows `rows` selects (`?1`: the campaign's id) into `recipients`, in key
/// order; a recipient's first send time is kept.
fn copy(rows: &str) -> String {
    format!(
        "INSERT INTO recipients (campaign, recipient, csv_line, state, request_hash, body, message_id, http_status,
                                 error_code, error_message, attempts, latency_ms, first_sent_at, updated_at, sender)
         SELECT campaign, recipient, csv_line, state, request_hash, body, message_id, http_status,
                error_code, error_message, attempts, latency_ms, first_sent_at, updated_at, sender
         FROM pending WHERE {rows} ORDER BY recipient, seq
         ON CONFLICT (campaign, recipient) DO UPDATE SET
             csv_line = excluded.csv_line, state = excluded.state, request_hash = excluded.request_hash,
             body = excluded.body, message_id = excluded.message_id, http_status = excluded.http_status,
             error_code = excluded.error_code, error_message = excluded.error_message,
             attempts = excluded.attempts, latency_ms = excluded.latency_ms, updated_at = excluded.updated_at,
             sender = excluded.sender"
    )
}

/// Folds up to [`STEP`] of campaign `id`'s rows whose outcome is final, oldest first, into
/// `recipients` and deletes them from `pending`; returns how many. The caller holds the
/// campaign's lock and runs it in a transaction of its own.
pub fn fold_step(conn: &Connection, id: i64) -> rusqlite::Result<usize> {
    conn.prepare_cached("CREATE TEMP TABLE IF NOT EXISTS folding (seq INTEGER PRIMARY KEY)")?.execute([])?;
    conn.prepare_cached("DELETE FROM temp.folding")?.execute([])?;
    let chosen = conn
        .prepare_cached(
            "INSERT INTO temp.folding SELECT seq FROM pending WHERE campaign = ?1 AND state <> 'in_flight'
             ORDER BY seq LIMIT ?2",
        )?
        .execute(rusqlite::params![id, STEP])?;
    if chosen > 0 {
        conn.prepare_cached(&copy("seq IN temp.folding"))?.execute([])?;
        conn.prepare_cached("DELETE FROM pending WHERE seq IN temp.folding")?.execute([])?;
    }
    Ok(chosen)
}

/// Folds all of `campaign`'s pending rows into `recipients` and deletes them from `pending`,
/// in one transaction; returns how many rows it folded. Only the process holding the
/// campaign's lock may call it.
pub fn fold(conn: &mut Connection, campaign: &str) -> rusqlite::Result<usize> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let folded = tx.execute(&copy("campaign = (SELECT id FROM campaigns WHERE name = ?1)"), [campaign])?;
    if folded > 0 {
        tx.execute("DELETE FROM pending WHERE campaign = (SELECT id FROM campaigns WHERE name = ?1)", [campaign])?;
    }
    tx.commit()?;
    Ok(folded)
}

/// For a reader: copies the pending rows, keyed like `recipients`, into `temp.live`, so lookups
/// see a send under way; returns whether there were any.
pub fn snapshot(conn: &Connection) -> rusqlite::Result<bool> {
    conn.execute_batch(
        "CREATE TEMP TABLE IF NOT EXISTS live (
             campaign INTEGER NOT NULL, recipient TEXT NOT NULL, csv_line INTEGER, state TEXT NOT NULL,
             request_hash BLOB NOT NULL, message_id TEXT, http_status INTEGER, error_code TEXT,
             error_message TEXT, attempts INTEGER NOT NULL, latency_ms INTEGER, updated_at INTEGER NOT NULL,
             sender TEXT, PRIMARY KEY (campaign, recipient)
         ) WITHOUT ROWID;
         DELETE FROM temp.live;
         INSERT OR REPLACE INTO temp.live
             SELECT campaign, recipient, csv_line, state, request_hash, message_id, http_status, error_code,
                    error_message, attempts, latency_ms, updated_at, sender
             FROM pending ORDER BY campaign, recipient, seq;",
    )?;
    conn.query_row("SELECT EXISTS (SELECT 1 FROM temp.live)", [], |r| r.get(0))
}
