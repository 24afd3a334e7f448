//! `schedule.send_at` in a session: `mode: local` waits for the time by the session's clock
//! (a countdown, then the pass); a provider that schedules gets the time in every request and
//! herald sends at once; `--now` sends at once without it, also once the time has passed.

use super::*;
use herald::plan::ScheduleCheck;
use jiff::{SignedDuration, Timestamp};
use std::time::Duration;

/// A Communiktor text campaign to `n` recipients, scheduled by `schedule`.
fn campaign(n: usize, schedule: &str) -> String {
    let list: Vec<String> = (0..n).map(|i| format!("\"+2547{:08}\"", 10_000_000 + i)).collect();
    format!(
        "version: 1\nid: schedule-test\nprovider:\n  kind: communiktor\n  base_url: http://127.0.0.1:9\n  token_env: CK_TOKEN\n  instance: shop\nrecipients:\n  list: [{}]\nmessage:\n  type: text\n  text: \"Hello\"\nschedule: {schedule}\ndelivery: {{ rate: 100/s }}\n",
        list.join(", ")
    )
}

/// Communiktor's success answer.
fn ck_ok(n: usize) -> Reply {
    Reply::answer(200, format!(r#"{{"message":"Message sent","success":true,"code":200,"data":{{"id":"m{n}"}}}}"#))
}

/// Monday 30 November 2026, 19:00 UTC.
fn start() -> Timestamp {
    "2026-11-30T19:00:00Z".parse().unwrap()
}

/// `hours` after [`start`], as the campaign writes it and the provider gets it.
fn ahead(hours: i64) -> String {
    (start() + SignedDuration::from_hours(hours)).strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// The `sendsAt` of request `i`.
fn sends_at(memory: &Memory, i: usize) -> serde_json::Value {
    memory.received()[i].json().get("sendsAt").cloned().unwrap_or_default()
}

#[test]
fn local_mode_counts_down_to_send_at_by_the_clock_then_sends() {
    let s = Scratch::new();
    let yaml = campaign(2, &format!("{{ send_at: \"{}\", mode: local }}", ahead(2)));
    let plan = plan_at(&s, &yaml, start());
    let memory = Arc::new(Memory::new(|n, _| ck_ok(n)));
    let clock = Clock::manual(start());
    let ran = session(&plan, options(&s), &memory, &clock);
    assert_eq!(ran.ended(), &Outcome::Ran { code: 0 });
    let slept = clock.slept();
    assert_eq!((slept.len(), slept.iter().sum::<Duration>()), (7200, Duration::from_secs(7200)), "a tick a second");
    assert_eq!(clock.now(), start() + SignedDuration::from_hours(2));
    let at = ran.events.iter().position(|e| e == "countdown over").expect("the countdown ended");
    assert_eq!(ran.events[at + 1], "pass of 2", "sent after the wait: {:?}", ran.events);
    assert_eq!(memory.received().len(), 2);
    assert_eq!(sends_at(&memory, 0), serde_json::Value::Null, "herald waited; the provider is not asked to");
}

#[test]
fn the_provider_holds_the_messages_and_rescheduling_is_not_a_change() {
    let s = Scratch::new();
    let memory = Arc::new(Memory::new(|n, _| ck_ok(n)));
    let clock = Clock::manual(start());
    let one = session::Options { limit: Some(1), ..options(&s) };
    let first = ahead(48);
    let plan = plan_at(&s, &campaign(3, &format!("{{ send_at: \"{first}\" }}")), start());
    let ran = session(&plan, one.clone(), &memory, &clock);
    assert_eq!(ran.ended(), &Outcome::Ran { code: 0 });
    assert!(ran.told("each request asks Communiktor to deliver at"), "{:?}", ran.events);
    assert!(!ran.told("waiting until") && !ran.told("countdown"), "herald must not wait: {:?}", ran.events);
    assert!(clock.slept().is_empty());
    assert_eq!((memory.received().len(), sends_at(&memory, 0)), (1, first.as_str().into()));
    // Moved by a day: the message says the same, so the rest go without --allow-changed, at
    // the new time.
    let second = ahead(72);
    let plan = plan_at(&s, &campaign(3, &format!("{{ send_at: \"{second}\" }}")), start());
    assert_eq!(status(&plan, &s.path().join("journal.db")).1["changed"], false);
    assert_eq!(session(&plan, one, &memory, &clock).ended(), &Outcome::Ran { code: 0 });
    assert_eq!(sends_at(&memory, 1), second.as_str());
    // --now sends the last one at once: no time in the request, and still no change.
    let now = session::Options { now: true, ..options(&s) };
    let ran = session(&now_plan(&s, &campaign(3, &format!("{{ send_at: \"{second}\" }}"))), now, &memory, &clock);
    assert_eq!(ran.ended(), &Outcome::Ran { code: 0 });
    assert!(ran.told("without asking Communiktor to wait (--now)"), "{:?}", ran.events);
    assert_eq!((memory.received().len(), sends_at(&memory, 2)), (3, serde_json::Value::Null));
}

#[test]
fn a_time_that_has_passed_is_sent_now_with_now_saying_so() {
    let s = Scratch::new();
    let plan = now_plan(&s, &campaign(1, "{ send_at: \"2026-01-01T09:00:00+03:00\" }"));
    let memory = Arc::new(Memory::new(|n, _| ck_ok(n)));
    let now = session::Options { now: true, ..options(&s) };
    let ran = session(&plan, now, &memory, &Clock::manual(start()));
    assert_eq!(ran.ended(), &Outcome::Ran { code: 0 });
    assert!(
        ran.told("note: schedule.send_at (2026-01-01 06:00 UTC) has passed; sending now (--now)"),
        "{:?}",
        ran.events
    );
    assert_eq!((memory.received().len(), sends_at(&memory, 0)), (1, serde_json::Value::Null));
}

/// `yaml` validated as `herald send --now` does: the schedule not checked nor put in requests.
fn now_plan(s: &Scratch, yaml: &str) -> Arc<Plan> {
    let path = s.write("c.yaml", yaml);
    let options = PlanOptions { token: TokenCheck::Skip, schedule: ScheduleCheck::Skip, ..PlanOptions::default() };
    Arc::new(plan::load(&path, options).plan.expect("a valid campaign"))
}
