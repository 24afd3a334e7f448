//! `herald send FILE`: validate, check the journal (who already has the message, whether the
//! campaign changed), confirm, wait for the schedule, send with progress, write the report over
//! the whole campaign, and exit with a code CI can act on.

use super::Output;
use crate::exit;
use crate::journal::{self, Journal};
use crate::plan::{self, Options as PlanOptions, Plan, TokenCheck};
use crate::report::{self, Mode, Report, RunInfo};
use crate::secret::Secret;
use crate::send::{self, StopReason};
use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;

/// Options for `send`.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Campaign file.
    pub file: PathBuf,
    /// Render and report, send nothing.
    pub dry_run: bool,
    /// Send to the built-in sandbox instead of the provider.
    pub sandbox: bool,
    /// Do not ask for confirmation.
    pub yes: bool,
    /// Report folder.
    pub report: Option<PathBuf>,
    /// First N recipients only.
    pub limit: Option<usize>,
    /// No progress output.
    pub quiet: bool,
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
}

/// Runs `send`.
pub fn run(o: &Options, out: &Output) -> u8 {
    super::block_on(send(o, out))
}

/// Prints an error and returns the usage exit code.
fn fail(message: impl std::fmt::Display) -> u8 {
    eprintln!("error: {message}");
    exit::INVALID
}

async fn send(o: &Options, out: &Output) -> u8 {
    let offline = o.dry_run || o.sandbox;
    let token = if offline { TokenCheck::Skip } else { TokenCheck::Require };
    let v = plan::load(&o.file, PlanOptions { token, base_url: None });
    out.diagnostics(&v.diagnostics, o.all_problems);
    let Some(mut plan) = v.plan else {
        out.invalid(&o.file, &v.diagnostics, true);
        return exit::INVALID;
    };

    let mut journal = None;
    let mut selection = journal::Selection { to_send: (0..plan.sends.len()).collect(), ..Default::default() };
    if !o.dry_run && !o.no_journal {
        match open_journal(&plan, o) {
            Ok((j, s)) => {
                journal = Some(j);
                selection = s;
            }
            Err(code) => return code,
        }
    } else if o.dry_run && !o.no_journal {
        // A dry run shows what a real run would do: it reads the journal, and writes nothing.
        let path = journal::default_path(&plan.file, o.journal.as_deref(), o.sandbox);
        match Journal::open_read(&path).and_then(|j| j.map(|j| j.load(&plan.id)).transpose()) {
            Ok(Some(state)) if state.runs > 0 => {
                selection = journal::select(&plan, &state, o.retry_failed, o.retry_unknown);
                eprintln!("journal {}: a real run would {}", path.display(), selection.describe());
            }
            Ok(_) => {}
            Err(e) => return fail(e),
        }
    }
    let mut keep = vec![false; plan.sends.len()];
    for &i in &selection.to_send {
        keep[i] = true;
    }
    plan.sends = std::mem::take(&mut plan.sends).into_iter().zip(keep).filter_map(|(s, k)| k.then_some(s)).collect();
    let count = o.limit.unwrap_or(usize::MAX).min(plan.sends.len());
    if count == 0 && !plan.sends.is_empty() {
        return fail("--limit 0 sends nothing");
    }
    if count > 0 {
        if let Some(code) = (!o.yes && !o.dry_run).then(|| confirm(&plan, count, o.sandbox)).flatten() {
            return code;
        }
        if let Some(code) = wait_for_schedule(&plan, o).await {
            return code;
        }
    }
    // A dry run talks to nobody, so it needs no sandbox server either.
    let sandbox = if o.sandbox && !o.dry_run {
        match crate::sandbox::Sandbox::start(crate::sandbox::Config::default()).await {
            Ok(s) => {
                plan.rebase(&s.base_url(plan.provider));
                Some(s)
            }
            Err(e) => return fail(format!("cannot start the sandbox: {e}")),
        }
    } else {
        None
    };
    let secret = match (&sandbox, o.dry_run) {
        (Some(_), _) => Secret::new(crate::sandbox::token(plan.provider)),
        (None, true) => Secret::new(""),
        (None, false) => match Secret::from_env(&plan.token_env) {
            Some(s) => s,
            None => return fail(format!("environment variable `{}` is not set; nothing was sent", plan.token_env)),
        },
    };
    let mode = if o.dry_run {
        Mode::DryRun
    } else if o.sandbox {
        Mode::Sandbox
    } else {
        Mode::Send
    };
    let mut run_id = None;
    let mut writer = None;
    if let Some(j) = journal.as_mut().filter(|_| count > 0) {
        let started = j
            .begin_run(&plan.id, &plan.sections, mode.as_str())
            .and_then(|id| Ok((id, j.writer(&plan.id, o.keep_bodies)?)));
        match started {
            Ok((id, w)) => {
                run_id = Some(id);
                writer = Some(w);
            }
            Err(e) => return fail(e),
        }
    }
    let options = send::Options { dry_run: o.dry_run, limit: o.limit, quiet: o.quiet };
    let result = send::run(&plan, secret, writer.as_ref().map(|w| w.handle()), &options, interrupt()).await;
    let mut result = match result {
        Ok(r) => r,
        Err(e) => return fail(format!("{e}; nothing was sent")),
    };
    if let Some(Err(e)) = writer.map(|w| w.finish()) {
        result.stopped.get_or_insert(StopReason::Journal(e));
    }
    if let Some(s) = sandbox {
        s.shutdown().await;
    }
    let mut records = result.records.clone();
    records.extend(selection.done.iter().cloned());
    let report = Report::new(&plan, records, mode, RunInfo::of(&result));
    if let (Some(j), Some(id)) = (journal.as_mut(), run_id) {
        let stopped = report.stopped.as_ref().map(|s| (s.kind.as_str(), s.message.as_str()));
        if let Err(e) = j.end_run(id, stopped, report.exit_code) {
            eprintln!("warning: {e}");
        }
    }
    finish(&report, o, result.started_at);
    if report.stopped.is_some() && journal.is_some() {
        eprintln!(
            "to continue, run the same command again: recipients already sent are skipped{}",
            if report.counts()[&crate::results::Status::Unknown] > 0 {
                "; unknown ones are left for you to decide (--retry-unknown)"
            } else {
                ""
            }
        );
    }
    report.exit_code
}

/// Opens and locks the journal, settles a crashed run, refuses a changed campaign, and decides
/// who this run sends to. `Err(code)` ends the command.
fn open_journal(plan: &Plan, o: &Options) -> Result<(Journal, journal::Selection), u8> {
    let path = journal::default_path(&plan.file, o.journal.as_deref(), o.sandbox);
    let fresh = !path.exists();
    let mut j = Journal::open(&path).map_err(fail)?;
    if fresh {
        gitignore_hint(&path);
    }
    let settled = j.settle_crashed(&plan.id).map_err(fail)?;
    if settled > 0 {
        eprintln!(
            "note: {settled} recipient{} were in flight when an earlier run stopped; they are now `unknown` (the provider may or may not have them) and are not resent unless --retry-unknown",
            if settled == 1 { "" } else { "s" }
        );
    }
    let state = j.load(&plan.id).map_err(fail)?;
    let changes = journal::detect(&state, plan);
    if changes.any() {
        if !o.allow_changed {
            eprintln!(
                "error: campaign `{}` changed since it was partly sent: {}\n  = help: sending on would give part of the audience one message and the rest another; undo the change, or pass --allow-changed to send the new version to the remaining recipients",
                plan.id,
                changes.describe()
            );
            return Err(exit::INVALID);
        }
        eprintln!("note: {} (--allow-changed)", changes.describe());
        j.rebaseline(plan).map_err(fail)?;
    }
    let selection = journal::select(plan, &state, o.retry_failed, o.retry_unknown);
    if state.runs > 0 {
        eprintln!("journal {}: {}", path.display(), selection.describe());
    }
    Ok((j, selection))
}

/// Says once, when the journal is created, that `.herald/` belongs in `.gitignore`.
fn gitignore_hint(journal: &std::path::Path) {
    let Some(dir) = journal.parent() else { return };
    let ignored = dir.ancestors().skip(1).any(|d| {
        std::fs::read_to_string(d.join(".gitignore"))
            .is_ok_and(|t| t.lines().any(|l| l.trim().trim_matches('/') == ".herald"))
    });
    if !ignored {
        eprintln!("note: created the journal {}; add `.herald/` to your .gitignore", journal.display());
    }
}

/// Asks on a terminal; refuses without one. `Some(code)` means do not send.
fn confirm(plan: &Plan, count: usize, sandbox: bool) -> Option<u8> {
    let target = if sandbox { "the built-in sandbox" } else { plan.provider.as_str() };
    let what = format!(
        "send {count} {} message{} through {target} at {} ({} at once)",
        plan.message_type,
        if count == 1 { "" } else { "s" },
        plan.delivery.rate_text(),
        plan.delivery.concurrency
    );
    if !std::io::stdin().is_terminal() {
        eprintln!("error: about to {what}, but there is no terminal to confirm on; pass --yes to send");
        return Some(exit::INVALID);
    }
    eprint!("{}\nAbout to {what}. Continue? [y/N] ", plan.summary());
    let _ = std::io::stderr().flush();
    let mut answer = String::new();
    let _ = std::io::stdin().lock().read_line(&mut answer);
    if matches!(answer.trim(), "y" | "Y" | "yes" | "YES" | "Yes") {
        None
    } else {
        eprintln!("nothing was sent");
        Some(exit::OK)
    }
}

/// Waits until `schedule.send_at` unless told not to; `Some(code)` when interrupted meanwhile.
async fn wait_for_schedule(plan: &Plan, o: &Options) -> Option<u8> {
    let at = plan.send_at?;
    let now = jiff::Timestamp::now();
    if at <= now {
        return None;
    }
    if o.dry_run || o.sandbox || o.now {
        eprintln!(
            "note: schedule.send_at is {at}; sending now ({})",
            if o.now { "--now" } else { "dry run or sandbox" }
        );
        return None;
    }
    let wait = std::time::Duration::try_from(at.duration_since(now)).unwrap_or_default();
    eprintln!(
        "waiting until {at} (in {}) as `schedule.send_at` says; Ctrl-C cancels, --now sends at once",
        send::clock(wait)
    );
    tokio::select! {
        () = tokio::time::sleep(wait) => None,
        _ = tokio::signal::ctrl_c() => {
            eprintln!("cancelled before sending; nothing was sent");
            Some(exit::INTERRUPTED)
        }
    }
}

/// Completes on the first Ctrl-C (or SIGTERM, as CI sends on cancel); a second one exits at once.
async fn interrupt() {
    if !first_signal().await {
        return std::future::pending().await;
    }
    eprintln!("\nstopping: no new recipients; waiting for requests in flight (Ctrl-C again to quit now)");
    tokio::spawn(async {
        if tokio::signal::ctrl_c().await.is_ok() {
            eprintln!("quit");
            std::process::exit(i32::from(exit::INTERRUPTED));
        }
    });
}

/// Waits for Ctrl-C or SIGTERM; `false` when no handler could be installed.
async fn first_signal() -> bool {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            return tokio::select! {
                r = tokio::signal::ctrl_c() => r.is_ok(),
                _ = term.recv() => true,
            };
        }
    }
    tokio::signal::ctrl_c().await.is_ok()
}

/// Writes the report and prints the summary.
fn finish(report: &Report, o: &Options, started: jiff::Timestamp) {
    let dir = o.report.clone().unwrap_or_else(|| report::default_dir(&report.campaign_id, started));
    print!("{}", report::summary_text(report));
    match report.write(&dir) {
        Ok(_) => println!("report: {}/ (results.csv, summary.json, summary.md, junit.xml)", dir.display()),
        Err(e) => eprintln!("error: cannot write the report to {}: {e}", dir.display()),
    }
    if let Some(path) = std::env::var_os("GITHUB_STEP_SUMMARY") {
        let appended = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .and_then(|mut f| f.write_all(report::summary_markdown(report).as_bytes()));
        if let Err(e) = appended {
            eprintln!("warning: cannot append to $GITHUB_STEP_SUMMARY: {e}");
        }
    }
}
