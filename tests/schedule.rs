//! `schedule:` as the binary shows it: `preview` shows the time a provider that schedules is
//! asked for; a time that has passed stops `send` and `validate` (exit 2) unless `--now`, while
//! `status` and `preview` still work. Waiting for `send_at`, the provider's time in requests and
//! `--now` are tested in-process (`tests/session/schedule.rs`). The checks themselves, against a pinned
//! clock, are unit tests (`src/plan/schedule/tests.rs`).

use crate::common::*;
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

/// `herald args…` with the token set.
fn herald_with_token(s: &Scratch, args: &[&str]) -> Output {
    herald(s.path()).args(args).env("CK_TOKEN", TOKEN).output().unwrap()
}

/// `hours` from now, to the second, as the campaign writes it and the provider gets it.
fn hours_ahead(hours: i64) -> String {
    let at = jiff::Timestamp::now() + jiff::SignedDuration::from_hours(hours);
    at.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

// spawns: terminal output
#[test]
fn preview_shows_the_time_the_provider_is_asked_to_deliver_at() {
    let s = Scratch::new();
    let at = hours_ahead(48);
    s.write("c.yaml", campaign("http://127.0.0.1:9", 1, &format!("{{ send_at: \"{at}\" }}")));
    let o = run(s.path(), &["preview", "c.yaml", "--format", "json", "--limit", "1"]);
    let line: serde_json::Value = serde_json::from_str(stdout(&o).lines().next().unwrap()).unwrap();
    assert_eq!(line["body"]["sendsAt"], at.as_str());
}

// spawns: exit code
#[test]
fn a_time_that_has_passed_exits_2_unless_now() {
    // Port 9 (discard): were anything sent, the send would not exit 2.
    let s = Scratch::new();
    s.write("c.yaml", campaign("http://127.0.0.1:9", 1, "{ send_at: \"2026-01-01T09:00:00+03:00\" }"));
    for args in [&["send", "c.yaml", "--yes"][..], &["send", "c.yaml", "--yes", "--dry-run"], &["validate", "c.yaml"]] {
        let o = herald_with_token(&s, args);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        let err = stderr(&o);
        assert!(err.contains("error: `schedule.send_at` is in the past (2026-01-01 06:00 UTC)"), "{args:?}: {err}");
        assert!(err.contains("--now"), "{args:?}: {err}");
    }
    // The campaign still previews, with a warning, and status answers.
    let o = run(s.path(), &["preview", "c.yaml", "--format", "json"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stderr(&o).contains("warning: `schedule.send_at` is in the past"), "{}", stderr(&o));
    assert_eq!(run(s.path(), &["status", "c.yaml"]).status.code(), Some(0));
}
