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
    match super::shown(r) {
        super::Shown::Funnel(f) => {
            let of = |n: usize| super::share(n, f.accepted);
            let _ = writeln!(s, "\n| delivery | messages | of accepted |\n|---|---:|---:|");
            let _ = writeln!(s, "| accepted | {} | 100.0% |", f.accepted);
            for (name, n) in
                [("delivered", f.delivered), ("read", f.read), ("failed", f.failed), ("no receipt", f.no_receipt)]
            {
                let _ = writeln!(s, "| {name} | {n} | {} |", of(n));
            }
            if f.conflicts > 0 {
                let _ = writeln!(s, "\n{} reported both failed and delivered (counted failed).", f.conflicts);
            }
            let failures = super::failures(f);
            if !failures.is_empty() {
                s.push_str("\n| failed after acceptance | messages | description |\n|---|---:|---|\n");
                for x in failures.iter().take(10) {
                    let _ = writeln!(s, "| `{}` | {} | {} |", escape(&x.code), x.count, escape(&x.description));
                }
            }
        }
        shown => {
            if let Some(sentence) = shown.sentence() {
                let _ = writeln!(s, "\n**Delivery:** {}.", escape(&sentence));
            }
        }
    }
    match r.cost() {
        super::Cost::Nothing => {}
        super::Cost::NoCard => {
            let _ = writeln!(s, "\n**Cost:** {}.", escape(super::cost::NO_CARD));
        }
        super::Cost::Priced { estimate, actual, known } => {
            let _ = writeln!(
                s,
                "\n| cost | {} |\n|---|---|\n| estimate | {} |\n| actual | {} |",
                estimate.currency,
                escape(&super::cost::estimated(estimate)),
                escape(&super::cost::actual(&actual, known))
            );
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
        assert!(md.contains("\n**Delivery:** no delivery receipt has reached the journal yet"), "{md}");
    }

    #[test]
    fn tells_the_funnel_and_the_failures_after_acceptance() {
        use crate::receipts::{Delivery, Receipts};
        let mut records = vec![super::super::fixture::record("+254712345678", Status::Sent, None); 4];
        for (i, (d, code, words)) in
            [(Delivery::Read, None, None), (Delivery::Failed, Some("x|1"), Some("bad <b>|pipe"))]
                .into_iter()
                .enumerate()
        {
            let mut x = Receipts::default();
            x.add(d, records[i].timestamp, code, words);
            records[i].receipts = Some(x);
        }
        let md = summary_markdown(&super::super::fixture::report_of(records));
        assert!(
            md.contains("| delivery | messages | of accepted |\n|---|---:|---:|\n| accepted | 4 | 100.0% |\n| delivered | 1 | 25.0% |\n| read | 1 | 25.0% |\n| failed | 1 | 25.0% |\n| no receipt | 2 | 50.0% |\n"),
            "{md}"
        );
        assert!(md.contains("| `x\\|1` | 1 | bad &lt;b&gt;\\|pipe |"), "{md}");
        let mut r = report();
        (r.about.receipts, r.about.provider_name) = (false, "AutoKonnect".into());
        assert!(summary_markdown(&r).contains("**Delivery:** AutoKonnect reports no delivery status"));
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
