//! The journal's connection on a thread of its own. The `postgres` client drives a runtime of
//! its own, which cannot run inside herald's async commands; so every query runs on a plain
//! thread: this one for the journal's reads and bookkeeping, and [`apart`] sets up the
//! connections of the writer and the lease threads on another.

use super::connect::connect;
use crate::journal::JournalError;
use postgres::{Client, Statement};
use std::sync::mpsc;
use std::thread::JoinHandle;

/// The connection, and the statements prepared once on it.
pub struct Session {
    /// The connection.
    pub client: Client,
    /// One recipient's row (see [`super::ROW_COLUMNS`]).
    pub lookup: Statement,
    /// The rows of a batch of recipients: `inspect` asks for every recipient.
    pub batch: Statement,
}

type Job = Box<dyn FnOnce(&mut Session) + Send>;

/// A thread owning a [`Session`], running what it is handed in order.
pub struct Thread {
    jobs: Option<mpsc::Sender<Job>>,
    thread: Option<JoinHandle<()>>,
}

impl Thread {
    /// Connects on a new thread; `shown` is the journal as it may be printed. A sender
    /// (`migrate`) creates or migrates herald's tables; for a reader, `Ok(None)` when there are
    /// none yet.
    pub fn open(
        url: String,
        schema: &'static str,
        shown: String,
        migrate: bool,
    ) -> Result<Option<Thread>, JournalError> {
        let (jobs, inbox) = mpsc::channel::<Job>();
        let (ready, opened) = mpsc::channel();
        let thread = std::thread::Builder::new()
            .name("herald-journal-pg".into())
            .spawn(move || {
                let session = connect(&url, schema, &shown).and_then(|mut client| {
                    if migrate {
                        super::schema::migrate(&mut client, schema, &shown)?;
                    } else if !super::schema::present(&mut client, schema, &shown)? {
                        return Ok(None);
                    }
                    let rows = crate::journal::row::from("recipients", "recipients");
                    let lookup = client.prepare(&format!(
                        "SELECT {} FROM {rows}
                         WHERE campaign = (SELECT id FROM campaigns WHERE name = $1) AND recipient = $2",
                        *super::ROW_COLUMNS
                    ))?;
                    let batch = client.prepare(&format!(
                        "SELECT {} FROM {rows}
                         WHERE campaign = (SELECT id FROM campaigns WHERE name = $1) AND recipient = ANY($2)",
                        *super::ROW_COLUMNS
                    ))?;
                    // Planned for each batch, by key (see the writer's `Store::new`).
                    client.batch_execute("SET enable_seqscan = off; SET plan_cache_mode = force_custom_plan")?;
                    Ok(Some(Session { client, lookup, batch }))
                });
                let mut session = match session {
                    Ok(Some(s)) => {
                        let _ = ready.send(Ok(true));
                        s
                    }
                    Ok(None) => {
                        let _ = ready.send(Ok(false));
                        return;
                    }
                    Err(e) => {
                        let _ = ready.send(Err(e));
                        return;
                    }
                };
                for job in inbox {
                    job(&mut session);
                }
            })
            .map_err(|source| JournalError::File {
                what: "start the connection to",
                path: "postgres".into(),
                source,
            })?;
        if !opened.recv().map_err(|_| JournalError::WriterGone(None))?? {
            let _ = thread.join();
            return Ok(None);
        }
        Ok(Some(Thread { jobs: Some(jobs), thread: Some(thread) }))
    }

    /// Runs `f` on the connection's thread and waits for its answer.
    pub fn call<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Session) -> Result<T, JournalError> + Send + 'static,
    ) -> Result<T, JournalError> {
        let (reply, answer) = mpsc::channel();
        let job: Job = Box::new(move |s| {
            let _ = reply.send(f(s));
        });
        let gone = || JournalError::WriterGone(Some("the journal's connection thread stopped".into()));
        self.jobs.as_ref().ok_or_else(gone)?.send(job).map_err(|_| gone())?;
        answer.recv().map_err(|_| gone())?
    }
}

impl Drop for Thread {
    fn drop(&mut self) {
        drop(self.jobs.take());
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Runs `f` on a plain thread of its own and waits for it: for connecting and setting up the
/// writer's and the lease's connections, which then live on threads that run no async code.
pub fn apart<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, JournalError> + Send + 'static,
) -> Result<T, JournalError> {
    std::thread::spawn(f)
        .join()
        .map_err(|_| JournalError::WriterGone(Some("connecting to the journal failed".into())))?
}
