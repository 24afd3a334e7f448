//! Connecting to the PostgreSQL journal and bringing its tables up to date. TLS (rustls with
//! the bundled web roots) is offered on every connection, so `sslmode=require` in the URL gets
//! an encrypted, verified connection and `sslmode=prefer` (the default) uses it when the server
//! has it. Migrations are numbered and applied once, in one transaction each, under an advisory
//! lock so runners starting together do not race.

use crate::journal::JournalError;
use postgres::{Client, Config};
use std::str::FromStr;
use std::sync::Arc;

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
];

/// Connects to `url`, looking for herald's tables in `schema`; `shown` is the journal as it may
/// be printed. Only a sender creates or migrates them ([`migrate`]): readers never write.
pub fn connect(url: &str, schema: &str, shown: &str) -> Result<Client, JournalError> {
    let failed = |source| JournalError::Connect { location: shown.to_string(), source };
    let mut config = Config::from_str(url).map_err(failed)?;
    config.application_name("herald");
    let mut client = config.connect(tls()?).map_err(failed)?;
    client.batch_execute(&format!("SET search_path TO {schema}"))?;
    Ok(client)
}

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
        return Err(JournalError::NewerDatabase { location: shown.to_string(), version });
    }
    Ok(version > 0)
}

/// What went wrong, in full: the server's own message, or the network's reason (the
/// driver's top-level text alone says only "db error" or "error connecting to server").
pub fn reason(e: &postgres::Error) -> String {
    if let Some(db) = e.as_db_error() {
        return format!("{} ({})", db.message(), db.code().code());
    }
    let mut text = e.to_string();
    let mut cause = std::error::Error::source(e);
    while let Some(c) = cause {
        text = format!("{text}: {c}");
        cause = c.source();
    }
    if text.contains("invalid value for option `sslmode`") {
        text.push_str(" (herald takes sslmode=disable, prefer or require; require verifies the server's certificate against the public roots, or those in $PGSSLROOTCERT)");
    }
    text
}

/// rustls with the bundled web roots, as for the providers' APIs, or the CA certificates in
/// `$PGSSLROOTCERT` (a PEM file, as libpq reads it) for a server with a private CA.
fn tls() -> Result<postgres_rustls::MakeTlsConnector, JournalError> {
    let mut roots = rustls::RootCertStore::empty();
    match std::env::var_os("PGSSLROOTCERT").filter(|p| !p.is_empty()) {
        Some(path) => {
            use rustls::pki_types::{CertificateDer, pem::PemObject};
            let failed = |why: String| JournalError::RootCert { path: path.to_string_lossy().into_owned(), why };
            let certs = CertificateDer::pem_file_iter(&path).map_err(|e| failed(e.to_string()))?;
            for cert in certs {
                roots.add(cert.map_err(|e| failed(e.to_string()))?).map_err(|e| failed(e.to_string()))?;
            }
            if roots.is_empty() {
                return Err(failed("no certificate in the file".into()));
            }
        }
        None => roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned()),
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(postgres_rustls::MakeTlsConnector::new(tokio_rustls::TlsConnector::from(Arc::new(config))))
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
    let version: i32 = tx.query_one("SELECT COALESCE(MAX(version), 0) FROM migrations", &[])?.get(0);
    let known = i32::try_from(MIGRATIONS.len()).unwrap_or(i32::MAX);
    if version > known {
        return Err(JournalError::NewerDatabase { location: shown.to_string(), version });
    }
    for (n, sql) in (1..).zip(MIGRATIONS).skip(usize::try_from(version).unwrap_or(0)) {
        tx.batch_execute(sql)?;
        tx.execute("INSERT INTO migrations (version) VALUES ($1)", &[&n])?;
    }
    tx.commit()?;
    Ok(())
}
