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

/// Why a run sends to fewer recipients than it could.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LimitReason {
    /// `--limit`.
    Limit,
    /// The campaign's canary.
    Canary,
    /// `delivery.daily_cap`: the sender's messages of the last 24 hours.
    DailyCap {
        /// The cap.
        cap: usize,
        /// When the oldest of those messages turns 24 hours old.
        frees: jiff::Timestamp,
    },
}

impl LimitReason {
    /// The record of a recipient beyond the limit.
    fn record(self, recipient: String, csv_line: Option<u64>) -> Record {
        match self {
            LimitReason::Limit => {
                Record::skipped(recipient, csv_line, Code::Pending, "not sent yet: beyond --limit".into())
            }
            LimitReason::Canary => Record::skipped(
                recipient,
                csv_line,
                Code::Pending,
                "not sent yet: after the canary (--continue sends to the rest)".into(),
            ),
            LimitReason::DailyCap { cap, frees } => {
                let why = format!(
                    "not sent yet: this sender's daily cap of {cap} messages is reached; more may go from {frees}"
                );
                Record::skipped(recipient, csv_line, Code::DailyCap, why)
            }
        }
    }
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

/// What every worker shares.
struct Shared<T> {
    /// One per sender.
    pacers: Vec<Pacer>,
    /// One per sender.
    pauses: Vec<Pauses>,
    transport: Arc<T>,
    tokens: Tokens,
    plan: Arc<Plan>,
}

async fn work<T: Transport>(
    shared: Arc<Shared<T>>,
    lane: usize,
    sender: usize,
    queues: Arc<Queues<Request>>,
    done: mpsc::UnboundedSender<Finished>,
    stop_tx: Arc<Vec<watch::Sender<bool>>>,
    counters: Arc<Counters>,
) {
    let mut stop = stop_tx[sender].subscribe();
    let (queue, pacer, pauses) = (queues.of(sender), &shared.pacers[sender], &shared.pauses[sender]);
    let cx = deliver::Context {
        provider: shared.plan.provider,
        delivery: &shared.plan.delivery,
        transport: &*shared.transport,
        lane,
        secret: shared.tokens.of(sender),
        pacer,
        counters: &counters,
    };
    // The pacer slot comes first, the request after: a worker waiting for its slot leaves the
    // request queued, where the engine counts it against the claims it runs ahead.
    // With jitter, the sender's turn (after the pacer's slot) lasts until the attempt ends:
    // one message at a time, a pause between.
    let mut turns = 0u64;
    while let Some(reserved) = queue.reserve().await {
        turns += 1;
        let seed = jitter::seed(lane, turns);
        let (stopped, turn) = tokio::select! {
            turn = async { pacer.wait().await; pauses.turn(seed).await } => (false, Some(turn)),
            _ = stop.wait_for(|s| *s) => (true, None),
        };
        let stopped = stopped || *stop.borrow();
        let Some(mut request) = reserved.take() else { continue };
        let step = if stopped {
            Step::Done(Box::new(deliver::stopped(&request)))
        } else {
            deliver::attempt(&cx, &mut request).await
        };
        drop(turn);
        // Stop the other workers now, not when the engine gets to this record: those of this
        // sender only when the provider refused its account and others send on.
        match &step {
            Step::Done(d) if matches!(d.stop, Some(StopReason::Provider(_))) && stop_tx.len() > 1 => {
                stop_tx[sender].send_replace(true);
            }
            Step::Done(d) if d.stop.is_some() => stop_tx.iter().for_each(|s| {
                s.send_replace(true);
            }),
            _ => {}
        }
        if done.send(Finished { request, step }).is_err() {
            return;
        }
    }
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

impl Engine<'_> {
    fn stop(&mut self, why: StopReason) {
        if self.stopped.is_none() {
            self.stopped = Some(why);
        }
        for s in self.stop_tx.iter() {
            s.send_replace(true);
        }
        self.render.store(false, Ordering::Relaxed);
    }

    /// The provider refused `sender`'s account: its share stops, the others go on; when no
    /// sender is left, the campaign stops.
    fn stop_sender(&mut self, sender: usize, error: ProviderError) {
        self.stop_tx[sender].send_replace(true);
        if self.senders_stopped[sender].is_none() {
            let account = &self.plan.senders[sender].account;
            tracing::warn!(sender = %account, why = %error.message, "sender stopped; the others go on");
            self.senders_stopped[sender] = Some(error.clone());
        }
        if self.senders_stopped.iter().all(Option::is_some) {
            self.stop(StopReason::Provider(error));
        }
    }

    /// The record of a recipient of a sender the provider refused.
    fn sender_stopped_record(&self, sender: usize, recipient: String, csv_line: Option<u64>) -> Option<Record> {
        let why = StopReason::Provider(self.senders_stopped.get(sender)?.clone()?);
        let account = &self.plan.senders[sender].account;
        let mut r = Record::skipped(recipient, csv_line, Code::NotSent, sender_advice(account, &why));
        r.sender = Some(account.clone());
        Some(r)
    }

    /// Takes a batch from the feed: skipped rows are recorded now, the rest offered to the gate.
    fn offer(&mut self, rows: Vec<Fed>) -> Option<(Offer, Admitting)> {
        let mut jobs = Vec::with_capacity(rows.len());
        let mut candidates = Vec::with_capacity(rows.len());
        let keep_bodies = self.gate.keeps_bodies();
        for row in rows {
            match row {
                Fed::Skipped(s) if matches!(s.reason, SkipReason::Suppressed) => {
                    let csv_line = s.origin.csv_line();
                    candidates.push(Candidate {
                        recipient: s.recipient.clone(),
                        csv_line,
                        request_hash: None,
                        body: None,
                        sender: None,
                    });
                    jobs.push(Slot::Suppressed(s.record()));
                }
                Fed::Skipped(s) => (self.record)(&s.record()),
                Fed::Failed(e) => self.stop(StopReason::Plan(e)),
                Fed::Unrendered { recipient, csv_line } => {
                    candidates.push(Candidate { recipient, csv_line, request_hash: None, body: None, sender: None });
                    jobs.push(Slot::Unrendered);
                }
                Fed::Held { recipient, csv_line, opens, local } => {
                    // Looked up (the journal may have them sent already), never claimed.
                    candidates.push(Candidate { recipient, csv_line, request_hash: None, body: None, sender: None });
                    jobs.push(Slot::Held(opens, local));
                }
                Fed::Rendered(job) => {
                    let body = keep_bodies.then(|| String::from_utf8_lossy(&job.wire.body).into_owned());
                    candidates.push(Candidate {
                        recipient: job.recipient.clone(),
                        csv_line: job.csv_line,
                        request_hash: Some(job.hash),
                        body,
                        sender: self.account(job.sender),
                    });
                    jobs.push(Slot::Send(*job));
                }
            }
        }
        if candidates.is_empty() {
            return None;
        }
        if matches!(self.stopped, Some(StopReason::Journal(_))) {
            // The journal cannot be asked any more: the rest are recorded as not sent.
            for (job, candidate) in jobs.into_iter().zip(candidates) {
                self.admitted(job, candidate, Admission::Unclaimed);
            }
            return None;
        }
        let claiming = self.stopped.is_none() && self.setup.action == Action::Send;
        let budget = if claiming { self.budget } else { 0 };
        self.hand_over();
        let admitting = self.gate.admit(candidates.clone(), self.setup.policy, budget);
        Some((Offer::Rows(jobs, candidates), admitting))
    }

    /// The requests a batch the gate answered turns into.
    fn admitted_offer(
        &mut self,
        offer: Offer,
        admitted: Result<Admitted, JournalError>,
        batching: Option<crate::providers::Batching>,
    ) -> Vec<Request> {
        match (offer, admitted) {
            (Offer::Rows(jobs, candidates), Ok(admitted)) => {
                let claimed: Vec<Job> = jobs
                    .into_iter()
                    .zip(candidates)
                    .zip(admitted)
                    .filter_map(|((job, candidate), admission)| self.admitted(job, candidate, admission))
                    .collect();
                self.dispatched += claimed.len();
                batch::requests(claimed, self.plan.batch, batching)
            }
            (Offer::Rows(jobs, candidates), Err(err)) => {
                // Nothing of the batch was claimed: every row is recorded as not sent.
                self.stop(StopReason::Journal(err));
                for (job, candidate) in jobs.into_iter().zip(candidates) {
                    self.admitted(job, candidate, Admission::Unclaimed);
                }
                Vec::new()
            }
            (Offer::Retries(requests), Ok(admitted)) => requests
                .into_iter()
                .zip(admitted)
                .filter_map(|(request, admission)| match admission {
                    Admission::Claimed => Some(request),
                    // Someone else's now (another runner sent it, or holds it): not ours to send.
                    Admission::Kept(r) => {
                        self.ended_unsent(request, Some(*r));
                        None
                    }
                    Admission::Unclaimed => {
                        self.ended_unsent(request, None);
                        None
                    }
                })
                .collect(),
            (Offer::Retries(requests), Err(err)) => {
                self.stop(StopReason::Journal(err));
                requests.into_iter().for_each(|r| self.ended_unsent(r, None));
                Vec::new()
            }
        }
    }

    /// Up to `most` requests due for a retry: those whose claims were released go to the gate
    /// to be claimed again (returned as an offer being admitted), the rest straight back to
    /// the queue (returned).
    fn due(&mut self, most: usize) -> (Option<(Offer, Admitting)>, Vec<Request>) {
        let (mut again, mut kept) = (Vec::new(), Vec::new());
        for Parked { request, released } in self.retries.due(tokio::time::Instant::now(), most) {
            if released { again.push(request) } else { kept.push(request) }
        }
        if again.is_empty() {
            return (None, kept);
        }
        let keep_bodies = self.gate.keeps_bodies();
        let candidates = again
            .iter()
            .flat_map(|r| {
                r.members.iter().map(|m| Candidate {
                    recipient: m.recipient.clone(),
                    csv_line: m.csv_line,
                    request_hash: Some(m.hash),
                    body: keep_bodies.then(|| String::from_utf8_lossy(&r.wire.body).into_owned()),
                    sender: self.account(r.sender),
                })
            })
            .collect::<Vec<_>>();
        // Claimed once already in this run: `--limit` counted them then.
        let budget = candidates.len();
        self.hand_over();
        let admitting = self.gate.admit(candidates, self.setup.policy, budget);
        (Some((Offer::Retries(again), admitting)), kept)
    }

    /// Ends a released request that is not claimed again: `kept` is the journal's record of it
    /// (another runner's), else it is recorded as not sent by this run.
    fn ended_unsent(&mut self, request: Request, kept: Option<Record>) {
        let record = kept.unwrap_or_else(|| {
            let first = request.members.first();
            let (recipient, csv_line) = first.map_or((String::new(), None), |m| (m.recipient.clone(), m.csv_line));
            match &self.stopped {
                Some(why) => Record::skipped(
                    recipient,
                    csv_line,
                    Code::NotSent,
                    format!("not sent: the campaign stopped ({why})"),
                ),
                None => self.setup.limited_by.record(recipient, csv_line),
            }
        });
        for r in request.records(record) {
            self.finished += 1;
            self.tally.record(r.status);
            (self.record)(&r);
        }
    }

    /// The run stopped: requests waiting for a retry end now, as not sent (released ones
    /// already are) or, where an attempt may have delivered, unknown.
    fn give_up_retries(&mut self) {
        for Parked { request, released } in self.retries.drain() {
            let mut delivered = deliver::stopped(&request);
            delivered.untouched &= !released;
            self.finish(Finished { request, step: Step::Done(Box::new(delivered)) });
        }
    }

    /// What becomes of one admitted row: a job to send, or a record now.
    fn admitted(&mut self, slot: Slot, c: Candidate, admission: Admission) -> Option<Job> {
        match admission {
            Admission::Claimed => {
                if let Slot::Send(job) = &slot
                    && let Some(r) = self.beyond_sender(job)
                {
                    // Claimed, but this sender sends no more in this run: back as it was.
                    self.releases.push(r.recipient.clone());
                    (self.record)(&r);
                    return None;
                }
                self.budget = self.budget.saturating_sub(1);
                if self.budget == 0 {
                    self.render.store(false, Ordering::Relaxed);
                }
                return match slot {
                    Slot::Send(job) => {
                        if let Some(Some((left, _))) = self.caps.get_mut(job.sender) {
                            *left -= 1;
                        }
                        Some(job)
                    }
                    Slot::Unrendered | Slot::Held(..) | Slot::Suppressed(_) => None,
                };
            }
            Admission::Kept(r) => (self.record)(&r),
            Admission::Unclaimed if let Slot::Suppressed(skip) = slot => (self.record)(&skip),
            Admission::Unclaimed if let Slot::Held(opens, local) = slot => {
                self.tally.hold(opens);
                let message = format!("outside their sending window until {local}");
                let sender = self.pinned_account(&c);
                (self.record)(&Record { sender, ..Record::skipped(c.recipient, c.csv_line, Code::Held, message) });
            }
            Admission::Unclaimed => {
                let sender = self.pinned_account(&c);
                let mut r = match (self.setup.action, &self.stopped, matches!(slot, Slot::Send(_))) {
                    (Action::DryRun, None, true) if self.budget > 0 => {
                        self.budget -= 1;
                        if self.budget == 0 {
                            self.render.store(false, Ordering::Relaxed);
                        }
                        self.tally.record(Status::DryRun);
                        Record::new(c.recipient, c.csv_line, Status::DryRun)
                    }
                    (_, Some(why), _) => Record::skipped(
                        c.recipient,
                        c.csv_line,
                        Code::NotSent,
                        format!("not sent: the campaign stopped ({why})"),
                    ),
                    (Action::Rebuild, ..) => {
                        Record::skipped(c.recipient, c.csv_line, Code::Pending, "not sent yet".into())
                    }
                    _ => self.setup.limited_by.record(c.recipient, c.csv_line),
                };
                r.sender = sender;
                (self.record)(&r);
            }
        }
        None
    }

    /// The account a recipient not sent in this run is pinned to: their request's, else the
    /// one the journal recorded for them, else their hash's.
    fn pinned_account(&self, c: &Candidate) -> Option<String> {
        let index = || self.setup.pinned.of(&c.recipient).unwrap_or_else(|| self.plan.pin(&c.recipient));
        c.sender.clone().or_else(|| self.account(index()))
    }

    /// The account of the sender at `index`, as the journal records it.
    fn account(&self, index: usize) -> Option<String> {
        self.plan.senders.get(index).map(|s| s.account.clone())
    }

    /// The record of `job` when its sender sends no more in this run: the provider refused
    /// it, or its daily cap is reached.
    fn beyond_sender(&self, job: &Job) -> Option<Record> {
        if let Some(r) = self.sender_stopped_record(job.sender, job.recipient.clone(), job.csv_line) {
            return Some(r);
        }
        let (0, frees) = (*self.caps.get(job.sender)?)? else { return None };
        let cap = self.plan.senders[job.sender].daily_cap.unwrap_or(0);
        let mut r = LimitReason::DailyCap { cap, frees }.record(job.recipient.clone(), job.csv_line);
        r.sender = Some(self.plan.senders[job.sender].account.clone());
        Some(r)
    }

    /// A worker's result: every recipient its request carried ends the same way, or the
    /// request waits for its next attempt.
    fn finish(&mut self, f: Finished) {
        let sender = f.request.sender;
        let sending = self.stopped.is_none() && self.senders_stopped.get(sender).is_none_or(Option::is_none);
        let delivered = match f.step {
            Step::Done(delivered) => *delivered,
            Step::Wait(after) if sending => return self.park(f.request, after),
            Step::Wait(_) => deliver::stopped(&f.request),
        };
        let Delivered { mut record, untouched, stop } = delivered;
        match stop {
            Some(StopReason::Provider(error)) if self.plan.senders.len() > 1 => self.stop_sender(sender, error),
            Some(why) => self.stop(why),
            None => {}
        }
        // Claimed, but surely not delivered: back to how it was, so a re-run sends it.
        let release = record.status == Status::Skipped && untouched;
        if release && let Some(r) = self.sender_stopped_record(sender, record.recipient.clone(), record.csv_line) {
            record = Record { attempts: record.attempts, http_status: record.http_status, ..r };
        }
        record.sender = self.account(sender);
        for record in f.request.records(record) {
            self.finished += 1;
            self.tally.record(record.status);
            if release {
                self.releases.push(record.recipient.clone());
            }
            (self.record)(&record);
            if record.status != Status::Skipped {
                self.outcomes.push(record);
            }
        }
        if self.stopped.is_none() && self.tally.breaker_tripped(self.plan.delivery.breaker) {
            let (rate, max) = (self.tally.recent_failure_rate(), self.plan.delivery.breaker);
            self.stop(StopReason::FailureRate { rate, max });
        }
        if self.outcomes.len() >= OUTCOME_BATCH {
            self.gate.done(std::mem::take(&mut self.outcomes));
        }
    }

    /// Parks a request until its next attempt. A single recipient's claim is released while
    /// it waits, when no attempt can have delivered it: a crash meanwhile leaves it pending.
    fn park(&mut self, request: Request, after: Duration) {
        let released = request.members.len() == 1 && !request.tries.maybe_delivered();
        if released {
            self.gate.release(request.members.iter().map(|m| m.recipient.clone()).collect());
        }
        self.retries.park(Parked { request, released }, tokio::time::Instant::now() + after);
    }

    /// Hands buffered outcomes and releases to the journal, which commits them with its next
    /// batch of claims or on its own shortly.
    fn hand_over(&mut self) {
        if !self.outcomes.is_empty() {
            self.gate.done(std::mem::take(&mut self.outcomes));
        }
        if !self.releases.is_empty() {
            self.gate.release(std::mem::take(&mut self.releases));
        }
    }

    /// Sends buffered outcomes and releases to the journal, judges the pace (`more`: there are
    /// requests to come) and shows progress.
    fn flush(
        &mut self,
        counters: &Counters,
        pacers: &[Pacer],
        more: bool,
        elapsed: Duration,
        progress: &mut (dyn FnMut(&Tally, Duration) + Send),
    ) {
        self.hand_over();
        self.tally.requests = counters.requests.load(Ordering::Relaxed);
        self.tally.retrying = self.retries.len();
        self.tally.total = self.tally.total.max(self.dispatched);
        if self.setup.action == Action::Send {
            self.tally.pace = self.meter.sample(Sample {
                at: elapsed,
                requests: self.tally.requests,
                in_flight: counters.in_flight.load(Ordering::Relaxed).max(0) as usize,
                retrying: self.tally.retrying,
                answers: counters.answers.load(Ordering::Relaxed),
                waited: Duration::from_micros(counters.waited_us.load(Ordering::Relaxed)),
                more,
                slowdowns: pacers.iter().map(Pacer::slowdowns).reduce(crate::pace::Slowdowns::and).unwrap_or_default(),
                throttled: counters.throttled.load(Ordering::Relaxed),
            });
        }
        progress(&self.tally, elapsed);
    }
}

/// Why a recipient of a refused sender was not sent, and what to do: fix the account, then a
/// re-run sends them from it (their claims were released).
fn sender_advice(account: &str, why: &StopReason) -> String {
    format!(
        "not sent: the provider refused sender `{account}` ({why}); the other senders went on. Fix that \
         account (reconnect the instance, renew its token) and run the campaign again: it sends to these"
    )
}
