//! The SQLite journal's tables and their versions.
//!
//! `recipients` holds one row per campaign and recipient, keyed by both; `pending` holds the
//! claims and outcomes of the run under way in the order they happen, and is folded into
//! `recipients` as the run goes (see [`super::pending`]). Rows are compact: campaigns are
//! referred to by number, request hashes are 32-byte blobs and recipient times are Unix
//! milliseconds. Older journals are migrated in one transaction on first use: version 1 (text
//! ids, hex hashes, text times), version 2 (no `pending`; a `previous_state` column that
//! released claims were restored from), version 3 (no campaign senders), version 4 (no
//! campaign files), version 5 (no receipts), version 6 (no sender of each recipient), version 7
//! (one receipt per message, the last: its kind, time and code) and version 8 (no pricing of
//! the receipts). A reader leaves versions 4 to 8 as they are ([`read_as_is`]), reading them
//! with no receipts (before 8) or no pricing (8).

use rusqlite::{Connection, TransactionBehavior};

/// The schema version this herald writes (`PRAGMA user_version`).
pub const VERSION: i64 = 9;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS campaigns (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    sections    TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    -- Provider and account (`cloud_api:1234`), for `delivery.daily_cap` across campaigns.
    sender      TEXT,
    -- The campaign file relative to its repository, to know it again under another id.
    file        TEXT
);
CREATE TABLE IF NOT EXISTS recipients (
    campaign       INTEGER NOT NULL,
    recipient      TEXT NOT NULL,
    csv_line       INTEGER,
    -- in_flight, sent, failed or unknown. No CHECK constraint: with one, SQLite builds a
    -- temporary table for every claim and every outcome, which cost a fifth of the journal's time.
    state          TEXT NOT NULL,
    request_hash   BLOB NOT NULL,
    body           TEXT,
    message_id     TEXT,
    http_status    INTEGER,
    error_code     TEXT,
    error_message  TEXT,
    attempts       INTEGER NOT NULL DEFAULT 0,
    latency_ms     INTEGER,
    first_sent_at  INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL,
    -- The account it was sent from (`provider.senders`), so a re-run sends from it again.
    sender         TEXT,
    PRIMARY KEY (campaign, recipient)
) WITHOUT ROWID;
-- The same columns in arrival order: appending costs a page per few hundred rows, where a
-- keyed insert in a list's (random) phone order costs a page per row.
CREATE TABLE IF NOT EXISTS pending (
    seq            INTEGER PRIMARY KEY,
    campaign       INTEGER NOT NULL,
    recipient      TEXT NOT NULL,
    csv_line       INTEGER,
    state          TEXT NOT NULL,
    request_hash   BLOB NOT NULL,
    body           TEXT,
    message_id     TEXT,
    http_status    INTEGER,
    error_code     TEXT,
    error_message  TEXT,
    attempts       INTEGER NOT NULL DEFAULT 0,
    latency_ms     INTEGER,
    first_sent_at  INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL,
    sender         TEXT
);
-- Delivery receipts by the provider's message id, whichever campaign sent it; kept apart
-- from the rows, so one arriving before the send's outcome is recorded is kept all the same.
-- Each kind's time as first reported (Unix ms); a failure's first code and words.
CREATE TABLE IF NOT EXISTS receipts (
    message_id      TEXT PRIMARY KEY,
    delivered_at    INTEGER,
    read_at         INTEGER,
    failed_at       INTEGER,
    error_code      TEXT,
    error           TEXT,
    received_at     INTEGER NOT NULL,
    -- When it came matching no recipient; a sweep deletes it if it still matches none.
    unmatched_since INTEGER,
    -- How the provider bills the message (Meta's `pricing`), as first reported: billable
    -- (1 or 0), category (`marketing`, `service`, …) and type (`regular`, `free_…`).
    billable         INTEGER,
    pricing_category TEXT,
    pricing_type     TEXT
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS receipts_unmatched ON receipts (unmatched_since) WHERE unmatched_since IS NOT NULL;
-- Rows by message id: a receipt's recipient, and the receipts joined to the rows.
CREATE INDEX IF NOT EXISTS recipients_message_id ON recipients (message_id) WHERE message_id IS NOT NULL;
CREATE TABLE IF NOT EXISTS runs (
    id           INTEGER PRIMARY KEY,
    campaign     INTEGER NOT NULL,
    started_at   TEXT NOT NULL,
    finished_at  TEXT,
    mode         TEXT NOT NULL,
    pid          INTEGER NOT NULL,
    stopped_kind TEXT,
    stopped      TEXT,
    exit_code    INTEGER
);
";

/// Version 6 to 8 → 9, after the receipts' times: each receipt's pricing.
const PRICING_V8: &str = "
ALTER TABLE receipts ADD COLUMN billable INTEGER;
ALTER TABLE receipts ADD COLUMN pricing_category TEXT;
ALTER TABLE receipts ADD COLUMN pricing_type TEXT;
";

/// Version 6 or 7 → 8, first: each receipt's kind and time become a time per kind.
const RECEIPTS_V7: &str = "
ALTER TABLE receipts ADD COLUMN delivered_at INTEGER;
ALTER TABLE receipts ADD COLUMN read_at INTEGER;
ALTER TABLE receipts ADD COLUMN failed_at INTEGER;
ALTER TABLE receipts ADD COLUMN error TEXT;
ALTER TABLE receipts ADD COLUMN received_at INTEGER NOT NULL DEFAULT 0;
ALTER TABLE receipts ADD COLUMN unmatched_since INTEGER;
UPDATE receipts SET delivered_at = CASE delivery WHEN 'delivered' THEN at END,
                    read_at = CASE delivery WHEN 'read' THEN at END,
                    failed_at = CASE delivery WHEN 'failed' THEN at END,
                    received_at = at;
ALTER TABLE receipts DROP COLUMN delivery;
ALTER TABLE receipts DROP COLUMN at;
";

/// Version 5 or 6 → 8: each recipient's sender (and receipts, the index by message id).
const FROM_V6: &str = "
ALTER TABLE recipients ADD COLUMN sender TEXT;
ALTER TABLE pending ADD COLUMN sender TEXT;
{SCHEMA}
";

/// Version 4 → 8: each campaign's file, receipts, each recipient's sender.
const FROM_V4: &str = "
ALTER TABLE campaigns ADD COLUMN file TEXT;
ALTER TABLE recipients ADD COLUMN sender TEXT;
ALTER TABLE pending ADD COLUMN sender TEXT;
{SCHEMA}
";

/// Version 3 → 8: each campaign's sender and file, receipts, each recipient's sender.
const FROM_V3: &str = "
ALTER TABLE campaigns ADD COLUMN sender TEXT;
ALTER TABLE campaigns ADD COLUMN file TEXT;
ALTER TABLE recipients ADD COLUMN sender TEXT;
ALTER TABLE pending ADD COLUMN sender TEXT;
{SCHEMA}
";

/// Version 1 → 8: the same rows, compact.
const FROM_V1: &str = "
ALTER TABLE campaigns RENAME TO campaigns_v1;
ALTER TABLE recipients RENAME TO recipients_v1;
ALTER TABLE runs RENAME TO runs_v1;
{SCHEMA}
INSERT INTO campaigns (name, sections, created_at, updated_at)
    SELECT id, sections, created_at, updated_at FROM campaigns_v1 ORDER BY created_at;
INSERT INTO recipients
    SELECT c.id, r.recipient, r.csv_line, r.state, coalesce(unhex(r.request_hash), x''), r.body,
           r.message_id, r.http_status, r.error_code, r.error_message, r.attempts, r.latency_ms,
           CAST(round(unixepoch(r.first_sent_at, 'subsec') * 1000) AS INTEGER),
           CAST(round(unixepoch(r.updated_at, 'subsec') * 1000) AS INTEGER), NULL
    FROM recipients_v1 r JOIN campaigns c ON c.name = r.campaign_id;
INSERT INTO runs (id, campaign, started_at, finished_at, mode, pid, stopped_kind, stopped, exit_code)
    SELECT r.id, c.id, r.started_at, r.finished_at, r.mode, r.pid, r.stopped_kind, r.stopped, r.exit_code
    FROM runs_v1 r JOIN campaigns c ON c.name = r.campaign_id;
DROP TABLE recipients_v1;
DROP TABLE runs_v1;
DROP TABLE campaigns_v1;
";

/// Version 2 → 8: `pending`, and no `previous_state` (a released claim now leaves the row
/// untouched; a claim a crash left in flight stays so: the next send settles it); senders and
/// files; receipts; each recipient's sender.
const FROM_V2: &str = "
ALTER TABLE recipients DROP COLUMN previous_state;
ALTER TABLE campaigns ADD COLUMN sender TEXT;
ALTER TABLE campaigns ADD COLUMN file TEXT;
ALTER TABLE recipients ADD COLUMN sender TEXT;
{SCHEMA}
";

/// Whether the journal's campaigns record their file (version 5 on; a reader leaves a
/// version 4 journal as it is).
pub fn has_files(conn: &Connection) -> rusqlite::Result<bool> {
    conn.query_row("SELECT EXISTS (SELECT 1 FROM pragma_table_info('campaigns') WHERE name = 'file')", [], |r| r.get(0))
}

/// Whether the journal keeps the receipts' pricing (version 9 on).
pub fn has_pricing(conn: &Connection) -> rusqlite::Result<bool> {
    conn.query_row("SELECT EXISTS (SELECT 1 FROM pragma_table_info('receipts') WHERE name = 'billable')", [], |r| {
        r.get(0)
    })
}

/// Whether the journal keeps a time per kind of receipt (version 8 on).
pub fn has_receipt_times(conn: &Connection) -> rusqlite::Result<bool> {
    conn.query_row("SELECT EXISTS (SELECT 1 FROM pragma_table_info('receipts') WHERE name = 'delivered_at')", [], |r| {
        r.get(0)
    })
}

/// For a reader of a journal from before this version (4 to 8): views in its own temporary
/// schema, which SQLite searches first, show `recipients` and `pending` with an empty
/// `sender` (before version 7), no `receipts` (before version 8) and receipts with no pricing
/// (version 8), so it reads them as it reads a newer journal and writes nothing to the file.
pub fn read_as_is(conn: &Connection) -> rusqlite::Result<()> {
    let has_senders: bool = conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM pragma_table_info('recipients') WHERE name = 'sender')",
        [],
        |r| r.get(0),
    )?;
    if !has_senders {
        conn.execute_batch(
            "CREATE TEMP VIEW recipients AS SELECT *, NULL AS sender FROM main.recipients;
             CREATE TEMP VIEW pending AS SELECT *, NULL AS sender FROM main.pending;",
        )?;
    }
    if !has_receipt_times(conn)? {
        conn.execute_batch(
            "CREATE TEMP VIEW receipts AS SELECT NULL AS message_id, NULL AS delivered_at, NULL AS read_at,
                 NULL AS failed_at, NULL AS error_code, NULL AS error, NULL AS received_at, NULL AS unmatched_since,
                 NULL AS billable, NULL AS pricing_category, NULL AS pricing_type
             WHERE 0;",
        )?;
    } else if !has_pricing(conn)? {
        conn.execute_batch(
            "CREATE TEMP VIEW receipts AS SELECT *, NULL AS billable, NULL AS pricing_category, NULL AS pricing_type
             FROM main.receipts;",
        )?;
    }
    Ok(())
}

pub(super) fn has_campaigns(conn: &Connection) -> rusqlite::Result<bool> {
    conn.query_row("SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'campaigns')", [], |r| {
        r.get(0)
    })
}

pub(super) fn migrate(conn: &mut Connection) -> rusqlite::Result<()> {
    let version: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    if version == VERSION {
        return Ok(());
    }
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    // Another process may have migrated while this one waited for the lock.
    let version: i64 = tx.pragma_query_value(None, "user_version", |r| r.get(0))?;
    if version != VERSION {
        let v1: bool = tx.query_row(
            "SELECT EXISTS (SELECT 1 FROM pragma_table_info('recipients') WHERE name = 'campaign_id')",
            [],
            |r| r.get(0),
        )?;
        let receipts = match version {
            6 | 7 => format!("{RECEIPTS_V7}{PRICING_V8}"),
            8 => PRICING_V8.to_string(),
            _ => String::new(),
        };
        let steps = match version {
            7 | 8 => "{SCHEMA}",
            5 | 6 => FROM_V6,
            4 => FROM_V4,
            3 => FROM_V3,
            2 => FROM_V2,
            _ if v1 => FROM_V1,
            _ => "{SCHEMA}",
        };
        tx.execute_batch(&receipts)?;
        tx.execute_batch(&steps.replace("{SCHEMA}", SCHEMA))?;
        tx.pragma_update(None, "user_version", VERSION)?;
    }
    tx.commit()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::journal::sqlite::connect::open;

    /// The tables as herald 0.1 (schema version 1) wrote them.
    const V1: &str = "
        CREATE TABLE campaigns (id TEXT PRIMARY KEY, sections TEXT NOT NULL, created_at TEXT NOT NULL, updated_at TEXT NOT NULL);
        CREATE TABLE recipients (campaign_id TEXT NOT NULL, recipient TEXT NOT NULL, csv_line INTEGER,
            state TEXT NOT NULL CHECK (state IN ('in_flight', 'sent', 'failed', 'unknown')), previous_state TEXT,
            request_hash TEXT NOT NULL, body TEXT, message_id TEXT, http_status INTEGER, error_code TEXT,
            error_message TEXT, attempts INTEGER NOT NULL DEFAULT 0, latency_ms INTEGER, first_sent_at TEXT NOT NULL,
            updated_at TEXT NOT NULL, PRIMARY KEY (campaign_id, recipient)) WITHOUT ROWID;
        CREATE TABLE runs (id INTEGER PRIMARY KEY, campaign_id TEXT NOT NULL, started_at TEXT NOT NULL, finished_at TEXT,
            mode TEXT NOT NULL, pid INTEGER NOT NULL, stopped_kind TEXT, stopped TEXT, exit_code INTEGER);
        INSERT INTO campaigns VALUES ('spring', '{\"message\":\"m\"}', '2026-11-20T10:00:00.000Z', '2026-11-20T10:00:00.000Z');
        INSERT INTO recipients VALUES ('spring', '+254712345678', 2, 'sent', NULL,
            'ab01ab01ab01ab01ab01ab01ab01ab01ab01ab01ab01ab01ab01ab01ab01ab01', NULL, 'wamid.1', 200, NULL, NULL, 1, 120,
            '2026-11-20T10:00:01.250Z', '2026-11-20T10:00:01.370Z');
        INSERT INTO runs VALUES (7, 'spring', '2026-11-20T10:00:00.000Z', '2026-11-20T10:00:02.000Z', 'send', 1, NULL, NULL, 0);
    ";

    #[test]
    fn a_version_1_journal_is_migrated_without_losing_a_row() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("journal.db");
        Connection::open(&path).unwrap().execute_batch(V1).unwrap();
        let conn = open(&path).unwrap();
        let (hash, first, updated): (Vec<u8>, i64, i64) = conn
            .query_row(
                "SELECT r.request_hash, r.first_sent_at, r.updated_at FROM recipients r JOIN campaigns c ON c.id = r.campaign
                 WHERE c.name = 'spring' AND recipient = '+254712345678'",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .unwrap();
        assert_eq!(hash, [0xab, 0x01].repeat(16));
        let at = |ms| jiff::Timestamp::from_millisecond(ms).unwrap().to_string();
        assert_eq!((at(first), at(updated)), ("2026-11-20T10:00:01.25Z".into(), "2026-11-20T10:00:01.37Z".into()));
        let run: (i64, String) =
            conn.query_row("SELECT id, mode FROM runs", [], |r| Ok((r.get(0)?, r.get(1)?))).unwrap();
        assert_eq!(run, (7, "send".into()));
        drop(conn);
        open(&path).unwrap();
    }

    #[test]
    fn a_version_2_journal_gains_the_log_and_keeps_its_rows() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("journal.db");
        Connection::open(&path)
            .unwrap()
            .execute_batch(
                "CREATE TABLE campaigns (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, sections TEXT NOT NULL,
                     created_at TEXT NOT NULL, updated_at TEXT NOT NULL);
                 CREATE TABLE recipients (campaign INTEGER NOT NULL, recipient TEXT NOT NULL, csv_line INTEGER,
                     state TEXT NOT NULL, previous_state TEXT, request_hash BLOB NOT NULL, body TEXT, message_id TEXT,
                     http_status INTEGER, error_code TEXT, error_message TEXT, attempts INTEGER NOT NULL DEFAULT 0,
                     latency_ms INTEGER, first_sent_at INTEGER NOT NULL, updated_at INTEGER NOT NULL,
                     PRIMARY KEY (campaign, recipient)) WITHOUT ROWID;
                 CREATE TABLE runs (id INTEGER PRIMARY KEY, campaign INTEGER NOT NULL, started_at TEXT NOT NULL,
                     finished_at TEXT, mode TEXT NOT NULL, pid INTEGER NOT NULL, stopped_kind TEXT, stopped TEXT,
                     exit_code INTEGER);
                 INSERT INTO campaigns VALUES (1, 'spring', '{}', '2026-11-20T10:00:00.000Z', '2026-11-20T10:00:00.000Z');
                 INSERT INTO recipients VALUES (1, '+254712345678', 2, 'in_flight', 'failed', x'ab', NULL, NULL, 400,
                     '131026', 'not on WhatsApp', 1, 80, 1763632801250, 1763632801370);
                 PRAGMA user_version = 2;",
            )
            .unwrap();
        let conn = open(&path).unwrap();
        let (state, code): (String, String) = conn
            .query_row("SELECT state, error_code FROM recipients WHERE recipient = '+254712345678'", [], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .unwrap();
        assert_eq!((state.as_str(), code.as_str()), ("in_flight", "131026"), "a crashed retry is settled later");
        let log: i64 = conn.query_row("SELECT COUNT(*) FROM pending", [], |r| r.get(0)).unwrap();
        assert_eq!(log, 0);
        let version: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0)).unwrap();
        assert_eq!(version, VERSION);
    }

    /// The campaigns table as version `version` (3 or 4) had it.
    fn older_campaigns(version: i64) -> String {
        let file = ",\n    -- The campaign file relative to its repository, to know it again under another id.\n    file        TEXT";
        let sender = ",\n    -- Provider and account (`cloud_api:1234`), for `delivery.daily_cap` across campaigns.\n    sender      TEXT";
        let v4 = v5().replace(file, "");
        assert!(!v4.contains("file "), "the version 4 tables");
        if version == 4 { v4 } else { v4.replace(sender, "") }
    }

    #[test]
    fn version_3_and_4_journals_gain_senders_and_files_and_keep_their_rows() {
        for version in [3, 4] {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("journal.db");
            let tables = older_campaigns(version);
            assert_eq!(tables.contains("sender"), version == 4);
            let conn = Connection::open(&path).unwrap();
            conn.execute_batch(&tables).unwrap();
            conn.execute_batch(
                "INSERT INTO campaigns (name, sections, created_at, updated_at) VALUES ('spring', '{}', 'a', 'b')",
            )
            .unwrap();
            conn.pragma_update(None, "user_version", version).unwrap();
            drop(conn);
            let conn = open(&path).unwrap();
            let row: (String, Option<String>, Option<String>) = conn
                .query_row("SELECT name, sender, file FROM campaigns", [], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
                .unwrap();
            assert_eq!(row, ("spring".into(), None, None));
            let now: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0)).unwrap();
            assert_eq!(now, VERSION);
        }
    }

    #[test]
    fn a_version_5_journal_is_read_as_it_is_and_gains_receipts_when_a_sender_opens_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("journal.db");
        let conn = Connection::open(&path).unwrap();
        conn.execute_batch(&v5()).unwrap();
        conn.pragma_update(None, "user_version", 5).unwrap();
        drop(conn);
        let version = |c: &Connection| c.pragma_query_value(None, "user_version", |r| r.get::<_, i64>(0)).unwrap();
        let receipts = |c: &Connection| {
            c.query_row("SELECT EXISTS (SELECT 1 FROM main.sqlite_master WHERE name = 'receipts')", [], |r| r.get(0))
                .unwrap()
        };
        let read = crate::journal::sqlite::connect::open_read(&path).unwrap();
        assert_eq!((version(&read), receipts(&read)), (5, false), "a reader never migrates");
        drop(read);
        let sent = open(&path).unwrap();
        assert_eq!((version(&sent), receipts(&sent), has_receipt_times(&sent).unwrap()), (VERSION, true, true));
    }

    /// The tables as version 7 had them: one receipt per message, no index by message id.
    fn v7() -> String {
        let receipts =
            SCHEMA.find("-- Delivery receipts").unwrap()..SCHEMA.find("CREATE TABLE IF NOT EXISTS runs").unwrap();
        let old = "CREATE TABLE IF NOT EXISTS receipts (
            message_id  TEXT PRIMARY KEY, delivery TEXT NOT NULL, at INTEGER NOT NULL, error_code TEXT
        ) WITHOUT ROWID;\n";
        format!("{}-- Delivery receipts\n{old}{}", &SCHEMA[..receipts.start], &SCHEMA[receipts.end..])
    }

    /// The tables as version 5 had them: no receipts.
    fn v5() -> String {
        let v6 = v6();
        let receipts = v6.find("-- Delivery receipts").unwrap()..v6.find("CREATE TABLE IF NOT EXISTS runs").unwrap();
        format!("{}{}", &v6[..receipts.start], &v6[receipts.end..])
    }

    /// The tables as version 6 had them: no sender of each recipient.
    fn v6() -> String {
        let recipients = "    -- The account it was sent from (`provider.senders`), so a re-run sends from it again.\n    sender         TEXT,\n";
        let v6 = v7().replace(recipients, "").replace(",\n    sender         TEXT\n);", "\n);");
        assert_eq!(v6.matches("sender").count(), 1, "only the campaigns' sender is left: {v6}");
        v6
    }

    #[test]
    fn a_version_7_journal_is_read_with_no_receipts_and_a_sender_keeps_them_a_time_per_kind() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("journal.db");
        let conn = Connection::open(&path).unwrap();
        conn.execute_batch(&v7()).unwrap();
        conn.execute_batch(
            "INSERT INTO campaigns (id, name, sections, created_at, updated_at) VALUES (1, 'spring', '{}', 'a', 'b');
             INSERT INTO recipients (campaign, recipient, state, request_hash, attempts, first_sent_at, updated_at, message_id)
                 VALUES (1, '+254712345678', 'sent', x'ab', 1, 1, 2, 'wamid.1'), (1, '+254712345679', 'sent', x'ab', 1, 1, 2, 'wamid.2');
             INSERT INTO receipts VALUES ('wamid.1', 'read', 30, NULL), ('wamid.2', 'failed', 40, '131026');",
        )
        .unwrap();
        conn.pragma_update(None, "user_version", 7).unwrap();
        drop(conn);
        let version = |c: &Connection| c.pragma_query_value(None, "user_version", |r| r.get::<_, i64>(0)).unwrap();
        let times = |c: &Connection| -> Vec<(Option<i64>, Option<i64>, Option<String>)> {
            let sql = "SELECT k.read_at, k.failed_at, k.error_code FROM recipients r
                       LEFT JOIN receipts k ON k.message_id = r.message_id ORDER BY r.recipient";
            let mut stmt = c.prepare(sql).unwrap();
            stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?))).unwrap().map(Result::unwrap).collect()
        };
        let read = crate::journal::sqlite::connect::open_read(&path).unwrap();
        assert_eq!(version(&read), 7, "a reader never migrates");
        assert_eq!(times(&read), [(None, None, None), (None, None, None)], "read with no receipts");
        drop(read);
        let sent = open(&path).unwrap();
        assert_eq!(version(&sent), VERSION);
        assert_eq!(times(&sent), [(Some(30), None, None), (None, Some(40), Some("131026".into()))]);
        let indexed: String = sent
            .query_row("EXPLAIN QUERY PLAN SELECT 1 FROM recipients WHERE message_id = 'wamid.1'", [], |r| r.get(3))
            .unwrap();
        assert!(indexed.contains("recipients_message_id"), "{indexed}");
    }

    #[test]
    fn a_version_6_journal_is_read_as_it_is_and_gains_each_recipients_sender_when_a_sender_opens_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("journal.db");
        let conn = Connection::open(&path).unwrap();
        conn.execute_batch(&v6()).unwrap();
        conn.execute_batch(
            "INSERT INTO campaigns (id, name, sections, created_at, updated_at) VALUES (1, 'spring', '{}', 'a', 'b');
             INSERT INTO recipients (campaign, recipient, state, request_hash, attempts, first_sent_at, updated_at)
                 VALUES (1, '+254712345678', 'sent', x'ab', 1, 1, 2);
             INSERT INTO pending (campaign, recipient, state, request_hash, attempts, first_sent_at, updated_at)
                 VALUES (1, '+254712345679', 'in_flight', x'ab', 0, 1, 2);",
        )
        .unwrap();
        conn.pragma_update(None, "user_version", 6).unwrap();
        drop(conn);
        let version = |c: &Connection| c.pragma_query_value(None, "user_version", |r| r.get::<_, i64>(0)).unwrap();
        let sender = |c: &Connection, table: &str| -> Option<String> {
            c.query_row(&format!("SELECT sender FROM {table}"), [], |r| r.get(0)).unwrap()
        };
        let read = crate::journal::sqlite::connect::open_read(&path).unwrap();
        assert_eq!(version(&read), 6, "a reader never migrates");
        assert_eq!((sender(&read, "recipients"), sender(&read, "pending")), (None, None), "read with no sender");
        drop(read);
        let sent = open(&path).unwrap();
        assert_eq!(version(&sent), VERSION);
        sent.execute_batch("UPDATE recipients SET sender = '1234'; UPDATE pending SET sender = '5678'").unwrap();
        assert_eq!(sender(&sent, "recipients").as_deref(), Some("1234"));
        assert_eq!(sender(&sent, "pending").as_deref(), Some("5678"));
    }

    /// The tables as version 8 had them: receipts with no pricing.
    fn v8() -> String {
        let pricing = SCHEMA.find("unmatched_since INTEGER,").unwrap()
            ..SCHEMA.find(") WITHOUT ROWID;\nCREATE INDEX IF NOT EXISTS receipts_unmatched").unwrap();
        format!("{}unmatched_since INTEGER\n{}", &SCHEMA[..pricing.start], &SCHEMA[pricing.end..])
    }

    #[test]
    fn a_version_8_journal_is_read_with_no_pricing_and_a_sender_keeps_its_receipts_and_their_pricing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("journal.db");
        let conn = Connection::open(&path).unwrap();
        conn.execute_batch(&v8()).unwrap();
        assert!(!has_pricing(&conn).unwrap(), "the version 8 tables");
        conn.execute_batch(
            "INSERT INTO campaigns (id, name, sections, created_at, updated_at) VALUES (1, 'spring', '{}', 'a', 'b');
             INSERT INTO recipients (campaign, recipient, state, request_hash, attempts, first_sent_at, updated_at, message_id)
                 VALUES (1, '+254712345678', 'sent', x'ab', 1, 1, 2, 'wamid.1');
             INSERT INTO receipts (message_id, delivered_at, received_at) VALUES ('wamid.1', 30, 31);",
        )
        .unwrap();
        conn.pragma_update(None, "user_version", 8).unwrap();
        drop(conn);
        let version = |c: &Connection| c.pragma_query_value(None, "user_version", |r| r.get::<_, i64>(0)).unwrap();
        let row = |c: &Connection| -> (Option<i64>, Option<i64>, Option<String>) {
            c.query_row(
                "SELECT k.delivered_at, k.billable, k.pricing_category FROM recipients r
                 LEFT JOIN receipts k ON k.message_id = r.message_id",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .unwrap()
        };
        let read = crate::journal::sqlite::connect::open_read(&path).unwrap();
        assert_eq!(version(&read), 8, "a reader never migrates");
        assert_eq!(row(&read), (Some(30), None, None), "its receipts, with no pricing");
        drop(read);
        let sent = open(&path).unwrap();
        assert_eq!(version(&sent), VERSION);
        assert_eq!(row(&sent), (Some(30), None, None));
        sent.execute_batch("UPDATE receipts SET billable = 1, pricing_category = 'marketing'").unwrap();
        assert_eq!(row(&sent), (Some(30), Some(1), Some("marketing".into())));
    }

    #[test]
    fn a_journal_from_a_newer_herald_is_refused_untouched() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("journal.db");
        Connection::open(&path).unwrap().pragma_update(None, "user_version", VERSION + 1).unwrap();
        let refused = open(&path).err().unwrap().to_string();
        assert!(refused.contains("newer herald"), "{refused}");
        let version: i64 =
            Connection::open(&path).unwrap().pragma_query_value(None, "user_version", |r| r.get(0)).unwrap();
        assert_eq!(version, VERSION + 1);
    }
}
