//! The run under way, in arrival order. A send appends each claim to `pending` and updates it
//! in place (by its row number) with the outcome, so a batch dirties a handful of pages
//! wherever its recipients sort. Written straight into the keyed `recipients` table, a list in
//! random phone order dirtied a page per recipient, twice: 1M recipients went out at 23k msg/s,
//! against 55k now (a sorted list hid it).
//!
//! Claims of one run need no key: the audience offers each recipient once. The campaign's owner
//! (the process holding its lock) folds the campaign's `pending` rows into `recipients` in key
//! order when the run ends, and when it opens the journal after a crash; other campaigns' rows
//! are theirs to fold. Readers (a `status` during a send) see them through [`snapshot`].

use rusqlite::{Connection, TransactionBehavior};

/// Folds `campaign`'s pending rows into `recipients` (a recipient's first send time is kept)
/// and deletes them from `pending`, in one transaction; returns how many rows it folded. Only
/// the process holding the campaign's lock may call it.
pub fn fold(conn: &mut Connection, campaign: &str) -> rusqlite::Result<usize> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let folded = tx.execute(
        "INSERT INTO recipients (campaign, recipient, csv_line, state, request_hash, body, message_id, http_status,
                                 error_code, error_message, attempts, latency_ms, first_sent_at, updated_at)
         SELECT campaign, recipient, csv_line, state, request_hash, body, message_id, http_status,
                error_code, error_message, attempts, latency_ms, first_sent_at, updated_at
         FROM pending WHERE campaign = (SELECT id FROM campaigns WHERE name = ?1) ORDER BY recipient, seq
         ON CONFLICT (campaign, recipient) DO UPDATE SET
             csv_line = excluded.csv_line, state = excluded.state, request_hash = excluded.request_hash,
             body = excluded.body, message_id = excluded.message_id, http_status = excluded.http_status,
             error_code = excluded.error_code, error_message = excluded.error_message,
             attempts = excluded.attempts, latency_ms = excluded.latency_ms, updated_at = excluded.updated_at",
        [campaign],
    )?;
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
             PRIMARY KEY (campaign, recipient)
         ) WITHOUT ROWID;
         DELETE FROM temp.live;
         INSERT OR REPLACE INTO temp.live
             SELECT campaign, recipient, csv_line, state, request_hash, message_id, http_status, error_code,
                    error_message, attempts, latency_ms, updated_at
             FROM pending ORDER BY campaign, recipient, seq;",
    )?;
    conn.query_row("SELECT EXISTS (SELECT 1 FROM temp.live)", [], |r| r.get(0))
}
