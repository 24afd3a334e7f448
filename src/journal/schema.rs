//! The journal's tables and connection settings: WAL, so readers never block the writer and a
//! killed process leaves committed transactions intact.

use rusqlite::Connection;
use std::path::Path;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS campaigns (
    id          TEXT PRIMARY KEY,
    sections    TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS recipients (
    campaign_id   TEXT NOT NULL,
    recipient     TEXT NOT NULL,
    csv_line      INTEGER,
    state         TEXT NOT NULL CHECK (state IN ('in_flight', 'sent', 'failed', 'unknown')),
    previous_state TEXT,
    request_hash  TEXT NOT NULL,
    body          TEXT,
    message_id    TEXT,
    http_status   INTEGER,
    error_code    TEXT,
    error_message TEXT,
    attempts      INTEGER NOT NULL DEFAULT 0,
    latency_ms    INTEGER,
    first_sent_at TEXT NOT NULL,
    updated_at    TEXT NOT NULL,
    PRIMARY KEY (campaign_id, recipient)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS runs (
    id          INTEGER PRIMARY KEY,
    campaign_id TEXT NOT NULL,
    started_at  TEXT NOT NULL,
    finished_at TEXT,
    mode        TEXT NOT NULL,
    pid         INTEGER NOT NULL,
    stopped_kind TEXT,
    stopped     TEXT,
    exit_code   INTEGER
);
";

/// `synchronous` for the journal: `NORMAL` by default, which in WAL mode keeps every committed
/// transaction through any crash of the process (kill -9, panic, out of memory); `FULL`
/// (`HERALD_JOURNAL_SYNC=full`) also through a power cut or OS crash, at an fsync per commit.
pub fn sync_mode() -> &'static str {
    match std::env::var("HERALD_JOURNAL_SYNC").as_deref() {
        Ok("full" | "FULL") => "FULL",
        _ => "NORMAL",
    }
}

/// Opens the database with herald's settings and makes sure the tables exist.
pub fn open(path: &Path) -> rusqlite::Result<Connection> {
    let conn = Connection::open(path)?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", sync_mode())?;
    // Fewer, larger checkpoints while a run writes, and room to keep the working set cached.
    conn.pragma_update(None, "wal_autocheckpoint", 10_000)?;
    conn.pragma_update(None, "cache_size", -32_000)?;
    conn.execute_batch(SCHEMA)?;
    Ok(conn)
}
