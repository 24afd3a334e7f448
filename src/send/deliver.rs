//! One worker: claims the next recipient, paces, sends, classifies and retries. A recipient's
//! request is resent only when the previous attempt surely did not deliver it (the provider
//! said so, or the request never left the machine), unless `delivery.retry_ambiguous` opts
//! into at-least-once.

use super::backoff::{Jitter, delay};
use super::client::{Attempt, attempt};
use super::{Event, Shared, StopReason};
use crate::plan::Send;
use crate::providers::{Outcome, ProviderError, Response};
use crate::results::{Record, Status};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;
use tokio::sync::mpsc::UnboundedSender;

/// Claims and delivers recipients until none are left or the run stops.
pub(super) async fn worker(shared: Arc<Shared>, tx: UnboundedSender<Event>) {
    let mut stop = shared.stop.subscribe();
    loop {
        if *stop.borrow() {
            return;
        }
        let index = shared.next.fetch_add(1, Ordering::SeqCst);
        let Some(send) = shared.sends.get(index) else { return };
        // The journal keys each mark by the request's hash; without a journal nothing needs it.
        let journal =
            shared.journal.as_ref().map(|j| (j, crate::journal::request_hash(&send.request, &shared.base_url)));
        let (record, reason) =
            deliver(&shared, send, index, journal.as_ref().map(|(_, h)| h.as_str()), &tx, &mut stop).await;
        if let Some((journal, hash)) = journal.filter(|_| record.attempts > 0) {
            if record.status == Status::Skipped {
                // Marked, but surely not delivered: back to how it was, so a re-run sends it.
                journal.release(&record.recipient);
            } else {
                journal.done(&record, hash);
            }
        }
        if reason.is_some() {
            // Stop the other workers now, not when the collector gets to this event.
            shared.stop.send_replace(true);
        }
        if tx.send(Event::Done { index, record: Box::new(record), stop: reason }).is_err() {
            return;
        }
    }
}

async fn deliver(
    shared: &Shared,
    send: &Send,
    index: usize,
    hash: Option<&str>,
    tx: &UnboundedSender<Event>,
    stop: &mut tokio::sync::watch::Receiver<bool>,
) -> (Record, Option<StopReason>) {
    let d = &shared.delivery;
    let provider = shared.provider.provider();
    let mut jitter = Jitter::new(index as u64 + 1);
    let mut wait: Option<Duration> = None;
    let mut first_sent = None;
    let mut last = Last::default();
    for n in 1..=d.max_attempts {
        if let Some(w) = wait.take() {
            let _ = tx.send(Event::Retrying(true));
            let stopped = tokio::select! {
                () = tokio::time::sleep(w) => false,
                _ = stop.wait_for(|s| *s) => true,
            };
            let _ = tx.send(Event::Retrying(false));
            if stopped {
                return (stopped_record(send, n - 1, first_sent, &last), None);
            }
        }
        let stopped = tokio::select! {
            () = shared.pacer.wait() => false,
            _ = stop.wait_for(|s| *s) => true,
        };
        if stopped || *stop.borrow() {
            return (stopped_record(send, n - 1, first_sent, &last), None);
        }
        if let (1, Some(journal), Some(hash)) = (n, &shared.journal, hash) {
            let key = send.recipient.target.to_string();
            if let Err(e) = journal.in_flight(&key, send.recipient.csv_line(), &send.request, hash.to_string()).await {
                return (stopped_record(send, 0, None, &last), Some(StopReason::Journal(e)));
            }
        }
        let _ = tx.send(Event::Request);
        first_sent.get_or_insert_with(std::time::Instant::now);
        let (result, _) = attempt(&shared.client, &send.request, &shared.secret).await;
        match result {
            Attempt::Answered { status, retry_after, body } => {
                last.http_status = Some(status);
                match provider.classify(&Response { status, retry_after, body: &body }) {
                    Outcome::Accepted { message_id } => {
                        let mut r = record(send, Status::Sent, n, first_sent);
                        r.http_status = Some(status);
                        r.message_id = message_id;
                        return (r, None);
                    }
                    Outcome::Retry { error, after } => {
                        last.set(error.code, error.message);
                        wait = Some(delay(n + 1, after, jitter.next()));
                    }
                    Outcome::Failed(error) => return (failed(send, n, first_sent, status, error), None),
                    Outcome::Ambiguous(error) => {
                        last.http_status = Some(status);
                        let code = error.code.unwrap_or_else(|| format!("http_{status}"));
                        if let Some(r) = ambiguous(send, n, d, first_sent, &mut last, code, error.message) {
                            return (r, None);
                        }
                        wait = Some(delay(n + 1, None, jitter.next()));
                    }
                    Outcome::Stop(error) => {
                        return (failed(send, n, first_sent, status, error.clone()), Some(StopReason::Provider(error)));
                    }
                }
            }
            Attempt::NotSent(why) => {
                last.http_status = None;
                last.set(Some("connect".into()), why);
                last.unreachable = true;
                wait = Some(delay(n + 1, None, jitter.next()));
            }
            Attempt::Ambiguous(why) => {
                last.http_status = None;
                let code = if why.contains("timed out") { "timeout" } else { "no_answer" };
                if let Some(r) = ambiguous(send, n, d, first_sent, &mut last, code.into(), why) {
                    return (r, None);
                }
                wait = Some(delay(n + 1, None, jitter.next()));
            }
        }
    }
    // Out of attempts. If any attempt went unanswered, the provider may have the message.
    let status = if last.ambiguous { Status::Unknown } else { Status::Failed };
    let mut r = record(send, status, d.max_attempts, first_sent);
    r.http_status = last.http_status;
    r.error_code = last.code.clone();
    r.error_message = Some(format!("gave up after {} attempts: {}", d.max_attempts, last.message));
    let reason = last.unreachable.then(|| StopReason::Unreachable(last.message.clone()));
    (r, reason)
}

/// An attempt that may have delivered: the recipient ends `unknown` unless `retry_ambiguous`
/// allows another attempt (`None`: retry).
fn ambiguous(
    send: &Send,
    n: u32,
    d: &crate::delivery::Delivery,
    since: Option<std::time::Instant>,
    last: &mut Last,
    code: String,
    why: String,
) -> Option<Record> {
    if !d.retry_ambiguous || n == d.max_attempts {
        let mut r = record(send, Status::Unknown, n, since);
        r.http_status = last.http_status;
        r.error_code = Some(code);
        r.error_message = Some(format!("{why}; the provider may or may not have the message, so it was not resent"));
        return Some(r);
    }
    last.set(Some(code), why);
    last.ambiguous = true;
    None
}

/// The last retryable failure, for the record when attempts run out.
#[derive(Default)]
struct Last {
    http_status: Option<u16>,
    code: Option<String>,
    message: String,
    unreachable: bool,
    /// An earlier attempt may have delivered (only with `retry_ambiguous`).
    ambiguous: bool,
}

impl Last {
    fn set(&mut self, code: Option<String>, message: String) {
        self.code = code;
        self.message = message;
        self.unreachable = false;
    }
}

/// The record of a recipient the run stopped before (or between) attempts: skipped when nothing
/// can have reached the provider, unknown when an earlier attempt went unanswered.
fn stopped_record(send: &Send, attempts: u32, since: Option<std::time::Instant>, last: &Last) -> Record {
    let status = if last.ambiguous { Status::Unknown } else { Status::Skipped };
    let mut r = record(send, status, attempts, since);
    r.error_code = Some(if last.ambiguous { last.code.clone().unwrap_or_default() } else { "not_sent".into() });
    r.error_message = Some(if last.ambiguous {
        format!("the campaign stopped before a retry; an earlier attempt got no answer ({})", last.message)
    } else {
        "not sent: the campaign stopped".into()
    });
    r
}

fn failed(send: &Send, attempts: u32, since: Option<std::time::Instant>, status: u16, e: ProviderError) -> Record {
    let mut r = record(send, Status::Failed, attempts, since);
    r.http_status = Some(status);
    r.error_code = e.code;
    r.error_message = Some(e.message);
    r
}

/// A record for `send` with the given status.
pub(super) fn record(send: &Send, status: Status, attempts: u32, since: Option<std::time::Instant>) -> Record {
    Record {
        recipient: send.recipient.target.to_string(),
        csv_line: send.recipient.csv_line(),
        status,
        message_id: None,
        http_status: None,
        error_code: None,
        error_message: None,
        attempts,
        latency_ms: since.map(|s| s.elapsed().as_millis() as u64),
        timestamp: crate::results::now(),
    }
}

/// A record for a recipient past `--limit`.
pub(super) fn beyond_limit(send: &Send) -> Record {
    let mut r = record(send, Status::Skipped, 0, None);
    r.error_code = Some("pending".into());
    r.error_message = Some("not sent yet: beyond --limit".into());
    r
}

/// A record for a recipient the run never reached.
pub(super) fn not_sent(send: &Send, why: String) -> Record {
    let mut r = record(send, Status::Skipped, 0, None);
    r.error_code = Some("not_sent".into());
    r.error_message = Some(why);
    r
}
