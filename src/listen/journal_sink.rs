//! The listener's [`Sink`] into the campaign journal. One writer thread owns the journal: it
//! takes every post's receipts queued while it wrote the last batch, records them all in one
//! transaction (group commit), and only then answers each post with its own share, so a post
//! is answered 200 once its receipts are durable, and a failed write answers every post of the
//! batch 503 (its provider retries). A `sent` event is counted, not stored: the journal already
//! knows the provider accepted the message (and a message is billed when delivered, so its
//! pricing is taken from the delivery or read). Every [`sweep`](JournalSink::start) interval the
//! thread deletes receipts that matched no recipient for the grace ([`crate::journal::GRACE`]).

use super::metrics::Writes;
use super::sink::{Sink, SinkError, Stored};
use crate::journal::{Delivery, Fate, Journal, JournalError, Receipt};
use crate::providers::{MessageStatus, ProviderKind, StatusEvent};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};
use tokio::sync::oneshot;

/// The most receipts written in one transaction: a batch answers its posts together, so a
/// bound keeps the first post's wait short under a flood.
const MOST: usize = 10_000;

/// One post's receipts, and where to answer it.
struct Job {
    receipts: Vec<Receipt>,
    reply: oneshot::Sender<Result<Vec<Fate>, Arc<JournalError>>>,
}

/// Stores receipts into a journal opened with [`Journal::open_listener`].
pub struct JournalSink {
    jobs: Mutex<Option<mpsc::Sender<Job>>>,
    writer: Mutex<Option<JoinHandle<()>>>,
    writes: Arc<Writes>,
}

/// The writer thread is gone (it cannot be, short of a panic).
#[derive(Debug, thiserror::Error)]
#[error("the journal's writer stopped")]
struct WriterGone;

impl JournalSink {
    /// Starts the writer thread on `journal`; receipts matching no recipient are swept once
    /// `grace` has passed since they came.
    pub fn start(journal: Journal, grace: Duration) -> std::io::Result<JournalSink> {
        let (jobs, inbox) = mpsc::channel();
        let writes = Arc::new(Writes::default());
        let writer = std::thread::Builder::new().name("herald-listen-journal".into()).spawn({
            let writes = writes.clone();
            move || write(journal, &inbox, &writes, grace)
        })?;
        Ok(JournalSink { jobs: Mutex::new(Some(jobs)), writer: Mutex::new(Some(writer)), writes })
    }

    /// Writes what is queued, then stops the writer. Posts still to come are answered 503.
    pub fn finish(&self) {
        drop(self.jobs.lock().unwrap_or_else(std::sync::PoisonError::into_inner).take());
        if let Some(writer) = self.writer.lock().unwrap_or_else(std::sync::PoisonError::into_inner).take() {
            let _ = writer.join();
        }
    }
}

impl Drop for JournalSink {
    fn drop(&mut self) {
        self.finish();
    }
}

/// The receipt an event records (`None`: a `sent`, which the journal knows already).
pub fn receipt(event: StatusEvent, now: jiff::Timestamp, provider: ProviderKind) -> Option<Receipt> {
    let delivery = match event.status {
        MessageStatus::Sent => return None,
        MessageStatus::Delivered => Delivery::Delivered,
        MessageStatus::Read => Delivery::Read,
        MessageStatus::Failed => Delivery::Failed,
    };
    // Codes and words are bounded: they reach the journal, every report and the failures by
    // code, and a post may carry a megabyte of them.
    let (error_code, error) = match event.error {
        Some(e) => (
            e.code.map(|c| bounded(&c, CODE_CHARS)),
            Some(e.message).filter(|m| !m.is_empty()).map(|m| bounded(&m, WORDS_CHARS)),
        ),
        None => (None, None),
    };
    let at = event.at.unwrap_or(now);
    // Only a delivered message is billed: a failure's pricing, if any, is not the message's cost.
    let pricing = event.pricing.filter(|_| delivery != Delivery::Failed);
    Some(Receipt { message_id: event.message_id, delivery, at, error_code, error, provider: Some(provider), pricing })
}

/// The longest failure code kept (Meta's are six digits; others are short words).
const CODE_CHARS: usize = 64;
/// The longest failure description kept.
const WORDS_CHARS: usize = 512;

/// `text` cut to `most` characters, with `…` where it was cut.
fn bounded(text: &str, most: usize) -> String {
    match text.char_indices().nth(most) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text.to_string(),
    }
}

impl Sink for JournalSink {
    async fn store(&self, provider: ProviderKind, events: Vec<StatusEvent>) -> Result<Stored, SinkError> {
        let now = jiff::Timestamp::now();
        let receipts: Vec<Receipt> = events.into_iter().filter_map(|e| receipt(e, now, provider)).collect();
        if receipts.is_empty() {
            return Ok(Stored::default());
        }
        let (reply, answer) = oneshot::channel();
        let sent = match &*self.jobs.lock().unwrap_or_else(std::sync::PoisonError::into_inner) {
            Some(jobs) => jobs.send(Job { receipts, reply }).is_ok(),
            None => false,
        };
        if !sent {
            return Err(SinkError(Box::new(WriterGone)));
        }
        let fates = answer.await.map_err(|_| SinkError(Box::new(WriterGone)))?.map_err(|e| SinkError(Box::new(e)))?;
        let recorded: crate::journal::Recorded = fates.into_iter().collect();
        Ok(Stored { new: recorded.new, repeated: recorded.repeated, unknown: recorded.unknown })
    }

    fn metrics(&self) -> String {
        self.writes.render()
    }
}

/// The writer thread: batches, writes and answers until every sender of jobs is gone, and
/// sweeps between batches.
fn write(mut journal: Journal, inbox: &mpsc::Receiver<Job>, writes: &Writes, grace: Duration) {
    let every = (grace / 2).clamp(Duration::from_millis(100), Duration::from_secs(60));
    let mut swept = Instant::now();
    loop {
        let wait = every.saturating_sub(swept.elapsed());
        match inbox.recv_timeout(wait) {
            Ok(first) => {
                let mut batch = vec![first];
                let mut n = batch[0].receipts.len();
                while n < MOST {
                    let Ok(job) = inbox.try_recv() else { break };
                    n += job.receipts.len();
                    batch.push(job);
                }
                commit(&mut journal, batch, writes);
            }
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => return,
        }
        if swept.elapsed() >= every {
            sweep(&mut journal, grace, writes);
            swept = Instant::now();
        }
    }
}

/// Records a batch in one transaction and answers each of its posts.
fn commit(journal: &mut Journal, batch: Vec<Job>, writes: &Writes) {
    let mut all = Vec::with_capacity(batch.iter().map(|j| j.receipts.len()).sum());
    let mut replies = Vec::with_capacity(batch.len());
    for job in batch {
        replies.push((job.receipts.len(), job.reply));
        all.extend(job.receipts);
    }
    let started = Instant::now();
    let written = journal.record_each(&all);
    writes.wrote(all.len(), started.elapsed(), written.is_ok());
    match written {
        Ok(fates) => {
            let mut fates = fates.into_iter();
            for (n, reply) in replies {
                let _ = reply.send(Ok(fates.by_ref().take(n).collect()));
            }
        }
        Err(e) => {
            tracing::warn!(error = %e, receipts = all.len(), "cannot write receipts to the journal; the posts are answered 503");
            let e = Arc::new(e);
            for (_, reply) in replies {
                let _ = reply.send(Err(e.clone()));
            }
        }
    }
}

/// Deletes the receipts that matched no recipient for `grace`.
fn sweep(journal: &mut Journal, grace: Duration, writes: &Writes) {
    match journal.sweep_receipts(jiff::Timestamp::now() - grace) {
        Ok(n) => writes.swept(n),
        Err(e) => tracing::warn!(error = %e, "cannot sweep the receipts of unknown messages; retrying later"),
    }
}
