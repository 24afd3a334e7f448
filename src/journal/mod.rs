//! The journal: per campaign and recipient, a state machine `pending → in_flight → sent |
//! failed | unknown`, in one of two backends laid out alike: an SQLite file (WAL) on the
//! sending machine (see [`sqlite`]), or a PostgreSQL database shared by any number of runners
//! (see [`postgres`]). A recipient is marked `in_flight` and committed before its request
//! leaves the machine, so a re-run after any crash never sends to it twice: rows left
//! `in_flight` become `unknown`. Marks are claimed in batches by the run's [`writer`]. The
//! journal stores no secrets, and no message bodies beyond their hash unless asked. It knows
//! recipients by key; it does not know the planner.

mod alike;
mod backend;
mod changes;
mod error;
mod location;
mod postgres;
mod receipt;
mod resend;
mod row;
mod selection;
mod sqlite;
pub mod writer;

pub use alike::{LookAlike, look_alike};
pub use backend::Backend;
pub use changes::{Changes, MESSAGE_SECTIONS};
pub use error::{Driver, JournalError};
pub use location::{Location, redact};
pub use postgres::Slots;
pub use receipt::{Awaiting, Delivery, Fate, GRACE, Receipt, Recorded};
pub use resend::Later;
pub use row::{Row, State};
pub use selection::{Decision, Policy, Selection};

use std::collections::HashMap;
use std::path::Path;

/// SHA-256 of each top-level section of a campaign file, by section name.
pub type Sections = HashMap<String, String>;

/// One run, as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunRow {
    /// Start time.
    pub started_at: String,
    /// End time (`None`: still running, or killed).
    pub finished_at: Option<String>,
    /// `send` or `sandbox`.
    pub mode: String,
    /// Why it stopped early: the kind (`provider`, `interrupted`, …) and the sentence.
    pub stopped: Option<(String, String)>,
    /// Its exit code.
    pub exit_code: Option<u8>,
}

/// A campaign the journal knows, as its last run recorded it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Known {
    /// Its id.
    pub name: String,
    /// Its file relative to its repository (`None`: recorded by a herald that did not keep it).
    pub file: Option<String>,
    /// Its section hashes.
    pub sections: Sections,
}

/// Counts of a campaign's rows by state, and when it was first and last sent to.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Totals {
    /// Rows per state.
    pub states: HashMap<State, usize>,
    /// Unknown rows a crash left in flight.
    pub interrupted: usize,
    /// The first mark.
    pub first_sent_at: Option<String>,
    /// The last outcome.
    pub last_at: Option<String>,
}

impl Totals {
    /// Rows in any state.
    pub fn rows(&self) -> usize {
        self.states.values().sum()
    }

    /// Rows in `state`.
    pub fn of(&self, state: State) -> usize {
        self.states.get(&state).copied().unwrap_or(0)
    }
}

/// An open journal and where it is. It derefs to its [`Backend`], whose methods read and
/// write it.
#[derive(Debug)]
pub struct Journal {
    location: Location,
    backend: Box<dyn Backend>,
}

impl Journal {
    /// Opens (creating if needed) the journal to send `campaign`. An SQLite journal locks the
    /// campaign: [`JournalError::Busy`] when another herald is sending it (other campaigns in
    /// the same journal are free to send). A PostgreSQL journal is shared: every runner claims
    /// recipients of its own.
    pub fn open(at: impl Into<Location>, campaign: &str) -> Result<Journal, JournalError> {
        let location = at.into();
        let backend: Box<dyn Backend> = match &location {
            Location::File(path) => Box::new(sqlite::Sqlite::open(path, campaign)?),
            Location::Postgres { url, schema } => Box::new(postgres::Postgres::open(url, schema, &location)?),
        };
        Ok(Journal { location, backend })
    }

    /// Opens an existing journal to read it, without the lock (a send may be running: what it
    /// has recorded so far is read too); `Ok(None)` when there is no journal yet.
    pub fn open_read(at: impl Into<Location>) -> Result<Option<Journal>, JournalError> {
        let location = at.into();
        let backend: Option<Box<dyn Backend>> = match &location {
            Location::File(path) => sqlite::Sqlite::open_read(path)?.map(|j| Box::new(j) as Box<dyn Backend>),
            Location::Postgres { url, schema } => {
                postgres::Postgres::open_read(url, schema, &location)?.map(|j| Box::new(j) as Box<dyn Backend>)
            }
        };
        Ok(backend.map(|backend| Journal { location, backend }))
    }

    /// Opens (creating if needed) the journal to record delivery receipts, for every campaign
    /// in it, without locking any: a `send` may run beside it. SQLite waits its turn to write
    /// (WAL, a busy timeout); PostgreSQL takes any number of listeners at once.
    pub fn open_listener(at: impl Into<Location>) -> Result<Journal, JournalError> {
        let location = at.into();
        let backend: Box<dyn Backend> = match &location {
            Location::File(path) => Box::new(sqlite::Sqlite::open_unlocked(path)?),
            Location::Postgres { url, schema } => Box::new(postgres::Postgres::open(url, schema, &location)?),
        };
        Ok(Journal { location, backend })
    }

    /// Where the journal is; it prints without a password.
    pub fn location(&self) -> &Location {
        &self.location
    }
}

impl std::ops::Deref for Journal {
    type Target = dyn Backend;

    fn deref(&self) -> &Self::Target {
        &*self.backend
    }
}

impl std::ops::DerefMut for Journal {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut *self.backend
    }
}

/// Where the journal of `campaign_file` lives: the one chosen (`--journal` or
/// `$HERALD_JOURNAL`, as the command line resolved it), else `.herald/journal.db` beside the
/// campaign file. Either may be a `postgres://` URL. Sandbox
/// rehearsals always use a separate file (`sandbox-journal.db`, or `<name>.sandbox.db` beside an
/// explicit journal) or PostgreSQL schema, so a rehearsal never marks real recipients as sent.
pub fn default_location(
    campaign_file: &Path,
    explicit: Option<&Path>,
    sandbox: bool,
) -> Result<Location, JournalError> {
    match explicit {
        Some(p) => Location::parse(p, sandbox),
        None => Ok(default_in(campaign_file.parent().unwrap_or(Path::new("")), sandbox)),
    }
}

/// The journal a campaign in `dir` keeps by default: `.herald/journal.db`, or
/// `.herald/sandbox-journal.db` for sandbox rehearsals.
pub fn default_in(dir: &Path, sandbox: bool) -> Location {
    Location::File(dir.join(".herald").join(if sandbox { "sandbox-journal.db" } else { "journal.db" }))
}

/// A time as the journal stores it: Unix milliseconds.
fn millis(at: jiff::Timestamp) -> i64 {
    at.as_millisecond()
}

fn from_millis(ms: i64) -> jiff::Timestamp {
    jiff::Timestamp::from_millisecond(ms).unwrap_or_default()
}

/// The SHA-256 of a request.
pub type Hash = [u8; 32];

/// SHA-256 of the message a request carries: method, URL path and body, without the
/// connection settings that change where it goes but not what it says (`base_url`, which a
/// sandbox or a moved server changes, and the sending `account`, written `{account}` wherever
/// it appears whole in the path or as a JSON string in the body). Secrets are never part of it.
pub fn request_hash(method: &str, url: &str, base_url: &str, account: &str, body: &[u8]) -> Hash {
    let path = url.strip_prefix(base_url).unwrap_or(url);
    if account.is_empty() {
        return legacy_request_hash(method, path, "", body);
    }
    let encoded = crate::providers::encode_component(account);
    let path = path.replace(&encoded, "{account}").replace(account, "{account}");
    let quoted = serde_json::to_string(account).unwrap_or_default();
    let body = replace_bytes(body, quoted.as_bytes(), b"\"{account}\"");
    legacy_request_hash(method, &path, "", &body)
}

/// The hash journals before this version kept: the account was part of it, so a row that
/// matches only this one is unchanged too (see [`crate::run::inspect`]).
pub fn legacy_request_hash(method: &str, url: &str, base_url: &str, body: &[u8]) -> Hash {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    h.update(method.as_bytes());
    h.update(b"\n");
    h.update(url.strip_prefix(base_url).unwrap_or(url).as_bytes());
    h.update(b"\n");
    h.update(body);
    h.finalize().into()
}

/// `haystack` with every `from` replaced by `to`.
fn replace_bytes(haystack: &[u8], from: &[u8], to: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(haystack.len());
    let mut rest = haystack;
    while let Some(at) = memchr::memmem::find(rest, from) {
        out.extend_from_slice(&rest[..at]);
        out.extend_from_slice(to);
        rest = &rest[at + from.len()..];
    }
    out.extend_from_slice(rest);
    out
}

#[cfg(test)]
mod tests;
