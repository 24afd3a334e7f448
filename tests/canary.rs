//! The canary as the shell sees it: a paused canary exits 75 (so does the refused re-run),
//! says so in `--format json`, the report and `status`; a canary without the journal exits 2.
//! The canary's behaviour itself is tested in-process (`tests/session/canary.rs`).

use crate::common::*;
use crate::server::*;
use std::process::Output;

const TOKEN: &str = "EAAG-canary-secret";

fn campaign(base_url: &str, canary: &str) -> String {
    let list: Vec<String> = (0..12).map(|i| format!("\"+2547{:08}\"", 30_000_000 + i)).collect();
    format!(
        "version: 1\nid: canary-test\nprovider:\n  kind: cloud_api\n  base_url: {base_url}\n  token_env: WA_TOKEN\n  phone_number_id: \"42\"\nrecipients:\n  list: [{}]\nmessage:\n  type: text\n  text: \"Hi\"\ndelivery: {{ rate: 200/s, max_failure_rate: 50%, canary: {canary} }}\n",
        list.join(", ")
    )
}

fn send(s: &Scratch, extra: &[&str]) -> Output {
    let mut args = vec!["send", "c.yaml", "--yes", "--quiet", "--report", "out"];
    args.extend_from_slice(extra);
    herald(s.path()).args(&args).env("WA_TOKEN", TOKEN).output().unwrap()
}

// spawns: exit code
#[test]
fn a_paused_canary_reports_its_exit_code_and_what_a_rerun_does() {
    let server = Server::start(|n, _| cloud_ok(n));
    let s = Scratch::new();
    s.write("c.yaml", campaign(&server.url(), "{ count: 3 }"));
    let o = send(&s, &["--format", "json"]);
    assert_eq!(o.status.code(), Some(75), "{}", stderr(&o));
    let printed: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(printed["exit_code"], 75, "--format json");
    let file = |name: &str| std::fs::read_to_string(s.path().join("out").join(name)).unwrap();
    let summary: serde_json::Value = serde_json::from_str(&file("summary.json")).unwrap();
    assert_eq!(summary["exit_code"], 75, "summary.json");
    assert!(file("summary.md").contains("Exit code 75."), "{}", file("summary.md"));
    assert!(file("junit.xml").contains("<failure message=\"exit 75, canary sent, paused: "), "{}", file("junit.xml"));
    let status = run(s.path(), &["status", "c.yaml", "--format", "json"]);
    let status: serde_json::Value = serde_json::from_str(&stdout(&status)).unwrap();
    assert_eq!(status["last_run"]["exit_code"], 75, "{status:#}");
    assert_eq!(
        (&status["rerun_would_send"], &status["needs_continue"], &status["continue_would_send"]),
        (&serde_json::json!(0), &serde_json::json!(true), &serde_json::json!(9)),
        "{status:#}"
    );
    // The line before a run agrees with the run: none before the refusal, the limit with it.
    let o = send(&s, &[]);
    assert_eq!(o.status.code(), Some(75), "{}", stderr(&o));
    assert!(!stderr(&o).contains(": send to "), "{}", stderr(&o));
    let o = send(&s, &["--continue", "--limit", "5"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        stderr(&o).contains(": send to 5 of the 9 recipients left (--limit 5), skip 3 already sent\n"),
        "{}",
        stderr(&o)
    );
    assert_eq!(server.seen().len(), 8);
}

// spawns: exit code
#[test]
fn a_canary_needs_the_journal_and_a_target() {
    let s = Scratch::new();
    s.write("c.yaml", campaign("http://127.0.0.1:9", "{ count: 0 }"));
    let o = run(s.path(), &["validate", "c.yaml"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("a canary of nobody checks nothing"), "{}", stderr(&o));
    s.write("c.yaml", campaign("http://127.0.0.1:9", "{ count: 2 }"));
    let o = send(&s, &["--no-journal"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("`delivery.canary` needs the journal"), "{}", stderr(&o));
}
