//! The engine: one loop that takes planned rows from the feed in batches, has the gate admit
//! them, turns the claimed into requests ([`super::batch`]: one per recipient, or batches of
//! the plan's size), hands them to `concurrency` workers, and collects every recipient's
//! record. It owns the counts, the failure-rate breaker, the retries and the stop; workers
//! never print.
//!
//! What a kill leaves `unknown` is kept to what may have reached the provider: claims run
//! ahead of the requests by at most about 100 ms of the rate (a worker waits for its pacer
//! slot before it takes a request, so none is held by a worker that cannot send it yet), and a
//! request the provider surely did not take (429, 5xx it documents as not processed) waits for
//! its retry here, released, and is claimed again when due ([`super::retries`]).
//! A stop (provider, breaker, unreachable host, journal, Ctrl-C) ends claiming and rendering;
//! requests in flight finish; every row still ends with exactly one record. A suppressed
//! recipient the journal has a row for (sent before it was suppressed) is recorded by that row. Counts, progress and
//! `--limit` are in recipients; pacing and concurrency in requests.
//!
//! The loop is here; the engine's bookkeeping is in `state`, requests waiting for a retry in
//! `retry`, a refused sender's share in `senders`, the worker in `worker`, and why recipients
//! wait beyond a limit in `limit`.

mod limit;
mod retry;
mod senders;
mod state;
mod worker;

pub use limit::LimitReason;
use worker::{Shared, work};

use super::ahead::Ahead;
use super::batch::{self, Request};
use super::deliver::{self, Counters, Delivered, Step};
use super::feed::{self, Fed, Job};
use super::gate::Gate;
use super::jitter::{self, Pauses};
use super::lanes::Lanes;
use super::meter::{Meter, Sample};
use super::pacing::Pacer;
use super::queue::Queues;
use super::retries::{Parked, Retries};
use super::stop::StopReason;
use super::tally::Tally;
use super::transport::Transport;
use crate::journal::writer::{Admission, Admitted, Candidate};
use crate::journal::{JournalError, Policy};
use crate::plan::Plan;
use crate::providers::ProviderError;
use crate::recipients::SkipReason;
use crate::results::{Code, Record, Status};
use crate::secret::Tokens;
use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;
use tokio::sync::{mpsc, watch};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

/// How often progress is reported and buffered outcomes go to the journal.
const TICK: Duration = Duration::from_millis(100);

/// Outcomes buffered before they go to the journal without waiting for the tick.
const OUTCOME_BATCH: usize = 512;

/// Batches claimed ahead of the requests going out (queued or being admitted): while workers
/// send one, the journal claims the next; each covers about 50 ms of sending ([`Ahead`]), so
/// a crash leaves about 100 ms of traffic claimed but unsent. With `--limit`, one, so the
/// first N not yet sent are the ones sent.
const AHEAD: usize = 2;

/// The most recipients one claim (a transaction) covers when recipients go out in batches: a
/// few requests' worth, so memory and what a crash leaves `unknown` stay small.
const MAX_CLAIM: usize = 4096;

/// What the engine does with recipients that may be sent to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Claim and send.
    Send,
    /// Render, but send nothing and claim nothing.
    DryRun,
    /// Neither render nor send: say what the journal records for everyone.
    Rebuild,
}

/// How the engine runs.
pub struct Setup {
    /// What to do.
    pub action: Action,
    /// Send to at most this many.
    pub limit: Option<usize>,
    /// Which final states to send to again.
    pub policy: Policy,
    /// Recipients expected to be sent to, for progress (refined as the run goes).
    pub expected: usize,
    /// Honour the campaign's sending window, by this clock; `None` ignores it.
    pub window: Option<crate::window::Clock>,
    /// This run is the campaign's canary: its seeds go first.
    pub canary: bool,
    /// Why `limit` is what it is, for the records of those beyond it.
    pub limited_by: LimitReason,
    /// Sending slots shared with other runners, one per sender (see [`Pacer::Shared`]);
    /// `None` paces this run alone.
    pub slots: Option<Vec<crate::journal::Slots>>,
    /// With several senders: how many more each may send today (`delivery.daily_cap`), and
    /// when its oldest message of the day turns 24 hours old; `None` for an uncapped sender.
    pub caps: Vec<Option<(usize, jiff::Timestamp)>>,
    /// Recipients who go from the sender the journal records for them, not their hash's.
    pub pinned: Arc<super::Pins>,
}

/// A row offered to the gate, beside its candidate.
enum Slot {
    /// A rendered request, sent if claimed.
    Send(Job),
    /// A recipient whose request is not needed (the run stopped, or the limit is reached).
    Unrendered,
    /// A recipient outside their window until then (and then on their clock).
    Held(jiff::Timestamp, String),
    /// A suppressed recipient, looked up but never claimed: the journal's row, when it has one
    /// (sent before the number was suppressed), is their record, else this skip.
    Suppressed(Record),
}

/// What the engine did.
pub struct Done {
    /// Final counts.
    pub tally: Tally,
    /// Why it stopped early.
    pub stopped: Option<StopReason>,
    /// Senders the provider refused while the others went on: the account, and why.
    pub senders_stopped: Vec<(String, StopReason)>,
    /// How long it took.
    pub elapsed: Duration,
    /// The rate asked and achieved over the run, and what held it back.
    pub pace: crate::pace::Pace,
}

/// What workers report.
struct Finished {
    request: Request,
    step: Step,
}

type Admitting = Pin<Box<dyn Future<Output = Result<Admitted, JournalError>> + Send>>;

/// What a batch offered to the gate is.
enum Offer {
    /// Rows from the feed, beside their candidates.
    Rows(Vec<Slot>, Vec<Candidate>),
    /// Requests due for a retry whose claims were released while they waited.
    Retries(Vec<Request>),
}

/// Runs `plan` through `gate` and `transport`; `record` gets every row's record.
#[allow(clippy::too_many_arguments)]
pub async fn drive<T: Transport>(
    plan: Arc<Plan>,
    mut setup: Setup,
    gate: Gate,
    transport: Arc<T>,
    tokens: Tokens,
    cancel: CancellationToken,
    record: &mut (dyn FnMut(&Record) + Send),
    progress: &mut (dyn FnMut(&Tally, Duration) + Send),
) -> Done {
    let clock = Instant::now();
    let d = plan.delivery.clone();
    let sending = setup.action == Action::Send;
    // Claims run ahead of sending by about 50 ms of traffic each, by the rate and not by the
    // concurrency (workers take requests only once they may send them): small enough that a
    // crash leaves few claimed-but-unsent recipients `unknown`, large enough that one commit
    // covers many claims. A claim is whole requests' worth of recipients, so batches fill up.
    let per_request = plan.batch.max(1);
    // With jitter a sender sends one message at a time, at most one per average pause: one
    // worker, and claims of that pace, so few claims wait behind a pause.
    let concurrency = if d.jitter.is_some() { 1 } else { d.concurrency.max(1) };
    // Senders send side by side: their rates add up.
    let rate = plan
        .senders
        .iter()
        .map(|s| d.jitter.map_or(s.rate_per_sec, |p| s.rate_per_sec.min(1.0 / p.mean().as_secs_f64())))
        .sum();
    let mut ahead_of = Ahead::new(rate, 256.min((MAX_CLAIM / per_request).max(1)));
    let batch = Arc::new(AtomicUsize::new(ahead_of.requests() * per_request));
    let render = Arc::new(AtomicBool::new(setup.action != Action::Rebuild));
    let mut batches = {
        let feed_setup = feed::Setup {
            batch: batch.clone(),
            hash: matches!(gate, Gate::Journal(_)) && sending,
            render: setup.action != Action::Rebuild,
            window: setup.window.clone(),
            seeds: setup.canary,
            pinned: setup.pinned.clone(),
        };
        feed::start(plan.clone(), feed_setup, render.clone())
    };
    let queues = Arc::new(Queues::new(plan.senders.len()));
    let batching = plan.provider.provider().info().batching;
    let (done_tx, mut done_rx) = mpsc::unbounded_channel::<Finished>();
    // One stop signal per sender: a provider refusing one account stops only its share.
    let stop_tx: Arc<Vec<watch::Sender<bool>>> =
        Arc::new(plan.senders.iter().map(|_| watch::channel(false).0).collect());
    let activity = Arc::new(Counters::default());
    // Each sender has its own queue, pacer, pauses and stop, and its share of the workers: a
    // worker waits for the pacer of the sender whose requests it takes.
    let per_sender = if d.jitter.is_some() { 1 } else { (concurrency / plan.senders.len().max(1)).max(1) };
    let workers = if sending { per_sender * plan.senders.len() } else { 0 };
    // Judged against the rate the pauses allow, not the one they hold it below.
    let meter = Meter::new(rate, workers, setup.slots.is_some(), d.jitter.is_some());
    let pacers = match setup.slots.take() {
        Some(slots) => {
            plan.senders.iter().zip(slots).map(|(s, slots)| Pacer::shared(s.rate_per_sec, d.burst, slots)).collect()
        }
        None => plan.senders.iter().map(|s| Pacer::new(s.rate_per_sec, d.burst)).collect(),
    };
    let pauses = plan.senders.iter().map(|_| Pauses::new(d.jitter)).collect();
    let shared = Arc::new(Shared { pacers, pauses, transport, tokens, plan: plan.clone() });
    // The transport's lanes, so every lane a worker sends from is one it keeps; never more
    // than workers.
    let lanes = Lanes::start(if sending { shared.transport.lanes().min(workers) } else { 1 });
    for i in 0..workers {
        let lane = i % lanes.count();
        let (shared, rx, tx, stop, activity) =
            (shared.clone(), queues.clone(), done_tx.clone(), stop_tx.clone(), activity.clone());
        lanes.spawn(lane, work(shared, lane, i / per_sender, rx, tx, stop, activity));
    }
    drop(done_tx);

    let mut e = Engine {
        plan: &plan,
        setup: &setup,
        gate: &gate,
        record,
        tally: Tally::of(setup.expected),
        stopped: None,
        budget: if sending || setup.action == Action::DryRun { setup.limit.unwrap_or(usize::MAX) } else { 0 },
        render,
        stop_tx: stop_tx.clone(),
        outcomes: Vec::new(),
        releases: Vec::new(),
        dispatched: 0,
        finished: 0,
        retries: Retries::default(),
        meter,
        caps: setup.caps.clone(),
        senders_stopped: plan.senders.iter().map(|_| None).collect(),
    };
    let mut admitting: VecDeque<(Offer, Admitting)> = VecDeque::new();
    let mut feed_open = true;
    let ahead = if setup.limit.is_some() { 1 } else { AHEAD };
    let mut tick = tokio::time::interval(TICK);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut finished = Vec::with_capacity(64);
    loop {
        // Offer another batch only while it fits in `ahead` batches with the requests queued
        // (workers waiting for the pacer leave theirs queued) and those being admitted: that
        // bounds the recipients claimed but not yet sent.
        let requests = ahead_of.requests();
        let room = queues.len() + requests * (admitting.len() + 1) <= requests * ahead;
        let due = e.retries.next_due().filter(|_| room && e.stopped.is_none());
        tokio::select! {
            biased;
            () = cancel.cancelled(), if e.stopped.is_none() => e.stop(StopReason::Interrupted),
            n = done_rx.recv_many(&mut finished, 64), if e.dispatched > e.finished => {
                for f in finished.drain(..n) {
                    e.finish(f);
                }
            }
            admitted = async { admitting.front_mut().map(|p| &mut p.1).expect("guarded").await }, if !admitting.is_empty() => {
                let (offer, _) = admitting.pop_front().expect("guarded");
                queues.push(e.admitted_offer(offer, admitted, batching), |r| r.sender);
            }
            () = tokio::time::sleep_until(due.unwrap_or_else(tokio::time::Instant::now)), if due.is_some() => {
                let (again, kept) = e.due(requests);
                queues.push(kept, |r| r.sender);
                admitting.extend(again);
            }
            fed = batches.next(), if feed_open && room => match fed {
                None => feed_open = false,
                Some(rows) => admitting.extend(e.offer(rows)),
            },
            _ = tick.tick() => {
                let more = feed_open || !admitting.is_empty() || queues.len() > 0;
                e.flush(&activity, &shared.pacers, more, clock.elapsed(), progress);
                ahead_of.observe(Instant::now(), activity.requests.load(Ordering::Relaxed));
                batch.store(ahead_of.requests() * per_request, Ordering::Relaxed);
            }
        }
        if e.stopped.is_some() && !e.retries.is_empty() {
            e.give_up_retries();
        }
        if !feed_open && admitting.is_empty() && e.dispatched == e.finished {
            break;
        }
    }
    queues.close();
    lanes.stop();
    if !matches!(e.stopped, Some(StopReason::Journal(_))) {
        match gate.gone().await {
            Ok(gone) => gone.iter().for_each(|r| (e.record)(r)),
            Err(err) => e.stop(StopReason::Journal(err)),
        }
    }
    e.tally.total = e.dispatched.max(e.tally.finished());
    e.flush(&activity, &shared.pacers, false, clock.elapsed(), progress);
    let senders_stopped = (plan.senders.iter().zip(e.senders_stopped))
        .filter_map(|(s, why)| Some((s.account.clone(), StopReason::Provider(why?))))
        .collect();
    Done { tally: e.tally, stopped: e.stopped, senders_stopped, elapsed: clock.elapsed(), pace: e.meter.summary() }
}

/// The engine's state.
struct Engine<'a> {
    plan: &'a Plan,
    setup: &'a Setup,
    gate: &'a Gate,
    record: &'a mut (dyn FnMut(&Record) + Send),
    tally: Tally,
    stopped: Option<StopReason>,
    /// Claims left under `--limit`.
    budget: usize,
    render: Arc<AtomicBool>,
    stop_tx: Arc<Vec<watch::Sender<bool>>>,
    outcomes: Vec<Record>,
    releases: Vec<String>,
    dispatched: usize,
    finished: usize,
    /// Requests waiting for their next attempt.
    retries: Retries,
    meter: Meter,
    /// With several senders: what each may still send today, and when more may go.
    caps: Vec<Option<(usize, jiff::Timestamp)>>,
    /// Why each sender stopped, for those the provider refused while others went on.
    senders_stopped: Vec<Option<ProviderError>>,
}
