//! The results report: what happened to every recipient, written as sibling formats of one
//! shape (`results.csv`, `summary.json`, `summary.md`, `junit.xml`) from one [`Report`] value.

mod csv;
mod json;
mod junit;
mod markdown;
mod text;

use crate::results::{Record, Status};
use crate::send::RunResult;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub use csv::results_csv;
pub use json::summary_json;
pub use junit::junit_xml;
pub use markdown::summary_markdown;
pub use text::summary_text;

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

/// Everything a report says.
#[derive(Debug, Clone)]
pub struct Report {
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
    /// Message type.
    pub message_type: String,
    /// How it sent.
    pub mode: Mode,
    /// One record per recipient.
    pub records: Vec<Record>,
    /// Requests made, retries included.
    pub requests: usize,
    /// Recipients finished in the timed run(s), for the rate.
    pub finished: usize,
    /// Start time, RFC 3339.
    pub started_at: String,
    /// Wall time of the run, in milliseconds.
    pub duration_ms: u64,
    /// The allowed failure share.
    pub max_failure_rate: f64,
    /// Why the run stopped early.
    pub stopped: Option<Stopped>,
    /// The exit code the run ends with.
    pub exit_code: u8,
}

/// Why a run stopped early: a stable kind (`provider`, `unreachable`, `failure_rate`,
/// `interrupted`, `journal`) and a sentence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stopped {
    /// The kind.
    pub kind: String,
    /// The sentence.
    pub message: String,
}

/// Facts about the run(s) behind a report.
#[derive(Debug, Clone)]
pub struct RunInfo {
    /// Requests made, retries included.
    pub requests: usize,
    /// Recipients that reached a final state in the run(s) timed by `duration_ms`.
    pub finished: usize,
    /// Start time, RFC 3339.
    pub started_at: String,
    /// Wall time, in milliseconds.
    pub duration_ms: u64,
    /// Why the run stopped early.
    pub stopped: Option<Stopped>,
}

impl RunInfo {
    /// The facts of one run.
    pub fn of(run: &RunResult) -> RunInfo {
        RunInfo {
            requests: run.tally.requests,
            finished: run.tally.finished(),
            started_at: crate::results::timestamp(run.started_at),
            duration_ms: run.elapsed.as_millis() as u64,
            stopped: run.stopped.as_ref().map(|s| Stopped { kind: s.kind().into(), message: s.to_string() }),
        }
    }
}

impl Report {
    /// Builds a report over `records`; the exit code follows from the stop reason and the
    /// failure rate.
    pub fn new(plan: &crate::plan::Plan, records: Vec<Record>, mode: Mode, run: RunInfo) -> Report {
        let mut report = Report {
            campaign_id: plan.id.clone(),
            campaign_name: plan.name.clone(),
            file: plan.file.display().to_string(),
            file_hash: plan.file_hash.clone(),
            provider: plan.provider.to_string(),
            message_type: plan.message_type.to_string(),
            mode,
            records,
            requests: run.requests,
            finished: run.finished,
            started_at: run.started_at,
            duration_ms: run.duration_ms,
            max_failure_rate: plan.delivery.max_failure_rate,
            stopped: run.stopped,
            exit_code: 0,
        };
        report.exit_code = report.decide_exit_code();
        report
    }

    /// 3 when the provider stopped the run, 130 when interrupted, 2 when the journal failed,
    /// 1 when failures exceed the threshold, else 0.
    fn decide_exit_code(&self) -> u8 {
        use crate::exit;
        match self.stopped.as_ref().map(|s| s.kind.as_str()) {
            Some("provider" | "unreachable") => exit::PROVIDER_STOPPED,
            Some("interrupted") => exit::INTERRUPTED,
            Some("journal") => exit::INVALID,
            Some(_) => exit::FAILURES,
            None if self.failure_rate() > self.max_failure_rate => exit::FAILURES,
            None => exit::OK,
        }
    }

    /// Recipients per status.
    pub fn counts(&self) -> BTreeMap<Status, usize> {
        let mut counts: BTreeMap<Status, usize> = Status::ALL.iter().map(|s| (*s, 0)).collect();
        for r in &self.records {
            *counts.entry(r.status).or_default() += 1;
        }
        counts
    }

    /// Failed, unknown and skipped recipients grouped by (status, error code), largest first.
    pub fn problem_classes(&self) -> Vec<((Status, String), Vec<&Record>)> {
        let mut classes: BTreeMap<(Status, String), Vec<&Record>> = BTreeMap::new();
        for r in self.records.iter().filter(|r| matches!(r.status, Status::Failed | Status::Unknown | Status::Skipped))
        {
            let code = r.error_code.clone().unwrap_or_else(|| "unknown_error".into());
            classes.entry((r.status, code)).or_default().push(r);
        }
        let mut v: Vec<_> = classes.into_iter().collect();
        v.sort_by(|a, b| b.1.len().cmp(&a.1.len()).then(a.0.cmp(&b.0)));
        v
    }

    /// Sent and answered recipients' latencies, sorted.
    fn latencies(&self) -> Vec<u64> {
        let mut v: Vec<u64> = self.records.iter().filter_map(|r| r.latency_ms).collect();
        v.sort_unstable();
        v
    }

    /// The latency at percentile `p` (0–100).
    pub fn latency_percentile(&self, p: f64) -> Option<u64> {
        let v = self.latencies();
        (!v.is_empty()).then(|| v[((p / 100.0) * (v.len() - 1) as f64).round() as usize])
    }

    /// Failed and unknown as a share of recipients that reached a final state.
    pub fn failure_rate(&self) -> f64 {
        let c = self.counts();
        let done = c[&Status::Sent] + c[&Status::Failed] + c[&Status::Unknown];
        if done == 0 { 0.0 } else { (c[&Status::Failed] + c[&Status::Unknown]) as f64 / done as f64 }
    }

    /// Recipients finished per second in the timed run(s) (not counting earlier runs a
    /// re-run's report also covers).
    pub fn rate(&self) -> f64 {
        if self.duration_ms == 0 { 0.0 } else { self.finished as f64 * 1000.0 / self.duration_ms as f64 }
    }

    /// Writes every format into `dir` (created) and returns the paths written.
    pub fn write(&self, dir: &Path) -> std::io::Result<Vec<PathBuf>> {
        std::fs::create_dir_all(dir)?;
        let files = [
            ("results.csv", csv::results_csv(self)?),
            ("summary.json", summary_json(self)),
            ("summary.md", summary_markdown(self)),
            ("junit.xml", junit::junit_xml(self)),
        ];
        let mut written = Vec::new();
        for (name, text) in files {
            let path = dir.join(name);
            std::fs::write(&path, text)?;
            written.push(path);
        }
        Ok(written)
    }
}

/// `reports/<campaign-id>-<UTC timestamp>`.
pub fn default_dir(campaign_id: &str, at: jiff::Timestamp) -> PathBuf {
    PathBuf::from("reports").join(format!("{campaign_id}-{}", at.strftime("%Y%m%dT%H%M%SZ")))
}

#[cfg(test)]
pub(crate) mod fixture {
    //! A small report for the format tests.
    use super::*;

    pub fn record(recipient: &str, status: Status, code: Option<&str>) -> Record {
        Record {
            recipient: recipient.into(),
            csv_line: Some(2),
            status,
            message_id: (status == Status::Sent).then(|| format!("wamid.{recipient}")),
            http_status: Some(if status == Status::Sent { 200 } else { 400 }),
            error_code: code.map(str::to_string),
            error_message: code.map(|c| format!("error {c}, with \"quotes\", <tags> & commas")),
            attempts: 1,
            latency_ms: Some(120),
            timestamp: "2026-11-21T10:00:00Z".into(),
        }
    }

    pub fn report() -> Report {
        Report {
            campaign_id: "spring".into(),
            campaign_name: Some("Spring <sale>".into()),
            file: "campaigns/spring.yaml".into(),
            file_hash: "ab".repeat(32),
            provider: "cloud_api".into(),
            message_type: "text".into(),
            mode: Mode::Sandbox,
            records: vec![
                record("+254712345678", Status::Sent, None),
                record("+254712345679", Status::Failed, Some("131026")),
                record("+254712345670", Status::Failed, Some("131026")),
                record("+254712345671", Status::Unknown, Some("timeout")),
                record("not-a-number", Status::Skipped, Some("invalid_phone")),
            ],
            requests: 6,
            finished: 4,
            started_at: "2026-11-21T10:00:00Z".into(),
            duration_ms: 2000,
            max_failure_rate: 0.02,
            stopped: None,
            exit_code: 1,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_classes_and_rates() {
        let r = fixture::report();
        assert_eq!(r.counts()[&Status::Failed], 2);
        let classes = r.problem_classes();
        assert_eq!(classes[0].0, (Status::Failed, "131026".to_string()));
        assert_eq!(classes[0].1.len(), 2);
        assert_eq!(r.failure_rate(), 0.75);
        assert_eq!(r.rate(), 2.0);
        assert_eq!(r.latency_percentile(50.0), Some(120));
    }

    #[test]
    fn default_dir_is_under_reports() {
        let at: jiff::Timestamp = "2026-11-21T19:35:00Z".parse().unwrap();
        assert_eq!(default_dir("x", at), PathBuf::from("reports/x-20261121T193500Z"));
    }
}
