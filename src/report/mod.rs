//! The results report: what happened to every recipient. `results.csv` is written a row at a
//! time as records arrive ([`Writer`]); the summaries (`summary.json`, `summary.md`,
//! `junit.xml`, `report.html`, and the text printed at the end) are sibling formats of one
//! shape, written from one [`Report`] built from counters. Nothing here holds all records.

mod cost;
mod csv;
mod delivery;
mod html;
mod json;
mod junit;
mod markdown;
mod outcome;
mod stop_kind;
mod summary;
mod text;
mod timeline;

pub use cost::{Basis, Cost, Facts, Known};
pub use csv::ResultsCsv;
pub use delivery::{Failure, Shown, failures, json as delivery_json, share, shown};
pub use html::report_html;
pub use json::summary_json;
pub use junit::junit_xml;
pub use markdown::summary_markdown;
pub use outcome::{Verdict, verdict};
pub use stop_kind::StopKind;
pub use summary::{Class, Counts, LISTED, Summary};
pub use text::summary_text;
pub use timeline::{Tally, Timeline};

use crate::results::{Code, Record, Status};
use std::path::{Path, PathBuf};

/// How the run sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// To the real provider.
    Send,
    /// To the built-in sandbox.
    Sandbox,
    /// Nowhere (`--dry-run`).
    DryRun,
}

impl Mode {
    /// The name used in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Send => "send",
            Mode::Sandbox => "sandbox",
            Mode::DryRun => "dry_run",
        }
    }
}

/// The campaign a report is about.
#[derive(Debug, Clone, PartialEq)]
pub struct About {
    /// Campaign id.
    pub campaign_id: String,
    /// Campaign name.
    pub campaign_name: Option<String>,
    /// Campaign file.
    pub file: String,
    /// SHA-256 of the campaign file.
    pub file_hash: String,
    /// Provider kind.
    pub provider: String,
    /// The provider's name for people (`FlowIQ`).
    pub provider_name: String,
    /// Whether the provider documents status events (delivered, read, failed) herald can
    /// receive: without them the reports say it gives no delivery status.
    pub receipts: bool,
    /// Message type.
    pub message_type: String,
    /// How it sent.
    pub mode: Mode,
    /// The allowed failure share.
    pub max_failure_rate: f64,
    /// The delivery gate: the share of accepted messages that must be reported delivered,
    /// judged once the run waited for receipts (`delivery.min_delivered`, `--min-delivered`).
    pub min_delivered: Option<f64>,
    /// The variable holding the provider's key (its name, for advice).
    pub token_env: String,
    /// The accounts it sends from (`provider.senders`, or the one account), in the file's order.
    pub senders: Vec<String>,
    /// The rate card and the estimate, when a card is named: the cost is shown beside it.
    pub cost: Option<Basis>,
    /// Whether the provider's receipts carry Meta's pricing (what it billed).
    pub pricing_reported: bool,
}

impl About {
    /// The identity of a planned campaign.
    pub fn of(plan: &crate::plan::Plan, mode: Mode) -> About {
        About {
            campaign_id: plan.id.clone(),
            campaign_name: plan.name.clone(),
            file: plan.file.display().to_string(),
            file_hash: plan.file_hash.clone(),
            provider: plan.provider.to_string(),
            provider_name: plan.provider.provider().info().name.to_string(),
            receipts: plan.provider.provider().status_webhook().is_some(),
            message_type: plan.message_type.to_string(),
            mode,
            max_failure_rate: plan.delivery.max_failure_rate,
            min_delivered: plan.delivery.min_delivered,
            token_env: plan.token_env.clone(),
            senders: plan.senders.iter().map(|s| s.account.clone()).collect(),
            cost: Basis::of(plan),
            pricing_reported: plan.provider.reports_pricing(),
        }
    }
}

/// Why a run stopped early: a stable kind and a sentence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stopped {
    /// The kind.
    pub kind: StopKind,
    /// The sentence.
    pub message: String,
}

/// Facts about the run(s) behind a report.
#[derive(Debug, Clone, PartialEq)]
pub struct RunInfo {
    /// Requests made, retries included.
    pub requests: usize,
    /// Recipients that reached a final state in the run(s) timed by `duration_ms`.
    pub finished: usize,
    /// Start time, RFC 3339.
    pub started_at: String,
    /// Wall time, in milliseconds.
    pub duration_ms: u64,
    /// Why it stopped early.
    pub stopped: Option<Stopped>,
    /// Senders the provider refused while the others went on: the account, and why.
    pub senders_stopped: Vec<(String, String)>,
    /// When the first recipient held outside their sending window may be sent to.
    pub held_until: Option<jiff::Timestamp>,
    /// The run was the campaign's canary (`delivery.canary`), and what follows a clean one.
    pub canary: Option<CanaryRun>,
    /// How the run kept its rate (`None`: nothing was sent, or the report is rebuilt).
    pub pace: Option<crate::pace::Pace>,
    /// How long the run waited for delivery receipts after its last request (`None`: it did
    /// not wait; the delivery gate is judged only after a wait).
    pub receipts: Option<Waited>,
}

/// A run's wait for delivery receipts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Waited {
    /// How long it waited.
    pub waited: std::time::Duration,
    /// How the wait ended.
    pub ended: WaitEnd,
}

/// How a wait for receipts ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WaitEnd {
    /// Every accepted message had a final receipt (or the receiver had nothing more to give).
    Complete,
    /// The time was up first.
    TimedOut,
    /// Ctrl-C or SIGTERM ended it.
    Interrupted,
}

impl WaitEnd {
    /// The name used in summary.json.
    pub fn as_str(self) -> &'static str {
        match self {
            WaitEnd::Complete => "complete",
            WaitEnd::TimedOut => "timed_out",
            WaitEnd::Interrupted => "interrupted",
        }
    }
}

/// What follows a clean canary run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CanaryRun {
    /// The campaign waits for `--continue` (exit 75).
    Pauses,
    /// The same command goes on to the rest of the audience.
    GoesOn,
}

/// Everything a summary says.
#[derive(Debug, Clone)]
pub struct Report {
    /// The campaign.
    pub about: About,
    /// The counters over every record.
    pub summary: Summary,
    /// The run(s).
    pub run: RunInfo,
    /// The exit code the run ends with.
    pub exit_code: u8,
}

impl Report {
    /// A report over `summary`; the exit code follows from the stop, the failure rate, the
    /// delivery gate (after a wait for receipts), the recipients left waiting and the canary:
    /// one that failed (any failed or unknown recipient) ends with at least 1, a clean one that
    /// pauses with 75.
    pub fn new(about: About, summary: Summary, run: RunInfo) -> Report {
        let undelivered = undelivered(&about, &summary, &run);
        let code = match &run.stopped {
            Some(s) => s.kind.exit_code(),
            None if summary.failure_rate() > about.max_failure_rate => crate::exit::FAILURES,
            None if undelivered => crate::exit::FAILURES,
            None if summary.skipped_with(&Code::Held) + summary.skipped_with(&Code::DailyCap) > 0 => {
                crate::exit::WAITING
            }
            None => crate::exit::OK,
        };
        let failed = summary.count(Status::Failed) + summary.count(Status::Unknown) > 0;
        let exit_code = match run.canary {
            Some(_) if code == crate::exit::OK && failed => crate::exit::FAILURES,
            Some(CanaryRun::Pauses) if code == crate::exit::OK => crate::exit::WAITING,
            _ => code,
        };
        Report { about, summary, run, exit_code }
    }

    /// Recipients with `status`.
    pub fn count(&self, status: Status) -> usize {
        self.summary.count(status)
    }

    /// What the campaign cost, beside its estimate.
    pub fn cost(&self) -> Cost<'_> {
        Cost::of(Facts {
            basis: self.about.cost.as_ref(),
            template: self.about.message_type == crate::message::MessageType::Template.as_str(),
            reported: self.about.pricing_reported,
            dry_run: self.about.mode == Mode::DryRun,
            funnel: self.summary.funnel(),
            charges: self.summary.charges(),
        })
    }

    /// Recipients finished per second in the timed run(s) (not counting earlier runs a
    /// re-run's report also covers).
    pub fn rate(&self) -> f64 {
        if self.run.duration_ms == 0 { 0.0 } else { self.run.finished as f64 * 1000.0 / self.run.duration_ms as f64 }
    }

    /// Each sender's counts: the campaign's accounts in its file's order (none sent: zeros),
    /// then any other account the records name (one the journal has that the file no longer
    /// lists).
    pub fn by_sender(&self) -> Vec<(&str, Counts)> {
        let counted = self.summary.by_sender();
        let listed = self.about.senders.iter().map(|a| (a.as_str(), counted.get(a).copied().unwrap_or_default()));
        let others = counted.iter().filter(|(a, _)| !self.about.senders.contains(a)).map(|(a, c)| (a.as_str(), *c));
        listed.chain(others).collect()
    }

    /// Whether the delivery gate failed: the run waited for receipts and fewer accepted
    /// messages than `min_delivered` were reported delivered.
    pub fn undelivered(&self) -> bool {
        undelivered(&self.about, &self.summary, &self.run)
    }

    /// Whether the results are broken down by sender: the campaign sends from several accounts
    /// (or the records name several).
    pub fn several_senders(&self) -> bool {
        self.about.senders.len() > 1 || self.summary.by_sender().len() > 1
    }

    /// Writes the summary formats into `dir` (created); `results.csv` is written by [`Writer`].
    pub fn write_summaries(&self, dir: &Path) -> std::io::Result<()> {
        std::fs::create_dir_all(dir)?;
        std::fs::write(dir.join("summary.json"), summary_json(self))?;
        std::fs::write(dir.join("summary.md"), summary_markdown(self))?;
        std::fs::write(dir.join("report.html"), report_html(self))?;
        std::fs::write(dir.join("junit.xml"), junit_xml(self))
    }
}

/// Whether a run that waited for receipts has fewer accepted messages reported delivered than
/// `min_delivered` asks.
fn undelivered(about: &About, summary: &Summary, run: &RunInfo) -> bool {
    run.receipts.is_some() && about.min_delivered.is_some_and(|min| summary.funnel().delivered_share() < min)
}

/// Collects a report as records arrive: each is counted, and written to `results.csv` when a
/// CSV destination is given.
pub struct Writer {
    csv: Option<ResultsCsv>,
    summary: Summary,
}

impl Writer {
    /// A writer with a `results.csv` going to `csv` (or none).
    pub fn new(csv: Option<Box<dyn std::io::Write + Send>>) -> std::io::Result<Writer> {
        Ok(Writer { csv: csv.map(ResultsCsv::new).transpose()?, summary: Summary::default() })
    }

    /// A writer whose `results.csv` goes into `dir` (created).
    pub fn in_dir(dir: &Path) -> std::io::Result<Writer> {
        std::fs::create_dir_all(dir)?;
        let file = std::fs::File::create(dir.join("results.csv"))?;
        Writer::new(Some(Box::new(std::io::BufWriter::with_capacity(1 << 16, file))))
    }

    /// Counts and writes one record.
    pub fn record(&mut self, r: &Record) -> std::io::Result<()> {
        self.summary.add(r);
        match &mut self.csv {
            Some(csv) => csv.write(r),
            None => Ok(()),
        }
    }

    /// The counters, and whether `results.csv` could be flushed.
    pub fn finish(self) -> (Summary, std::io::Result<()>) {
        let flushed = self.csv.map_or(Ok(()), ResultsCsv::finish);
        (self.summary, flushed)
    }
}

/// `.herald/reports/<campaign-id>-<UTC timestamp>` beside the campaign file (in the folder
/// herald already asks you to ignore, as reports are full of phone numbers), made unique with
/// `-2`, `-3`, … when a run in the same second has taken the name.
pub fn default_dir(campaign_file: &Path, campaign_id: &str, at: jiff::Timestamp) -> PathBuf {
    let base = campaign_file.parent().unwrap_or(Path::new("")).join(".herald").join("reports");
    let name = format!("{campaign_id}-{}", at.strftime("%Y%m%dT%H%M%SZ"));
    let first = base.join(&name);
    (2..)
        .map(|n| base.join(format!("{name}-{n}")))
        .find(|dir| !dir.exists())
        .filter(|_| first.exists())
        .unwrap_or(first)
}

/// A report in the default place that shows an earlier send of the campaign (a real one, or a
/// sandbox one when `sandbox`) reached someone: proof that a journal existed.
pub fn earlier_send(campaign_file: &Path, campaign_id: &str, sandbox: bool) -> Option<PathBuf> {
    let base = campaign_file.parent().unwrap_or(Path::new("")).join(".herald").join("reports");
    let prefix = format!("{campaign_id}-");
    let mode = if sandbox { Mode::Sandbox } else { Mode::Send };
    std::fs::read_dir(base).ok()?.flatten().map(|e| e.path()).find(|dir| {
        let named = dir.file_name().is_some_and(|n| n.to_string_lossy().starts_with(&prefix));
        let summary = || std::fs::read_to_string(dir.join("summary.json")).ok();
        named
            && summary().and_then(|s| serde_json::from_str::<serde_json::Value>(&s).ok()).is_some_and(|s| {
                s["campaign"]["id"] == campaign_id
                    && s["mode"] == mode.as_str()
                    && s["counts"]["sent"].as_u64() > Some(0)
            })
    })
}

#[cfg(test)]
pub(crate) mod fixture {
    //! A small report for the format tests.
    use super::*;
    use crate::results::Code;

    pub fn record(recipient: &str, status: Status, code: Option<&str>) -> Record {
        Record {
            recipient: recipient.into(),
            csv_line: Some(2),
            status,
            message_id: (status == Status::Sent).then(|| format!("wamid.{recipient}")),
            http_status: Some(if status == Status::Sent { 200 } else { 400 }),
            error_code: code.map(Code::parse),
            error_message: code.map(|c| format!("error {c}, with \"quotes\", <tags> & commas")),
            attempts: 1,
            latency_ms: Some(120),
            timestamp: "2026-11-21T10:00:00Z".parse().unwrap(),
            sender: None,
            receipts: None,
        }
    }

    pub fn records() -> Vec<Record> {
        vec![
            record("+254712345678", Status::Sent, None),
            record("+254712345679", Status::Failed, Some("131026")),
            record("+254712345670", Status::Failed, Some("131026")),
            record("+254712345671", Status::Unknown, Some("timeout")),
            record("not-a-number", Status::Skipped, Some("invalid_phone")),
        ]
    }

    pub fn report() -> Report {
        report_of(records())
    }

    /// The fixture's campaign and run over `records`.
    pub fn report_of(records: Vec<Record>) -> Report {
        let mut summary = Summary::default();
        for r in records {
            summary.add(&r);
        }
        let about = About {
            campaign_id: "spring".into(),
            campaign_name: Some("Spring <sale>".into()),
            file: "campaigns/spring.yaml".into(),
            file_hash: "ab".repeat(32),
            provider: "cloud_api".into(),
            provider_name: "The Cloud API".into(),
            receipts: true,
            message_type: "text".into(),
            mode: Mode::Sandbox,
            max_failure_rate: 0.02,
            min_delivered: None,
            token_env: "WA_TOKEN".into(),
            senders: vec!["1234".into()],
            cost: None,
            pricing_reported: true,
        };
        let run = RunInfo {
            requests: 6,
            finished: 4,
            started_at: "2026-11-21T10:00:00Z".into(),
            duration_ms: 2000,
            stopped: None,
            senders_stopped: Vec::new(),
            held_until: None,
            canary: None,
            pace: None,
            receipts: None,
        };
        Report::new(about, summary, run)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_classes_rates_and_exit_code() {
        let r = fixture::report();
        assert_eq!(r.count(Status::Failed), 2);
        let classes = r.summary.problem_classes();
        assert_eq!((classes[0].0, classes[0].1.as_str(), classes[0].2.count), (Status::Failed, "131026", 2));
        assert_eq!(r.summary.failure_rate(), 0.75);
        assert_eq!(r.rate(), 2.0);
        assert_eq!(r.summary.latency_percentile(50.0), Some(120));
        assert_eq!(r.exit_code, 1);
    }

    #[test]
    fn default_dir_is_under_reports() {
        let at: jiff::Timestamp = "2026-11-21T19:35:00Z".parse().unwrap();
        let folder = tempfile::tempdir().unwrap();
        let file = folder.path().join("c.yaml");
        let first = default_dir(&file, "x", at);
        assert_eq!(first, folder.path().join(".herald/reports/x-20261121T193500Z"));
        std::fs::create_dir_all(&first).unwrap();
        assert_eq!(default_dir(&file, "x", at), folder.path().join(".herald/reports/x-20261121T193500Z-2"));
    }
}
