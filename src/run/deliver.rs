//! One request's delivery: pace, send, classify the answer, retry what is safe to retry. A
//! request is resent only when the previous attempt surely did not deliver it (the provider
//! said so, or the request never left the machine), unless `delivery.retry_ambiguous` opts
//! into at-least-once. A failed delivery is data: every path ends in a [`Record`], which every
//! recipient the request carries (one, or a batch) shares.

use super::backoff::{Jitter, delay};
use super::batch::Request;
use super::jitter::{self, Pauses};
use super::pacing::Pacer;
use super::stop::StopReason;
use super::transport::{Attempt, NetworkFailure, Transport};
use crate::delivery::Delivery;
use crate::providers::{Outcome, ProviderError, ProviderKind, Response};
use crate::results::{Code, Record, Status};
use crate::secret::Secret;
use std::time::Duration;
use tokio::sync::watch;
use tokio::time::Instant;

/// What a worker needs besides the job.
pub struct Context<'a, T> {
    /// The provider, to classify answers.
    pub provider: ProviderKind,
    /// Attempts, timeouts, ambiguity.
    pub delivery: &'a Delivery,
    /// The shared pacer.
    pub pacer: &'a Pacer,
    /// The sender's human pauses (`delivery.jitter`), awaited after the pacer.
    pub pauses: &'a Pauses,
    /// The transport.
    pub transport: &'a T,
    /// The lane the worker runs on.
    pub lane: usize,
    /// The secret.
    pub secret: &'a Secret,
    /// Tells the run a request is about to go out (`true`) or a retry wait starts or ends.
    pub events: &'a (dyn Fn(Activity) + Sync),
}

/// What a worker is doing, for the progress display.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Activity {
    /// A request is about to go out.
    Request,
    /// The attempt ended (answered or not) this long after it went out.
    Ended(Duration),
    /// The provider refused it for the pace.
    Throttled,
    /// A retry wait starts (`true`) or ends.
    Retrying(bool),
}

/// How one request ended.
pub struct Delivered {
    /// The record, for every recipient the request carries (see [`Request::records`]).
    pub record: Record,
    /// Whether nothing can have reached the provider, so a claim can be released.
    pub untouched: bool,
    /// A reason to stop the whole campaign.
    pub stop: Option<StopReason>,
}

/// Delivers `job`, giving up between attempts once `stop` turns true.
pub async fn deliver<T: Transport>(cx: &Context<'_, T>, job: &Request, stop: &mut watch::Receiver<bool>) -> Delivered {
    let d = cx.delivery;
    let provider = cx.provider.provider();
    let mut jitter = Jitter::new(job.seq);
    let mut wait: Option<Duration> = None;
    let mut first_sent: Option<Instant> = None;
    let mut last = Last::default();
    for n in 1..=d.max_attempts {
        if let Some(w) = wait.take() {
            (cx.events)(Activity::Retrying(true));
            let stopped = tokio::select! {
                () = tokio::time::sleep(w) => false,
                _ = stop.wait_for(|s| *s) => true,
            };
            (cx.events)(Activity::Retrying(false));
            if stopped {
                return stopped_record(job, n - 1, first_sent, &last);
            }
        }
        // The turn lasts until this attempt ends: with jitter, one message at a time.
        let (stopped, _turn) = tokio::select! {
            turn = async { cx.pacer.wait().await; cx.pauses.turn(jitter::seed(job.seq, n)).await } => (false, Some(turn)),
            _ = stop.wait_for(|s| *s) => (true, None),
        };
        if stopped || *stop.borrow() {
            return stopped_record(job, n - 1, first_sent, &last);
        }
        (cx.events)(Activity::Request);
        first_sent.get_or_insert_with(Instant::now);
        // The URL and recipient only: headers carry the secret.
        tracing::debug!(recipient = %job, attempt = n, url = %job.wire.url, "request");
        let went = Instant::now();
        let attempt = cx.transport.send(cx.lane, &job.wire, cx.secret).await;
        let latency = went.elapsed();
        (cx.events)(Activity::Ended(latency));
        match attempt {
            Attempt::Answered { status, retry_after, body } => {
                tracing::debug!(recipient = %job, status, "answer");
                last.http_status = Some(status);
                match provider.classify(&Response { status, retry_after, body: &body, recipients: job.members.len() }) {
                    Outcome::Accepted { message_id, note } => {
                        let mut r = record(job, Status::Sent, n, first_sent);
                        r.http_status = Some(status);
                        r.message_id = message_id;
                        if let Some(note) = note {
                            r.error_code = note.code.map(Code::Provider);
                            r.error_message = Some(note.message);
                        }
                        return done(r);
                    }
                    Outcome::Retry { error, after } => {
                        last.set(code_of(error.code, status), error.message);
                        wait = Some(delay(n + 1, after, jitter.next()));
                    }
                    Outcome::Throttled { error, after } => {
                        // The account's pace: everyone slows down, this request waits its turn.
                        (cx.events)(Activity::Throttled);
                        cx.pacer.throttled(latency, after);
                        last.set(code_of(error.code, status), error.message);
                        wait = Some(delay(n + 1, after, jitter.next()));
                    }
                    Outcome::Failed(error) => {
                        let mut r = failed(job, n, first_sent, status, error);
                        if last.ambiguous {
                            r.status = Status::Unknown;
                            r.error_message = Some(maybe_delivered(r.error_message.unwrap_or_default(), n));
                        }
                        return done(r);
                    }
                    Outcome::Ambiguous(error) => {
                        let code = error.code.map_or(Code::Http(status), Code::Provider);
                        if let Some(r) = ambiguous(job, n, d, first_sent, &mut last, code, error.message) {
                            return done(r);
                        }
                        wait = Some(delay(n + 1, None, jitter.next()));
                    }
                    Outcome::Stop(error) if last.ambiguous => {
                        // The provider refused the campaign, but an earlier attempt may have
                        // delivered: the claim is kept, so no re-run sends it again.
                        let mut r = record(job, Status::Unknown, n, first_sent);
                        r.http_status = Some(status);
                        r.error_code = last.code.clone();
                        r.error_message = Some(maybe_delivered(format!("the campaign stopped ({})", error.message), n));
                        return Delivered { record: r, untouched: false, stop: Some(StopReason::Provider(error)) };
                    }
                    Outcome::Stop(error) => {
                        // The provider refused the campaign, not this recipient: nothing reached
                        // anyone, so the claim is released and a re-run after the fix sends it.
                        let mut r = record(job, Status::Skipped, n, first_sent);
                        r.http_status = Some(status);
                        r.error_code = Some(Code::NotSent);
                        r.error_message = Some(format!("not sent: the campaign stopped ({})", error.message));
                        return Delivered { record: r, untouched: true, stop: Some(StopReason::Provider(error)) };
                    }
                }
            }
            Attempt::NotSent(why) => {
                last.http_status = None;
                last.set(Some(why.kind.code()), why.detail.clone());
                last.unreachable = Some(why);
                wait = Some(delay(n + 1, None, jitter.next()));
            }
            Attempt::Ambiguous(why) => {
                last.http_status = None;
                if let Some(r) = ambiguous(job, n, d, first_sent, &mut last, why.kind.code(), why.detail) {
                    return done(r);
                }
                wait = Some(delay(n + 1, None, jitter.next()));
            }
        }
    }
    // Out of attempts, and the host never answered the last: nothing left this machine that
    // could have been delivered, so the recipient goes back to pending with the run stopped.
    if let Some(why) = last.unreachable.take().filter(|_| !last.ambiguous) {
        let mut r = record(job, Status::Skipped, d.max_attempts, first_sent);
        r.error_code = Some(Code::NotSent);
        r.error_message = Some(format!("not sent: {}", why.detail));
        return Delivered { record: r, untouched: true, stop: Some(StopReason::Unreachable(why)) };
    }
    // If any attempt went unanswered, the provider may have the message.
    let status = if last.ambiguous { Status::Unknown } else { Status::Failed };
    let mut r = record(job, status, d.max_attempts, first_sent);
    r.http_status = last.http_status;
    r.error_code = last.code.clone();
    let unknown = if last.ambiguous {
        "; an earlier attempt may have delivered it, `--retry-unknown` sends it again"
    } else {
        ""
    };
    r.error_message = Some(format!("gave up after {} attempts: {}{unknown}", d.max_attempts, last.message));
    Delivered { record: r, untouched: false, stop: None }
}

fn done(record: Record) -> Delivered {
    Delivered { record, untouched: false, stop: None }
}

/// The provider's code, else the HTTP status of an answer that gives none (WhautoChat documents
/// no codes), so reports group it by status rather than as `unknown_error`. A 2xx refusal
/// without a code has none: its status says nothing.
fn code_of(code: Option<String>, status: u16) -> Option<Code> {
    code.map(Code::Provider).or_else(|| (!(200..300).contains(&status)).then_some(Code::Http(status)))
}

/// An attempt that may have delivered: the recipient ends `unknown` unless `retry_ambiguous`
/// allows another attempt (`None`: retry).
fn ambiguous(
    job: &Request,
    n: u32,
    d: &Delivery,
    since: Option<Instant>,
    last: &mut Last,
    code: Code,
    why: String,
) -> Option<Record> {
    if !d.retry_ambiguous || n == d.max_attempts {
        let mut r = record(job, Status::Unknown, n, since);
        r.http_status = last.http_status;
        r.error_code = Some(code);
        r.error_message = Some(format!(
            "{why}; the provider may or may not have the message after {n} attempt{}, so herald did not send it \
             again; `--retry-unknown` does",
            if n == 1 { "" } else { "s" }
        ));
        return Some(r);
    }
    last.set(Some(code), why);
    last.ambiguous = true;
    None
}

/// The reason of a recipient refused (or stopped) after an earlier attempt went unanswered:
/// unknown, not failed, so `--retry-failed` does not send it again.
fn maybe_delivered(why: String, attempts: u32) -> String {
    format!(
        "{why} after {attempts} attempts; an earlier attempt may have delivered it, so it is unknown, not failed: \
         `--retry-unknown` sends it again"
    )
}

/// The last retryable failure, for the record when attempts run out.
#[derive(Default)]
struct Last {
    http_status: Option<u16>,
    code: Option<Code>,
    message: String,
    /// The last attempt never left the machine: the host may be unreachable.
    unreachable: Option<NetworkFailure>,
    /// An earlier attempt may have delivered (only with `retry_ambiguous`).
    ambiguous: bool,
}

impl Last {
    fn set(&mut self, code: Option<Code>, message: String) {
        self.code = code;
        self.message = message;
        self.unreachable = None;
    }
}

/// The record of a recipient the run stopped before (or between) attempts: skipped when nothing
/// can have reached the provider, unknown when an earlier attempt went unanswered.
fn stopped_record(job: &Request, attempts: u32, since: Option<Instant>, last: &Last) -> Delivered {
    let status = if last.ambiguous { Status::Unknown } else { Status::Skipped };
    let mut r = record(job, status, attempts, since);
    if last.ambiguous {
        r.error_code = last.code.clone();
        r.error_message =
            Some(format!("the campaign stopped before a retry; an earlier attempt got no answer ({})", last.message));
    } else {
        r.error_code = Some(Code::NotSent);
        r.error_message = Some("not sent: the campaign stopped".into());
    }
    Delivered { record: r, untouched: !last.ambiguous, stop: None }
}

fn failed(job: &Request, attempts: u32, since: Option<Instant>, status: u16, e: ProviderError) -> Record {
    let mut r = record(job, Status::Failed, attempts, since);
    r.http_status = Some(status);
    r.error_code = code_of(e.code, status);
    r.error_message = Some(e.message);
    r
}

/// A record for `job` with the given status, naming its first recipient (every member gets
/// its own copy, see [`Request::records`]).
fn record(job: &Request, status: Status, attempts: u32, since: Option<Instant>) -> Record {
    let first = job.members.first();
    let mut r =
        Record::new(first.map(|m| m.recipient.clone()).unwrap_or_default(), first.and_then(|m| m.csv_line), status);
    r.attempts = attempts;
    r.latency_ms = since.map(|s| s.elapsed().as_millis() as u64);
    r
}
