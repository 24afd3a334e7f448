//! The run as a library call: `herald::run::run` in-process against the in-memory provider,
//! with a real journal in a temporary folder (and, for the journal's guarantees, in a real
//! PostgreSQL too). Exact retry, stop and ambiguity behaviour, the journal's guarantees across
//! re-runs, and the report, without spawning the binary.

use crate::common::*;
use herald::journal::{Journal, Policy};
use herald::plan::{self, Options as PlanOptions, Plan, TokenCheck};
use herald::report::Mode;
use herald::run::memory::{Memory, Reply};
use herald::run::transport::{Attempt, Transport, Wire};
use herald::run::{self, Outcome, StopKind};
use herald::secret::Secret;
use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

pub(crate) const TOKEN: &str = "EAAG-engine-secret";

/// A cloud_api text campaign to `n` listed recipients.
fn campaign(n: usize, text: &str, delivery: &str) -> String {
    let list: Vec<String> = (0..n).map(|i| format!("\"+2547{:08}\"", 20_000_000 + i)).collect();
    format!(
        "version: 1\nid: engine-test\nprovider:\n  kind: cloud_api\n  base_url: http://127.0.0.1:9\n  token_env: WA_TOKEN\n  phone_number_id: \"42\"\nrecipients:\n  list: [{}]\nmessage:\n  type: text\n  text: \"{text}\"\ndelivery: {{ {delivery} }}\n",
        list.join(", ")
    )
}

pub(crate) fn plan(s: &Scratch, yaml: &str) -> Arc<Plan> {
    let path = s.write("c.yaml", yaml);
    let v = plan::load(&path, PlanOptions { token: TokenCheck::Skip, ..PlanOptions::default() });
    let plain = herald::diagnostic::Style { color: false };
    Arc::new(v.plan.unwrap_or_else(|| panic!("invalid test campaign: {}", v.diagnostics.render(plain))))
}

pub(crate) fn options(s: &Scratch) -> run::Options {
    run::Options {
        mode: Mode::Send,
        limit: None,
        policy: Policy::default(),
        keep_bodies: false,
        expected: None,
        report_dir: Some(s.path().join("out")),
        window: Some(herald::window::Clock::system()),
        canary: false,
        pinned: Default::default(),
    }
}

fn ok(n: usize) -> Reply {
    Reply::answer(200, format!(r#"{{"messaging_product":"whatsapp","contacts":[],"messages":[{{"id":"wamid.{n}"}}]}}"#))
}

fn meta_error(status: u16, code: i64) -> Reply {
    Reply::answer(
        status,
        format!(r#"{{"error":{{"message":"(#{code}) error","type":"OAuthException","code":{code}}}}}"#),
    )
}

/// Runs `plan` on a runtime of its own.
pub(crate) fn send(
    plan: &Arc<Plan>,
    options: &run::Options,
    journal: Option<&mut Journal>,
    memory: &Arc<Memory>,
) -> Outcome {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let cancel = CancellationToken::new();
    rt.block_on(run::run(
        plan.clone(),
        options,
        journal,
        memory.clone(),
        Secret::new(TOKEN).into(),
        cancel,
        &mut |_, _| {},
    ))
    .unwrap()
}

/// `results.csv` as (recipient → status, error code, attempts).
pub(crate) fn results(dir: &Path) -> HashMap<String, (String, String, String)> {
    let mut r = csv::Reader::from_path(dir.join("results.csv")).unwrap();
    r.records()
        .map(Result::unwrap)
        .map(|r| (r[0].to_string(), (r[2].to_string(), r[5].to_string(), r[7].to_string())))
        .collect()
}

pub(crate) fn statuses(dir: &Path, status: &str) -> usize {
    results(dir).values().filter(|r| r.0 == status).count()
}

std::thread_local! {
    /// The PostgreSQL journal of the test running on this thread (see [`both`]), if any.
    static POSTGRES: std::cell::RefCell<Option<String>> = const { std::cell::RefCell::new(None) };
}

/// Runs a test against both journal backends: an SQLite file, and a database of its own on the
/// test PostgreSQL (see [`crate::pg_server`]).
macro_rules! both {
    ($name:ident) => {
        mod $name {
            #[test]
            fn sqlite() {
                super::$name()
            }

            #[test]
            fn postgres() {
                super::on_postgres(super::$name)
            }
        }
    };
}

fn on_postgres(test: fn()) {
    POSTGRES.with(|p| *p.borrow_mut() = Some(crate::pg_server::database()));
    test()
}

/// The test's journal, locked for `campaign`: a file in `s`, or the test's PostgreSQL database.
pub(crate) fn journal(s: &Scratch, campaign: &str) -> Journal {
    match POSTGRES.with(|p| p.borrow().clone()) {
        Some(url) => {
            Journal::open(herald::journal::Location::parse(Path::new(&url), false).unwrap(), campaign).unwrap()
        }
        None => Journal::open(&s.path().join(".herald/journal.db"), campaign).unwrap(),
    }
}

both!(every_recipient_gets_exactly_one_request_and_a_valid_report);
fn every_recipient_gets_exactly_one_request_and_a_valid_report() {
    let s = Scratch::new();
    let p = plan(&s, &campaign(20, "Hello {{ recipient }}", "rate: 1000/s, concurrency: 4"));
    let memory = Arc::new(Memory::new(|n, _| ok(n)));
    let outcome = send(&p, &options(&s), Some(&mut journal(&s, "engine-test")), &memory);
    assert_eq!(outcome.report.exit_code, 0);
    let received = memory.received();
    assert_eq!(received.len(), 20);
    let mut to: Vec<String> = received.iter().map(|r| r.json()["to"].as_str().unwrap().to_string()).collect();
    to.sort();
    to.dedup();
    assert_eq!(to.len(), 20, "someone got two requests");
    let first = &received[0];
    assert_eq!(first.url, "http://127.0.0.1:9/42/messages");
    assert!(first.headers.contains(&("Authorization".into(), format!("Bearer {TOKEN}"))));
    assert_eq!(first.json()["text"]["body"], format!("Hello {}", first.json()["to"].as_str().unwrap()));
    assert_eq!(statuses(&s.path().join("out"), "sent"), 20);
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(s.path().join("out/summary.json")).unwrap()).unwrap();
    let schema: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(root().join("schemas/report.schema.json")).unwrap()).unwrap();
    assert!(jsonschema::draft202012::new(&schema).unwrap().is_valid(&summary), "{summary:#}");
    assert_eq!(summary["counts"]["sent"], 20);
    assert_eq!(summary["requests"], 20);
}

#[test]
fn retry_after_is_honoured_and_5xx_retried() {
    let s = Scratch::new();
    let p = plan(&s, &campaign(1, "Hi", "max_attempts: 5"));
    let memory = Arc::new(Memory::new(|n, _| match n {
        0 => Reply::Answer {
            status: 429,
            body: r#"{"error":{"message":"(#130429) Rate limit hit","code":130429}}"#.into(),
            retry_after: Some(Duration::from_millis(600)),
        },
        1 => meta_error(500, 1),
        _ => ok(n),
    }));
    let outcome = send(&p, &options(&s), None, &memory);
    assert_eq!(outcome.report.exit_code, 0);
    let received = memory.received();
    assert_eq!(received.len(), 3);
    let waited = received[1].at - received[0].at;
    assert!(waited >= Duration::from_millis(600), "Retry-After ignored: waited {waited:?}");
    assert_eq!(results(&s.path().join("out")).values().next().unwrap(), &("sent".into(), String::new(), "3".into()));
}

#[test]
fn a_permanent_error_is_not_retried_and_the_breaker_trips_when_most_requests_fail() {
    let s = Scratch::new();
    let p = plan(&s, &campaign(1, "Hi", "max_attempts: 5, max_failure_rate: 100%"));
    let memory = Arc::new(Memory::new(|_, _| meta_error(400, 131026)));
    let outcome = send(&p, &options(&s), None, &memory);
    assert_eq!((outcome.report.exit_code, memory.received().len()), (0, 1));
    assert_eq!(
        results(&s.path().join("out")).values().next().unwrap(),
        &("failed".into(), "131026".into(), "1".into())
    );

    // The first ten go through, then every request fails: the breaker stops the run once the
    // last 50 finished are mostly failures, and the rest of the list is left unsent.
    let s = Scratch::new();
    let p = plan(&s, &campaign(200, "Hi", "concurrency: 1"));
    let memory = Arc::new(Memory::new(|n, _| if n > 10 { meta_error(400, 131026) } else { ok(n) }));
    let outcome = send(&p, &options(&s), None, &memory);
    assert_eq!(outcome.report.exit_code, 1);
    assert_eq!(outcome.stopped.map(|s| s.kind()), Some(StopKind::FailureRate));
    assert_eq!(memory.received().len(), 50, "the breaker judges the last 50 finished");
    let out = s.path().join("out");
    assert_eq!(results(&out).len(), 200, "the report covers everyone");
    assert_eq!(statuses(&out, "skipped"), 150);
}

#[test]
fn by_default_a_few_undeliverable_numbers_do_not_fail_the_run_and_many_fail_it_at_the_end() {
    // One in forty not on WhatsApp: everyone else is sent to and the run exits 0.
    let s = Scratch::new();
    let p = plan(&s, &campaign(40, "Hi", "concurrency: 1"));
    let memory = Arc::new(Memory::new(|n, _| if n == 5 { meta_error(400, 131026) } else { ok(n) }));
    let outcome = send(&p, &options(&s), None, &memory);
    assert_eq!((outcome.report.exit_code, memory.received().len()), (0, 40));
    // One in five: still everyone is tried (the breaker wants most to fail), but the gate
    // (`max_failure_rate`, 10% by default) makes the run exit 1 without a stop.
    let s = Scratch::new();
    let p = plan(&s, &campaign(40, "Hi", "concurrency: 1"));
    let memory = Arc::new(Memory::new(|n, _| if n % 5 == 0 { meta_error(400, 131026) } else { ok(n) }));
    let outcome = send(&p, &options(&s), None, &memory);
    assert_eq!((outcome.report.exit_code, memory.received().len()), (1, 40));
    assert!(outcome.stopped.is_none());
}

both!(a_message_meta_holds_is_sent_with_the_hold_in_its_record);
fn a_message_meta_holds_is_sent_with_the_hold_in_its_record() {
    let s = Scratch::new();
    let p = plan(&s, &campaign(3, "Hi", "concurrency: 1"));
    let memory = Arc::new(Memory::new(|n, _| {
        let status = if n == 1 { "held_for_quality_assessment" } else { "accepted" };
        Reply::answer(200, format!(r#"{{"messages":[{{"id":"wamid.{n}","message_status":"{status}"}}]}}"#))
    }));
    let outcome = send(&p, &options(&s), Some(&mut journal(&s, "engine-test")), &memory);
    assert_eq!(outcome.report.exit_code, 0);
    let rows = results(&s.path().join("out"));
    let held: Vec<_> = rows.values().filter(|r| r.1 == "held_for_quality_assessment").collect();
    assert_eq!(held.len(), 1, "{rows:?}");
    assert_eq!(held[0].0, "sent");
    assert_eq!(rows.values().filter(|r| r.0 == "sent").count(), 3);
}

#[test]
fn a_campaign_wide_refusal_stops_at_once() {
    let s = Scratch::new();
    let p = plan(&s, &campaign(50, "Hi", "concurrency: 2"));
    let memory = Arc::new(Memory::new(|_, _| meta_error(401, 190)));
    let outcome = send(&p, &options(&s), None, &memory);
    assert_eq!(outcome.report.exit_code, 3);
    assert!(memory.received().len() <= 2, "kept sending after auth was refused: {}", memory.received().len());
    let out = s.path().join("out");
    assert_eq!(results(&out).len(), 50);
    assert!(results(&out).values().filter(|r| r.0 == "skipped" && r.1 == "not_sent").count() >= 48);
    let stop = outcome.report.run.stopped.unwrap();
    assert_eq!((stop.kind, stop.message.starts_with("the provider refused (190)")), (StopKind::Provider, true));
}

#[test]
fn no_answer_ends_unknown_and_is_resent_only_with_retry_ambiguous() {
    for reply in [Reply::Drop, Reply::Hang(Duration::from_millis(50))] {
        let s = Scratch::new();
        let p = plan(&s, &campaign(1, "Hi", "max_failure_rate: 100%"));
        let r = reply.clone();
        let memory = Arc::new(Memory::new(move |_, _| r.clone()));
        let outcome = send(&p, &options(&s), None, &memory);
        assert_eq!(outcome.report.exit_code, 0);
        assert_eq!(memory.received().len(), 1, "{reply:?} was resent");
        let code = if reply == Reply::Drop { "no_answer" } else { "timeout" };
        assert_eq!(
            results(&s.path().join("out")).values().next().unwrap(),
            &("unknown".into(), code.into(), "1".into())
        );
    }
    let s = Scratch::new();
    let p = plan(&s, &campaign(1, "Hi", "retry_ambiguous: true"));
    let memory = Arc::new(Memory::new(|n, _| if n == 0 { Reply::Drop } else { ok(n) }));
    send(&p, &options(&s), None, &memory);
    assert_eq!(memory.received().len(), 2);
    assert_eq!(statuses(&s.path().join("out"), "sent"), 1);
}

both!(a_server_error_ends_unknown_and_only_retry_unknown_sends_it_again);
fn a_server_error_ends_unknown_and_only_retry_unknown_sends_it_again() {
    let s = Scratch::new();
    let p = plan(&s, &campaign(4, "Hi", "concurrency: 1, max_attempts: 3, max_failure_rate: 100%"));
    // A proxy's 503, a bare 500 and a Meta code nobody documents: each may come after the
    // message went out, so none is resent and none is `failed`.
    let memory = Arc::new(Memory::new(|n, _| match n {
        0 => Reply::answer(503, "<html>Service Unavailable</html>"),
        1 => Reply::answer(500, ""),
        2 => meta_error(500, 987_654),
        _ => ok(n),
    }));
    let mut j = journal(&s, "engine-test");
    let outcome = send(&p, &options(&s), Some(&mut j), &memory);
    assert_eq!(memory.received().len(), 4, "a 5xx was resent");
    let out = s.path().join("out");
    let rows = results(&out);
    let mut unknown: Vec<_> =
        rows.values().filter(|r| r.0 == "unknown").map(|r| (r.1.as_str(), r.2.as_str())).collect();
    unknown.sort();
    assert_eq!(unknown, [("987654", "1"), ("http_500", "1"), ("http_503", "1")], "{rows:?}");
    let text = herald::report::summary_text(&outcome.report);
    assert!(text.contains("0 failed, 3 unknown"), "{text}");
    assert!(
        text.contains("unknown http_503 ×1: HTTP 503: <html>Service Unavailable</html>; the provider may or may not have the message after 1 attempt, so herald did not send it again; `--retry-unknown` does"),
        "{text}"
    );
    let mut o = options(&s);
    o.policy = Policy { retry_failed: true, retry_unknown: false, ..Policy::default() };
    send(&p, &o, Some(&mut j), &memory);
    assert_eq!(memory.received().len(), 4, "--retry-failed resent a recipient whose fate is unknown");
    o.policy = Policy { retry_failed: false, retry_unknown: true, ..Policy::default() };
    send(&p, &o, Some(&mut j), &memory);
    assert_eq!(memory.received().len(), 7, "--retry-unknown sends the three again");
    assert_eq!(statuses(&out, "sent"), 4);

    // With `retry_ambiguous`, a 5xx is tried up to `max_attempts` and still ends `unknown`.
    let s = Scratch::new();
    let p = plan(&s, &campaign(1, "Hi", "max_attempts: 3, retry_ambiguous: true, max_failure_rate: 100%"));
    let memory = Arc::new(Memory::new(|_, _| Reply::answer(500, "")));
    let outcome = send(&p, &options(&s), None, &memory);
    assert_eq!(memory.received().len(), 3);
    assert_eq!(
        results(&s.path().join("out")).values().next().unwrap(),
        &("unknown".into(), "http_500".into(), "3".into())
    );
    assert!(herald::report::summary_text(&outcome.report).contains("after 3 attempts"));
}

#[test]
fn gateway_answers_and_redirects_are_never_resent() {
    let s = Scratch::new();
    let p = plan(&s, &campaign(1, "Hi", "max_failure_rate: 100%"));
    let memory = Arc::new(Memory::new(|_, _| Reply::answer(504, "<html>Gateway Timeout</html>")));
    send(&p, &options(&s), None, &memory);
    assert_eq!(memory.received().len(), 1);
    assert_eq!(results(&s.path().join("out")).values().next().unwrap().1, "http_504");

    let s = Scratch::new();
    let p = plan(&s, &campaign(3, "Hi", "concurrency: 1"));
    let memory = Arc::new(Memory::new(|n, _| if n == 0 { Reply::answer(301, "") } else { ok(n) }));
    let outcome = send(&p, &options(&s), None, &memory);
    assert_eq!((outcome.report.exit_code, memory.received().len()), (3, 1));
    assert!(outcome.report.run.stopped.unwrap().message.contains("the provider redirected; check `provider.base_url`"));
}

#[test]
fn a_host_that_refuses_connections_stops_the_run_as_unreachable() {
    let s = Scratch::new();
    let p = plan(&s, &campaign(3, "Hi", "max_attempts: 2, concurrency: 1"));
    let memory = Arc::new(Memory::new(|_, _| Reply::Refuse));
    let outcome = send(&p, &options(&s), None, &memory);
    assert_eq!(outcome.report.exit_code, 3);
    assert_eq!(outcome.report.run.stopped.unwrap().kind, StopKind::Unreachable);
    assert!(memory.received().is_empty(), "a refused connection reaches nobody");
    let rows = results(&s.path().join("out"));
    // Nothing left the machine, so nobody is charged a failure: all wait for the next run.
    assert!(rows.values().all(|r| r.0 == "skipped" && r.1 == "not_sent"), "{rows:?}");
}

both!(after_a_campaign_wide_refusal_is_fixed_the_same_command_sends_to_everyone_once);
fn after_a_campaign_wide_refusal_is_fixed_the_same_command_sends_to_everyone_once() {
    let s = Scratch::new();
    let p = plan(&s, &campaign(10, "Hi", "concurrency: 2"));
    let refused = Arc::new(Memory::new(|_, _| meta_error(401, 190)));
    let first = send(&p, &options(&s), Some(&mut journal(&s, "engine-test")), &refused);
    assert_eq!(first.report.exit_code, 3);
    let rows = results(&s.path().join("out"));
    assert!(rows.values().all(|r| r.0 == "skipped" && r.1 == "not_sent"), "the refusal blamed a recipient: {rows:?}");
    let fixed = Arc::new(Memory::new(|n, _| ok(n)));
    let second = send(&p, &options(&s), Some(&mut journal(&s, "engine-test")), &fixed);
    assert_eq!(second.report.exit_code, 0);
    let mut to: Vec<String> = fixed.received().iter().map(|r| r.json()["to"].as_str().unwrap().to_string()).collect();
    to.sort();
    to.dedup();
    assert_eq!((fixed.received().len(), to.len()), (10, 10), "everyone, once");
}

both!(limit_is_a_canary_and_the_report_still_lists_everyone);
fn limit_is_a_canary_and_the_report_still_lists_everyone() {
    let s = Scratch::new();
    let p = plan(&s, &campaign(5, "Hi", "rate: 100/s"));
    let memory = Arc::new(Memory::new(|n, _| ok(n)));
    let mut o = options(&s);
    o.limit = Some(2);
    let mut j = journal(&s, "engine-test");
    send(&p, &o, Some(&mut j), &memory);
    assert_eq!(memory.received().len(), 2);
    let out = s.path().join("out");
    assert_eq!(results(&out).len(), 5);
    assert_eq!(results(&out).values().filter(|r| r.0 == "skipped" && r.1 == "pending").count(), 3);
    o.limit = None;
    send(&p, &o, Some(&mut j), &memory);
    assert_eq!(memory.received().len(), 5, "the rest went out; nobody twice");
    assert_eq!(statuses(&out, "sent"), 5, "the report of the second run covers the first");
}

#[test]
fn a_dry_run_renders_and_sends_nothing() {
    let s = Scratch::new();
    let p = plan(&s, &campaign(4, "Hi", "rate: 100/s"));
    let memory = Arc::new(Memory::new(|n, _| ok(n)));
    let mut o = options(&s);
    o.mode = Mode::DryRun;
    let outcome = send(&p, &o, None, &memory);
    assert_eq!(outcome.report.exit_code, 0);
    assert!(memory.received().is_empty());
    assert_eq!(statuses(&s.path().join("out"), "dry_run"), 4);
}

both!(re_runs_send_to_nobody_twice_and_follow_the_retry_flags);
fn re_runs_send_to_nobody_twice_and_follow_the_retry_flags() {
    let s = Scratch::new();
    let p = plan(&s, &campaign(6, "Hi", "rate: 1000/s, concurrency: 1, max_failure_rate: 100%"));
    // First run: recipient 1 fails for good, recipient 2 gets no answer, the rest are sent.
    let memory = Arc::new(Memory::new(|n, _| match n {
        1 => meta_error(400, 131026),
        2 => Reply::Drop,
        _ => ok(n),
    }));
    let mut j = journal(&s, "engine-test");
    send(&p, &options(&s), Some(&mut j), &memory);
    assert_eq!(memory.received().len(), 6);
    send(&p, &options(&s), Some(&mut j), &memory);
    assert_eq!(memory.received().len(), 6, "a plain re-run sent again");
    let out = s.path().join("out");
    assert_eq!((statuses(&out, "sent"), statuses(&out, "failed"), statuses(&out, "unknown")), (4, 1, 1));
    let mut o = options(&s);
    o.policy = Policy { retry_failed: true, retry_unknown: false, ..Policy::default() };
    send(&p, &o, Some(&mut j), &memory);
    assert_eq!(memory.received().len(), 7, "--retry-failed resends the failed one only");
    o.policy = Policy { retry_failed: false, retry_unknown: true, ..Policy::default() };
    send(&p, &o, Some(&mut j), &memory);
    assert_eq!(memory.received().len(), 8, "--retry-unknown resends the unknown one only");
    assert_eq!(statuses(&out, "sent"), 6);
    o.policy = Policy { retry_failed: true, retry_unknown: true, ..Policy::default() };
    send(&p, &o, Some(&mut j), &memory);
    assert_eq!(memory.received().len(), 8, "sent recipients are never resent");
}

both!(inspection_sees_changes_and_allow_changed_rebaselines_once);
fn inspection_sees_changes_and_allow_changed_rebaselines_once() {
    let s = Scratch::new();
    let p = plan(&s, &campaign(3, "Version one", "rate: 100/s"));
    let memory = Arc::new(Memory::new(|n, _| ok(n)));
    let mut o = options(&s);
    o.limit = Some(1);
    let mut j = journal(&s, "engine-test");
    send(&p, &o, Some(&mut j), &memory);
    let same = run::inspect(&p, &mut j, Policy::default(), false).unwrap();
    assert!(!same.changes.any());
    assert_eq!((same.selection.to_send, same.selection.sent), (2, 1));
    let changed = plan(&s, &campaign(3, "Version two", "rate: 50/s"));
    let seen = run::inspect(&changed, &mut j, Policy::default(), false).unwrap();
    assert_eq!(seen.changes.sections, ["message"]);
    assert_eq!(seen.changes.requests, 1);
    run::inspect(&changed, &mut j, Policy::default(), true).unwrap();
    let after = run::inspect(&changed, &mut j, Policy::default(), false).unwrap();
    assert_eq!(after.changes.requests, 0, "the new version is the baseline now");
    let delivery_only = plan(&s, &campaign(3, "Version two", "rate: 10/s"));
    assert_eq!(run::inspect(&delivery_only, &mut j, Policy::default(), false).unwrap().changes.requests, 0);
    // Fixing where the campaign goes (host, account) is not a change of the message.
    let moved = campaign(3, "Version two", "rate: 10/s")
        .replace("base_url: http://127.0.0.1:9", "base_url: http://127.0.0.1:10")
        .replace("phone_number_id: \"42\"", "phone_number_id: \"43\"");
    let moved = plan(&s, &moved);
    let seen = run::inspect(&moved, &mut j, Policy::default(), false).unwrap();
    assert_eq!(seen.changes.requests, 0, "{}", seen.changes.describe());
    assert!(!seen.changes.sections.iter().any(|s| s == "provider"), "{}", seen.changes.describe());
    // A journal written before connection settings joined the hash holds the older form of it:
    // still the same message.
    let Some(Ok(plan::Row::Recipient(first))) = moved.rows().unwrap().next() else { panic!("no recipient") };
    let key = first.target.to_string();
    let request = moved.send_for(first).unwrap().request;
    let body = serde_json::to_vec(&request.body).unwrap();
    let old = herald::journal::legacy_request_hash(request.method, &request.url, &moved.settings().base_url, &body);
    j.rebaseline("engine-test", &[(key, old)]).unwrap();
    assert_eq!(run::inspect(&moved, &mut j, Policy::default(), false).unwrap().changes.requests, 0);
    let changed = plan(&s, &campaign(3, "Version three", "rate: 10/s"));
    assert_eq!(run::inspect(&changed, &mut j, Policy::default(), false).unwrap().changes.requests, 1);
}

both!(a_stop_during_a_retry_wait_releases_the_claim);
fn a_stop_during_a_retry_wait_releases_the_claim() {
    let s = Scratch::new();
    let p = plan(&s, &campaign(1, "Hi", "rate: 100/s"));
    let memory = Arc::new(Memory::new(|n, _| {
        if n == 0 {
            Reply::Answer {
                status: 429,
                body: r#"{"error":{"message":"(#130429) Rate limit hit","code":130429}}"#.into(),
                retry_after: Some(Duration::from_secs(30)),
            }
        } else {
            ok(n)
        }
    }));
    let mut j = journal(&s, "engine-test");
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let cancel = CancellationToken::new();
    let (m, c) = (memory.clone(), cancel.clone());
    let outcome = rt.block_on(async {
        tokio::spawn(async move {
            while m.received().is_empty() {
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
            c.cancel();
        });
        run::run(
            p.clone(),
            &options(&s),
            Some(&mut j),
            memory.clone(),
            Secret::new(TOKEN).into(),
            cancel,
            &mut |_, _| {},
        )
        .await
    });
    let outcome = outcome.unwrap();
    assert_eq!(outcome.report.exit_code, 130);
    assert_eq!(j.totals("engine-test").unwrap().rows(), 0, "the throttled recipient's claim was released");
    send(&p, &options(&s), Some(&mut j), &memory);
    assert_eq!(memory.received().len(), 2, "the re-run sent the recipient the provider never took");
}

#[test]
fn a_journal_that_fails_mid_run_stops_it_and_the_report_still_covers_everyone() {
    let s = Scratch::new();
    let p = plan(&s, &campaign(60, "Hi", "rate: 200/s, concurrency: 2"));
    let memory = Arc::new(Memory::new(|n, _| ok(n)));
    let mut j = journal(&s, "engine-test");
    // The claim of the 31st recipient fails, as a full disk would make it.
    let db = rusqlite::Connection::open(s.path().join(".herald/journal.db")).unwrap();
    db.execute_batch(
        "CREATE TRIGGER full_disk BEFORE INSERT ON pending WHEN NEW.recipient = '+254720000030'
         BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END;",
    )
    .unwrap();
    let outcome = send(&p, &options(&s), Some(&mut j), &memory);
    assert_eq!(outcome.report.exit_code, 2);
    let stop = outcome.report.run.stopped.unwrap();
    assert_eq!(stop.kind, StopKind::Journal);
    assert!(stop.message.contains("database or disk is full"), "{}", stop.message);
    let out = s.path().join("out");
    assert_eq!(results(&out).len(), 60, "every recipient is in the report");
    let sent = statuses(&out, "sent");
    assert_eq!(sent, memory.received().len(), "the report says sent exactly for those who got a request");
    let totals = j.totals("engine-test").unwrap();
    assert_eq!(totals.of(herald::journal::State::InFlight), 0, "claims that never left were released");
    assert_eq!(totals.of(herald::journal::State::Sent), sent);
    db.execute_batch("DROP TRIGGER full_disk").unwrap();
    send(&p, &options(&s), Some(&mut j), &memory);
    assert_eq!(statuses(&out, "sent"), 60);
    let mut to: Vec<String> = memory.received().iter().map(|r| r.json()["to"].as_str().unwrap().to_string()).collect();
    to.sort();
    to.dedup();
    assert_eq!((to.len(), memory.received().len()), (60, 60), "nobody twice");
}

#[test]
fn a_run_whose_rows_cannot_be_folded_in_is_stopped_and_its_sends_still_count() {
    let s = Scratch::new();
    let p = plan(&s, &campaign(40, "Hi", "rate: 400/s, concurrency: 4"));
    let memory = Arc::new(Memory::new(|n, _| ok(n)));
    let mut j = journal(&s, "engine-test");
    // Everything is sent and recorded in the run's log; folding it into the keyed rows fails.
    let db = rusqlite::Connection::open(s.path().join(".herald/journal.db")).unwrap();
    db.execute_batch(
        "CREATE TRIGGER full_disk BEFORE INSERT ON recipients BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END;",
    )
    .unwrap();
    let outcome = send(&p, &options(&s), Some(&mut j), &memory);
    assert_eq!(outcome.report.exit_code, 2);
    assert_eq!(outcome.report.run.stopped.unwrap().kind, StopKind::Journal);
    assert_eq!(statuses(&s.path().join("out"), "sent"), 40);
    assert_eq!(j.totals("engine-test").unwrap().of(herald::journal::State::Sent), 40, "the log still counts");
    db.execute_batch("DROP TRIGGER full_disk").unwrap();
    send(&p, &options(&s), Some(&mut j), &memory);
    assert_eq!(memory.received().len(), 40, "the same journal, reused, sends nobody twice");
    assert_eq!(statuses(&s.path().join("out"), "sent"), 40);
    drop(j);
    let reopened = journal(&s, "engine-test");
    assert_eq!(reopened.row("engine-test", "+254720000007").unwrap().unwrap().state, herald::journal::State::Sent);
}

#[test]
fn few_recipients_are_claimed_ahead_of_their_requests() {
    // Every request hangs: 8 workers hold 8 requests; the journal may claim at most two batches
    // (of 8 at 80/s with 8 workers) more, whatever happens.
    let s = Scratch::new();
    let p = plan(&s, &campaign(200, "Hi", "rate: 80/s, burst: 8, concurrency: 8, timeout: 60s"));
    let memory = Arc::new(Memory::new(|_, _| Reply::Hang(Duration::from_secs(2))));
    let claimed = claimed_once_out(&s, &p, &memory, 8);
    assert!((8..=8 + 2 * 8).contains(&claimed), "{claimed} claimed while 8 requests were out");
}

/// How many of `p`'s recipients are claimed (in flight in the journal) half a second after
/// `out` requests reached `memory`; the run is then cancelled (exit 130).
fn claimed_once_out(s: &Scratch, p: &Arc<Plan>, memory: &Arc<Memory>, out: usize) -> usize {
    let mut j = journal(s, "engine-test");
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let cancel = CancellationToken::new();
    let (m, c) = (memory.clone(), cancel.clone());
    let path = s.path().join(".herald/journal.db");
    let claimed = Arc::new(std::sync::Mutex::new(0));
    let seen = claimed.clone();
    rt.block_on(async {
        tokio::spawn(async move {
            while m.received().len() < out {
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
            let reader = Journal::open_read(&path).unwrap().unwrap();
            *seen.lock().unwrap() = reader.totals("engine-test").unwrap().of(herald::journal::State::InFlight);
            c.cancel();
        });
        let outcome = run::run(
            p.clone(),
            &options(s),
            Some(&mut j),
            memory.clone(),
            Secret::new(TOKEN).into(),
            cancel,
            &mut |_, _| {},
        )
        .await;
        assert_eq!(outcome.unwrap().report.exit_code, 130);
    });
    *claimed.lock().unwrap()
}

#[test]
fn claims_run_ahead_by_the_rate_not_by_the_concurrency() {
    // 16 workers at 20/s, every request hangs: beyond the requests out, the journal holds about
    // 100 ms of the rate in claims (two batches of one request), not a batch per worker.
    let s = Scratch::new();
    let p = plan(&s, &campaign(60, "Hi", "rate: 20/s, concurrency: 16, timeout: 60s"));
    let memory = Arc::new(Memory::new(|_, _| Reply::Hang(Duration::from_secs(2))));
    let mut j = journal(&s, "engine-test");
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let cancel = CancellationToken::new();
    let (m, c) = (memory.clone(), cancel.clone());
    let path = s.path().join(".herald/journal.db");
    let seen = Arc::new(std::sync::Mutex::new((0, 0)));
    let counts = seen.clone();
    rt.block_on(async {
        tokio::spawn(async move {
            while m.received().len() < 4 {
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
            // Claims made by now are at their most: later requests only lower what is unsent.
            tokio::time::sleep(Duration::from_millis(300)).await;
            let reader = Journal::open_read(&path).unwrap().unwrap();
            let claimed = reader.totals("engine-test").unwrap().of(herald::journal::State::InFlight);
            *counts.lock().unwrap() = (claimed, m.received().len());
            c.cancel();
        });
        let outcome = run::run(
            p.clone(),
            &options(&s),
            Some(&mut j),
            memory.clone(),
            Secret::new(TOKEN).into(),
            cancel,
            &mut |_, _| {},
        )
        .await;
        assert_eq!(outcome.unwrap().report.exit_code, 130);
    });
    let (claimed, out) = *seen.lock().unwrap();
    assert!(claimed <= out + 2, "{claimed} claimed while {out} requests were out");
}

/// A transport that holds the request to one recipient until told, and hands the rest to the
/// in-memory provider.
struct Holding {
    memory: Memory,
    hold: &'static str,
    arrived: tokio::sync::Notify,
    open: tokio::sync::Semaphore,
}

impl Transport for Holding {
    fn lanes(&self) -> usize {
        1
    }

    async fn send(&self, lane: usize, wire: &Wire, secret: &Secret) -> Attempt {
        if String::from_utf8_lossy(&wire.body).contains(self.hold) {
            self.arrived.notify_one();
            drop(self.open.acquire().await);
        }
        self.memory.send(lane, wire, secret).await
    }
}

#[test]
fn a_throttled_recipient_waits_released_and_is_claimed_again_when_due_unless_taken() {
    let s = Scratch::new();
    let p = plan(&s, &campaign(4, "Hi", "rate: 1000/s, burst: 10, concurrency: 1"));
    let mut j = journal(&s, "engine-test");
    // An earlier run sent the first, so the journal is looked up from now on.
    let first = Arc::new(Memory::new(|n, _| ok(n)));
    let limited = run::Options { limit: Some(1), ..options(&s) };
    send(&p, &limited, Some(&mut j), &first);
    let (a, c, b) = ("+254720000001", "+254720000002", "+254720000003");
    // Meta's pair rate limit: this recipient, not the account, must wait (a throughput 429 with
    // `Retry-After` would pause the whole campaign, B too).
    let throttled = Reply::Answer {
        status: 400,
        body: r#"{"error":{"message":"(#131056) (Business Account, Consumer Account) pair rate limit hit","code":131056}}"#
            .into(),
        retry_after: Some(Duration::from_secs(60)),
    };
    // A and C are throttled for a minute; B, sent next, is held while the test looks.
    let memory = Memory::new(move |n, _| if n < 2 { throttled.clone() } else { ok(n) });
    let transport = Arc::new(Holding {
        memory,
        hold: b,
        arrived: tokio::sync::Notify::new(),
        open: tokio::sync::Semaphore::new(0),
    });
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().start_paused(true).build().unwrap();
    let path = s.path().join(".herald/journal.db");
    let t = transport.clone();
    let started = rt.block_on(async { tokio::time::Instant::now() });
    let (outcome, waited) = rt.block_on(async {
        let looking = async {
            t.arrived.notified().await;
            let to: Vec<String> = t.memory.received().iter().map(|r| r.json()["to"].as_str().unwrap().into()).collect();
            assert_eq!(to, [a, c], "the throttled were retried before B went out: a worker waited for them");
            // Their claims are released while they wait (B's is the only one): a crash now
            // leaves them pending. The journal commits releases shortly; look until it has.
            let deadline = std::time::Instant::now() + Duration::from_secs(10);
            loop {
                let reader = Journal::open_read(&path).unwrap().unwrap();
                let in_flight = reader.totals("engine-test").unwrap().of(herald::journal::State::InFlight);
                if in_flight == 1 {
                    break;
                }
                assert!(std::time::Instant::now() < deadline, "{in_flight} in flight: the throttled claims were kept");
                tokio::task::yield_now().await;
            }
            // Meanwhile another runner sends C (as a runner sharing a PostgreSQL journal may).
            let db = rusqlite::Connection::open(&path).unwrap();
            db.busy_timeout(Duration::from_secs(10)).unwrap();
            db.execute(
                "INSERT INTO recipients (campaign, recipient, csv_line, state, request_hash, message_id, attempts,
                 first_sent_at, updated_at)
                 VALUES ((SELECT id FROM campaigns WHERE name = 'engine-test'), ?1, 4, 'sent', x'00', 'wamid.other', 1, 0, 0)",
                [c],
            )
            .unwrap();
            t.open.add_permits(1);
        };
        let (o, mut progress) = (options(&s), |_: &run::Tally, _: Duration| {});
        let running =
            run::run(p.clone(), &o, Some(&mut j), transport.clone(), Secret::new(TOKEN).into(), CancellationToken::new(), &mut progress);
        let (outcome, ()) = tokio::join!(running, looking);
        (outcome.unwrap(), started.elapsed())
    });
    assert_eq!(outcome.report.exit_code, 0);
    assert!(waited >= Duration::from_secs(60), "the retry came after {waited:?}");
    let to: Vec<String> = transport.memory.received().iter().map(|r| r.json()["to"].as_str().unwrap().into()).collect();
    assert_eq!(to, [a, c, b, a], "A was claimed again and sent; C, taken meanwhile, was not ours to send");
    let rows = results(&s.path().join("out"));
    assert_eq!(rows[a], ("sent".into(), String::new(), "2".into()));
    assert_eq!(rows[c].0, "sent", "C is reported as the journal has it");
    assert_eq!(rows[b].0, "sent");
    let totals = j.totals("engine-test").unwrap();
    assert_eq!((totals.of(herald::journal::State::Sent), totals.of(herald::journal::State::InFlight)), (4, 0));
}

both!(a_csv_of_groups_sends_once_to_each_group_and_a_rerun_to_none);
fn a_csv_of_groups_sends_once_to_each_group_and_a_rerun_to_none() {
    let s = Scratch::new();
    s.write(
        "groups.csv",
        "group_id,name\n120363025246125486@g.us,Runners\n,Nobody\n120363041122334455@g.us,Walkers\n120363025246125486@g.us,Runners again\n",
    );
    let yaml = "version: 1\nid: groups-test\nprovider:\n  kind: evolution\n  base_url: http://127.0.0.1:9\n  token_env: EVO\n  instance: shop\nrecipients:\n  csv: groups.csv\n  group_column: group_id\nmessage:\n  type: text\n  text: \"Hello {{ name }}\"\n";
    let p = plan(&s, yaml);
    let memory = Arc::new(Memory::new(|n, _| Reply::answer(201, format!(r#"{{"key":{{"id":"K{n}"}}}}"#))));
    let outcome = send(&p, &options(&s), Some(&mut journal(&s, "groups-test")), &memory);
    assert_eq!(outcome.report.exit_code, 0);
    let sent: Vec<(String, String)> = memory
        .received()
        .iter()
        .map(|r| (r.json()["number"].as_str().unwrap().to_string(), r.json()["text"].as_str().unwrap().to_string()))
        .collect();
    assert_eq!(
        sent,
        [
            ("120363025246125486@g.us".to_string(), "Hello Runners".to_string()),
            ("120363041122334455@g.us".to_string(), "Hello Walkers".to_string())
        ]
    );
    let rows = results(&s.path().join("out"));
    assert_eq!(rows.values().filter(|r| r.1 == "no_group").count(), 1, "{rows:?}");
    let csv = std::fs::read_to_string(s.path().join("out/results.csv")).unwrap();
    // The group's row and its repeat, in whichever order they finished.
    assert_eq!(csv.lines().filter(|l| l.starts_with("120363025246125486@g.us,2,sent,")).count(), 1, "{csv}");
    assert_eq!(csv.lines().filter(|l| l.starts_with("120363025246125486@g.us,5,skipped,")).count(), 1, "{csv}");
    let again = Arc::new(Memory::new(|n, _| Reply::answer(201, format!(r#"{{"key":{{"id":"K{n}"}}}}"#))));
    send(&p, &options(&s), Some(&mut journal(&s, "groups-test")), &again);
    assert_eq!(again.received().len(), 0, "a re-run sent to a group twice");
}

both!(a_missing_evolution_group_fails_that_group_only_and_a_rerun_goes_past_it);
fn a_missing_evolution_group_fails_that_group_only_and_a_rerun_goes_past_it() {
    let s = Scratch::new();
    s.write("groups.csv", "group_id,name\n120363000000000001@g.us,Gone\n120363000000000002@g.us,Walkers\n");
    let yaml = "version: 1\nid: groups-test\nprovider:\n  kind: evolution\n  base_url: http://127.0.0.1:9\n  token_env: EVO\n  instance: shop\nrecipients:\n  csv: groups.csv\n  group_column: group_id\nmessage:\n  type: text\n  text: \"Hello {{ name }}\"\ndelivery: { concurrency: 1, max_failure_rate: 100% }\n";
    let p = plan(&s, yaml);
    let answer = |_: usize, r: &herald::run::memory::Received| {
        if r.json()["number"] == "120363000000000001@g.us" {
            Reply::answer(404, r#"{"status":404,"error":"Not Found","response":{"message":["Group not found"]}}"#)
        } else {
            Reply::answer(201, r#"{"key":{"id":"K1"},"status":"PENDING"}"#)
        }
    };
    let memory = Arc::new(Memory::new(answer));
    let outcome = send(&p, &options(&s), Some(&mut journal(&s, "groups-test")), &memory);
    assert!(outcome.report.run.stopped.is_none(), "a missing group stopped the campaign");
    assert_eq!(memory.received().len(), 2);
    let rows = results(&s.path().join("out"));
    assert_eq!(rows["120363000000000001@g.us"], ("failed".into(), "group_not_found".into(), "1".into()));
    assert_eq!(rows["120363000000000002@g.us"].0, "sent");
    let again = Arc::new(Memory::new(answer));
    let rerun = send(&p, &options(&s), Some(&mut journal(&s, "groups-test")), &again);
    assert!(rerun.report.run.stopped.is_none());
    assert_eq!(again.received().len(), 0, "a re-run sent again");
}

#[test]
fn an_unknown_communiktor_instance_stops_the_campaign_at_once() {
    let s = Scratch::new();
    let list: Vec<String> = (0..30).map(|i| format!("\"+2547{:08}\"", 20_000_000 + i)).collect();
    let yaml = format!(
        "version: 1\nid: engine-test\nprovider:\n  kind: communiktor\n  base_url: http://127.0.0.1:9\n  token_env: KEY\n  instance: nope\nrecipients:\n  list: [{}]\nmessage:\n  type: text\n  text: Hi\ndelivery: {{ concurrency: 1 }}\n",
        list.join(", ")
    );
    let p = plan(&s, &yaml);
    let memory = Arc::new(Memory::new(|_, _| {
        Reply::answer(404, r#"{"message":"Instance not found","success":false,"code":404,"data":null}"#)
    }));
    let outcome = send(&p, &options(&s), None, &memory);
    assert_eq!(outcome.report.exit_code, 3);
    assert_eq!(memory.received().len(), 1, "kept sending to an instance that does not exist");
    let stop = outcome.report.run.stopped.unwrap();
    assert_eq!(stop.kind, StopKind::Provider);
    assert!(stop.message.contains("check `provider.instance`"), "{}", stop.message);
    let rows = results(&s.path().join("out"));
    assert!(rows.values().all(|r| r.0 == "skipped" && r.1 == "not_sent"), "{rows:?}");
}

#[test]
fn answers_without_a_code_of_their_own_are_grouped_by_http_status() {
    let s = Scratch::new();
    let yaml = "version: 1\nid: engine-test\nprovider:\n  kind: whautochat\n  base_url: http://127.0.0.1:9\n  token_env: KEY\n  workspace_id: w\nrecipients:\n  list: [\"+254720000001\", \"+254720000002\"]\nmessage:\n  type: text\n  text: Hi\ndelivery: { max_attempts: 2, concurrency: 1, max_failure_rate: 100% }\n";
    let p = plan(&s, yaml);
    // WhautoChat documents no error codes: its 429 and 400 answers carry none.
    let memory = Arc::new(Memory::new(|_, r| {
        if r.json()["recepient"]["phoneNumber"] == "+254720000001" {
            Reply::answer(429, r#"{"id":"","status":"error","error":"Rate limit exceeded: 100 requests per minute"}"#)
        } else {
            Reply::answer(400, r#"{"id":"","status":"error","error":"mediaUrl is required"}"#)
        }
    }));
    let outcome = send(&p, &options(&s), None, &memory);
    let rows = results(&s.path().join("out"));
    assert_eq!(rows["+254720000001"], ("failed".into(), "http_429".into(), "2".into()));
    assert_eq!(rows["+254720000002"], ("failed".into(), "http_400".into(), "1".into()));
    let text = herald::report::summary_text(&outcome.report);
    assert!(text.contains("  failed http_429 ×1: gave up after 2 attempts: Rate limit exceeded"), "{text}");
    assert!(!text.contains("unknown_error"), "{text}");
}

#[test]
fn a_csv_of_whautochat_contacts_is_sent_by_contact_id() {
    let s = Scratch::new();
    s.write("contacts.csv", "contact_id,name\nc-17,Ann\n,Nobody\nc-18,Bo\n");
    let yaml = "version: 1\nid: contacts-test\nprovider:\n  kind: whautochat\n  base_url: http://127.0.0.1:9\n  token_env: WC\n  workspace_id: ws-1\nrecipients:\n  csv: contacts.csv\n  contact_column: contact_id\nmessage:\n  type: text\n  text: \"Hi {{ name }}\"\n";
    let p = plan(&s, yaml);
    let memory = Arc::new(Memory::new(|n, _| Reply::answer(200, format!(r#"{{"id":"w{n}","status":"queued"}}"#))));
    let outcome = send(&p, &options(&s), Some(&mut journal(&s, "contacts-test")), &memory);
    assert_eq!(outcome.report.exit_code, 0);
    let bodies: Vec<serde_json::Value> = memory.received().iter().map(|r| r.json()).collect();
    assert_eq!(bodies.len(), 2);
    assert_eq!(bodies[0]["contact"], serde_json::json!({ "id": "c-17" }));
    assert_eq!(bodies[0].get("recepient"), None);
    assert_eq!(bodies[1]["textMessage"], "Hi Bo");
    let rows = results(&s.path().join("out"));
    assert_eq!(rows["c-17"].0, "sent");
    assert_eq!(rows.values().filter(|r| r.1 == "no_contact").count(), 1, "{rows:?}");
}

/// A campaign to two Kenyan numbers and one in New York, with a 09:00–20:00 weekday window on
/// each recipient's clock.
fn windowed() -> String {
    "version: 1\nid: engine-test\nprovider:\n  kind: cloud_api\n  base_url: http://127.0.0.1:9\n  token_env: WA_TOKEN\n  phone_number_id: \"42\"\nrecipients:\n  list: [\"+254720000001\", \"+254720000002\", \"+12025550123\"]\nmessage:\n  type: text\n  text: \"Hi\"\nschedule:\n  window: { start: \"09:00\", end: \"20:00\", days: [mon, tue, wed, thu, fri], fallback_timezone: America/New_York }\n"
        .to_string()
}

fn at(clock: &str) -> run::Options {
    let s = Scratch::new();
    run::Options { window: Some(herald::window::Clock::fixed(clock.parse().unwrap())), ..options(&s) }
}

both!(recipients_outside_their_window_are_held_and_sent_by_a_later_run_once);
fn recipients_outside_their_window_are_held_and_sent_by_a_later_run_once() {
    let s = Scratch::new();
    let p = plan(&s, &windowed());
    let memory = Arc::new(Memory::new(|n, _| ok(n)));
    // Monday 22:00 in Nairobi is 14:00 in New York.
    let evening = run::Options { report_dir: Some(s.path().join("out")), ..at("2026-11-30T22:00:00+03:00") };
    let outcome = send(&p, &evening, Some(&mut journal(&s, "engine-test")), &memory);
    assert_eq!(outcome.report.exit_code, herald::exit::WAITING);
    assert_eq!(memory.received().len(), 1, "only New York is inside its window");
    assert_eq!(memory.received()[0].json()["to"], "+12025550123");
    assert_eq!(outcome.report.run.held_until, Some("2026-12-01T06:00:00Z".parse().unwrap()), "09:00 in Nairobi");
    let rows = results(&s.path().join("out"));
    assert_eq!(rows["+254720000001"].0, "skipped");
    assert_eq!(rows["+254720000001"].1, "held");
    let csv = std::fs::read_to_string(s.path().join("out/results.csv")).unwrap();
    assert!(csv.contains("outside their sending window until 2026-12-01 09:00 EAT (Africa/Nairobi)"), "{csv}");
    // Nothing of them is in the journal, so the next run sends to them.
    assert_eq!(journal(&s, "engine-test").totals("engine-test").unwrap().rows(), 1);
    // Tuesday 10:00 in Nairobi (02:00 in New York, where the recipient already has it).
    let morning = run::Options { report_dir: Some(s.path().join("out")), ..at("2026-12-01T10:00:00+03:00") };
    let outcome = send(&p, &morning, Some(&mut journal(&s, "engine-test")), &memory);
    assert_eq!(outcome.report.exit_code, 0);
    let mut to: Vec<String> = memory.received().iter().map(|r| r.json()["to"].as_str().unwrap().to_string()).collect();
    to.sort();
    assert_eq!(to, ["+12025550123", "+254720000001", "+254720000002"], "everyone once");
    assert_eq!(statuses(&s.path().join("out"), "sent"), 3);
}

#[test]
fn ignoring_the_window_sends_to_everyone_now() {
    let s = Scratch::new();
    let p = plan(&s, &windowed());
    let memory = Arc::new(Memory::new(|n, _| ok(n)));
    let urgent = run::Options { window: None, ..options(&s) };
    let outcome = send(&p, &urgent, Some(&mut journal(&s, "engine-test")), &memory);
    assert_eq!((outcome.report.exit_code, memory.received().len()), (0, 3));
}

both!(a_weekend_holds_everyone_and_a_dry_run_says_so_without_claiming);
fn a_weekend_holds_everyone_and_a_dry_run_says_so_without_claiming() {
    let s = Scratch::new();
    let p = plan(&s, &windowed());
    let memory = Arc::new(Memory::new(|n, _| ok(n)));
    let saturday =
        run::Options { mode: Mode::DryRun, report_dir: Some(s.path().join("out")), ..at("2026-12-05T12:00:00Z") };
    let outcome = send(&p, &saturday, Some(&mut journal(&s, "engine-test")), &memory);
    assert_eq!(outcome.report.exit_code, herald::exit::WAITING);
    assert!(memory.received().is_empty());
    assert_eq!(outcome.report.summary.skipped_with(&herald::results::Code::Held), 3);
    assert_eq!(outcome.report.run.held_until, Some("2026-12-07T06:00:00Z".parse().unwrap()), "Monday 09:00 in Nairobi");
}

both!(a_canary_sends_its_seeds_first_then_its_count_and_records_the_run_as_the_canary);
fn a_canary_sends_its_seeds_first_then_its_count_and_records_the_run_as_the_canary() {
    let s = Scratch::new();
    // One worker: with more, the seed's request and the next ones leave side by side.
    let delivery = "rate: 1000/s, concurrency: 1, canary: { count: 3, to: [\"+254799000001\"] }";
    let yaml = campaign(8, "Hello {{ recipient }}", delivery);
    let p = plan(&s, &yaml);
    let memory = Arc::new(Memory::new(|n, _| ok(n)));
    let canary = run::Options { canary: true, ..options(&s) };
    let outcome = send(&p, &canary, Some(&mut journal(&s, "engine-test")), &memory);
    assert_eq!(outcome.report.exit_code, herald::exit::WAITING, "a clean canary pauses for --continue");
    let to: Vec<String> = memory.received().iter().map(|r| r.json()["to"].as_str().unwrap().to_string()).collect();
    assert_eq!(to.len(), 4, "{to:?}");
    assert_eq!(to[0], "+254799000001", "the seed goes first");
    assert_eq!(memory.received()[0].json()["text"]["body"], "Hello +254799000001");
    let rows = results(&s.path().join("out"));
    assert_eq!(rows.values().filter(|r| r.0 == "skipped" && r.1 == "pending").count(), 5);
    let runs = journal(&s, "engine-test").runs("engine-test").unwrap();
    assert_eq!(runs[0].mode, run::CANARY);
    // The rest, later: nobody twice, the seed not again.
    let outcome = send(&p, &options(&s), Some(&mut journal(&s, "engine-test")), &memory);
    assert_eq!(outcome.report.exit_code, 0);
    let mut to: Vec<String> = memory.received().iter().map(|r| r.json()["to"].as_str().unwrap().to_string()).collect();
    to.sort();
    to.dedup();
    assert_eq!((to.len(), memory.received().len()), (9, 9), "eight recipients and the seed, once each");
}

#[test]
fn the_daily_cap_counts_the_senders_last_24_hours_across_campaigns() {
    let s = Scratch::new();
    let p = plan(&s, &campaign(8, "Hi", "rate: 1000/s, daily_cap: 5"));
    let memory = Arc::new(Memory::new(|n, _| ok(n)));
    let outcome = send(&p, &options(&s), Some(&mut journal(&s, "engine-test")), &memory);
    assert_eq!(outcome.report.exit_code, herald::exit::WAITING);
    assert_eq!(memory.received().len(), 5);
    let rows = results(&s.path().join("out"));
    assert_eq!(rows.values().filter(|r| r.1 == "daily_cap").count(), 3);
    let csv = std::fs::read_to_string(s.path().join("out/results.csv")).unwrap();
    assert!(csv.contains("this sender's daily cap of 5 messages is reached; more may go from"), "{csv}");
    // Another campaign from the same account shares the cap; one from another account does not.
    let same = campaign(3, "Hi", "rate: 1000/s, daily_cap: 5").replace("id: engine-test", "id: other");
    let other = plan(&s, &same);
    let outcome = send(&other, &options(&s), Some(&mut journal(&s, "other")), &memory);
    assert_eq!((outcome.report.exit_code, memory.received().len()), (herald::exit::WAITING, 5));
    let elsewhere = same.replace("id: other", "id: elsewhere").replace("\"42\"", "\"43\"");
    let elsewhere = plan(&s, &elsewhere);
    let outcome = send(&elsewhere, &options(&s), Some(&mut journal(&s, "elsewhere")), &memory);
    assert_eq!((outcome.report.exit_code, memory.received().len()), (0, 8));
    // A day later the first five no longer count: the rest go, nobody twice.
    let db = rusqlite::Connection::open(s.path().join(".herald/journal.db")).unwrap();
    let day_ago = jiff::Timestamp::now().as_millisecond() - 25 * 3_600_000;
    db.execute("UPDATE recipients SET first_sent_at = ?1", [day_ago]).unwrap();
    let outcome = send(&p, &options(&s), Some(&mut journal(&s, "engine-test")), &memory);
    assert_eq!(outcome.report.exit_code, 0);
    let mut to: Vec<String> = memory.received().iter().map(|r| r.json()["to"].as_str().unwrap().to_string()).collect();
    to.sort();
    let all = to.len();
    to.dedup();
    assert_eq!((all, to.len()), (11, 8), "engine-test's eight once, and elsewhere's three (the same numbers)");
}

both!(a_recipient_suppressed_after_it_was_sent_is_reported_once_as_sent);
fn a_recipient_suppressed_after_it_was_sent_is_reported_once_as_sent() {
    let s = Scratch::new();
    let yaml = campaign(4, "Hi", "rate: 1000/s, concurrency: 1");
    let memory = Arc::new(Memory::new(|n, _| ok(n)));
    let first = run::Options { limit: Some(3), ..options(&s) };
    send(&plan(&s, &yaml), &first, Some(&mut journal(&s, "engine-test")), &memory);
    // A number sent already joins the campaign's suppression list.
    s.write("optout.txt", "+254720000000\n");
    let p = plan(&s, &yaml.replace("recipients:\n", "recipients:\n  suppress: [optout.txt]\n"));
    let again = run::Options { report_dir: Some(s.path().join("again")), ..options(&s) };
    let outcome = send(&p, &again, Some(&mut journal(&s, "engine-test")), &memory);
    assert_eq!(outcome.report.exit_code, 0);
    assert_eq!(memory.received().len(), 4);
    let rows = csv::Reader::from_path(s.path().join("again/results.csv")).unwrap().records().count();
    assert_eq!(rows, 4, "one row per recipient");
    assert_eq!(results(&s.path().join("again"))["+254720000000"].0, "sent", "the journal's state wins");
}

both!(a_suppressed_number_listed_twice_is_counted_once_and_its_repeat_is_a_duplicate);
fn a_suppressed_number_listed_twice_is_counted_once_and_its_repeat_is_a_duplicate() {
    let s = Scratch::new();
    let twice = |yaml: String| yaml.replace("list: [", "list: [\"+254720000000\", ");
    let yaml = twice(campaign(4, "Hi", "rate: 1000/s, concurrency: 1"));
    let memory = Arc::new(Memory::new(|n, _| ok(n)));
    let mut j = journal(&s, "engine-test");
    send(&plan(&s, &yaml), &options(&s), Some(&mut j), &memory);
    assert_eq!(memory.received().len(), 4);
    // The number sent joins the suppression list; the campaign still lists it twice.
    s.write("optout.txt", "+254720000000\n");
    let p = plan(&s, &yaml.replace("recipients:\n", "recipients:\n  suppress: [optout.txt]\n"));
    let seen = run::inspect(&p, &mut j, Policy::default(), false).unwrap();
    assert_eq!((seen.selection.sent, seen.selection.to_send, seen.skipped), (4, 0, 1), "{seen:?}");
    let again = run::Options { report_dir: Some(s.path().join("again")), ..options(&s) };
    let outcome = send(&p, &again, Some(&mut j), &memory);
    assert_eq!(outcome.report.exit_code, 0);
    assert_eq!(memory.received().len(), 4);
    let mut r = csv::Reader::from_path(s.path().join("again/results.csv")).unwrap();
    let mut rows: Vec<(String, String, String)> =
        r.records().map(Result::unwrap).map(|r| (r[0].to_string(), r[2].to_string(), r[5].to_string())).collect();
    rows.retain(|(to, _, _)| to == "+254720000000");
    rows.sort();
    let want = [("+254720000000", "sent", ""), ("+254720000000", "skipped", "duplicate")];
    let want: Vec<(String, String, String)> =
        want.iter().map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string())).collect();
    assert_eq!(rows, want);
}

both!(a_refusal_after_an_unanswered_attempt_ends_unknown_not_failed_nor_released);
fn a_refusal_after_an_unanswered_attempt_ends_unknown_not_failed_nor_released() {
    // A 500 (the provider may have the message), then a refusal on the retry: the first attempt
    // may have delivered it, so `--retry-failed` must not send it again.
    let yaml = campaign(1, "Hi", "max_attempts: 3, retry_ambiguous: true, max_failure_rate: 100%");
    let s = Scratch::new();
    let p = plan(&s, &yaml);
    let memory = Arc::new(Memory::new(|n, _| if n == 0 { Reply::answer(500, "") } else { meta_error(400, 131026) }));
    let mut j = journal(&s, "engine-test");
    let outcome = send(&p, &options(&s), Some(&mut j), &memory);
    assert_eq!(memory.received().len(), 2);
    let row = results(&s.path().join("out")).values().next().unwrap().clone();
    assert_eq!((row.0.as_str(), row.2.as_str()), ("unknown", "2"), "{row:?}");
    let text = herald::report::summary_text(&outcome.report);
    assert!(text.contains("an earlier attempt may have delivered it"), "{text}");
    let mut o = options(&s);
    o.policy = Policy { retry_failed: true, retry_unknown: false, ..Policy::default() };
    send(&p, &o, Some(&mut j), &memory);
    assert_eq!(memory.received().len(), 2, "--retry-failed resent a message that may have gone out");

    // The same with a campaign-wide refusal on the retry: the run stops, but the recipient is
    // not released for the next run to send again. (A campaign of its own: on PostgreSQL the
    // test's journal is one database.)
    let s = Scratch::new();
    let p = plan(&s, &yaml.replace("id: engine-test", "id: engine-stop"));
    let memory = Arc::new(Memory::new(|n, _| match n {
        0 => Reply::answer(500, ""),
        1 => meta_error(401, 190),
        _ => ok(n),
    }));
    let mut j = journal(&s, "engine-stop");
    let outcome = send(&p, &options(&s), Some(&mut j), &memory);
    assert_eq!((outcome.report.exit_code, memory.received().len()), (3, 2));
    assert_eq!(results(&s.path().join("out")).values().next().unwrap().0, "unknown");
    send(&p, &options(&s), Some(&mut j), &memory);
    assert_eq!(memory.received().len(), 2, "a plain re-run resent a message that may have gone out");
}

/// A provider that keeps `lanes` lanes apart and notes, for each request, the lane the engine
/// said it came from and the thread it really ran on.
struct Laned {
    lanes: usize,
    seen: std::sync::Mutex<Vec<(usize, Option<String>)>>,
}

impl Transport for Laned {
    fn lanes(&self) -> usize {
        self.lanes
    }

    async fn send(&self, lane: usize, _: &Wire, _: &Secret) -> Attempt {
        let thread = std::thread::current().name().map(str::to_string);
        self.seen.lock().unwrap().push((lane, thread));
        // Slow enough that every worker gets a request.
        tokio::time::sleep(Duration::from_millis(5)).await;
        let body = r#"{"messaging_product":"whatsapp","contacts":[],"messages":[{"id":"wamid.1"}]}"#;
        Attempt::Answered { status: 200, retry_after: None, body: body.into() }
    }
}

#[test]
fn the_engine_runs_exactly_the_lanes_the_transport_keeps_whatever_the_cores() {
    // One lane fewer and one more than the machine's cores would give, whatever they are.
    for lanes in [1, herald::run::lanes::most() + 1] {
        let s = Scratch::new();
        let p = plan(&s, &campaign(64, "Hi", "rate: 100000/s, concurrency: 8"));
        let transport = Arc::new(Laned { lanes, seen: std::sync::Mutex::new(Vec::new()) });
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        let (o, cancel) = (options(&s), CancellationToken::new());
        let outcome = rt
            .block_on(run::run(p, &o, None, transport.clone(), Secret::new(TOKEN).into(), cancel, &mut |_, _| {}))
            .unwrap();
        assert_eq!(outcome.tally.sent, 64);
        let seen = transport.seen.lock().unwrap();
        let used: std::collections::BTreeSet<usize> = seen.iter().map(|(lane, _)| *lane).collect();
        assert_eq!(used, (0..lanes).collect(), "the transport keeps {lanes} lanes");
        // Each lane is its own thread: lane 0 the caller's, lane k `herald-lane-k`.
        for (lane, thread) in seen.iter() {
            let expected = (*lane > 0).then(|| format!("herald-lane-{lane}"));
            assert_eq!(thread.as_deref().filter(|t| t.starts_with("herald-lane-")), expected.as_deref());
        }
    }
}

#[test]
fn with_jitter_a_sender_pauses_between_messages_one_at_a_time() {
    let s = Scratch::new();
    let p = plan(&s, &campaign(5, "Hi", "rate: 1000/s, concurrency: 4, jitter: 50ms..80ms"));
    let memory = Arc::new(Memory::new(|n, _| ok(n)));
    let outcome = send(&p, &options(&s), None, &memory);
    assert_eq!(outcome.report.exit_code, 0);
    let at: Vec<Duration> = memory.received().iter().map(|r| r.at).collect();
    assert_eq!(at.len(), 5);
    // Four workers and 1000/s would send all five at once; the pauses space them out.
    for pair in at.windows(2) {
        assert!(pair[1] - pair[0] >= Duration::from_millis(50), "{at:?}");
    }
}

#[test]
fn with_jitter_one_worker_sends_so_few_wait_claimed_behind_the_pause() {
    // After the first message everyone waits out a 10 s pause: 64 workers would each hold a
    // claimed recipient meanwhile (all `unknown` after a kill); one sender sends one at a time.
    let s = Scratch::new();
    let p = plan(&s, &campaign(200, "Hi", "rate: 80/s, concurrency: 64, jitter: 10s"));
    let memory = Arc::new(Memory::new(|n, _| ok(n)));
    let claimed = claimed_once_out(&s, &p, &memory, 1);
    assert_eq!(memory.received().len(), 1);
    assert!(claimed <= 4, "{claimed} claimed while one message waits out its pause");
}
