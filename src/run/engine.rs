//! The engine: one loop that takes planned rows from the feed in batches, has the gate admit
//! them, turns the claimed into requests ([`super::batch`]: one per recipient, or batches of
//! the plan's size), hands them to `concurrency` workers, and collects every recipient's
//! record. It owns the counts, the failure-rate breaker and the stop; workers never print.
//! A stop (provider, breaker, unreachable host, journal, Ctrl-C) ends claiming and rendering;
//! requests in flight finish; every row still ends with exactly one record. A suppressed
//! recipient the journal has a row for (sent before it was suppressed) is recorded by that row. Counts, progress and
//! `--limit` are in recipients; pacing and concurrency in requests.

use super::batch::{self, Request};
use super::deliver::{self, Activity, Delivered};
use super::feed::{self, Fed, Job};
use super::gate::Gate;
use super::lanes::Lanes;
use super::pacing::Pacer;
use super::queue::Queue;
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
use std::sync::atomic::{AtomicBool, AtomicIsize, AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use tokio::sync::{mpsc, watch};
use tokio_util::sync::CancellationToken;

/// How often progress is reported and buffered outcomes go to the journal.
const TICK: Duration = Duration::from_millis(100);

/// Outcomes buffered before they go to the journal without waiting for the tick.
const OUTCOME_BATCH: usize = 512;

/// Batches claimed ahead of the requests going out (queued or being admitted): while workers
/// send one, the journal claims the next. With `--limit`, one, so the first N not yet sent
/// are the ones sent.
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
}

/// What workers report.
struct Finished {
    request: Request,
    delivered: Delivered,
}

type Admitting = Pin<Box<dyn Future<Output = Result<Admitted, JournalError>> + Send>>;

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
    // Claims run ahead of sending by about 50 ms of traffic, at least one request per worker:
    // small enough that a crash leaves few claimed-but-unsent recipients `unknown`, large
    // enough that one commit covers many claims. A claim is whole requests' worth of
    // recipients, so batches fill up.
    let per_request = plan.batch.max(1);
    let requests = ((d.rate_per_sec * 0.05).ceil() as usize).clamp(1, 256).max(d.concurrency.min(256));
    let requests = requests.min((MAX_CLAIM / per_request).max(1));
    let batch = requests * per_request;
    let render = Arc::new(AtomicBool::new(setup.action != Action::Rebuild));
    let (feed_tx, mut feed_rx) = mpsc::channel(2);
    {
        let (plan, render) = (plan.clone(), render.clone());
        let feed_setup = feed::Setup {
            batch,
            hash: matches!(gate, Gate::Journal(_)) && sending,
            render: setup.action != Action::Rebuild,
            window: setup.window.clone(),
            seeds: setup.canary,
        };
        tokio::task::spawn_blocking(move || feed::feed(plan, feed_setup, render, feed_tx));
    }
    let queue = Arc::new(Queue::default());
    let batching = plan.provider.provider().info().batching;
    let (done_tx, mut done_rx) = mpsc::unbounded_channel::<Finished>();
    // One stop signal per sender: a provider refusing one account stops only its share.
    let stop_tx: Arc<Vec<watch::Sender<bool>>> =
        Arc::new(plan.senders.iter().map(|_| watch::channel(false).0).collect());
    let activity = Arc::new(Counters::default());
    let workers = if sending { d.concurrency.max(1) } else { 0 };
    // One pacer per sender, at its own rate.
    let pacers = match setup.slots.take() {
        Some(slots) => slots.into_iter().map(Pacer::Shared).collect(),
        None => plan.senders.iter().map(|s| Pacer::new(s.rate_per_sec, d.burst)).collect(),
    };
    let shared = Arc::new(Shared { pacers, transport, tokens, plan: plan.clone() });
    // The transport's lanes, so every lane a worker sends from is one it keeps; never more
    // than workers.
    let lanes = Lanes::start(if sending { shared.transport.lanes().min(workers) } else { 1 });
    for i in 0..workers {
        let lane = i % lanes.count();
        let (shared, rx, tx, stop, activity) =
            (shared.clone(), queue.clone(), done_tx.clone(), stop_tx.clone(), activity.clone());
        lanes.spawn(lane, work(shared, lane, rx, tx, stop, activity));
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
        caps: setup.caps.clone(),
        senders_stopped: plan.senders.iter().map(|_| None).collect(),
    };
    let mut admitting: VecDeque<(Vec<Slot>, Vec<Candidate>, Admitting)> = VecDeque::new();
    let mut feed_open = true;
    let ahead = if setup.limit.is_some() { 1 } else { AHEAD };
    let mut tick = tokio::time::interval(TICK);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut finished = Vec::with_capacity(64);
    loop {
        // Offer another batch only while it fits in `ahead` batches with the requests queued and
        // those being admitted: that bounds the recipients claimed but not yet sent.
        let room = queue.len() + requests * (admitting.len() + 1) <= requests * ahead;
        tokio::select! {
            biased;
            () = cancel.cancelled(), if e.stopped.is_none() => e.stop(StopReason::Interrupted),
            n = done_rx.recv_many(&mut finished, 64), if e.dispatched > e.finished => {
                for f in finished.drain(..n) {
                    e.finish(f);
                }
            }
            admitted = async { admitting.front_mut().map(|p| &mut p.2).expect("guarded").await }, if !admitting.is_empty() => {
                let (jobs, candidates, _) = admitting.pop_front().expect("guarded");
                match admitted {
                    Ok(admitted) => {
                        let claimed: Vec<Job> = jobs
                            .into_iter()
                            .zip(candidates)
                            .zip(admitted)
                            .filter_map(|((job, candidate), admission)| e.admitted(job, candidate, admission))
                            .collect();
                        e.dispatched += claimed.len();
                        queue.push(batch::requests(claimed, plan.batch, batching));
                    }
                    Err(err) => {
                        // Nothing of the batch was claimed: every row is recorded as not sent.
                        e.stop(StopReason::Journal(err));
                        for (job, candidate) in jobs.into_iter().zip(candidates) {
                            e.admitted(job, candidate, Admission::Unclaimed);
                        }
                    }
                }
            }
            fed = feed_rx.recv(), if feed_open && room => match fed {
                None => feed_open = false,
                Some(rows) => admitting.extend(e.offer(rows)),
            },
            _ = tick.tick() => e.flush(&activity, clock.elapsed(), progress),
        }
        if !feed_open && admitting.is_empty() && e.dispatched == e.finished {
            break;
        }
    }
    queue.close();
    lanes.stop();
    if !matches!(e.stopped, Some(StopReason::Journal(_))) {
        match gate.gone().await {
            Ok(gone) => gone.iter().for_each(|r| (e.record)(r)),
            Err(err) => e.stop(StopReason::Journal(err)),
        }
    }
    e.tally.total = e.dispatched.max(e.tally.finished());
    e.flush(&activity, clock.elapsed(), progress);
    let senders_stopped = (plan.senders.iter().zip(e.senders_stopped))
        .filter_map(|(s, why)| Some((s.account.clone(), StopReason::Provider(why?))))
        .collect();
    Done { tally: e.tally, stopped: e.stopped, senders_stopped, elapsed: clock.elapsed() }
}

/// Request and retry counts, updated by workers.
#[derive(Default)]
struct Counters {
    requests: AtomicUsize,
    retrying: AtomicIsize,
}

/// What every worker shares.
struct Shared<T> {
    /// One per sender.
    pacers: Vec<Pacer>,
    transport: Arc<T>,
    tokens: Tokens,
    plan: Arc<Plan>,
}

async fn work<T: Transport>(
    shared: Arc<Shared<T>>,
    lane: usize,
    queue: Arc<Queue<Request>>,
    done: mpsc::UnboundedSender<Finished>,
    stop_tx: Arc<Vec<watch::Sender<bool>>>,
    activity: Arc<Counters>,
) {
    let mut stops: Vec<_> = stop_tx.iter().map(watch::Sender::subscribe).collect();
    let events = |a: Activity| match a {
        Activity::Request => {
            activity.requests.fetch_add(1, Ordering::Relaxed);
        }
        Activity::Retrying(on) => {
            activity.retrying.fetch_add(if on { 1 } else { -1 }, Ordering::Relaxed);
        }
    };
    while let Some(request) = queue.pop().await {
        let sender = request.sender.min(stops.len() - 1);
        let cx = deliver::Context {
            provider: shared.plan.provider,
            delivery: &shared.plan.delivery,
            pacer: &shared.pacers[sender],
            transport: &*shared.transport,
            lane,
            secret: shared.tokens.of(sender),
            events: &events,
        };
        let delivered = deliver::deliver(&cx, &request, &mut stops[sender]).await;
        // Stop the other workers now, not when the engine gets to this record: those of this
        // sender only when the provider refused its account and others send on.
        match &delivered.stop {
            Some(StopReason::Provider(_)) if stop_tx.len() > 1 => {
                stop_tx[sender].send_replace(true);
            }
            Some(_) => stop_tx.iter().for_each(|s| {
                s.send_replace(true);
            }),
            None => {}
        }
        if done.send(Finished { request, delivered }).is_err() {
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
    fn offer(&mut self, rows: Vec<Fed>) -> Option<(Vec<Slot>, Vec<Candidate>, Admitting)> {
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
                    });
                    jobs.push(Slot::Suppressed(s.record()));
                }
                Fed::Skipped(s) => (self.record)(&s.record()),
                Fed::Failed(e) => self.stop(StopReason::Plan(e)),
                Fed::Unrendered { recipient, csv_line } => {
                    candidates.push(Candidate { recipient, csv_line, request_hash: None, body: None });
                    jobs.push(Slot::Unrendered);
                }
                Fed::Held { recipient, csv_line, opens, local } => {
                    // Looked up (the journal may have them sent already), never claimed.
                    candidates.push(Candidate { recipient, csv_line, request_hash: None, body: None });
                    jobs.push(Slot::Held(opens, local));
                }
                Fed::Rendered(job) => {
                    let body = keep_bodies.then(|| String::from_utf8_lossy(&job.wire.body).into_owned());
                    candidates.push(Candidate {
                        recipient: job.recipient.clone(),
                        csv_line: job.csv_line,
                        request_hash: Some(job.hash),
                        body,
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
        let admitting = self.gate.admit(candidates.clone(), self.setup.policy, budget);
        Some((jobs, candidates, admitting))
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
                (self.record)(&Record::skipped(c.recipient, c.csv_line, Code::Held, message));
            }
            Admission::Unclaimed => {
                let r = match (self.setup.action, &self.stopped, matches!(slot, Slot::Send(_))) {
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
                (self.record)(&r);
            }
        }
        None
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

    /// A worker's result: every recipient its request carried ends the same way.
    fn finish(&mut self, f: Finished) {
        let Delivered { mut record, untouched, stop } = f.delivered;
        let sender = f.request.sender;
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
        record.sender = self.plan.senders.get(sender).map(|s| s.account.clone());
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

    /// Sends buffered outcomes and releases to the journal, and shows progress.
    fn flush(&mut self, activity: &Counters, elapsed: Duration, progress: &mut (dyn FnMut(&Tally, Duration) + Send)) {
        if !self.outcomes.is_empty() {
            self.gate.done(std::mem::take(&mut self.outcomes));
        }
        if !self.releases.is_empty() {
            self.gate.release(std::mem::take(&mut self.releases));
        }
        self.tally.requests = activity.requests.load(Ordering::Relaxed);
        self.tally.retrying = activity.retrying.load(Ordering::Relaxed).max(0) as usize;
        self.tally.total = self.tally.total.max(self.dispatched);
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
