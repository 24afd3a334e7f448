//! Why the journal cannot be used: one error for both backends, each variant saying what went
//! wrong for the user, with the driver's own error ([`Driver`]) as its source. No message
//! holds a database URL's password: journals are named as [`super::Location`] prints them.

use std::path::PathBuf;

/// What the database driver said: SQLite's or PostgreSQL's error.
#[derive(Debug)]
pub enum Driver {
    /// SQLite's.
    Sqlite(rusqlite::Error),
    /// PostgreSQL's (or the network's).
    Postgres(::postgres::Error),
}

impl std::fmt::Display for Driver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Driver::Sqlite(e) => e.fmt(f),
            Driver::Postgres(e) => f.write_str(&super::postgres::reason(e)),
        }
    }
}

impl std::error::Error for Driver {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Driver::Sqlite(e) => Some(e),
            Driver::Postgres(e) => Some(e),
        }
    }
}

impl From<rusqlite::Error> for Driver {
    fn from(e: rusqlite::Error) -> Driver {
        Driver::Sqlite(e)
    }
}

impl From<::postgres::Error> for Driver {
    fn from(e: ::postgres::Error) -> Driver {
        Driver::Postgres(e)
    }
}

/// Why the journal cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum JournalError {
    /// Another process holds the campaign's lock.
    #[error(
        "another herald {} is sending the campaign `{campaign}` with the journal {}; wait for it to finish (herald status shows progress), or send this copy with a journal of its own (--journal PATH)",
        .holder.map_or_else(|| "process".to_string(), |p| format!("(process {p})")),
        .path.display()
    )]
    Busy {
        /// The holder's process id, once it wrote one and that process is running.
        holder: Option<u32>,
        /// The campaign being sent.
        campaign: String,
        /// The journal.
        path: PathBuf,
    },
    /// A file, folder or thread the journal needs cannot be made or locked.
    #[error("cannot {what} {}: {source}", .path.display())]
    File {
        /// What herald tried: `create`, `open`, `lock`, `start the writer for`.
        what: &'static str,
        /// The file or folder.
        path: PathBuf,
        /// What the OS said.
        source: std::io::Error,
    },
    /// The journal cannot be opened (SQLite) or reached (PostgreSQL).
    #[error(
        "cannot {} the journal {journal}: {source}",
        if matches!(.source, Driver::Postgres(_)) { "connect to" } else { "open" }
    )]
    Open {
        /// The journal, as it may be printed.
        journal: String,
        /// What the driver said.
        source: Driver,
    },
    /// The file is not a journal herald can trust: empty (truncated) or someone else's.
    #[error(
        "{} is not a herald journal ({why}); herald will not take it for a fresh one, since that would message everyone again. Restore the journal from a backup, or move the file away and pass --new-journal to start afresh",
        .path.display()
    )]
    Foreign {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        why: &'static str,
    },
    /// The journal was written by a newer herald, in a schema this one does not know.
    #[error("the journal {journal} was written by a newer herald (schema version {version}); upgrade herald to use it")]
    Newer {
        /// The journal, as it may be printed.
        journal: String,
        /// Its schema version.
        version: i64,
    },
    /// A query that reads failed.
    #[error("cannot read the journal: {0}")]
    Read(Driver),
    /// A write failed.
    #[error("cannot write the journal: {0}")]
    Write(Driver),
    /// Setting up the journal's database failed: its tables, a lease, the shared pacing.
    #[error("cannot use the journal's database: {0}")]
    Database(Driver),
    /// TLS for the PostgreSQL journal cannot be set up.
    #[error("cannot set up TLS for the journal: {0}")]
    Tls(#[from] rustls::Error),
    /// `$PGSSLROOTCERT` cannot be read.
    #[error("cannot read the journal's CA certificates from PGSSLROOTCERT ({path}): {why}")]
    RootCert {
        /// The file.
        path: String,
        /// What went wrong.
        why: String,
    },
    /// A journal value that starts like a PostgreSQL URL but is not one.
    #[error(
        "the journal `{0}` looks like a PostgreSQL URL but is not one; write it as postgres://user:password@host:5432/database (a file journal is a path)"
    )]
    NotAUrl(String),
    /// A PostgreSQL runner's lease ran out before it could renew it.
    #[error(
        "this runner's lease on the journal ran out (it could not renew it in time), so other runners may take its open claims for a crashed runner's; it stops claiming. Run `herald send` again to go on"
    )]
    LeaseLost,
    /// The writer thread is gone (it failed earlier, or could not start).
    #[error("the journal writer has stopped{}", .0.as_ref().map(|why| format!(": {why}")).unwrap_or_default())]
    WriterGone(Option<String>),
}

impl JournalError {
    /// A read that failed.
    pub(super) fn read(e: impl Into<Driver>) -> JournalError {
        JournalError::Read(e.into())
    }

    /// A write that failed.
    pub(super) fn write(e: impl Into<Driver>) -> JournalError {
        JournalError::Write(e.into())
    }

    /// The error of a query that reads, or `writes`: what `?` made of a PostgreSQL error
    /// ([`JournalError::Database`]) becomes [`JournalError::Read`] or [`JournalError::Write`].
    pub(super) fn of_query(self, writes: bool) -> JournalError {
        match self {
            JournalError::Database(d) if writes => JournalError::Write(d),
            JournalError::Database(d) => JournalError::Read(d),
            other => other,
        }
    }
}

/// What `?` makes of a PostgreSQL error: a step of setting up the database, unless the query
/// is known to read or write (see [`JournalError::of_query`]).
impl From<::postgres::Error> for JournalError {
    fn from(e: ::postgres::Error) -> JournalError {
        JournalError::Database(Driver::Postgres(e))
    }
}
