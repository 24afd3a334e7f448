//! `summary.json`: counts by status and error code, timings, rate, campaign identity. Its shape
//! is `schemas/report.schema.json`, tested against real output.

use super::Report;
use serde_json::{Value, json};

/// The summary as pretty JSON.
pub fn summary_json(r: &Report) -> String {
    let counts: serde_json::Map<String, Value> =
        r.counts().into_iter().map(|(s, n)| (s.as_str().to_string(), n.into())).collect();
    let by_error: serde_json::Map<String, Value> = r
        .problem_classes()
        .into_iter()
        .filter(|((status, _), _)| *status != crate::results::Status::Skipped)
        .map(|((_, code), recs)| (code, recs.len().into()))
        .collect();
    let stopped = r.stopped.as_ref().map(|s| json!({ "reason": s.kind, "message": s.message }));
    let v = json!({
        "campaign": { "id": r.campaign_id, "name": r.campaign_name, "file": r.file, "file_sha256": r.file_hash },
        "provider": r.provider,
        "message_type": r.message_type,
        "mode": r.mode.as_str(),
        "started_at": r.started_at,
        "duration_ms": r.duration_ms,
        "recipients": r.records.len(),
        "counts": counts,
        "by_error_code": by_error,
        "requests": r.requests,
        "rate_per_second": (r.rate() * 100.0).round() / 100.0,
        "latency_ms": { "p50": r.latency_percentile(50.0), "p95": r.latency_percentile(95.0), "max": r.latency_percentile(100.0) },
        "failure_rate": (r.failure_rate() * 10_000.0).round() / 10_000.0,
        "max_failure_rate": r.max_failure_rate,
        "stopped": stopped,
        "exit_code": r.exit_code,
    });
    serde_json::to_string_pretty(&v).expect("JSON values serialise") + "\n"
}

#[cfg(test)]
mod tests {
    use super::super::fixture::report;
    use super::*;

    #[test]
    fn matches_the_shipped_schema() {
        let schema: Value = serde_json::from_str(include_str!("../../schemas/report.schema.json")).unwrap();
        let validator = jsonschema::draft202012::new(&schema).unwrap();
        let mut r = report();
        for stopped in [None, Some(super::super::Stopped { kind: "interrupted".into(), message: "interrupted".into() })]
        {
            r.stopped = stopped;
            let v: Value = serde_json::from_str(&summary_json(&r)).unwrap();
            let errors: Vec<String> = validator.iter_errors(&v).map(|e| e.to_string()).collect();
            assert!(errors.is_empty(), "{errors:?}");
            assert_eq!(v["counts"]["failed"], 2);
            assert_eq!(v["by_error_code"]["131026"], 2);
        }
    }
}
