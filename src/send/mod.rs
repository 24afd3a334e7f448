//! Sending a planned campaign: `concurrency` workers claim recipients in order, wait for the
//! shared pacer, send, classify the answer and retry what is safe to retry. One collector owns
//! the counts, the failure-rate breaker and the progress display; workers never print.
//! A stop (provider, breaker, unreachable host or Ctrl-C) ends claiming; requests in flight
//! finish; every recipient ends with exactly one record.

mod backoff;
mod client;
mod deliver;
mod pacing;
mod progress;
mod tally;

pub use client::parse_retry_after;
pub use progress::clock;
pub use tally::Tally;

use crate::plan::{Plan, Send};
use crate::providers::ProviderError;
use crate::results::{Record, Status};
use crate::secret::Secret;
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::AtomicUsize;
use std::time::{Duration, Instant};
use tokio::sync::{mpsc, watch};

/// How to send.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Render and record, send nothing.
    pub dry_run: bool,
    /// Send to the first N recipients only.
    pub limit: Option<usize>,
    /// No progress output.
    pub quiet: bool,
}

/// Why a run stopped before reaching everyone.
#[derive(Debug, Clone, PartialEq)]
pub enum StopReason {
    /// The provider refused in a way that fails every request (auth, channel, template).
    Provider(ProviderError),
    /// The provider's host could not be reached, attempts exhausted.
    Unreachable(String),
    /// Failures exceeded `delivery.max_failure_rate`.
    FailureRate {
        /// The rate observed.
        rate: f64,
        /// The allowed rate.
        max: f64,
    },
    /// Ctrl-C.
    Interrupted,
    /// The journal could not be written, so nothing more could be sent safely.
    Journal(String),
}

impl StopReason {
    /// A stable word for reports and the journal.
    pub fn kind(&self) -> &'static str {
        match self {
            StopReason::Provider(_) => "provider",
            StopReason::Unreachable(_) => "unreachable",
            StopReason::FailureRate { .. } => "failure_rate",
            StopReason::Interrupted => "interrupted",
            StopReason::Journal(_) => "journal",
        }
    }
}

impl std::fmt::Display for StopReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StopReason::Provider(e) => match &e.code {
                Some(code) => write!(f, "the provider refused ({code}): {}", e.message),
                None => write!(f, "the provider refused: {}", e.message),
            },
            StopReason::Unreachable(why) => write!(f, "the provider could not be reached: {why}"),
            StopReason::FailureRate { rate, max } => {
                write!(f, "{:.1}% of recipients failed, above the allowed {:.1}%", rate * 100.0, max * 100.0)
            }
            StopReason::Interrupted => f.write_str("interrupted"),
            StopReason::Journal(e) => write!(f, "{e}; nothing more was sent"),
        }
    }
}

/// What a run did.
#[derive(Debug, Clone)]
pub struct RunResult {
    /// One record per recipient, skipped ones included, in plan order.
    pub records: Vec<Record>,
    /// Final counts.
    pub tally: Tally,
    /// Why it stopped early, if it did.
    pub stopped: Option<StopReason>,
    /// When sending started.
    pub started_at: jiff::Timestamp,
    /// How long it took.
    pub elapsed: Duration,
}

/// Messages from workers to the collector.
enum Event {
    /// A request is about to go out.
    Request,
    /// A recipient starts (`true`) or ends (`false`) a retry wait.
    Retrying(bool),
    /// A recipient reached its final state.
    Done { index: usize, record: Box<Record>, stop: Option<StopReason> },
}

/// Everything workers share.
struct Shared {
    sends: Vec<Send>,
    provider: crate::providers::ProviderKind,
    base_url: String,
    delivery: crate::delivery::Delivery,
    client: reqwest::Client,
    secret: Secret,
    journal: Option<crate::journal::writer::Handle>,
    pacer: pacing::Pacer,
    next: AtomicUsize,
    stop: watch::Sender<bool>,
}

/// Sends `plan` (the first `limit` recipients) and returns every recipient's record. Each
/// recipient is marked in flight in `journal` (when given) before its request leaves. The run
/// stops claiming new recipients when `interrupt` completes.
pub async fn run(
    plan: &Plan,
    secret: Secret,
    journal: Option<crate::journal::writer::Handle>,
    options: &Options,
    interrupt: impl Future<Output = ()>,
) -> Result<RunResult, String> {
    let started_at = jiff::Timestamp::now();
    let clock = Instant::now();
    let count = options.limit.unwrap_or(usize::MAX).min(plan.sends.len());
    let mut records: Vec<Option<Record>> = vec![None; count];
    let mut tally = Tally { total: count, ..Tally::default() };
    let mut stopped = None;
    if options.dry_run {
        for (slot, send) in records.iter_mut().zip(&plan.sends) {
            *slot = Some(deliver::record(send, Status::DryRun, 0, None));
            tally.record(Status::DryRun);
        }
    } else {
        let d = &plan.delivery;
        let shared = Arc::new(Shared {
            sends: plan.sends[..count].to_vec(),
            provider: plan.provider,
            base_url: plan.settings.base_url.clone(),
            delivery: plan.delivery.clone(),
            client: client::client(d.timeout, d.concurrency)?,
            secret,
            journal,
            pacer: pacing::Pacer::new(d.rate_per_sec, d.burst),
            next: AtomicUsize::new(0),
            stop: watch::channel(false).0,
        });
        let (tx, mut rx) = mpsc::unbounded_channel();
        for _ in 0..d.concurrency.min(count.max(1)) {
            tokio::spawn(deliver::worker(shared.clone(), tx.clone()));
        }
        drop(tx);
        let mut progress = progress::Progress::new(count, options.quiet);
        tokio::pin!(interrupt);
        let mut interrupted = false;
        loop {
            let event = tokio::select! {
                e = rx.recv() => e,
                () = &mut interrupt, if !interrupted => {
                    interrupted = true;
                    stopped.get_or_insert(StopReason::Interrupted);
                    shared.stop.send_replace(true);
                    continue;
                }
            };
            let Some(event) = event else { break };
            match event {
                Event::Request => tally.requests += 1,
                Event::Retrying(true) => tally.retrying += 1,
                Event::Retrying(false) => tally.retrying -= 1,
                Event::Done { index, record, stop } => {
                    tally.record(record.status);
                    records[index] = Some(*record);
                    if stopped.is_none() {
                        stopped = stop.or_else(|| {
                            tally.breaker_tripped(d.max_failure_rate).then(|| StopReason::FailureRate {
                                rate: tally.failure_rate(),
                                max: d.max_failure_rate,
                            })
                        });
                    }
                    if stopped.is_some() {
                        shared.stop.send_replace(true);
                    }
                }
            }
            progress.update(&tally, clock.elapsed());
        }
        progress.finish();
    }
    let why = stopped.as_ref().map(|s| format!("not sent: the campaign stopped ({s})"));
    let mut records = records.into_iter();
    let records = plan
        .sends
        .iter()
        .map(|send| match records.next() {
            Some(Some(r)) => r,
            Some(None) => deliver::not_sent(send, why.clone().unwrap_or_default()),
            None => deliver::beyond_limit(send),
        })
        .chain(
            plan.skipped_rows
                .iter()
                .map(|s| Record::skipped(s.recipient.clone(), s.csv_line, s.code, s.reason.clone())),
        )
        .collect();
    Ok(RunResult { records, tally, stopped, started_at, elapsed: clock.elapsed() })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stop_reasons_read_as_sentences() {
        let e = ProviderError::new(Some("190".into()), "Invalid OAuth access token.");
        assert_eq!(StopReason::Provider(e).to_string(), "the provider refused (190): Invalid OAuth access token.");
        assert_eq!(
            StopReason::FailureRate { rate: 0.125, max: 0.02 }.to_string(),
            "12.5% of recipients failed, above the allowed 2.0%"
        );
    }
}
