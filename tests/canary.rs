//! The canary as a user runs it: the first run sends to the seeds and the first recipients and
//! exits 75; a re-run sends nothing until `--continue`; a failing canary stops the campaign;
//! `pause: false` goes on by itself. Against a real loopback server; nobody twice.

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

/// `herald send c.yaml --sandbox --yes --format json extra…` in `s`.
fn sandbox_send(s: &Scratch, extra: &[&str]) -> Output {
    let mut args = vec!["send", "c.yaml", "--sandbox", "--yes", "--quiet", "--format", "json", "--report", "out"];
    args.extend_from_slice(extra);
    run(s.path(), &args)
}

#[test]
fn the_canary_pauses_until_continue_and_nobody_gets_two() {
    let server = Server::start(|n, _| cloud_ok(n));
    let s = Scratch::new();
    s.write("c.yaml", campaign(&server.url(), "{ count: 3, to: [\"+254799000001\"] }"));
    let o = send(&s, &[]);
    assert_eq!(o.status.code(), Some(75), "{}", stderr(&o));
    assert_eq!(server.seen().len(), 4, "the seed and three recipients");
    assert!(
        stderr(&o).contains(
            "canary sent (1 seed, up to 3 of the audience): check the messages, then `herald send c.yaml --continue`"
        ),
        "{}",
        stderr(&o)
    );
    assert!(
        stdout(&o).contains("skipped pending ×9: not sent yet: after the canary (--continue sends to the rest)"),
        "{}",
        stdout(&o)
    );
    let o = send(&s, &[]);
    assert_eq!(o.status.code(), Some(75), "{}", stderr(&o));
    assert!(stderr(&o).contains("the canary of `canary-test` went out at"), "{}", stderr(&o));
    assert_eq!(server.seen().len(), 4, "a re-run without --continue sends nothing");
    let status = run(s.path(), &["status", "c.yaml"]);
    assert!(stdout(&status).contains("a re-run sends nothing until --continue"), "{}", stdout(&status));
    let o = send(&s, &["--continue"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let to = server.numbers();
    let mut unique = to.clone();
    unique.dedup();
    assert_eq!((to.len(), unique.len()), (13, 13), "twelve recipients and the seed, once each: {to:?}");
}

#[test]
fn once_continued_a_plain_rerun_is_an_ordinary_one_and_a_finished_campaign_is_done() {
    let server = Server::start(|n, _| cloud_ok(n));
    let s = Scratch::new();
    s.write("c.yaml", campaign(&server.url(), "{ count: 3 }"));
    assert_eq!(send(&s, &[]).status.code(), Some(75));
    // Gone on with, part of the way: the canary was checked, a plain re-run sends the rest.
    let o = send(&s, &["--continue", "--limit", "4"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let status = run(s.path(), &["status", "c.yaml"]);
    assert!(stdout(&status).contains("a re-run would send to 5 recipients"), "{}", stdout(&status));
    let o = send(&s, &[]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(server.seen().len(), 12, "everyone once");
    // Finished: a plain re-run is an up-to-date one, and status agrees.
    let o = send(&s, &[]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(!stderr(&o).contains("--continue"), "{}", stderr(&o));
    assert!(stdout(&o).contains("this run sent nothing: the journal has everyone sent"), "{}", stdout(&o));
    assert_eq!(server.seen().len(), 12);
    let status = run(s.path(), &["status", "c.yaml"]);
    assert!(stdout(&status).contains("a re-run would send to 0 recipients"), "{}", stdout(&status));
    assert!(!stdout(&status).contains("--continue"), "{}", stdout(&status));
    let json = run(s.path(), &["status", "c.yaml", "--format", "json"]);
    let json: serde_json::Value = serde_json::from_str(&stdout(&json)).unwrap();
    assert_eq!((&json["needs_continue"], &json["rerun_would_send"]), (&false.into(), &0.into()), "{json:#}");
}

#[test]
fn a_canary_that_reached_everyone_leaves_nothing_to_continue() {
    let server = Server::start(|n, _| cloud_ok(n));
    let s = Scratch::new();
    s.write("c.yaml", campaign(&server.url(), "{ count: 20 }"));
    let first = send(&s, &[]);
    assert!(matches!(first.status.code(), Some(0 | 75)), "{}", stderr(&first));
    assert_eq!(server.seen().len(), 12);
    let o = send(&s, &[]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(!stderr(&o).contains("--continue"), "{}", stderr(&o));
    let json = run(s.path(), &["status", "c.yaml", "--format", "json"]);
    let json: serde_json::Value = serde_json::from_str(&stdout(&json)).unwrap();
    assert_eq!(json["needs_continue"], false, "{json:#}");
}

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

#[test]
fn a_failing_canary_stops_the_campaign() {
    // One failure in four, then a canary where everyone failed: either way it did its job, and
    // no second canary goes to the next recipients.
    for (fail_all, count, failed) in [(false, 4, "1 recipient"), (true, 3, "3 recipients")] {
        let server = Server::start(move |n, _| if fail_all || n == 2 { cloud_error(400, 131026) } else { cloud_ok(n) });
        let s = Scratch::new();
        s.write("c.yaml", campaign(&server.url(), &format!("{{ count: {count} }}")));
        let o = send(&s, &[]);
        assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
        let why = format!("the canary failed ({failed} failed or unknown); nothing more was sent");
        assert!(stderr(&o).contains(&why), "{}", stderr(&o));
        assert_eq!(server.seen().len(), count);
        let o = send(&s, &[]);
        assert_eq!(o.status.code(), Some(75));
        assert!(stderr(&o).contains("went out at") && stderr(&o).contains("and failed"), "{}", stderr(&o));
        assert_eq!(server.seen().len(), count);
    }
}

#[test]
fn an_unpaused_clean_canary_goes_on_by_itself() {
    let server = Server::start(|n, _| cloud_ok(n));
    let s = Scratch::new();
    s.write("c.yaml", campaign(&server.url(), "{ count: 2, pause: false, wait: 0s }"));
    let o = send(&s, &[]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stderr(&o).contains("the canary had no failures; going on in 0s"), "{}", stderr(&o));
    assert_eq!(server.numbers().len(), 12);
}

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

#[test]
fn the_canary_flow_works_against_the_sandbox() {
    let s = Scratch::new();
    s.write("c.yaml", campaign("http://127.0.0.1:9", "{ count: 2, to: [\"+254799000001\"] }"));
    let sandbox = |extra: &[&str]| sandbox_send(&s, extra);
    let o = sandbox(&[]);
    assert_eq!(o.status.code(), Some(75), "{}", stderr(&o));
    assert!(stderr(&o).contains("`herald send c.yaml --sandbox --continue` sends to the rest"), "{}", stderr(&o));
    let summary: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!((summary["counts"]["sent"].as_u64(), summary["by_skip_code"]["pending"].as_u64()), (Some(3), Some(10)));
    assert_eq!(sandbox(&[]).status.code(), Some(75), "nothing more without --continue");
    let o = sandbox(&["--continue"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let summary: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!((summary["counts"]["sent"].as_u64(), summary["this_run"]["finished"].as_u64()), (Some(13), Some(10)));
}

#[test]
fn a_canary_the_provider_stops_says_so_not_that_it_failed() {
    let server = Server::start(|_, _| cloud_error(401, 190));
    let s = Scratch::new();
    s.write("c.yaml", campaign(&server.url(), "{ count: 3 }"));
    let o = send(&s, &[]);
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("the canary stopped (exit 3) before anyone failed; nothing more was sent"),
        "{}",
        stderr(&o)
    );
    assert!(!stderr(&o).contains("the canary failed"), "{}", stderr(&o));
}

#[test]
fn a_canary_the_provider_stopped_before_anyone_got_it_is_sent_again() {
    let s = Scratch::new();
    s.write("c.yaml", campaign("http://127.0.0.1:9", "{ count: 2, to: [\"+254799000001\"] }"));
    let sandbox = |extra: &[&str]| sandbox_send(&s, extra);
    let o = sandbox(&["--reject-auth"]);
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    let status = run(s.path(), &["status", "c.yaml", "--sandbox"]);
    assert!(!stdout(&status).contains("until --continue"), "nobody got the canary: {}", stdout(&status));
    // Fixed: a plain re-run sends the canary, not a refusal that leaves only --continue (everyone).
    let o = sandbox(&[]);
    assert_eq!(o.status.code(), Some(75), "{}", stderr(&o));
    assert!(!stderr(&o).contains("went out at"), "{}", stderr(&o));
    let summary: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!((summary["counts"]["sent"].as_u64(), summary["by_skip_code"]["pending"].as_u64()), (Some(3), Some(10)));
    assert_eq!(sandbox(&[]).status.code(), Some(75), "this canary went out: nothing more without --continue");
}
