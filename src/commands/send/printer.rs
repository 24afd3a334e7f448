//! How `herald send` shows a session: notes and waits on stderr, the progress bar, the
//! countdown to `send_at`, each pass's summary on stdout and the advice after it (what a stop,
//! an exit 1 or an exit 75 means and what to run next), and the GitHub Actions step summary.

use super::Options;
use crate::commands::Output;
use crate::commands::progress::Progress;
use crate::commands::schedule::Countdown;
use crate::plan::Plan;
use crate::report::{self, Mode};
use crate::run::StopKind;
use crate::session::Event;
use std::io::Write;
use std::path::Path;

/// Prints a session's events: notes and waits on stderr, progress, the countdown, and each
/// pass's summary (stdout) with its advice.
pub(super) struct Printer<'a> {
    /// The command's options.
    pub(super) o: &'a Options,
    /// Where and how to print.
    pub(super) out: &'a Output,
    /// The campaign.
    pub(super) plan: &'a Plan,
    /// The running pass's progress.
    pub(super) progress: Option<Progress>,
    /// The countdown to `send_at`, while waiting for it.
    pub(super) countdown: Option<Countdown>,
    /// When the wait for receipts was last told.
    pub(super) waiting: Waiting,
}

/// Tells the wait for receipts now and then: at its start, then every 30 seconds.
#[derive(Default)]
pub(super) struct Waiting {
    last: Option<std::time::Instant>,
}

impl Waiting {
    /// The line to print for this tick of the wait, if it is time for one.
    fn tick(&mut self, funnel: &crate::receipts::Funnel, left: std::time::Duration, quiet: bool) -> Option<String> {
        let due = self.last.is_none_or(|at| at.elapsed() >= std::time::Duration::from_secs(30));
        if quiet || !due {
            return None;
        }
        self.last = Some(std::time::Instant::now());
        Some(crate::session::progress_line(funnel, left))
    }
}

impl Printer<'_> {
    /// Shows one event.
    pub(super) fn show(&mut self, e: Event<'_>) -> std::io::Result<()> {
        match e {
            Event::JournalCreated(file) => crate::commands::gitignore::note_created(file),
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
            // With receipts to wait for, the summary is printed once they are in.
            Event::Passed { receipts_follow: true, outcome, .. } => {
                if !self.o.quiet && !self.o.json {
                    eprintln!(
                        "{} accepted; waiting for delivery receipts before the summary",
                        outcome.report.count(crate::results::Status::Sent)
                    );
                }
            }
            Event::Passed { outcome, report_dir, mode, .. } => {
                self.passed(&outcome.report, outcome.report_error.as_ref(), report_dir, mode)?
            }
            Event::AwaitingReceipts { funnel, left } => {
                if let Some(line) = self.waiting.tick(funnel, left, self.o.quiet) {
                    eprintln!("{line}");
                }
            }
            Event::Receipted { report, report_dir, mode, error } => self.passed(report, error, report_dir, mode)?,
            other => {
                if let Some(line) = other.line() {
                    eprintln!("{line}");
                }
            }
        }
        Ok(())
    }

    /// Prints a pass's summary (with its receipts, after waiting for them) and advice.
    fn passed(
        &self,
        report: &report::Report,
        report_error: Option<&crate::error::Error>,
        report_dir: Option<&Path>,
        mode: Mode,
    ) -> std::io::Result<()> {
        let (o, out, plan) = (self.o, self.out, self.plan);
        if o.json {
            // The summary.json document, and where the report is, as one line on stdout.
            let mut summary: serde_json::Value =
                serde_json::from_str(&report::summary_json(report)).unwrap_or(serde_json::Value::Null);
            summary["report_dir"] = report_dir.map(|d| d.display().to_string()).into();
            crate::commands::write_out(&(summary.to_string() + "\n"))?;
        } else {
            crate::commands::write_out(&report::summary_text(report))?;
        }
        match (report_error, report_dir) {
            (None, Some(dir)) if !o.json => crate::commands::write_out(&format!(
                "report: {}/ (results.csv, summary.json, summary.md, junit.xml, report.html)\n",
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
        } else if report.exit_code == crate::exit::FAILURES && report.undelivered() {
            let f = report.summary.funnel();
            eprintln!(
                "exit 1: {} of {} accepted messages ({:.1}%) were reported delivered, below `delivery.min_delivered` ({:.1}%); results.csv's `delivery` column says why",
                f.delivered,
                f.accepted,
                f.delivered_share() * 100.0,
                report.about.min_delivered.unwrap_or_default() * 100.0
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
