//! `junit.xml`: one test case for the run's outcome, failing whenever its exit code is not 0
//! (naming the stop and what to do), and one per class of outcome (sent, and each
//! failed/unknown/skipped error code), so CI dashboards show what went wrong and for how many.

use super::{LISTED, Report};
use crate::results::Status;
use std::fmt::Write;

/// The JUnit XML text.
pub fn junit_xml(r: &Report) -> String {
    let classes = r.summary.problem_classes();
    let verdict = super::verdict(r);
    let failures = classes.iter().filter(|(s, _, _)| matches!(s, Status::Failed | Status::Unknown)).count()
        + usize::from(verdict.is_some());
    let tests = classes.len() + 2;
    let skipped: usize = classes.iter().filter(|(s, _, _)| *s == Status::Skipped).count();
    let secs = r.run.duration_ms as f64 / 1000.0;
    let id = &r.about.campaign_id;
    let mut x = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        x,
        "<testsuites name=\"herald\" tests=\"{tests}\" failures=\"{failures}\" skipped=\"{skipped}\" time=\"{secs:.3}\">"
    );
    let _ = writeln!(
        x,
        "  <testsuite name=\"{}\" tests=\"{tests}\" failures=\"{failures}\" skipped=\"{skipped}\" time=\"{secs:.3}\" timestamp=\"{}\">",
        esc(id),
        esc(&r.run.started_at)
    );
    // A stable name, so dashboards track the outcome from run to run.
    match verdict {
        None => {
            let _ = writeln!(x, "    <testcase classname=\"{}\" name=\"run outcome\"/>", esc(id));
        }
        Some(v) => {
            let _ = writeln!(x, "    <testcase classname=\"{}\" name=\"run outcome\">", esc(id));
            let _ = writeln!(
                x,
                "      <failure message=\"exit {}, {}: {}\" type=\"exit_{}\">to do: {}</failure>",
                r.exit_code,
                esc(v.title),
                esc(&v.what),
                r.exit_code,
                esc(&v.advice)
            );
            x.push_str("    </testcase>\n");
        }
    }
    let sent = r.count(Status::Sent) + r.count(Status::DryRun);
    let _ = writeln!(x, "    <testcase classname=\"{}\" name=\"sent ({sent} recipients)\"/>", esc(id));
    for (status, code, class) in &classes {
        let n = class.count;
        let name = format!("{} {code} ({n} recipient{})", status.as_str(), if n == 1 { "" } else { "s" });
        let _ = writeln!(x, "    <testcase classname=\"{}\" name=\"{}\">", esc(id), esc(&name));
        let message = class.example.as_str();
        let mut list: Vec<String> = class
            .recipients
            .iter()
            .map(|(recipient, line)| match line {
                Some(l) => format!("{recipient} (line {l})"),
                None => recipient.clone(),
            })
            .collect();
        if n > LISTED {
            list.push(format!("… and {} more (see results.csv)", n - LISTED));
        }
        let tag = if *status == Status::Skipped { "skipped" } else { "failure" };
        let _ = writeln!(
            x,
            "      <{tag} message=\"{}\" type=\"{}\">{}</{tag}>",
            esc(message),
            esc(code),
            esc(&list.join("\n"))
        );
        x.push_str("    </testcase>\n");
    }
    x.push_str("  </testsuite>\n</testsuites>\n");
    x
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;").replace('\'', "&apos;")
}

#[cfg(test)]
mod tests {
    use super::super::fixture::report;
    use super::*;

    #[test]
    fn one_case_per_class_escaped() {
        let x = junit_xml(&report());
        assert!(
            x.contains("<testsuites name=\"herald\" tests=\"5\" failures=\"3\" skipped=\"1\" time=\"2.000\">"),
            "{x}"
        );
        assert!(x.contains("name=\"failed 131026 (2 recipients)\""));
        assert!(
            x.contains("message=\"error 131026, with &quot;quotes&quot;, &lt;tags&gt; &amp; commas\" type=\"131026\"")
        );
        assert!(x.contains("<skipped message="));
    }

    #[test]
    fn a_stop_without_failed_recipients_is_a_failure() {
        let mut r = report();
        let refused =
            |n| crate::report::fixture::record(&format!("+25471234560{n}"), Status::Skipped, Some("not_sent"));
        r.summary = crate::report::Summary::default();
        for n in 0..5 {
            r.summary.add(&refused(n));
        }
        r.run.stopped = Some(crate::report::Stopped {
            kind: crate::report::StopKind::Provider,
            message: "the provider refused (190): Invalid OAuth access token.".into(),
        });
        r.exit_code = crate::exit::PROVIDER_STOPPED;
        let x = junit_xml(&r);
        assert!(x.contains("tests=\"3\" failures=\"1\" skipped=\"1\""), "{x}");
        assert!(
            x.contains("<failure message=\"exit 3, stopped by the provider: the provider refused (190): Invalid OAuth access token.\" type=\"exit_3\">to do: fix what the provider refused (the key in `WA_TOKEN`"),
            "{x}"
        );
        r.run.stopped = None;
        r.exit_code = crate::exit::OK;
        assert!(junit_xml(&r).contains("failures=\"0\""));
        assert!(junit_xml(&r).contains("<testcase classname=\"spring\" name=\"run outcome\"/>"));
    }
}
