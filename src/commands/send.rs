//! `herald send FILE`: validate, check the token, open the session ([`crate::session`]), confirm,
//! run it with its events printed (progress and notes on stderr, the summary on stdout) and exit
//! with a code CI can act on.

use super::Output;
use super::progress::Progress;
use super::schedule::Countdown;
use crate::error::Error;
use crate::journal::Policy;
use crate::plan::{self, Endpoint, Options as PlanOptions, Plan, ScheduleCheck, TokenCheck};
use crate::report::{self, Mode};
use crate::run::{self, StopKind, transport::Nowhere};
use crate::sandbox::Sandbox;
use crate::secret::Secret;
use crate::session::{self, Deps, Event, Session, SessionError};
use std::io::{BufRead, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tokio_util::sync::CancellationToken;

/// Options for `send`.
#[derive(Clone, Default)]
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
    let arrived = crate::signals::watch(cancel.clone());
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
    // Validation ran without yielding: a signal meanwhile is in the flag, not yet the token.
    if arrived.get() || cancel.is_cancelled() {
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
    let session_options = session::Options {
        file: o.file.clone(),
        dry_run: o.dry_run,
        sandbox: o.sandbox,
        confirmed: o.yes,
        limit: o.limit,
        continue_: o.continue_,
        no_wait: o.no_wait,
        now: o.now,
        ignore_window: o.ignore_window,
        journal: o.journal.clone(),
        ci: super::ci::runner(),
        no_journal: o.no_journal,
        new_journal: o.new_journal,
        new_id: o.new_id,
        allow_changed: o.allow_changed,
        policy: Policy { retry_failed: o.retry_failed, retry_unknown: o.retry_unknown },
        keep_bodies: o.keep_bodies,
        report: o.report.clone(),
    };
    let mut printer = Printer { o, out, plan: &plan, progress: None, countdown: None };
    let mut on_event = |e: Event<'_>| printer.show(e);
    let session = Session::open(plan.clone(), session_options, &mut on_event)?;
    let count = session.count();
    if count > 0 && !o.yes && !o.dry_run && !confirm(&plan, count, o.sandbox)? {
        eprintln!("nothing was sent: not confirmed");
        return Ok(crate::exit::DECLINED);
    }
    let clock = super::clock()?;
    let result = if o.dry_run {
        let deps = Deps { transport: Arc::new(Nowhere), secret, clock, cancel };
        session.run(deps, &mut on_event).await.map_err(Error::from)
    } else {
        match run::Http::new(plan.delivery.timeout, plan.delivery.concurrency) {
            Ok(http) => {
                let deps = Deps { transport: Arc::new(http), secret, clock, cancel };
                session.run(deps, &mut on_event).await.map_err(Error::from)
            }
            Err(e) => Err(e.into()),
        }
    };
    if let Some(s) = sandbox {
        s.shutdown().await;
    }
    result.map(|outcome| outcome.exit_code())
}

/// The session's error at the CLI's edge, with the same message, exit code and help: what it
/// came from (the journal, the campaign's data, a pass, output) as the error it was.
impl From<SessionError> for Error {
    fn from(e: SessionError) -> Error {
        match e {
            SessionError::Journal(e) => Error::Journal(e),
            SessionError::Plan(e) => Error::Plan(e),
            SessionError::Run(e) => *e,
            SessionError::Output(e) => Error::Output(e),
            SessionError::LimitZero => Error::LimitZero,
            SessionError::Changed { id, changes } => Error::Changed { id, changes },
            SessionError::LooksSent { id, like } => Error::LooksSent { id, like },
            SessionError::JournalMissing { path, report, id } => Error::JournalMissing { path, report, id },
            SessionError::CapNeedsJournal => Error::CapNeedsJournal,
            SessionError::CanaryNeedsJournal => Error::CanaryNeedsJournal,
            SessionError::CanaryDone { id, at, failed } => Error::CanaryDone { id, at, failed },
            SessionError::Cancelled => Error::Cancelled,
            SessionError::CanaryWaitCancelled => Error::CanaryWaitCancelled,
            SessionError::WindowWaitCancelled => Error::WindowWaitCancelled,
        }
    }
}

/// Prints a session's events: notes and waits on stderr, progress, the countdown, and each
/// pass's summary (stdout) with its advice.
struct Printer<'a> {
    /// The command's options.
    o: &'a Options,
    /// Where and how to print.
    out: &'a Output,
    /// The campaign.
    plan: &'a Plan,
    /// The running pass's progress.
    progress: Option<Progress>,
    /// The countdown to `send_at`, while waiting for it.
    countdown: Option<Countdown>,
}

impl Printer<'_> {
    /// Shows one event.
    fn show(&mut self, e: Event<'_>) -> std::io::Result<()> {
        match e {
            Event::JournalCreated(file) => super::gitignore::note_created(file),
            Event::Countdown { at, now } => {
                let countdown = self.countdown.get_or_insert_with(|| Countdown::new(self.o.quiet));
                if let Some(line) = countdown.tick(at, now) {
                    eprintln!("{line}");
                }
            }
            Event::CountdownOver => {
                if let Some(countdown) = self.countdown.take() {
                    countdown.finish();
                }
            }
            Event::PassStarting(count) => self.progress = Some(Progress::new(count, self.o.quiet)),
            Event::Progress(t, elapsed) => {
                if let Some(progress) = self.progress.as_mut() {
                    progress.update(t, elapsed);
                }
            }
            Event::PassOver => {
                if let Some(progress) = self.progress.take() {
                    progress.finish();
                }
            }
            Event::Passed { outcome, report_dir, mode } => self.passed(outcome, report_dir, mode)?,
            other => {
                if let Some(line) = other.line() {
                    eprintln!("{line}");
                }
            }
        }
        Ok(())
    }

    /// Prints a pass's summary and advice.
    fn passed(&self, outcome: &run::Outcome, report_dir: Option<&Path>, mode: Mode) -> std::io::Result<()> {
        let (o, out, plan) = (self.o, self.out, self.plan);
        let report = &outcome.report;
        if o.json {
            // The summary.json document, and where the report is, as one line on stdout.
            let mut summary: serde_json::Value =
                serde_json::from_str(&report::summary_json(report)).unwrap_or(serde_json::Value::Null);
            summary["report_dir"] = report_dir.map(|d| d.display().to_string()).into();
            super::write_out(&(summary.to_string() + "\n"))?;
        } else {
            super::write_out(&report::summary_text(report))?;
        }
        match (&outcome.report_error, report_dir) {
            (None, Some(dir)) if !o.json => super::write_out(&format!(
                "report: {}/ (results.csv, summary.json, summary.md, junit.xml)\n",
                dir.display()
            ))?,
            (None, _) => {}
            (Some(e), _) => {
                out.error(e);
                if !o.no_journal && !o.dry_run {
                    eprintln!(
                        "  = help: the journal has every outcome: `herald report {}` rebuilds it",
                        o.file.display()
                    );
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
        Ok(())
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_session_error_reaches_the_user_with_its_message_exit_code_and_help_unchanged() {
        let cases = [
            SessionError::LimitZero,
            SessionError::Cancelled,
            SessionError::WindowWaitCancelled,
            SessionError::CanaryWaitCancelled,
            SessionError::CanaryNeedsJournal,
            SessionError::CapNeedsJournal,
            SessionError::CanaryDone { id: "c".into(), at: "t".into(), failed: true },
            SessionError::Changed { id: "c".into(), changes: "the text changed".into() },
            SessionError::Output(std::io::Error::other("disk full")),
        ];
        for e in cases {
            let (said, code, help) = (e.to_string(), e.exit_code(), e.help());
            let e = Error::from(e);
            assert_eq!((e.to_string(), e.exit_code(), e.help()), (said, code, help));
        }
        // A closed pipe stays one, so it still ends output quietly.
        let pipe = Error::from(SessionError::Output(std::io::ErrorKind::BrokenPipe.into()));
        assert!(matches!(pipe, Error::Output(ref io) if io.kind() == std::io::ErrorKind::BrokenPipe));
    }
}
