//! The journal: an embedded SQLite database (WAL) recording, per campaign and recipient, a state
//! machine `pending → in_flight → sent | failed | unknown`. A recipient is marked `in_flight` and
//! committed before its request leaves the machine, so a re-run after any crash never sends to
//! it twice: rows left `in_flight` become `unknown`. Commits are grouped (see [`writer`]).
//! The journal stores no secrets, and no message bodies beyond their hash unless asked.

mod changes;
mod lock;
mod schema;
mod selection;
pub mod writer;

pub use changes::{Changes, detect};
pub use selection::{Selection, select};

use crate::results::{Record, Status};
use rusqlite::{Connection, OptionalExtension, params};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// A recipient's state in the journal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum State {
    /// Marked before its request left; no outcome recorded (a crash, if the run is over).
    InFlight,
    /// Accepted by the provider.
    Sent,
    /// Refused, or out of retries.
    Failed,
    /// Sent with no answer.
    Unknown,
}

impl State {
    /// The name stored in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            State::InFlight => "in_flight",
            State::Sent => "sent",
            State::Failed => "failed",
            State::Unknown => "unknown",
        }
    }

    fn parse(s: &str) -> State {
        match s {
            "sent" => State::Sent,
            "failed" => State::Failed,
            "unknown" => State::Unknown,
            _ => State::InFlight,
        }
    }

    /// The journal state a final record status maps to (`None`: nothing to store).
    pub fn of(status: Status) -> Option<State> {
        match status {
            Status::Sent => Some(State::Sent),
            Status::Failed => Some(State::Failed),
            Status::Unknown => Some(State::Unknown),
            Status::Skipped | Status::DryRun => None,
        }
    }
}

/// One recipient's row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    /// State.
    pub state: State,
    /// Hash of the request last sent (or about to be).
    pub request_hash: String,
    /// The record of the outcome (for in-flight rows: what is known so far).
    pub record: Record,
    /// When the recipient was first marked in flight.
    pub first_sent_at: String,
}

/// What the journal knows about one campaign.
#[derive(Debug, Clone, Default)]
pub struct CampaignState {
    /// Section hashes of the campaign file at the last run.
    pub sections: Option<HashMap<String, String>>,
    /// Rows by recipient.
    pub rows: HashMap<String, Row>,
    /// Runs recorded.
    pub runs: u64,
}

/// An open journal: locked for this process when it sends, unlocked when it only reads.
pub struct Journal {
    conn: Connection,
    path: PathBuf,
    _lock: Option<lock::Lock>,
}

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

/// Where the journal of `campaign_file` lives: `--journal`, else `$HERALD_JOURNAL`, else
/// `.herald/journal.db` beside the campaign file. Sandbox rehearsals always use a separate file
/// (`sandbox-journal.db`, or `<name>.sandbox.db` beside an explicit journal), so a rehearsal
/// never marks real recipients as sent.
pub fn default_path(campaign_file: &Path, explicit: Option<&Path>, sandbox: bool) -> PathBuf {
    let chosen = explicit
        .map(Path::to_path_buf)
        .or_else(|| std::env::var_os("HERALD_JOURNAL").filter(|p| !p.is_empty()).map(PathBuf::from));
    match (chosen, sandbox) {
        (Some(p), false) => p,
        (Some(p), true) => {
            let stem = p.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| "journal".into());
            p.with_file_name(format!("{stem}.sandbox.db"))
        }
        (None, _) => {
            let dir = campaign_file.parent().unwrap_or(Path::new("")).join(".herald");
            dir.join(if sandbox { "sandbox-journal.db" } else { "journal.db" })
        }
    }
}

impl Journal {
    /// Opens (creating if needed) and locks the journal. Fails with a sentence when another
    /// herald holds it.
    pub fn open(path: &Path) -> Result<Journal, String> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        }
        let lock = lock::Lock::acquire(path)?;
        let conn = schema::open(path).map_err(|e| format!("cannot open the journal {}: {e}", path.display()))?;
        Ok(Journal { conn, path: path.to_path_buf(), _lock: Some(lock) })
    }

    /// Opens an existing journal to read it, without the lock (a send may be running);
    /// `Ok(None)` when there is no journal yet.
    pub fn open_read(path: &Path) -> Result<Option<Journal>, String> {
        if !path.exists() {
            return Ok(None);
        }
        let conn = schema::open(path).map_err(|e| format!("cannot open the journal {}: {e}", path.display()))?;
        Ok(Some(Journal { conn, path: path.to_path_buf(), _lock: None }))
    }

    /// Whether another process is sending with this journal right now.
    pub fn busy(&self) -> bool {
        lock::Lock::acquire(&self.path).is_err()
    }

    /// Every run of `campaign`, oldest first.
    pub fn runs(&self, campaign: &str) -> Result<Vec<RunRow>, String> {
        let err = |e: rusqlite::Error| format!("cannot read the journal: {e}");
        let mut stmt = self
            .conn
            .prepare(
                "SELECT started_at, finished_at, mode, stopped_kind, stopped, exit_code
                 FROM runs WHERE campaign_id = ?1 ORDER BY id",
            )
            .map_err(err)?;
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
        .map_err(err)?
        .collect::<Result<_, _>>()
        .map_err(err)
    }

    /// Everything recorded for `campaign`.
    pub fn load(&self, campaign: &str) -> Result<CampaignState, String> {
        let err = |e: rusqlite::Error| format!("cannot read the journal: {e}");
        let sections: Option<String> = self
            .conn
            .query_row("SELECT sections FROM campaigns WHERE id = ?1", params![campaign], |r| r.get(0))
            .optional()
            .map_err(err)?;
        let runs: u64 = self
            .conn
            .query_row("SELECT COUNT(*) FROM runs WHERE campaign_id = ?1", params![campaign], |r| r.get(0))
            .map_err(err)?;
        let mut stmt = self
            .conn
            .prepare(
                "SELECT recipient, csv_line, state, request_hash, message_id, http_status, error_code, error_message,
                        attempts, latency_ms, updated_at, first_sent_at
                 FROM recipients WHERE campaign_id = ?1",
            )
            .map_err(err)?;
        let rows = stmt
            .query_map(params![campaign], |r| {
                let state = State::parse(&r.get::<_, String>(2)?);
                let mut record = Record {
                    recipient: r.get(0)?,
                    csv_line: r.get(1)?,
                    status: match state {
                        State::Sent => Status::Sent,
                        State::Failed => Status::Failed,
                        State::Unknown | State::InFlight => Status::Unknown,
                    },
                    message_id: r.get(4)?,
                    http_status: r.get(5)?,
                    error_code: r.get(6)?,
                    error_message: r.get(7)?,
                    attempts: r.get(8)?,
                    latency_ms: r.get(9)?,
                    timestamp: r.get(10)?,
                };
                if state == State::InFlight {
                    record.error_code = Some("in_flight".into());
                    record.error_message =
                        Some("in flight: a send is running, or it stopped before recording the answer".into());
                }
                Ok((
                    record.recipient.clone(),
                    Row { state, request_hash: r.get(3)?, record, first_sent_at: r.get(11)? },
                ))
            })
            .map_err(err)?
            .collect::<Result<HashMap<_, _>, _>>()
            .map_err(err)?;
        Ok(CampaignState { sections: sections.and_then(|s| serde_json::from_str(&s).ok()), rows, runs })
    }

    /// Turns rows a crashed run left `in_flight` into `unknown`; returns how many.
    pub fn settle_crashed(&mut self, campaign: &str) -> Result<usize, String> {
        let now = crate::results::now();
        self.conn
            .execute(
                "UPDATE recipients SET state = 'unknown', error_code = 'interrupted',
                        error_message = 'herald stopped while this request was in flight; the provider may or may not have it',
                        updated_at = ?2
                 WHERE campaign_id = ?1 AND state = 'in_flight'",
                params![campaign, now],
            )
            .map_err(|e| format!("cannot update the journal: {e}"))
    }

    /// Accepts the current campaign as the new baseline after `--allow-changed`: every known
    /// recipient's stored request hash becomes the one the campaign renders now, so the change
    /// is reported once, not on every later run.
    pub fn rebaseline(&mut self, plan: &crate::plan::Plan) -> Result<(), String> {
        let tx = self.conn.transaction().map_err(|e| e.to_string())?;
        {
            let mut stmt = tx
                .prepare("UPDATE recipients SET request_hash = ?3 WHERE campaign_id = ?1 AND recipient = ?2")
                .map_err(|e| e.to_string())?;
            for send in &plan.sends {
                let hash = request_hash(&send.request, &plan.settings.base_url);
                stmt.execute(params![plan.id, send.recipient.target.to_string(), hash]).map_err(|e| e.to_string())?;
            }
        }
        tx.commit().map_err(|e| format!("cannot write the journal: {e}"))
    }

    /// Records the campaign's section hashes and a new run; returns the run id.
    pub fn begin_run(&mut self, campaign: &str, sections: &HashMap<String, String>, mode: &str) -> Result<i64, String> {
        let now = crate::results::now();
        let sections = serde_json::to_string(sections).expect("strings serialise");
        let tx = self.conn.transaction().map_err(|e| e.to_string())?;
        tx.execute(
            "INSERT INTO campaigns (id, sections, created_at, updated_at) VALUES (?1, ?2, ?3, ?3)
             ON CONFLICT(id) DO UPDATE SET sections = excluded.sections, updated_at = excluded.updated_at",
            params![campaign, sections, now],
        )
        .map_err(|e| e.to_string())?;
        tx.execute(
            "INSERT INTO runs (campaign_id, started_at, mode, pid) VALUES (?1, ?2, ?3, ?4)",
            params![campaign, now, mode, std::process::id()],
        )
        .map_err(|e| e.to_string())?;
        let id = tx.last_insert_rowid();
        tx.commit().map_err(|e| format!("cannot write the journal: {e}"))?;
        Ok(id)
    }

    /// Closes a run with how it ended (`stopped`: kind and sentence).
    pub fn end_run(&mut self, run: i64, stopped: Option<(&str, &str)>, exit_code: u8) -> Result<(), String> {
        self.conn
            .execute(
                "UPDATE runs SET finished_at = ?2, stopped_kind = ?3, stopped = ?4, exit_code = ?5 WHERE id = ?1",
                params![run, crate::results::now(), stopped.map(|s| s.0), stopped.map(|s| s.1), exit_code],
            )
            .map(|_| ())
            .map_err(|e| format!("cannot write the journal: {e}"))
    }

    /// A writer for this run, on its own thread (the connection moves there; the lock stays).
    pub fn writer(&self, campaign: &str, keep_bodies: bool) -> Result<writer::Writer, String> {
        writer::Writer::start(&self.path, campaign, keep_bodies)
    }
}

/// Every recipient of the campaign as the journal knows it: journal rows, recipients not yet
/// attempted (`skipped`, code `pending`), and those the campaign file skips.
pub fn campaign_records(plan: &crate::plan::Plan, state: &CampaignState) -> Vec<Record> {
    let selection = select(plan, state, false, false);
    let pending = selection.to_send.iter().map(|&i| {
        let send = &plan.sends[i];
        Record::skipped(send.recipient.target.to_string(), send.recipient.csv_line(), "pending", "not sent yet".into())
    });
    let skipped =
        plan.skipped_rows.iter().map(|s| Record::skipped(s.recipient.clone(), s.csv_line, s.code, s.reason.clone()));
    selection.done.into_iter().chain(pending).chain(skipped).collect()
}

/// SHA-256 of a request as sent, secrets excluded: method, URL path (without `base_url`, which
/// a sandbox or a moved server changes without changing the message) and body.
pub fn request_hash(request: &crate::request::HttpRequest, base_url: &str) -> String {
    use sha2::{Digest, Sha256};
    /// Feeds serialised JSON straight into the hasher, with no intermediate string.
    struct Feed<'a>(&'a mut Sha256);
    impl std::io::Write for Feed<'_> {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.update(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut h = Sha256::new();
    h.update(request.method.as_bytes());
    h.update(b"\n");
    h.update(request.url.strip_prefix(base_url).unwrap_or(&request.url).as_bytes());
    h.update(b"\n");
    serde_json::to_writer(Feed(&mut h), &request.body).expect("JSON values serialise");
    crate::hex::encode(&h.finalize())
}

#[cfg(test)]
mod tests;
