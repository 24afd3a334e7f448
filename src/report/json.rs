//! `summary.json`: counts by status and error code, timings, rate, campaign identity. Its shape
//! is `schemas/report.schema.json`, tested against real output.

use super::Report;
use crate::results::Status;
use serde_json::{Value, json};

/// The summary as pretty JSON.
pub fn summary_json(r: &Report) -> String {
    let s = &r.summary;
    let counts: serde_json::Map<String, Value> =
        Status::ALL.iter().map(|st| (st.as_str().to_string(), s.count(*st).into())).collect();
    let by_code = |skipped: bool| -> serde_json::Map<String, Value> {
        s.problem_classes()
            .into_iter()
            .filter(|(status, _, _)| (*status == Status::Skipped) == skipped)
            .map(|(_, code, class)| (code, class.count.into()))
            .collect()
    };
    let (by_error, by_skip) = (by_code(false), by_code(true));
    let a = &r.about;
    let by_sender: serde_json::Map<String, Value> = r
        .by_sender()
        .into_iter()
        .map(|(account, c)| {
            let counts: serde_json::Map<String, Value> =
                Status::ALL.iter().map(|st| (st.as_str().to_string(), c.of(*st).into())).collect();
            (account.to_string(), counts.into())
        })
        .collect();
    let mut delivery = super::delivery::json(s.funnel(), r.about.receipts);
    delivery["min_delivered"] = r.about.min_delivered.into();
    delivery["wait"] = match r.run.receipts {
        Some(w) => json!({ "waited_ms": w.waited.as_millis() as u64, "ended": w.ended.as_str() }),
        None => Value::Null,
    };
    let stopped = r.run.stopped.as_ref().map(|s| json!({ "reason": s.kind.as_str(), "message": s.message }));
    let v = json!({
        "herald_version": env!("CARGO_PKG_VERSION"),
        "campaign": { "id": a.campaign_id, "name": a.campaign_name, "file": a.file, "file_sha256": a.file_hash },
        "provider": a.provider,
        "message_type": a.message_type,
        "mode": a.mode.as_str(),
        "started_at": r.run.started_at,
        "duration_ms": r.run.duration_ms,
        "recipients": s.total(),
        "counts": counts,
        "by_error_code": by_error,
        "by_skip_code": by_skip,
        "by_sender": by_sender,
        "delivery": delivery,
        "cost": r.cost().json(),
        "this_run": { "finished": r.run.finished, "requests": r.run.requests },
        "requests": r.run.requests,
        "rate_per_second": (r.rate() * 100.0).round() / 100.0,
        "latency_ms": { "p50": s.latency_percentile(50.0), "p95": s.latency_percentile(95.0), "max": s.latency_percentile(100.0) },
        "failure_rate": (s.failure_rate() * 10_000.0).round() / 10_000.0,
        "max_failure_rate": a.max_failure_rate,
        "stopped": stopped,
        "senders_stopped": r.run.senders_stopped.iter().map(|(sender, why)| json!({ "sender": sender, "message": why })).collect::<Vec<_>>(),
        "held_until": r.run.held_until.map(|t| t.to_string()),
        "pace": r.run.pace.map(|p| json!({
            "asked_per_second": (p.asked * 100.0).round() / 100.0,
            "achieved_per_second": (p.achieved * 100.0).round() / 100.0,
            "held": p.held(),
            "limited_by": p.limit.map(crate::pace::Limit::as_str),
            "why": p.why(),
            "mean_latency_ms": p.latency.map(|l| l.as_millis() as u64),
            "throttled": p.throttled,
            "slowdowns": p.slowdowns.cuts,
            "slowed_ms": p.slowdowns.slowed.as_millis() as u64,
        })),
        "exit_code": r.exit_code,
    });
    serde_json::to_string_pretty(&v).unwrap_or_default() + "\n"
}

#[cfg(test)]
mod tests {
    use super::super::fixture::{self, report};
    use super::*;
    use crate::report::StopKind;

    #[test]
    fn matches_the_shipped_schema() {
        let schema: Value = serde_json::from_str(include_str!("../../schemas/report.schema.json")).unwrap();
        let validator = jsonschema::draft202012::new(&schema).unwrap();
        let mut r = report();
        r.about.cost = Some(super::super::cost::tests::basis());
        for stopped in
            [None, Some(super::super::Stopped { kind: StopKind::Interrupted, message: "interrupted".into() })]
        {
            r.run.stopped = stopped;
            let v: Value = serde_json::from_str(&summary_json(&r)).unwrap();
            let errors: Vec<String> = validator.iter_errors(&v).map(|e| e.to_string()).collect();
            assert!(errors.is_empty(), "{errors:?}");
            assert_eq!(v["counts"]["failed"], 2);
            assert_eq!(v["by_error_code"]["131026"], 2);
            assert_eq!(v["recipients"], 5);
            assert_eq!(v["by_sender"]["1234"]["sent"], 0, "a listed sender with nothing counted");
        }
    }

    #[test]
    fn tells_the_delivery_funnel_and_failures_by_code() {
        let mut records = fixture::records();
        let mut failed = crate::receipts::Receipts::default();
        failed.add(crate::receipts::Delivery::Failed, records[0].timestamp, Some("131026"), None);
        records[0].receipts = Some(failed);
        records.push(fixture::record("+254712345600", Status::Sent, None));
        let v: Value = serde_json::from_str(&summary_json(&fixture::report_of(records))).unwrap();
        assert_eq!(
            v["delivery"],
            json!({
                "provider_reports_status": true, "accepted": 2, "delivered": 0, "read": 0, "failed": 1,
                "no_receipt": 1, "conflicts": 0,
                "failures": [{ "code": "131026", "description": crate::providers::meta::errors::describe("131026"), "count": 1 }],
                "min_delivered": null, "wait": null,
            })
        );
        let mut gated = fixture::report_of(fixture::records());
        gated.about.min_delivered = Some(0.95);
        gated.run.receipts = Some(super::super::Waited {
            waited: std::time::Duration::from_millis(1500),
            ended: super::super::WaitEnd::TimedOut,
        });
        let g: Value = serde_json::from_str(&summary_json(&gated)).unwrap();
        assert_eq!(
            (&g["delivery"]["min_delivered"], &g["delivery"]["wait"]),
            (&json!(0.95), &json!({"waited_ms": 1500, "ended": "timed_out"}))
        );
        let schema: Value = serde_json::from_str(include_str!("../../schemas/report.schema.json")).unwrap();
        let errors: Vec<String> =
            jsonschema::draft202012::new(&schema).unwrap().iter_errors(&v).map(|e| e.to_string()).collect();
        assert!(errors.is_empty(), "{errors:?}");
        let errors: Vec<String> =
            jsonschema::draft202012::new(&schema).unwrap().iter_errors(&g).map(|e| e.to_string()).collect();
        assert!(errors.is_empty(), "{errors:?}");
    }
}
