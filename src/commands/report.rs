//! `herald report FILE`: the results report rebuilt from the journal, so a crash never loses it.

use super::Output;
use crate::exit;
use crate::journal;
use crate::report::{self, Mode, Report, RunInfo};
use std::path::PathBuf;

/// Which format to print.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// `results.csv`.
    Csv,
    /// `summary.json`.
    Json,
    /// `summary.md`.
    Md,
    /// `junit.xml`.
    Junit,
}

/// Options for `report`.
#[derive(Debug, Clone)]
pub struct Options {
    /// Campaign file.
    pub file: PathBuf,
    /// Format printed to stdout.
    pub format: Format,
    /// Write every format here instead.
    pub out: Option<PathBuf>,
    /// Read the sandbox journal.
    pub sandbox: bool,
    /// Journal file.
    pub journal: Option<PathBuf>,
}

/// Runs `report`.
pub fn run(o: &Options, out: &Output) -> u8 {
    let super::JournalView { plan, path, journal, state, runs } =
        match super::journal_view(&o.file, o.journal.as_deref(), o.sandbox, out) {
            Ok(v) => v,
            Err(code) => return code,
        };
    if journal.is_none() {
        eprintln!("error: no journal at {}: campaign `{}` has not been sent yet", path.display(), plan.id);
        return exit::INVALID;
    }
    let records = journal::campaign_records(&plan, &state);
    let started = runs.first().map(|r| r.started_at.clone()).unwrap_or_default();
    let ended = runs.iter().filter_map(|r| r.finished_at.clone()).max().unwrap_or_else(|| started.clone());
    let duration_ms = match (started.parse::<jiff::Timestamp>(), ended.parse::<jiff::Timestamp>()) {
        (Ok(a), Ok(b)) => (b.as_millisecond() - a.as_millisecond()).max(0) as u64,
        _ => 0,
    };
    let mode = if runs.last().is_some_and(|r| r.mode == "sandbox") { Mode::Sandbox } else { Mode::Send };
    let info = RunInfo {
        requests: records.iter().map(|r| r.attempts as usize).sum(),
        finished: records.iter().filter(|r| r.attempts > 0).count(),
        started_at: started,
        duration_ms,
        stopped: runs.last().and_then(|r| r.stopped.clone()).map(|(kind, message)| report::Stopped { kind, message }),
    };
    let report = Report::new(&plan, records, mode, info);
    if let Some(dir) = &o.out {
        return match report.write(dir) {
            Ok(_) => {
                println!("report: {}/ (results.csv, summary.json, summary.md, junit.xml)", dir.display());
                exit::OK
            }
            Err(e) => {
                eprintln!("error: cannot write the report to {}: {e}", dir.display());
                exit::INVALID
            }
        };
    }
    let text = match o.format {
        Format::Csv => report::results_csv(&report).unwrap_or_default(),
        Format::Json => report::summary_json(&report),
        Format::Md => report::summary_markdown(&report),
        Format::Junit => report::junit_xml(&report),
    };
    print!("{text}");
    exit::OK
}
