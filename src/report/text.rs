//! The summary printed at the end of a run: the same facts as `summary.md`, as plain lines.

use super::{Mode, Report};
use crate::results::{Code, Status};
use std::fmt::Write;

/// The terminal summary.
pub fn summary_text(r: &Report) -> String {
    let mode = match r.about.mode {
        Mode::Send => "",
        Mode::Sandbox => " (sandbox)",
        Mode::DryRun => " (dry run: nothing sent)",
    };
    let main = if r.about.mode == Mode::DryRun {
        let sent = r.count(Status::Sent);
        let earlier = if sent > 0 { format!(" ({sent} already sent)") } else { String::new() };
        format!("{} rendered{earlier}", r.count(Status::DryRun))
    } else {
        format!(
            "{} sent, {} failed, {} unknown",
            r.count(Status::Sent),
            r.count(Status::Failed),
            r.count(Status::Unknown)
        )
    };
    // The counts cover the whole campaign; say what this run itself did.
    let this_run = match r.run.finished {
        0 if r.about.mode != Mode::DryRun => format!("this run sent nothing: {}", why_nothing(r)),
        n => format!(
            "this run: {n} finished in {} ({:.1}/s)",
            crate::clock::format(std::time::Duration::from_millis(r.run.duration_ms)),
            r.rate()
        ),
    };
    let mut s = format!(
        "{} via {}{mode}: {main}, {} skipped; {this_run}\n",
        r.about.campaign_id,
        r.about.provider,
        r.count(Status::Skipped),
    );
    if r.several_senders() {
        for (account, c) in r.by_sender() {
            let counts = if r.about.mode == Mode::DryRun {
                format!("{} rendered", c.of(Status::DryRun))
            } else {
                format!(
                    "{} sent, {} failed, {} unknown",
                    c.of(Status::Sent),
                    c.of(Status::Failed),
                    c.of(Status::Unknown)
                )
            };
            let _ = writeln!(s, "  sender {account}: {counts}, {} skipped", c.of(Status::Skipped));
        }
    }
    for (status, code, class) in r.summary.problem_classes().iter().take(8) {
        let _ = writeln!(s, "  {} {code} ×{}: {}", status.as_str(), class.count, class.example);
    }
    s.push_str(&super::shown(r).text());
    s.push_str(&r.cost().text());
    if let Some(line) = r.run.pace.and_then(|p| p.line()) {
        let _ = writeln!(s, "pace: {line}");
    }
    if let Some(stop) = &r.run.stopped {
        let _ = writeln!(s, "stopped early: {}", stop.message);
    }
    for (sender, why) in &r.run.senders_stopped {
        let _ = writeln!(
            s,
            "sender {sender} stopped: {why}; its recipients were not sent, the other senders went on. Fix that \
             account (reconnect the instance, renew its token) and run again"
        );
    }
    s
}

/// Why a run finished nobody: it stopped, recipients wait (window, daily cap, canary), the
/// campaign skips everyone, or the journal has everyone final already.
fn why_nothing(r: &Report) -> String {
    if let Some(stop) = &r.run.stopped {
        return format!("the run stopped ({})", stop.message.trim_end_matches('.'));
    }
    let mut waiting = Vec::new();
    let held = r.summary.skipped_with(&Code::Held);
    if held > 0 {
        let opens = r.run.held_until.map(|t| format!(" (the first opens at {t})")).unwrap_or_default();
        waiting.push(format!("{held} {} outside their sending window{opens}", if held == 1 { "is" } else { "are" }));
    }
    let capped = r.summary.skipped_with(&Code::DailyCap);
    if capped > 0 {
        waiting.push(format!(
            "{capped} wait{} for a later run, the sender's `delivery.daily_cap` is reached",
            if capped == 1 { "s" } else { "" }
        ));
    }
    let pending = r.summary.skipped_with(&Code::Pending);
    if pending > 0 {
        waiting.push(format!("{pending} not sent yet"));
    }
    if !waiting.is_empty() {
        return waiting.join("; ");
    }
    let done = r.count(Status::Sent) + r.count(Status::Failed) + r.count(Status::Unknown);
    match (done, r.summary.total()) {
        (_, 0) => "the audience is empty".into(),
        (0, _) => "the campaign skips every recipient (invalid, duplicate or suppressed)".into(),
        _ => "the journal has everyone sent, failed or unknown already (see `herald status`)".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixture::report;
    use super::*;

    #[test]
    fn one_line_then_problem_classes() {
        let text = summary_text(&report());
        assert!(
            text.starts_with(
                "spring via cloud_api (sandbox): 1 sent, 2 failed, 1 unknown, 1 skipped; this run: 4 finished in 2s (2.0/s)\n"
            ),
            "{text}"
        );
        assert!(text.contains("  failed 131026 ×2: error 131026"));
        assert!(
            text.contains("\ndelivery: no delivery receipt has reached the journal yet: run `herald listen`"),
            "{text}"
        );
    }

    #[test]
    fn shows_the_funnel_with_shares_of_the_accepted_or_says_there_is_none() {
        use crate::receipts::{Delivery, Receipts};
        let with = |d: Delivery, code: Option<&str>| {
            let mut r = crate::report::fixture::record("+254712345678", Status::Sent, None);
            let mut x = Receipts::default();
            x.add(d, r.timestamp, code, None);
            r.receipts = Some(x);
            r
        };
        let records = vec![
            with(Delivery::Read, None),
            with(Delivery::Delivered, None),
            with(Delivery::Failed, Some("131049")),
            crate::report::fixture::record("+254712345679", Status::Sent, None),
        ];
        let text = summary_text(&crate::report::fixture::report_of(records));
        assert!(
            text.contains(
                "\ndelivery: 4 accepted → 2 delivered (50.0%) → 1 read (25.0%); 1 failed (25.0%), 1 without a receipt (25.0%)\n  failed after acceptance 131049 ×1: This message was not delivered to maintain healthy ecosystem engagement"
            ),
            "{text}"
        );
        let mut r = report();
        (r.about.receipts, r.about.provider_name) = (false, "WhautoChat".into());
        assert!(summary_text(&r).contains("\ndelivery: WhautoChat reports no delivery status"));
        r.summary = crate::report::Summary::default();
        assert!(!summary_text(&r).contains("delivery:"), "nothing accepted, nothing to say");
    }

    #[test]
    fn says_why_a_run_sent_nothing() {
        let mut r = report();
        r.run.finished = 0;
        let line = |r: &Report| summary_text(r).lines().next().unwrap_or_default().to_string();
        assert!(
            line(&r).ends_with(
                "this run sent nothing: the journal has everyone sent, failed or unknown already (see `herald status`)"
            ),
            "{}",
            line(&r)
        );
        r.run.stopped = Some(crate::report::Stopped {
            kind: crate::report::StopKind::Unreachable,
            message: "the provider could not be reached: dns error".into(),
        });
        assert!(
            line(&r).ends_with("this run sent nothing: the run stopped (the provider could not be reached: dns error)"),
            "{}",
            line(&r)
        );
        r.run.stopped = None;
        r.summary = crate::report::Summary::default();
        let held =
            |n: u8| crate::results::Record::skipped(format!("+2547000000{n}"), None, Code::Held, "outside".into());
        r.summary.add(&held(1));
        r.summary.add(&held(2));
        r.summary.add(&crate::results::Record::skipped("+254700000003".into(), None, Code::DailyCap, "cap".into()));
        r.run.held_until = Some("2026-11-22T06:00:00Z".parse().unwrap());
        assert!(
            line(&r).ends_with("this run sent nothing: 2 are outside their sending window (the first opens at 2026-11-22T06:00:00Z); 1 waits for a later run, the sender's `delivery.daily_cap` is reached"),
            "{}",
            line(&r)
        );
        r.summary = crate::report::Summary::default();
        r.summary.add(&crate::results::Record::skipped("x".into(), None, Code::InvalidPhone, "bad".into()));
        assert!(
            line(&r).ends_with("the campaign skips every recipient (invalid, duplicate or suppressed)"),
            "{}",
            line(&r)
        );
    }
}
