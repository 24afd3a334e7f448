//! `--help` and the manual pages: options grouped by what they are for, and the exit codes and
//! environment a script needs, documented where a user looks.

use crate::common::*;

/// The long options under each heading of a `--help` text (after its usage line), in order.
fn sections(help: &str) -> Vec<(String, Vec<String>)> {
    let mut out: Vec<(String, Vec<String>)> = Vec::new();
    for line in help.lines().skip_while(|l| !l.starts_with("Usage:")).skip(1) {
        let indent = line.len() - line.trim_start().len();
        if let Some(heading) = line.strip_suffix(':').filter(|_| indent == 0) {
            out.push((heading.to_string(), Vec::new()));
        } else if let Some((_, options)) = out.last_mut().filter(|_| (1..=6).contains(&indent)) {
            let long = line.split_whitespace().find_map(|w| w.strip_prefix("--"));
            if let Some(long) = long.filter(|_| line.trim_start().starts_with('-')) {
                options.push(long.trim_end_matches("...").to_string());
            }
        }
    }
    out
}

#[test]
fn send_help_groups_options_by_what_they_are_for() {
    let o = run(&root(), &["send", "--help"]);
    assert_eq!(o.status.code(), Some(0));
    let got = sections(&stdout(&o));
    let want: Vec<(&str, Vec<&str>)> = vec![
        ("Arguments", vec![]),
        ("Options", vec!["color", "verbose", "help", "version"]),
        ("Sending", vec!["dry-run", "sandbox", "yes", "limit", "now", "continue", "ignore-window", "no-wait"]),
        ("Overrides for this run", vec!["var", "rate", "concurrency", "max-failure-rate"]),
        ("Audience files", vec!["suppress", "file-root"]),
        (
            "Journal",
            vec![
                "journal",
                "new-journal",
                "retry-unknown",
                "retry-failed",
                "allow-changed",
                "keep-bodies",
                "no-journal",
            ],
        ),
        ("Output", vec!["format", "report", "quiet"]),
        ("Validation", vec!["all-problems", "strict"]),
        (
            "Sandbox faults (with --sandbox)",
            vec![
                "fail-rate",
                "throttle-rate",
                "retry-after",
                "refuse-rate",
                "drop-rate",
                "hang-rate",
                "reject-auth",
                "latency-ms",
                "seed",
            ],
        ),
    ];
    let want: Vec<(String, Vec<String>)> =
        want.into_iter().map(|(h, o)| (h.to_string(), o.into_iter().map(str::to_string).collect())).collect();
    assert_eq!(got, want, "{}", stdout(&o));
}
