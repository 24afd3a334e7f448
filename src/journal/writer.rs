//! The journal's side of a run, on a thread of its own that owns a connection. The run hands it
//! recipients in batches; for each batch it looks up what the journal already records, decides
//! who to send to (see [`super::Policy`]) and claims them, all in one transaction committed
//! before the batch is answered, so every claim is durable before its request can leave.
//! Outcomes and releases are not waited for: they ride along with the next batch, or are
//! flushed after [`OUTCOME_DELAY`] and at the end; a backend with a log of the run folds it
//! between commits and at the end ([`Store::fold`], [`Store::finish`]). A crash before they commit leaves claims `in_flight`, which a re-run
//! treats as `unknown`: never resent. The batching lives here; each backend's [`Store`] does the
//! reads and writes.

use super::{Hash, JournalError, Policy};
use crate::results::Record;
use std::future::Future;
use std::path::Path;
use std::sync::{Arc, OnceLock, mpsc};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};
use tokio::sync::oneshot;

/// Longest an outcome waits for a batch to ride along with.
pub const OUTCOME_DELAY: Duration = Duration::from_millis(100);

/// Buffered outcomes and releases (recipients) that force a commit of their own.
const MAX_BUFFERED: usize = 4096;

/// A recipient offered to the journal.
#[derive(Debug, Clone)]
pub struct Candidate {
    /// The recipient's key (E.164 or `tag:…`).
    pub recipient: String,
    /// Its CSV line.
    pub csv_line: Option<u64>,
    /// The hash of its request; `None` when it was not rendered (the run stopped, or it is
    /// beyond `--limit`): it can be looked up, never claimed.
    pub request_hash: Option<Hash>,
    /// The body, stored with `--keep-bodies`.
    pub body: Option<String>,
    /// The account it goes from (see [`crate::plan::Plan::senders`]), recorded with the claim
    /// so a re-run sends from it again.
    pub sender: Option<String>,
}

/// What the journal made of one candidate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Admission {
    /// Claimed: marked `in_flight` and committed. Send it.
    Claimed,
    /// Final in the journal and left as it is: its record.
    Kept(Box<Record>),
    /// Would be sent, but was not claimed (no budget left, or claiming is off).
    Unclaimed,
}

/// One batch's answer, aligned with the candidates.
pub type Admitted = Vec<Admission>;

enum Op {
    Admit {
        candidates: Vec<Candidate>,
        policy: Policy,
        /// How many may be claimed (0: look up only).
        budget: usize,
        reply: oneshot::Sender<Result<Admitted, JournalError>>,
    },
    Change(Change),
    Gone(oneshot::Sender<Result<Vec<Record>, JournalError>>),
}

/// What a run reports after a claim, written with the next batch.
pub(super) enum Change {
    /// Final outcomes.
    Done(Vec<Record>),
    /// Claims to undo: these recipients surely were not delivered.
    Release(Vec<String>),
}

impl Change {
    /// Recipients it carries.
    fn len(&self) -> usize {
        match self {
            Change::Done(records) => records.len(),
            Change::Release(recipients) => recipients.len(),
        }
    }
}

/// One backend's side of a run's journal thread.
pub(super) trait Store: Sized {
    /// Commits `changes`, then decides every candidate and claims up to `budget` of those
    /// `policy` sends, all committed before it returns. When the claims fail, the changes are
    /// still committed, so a sent recipient is never left `in_flight`.
    fn admit(
        &mut self,
        changes: Vec<Change>,
        candidates: &[Candidate],
        policy: Policy,
        budget: usize,
    ) -> Result<Admitted, JournalError>;

    /// Commits `changes` on their own.
    fn flush(&mut self, changes: Vec<Change>) -> Result<(), JournalError>;

    /// The records of the campaign's rows never offered in this run.
    fn gone(&mut self) -> Result<Vec<Record>, JournalError>;

    /// Called after each commit: folds a bounded step of the run's log into the journal's
    /// keyed rows once the log has grown past its bound. A journal with no log (PostgreSQL
    /// writes the keyed rows directly) has nothing to fold. A step only spares the run's end
    /// some work, so it cannot fail the run: a store whose step fails stops stepping.
    fn fold(&mut self) {}

    /// Ends the run's writing (everything was flushed).
    fn finish(self) -> Result<Stats, JournalError>;
}

/// The journal thread of one run.
pub struct Writer {
    handle: Handle,
    thread: JoinHandle<Result<Stats, JournalError>>,
}

/// What the writer did.
#[derive(Debug, Clone, Copy, Default)]
pub struct Stats {
    /// Transactions committed for claims, outcomes and releases.
    pub commits: u64,
    /// Rows claimed.
    pub claimed: u64,
    /// Steps that folded the run's log as it went (see [`Store::fold`]).
    pub folds: u64,
}

/// A cheap handle for the run.
#[derive(Clone)]
pub struct Handle {
    tx: mpsc::Sender<Op>,
    keep_bodies: bool,
    /// Why the writer thread stopped, once it has: a full disk, say, rather than just "gone".
    failure: Arc<OnceLock<String>>,
}

impl Writer {
    /// Starts a thread owning `store`; `what` names the journal in an error.
    pub(super) fn start<S: Store + Send + 'static>(
        store: S,
        what: &Path,
        keep_bodies: bool,
    ) -> Result<Writer, JournalError> {
        let (tx, rx) = mpsc::channel();
        let failure = Arc::new(OnceLock::new());
        let failed = failure.clone();
        let thread = std::thread::Builder::new()
            .name("herald-journal".into())
            .spawn(move || {
                let result = Batcher::new(store).run(&rx);
                if let Err(e) = &result {
                    let _ = failed.set(e.to_string());
                }
                result
            })
            .map_err(|source| JournalError::File { what: "start the writer for", path: what.to_path_buf(), source })?;
        Ok(Writer { handle: Handle { tx, keep_bodies, failure }, thread })
    }

    /// A handle for the run.
    pub fn handle(&self) -> Handle {
        self.handle.clone()
    }

    /// Waits until everything sent so far is committed, then stops the thread.
    pub fn finish(self) -> Result<Stats, JournalError> {
        drop(self.handle);
        self.thread.join().map_err(|_| JournalError::WriterGone(None))?
    }
}

impl Handle {
    /// Whether request bodies are stored.
    pub fn keeps_bodies(&self) -> bool {
        self.keep_bodies
    }

    /// Hands `candidates` to the journal at once, to be looked up, and up to `budget` of those
    /// `policy` sends to claimed; the claims are committed when the returned future completes.
    pub fn admit(
        &self,
        candidates: Vec<Candidate>,
        policy: Policy,
        budget: usize,
    ) -> impl Future<Output = Result<Admitted, JournalError>> + Send + 'static {
        let (reply, answer) = oneshot::channel();
        let sent = self.tx.send(Op::Admit { candidates, policy, budget, reply }).is_ok();
        let failure = self.failure.clone();
        async move {
            let gone = || JournalError::WriterGone(failure.get().cloned());
            if !sent {
                return Err(gone());
            }
            answer.await.map_err(|_| gone())?
        }
    }

    /// Records final outcomes (committed with the next batch).
    pub fn done(&self, records: Vec<Record>) {
        let _ = self.tx.send(Op::Change(Change::Done(records)));
    }

    /// Undoes the claims of recipients that surely were not delivered (the run stopped before
    /// their request, or between attempts the provider refused): a re-run sends them.
    pub fn release(&self, recipients: Vec<String>) {
        let _ = self.tx.send(Op::Change(Change::Release(recipients)));
    }

    /// The records of rows the run never offered: recipients the campaign no longer lists.
    pub async fn gone(&self) -> Result<Vec<Record>, JournalError> {
        let (reply, answer) = oneshot::channel();
        let gone = || JournalError::WriterGone(self.failure.get().cloned());
        self.tx.send(Op::Gone(reply)).map_err(|_| gone())?;
        answer.await.map_err(|_| gone())?
    }
}

/// The thread's loop: outcomes and releases wait for a batch to ride along with, at most
/// [`OUTCOME_DELAY`] or [`MAX_BUFFERED`] recipients; after each commit, the run's log may be
/// folded a step.
struct Batcher<S> {
    store: S,
    buffered: Vec<Change>,
    /// Recipients in `buffered`.
    waiting: usize,
    oldest: Option<Instant>,
}

impl<S: Store> Batcher<S> {
    fn new(store: S) -> Batcher<S> {
        Batcher { store, buffered: Vec::new(), waiting: 0, oldest: None }
    }

    fn run(mut self, rx: &mpsc::Receiver<Op>) -> Result<Stats, JournalError> {
        loop {
            let next = match self.oldest {
                None => rx.recv().map_err(|_| mpsc::RecvTimeoutError::Disconnected),
                Some(t) => rx.recv_timeout(OUTCOME_DELAY.saturating_sub(t.elapsed())),
            };
            match next {
                Ok(Op::Admit { candidates, policy, budget, reply }) => {
                    // A failure goes to the run, which stops; outcomes and releases still come.
                    let changes = self.take();
                    let _ = reply.send(self.store.admit(changes, &candidates, policy, budget));
                    self.store.fold();
                }
                Ok(Op::Gone(reply)) => {
                    let result = self.flush().and_then(|()| self.store.gone());
                    let _ = reply.send(result);
                }
                Ok(Op::Change(change)) => {
                    self.oldest.get_or_insert_with(Instant::now);
                    self.waiting += change.len();
                    self.buffered.push(change);
                    if self.waiting >= MAX_BUFFERED {
                        self.flush()?;
                    }
                }
                Err(mpsc::RecvTimeoutError::Timeout) => {
                    self.flush()?;
                    self.store.fold();
                }
                Err(mpsc::RecvTimeoutError::Disconnected) => {
                    self.flush()?;
                    return self.store.finish();
                }
            }
        }
    }

    /// The buffered changes, handed to the store.
    fn take(&mut self) -> Vec<Change> {
        self.oldest = None;
        self.waiting = 0;
        std::mem::take(&mut self.buffered)
    }

    /// Commits buffered outcomes and releases on their own.
    fn flush(&mut self) -> Result<(), JournalError> {
        if self.buffered.is_empty() {
            return Ok(());
        }
        let changes = self.take();
        self.store.flush(changes)
    }
}
