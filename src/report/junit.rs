//! `junit.xml`: one test case per class of outcome (sent, and each failed/unknown/skipped error
//! code), so CI dashboards show what went wrong and for how many.

use super::{LISTED, Report};
use crate::results::Status;
use std::fmt::Write;

/// The JUnit XML text.
pub fn junit_xml(r: &Report) -> String {
    let classes = r.summary.problem_classes();
    let failures: usize = classes.iter().filter(|(s, _, _)| matches!(s, Status::Failed | Status::Unknown)).count();
    let skipped: usize = classes.iter().filter(|(s, _, _)| *s == Status::Skipped).count();
    let secs = r.run.duration_ms as f64 / 1000.0;
    let id = &r.about.campaign_id;
    let mut x = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        x,
        "<testsuites name=\"herald\" tests=\"{}\" failures=\"{failures}\" skipped=\"{skipped}\" time=\"{secs:.3}\">",
        classes.len() + 1
    );
    let _ = writeln!(
        x,
        "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{failures}\" skipped=\"{skipped}\" time=\"{secs:.3}\" timestamp=\"{}\">",
        esc(id),
        classes.len() + 1,
        esc(&r.run.started_at)
    );
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
            x.contains("<testsuites name=\"herald\" tests=\"4\" failures=\"2\" skipped=\"1\" time=\"2.000\">"),
            "{x}"
        );
        assert!(x.contains("name=\"failed 131026 (2 recipients)\""));
        assert!(
            x.contains("message=\"error 131026, with &quot;quotes&quot;, &lt;tags&gt; &amp; commas\" type=\"131026\"")
        );
        assert!(x.contains("<skipped message="));
    }
}
