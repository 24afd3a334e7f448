//! `herald send FILE`: validate, see what the journal says, confirm, wait for the schedule, call
//! [`crate::run::run`] with progress on stderr, print the summary and exit with a code CI can
//! act on.

use super::Output;
use super::progress::Progress;
use super::schedule;
use crate::error::Error;
use crate::journal::{self, Journal, Policy};
use crate::plan::{self, Canary, Endpoint, Options as PlanOptions, Plan, ScheduleCheck, TokenCheck};
use crate::report::{self, Mode};
use crate::run::{self, Inspection, StopKind, transport::Nowhere};
use crate::sandbox::Sandbox;
use crate::secret::Secret;
use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;
use std::sync::Arc;
use tokio_util::sync::CancellationToken;

/// Options for `send`.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Campaign file.
    pub file: PathBuf,
    /// Render and report, send nothing.
    pub dry_run: bool,
    /// Send to the built-in sandbox instead of the provider.
    pub sandbox: bool,
    /// Validation warnings count as errors.
    pub strict: bool,
    /// Faults for the built-in sandbox to inject (with `sandbox`).
    pub faults: Option<crate::sandbox::Config>,
    /// `--var key=value` pairs.
    pub vars: Vec<(String, String)>,
    /// Delivery settings over the campaign's.
    pub overrides: crate::plan::Overrides,
    /// The summary as one JSON object on stdout instead of the text.
    pub json: bool,
    /// Do not ask for confirmation.
    pub yes: bool,
    /// Report folder.
    pub report: Option<PathBuf>,
    /// First N recipients only.
    pub limit: Option<usize>,
    /// No progress output.
    pub quiet: bool,
    /// Send to recipients outside `schedule.window` too.
    pub ignore_window: bool,
    /// Exit with [`crate::exit::WAITING`] instead of waiting for held recipients' windows.
    pub no_wait: bool,
    /// Go on after the campaign's canary.
    pub continue_: bool,
    /// Start a journal although reports show the campaign was sent before.
    pub new_journal: bool,
    /// Send a campaign new to the journal although it looks like one it has sent.
    pub new_id: bool,
    /// Ignore `schedule.send_at`.
    pub now: bool,
    /// Print every validation problem.
    pub all_problems: bool,
    /// Journal file.
    pub journal: Option<PathBuf>,
    /// Send without a journal.
    pub no_journal: bool,
    /// Resend recipients whose fate is unknown.
    pub retry_unknown: bool,
    /// Resend recipients that failed.
    pub retry_failed: bool,
    /// Continue although the campaign changed since the last run.
    pub allow_changed: bool,
    /// Store request bodies in the journal.
    pub keep_bodies: bool,
    /// Global opt-out lists (`$HERALD_SUPPRESS`, `--suppress`).
    pub opt_out: Vec<crate::plan::OptOutList>,
    /// `--file-root`: the tree the campaign's files must lie in, instead of its repository.
    pub file_root: Option<PathBuf>,
}

/// Runs `send`.
pub fn run(o: &Options, out: &Output) -> u8 {
    super::block_on(send(o, out)).unwrap_or_else(|e| out.error(&e))
}

async fn send(o: &Options, out: &Output) -> Result<u8, Error> {
    if o.faults.is_some() && !o.sandbox {
        return Err(Error::FaultsNeedSandbox);
    }
    // From the start: a SIGTERM while a large list validates must not kill herald outright.
    let cancel = CancellationToken::new();
    crate::signals::watch(cancel.clone());
    tracing::info!(file = %o.file.display(), "validating");
    // The sandbox starts first, so requests are planned for its address.
    let sandbox = match o.sandbox && !o.dry_run {
        true => {
            let faults = o.faults.clone().unwrap_or_default();
            let config = crate::sandbox::Config { retain: false, ..faults };
            Some(Sandbox::start(config).await.map_err(Error::Sandbox)?)
        }
        false => None,
    };
    let endpoint = sandbox.as_ref().map_or(Endpoint::Campaign, |s| Endpoint::Sandbox(s.addr()));
    let token = if o.dry_run || o.sandbox { TokenCheck::Skip } else { TokenCheck::Require };
    let options = PlanOptions {
        token,
        endpoint,
        problems_per_group: super::problems_per_group(o.all_problems),
        strict: o.strict,
        vars: o.vars.clone(),
        overrides: o.overrides.clone(),
        opt_out: o.opt_out.clone(),
        schedule: if o.now { ScheduleCheck::Skip } else { ScheduleCheck::Require },
        now: None,
        file_root: o.file_root.clone(),
    };
    let v = plan::load(&o.file, options);
    out.diagnostics(&v.diagnostics);
    let Some(plan) = v.plan else {
        out.invalid(&o.file, &v.diagnostics, true);
        return Err(Error::Invalid(o.file.clone()));
    };
    // Validation ran without yielding: let the signal watcher see what came meanwhile.
    tokio::task::yield_now().await;
    if cancel.is_cancelled() {
        return Err(Error::Cancelled);
    }
    let plan = Arc::new(plan);
    let secret = match (&sandbox, o.dry_run) {
        (Some(_), _) => Secret::new(crate::providers::imitation::token(plan.provider)),
        (None, true) => Secret::new(""),
        (None, false) => {
            Secret::from_env(&plan.token_env).ok_or_else(|| Error::MissingToken(plan.token_env.clone()))?
        }
    };
    if !secret.expose().chars().all(|c| c == '\t' || (' '..='~').contains(&c)) {
        return Err(Error::TokenNotHeader(plan.token_env.clone()));
    }
    let policy = Policy { retry_failed: o.retry_failed, retry_unknown: o.retry_unknown };
    // A send still to be confirmed does not create its journal yet: a refusal, or `n` at the
    // prompt, leaves nothing behind.
    let mut journal = open_journal(&plan, o, policy, o.yes)?;
    let mut inspection = match journal.as_ref() {
        Some((_, inspection)) => inspection.clone(),
        None => Inspection::fresh(&plan, policy),
    };
    let mut count = o.limit.unwrap_or(usize::MAX).min(inspection.selection.to_send);
    if o.limit == Some(0) && inspection.selection.to_send > 0 {
        return Err(Error::LimitZero);
    }
    if plan.delivery.daily_cap.is_some() && o.no_journal {
        return Err(Error::CapNeedsJournal);
    }
    let mut within = o.limit.map(|n| (n, format!("--limit {n}")));
    let canary_first = canary_gate(&plan, journal.as_ref(), o)?;
    if let Some(c) = plan.canary.as_ref().filter(|_| canary_first) {
        count = count.min(c.count) + c.seeds.len();
        within = Some((c.count.min(o.limit.unwrap_or(usize::MAX)), "the canary".into()));
    }
    // Said once the run is sure to go ahead this far, with what limits it.
    if let Some((j, inspection)) = journal.as_ref().filter(|(_, i)| i.rows > 0) {
        let would = if o.dry_run { "a real run would " } else { "" };
        let what = inspection.selection.describe_within(within.as_ref().map(|(n, why)| (*n, why.as_str())));
        eprintln!("journal {}: {would}{what}", j.location());
    }
    if count > 0 && !o.yes && !o.dry_run && !confirm(&plan, count, o.sandbox)? {
        eprintln!("nothing was sent: not confirmed");
        return Ok(crate::exit::DECLINED);
    }
    if journal.is_none() && !o.dry_run {
        journal = open_journal(&plan, o, policy, true)?;
        if let Some((_, now)) = &journal {
            inspection = now.clone();
        }
    }
    if let Some((j, inspection)) = journal.as_mut().filter(|(_, i)| i.changes.any() && !o.dry_run) {
        // Confirmed: the new version becomes the baseline, so the change is reported once.
        *inspection = run::inspect(&plan, j, policy, true)?;
    }
    if let Some(at) = if count > 0 { schedule::wait_until(&plan, o) } else { None } {
        // The journal's lock is not held while waiting for `send_at`, so other campaigns in
        // this folder can send; it is taken again, and who is left looked up again, at the time.
        drop(journal.take());
        schedule::wait(at, o.quiet).await?;
        journal = open_journal(&plan, o, policy, true)?;
        if let Some((_, now)) = &journal {
            inspection = now.clone();
            count = o.limit.unwrap_or(usize::MAX).min(inspection.selection.to_send);
        }
    }
    let clock = super::clock()?;
    let sandboxed = sandbox.is_some();
    let mut canary = canary_first;
    let result = loop {
        let pass = Pass { count, expected: inspection.selection.to_send, clock, cancel: cancel.clone(), canary };
        let end = match send_pass(&plan, o, out, journal.as_mut().map(|(j, _)| j), &secret, policy, pass).await {
            Ok(end) => end,
            Err(e) => break Err(e),
        };
        let (code, held_until) = (end.code, end.held_until);
        if let Some(c) = plan.canary.as_ref().filter(|_| canary) {
            if let Some(code) = after_canary(c, &end, o) {
                break Ok(code);
            }
            if let Err(e) = wait_after_canary(c.wait, &cancel).await {
                break Err(e);
            }
            canary = false;
            if let Some((j, now)) = journal.as_mut() {
                *now = run::inspect(&plan, j, policy, false)?;
                inspection = now.clone();
                count = o.limit.unwrap_or(usize::MAX).min(inspection.selection.to_send);
            }
            continue;
        }
        // Rehearsals (a dry run, the sandbox, a fixed HERALD_NOW) and --no-wait do not wait.
        // Without a journal a second pass would message the first pass's recipients again.
        let waits = !(o.no_wait || o.dry_run || o.no_journal || sandboxed || clock.is_fixed());
        let Some(opens) = held_until.filter(|_| code == crate::exit::WAITING && waits) else { break Ok(code) };
        // As for `send_at`, the campaign's lock is not held while waiting.
        drop(journal.take());
        if let Err(e) = wait_for_window(opens, &cancel).await {
            break Err(e);
        }
        journal = open_journal(&plan, o, policy, true)?;
        if let Some((_, now)) = &journal {
            inspection = now.clone();
            count = o.limit.unwrap_or(usize::MAX).min(inspection.selection.to_send);
        }
    };
    if let Some(s) = sandbox {
        s.shutdown().await;
    }
    result
}

/// One pass over the audience.
struct Pass {
    /// Recipients it would send to, as the journal says (`--limit` applied).
    count: usize,
    /// Recipients to send to, without the limit.
    expected: usize,
    /// Whose time windows are judged by.
    clock: crate::window::Clock,
    /// Ctrl-C and SIGTERM.
    cancel: CancellationToken,
    /// Run the campaign's canary.
    canary: bool,
}

/// How a pass ended.
struct PassEnd {
    /// Its exit code.
    code: u8,
    /// When the first recipient held outside their window may be sent to.
    held_until: Option<jiff::Timestamp>,
    /// Failed and unknown recipients in its report.
    failed: usize,
}

/// Sends once over the audience, prints the summary and advice; says how it ended.
async fn send_pass(
    plan: &Arc<Plan>,
    o: &Options,
    out: &Output,
    journal: Option<&mut Journal>,
    secret: &Secret,
    policy: Policy,
    pass: Pass,
) -> Result<PassEnd, Error> {
    let mode = if o.dry_run {
        Mode::DryRun
    } else if o.sandbox {
        Mode::Sandbox
    } else {
        Mode::Send
    };
    let started = jiff::Timestamp::now();
    // A dry run writes nothing unless asked to.
    let report_dir = match (&o.report, o.dry_run) {
        (Some(dir), _) => Some(dir.clone()),
        (None, true) => None,
        (None, false) => Some(report::default_dir(&plan.file, &plan.id, started)),
    };
    let run_options = run::Options {
        mode,
        limit: o.limit,
        policy,
        keep_bodies: o.keep_bodies,
        expected: Some(pass.expected),
        report_dir: report_dir.clone(),
        window: (!o.ignore_window).then_some(pass.clock),
        canary: pass.canary,
    };
    let mut progress = Progress::new(pass.count, o.quiet);
    let mut show = |t: &run::Tally, elapsed| progress.update(t, elapsed);
    let (secret, cancel) = (secret.clone(), pass.cancel);
    let outcome = if o.dry_run {
        run::run(plan.clone(), &run_options, journal, Arc::new(Nowhere), secret, cancel, &mut show).await
    } else {
        let http = Arc::new(run::Http::new(plan.delivery.timeout, plan.delivery.concurrency)?);
        run::run(plan.clone(), &run_options, journal, http, secret, cancel, &mut show).await
    };
    progress.finish();
    let outcome = outcome?;
    let report = &outcome.report;
    if o.json {
        // The summary.json document, and where the report is, as one line on stdout.
        let mut summary: serde_json::Value =
            serde_json::from_str(&report::summary_json(report)).unwrap_or(serde_json::Value::Null);
        summary["report_dir"] = report_dir.as_ref().map(|d| d.display().to_string()).into();
        super::print(&(summary.to_string() + "\n"))?;
    } else {
        super::print(&report::summary_text(report))?;
    }
    match (&outcome.report_error, &report_dir) {
        (None, Some(dir)) if !o.json => {
            super::print(&format!("report: {}/ (results.csv, summary.json, summary.md, junit.xml)\n", dir.display()))?
        }
        (None, _) => {}
        (Some(e), _) => {
            out.error(e);
            if !o.no_journal && !o.dry_run {
                eprintln!("  = help: the journal has every outcome: `herald report {}` rebuilds it", o.file.display());
            }
        }
    }
    if mode != Mode::DryRun {
        step_summary(report);
    }
    // A canary with any failure exits 1 too; `after_canary` says so.
    let above = report.summary.failure_rate() > report.about.max_failure_rate;
    if report.exit_code == crate::exit::FAILURES && report.run.stopped.is_none() && above {
        eprintln!(
            "exit 1: {:.1}% of recipients failed or are unknown, above `delivery.max_failure_rate` ({:.1}%); the report lists them",
            report.summary.failure_rate() * 100.0,
            report.about.max_failure_rate * 100.0
        );
    }
    if let Some(stopped) = report.run.stopped.as_ref().filter(|_| !o.no_journal && !o.dry_run) {
        let unknown = report.count(crate::results::Status::Unknown) > 0;
        let fix = match stopped.kind {
            StopKind::Provider => format!(
                "fix what the provider refused (the key in `{}`, the account, the template), then ",
                plan.token_env
            ),
            StopKind::Unreachable => "check `provider.base_url` and the network, then ".to_string(),
            _ => String::new(),
        };
        // Once `send_at` has passed, the same command is refused as stale without --now.
        let passed = plan.schedule.is_some_and(|s| s.at <= jiff::Timestamp::now()) && !o.now;
        eprintln!(
            "to continue, {fix}run the same command again{}: recipients already sent are skipped{}",
            if passed { " with --now (schedule.send_at has passed)" } else { "" },
            if unknown { "; unknown ones are left for you to decide (--retry-unknown)" } else { "" }
        );
    }
    if report.exit_code == crate::exit::WAITING {
        held_advice(report, o, plan.delivery.daily_cap);
    }
    let failed = report.count(crate::results::Status::Failed) + report.count(crate::results::Status::Unknown);
    Ok(PassEnd { code: report.exit_code, held_until: report.run.held_until, failed })
}

/// Whether this run starts with the campaign's canary: not with `--continue`, nor once the
/// canary went out and a run went on after it or nobody is left (an ordinary re-run). Refuses a
/// run while the canary waits for `--continue`, or a canary with no journal to remember it.
fn canary_gate(plan: &Plan, journal: Option<&(Journal, Inspection)>, o: &Options) -> Result<bool, Error> {
    if plan.canary.is_none() || o.continue_ {
        return Ok(false);
    }
    if o.no_journal {
        return Err(Error::CanaryNeedsJournal);
    }
    let Some((j, inspection)) = journal else { return Ok(true) };
    let runs = j.runs(&plan.id)?;
    // Before --continue, the campaign's only rows are the canary's.
    let totals = j.totals(&plan.id)?;
    if let Some(canary) = super::status::canary_waiting(plan, &runs, &totals, inspection.selection.to_send) {
        let failed = totals.of(journal::State::Failed) + totals.of(journal::State::Unknown) > 0;
        return Err(Error::CanaryDone { id: plan.id.clone(), failed, at: canary.started_at.clone() });
    }
    Ok(super::status::canary_sent(plan, &runs, &totals).is_none())
}

/// What follows a canary run: the exit code to end with (it failed, or it pauses for
/// `--continue`: the report's code says which), or `None` to go on after its wait.
fn after_canary(c: &Canary, end: &PassEnd, o: &Options) -> Option<u8> {
    if end.code == crate::exit::OK {
        return None;
    }
    let file = format!("{}{}", o.file.display(), if o.sandbox { " --sandbox" } else { "" });
    let clean = end.failed == 0 && end.code == crate::exit::WAITING;
    if clean && !(o.dry_run || c.pause) {
        eprintln!(
            "the canary had no failures, but some of it waits for its sending window (exit 75: done for now, recipients waiting): run `herald send {file}` again to go on"
        );
        return Some(end.code);
    }
    if end.failed == 0 && !clean {
        eprintln!(
            "the canary stopped (exit {}) before anyone failed; nothing more was sent. Fix the cause, then run `herald send {file}` again",
            end.code
        );
        return Some(end.code);
    }
    if !clean {
        eprintln!(
            "the canary failed ({} recipient{} failed or unknown); nothing more was sent. Fix the cause, then `herald send {file} --continue` sends to the rest",
            end.failed,
            if end.failed == 1 { "" } else { "s" }
        );
        return Some(end.code);
    }
    eprintln!(
        "canary sent ({} seed{}, up to {} of the audience): check the messages, then `herald send {file} --continue` sends to the rest (exit 75: done for now, recipients waiting)",
        c.seeds.len(),
        if c.seeds.len() == 1 { "" } else { "s" },
        c.count
    );
    Some(crate::exit::WAITING)
}

/// Waits `wait` after a clean canary before going on; Ctrl-C or SIGTERM stops (exit 130).
async fn wait_after_canary(wait: std::time::Duration, cancel: &CancellationToken) -> Result<(), Error> {
    eprintln!(
        "the canary had no failures; going on in {} (Ctrl-C stops; `--continue` sends to the rest later)",
        crate::clock::format(wait)
    );
    tokio::select! {
        () = tokio::time::sleep(wait) => Ok(()),
        () = cancel.cancelled() => Err(Error::CanaryWaitCancelled),
    }
}

/// What exit 75 means, and when to come back.
fn held_advice(report: &report::Report, o: &Options, cap: Option<usize>) {
    let capped = report.summary.skipped_with(&crate::results::Code::DailyCap);
    if capped > 0 {
        eprintln!(
            "{capped} recipient{} for a later run: `delivery.daily_cap` ({}) is reached for this sender; run the same command again later (exit 75: done for now, recipients waiting)",
            if capped == 1 { " waits" } else { "s wait" },
            cap.unwrap_or_default()
        );
    }
    let held = report.summary.skipped_with(&crate::results::Code::Held);
    let Some(opens) = report.run.held_until else { return };
    let rerun = if o.no_journal {
        "; without the journal (--no-journal) a re-run would message the others again: send with the journal, or --ignore-window"
    } else if o.no_wait || o.dry_run || o.sandbox {
        "; run the same command then to send to them (exit 75: done for now, recipients waiting)"
    } else {
        ""
    };
    eprintln!(
        "{held} recipient{} outside their sending window; the first window opens at {opens}{rerun}",
        if held == 1 { " is" } else { "s are" },
    );
}

/// Waits until `opens` (a held recipient's window); Ctrl-C or SIGTERM cancels (exit 130).
async fn wait_for_window(opens: jiff::Timestamp, cancel: &CancellationToken) -> Result<(), Error> {
    let wait = std::time::Duration::try_from(opens.duration_since(jiff::Timestamp::now())).unwrap_or_default();
    eprintln!(
        "waiting until {opens} (in {}) for the next sending window; Ctrl-C stops (the next run continues), --no-wait exits instead",
        crate::clock::format(wait)
    );
    tokio::select! {
        () = tokio::time::sleep(wait) => Ok(()),
        () = cancel.cancelled() => Err(Error::WindowWaitCancelled),
    }
}

/// Opens the journal (read-only for a dry run), refuses a campaign new to it that looks like one
/// it has sent (unless `--new-id`), settles a crashed run, and inspects it: who a run would send
/// to, and whether the campaign changed (refused unless `--allow-changed`). Without `create`, a
/// journal not there yet is not created (`None`), as for a dry run.
fn open_journal(
    plan: &Plan,
    o: &Options,
    policy: Policy,
    create: bool,
) -> Result<Option<(Journal, Inspection)>, Error> {
    if o.no_journal {
        return Ok(None);
    }
    let path = journal::default_location(&plan.file, o.journal.as_deref(), o.sandbox)?;
    let fresh = !path.exists();
    if !o.dry_run {
        // Reports sit beside the default journal: a chosen path is a deliberate choice.
        let default = o.journal.is_none() && std::env::var_os("HERALD_JOURNAL").is_none();
        let check = fresh && default && !o.new_journal;
        if let Some(report) = report::earlier_send(&plan.file, &plan.id, o.sandbox).filter(|_| check) {
            return Err(Error::JournalMissing { path, report, id: plan.id.clone() });
        }
    }
    let mut j = if o.dry_run || (fresh && !create) {
        match Journal::open_read(&path)? {
            Some(j) => j,
            None => return Ok(None),
        }
    } else {
        let j = Journal::open(&path, &plan.id)?;
        if let Some(file) = path.file().filter(|_| fresh) {
            super::gitignore::note_created(file);
        }
        // A journal path chosen on purpose (--journal, HERALD_JOURNAL) is taken as kept.
        let default = o.journal.is_none() && std::env::var_os("HERALD_JOURNAL").is_none();
        if let Some(ci) = ci_runner().filter(|_| default && !o.sandbox) {
            eprintln!(
                "warning: running in CI ({ci}) with the journal on this runner's disk ({}): it is lost with the runner, and a re-run on a fresh one would message everyone again. Keep it: set HERALD_JOURNAL (or --journal) to a postgres:// URL (a database that outlives the runner, shared by every job that sends), or cache or upload `{}` between jobs (after herald exits it is one whole file)",
                path, path
            );
        }
        j
    };
    if let Some(like) = journal::look_alike(&j, &plan.id, &plan.source, &plan.sections)?.filter(|_| !o.new_id) {
        if !o.dry_run && !o.sandbox {
            return Err(Error::LooksSent { id: plan.id.clone(), like });
        }
        eprintln!(
            "warning: campaign `{}` is new to the journal, but it looks like {like}; a real send would refuse unless --new-id",
            plan.id
        );
    }
    if !o.dry_run {
        let settled = j.settle_crashed(&plan.id)?;
        if settled > 0 {
            eprintln!(
                "note: {settled} recipient{} were in flight when an earlier run stopped; they are now `unknown` (the provider may or may not have them) and are not resent unless --retry-unknown",
                if settled == 1 { "" } else { "s" }
            );
        }
    }
    let inspection = run::inspect(plan, &mut j, policy, false)?;
    if inspection.changes.any() {
        let changes = inspection.changes.describe();
        if o.dry_run && !o.allow_changed {
            eprintln!("warning: {changes}; a real run would refuse to send unless --allow-changed");
        } else if !o.allow_changed {
            return Err(Error::Changed { id: plan.id.clone(), changes });
        } else {
            eprintln!("note: {changes} (--allow-changed)");
        }
    }
    Ok(Some((j, inspection)))
}

/// The CI system herald runs in, by the variables CI systems set.
fn ci_runner() -> Option<&'static str> {
    let set = |v: &str| std::env::var_os(v).is_some_and(|x| !x.is_empty() && x != "false" && x != "0");
    [
        ("GITHUB_ACTIONS", "GitHub Actions"),
        ("GITLAB_CI", "GitLab CI"),
        ("BUILDKITE", "Buildkite"),
        ("CIRCLECI", "CircleCI"),
        ("JENKINS_URL", "Jenkins"),
        ("TF_BUILD", "Azure Pipelines"),
        ("CI", "CI"),
    ]
    .into_iter()
    .find(|(var, _)| set(var))
    .map(|(_, name)| name)
}

/// Asks on a terminal whether to send; refuses without one.
fn confirm(plan: &Plan, count: usize, sandbox: bool) -> Result<bool, Error> {
    let base = &plan.settings().base_url;
    let host = base.split("://").nth(1).unwrap_or(base).split('/').next().unwrap_or_default();
    let target = if sandbox { "the built-in sandbox".to_string() } else { format!("{} ({host})", plan.provider) };
    let mut what = format!(
        "send {count} {} message{} through {target} at {} ({} at once)",
        plan.message_type,
        if count == 1 { "" } else { "s" },
        plan.delivery.rate_text(),
        plan.delivery.concurrency
    );
    if let Some(at) = plan.settings().send_at {
        what.push_str(&format!(", for the provider to deliver at {}", crate::clock::time(at)));
    }
    if let Some(window) = &plan.window {
        what.push_str(&format!(", each inside the window {}", window.describe()));
    }
    if !std::io::stdin().is_terminal() {
        return Err(Error::NoTerminal(what));
    }
    eprint!("{}\nAbout to {what}. Continue? [y/N] ", plan.summary());
    let _ = std::io::stderr().flush();
    let mut answer = String::new();
    let _ = std::io::stdin().lock().read_line(&mut answer);
    Ok(matches!(answer.trim(), "y" | "Y" | "yes" | "YES" | "Yes"))
}

/// Appends the summary to `$GITHUB_STEP_SUMMARY` when set.
fn step_summary(report: &report::Report) {
    let Some(path) = std::env::var_os("GITHUB_STEP_SUMMARY") else { return };
    let appended = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .and_then(|mut f| f.write_all(report::summary_markdown(report).as_bytes()));
    if let Err(e) = appended {
        eprintln!("warning: cannot append to $GITHUB_STEP_SUMMARY: {e}");
    }
}
