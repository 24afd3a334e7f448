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

// spawns: terminal output
#[test]
fn send_help_groups_options_by_what_they_are_for() {
    let o = run(&root(), &["send", "--help"]);
    assert_eq!(o.status.code(), Some(0));
    let got = sections(&stdout(&o));
    let want: Vec<(&str, Vec<&str>)> = vec![
        ("Arguments", vec![]),
        ("Options", vec!["color", "verbose", "help", "version"]),
        (
            "Sending",
            vec![
                "dry-run",
                "sandbox",
                "templates",
                "offline",
                "yes",
                "limit",
                "now",
                "continue",
                "ignore-window",
                "no-wait",
            ],
        ),
        ("Overrides for this run", vec!["var", "rate", "concurrency", "max-failure-rate"]),
        ("Audience files", vec!["suppress", "file-root"]),
        (
            "Journal",
            vec![
                "journal",
                "new-journal",
                "new-id",
                "retry-unknown",
                "retry-failed",
                "allow-changed",
                "keep-bodies",
                "no-journal",
            ],
        ),
        ("Delivery receipts", vec!["min-delivered", "wait-receipts", "listen"]),
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
                "latency-p99-ms",
                "throughput",
                "seed",
            ],
        ),
        (
            "Sandbox receipts (with --sandbox)",
            vec!["no-receipts", "receipt-delay", "read-rate", "async-fail-rate", "duplicate-rate", "no-reorder"],
        ),
        ("Exit status", vec![]),
    ];
    let want: Vec<(String, Vec<String>)> =
        want.into_iter().map(|(h, o)| (h.to_string(), o.into_iter().map(str::to_string).collect())).collect();
    assert_eq!(got, want, "{}", stdout(&o));
}

/// The `.SH` headings of a roff page.
fn man_sections(page: &str) -> Vec<String> {
    page.lines().filter_map(|l| l.strip_prefix(".SH ")).map(|h| h.trim_matches('"').to_string()).collect()
}

// spawns: terminal output — the manual
#[test]
fn every_page_the_manual_names_exists_with_exit_status_environment_and_files() {
    let o = run(&root(), &["man"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let main = stdout(&o);
    assert!(main.starts_with(".ie") || main.contains(".TH herald 1"), "{main}");
    for section in ["EXIT STATUS", "ENVIRONMENT", "FILES"] {
        assert!(
            man_sections(&main).iter().any(|s| s == section),
            "herald(1) has no {section}: {:?}",
            man_sections(&main)
        );
    }
    for var in ["HERALD_JOURNAL", "HERALD_SUPPRESS", "HERALD_NOW", "HERALD_JOURNAL_SYNC", "HERALD_LEASE", "NO_COLOR"] {
        assert!(main.contains(&format!("\\fB{var}\\fR")), "herald(1) does not document {var}");
    }
    assert!(main.contains(".herald/journal.db"), "{main}");
    // Each `herald-NAME(1)` it refers to is there: `herald man NAME`.
    let named: Vec<&str> =
        main.split("herald\\-").skip(1).filter_map(|t| t.split_once("(1)").map(|(n, _)| n)).collect();
    assert!(named.len() >= 9 && named.contains(&"send"), "{named:?}");
    for name in named {
        let o = run(&root(), &["man", name]);
        assert_eq!(o.status.code(), Some(0), "herald man {name}: {}", stderr(&o));
        let page = stdout(&o);
        assert!(page.contains(&format!(".TH herald-{name} 1  \"herald ")), "{name}: {page}");
        assert!(man_sections(&page).iter().any(|s| s == "EXIT STATUS"), "herald-{name}(1): {:?}", man_sections(&page));
    }
    let send = stdout(&run(&root(), &["man", "send"]));
    for code in ["0", "1", "2", "3", "4", "75", "130"] {
        assert!(send.contains(&format!(".TP\n\\fB{code}\\fR\n")), "herald-send(1) lacks exit code {code}");
    }
    assert!(send.contains("journal.<campaign\\-id>.lock") && send.contains("\\fBHERALD_JOURNAL\\fR"), "{send}");
    assert_eq!(run(&root(), &["man", "nope"]).status.code(), Some(2));
}

// spawns: terminal output — the manual
#[test]
fn man_out_writes_every_page() {
    let s = Scratch::new();
    let o = run(s.path(), &["man", "--out", "pages"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let mut written: Vec<String> = std::fs::read_dir(s.path().join("pages"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    written.sort();
    let want = [
        "herald-completions.1",
        "herald-listen.1",
        "herald-man.1",
        "herald-preview.1",
        "herald-providers.1",
        "herald-report.1",
        "herald-sandbox.1",
        "herald-send.1",
        "herald-status.1",
        "herald-templates.1",
        "herald-track.1",
        "herald-validate.1",
        "herald.1",
    ];
    assert_eq!(written, want);
    let send = std::fs::read_to_string(s.path().join("pages/herald-send.1")).unwrap();
    assert_eq!(send, stdout(&run(s.path(), &["man", "send"])));
    assert!(stdout(&o).contains("pages/herald-send.1"), "{}", stdout(&o));
}

// spawns: terminal output
#[test]
fn help_lists_the_exit_codes() {
    let top = stdout(&run(&root(), &["--help"]));
    let send = stdout(&run(&root(), &["send", "--help"]));
    for help in [&top, &send] {
        let codes = help.split("\nExit status:\n").nth(1).expect("an exit status section");
        let listed: Vec<&str> = codes.lines().filter_map(|l| l.split_whitespace().next()).collect();
        assert_eq!(listed, ["0", "1", "2", "3", "4", "75", "130"], "{help}");
    }
    assert!(send.contains("\n  4    the prompt was not answered yes; nothing was sent\n"), "{send}");
    let validate = stdout(&run(&root(), &["validate", "--help"]));
    let codes = validate.split("\nExit status:\n").nth(1).expect("an exit status section");
    let listed: Vec<&str> = codes.lines().filter_map(|l| l.split_whitespace().next()).collect();
    assert_eq!(listed, ["0", "2"], "{validate}");
}
