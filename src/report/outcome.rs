//! What a run's exit code means and what to do next, as the reports say it: `junit.xml`'s
//! failing case and the first line of `summary.md`. One wording for both, built from the report.

use super::{CanaryRun, Report};
use crate::exit;
use crate::report::StopKind;
use crate::results::{Code, Status};

/// Why a run did not end with exit 0, and what to do about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    /// A short name for the outcome (`stopped by the provider`, `recipients waiting`, …).
    pub title: &'static str,
    /// What happened, in a sentence.
    pub what: String,
    /// What to do next, in a sentence.
    pub advice: String,
}

/// The verdict of a run that ended with another exit code than 0; `None` for exit 0.
pub fn verdict(r: &Report) -> Option<Verdict> {
    if r.exit_code == exit::OK {
        return None;
    }
    let again = "then run the same command again: recipients already sent are skipped";
    let failed = r.count(Status::Failed) + r.count(Status::Unknown);
    if let Some(stop) = &r.run.stopped {
        let (title, advice) = match stop.kind {
            StopKind::Provider => (
                "stopped by the provider",
                format!(
                    "fix what the provider refused (the key in `{}`, the account, the template), {again}",
                    r.about.token_env
                ),
            ),
            StopKind::Unreachable => {
                ("provider unreachable", format!("check `provider.base_url` and the network, {again}"))
            }
            StopKind::FailureRate => {
                ("stopped by the breaker", format!("find the cause in results.csv's failed recipients, {again}"))
            }
            StopKind::Interrupted => ("interrupted", format!("to go on, {}", again.trim_start_matches("then "))),
            StopKind::Journal => ("journal failure", format!("fix the journal's problem, {again}")),
            StopKind::Plan => ("recipients unreadable", format!("fix the recipients file, {again}")),
        };
        return Some(Verdict { title, what: stop.message.clone(), advice });
    }
    if r.run.canary.is_some() && (failed > 0 || r.exit_code != exit::WAITING) {
        return Some(Verdict {
            title: "canary failed",
            what: format!(
                "the canary failed ({failed} recipient{} failed or unknown); nothing more was sent",
                if failed == 1 { "" } else { "s" }
            ),
            advice: "fix the cause, then `--continue` sends to the rest".into(),
        });
    }
    if r.run.canary == Some(CanaryRun::Pauses) {
        return Some(Verdict {
            title: "canary sent, paused",
            what: "the canary went out; the rest of the audience waits for `--continue`".into(),
            advice: "check the messages, then run the same command with `--continue` to send to the rest".into(),
        });
    }
    if r.exit_code == exit::WAITING {
        let mut why = Vec::new();
        let held = r.summary.skipped_with(&Code::Held);
        if held > 0 {
            let opens = r.run.held_until.map(|t| format!(" (the first opens at {t})")).unwrap_or_default();
            why.push(format!("{held} outside their sending window{opens}"));
        }
        let capped = r.summary.skipped_with(&Code::DailyCap);
        if capped > 0 {
            why.push(format!("{capped} beyond the sender's `delivery.daily_cap`"));
        }
        return Some(Verdict {
            title: "recipients waiting",
            what: format!("done for now, recipients waiting: {}", why.join(", ")),
            advice: "run the same command again later: it sends to them".into(),
        });
    }
    if r.undelivered() && r.summary.failure_rate() <= r.about.max_failure_rate {
        let f = r.summary.funnel();
        return Some(Verdict {
            title: "too few delivered",
            what: format!(
                "{} of {} accepted messages ({:.1}%) were reported delivered, below `delivery.min_delivered` ({:.1}%)",
                f.delivered,
                f.accepted,
                f.delivered_share() * 100.0,
                r.about.min_delivered.unwrap_or_default() * 100.0
            ),
            advice: "results.csv's `delivery` column and the failures by code say why; `--retry-failed` resends those the provider's docs allow"
                .into(),
        });
    }
    Some(Verdict {
        title: "too many failures",
        what: format!(
            "{:.1}% of recipients failed or are unknown, above `delivery.max_failure_rate` ({:.1}%)",
            r.summary.failure_rate() * 100.0,
            r.about.max_failure_rate * 100.0
        ),
        advice: "results.csv lists them; fix the cause, then `--retry-failed` sends to the failed ones again".into(),
    })
}

#[cfg(test)]
mod tests {
    use super::super::{Stopped, fixture::report};
    use super::*;

    #[test]
    fn names_the_stop_and_the_advice() {
        let mut r = report();
        assert_eq!(verdict(&r).map(|v| v.title), Some("too many failures"));
        r.run.stopped = Some(Stopped { kind: StopKind::Provider, message: "the provider refused (190): bad".into() });
        r.exit_code = exit::PROVIDER_STOPPED;
        let v = verdict(&r).unwrap();
        assert_eq!((v.title, v.what.as_str()), ("stopped by the provider", "the provider refused (190): bad"));
        assert!(v.advice.starts_with("fix what the provider refused (the key in `WA_TOKEN`"), "{}", v.advice);
        r.run.stopped = None;
        r.exit_code = exit::OK;
        assert_eq!(verdict(&r), None);
    }
}
