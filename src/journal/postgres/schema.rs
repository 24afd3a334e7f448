//! The PostgreSQL journal's tables and their migrations. Migrations are numbered and applied
//! once, in one transaction each, under an advisory lock so runners starting together do not
//! race; only a sender migrates, a reader reads an older schema as it is.

use crate::journal::JournalError;
use postgres::Client;

/// The migrations, in order; the journal records the last one applied.
const MIGRATIONS: &[&str] = &[
    // 1: campaigns, runs with their lease, and one row per campaign and recipient.
    "CREATE TABLE campaigns (
         id          BIGSERIAL PRIMARY KEY,
         name        TEXT NOT NULL UNIQUE,
         sections    TEXT NOT NULL,
         created_at  TEXT NOT NULL,
         updated_at  TEXT NOT NULL,
         sender      TEXT
     );
     CREATE TABLE runs (
         id           BIGSERIAL PRIMARY KEY,
         campaign     BIGINT NOT NULL REFERENCES campaigns (id),
         started_at   TEXT NOT NULL,
         finished_at  TEXT,
         mode         TEXT NOT NULL,
         pid          BIGINT NOT NULL,
         host         TEXT NOT NULL,
         -- A runner renews it while it runs; past it, the runner is taken for dead.
         lease_until  TIMESTAMPTZ NOT NULL,
         stopped_kind TEXT,
         stopped      TEXT,
         exit_code    SMALLINT
     );
     CREATE TABLE recipients (
         campaign       BIGINT NOT NULL REFERENCES campaigns (id),
         recipient      TEXT NOT NULL,
         csv_line       BIGINT,
         state          TEXT NOT NULL CHECK (state IN ('in_flight', 'sent', 'failed', 'unknown')),
         request_hash   BYTEA NOT NULL,
         body           TEXT,
         message_id     TEXT,
         http_status    INTEGER,
         error_code     TEXT,
         error_message  TEXT,
         attempts       BIGINT NOT NULL DEFAULT 0,
         latency_ms     BIGINT,
         first_sent_at  BIGINT NOT NULL,
         updated_at     BIGINT NOT NULL,
         -- The run that claimed it last.
         run            BIGINT REFERENCES runs (id),
         PRIMARY KEY (campaign, recipient)
     );
     CREATE INDEX recipients_in_flight ON recipients (campaign, run) WHERE state = 'in_flight';
     -- For `delivery.daily_cap`: a sender's messages of the last day, over its campaigns.
     CREATE INDEX recipients_first_sent ON recipients (first_sent_at);",
    // 2: the next free sending slot of each sender number, shared by every runner.
    "CREATE TABLE pacing (
         sender   TEXT PRIMARY KEY,
         next_us  BIGINT NOT NULL
     );",
    // 3: each campaign's file, relative to its repository, to know it again under another id.
    "ALTER TABLE campaigns ADD COLUMN file TEXT;",
    // 4: delivery receipts by the provider's message id, whichever campaign sent it (apart
    // from the rows, so a receipt arriving before the send's outcome is kept all the same).
    "CREATE TABLE receipts (
         message_id  TEXT PRIMARY KEY,
         delivery    TEXT NOT NULL CHECK (delivery IN ('delivered', 'read', 'failed')),
         at          BIGINT NOT NULL,
         error_code  TEXT
     );",
    // 5: the account each recipient was sent from (`provider.senders`), so a re-run sends
    // from it again.
    "ALTER TABLE recipients ADD COLUMN sender TEXT;",
    // 6: a time per kind of receipt, each as first reported, a failure's words, and when a
    // receipt came matching no recipient (swept if it still matches none); the rows by
    // message id, to find a receipt's recipient and join the receipts to the rows.
    "ALTER TABLE receipts ADD COLUMN delivered_at BIGINT, ADD COLUMN read_at BIGINT, ADD COLUMN failed_at BIGINT,
                          ADD COLUMN error TEXT, ADD COLUMN received_at BIGINT, ADD COLUMN unmatched_since BIGINT;
     UPDATE receipts SET delivered_at = CASE delivery WHEN 'delivered' THEN at END,
                         read_at = CASE delivery WHEN 'read' THEN at END,
                         failed_at = CASE delivery WHEN 'failed' THEN at END,
                         received_at = at;
     ALTER TABLE receipts DROP COLUMN delivery, DROP COLUMN at, ALTER COLUMN received_at SET NOT NULL;
     CREATE INDEX receipts_unmatched ON receipts (unmatched_since) WHERE unmatched_since IS NOT NULL;
     CREATE INDEX recipients_message_id ON recipients (message_id) WHERE message_id IS NOT NULL;",
    // 7: how the provider bills each message (Meta's `pricing`), as first reported: billable
    // (1 or 0), category and type.
    "ALTER TABLE receipts ADD COLUMN billable INTEGER, ADD COLUMN pricing_category TEXT, ADD COLUMN pricing_type TEXT;",
];

/// For a reader: whether herald's tables are in `schema` (a journal no send has written has
/// none); a schema newer than this herald is refused. An older one is read as it is.
pub fn present(client: &mut Client, schema: &str, shown: &str) -> Result<bool, JournalError> {
    let table = format!("{schema}.migrations");
    let exists: bool = client.query_one("SELECT to_regclass($1) IS NOT NULL", &[&table])?.get(0);
    if !exists {
        return Ok(false);
    }
    let version: i32 = client.query_one("SELECT COALESCE(MAX(version), 0) FROM migrations", &[])?.get(0);
    if version > i32::try_from(MIGRATIONS.len()).unwrap_or(i32::MAX) {
        return Err(JournalError::Newer { journal: shown.to_string(), version: i64::from(version) });
    }
    Ok(version > 0)
}
/// Applies the migrations `schema` lacks; refuses a schema newer than this herald.
pub fn migrate(client: &mut Client, schema: &str, shown: &str) -> Result<(), JournalError> {
    let mut tx = client.transaction()?;
    // One migrator at a time, across every runner of every campaign.
    tx.execute("SELECT pg_advisory_xact_lock(hashtext('herald migrations ' || $1))", &[&schema])?;
    tx.batch_execute(&format!(
        "CREATE SCHEMA IF NOT EXISTS {schema};
         CREATE TABLE IF NOT EXISTS {schema}.migrations (
             version    INTEGER PRIMARY KEY,
             applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
         );
         SET LOCAL search_path TO {schema};"
    ))?;
    // This connection's own view of an older `recipients` ([`read_as_is`]) would hide the
    // migrated table.
    tx.batch_execute("DROP VIEW IF EXISTS pg_temp.recipients; DROP VIEW IF EXISTS pg_temp.receipts")?;
    let version: i32 = tx.query_one("SELECT COALESCE(MAX(version), 0) FROM migrations", &[])?.get(0);
    let known = i32::try_from(MIGRATIONS.len()).unwrap_or(i32::MAX);
    if version > known {
        return Err(JournalError::Newer { journal: shown.to_string(), version: i64::from(version) });
    }
    for (n, sql) in (1..).zip(MIGRATIONS).skip(usize::try_from(version).unwrap_or(0)) {
        tx.batch_execute(sql)?;
        tx.execute("INSERT INTO migrations (version) VALUES ($1)", &[&n])?;
    }
    tx.commit()?;
    Ok(())
}

/// For a reader of an older journal: views in the connection's temporary schema, which
/// PostgreSQL searches first, show `recipients` with an empty `sender` (before migration 5),
/// no `receipts` (before migration 6) and receipts with no pricing (before migration 7), so it
/// reads it as it reads a newer journal and changes nothing. A sender migrates instead (and
/// drops the views).
pub fn read_as_is(client: &mut Client, schema: &str) -> Result<(), postgres::Error> {
    let table = format!("{schema}.recipients");
    let lacks: bool = client
        .query_one(
            "SELECT to_regclass($1) IS NOT NULL AND NOT EXISTS (SELECT 1 FROM information_schema.columns
                 WHERE table_schema = $2 AND table_name = 'recipients' AND column_name = 'sender')",
            &[&table, &schema],
        )?
        .get(0);
    if lacks {
        client.batch_execute(&format!(
            "CREATE TEMP VIEW recipients AS SELECT *, NULL::text AS sender FROM {schema}.recipients"
        ))?;
    }
    let table = format!("{schema}.migrations");
    let old: bool = client
        .query_one(
            "SELECT to_regclass($1) IS NOT NULL AND NOT EXISTS (SELECT 1 FROM information_schema.columns
                 WHERE table_schema = $2 AND table_name = 'receipts' AND column_name = 'delivered_at')",
            &[&table, &schema],
        )?
        .get(0);
    if old {
        client.batch_execute(
            "CREATE TEMP VIEW receipts AS SELECT NULL::text AS message_id, NULL::bigint AS delivered_at,
                 NULL::bigint AS read_at, NULL::bigint AS failed_at, NULL::text AS error_code, NULL::text AS error,
                 NULL::bigint AS received_at, NULL::bigint AS unmatched_since, NULL::integer AS billable,
                 NULL::text AS pricing_category, NULL::text AS pricing_type WHERE false",
        )?;
        return Ok(());
    }
    let unpriced: bool = client
        .query_one(
            "SELECT to_regclass($1) IS NOT NULL AND NOT EXISTS (SELECT 1 FROM information_schema.columns
                 WHERE table_schema = $2 AND table_name = 'receipts' AND column_name = 'billable')",
            &[&table, &schema],
        )?
        .get(0);
    if unpriced {
        client.batch_execute(&format!(
            "CREATE TEMP VIEW receipts AS SELECT *, NULL::integer AS billable, NULL::text AS pricing_category,
                 NULL::text AS pricing_type FROM {schema}.receipts"
        ))?;
    }
    Ok(())
}
