//! The summary printed at the end of a run: the same facts as `summary.md`, as plain lines.

use super::{Mode, Report};
use crate::results::Status;
use std::fmt::Write;

/// The terminal summary.
pub fn summary_text(r: &Report) -> String {
    let c = r.counts();
    let mode = match r.mode {
        Mode::Send => "",
        Mode::Sandbox => " (sandbox)",
        Mode::DryRun => " (dry run: nothing sent)",
    };
    let main = if r.mode == Mode::DryRun {
        let sent = c[&Status::Sent];
        let earlier = if sent > 0 { format!(" ({sent} already sent)") } else { String::new() };
        format!("{} rendered{earlier}", c[&Status::DryRun])
    } else {
        format!("{} sent, {} failed, {} unknown", c[&Status::Sent], c[&Status::Failed], c[&Status::Unknown])
    };
    let mut s = format!(
        "{} via {}{mode}: {main}, {} skipped in {} ({:.1}/s)\n",
        r.campaign_id,
        r.provider,
        c[&Status::Skipped],
        crate::send::clock(std::time::Duration::from_millis(r.duration_ms)),
        r.rate()
    );
    for ((status, code), recs) in r.problem_classes().iter().take(8) {
        let example = recs[0].error_message.as_deref().unwrap_or("");
        let _ = writeln!(s, "  {} {code} ×{}: {example}", status.as_str(), recs.len());
    }
    if let Some(stop) = &r.stopped {
        let _ = writeln!(s, "stopped early: {}", stop.message);
    }
    s
}

#[cfg(test)]
mod tests {
    use super::super::fixture::report;
    use super::*;

    #[test]
    fn one_line_then_problem_classes() {
        let text = summary_text(&report());
        assert!(
            text.starts_with("spring via cloud_api (sandbox): 1 sent, 2 failed, 1 unknown, 1 skipped in 2s (2.0/s)\n"),
            "{text}"
        );
        assert!(text.contains("  failed 131026 ×2: error 131026"));
    }
}
