//! The run, as a library call: [`run`] takes a validated plan, the run's options, the journal,
//! a transport, a cancellation token and a progress callback, sends, writes the report as it
//! goes, and returns the outcome. The CLI only parses, confirms, calls it, prints and maps the
//! exit code; tests call it in-process with the in-memory transport ([`memory`]).
//!
//! Data flows one way: the feed renders rows, the journal admits and claims them, the claimed
//! become requests (one each, or batches, see `batch`), workers send them, and each row's
//! record goes to the report and, if final, back to the journal.

mod ahead;
mod aimd;
mod backoff;
mod batch;
mod deliver;
mod engine;
mod feed;
mod gate;
pub mod http;
mod inspect;
mod jitter;
pub mod lanes;
pub mod memory;
mod meter;
mod open_files;
mod pacing;
mod pins;
mod prepared;
mod queue;
mod request_hash;
mod retries;
mod shares;
mod stop;
mod tally;
pub mod transport;

pub use crate::report::StopKind;
pub use engine::{Action, LimitReason};
pub use http::{Http, client, parse_retry_after};
pub use inspect::{Inspection, inspect};
pub use pacing::Pacer;
pub use pins::Pins;
pub use shares::{Share, Shares};
pub use stop::StopReason;
pub use tally::Tally;
pub use transport::Transport;

use crate::error::Error;
use crate::journal::{Journal, JournalError, Policy};
use crate::plan::Plan;
use crate::report::{About, CanaryRun, Mode, Report, RunInfo, Stopped, Writer};
use crate::secret::{Secret, Tokens};
use gate::Gate;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// The journal's name for a canary run (its `runs.mode`).
pub const CANARY: &str = "canary";

/// How to run.
#[derive(Debug, Clone)]
pub struct Options {
    /// Where the run sends, as the report names it; [`Mode::DryRun`] sends nothing.
    pub mode: Mode,
    /// Send to the first N recipients not yet sent to (a canary).
    pub limit: Option<usize>,
    /// Which final states to send to again.
    pub policy: Policy,
    /// Keep each request body in the journal.
    pub keep_bodies: bool,
    /// Recipients this run is expected to send to, for progress; `None`: the audience.
    pub expected: Option<usize>,
    /// Where the report goes (`results.csv` as the run goes, the summaries at the end); `None`
    /// writes none (a dry run without `--report`).
    pub report_dir: Option<PathBuf>,
    /// Honour the campaign's sending window, judged by this clock; `None` sends regardless
    /// (`--ignore-window`).
    pub window: Option<crate::window::Clock>,
    /// Run the campaign's canary (`delivery.canary`): its seeds, then its count of the
    /// audience, and no more; the journal records the run as the canary.
    pub canary: bool,
    /// Recipients the journal records as sent from another sender than their hash picks now
    /// (a sender was added to `provider.senders` since): the index in
    /// [`Plan::senders`] of the one they go from again ([`Inspection::pinned`]).
    pub pinned: Arc<Pins>,
}

/// What a run did.
#[derive(Debug)]
pub struct Outcome {
    /// The report over the whole campaign (earlier runs included).
    pub report: Report,
    /// Why the run stopped early, if it did.
    pub stopped: Option<StopReason>,
    /// This run's counts.
    pub tally: Tally,
    /// The report could not be written in full (the run went on: the journal has every outcome,
    /// and `herald report` rebuilds it).
    pub report_error: Option<Error>,
}

/// Runs `plan`: sends (or, in a dry run, renders) to every recipient the journal does not
/// already have as final, and reports on everyone.
pub async fn run<T: Transport>(
    plan: Arc<Plan>,
    options: &Options,
    mut journal: Option<&mut Journal>,
    transport: Arc<T>,
    tokens: Tokens,
    cancel: CancellationToken,
    progress: &mut (dyn FnMut(&Tally, Duration) + Send),
) -> Result<Outcome, Error> {
    let started = jiff::Timestamp::now();
    let dry_run = options.mode == Mode::DryRun;
    tracing::info!(campaign = %plan.id, mode = options.mode.as_str(), provider = %plan.provider, "run starts");
    let report_error = |source| Error::Report { dir: options.report_dir.clone().unwrap_or_default(), source };
    let writer = match &options.report_dir {
        Some(dir) => Writer::in_dir(dir).map_err(report_error)?,
        None => Writer::new(None).map_err(report_error)?,
    };
    let mut sink = Sink::new(writer, None);
    let canary = options.canary && plan.canary.is_some();
    // The smallest limit binds, and says why the rest wait.
    let mut limits = vec![];
    if let Some(n) = options.limit {
        limits.push((n, LimitReason::Limit));
    }
    if let Some(c) = plan.canary.as_ref().filter(|_| canary) {
        limits.push((c.size(), LimitReason::Canary));
    }
    // Each sender as the journal names it: provider and account (`cloud_api:1234`).
    let keys: Vec<String> = plan.senders.iter().map(|s| format!("{}:{}", plan.provider, s.account)).collect();
    let sender = keys.join(" ");
    // What each sender may still send today. The journal counts messages by campaign, not
    // yet by sender: with several senders, each is charged with all of this campaign's
    // messages of the day, which may hold some back early but never sends past a cap.
    let mut caps = Vec::with_capacity(keys.len());
    for (key, s) in keys.iter().zip(&plan.senders) {
        caps.push(match (s.daily_cap, journal.as_deref()) {
            (Some(cap), Some(j)) => {
                let (now, day) = (jiff::Timestamp::now(), jiff::SignedDuration::from_hours(24));
                let (used, oldest) = j.sent_since(key, &plan.id, now - day)?;
                // Nothing sent yet: this run's first message, about now, is the oldest.
                Some((cap.saturating_sub(used), oldest.unwrap_or(now) + day))
            }
            _ => None,
        });
    }
    if let ([Some((left, frees))], Some(cap)) = (&caps[..], plan.senders[0].daily_cap) {
        limits.push((*left, LimitReason::DailyCap { cap, frees: *frees }));
        caps.clear();
    }
    let (limit, limited_by) = match limits.into_iter().min_by_key(|(n, _)| *n) {
        Some((n, why)) => (Some(n), why),
        None => (None, LimitReason::Limit),
    };
    let seeds = plan.canary.as_ref().filter(|_| canary).map_or(0, |c| c.seeds.len());
    let expected = options.expected.unwrap_or(plan.audience.counts.recipients) + seeds;
    let expected = limit.map_or(expected, |l| l.min(expected));
    // A run that sends nobody (all already sent) is not recorded as a run.
    let run_id = match journal.as_deref_mut().filter(|_| !dry_run && expected > 0) {
        Some(j) => Some(j.begin_run(
            &plan.id,
            &plan.sections,
            &plan.source,
            if canary { CANARY } else { options.mode.as_str() },
            &sender,
        )?),
        None => None,
    };
    let d = &plan.delivery;
    let slots = match journal.as_deref_mut().filter(|_| run_id.is_some()) {
        // One sender: the journal holds its cap at each claim. Several: the run does.
        Some(j) if keys.len() == 1 => {
            j.share_limits(&sender, d.daily_cap, plan.senders[0].rate_per_sec, d.burst)?.map(|s| vec![s])
        }
        Some(j) => {
            let mut slots = Vec::with_capacity(keys.len());
            for (key, s) in keys.iter().zip(&plan.senders) {
                slots.extend(j.share_limits(key, None, s.rate_per_sec, d.burst)?);
            }
            Some(slots).filter(|s| s.len() == keys.len())
        }
        None => None,
    };
    let writer = journal.as_deref().map(|j| j.writer(&plan.id, options.keep_bodies)).transpose()?;
    let gate = writer.as_ref().map_or(Gate::Open, |w| Gate::Journal(w.handle()));
    let setup = engine::Setup {
        action: if dry_run { Action::DryRun } else { Action::Send },
        limit,
        policy: options.policy,
        expected,
        window: options.window.clone(),
        canary,
        limited_by,
        slots,
        caps,
        pinned: options.pinned.clone(),
    };
    let mut record = |r: &crate::results::Record| sink.record(r);
    let done = engine::drive(plan.clone(), setup, gate, transport, tokens, cancel, &mut record, progress).await;
    let stopped = settle(done.stopped, writer);
    let (summary, write_error) = sink.finish();
    let info = RunInfo {
        requests: done.tally.requests,
        finished: done.tally.finished(),
        started_at: crate::results::timestamp(started),
        duration_ms: done.elapsed.as_millis() as u64,
        stopped: stopped.as_ref().map(|s| Stopped { kind: s.kind(), message: s.to_string() }),
        senders_stopped: done.senders_stopped.iter().map(|(sender, why)| (sender.clone(), why.to_string())).collect(),
        held_until: done.tally.next_opening,
        pace: (options.mode != Mode::DryRun && done.tally.requests > 0).then_some(done.pace),
        receipts: None,
        canary: plan.canary.as_ref().filter(|_| canary).map(|c| match c.pause || dry_run {
            true => CanaryRun::Pauses,
            false => CanaryRun::GoesOn,
        }),
    };
    let report = Report::new(About::of(&plan, options.mode), summary, info);
    tracing::info!(
        requests = report.run.requests,
        finished = report.run.finished,
        stopped = report.run.stopped.as_ref().map(|s| s.message.as_str()).unwrap_or("no"),
        exit = report.exit_code,
        "run ends"
    );
    let summaries = |dir: &PathBuf| report.write_summaries(dir).err();
    let report_error = write_error.or_else(|| options.report_dir.as_ref().and_then(summaries)).map(report_error);
    if let (Some(j), Some(id)) = (journal, run_id) {
        let stop = report.run.stopped.as_ref().map(|s| (s.kind.as_str(), s.message.as_str()));
        j.end_run(id, stop, report.exit_code)?;
    }
    Ok(Outcome { report, stopped, tally: done.tally, report_error })
}

/// The run's stop reason once the journal's thread has finished: a failure to write the journal
/// outweighs any other reason (the outcomes it lost must be known), and replaces the mere news
/// that the writer had stopped.
fn settle(stopped: Option<StopReason>, writer: Option<crate::journal::writer::Writer>) -> Option<StopReason> {
    match (writer.map(crate::journal::writer::Writer::finish), stopped) {
        (Some(Err(e)), Some(StopReason::Journal(first))) if !matches!(first, JournalError::WriterGone(_)) => {
            drop(e);
            Some(StopReason::Journal(first))
        }
        (Some(Err(e)), _) => Some(StopReason::Journal(e)),
        (_, stopped) => stopped,
    }
}

/// The report of a campaign rebuilt from its journal: what each recipient's row records,
/// `pending` for those never attempted, the rows the campaign skips, and rows of recipients it
/// no longer lists. Nothing is rendered or sent. Output into a closed pipe ends it quietly.
pub async fn rebuild(plan: Arc<Plan>, journal: &Journal, report: Writer) -> Result<crate::report::Summary, Error> {
    let writer = journal.writer(&plan.id, false)?;
    let setup = engine::Setup {
        action: Action::Rebuild,
        limit: None,
        policy: Policy::default(),
        expected: 0,
        window: None,
        canary: false,
        limited_by: LimitReason::Limit,
        slots: None,
        caps: Vec::new(),
        pinned: Arc::default(),
    };
    let cancel = CancellationToken::new();
    let mut sink = Sink::new(report, Some(cancel.clone()));
    let mut record = |r: &crate::results::Record| sink.record(r);
    let gate = Gate::Journal(writer.handle());
    let transport = Arc::new(transport::Nowhere);
    let done =
        engine::drive(plan, setup, gate, transport, Secret::new("").into(), cancel, &mut record, &mut |_, _| {}).await;
    let (summary, write_error) = sink.finish();
    match (settle(done.stopped, Some(writer)), write_error) {
        (_, Some(e)) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(Error::Output(e)),
        (Some(StopReason::Journal(e)), None) => Err(e.into()),
        (Some(StopReason::Plan(e)), None) => Err(e.into()),
        _ => Ok(summary),
    }
}

/// Where a run's records go: the report writer, keeping the first write error (and cancelling
/// the run on it, when given a token: a report nobody can read is not worth reading on).
struct Sink {
    writer: Writer,
    failed: Option<std::io::Error>,
    cancel_on_error: Option<CancellationToken>,
}

impl Sink {
    fn new(writer: Writer, cancel_on_error: Option<CancellationToken>) -> Sink {
        Sink { writer, failed: None, cancel_on_error }
    }

    fn record(&mut self, r: &crate::results::Record) {
        if self.failed.is_some() {
            return;
        }
        if let Err(e) = self.writer.record(r) {
            self.failed = Some(e);
            if let Some(cancel) = &self.cancel_on_error {
                cancel.cancel();
            }
        }
    }

    /// The counters, and the first write error.
    fn finish(self) -> (crate::report::Summary, Option<std::io::Error>) {
        let (summary, flushed) = self.writer.finish();
        (summary, self.failed.or(flushed.err()))
    }
}
