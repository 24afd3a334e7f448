//! The send session as a library call: `herald::session` in-process against the in-memory
//! provider, with a real journal in a temporary folder and a manual clock
//! (`herald::window::Clock::manual`) whose waits move its time on at once. The canary, sending
//! windows, `schedule.send_at`, the daily cap, the journal's refusals and re-runs (on PostgreSQL
//! too), the audience, a send's outcome and sends over HTTP to an in-process sandbox are tested
//! here, without spawning the binary;
//! what is about the binary (signals, exit codes as the shell sees them, the printed summary)
//! stays in the tests that run it.

mod audience;
mod canary;
mod e2e;
mod journal;
mod pace;
mod postgres;
mod receipts;
mod sandbox;
mod schedule;
mod send;
mod senders;
mod window;

use crate::common::*;
use herald::journal::{Journal, Location};
use herald::plan::{self, Options as PlanOptions, Plan, TokenCheck};
use herald::run::memory::{Memory, Reply};
use herald::run::transport::Transport;
use herald::secret::{Secret, Tokens};
use herald::session::{self, Deps, Event, Outcome, SessionError};
use herald::window::Clock;
use std::sync::Arc;
use tokio_util::sync::CancellationToken;

/// The provider token the sessions send with.
pub const TOKEN: &str = "EAAG-session-secret";

/// `yaml` validated as `c.yaml` in `s`, `send_at` judged at `now`.
pub fn plan_at(s: &Scratch, yaml: &str, now: jiff::Timestamp) -> Arc<Plan> {
    let path = s.write("c.yaml", yaml);
    let v = plan::load(&path, PlanOptions { token: TokenCheck::Skip, now: Some(now), ..PlanOptions::default() });
    let plain = herald::diagnostic::Style { color: false };
    Arc::new(v.plan.unwrap_or_else(|| panic!("invalid test campaign: {}", v.diagnostics.render(plain))))
}

/// A confirmed send of `c.yaml` with its journal and report in `s`.
pub fn options(s: &Scratch) -> session::Options {
    session::Options {
        file: "c.yaml".into(),
        confirmed: true,
        journal: Some(s.path().join("journal.db")),
        report: Some(s.path().join("out")),
        ..session::Options::default()
    }
}

/// The Cloud API's success answer.
pub fn ok(n: usize) -> Reply {
    Reply::answer(200, format!(r#"{{"messaging_product":"whatsapp","contacts":[],"messages":[{{"id":"wamid.{n}"}}]}}"#))
}

/// A Cloud API error answer.
pub fn meta_error(status: u16, code: i64) -> Reply {
    Reply::answer(
        status,
        format!(r#"{{"error":{{"message":"(#{code}) error","type":"OAuthException","code":{code}}}}}"#),
    )
}

/// What a session did.
pub struct Ran {
    /// How it ended.
    pub outcome: Result<Outcome, SessionError>,
    /// What it told, one string per event: its line, or a short name for those drawn otherwise
    /// (`pass of N`, `passed, exit N`, …). Progress and countdown ticks are left out.
    pub events: Vec<String>,
    /// Each pass's summary, as `herald send` prints it.
    pub summaries: Vec<String>,
    /// Each pass's summary.json.
    pub json: Vec<serde_json::Value>,
}

impl Ran {
    /// The outcome, which must be one.
    pub fn ended(&self) -> &Outcome {
        self.outcome.as_ref().unwrap_or_else(|e| panic!("the session failed: {e}; told {:?}", self.events))
    }

    /// The error, which must be one.
    pub fn error(&self) -> &SessionError {
        match &self.outcome {
            Err(e) => e,
            Ok(o) => panic!("the session ended {o:?}, not in an error; told {:?}", self.events),
        }
    }

    /// Whether an event's line contains `text`.
    pub fn told(&self, text: &str) -> bool {
        self.events.iter().any(|e| e.contains(text))
    }
}

/// Runs a session of `plan` to its end on a runtime of its own, sending to `memory` by `clock`.
pub fn session(plan: &Arc<Plan>, options: session::Options, memory: &Arc<Memory>, clock: &Clock) -> Ran {
    let deps = Deps {
        transport: memory.clone(),
        tokens: Secret::new(TOKEN).into(),
        clock: clock.clone(),
        cancel: CancellationToken::new(),
    };
    session_with(plan, options, deps)
}

/// Runs a session of `plan` to its end on a runtime of its own, with `deps` (another transport,
/// such as HTTP to the sandbox, or another token).
pub fn session_with<T: Transport>(plan: &Arc<Plan>, options: session::Options, deps: Deps<T>) -> Ran {
    on_runtime(plan, options, deps, false).0
}

/// Runs a session as [`session_with`] on a runtime whose clock is paused: every wait (an
/// answer's latency, the pacer, a retry) moves it on at once, so minutes of sending at real
/// providers' pace take milliseconds. Also how long the session took by that clock.
pub fn session_paused<T: Transport>(
    plan: &Arc<Plan>,
    options: session::Options,
    deps: Deps<T>,
) -> (Ran, std::time::Duration) {
    on_runtime(plan, options, deps, true)
}

fn on_runtime<T: Transport>(
    plan: &Arc<Plan>,
    options: session::Options,
    deps: Deps<T>,
    paused: bool,
) -> (Ran, std::time::Duration) {
    let (mut events, mut summaries, mut json) = (Vec::new(), Vec::new(), Vec::new());
    let on_event = |e: Event<'_>| {
        match &e {
            Event::Progress(..) | Event::Countdown { .. } => return Ok(()),
            Event::Passed { outcome, .. } => {
                summaries.push(herald::report::summary_text(&outcome.report));
                json.push(serde_json::from_str(&herald::report::summary_json(&outcome.report)).unwrap());
            }
            Event::Receipted { report, .. } => {
                summaries.push(herald::report::summary_text(report));
                json.push(serde_json::from_str(&herald::report::summary_json(report)).unwrap());
            }
            Event::AwaitingReceipts { .. } => return Ok(()),
            _ => {}
        }
        events.push(told(&e));
        Ok(())
    };
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().start_paused(paused).build().unwrap();
    let (outcome, took) = rt.block_on(async {
        let started = tokio::time::Instant::now();
        let outcome = session::run(plan.clone(), options, deps, on_event).await;
        (outcome, started.elapsed())
    });
    (Ran { outcome, events, summaries, json }, took)
}

/// What a caller is told: each event's line, or its name for those drawn otherwise.
fn told(e: &Event<'_>) -> String {
    match e {
        Event::PassStarting(n) => format!("pass of {n}"),
        Event::Passed { outcome, .. } => format!("passed, exit {}", outcome.report.exit_code),
        Event::Receipted { report, .. } => format!("receipted, exit {}", report.exit_code),
        Event::JournalCreated(_) => "journal created".into(),
        Event::PassOver => "pass over".into(),
        Event::CountdownOver => "countdown over".into(),
        other => other.line().unwrap_or_else(|| format!("{other:?}")),
    }
}

/// `herald status` of `plan` (its journal at `journal`) as text and JSON, read as the command
/// reads it.
pub fn status(plan: &Plan, journal: &std::path::Path) -> (String, serde_json::Value) {
    let path = Location::from(journal);
    let mut j = Journal::open_read(&path).unwrap().expect("a journal");
    let inspection = herald::run::inspect(plan, &mut j, herald::journal::Policy::default(), false).unwrap();
    let (totals, runs, senders) =
        (j.totals(&plan.id).unwrap(), j.runs(&plan.id).unwrap(), j.senders(&plan.id).unwrap());
    let funnel = j.funnel(&plan.id).unwrap();
    let charges = j.charges(&plan.id).unwrap();
    let seen = herald::commands::status::Seen {
        plan,
        totals: &totals,
        inspection: &inspection,
        runs: &runs,
        path: &path,
        senders,
        funnel: &funnel,
        charges: &charges,
    };
    (herald::commands::status::text(seen), herald::commands::status::json(seen))
}

/// `herald report` of `plan` rebuilt from the journal at `journal` into `out`: the rows of its
/// `results.csv`.
pub fn report(plan: &Arc<Plan>, journal: Location, out: &std::path::Path) -> Vec<csv::StringRecord> {
    let j = Journal::open_read(journal).unwrap().expect("a journal");
    let writer = herald::report::Writer::in_dir(out).unwrap();
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    rt.block_on(herald::run::rebuild(plan.clone(), &j, writer)).unwrap();
    csv::Reader::from_path(out.join("results.csv")).unwrap().records().map(Result::unwrap).collect()
}

/// The numbers `memory` received a request for, in order.
pub fn numbers(memory: &Memory) -> Vec<String> {
    memory.received().iter().map(|r| r.json()["to"].as_str().unwrap_or_default().to_string()).collect()
}
