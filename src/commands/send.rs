//! `herald send FILE`: validate, confirm, (wait for the schedule,) send with progress, write
//! the report, print the summary, exit with a code CI can act on.

use super::Output;
use crate::exit;
use crate::plan::{self, Options as PlanOptions, Plan, TokenCheck};
use crate::report::{self, Mode, Report};
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
}

/// Runs `send`.
pub fn run(o: &Options, out: &Output) -> u8 {
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return exit::INVALID;
        }
    };
    runtime.block_on(send(o, out))
}

async fn send(o: &Options, out: &Output) -> u8 {
    let offline = o.dry_run || o.sandbox;
    let token = if offline { TokenCheck::Skip } else { TokenCheck::Require };
    let v = plan::load(&o.file, PlanOptions { token, base_url: None });
    out.diagnostics(&v.diagnostics, o.all_problems);
    let Some(mut plan) = v.plan else {
        out.invalid(&o.file, &v.diagnostics);
        return exit::INVALID;
    };
    let count = o.limit.unwrap_or(usize::MAX).min(plan.sends.len());
    if let Some(code) = (!o.yes && !o.dry_run).then(|| confirm(&plan, count, o.sandbox)).flatten() {
        return code;
    }
    if let Some(code) = wait_for_schedule(&plan, o).await {
        return code;
    }
    let sandbox = if o.sandbox {
        match crate::sandbox::Sandbox::start(crate::sandbox::Config::default()).await {
            Ok(s) => {
                plan.rebase(&s.base_url(plan.provider));
                Some(s)
            }
            Err(e) => {
                eprintln!("error: cannot start the sandbox: {e}");
                return exit::INVALID;
            }
        }
    } else {
        None
    };
    let secret = match (&sandbox, o.dry_run) {
        (Some(_), _) => Secret::new(crate::sandbox::token(plan.provider)),
        (None, true) => Secret::new(""),
        (None, false) => match Secret::from_env(&plan.token_env) {
            Some(s) => s,
            None => {
                eprintln!("error: environment variable `{}` is not set; nothing was sent", plan.token_env);
                return exit::INVALID;
            }
        },
    };
    let options = send::Options { dry_run: o.dry_run, limit: o.limit, quiet: o.quiet };
    let result = match send::run(&plan, secret, &options, interrupt()).await {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: {e}; nothing was sent");
            return exit::INVALID;
        }
    };
    if let Some(s) = sandbox {
        s.shutdown().await;
    }
    let code = exit_code(&result, plan.delivery.max_failure_rate);
    let mode = if o.dry_run {
        Mode::DryRun
    } else if o.sandbox {
        Mode::Sandbox
    } else {
        Mode::Send
    };
    let report = Report::new(&plan, &result, mode, code);
    finish(&report, o, result.started_at);
    code
}

/// The exit code for a finished or stopped run.
pub fn exit_code(result: &send::RunResult, max_failure_rate: f64) -> u8 {
    match &result.stopped {
        Some(StopReason::Provider(_) | StopReason::Unreachable(_)) => exit::PROVIDER_STOPPED,
        Some(StopReason::Interrupted) => exit::INTERRUPTED,
        Some(StopReason::FailureRate { .. }) => exit::FAILURES,
        None if result.tally.failure_rate() > max_failure_rate => exit::FAILURES,
        None => exit::OK,
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
