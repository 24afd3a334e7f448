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
);
CREATE TABLE IF NOT EXISTS runs (
    id          INTEGER PRIMARY KEY,
    campaign_id TEXT NOT NULL,
    started_at  TEXT NOT NULL,
    finished_at TEXT,
    mode        TEXT NOT NULL,
    pid         INTEGER NOT NULL,
    stopped     TEXT,
    exit_code   INTEGER
);
";

/// Opens the database with herald's settings and makes sure the tables exist.
pub fn open(path: &Path) -> rusqlite::Result<Connection> {
    let conn = Connection::open(path)?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    // FULL: a committed in_flight mark survives even a power cut, so nobody is sent twice.
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.execute_batch(SCHEMA)?;
    Ok(conn)
}
