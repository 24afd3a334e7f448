//! `herald report FILE`: the results report rebuilt from the journal, so a crash never loses it.

use super::Output;
use crate::error::Error;
use crate::exit;
use crate::journal::{self, Journal, RunRow};
use crate::report::StopKind;
use crate::report::{self, About, Mode, Report, RunInfo, Writer};
use std::path::PathBuf;
use std::sync::Arc;

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
    /// `report.html`.
    Html,
}

/// Options for `report`.
#[derive(Clone)]
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
    /// Global opt-out lists (`$HERALD_SUPPRESS`, `--suppress`).
    pub opt_out: Vec<crate::plan::OptOutList>,
    /// `$HERALD_RATE_CARD`: the rate card priced by when the campaign names none.
    pub rate_card: Option<PathBuf>,
    /// `--file-root`: the tree the campaign's files must lie in, instead of its repository.
    pub file_root: Option<PathBuf>,
}

/// Runs `report`.
pub fn run(o: &Options, out: &Output) -> u8 {
    super::block_on(rebuild(o, out)).unwrap_or_else(|e| out.error(&e))
}

async fn rebuild(o: &Options, out: &Output) -> Result<u8, Error> {
    let Some(plan) = super::status::load(&o.file, &o.opt_out, o.rate_card.as_deref(), o.file_root.as_deref(), out)
    else {
        return Ok(exit::INVALID);
    };
    let path = journal::default_location(&o.file, o.journal.as_deref(), o.sandbox)?;
    let Some(j) = Journal::open_read(&path)? else {
        // Rehearsals and real sends keep separate journals: name the other when it has runs.
        let other = journal::default_location(&o.file, o.journal.as_deref(), !o.sandbox)?;
        let ran =
            Journal::open_read(&other).ok().flatten().is_some_and(|j| j.runs(&plan.id).is_ok_and(|r| !r.is_empty()));
        return Err(Error::NoJournal { path, id: plan.id, sandbox: o.sandbox, other: ran.then_some(other) });
    };
    let runs = j.runs(&plan.id)?;
    let plan = Arc::new(plan);
    let writer = match (&o.out, o.format) {
        (Some(dir), _) => Writer::in_dir(dir).map_err(|source| Error::Report { dir: dir.clone(), source })?,
        (None, Format::Csv) => Writer::new(Some(Box::new(std::io::stdout()))).map_err(Error::Output)?,
        (None, _) => Writer::new(None).map_err(Error::Output)?,
    };
    let summary = crate::run::rebuild(plan.clone(), &j, writer).await?;
    let mode = if runs.last().is_some_and(|r| r.mode == "sandbox") { Mode::Sandbox } else { Mode::Send };
    let info = info(&plan, &runs, &summary);
    let report = Report::new(About::of(&plan, mode), summary, info);
    if let Some(dir) = &o.out {
        report.write_summaries(dir).map_err(|source| Error::Report { dir: dir.clone(), source })?;
        super::print(&format!(
            "report: {}/ (results.csv, summary.json, summary.md, junit.xml, report.html)\n",
            dir.display()
        ))?;
        return Ok(exit::OK);
    }
    let text = match o.format {
        Format::Csv => return Ok(exit::OK),
        Format::Json => report::summary_json(&report),
        Format::Md => report::summary_markdown(&report),
        Format::Junit => report::junit_xml(&report),
        Format::Html => report::report_html(&report),
    };
    super::print(&text)?;
    Ok(exit::OK)
}

/// The run facts of a rebuilt report: from the first run's start to the last one's end, the
/// requests the records count, how the last run stopped, and whether it was the canary.
fn info(plan: &crate::plan::Plan, runs: &[RunRow], summary: &report::Summary) -> RunInfo {
    let started = runs.first().map(|r| r.started_at.clone()).unwrap_or_default();
    let ended = runs.iter().filter_map(|r| r.finished_at.clone()).max().unwrap_or_else(|| started.clone());
    let duration_ms = match (started.parse::<jiff::Timestamp>(), ended.parse::<jiff::Timestamp>()) {
        (Ok(a), Ok(b)) => (b.as_millisecond() - a.as_millisecond()).max(0) as u64,
        _ => 0,
    };
    let stopped = runs
        .last()
        .and_then(|r| r.stopped.clone())
        .and_then(|(kind, message)| StopKind::parse(&kind).map(|kind| report::Stopped { kind, message }));
    RunInfo {
        requests: summary.attempts,
        finished: summary.attempted,
        started_at: started,
        duration_ms,
        stopped,
        senders_stopped: Vec::new(),
        held_until: None,
        pace: None,
        receipts: None,
        canary: plan
            .canary
            .as_ref()
            .filter(|_| runs.last().is_some_and(|r| r.mode == crate::run::CANARY))
            .map(|c| if c.pause { report::CanaryRun::Pauses } else { report::CanaryRun::GoesOn }),
    }
}
