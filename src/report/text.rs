//! The summary printed at the end of a run: the same facts as `summary.md`, as plain lines.

use super::{Mode, Report};
use crate::results::Status;
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
        0 if r.about.mode != Mode::DryRun => "this run sent nothing (everyone was done already)".to_string(),
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
    for (status, code, class) in r.summary.problem_classes().iter().take(8) {
        let _ = writeln!(s, "  {} {code} ×{}: {}", status.as_str(), class.count, class.example);
    }
    if let Some(stop) = &r.run.stopped {
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
            text.starts_with(
                "spring via cloud_api (sandbox): 1 sent, 2 failed, 1 unknown, 1 skipped; this run: 4 finished in 2s (2.0/s)\n"
            ),
            "{text}"
        );
        assert!(text.contains("  failed 131026 ×2: error 131026"));
    }
}
