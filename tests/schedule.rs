//! `schedule:` as a process: a provider that schedules gets the time in every request and
//! herald sends at once; a time that has passed stops `send` and `validate` (exit 2) unless
//! `--now`, while `status` and `preview` still work. The checks themselves, against a pinned
//! clock, are unit tests (`src/plan/schedule/tests.rs`).

use crate::common::*;
use crate::server::*;
use std::process::Output;

const TOKEN: &str = "ck-test-secret-42";

/// A Communiktor text campaign to `n` recipients at `base_url`, scheduled by `schedule`.
fn campaign(base_url: &str, n: usize, schedule: &str) -> String {
    let list: Vec<String> = (0..n).map(|i| format!("\"+2547{:08}\"", 10_000_000 + i)).collect();
    format!(
        "version: 1\nid: schedule-test\nprovider:\n  kind: communiktor\n  base_url: {base_url}\n  token_env: CK_TOKEN\n  instance: shop\nrecipients:\n  list: [{}]\nmessage:\n  type: text\n  text: \"Hello\"\nschedule: {schedule}\ndelivery: {{ rate: 100/s }}\n",
        list.join(", ")
    )
}

/// Communiktor's success answer.
fn ok(n: usize) -> Reply {
    Reply::Answer(
        200,
        format!(r#"{{"message":"Message sent","success":true,"code":200,"data":{{"id":"m{n}"}}}}"#),
        vec![],
    )
}

/// `herald args…` with the token set.
fn herald_with_token(s: &Scratch, args: &[&str]) -> Output {
    herald(s.path()).args(args).env("CK_TOKEN", TOKEN).output().unwrap()
}

/// `hours` from now, to the second, as the campaign writes it and the provider gets it.
fn hours_ahead(hours: i64) -> String {
    let at = jiff::Timestamp::now() + jiff::SignedDuration::from_hours(hours);
    at.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// The `sendsAt` of request `i`.
fn sends_at(server: &Server, i: usize) -> serde_json::Value {
    let body: serde_json::Value = serde_json::from_str(&server.seen()[i].body).unwrap();
    body.get("sendsAt").cloned().unwrap_or_default()
}

#[test]
fn the_provider_holds_the_messages_and_rescheduling_is_not_a_change() {
    let server = Server::start(|n, _| ok(n));
    let s = Scratch::new();
    let first = hours_ahead(48);
    s.write("c.yaml", campaign(&server.url(), 3, &format!("{{ send_at: \"{first}\" }}")));
    let o = herald_with_token(&s, &["send", "c.yaml", "--yes", "--quiet", "--limit", "1"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stderr(&o).contains("each request asks Communiktor to deliver at"), "{}", stderr(&o));
    assert!(!stderr(&o).contains("waiting until"), "herald must not wait: {}", stderr(&o));
    assert_eq!(server.seen().len(), 1);
    assert_eq!(sends_at(&server, 0), first);
    // Moved by a day: the message says the same, so the rest go without --allow-changed, at
    // the new time.
    let second = hours_ahead(72);
    s.write("c.yaml", campaign(&server.url(), 3, &format!("{{ send_at: \"{second}\" }}")));
    let status = run(s.path(), &["status", "c.yaml", "--format", "json"]);
    let json: serde_json::Value = serde_json::from_slice(&status.stdout).unwrap();
    assert_eq!(json["changed"], false, "{json}");
    let o = herald_with_token(&s, &["send", "c.yaml", "--yes", "--quiet", "--limit", "1"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(sends_at(&server, 1), second);
    // --now sends the last one at once: no time in the request, and still no change.
    let o = herald_with_token(&s, &["send", "c.yaml", "--yes", "--quiet", "--now"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stderr(&o).contains("without asking Communiktor to wait (--now)"), "{}", stderr(&o));
    assert_eq!(server.seen().len(), 3);
    assert_eq!(sends_at(&server, 2), serde_json::Value::Null);
    // A dry run and the preview show the field.
    let o = run(s.path(), &["preview", "c.yaml", "--format", "json", "--limit", "1"]);
    let line: serde_json::Value = serde_json::from_str(stdout(&o).lines().next().unwrap()).unwrap();
    assert_eq!(line["body"]["sendsAt"], second.as_str());
}

#[test]
fn a_time_that_has_passed_exits_2_unless_now() {
    let server = Server::start(|n, _| ok(n));
    let s = Scratch::new();
    s.write("c.yaml", campaign(&server.url(), 1, "{ send_at: \"2026-01-01T09:00:00+03:00\" }"));
    for args in [&["send", "c.yaml", "--yes"][..], &["send", "c.yaml", "--yes", "--dry-run"], &["validate", "c.yaml"]] {
        let o = herald_with_token(&s, args);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        let err = stderr(&o);
        assert!(err.contains("error: `schedule.send_at` is in the past (2026-01-01 06:00 UTC)"), "{args:?}: {err}");
        assert!(err.contains("--now"), "{args:?}: {err}");
    }
    assert!(server.seen().is_empty(), "nothing may be sent");
    // The campaign still previews, with a warning, and status answers.
    let o = run(s.path(), &["preview", "c.yaml", "--format", "json"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stderr(&o).contains("warning: `schedule.send_at` is in the past"), "{}", stderr(&o));
    assert_eq!(run(s.path(), &["status", "c.yaml"]).status.code(), Some(0));
    // --now sends at once, saying so, and asks the provider for no time.
    let o = herald_with_token(&s, &["send", "c.yaml", "--yes", "--quiet", "--now"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stderr(&o).contains("note: schedule.send_at (2026-01-01 06:00 UTC) has passed; sending now (--now)"));
    assert_eq!(server.seen().len(), 1);
    assert_eq!(sends_at(&server, 0), serde_json::Value::Null);
}
