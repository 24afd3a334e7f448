//! `summary.md`: a short summary for people, also appended to `$GITHUB_STEP_SUMMARY`. A run
//! that did not end with exit 0 leads with why, and what to do.

use super::Report;
use crate::results::Status;
use std::fmt::Write;

/// The summary as Markdown.
pub fn summary_markdown(r: &Report) -> String {
    let a = &r.about;
    let name = a.campaign_name.as_deref().map(|n| format!(" ({})", escape(n))).unwrap_or_default();
    let mut s = format!("## herald: `{}`{name}\n\n", a.campaign_id);
    if let Some(v) = super::verdict(r) {
        let _ = writeln!(
            s,
            "> **Exit {}, {}:** {}.  \n> To do: {}.\n",
            r.exit_code,
            v.title,
            escape(v.what.trim_end_matches('.')),
            escape(&v.advice)
        );
    }
    let _ = writeln!(
        s,
        "{} via **{}**, {} message{}, in {} ({:.1}/s).\n",
        match a.mode {
            super::Mode::Send => "Sent",
            super::Mode::Sandbox => "Sent to the sandbox",
            super::Mode::DryRun => "Dry run",
        },
        a.provider,
        a.message_type,
        if a.mode == super::Mode::DryRun { " (nothing sent)" } else { "" },
        crate::clock::format(std::time::Duration::from_millis(r.run.duration_ms)),
        r.rate()
    );
    s.push_str("| status | recipients |\n|---|---:|\n");
    for status in Status::ALL {
        if r.count(status) > 0 || matches!(status, Status::Sent | Status::Failed) {
            let _ = writeln!(s, "| {} | {} |", status.as_str(), r.count(status));
        }
    }
    if r.several_senders() {
        s.push_str("\n| sender | sent | failed | unknown | skipped |\n|---|---:|---:|---:|---:|\n");
        for (account, c) in r.by_sender() {
            let [sent, failed, unknown, skipped] =
                [Status::Sent, Status::Failed, Status::Unknown, Status::Skipped].map(|st| c.of(st));
            let _ = writeln!(s, "| `{}` | {sent} | {failed} | {unknown} | {skipped} |", escape(account));
        }
    }
    if let Some(line) = r.run.pace.and_then(|p| p.line()) {
        let _ = writeln!(s, "\n**Pace:** {}.", escape(&line));
    }
    if let Some(stop) = &r.run.stopped {
        let _ = writeln!(s, "\n**Stopped early:** {}.", escape(stop.message.trim_end_matches('.')));
    }
    for (sender, why) in &r.run.senders_stopped {
        let why = escape(why.trim_end_matches('.'));
        let _ = writeln!(s, "\n**Sender `{}` stopped:** {why}; the other senders went on.", escape(sender));
    }
    let classes = r.summary.problem_classes();
    if !classes.is_empty() {
        s.push_str("\n| status | code | recipients | example |\n|---|---|---:|---|\n");
        for (status, code, class) in classes.iter().take(10) {
            let _ = writeln!(s, "| {} | `{}` | {} | {} |", status.as_str(), code, class.count, escape(&class.example));
        }
    }
    let _ = writeln!(
        s,
        "\nExit code {}. Campaign file `{}` (sha256 `{}`).",
        r.exit_code,
        a.file,
        &a.file_hash[..12.min(a.file_hash.len())]
    );
    s
}

fn escape(s: &str) -> String {
    s.replace('|', "\\|").replace('<', "&lt;").replace('>', "&gt;").replace('\n', " ")
}

#[cfg(test)]
mod tests {
    use super::super::fixture::report;
    use super::*;

    #[test]
    fn tells_counts_and_problem_classes() {
        let md = summary_markdown(&report());
        assert!(md.starts_with("## herald: `spring` (Spring &lt;sale&gt;)\n\n> **Exit 1, too many failures:** 75.0% of recipients failed or are unknown, above `delivery.max_failure_rate` (2.0%).  \n> To do: results.csv lists them; fix the cause, then `--retry-failed` sends to the failed ones again.\n\nSent to the sandbox via **cloud_api**, text message, in 2s (2.0/s).\n"), "{md}");
        assert!(md.contains("| failed | 2 |"));
        assert!(md.contains("| failed | `131026` | 2 | error 131026, with \"quotes\", &lt;tags&gt; & commas |"));
        assert!(md.contains("Exit code 1."));
    }

    #[test]
    fn leads_with_a_stop_and_its_advice() {
        let mut r = report();
        r.run.stopped = Some(crate::report::Stopped {
            kind: crate::report::StopKind::Provider,
            message: "the provider refused (190): Invalid OAuth access token.".into(),
        });
        r.exit_code = crate::exit::PROVIDER_STOPPED;
        let md = summary_markdown(&r);
        assert!(
            md.starts_with("## herald: `spring` (Spring &lt;sale&gt;)\n\n> **Exit 3, stopped by the provider:** the provider refused (190): Invalid OAuth access token.  \n> To do: fix what the provider refused (the key in `WA_TOKEN`, the account, the template), then run the same command again: recipients already sent are skipped.\n\n"),
            "{md}"
        );
        assert!(md.contains("**Stopped early:** the provider refused (190): Invalid OAuth access token.\n"), "{md}");
    }
}
