//! One attempt at a request: send, classify the answer, and say whether to try again and
//! when. A request is resent only when the previous attempt surely did not deliver it (the
//! provider said so, or the request never left the machine), unless `delivery.retry_ambiguous`
//! opts into at-least-once. The wait between attempts is the engine's (it holds no worker and,
//! where nothing can have been delivered, no claim); the attempts so far ride along in the
//! request ([`Tries`]). A failed delivery is data: every path ends in a [`Record`], which every
//! recipient the request carries (one, or a batch) shares.

use super::backoff::{Jitter, delay};
use super::batch::Request;
use super::pacing::Pacer;
use super::stop::StopReason;
use super::transport::{Attempt, NetworkFailure, Transport};
use crate::delivery::Delivery;
use crate::providers::{Outcome, ProviderError, ProviderKind, Response, correlation};
use crate::results::{Code, Record, Status};
use crate::secret::Secret;
use std::sync::atomic::{AtomicIsize, AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;
use tokio::time::Instant;

/// What a worker needs besides the job.
pub struct Context<'a, T> {
    /// The provider, to classify answers.
    pub provider: ProviderKind,
    /// Attempts, timeouts, ambiguity.
    pub delivery: &'a Delivery,
    /// The transport.
    pub transport: &'a T,
    /// The lane the worker runs on.
    pub lane: usize,
    /// The secret.
    pub secret: &'a Secret,
    /// The shared pacer, told when the provider throttles.
    pub pacer: &'a Pacer,
    /// What the attempts count, for progress and the pace.
    pub counters: &'a Counters,
}

/// What attempts count, shared by every worker: read by the engine each tick.
#[derive(Debug, Default)]
pub struct Counters {
    /// Requests made, retries included.
    pub requests: AtomicUsize,
    /// Requests on the wire now.
    pub in_flight: AtomicIsize,
    /// Attempts ended (answered or not).
    pub answers: AtomicUsize,
    /// The time those attempts took, in microseconds, together.
    pub waited_us: AtomicU64,
    /// Requests the provider refused for the pace.
    pub throttled: AtomicUsize,
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

/// What an attempt leads to.
pub enum Step {
    /// The request ended.
    Done(Box<Delivered>),
    /// Try again after this long.
    Wait(Duration),
}

/// A request's attempts so far.
#[derive(Debug, Default)]
pub struct Tries {
    /// Attempts made.
    made: u32,
    /// When the first went out.
    first_sent: Option<Instant>,
    /// The last retryable failure.
    last: Last,
    /// Retry jitter, seeded by the request's position once it is first needed.
    jitter: Option<Jitter>,
}

impl Tries {
    /// Whether an attempt may have delivered (one went unanswered, with `retry_ambiguous`): its
    /// claim must be kept while it waits.
    pub fn maybe_delivered(&self) -> bool {
        self.last.ambiguous
    }
}

/// Makes the next attempt at `job` (the caller has waited for the pacer).
pub async fn attempt<T: Transport>(cx: &Context<'_, T>, job: &mut Request) -> Step {
    let d = cx.delivery;
    let mut t = std::mem::take(&mut job.tries);
    t.made += 1;
    let n = t.made;
    cx.counters.requests.fetch_add(1, Ordering::Relaxed);
    cx.counters.in_flight.fetch_add(1, Ordering::Relaxed);
    let first_sent = *t.first_sent.get_or_insert_with(Instant::now);
    let first_sent = Some(first_sent);
    let jitter = t.jitter.get_or_insert_with(|| Jitter::new(job.seq)).next();
    let last = &mut t.last;
    // The URL and recipient only: headers carry the secret.
    tracing::debug!(recipient = %job, attempt = n, url = %job.wire.url, "request");
    let went = Instant::now();
    let sent = cx.transport.send(cx.lane, &job.wire, cx.secret).await;
    let latency = went.elapsed();
    cx.counters.in_flight.fetch_sub(1, Ordering::Relaxed);
    cx.counters.answers.fetch_add(1, Ordering::Relaxed);
    cx.counters.waited_us.fetch_add(latency.as_micros() as u64, Ordering::Relaxed);
    let wait = match sent {
        Attempt::Answered { status, retry_after, body } => {
            tracing::debug!(recipient = %job, status, "answer");
            last.http_status = Some(status);
            let response = Response { status, retry_after, body: &body, recipients: job.members.len() };
            match cx.provider.provider().classify(&response) {
                Outcome::Accepted { message_id, note } => {
                    let mut r = record(job, Status::Sent, n, first_sent);
                    r.http_status = Some(status);
                    // herald's own id where the provider's webhooks echo it instead of one of theirs.
                    r.message_id = correlation::recorded(cx.provider, &job.wire.body).or(message_id);
                    if let Some(note) = note {
                        r.error_code = note.code.map(Code::Provider);
                        r.error_message = Some(note.message);
                    }
                    return done(r);
                }
                Outcome::Retry { error, after } => {
                    last.set(code_of(error.code, status), error.message);
                    delay(n + 1, after, jitter)
                }
                Outcome::Throttled { error, after } => {
                    // The account's pace: the whole campaign slows down (and pauses for
                    // `Retry-After`); this request waits its turn like any retry.
                    cx.counters.throttled.fetch_add(1, Ordering::Relaxed);
                    cx.pacer.throttled(latency, after);
                    last.set(code_of(error.code, status), error.message);
                    delay(n + 1, after, jitter)
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
                    if let Some(r) = ambiguous(job, n, d, first_sent, last, code, error.message) {
                        return done(r);
                    }
                    delay(n + 1, None, jitter)
                }
                Outcome::Stop(error) if last.ambiguous => {
                    // The provider refused the campaign, but an earlier attempt may have
                    // delivered: the claim is kept, so no re-run sends it again.
                    let mut r = record(job, Status::Unknown, n, first_sent);
                    r.http_status = Some(status);
                    r.error_code = last.code.clone();
                    r.error_message = Some(maybe_delivered(format!("the campaign stopped ({})", error.message), n));
                    return Step::Done(Box::new(Delivered {
                        record: r,
                        untouched: false,
                        stop: Some(StopReason::Provider(error)),
                    }));
                }
                Outcome::Stop(error) => {
                    // The provider refused the campaign, not this recipient: nothing reached
                    // anyone, so the claim is released and a re-run after the fix sends it.
                    let mut r = record(job, Status::Skipped, n, first_sent);
                    r.http_status = Some(status);
                    r.error_code = Some(Code::NotSent);
                    r.error_message = Some(format!("not sent: the campaign stopped ({})", error.message));
                    return Step::Done(Box::new(Delivered {
                        record: r,
                        untouched: true,
                        stop: Some(StopReason::Provider(error)),
                    }));
                }
            }
        }
        Attempt::NotSent(why) => {
            last.http_status = None;
            last.set(Some(why.kind.code()), why.detail.clone());
            last.unreachable = Some(why);
            delay(n + 1, None, jitter)
        }
        Attempt::Ambiguous(why) => {
            last.http_status = None;
            if let Some(r) = ambiguous(job, n, d, first_sent, last, why.kind.code(), why.detail) {
                return done(r);
            }
            delay(n + 1, None, jitter)
        }
    };
    if n < d.max_attempts {
        job.tries = t;
        return Step::Wait(wait);
    }
    Step::Done(Box::new(gave_up(job, d.max_attempts, first_sent, &mut t.last)))
}

/// The record of a request out of attempts.
fn gave_up(job: &Request, attempts: u32, first_sent: Option<Instant>, last: &mut Last) -> Delivered {
    // Out of attempts, and the host never answered the last: nothing left this machine that
    // could have been delivered, so the recipient goes back to pending with the run stopped.
    if let Some(why) = last.unreachable.take().filter(|_| !last.ambiguous) {
        let mut r = record(job, Status::Skipped, attempts, first_sent);
        r.error_code = Some(Code::NotSent);
        r.error_message = Some(format!("not sent: {}", why.detail));
        return Delivered { record: r, untouched: true, stop: Some(StopReason::Unreachable(why)) };
    }
    // If any attempt went unanswered, the provider may have the message.
    let status = if last.ambiguous { Status::Unknown } else { Status::Failed };
    let mut r = record(job, status, attempts, first_sent);
    r.http_status = last.http_status;
    r.error_code = last.code.clone();
    let unknown = if last.ambiguous {
        "; an earlier attempt may have delivered it, `--retry-unknown` sends it again"
    } else {
        ""
    };
    r.error_message = Some(format!("gave up after {attempts} attempts: {}{unknown}", last.message));
    Delivered { record: r, untouched: false, stop: None }
}

fn done(record: Record) -> Step {
    Step::Done(Box::new(Delivered { record, untouched: false, stop: None }))
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
#[derive(Debug, Default)]
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
pub fn stopped(job: &Request) -> Delivered {
    let Tries { made: attempts, first_sent: since, ref last, .. } = job.tries;
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
