//! The send session as a library call: `herald::session` in-process against the in-memory
//! provider, with a real journal in a temporary folder. The canary's pause, its refusal until
//! `--continue` and the rest after it, with the events a caller is told, without the binary.

use super::*;
use crate::engine::plan;
use herald::session::{CanaryEnd, Session};

/// Twelve listed recipients and a canary of three plus one seed; every send is `reply`.
fn campaign() -> String {
    let list: Vec<String> = (0..12).map(|i| format!("\"+2547{:08}\"", 40_000_000 + i)).collect();
    format!(
        "version: 1\nid: session-test\nprovider:\n  kind: cloud_api\n  base_url: http://127.0.0.1:9\n  token_env: WA_TOKEN\n  phone_number_id: \"42\"\nrecipients:\n  list: [{}]\nmessage:\n  type: text\n  text: \"Hi\"\ndelivery: {{ rate: 500/s, canary: {{ count: 3, to: [\"+254799000001\"] }} }}\n",
        list.join(", ")
    )
}

fn options(s: &Scratch, continue_: bool) -> herald::session::Options {
    session::Options {
        file: "c.yaml".into(),
        confirmed: true,
        continue_,
        journal: Some(s.path().join("journal.db")),
        report: Some(s.path().join("out")),
        ..session::Options::default()
    }
}

/// What a caller is told: each event's line, or its name for those drawn otherwise.
fn told(e: &Event<'_>) -> String {
    match e {
        Event::PassStarting(n) => format!("pass of {n}"),
        Event::Passed { outcome, .. } => format!("passed, exit {}", outcome.report.exit_code),
        Event::JournalCreated(_) => "journal created".into(),
        Event::PassOver => "pass over".into(),
        other => other.line().unwrap_or_else(|| format!("{other:?}")),
    }
}

/// Runs a session to its end on a runtime of its own; returns how it ended and what it told.
fn session(s: &Scratch, continue_: bool, memory: &Arc<Memory>) -> (Result<Outcome, SessionError>, Vec<String>) {
    let plan = plan(s, &campaign());
    let deps = Deps {
        transport: memory.clone(),
        tokens: Secret::new(TOKEN).into(),
        clock: herald::window::Clock::system(),
        cancel: CancellationToken::new(),
    };
    let mut events = Vec::new();
    let on_event = |e: Event<'_>| {
        if !matches!(e, Event::Progress(..)) {
            events.push(told(&e));
        }
        Ok(())
    };
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let outcome = rt.block_on(session::run(plan, options(s, continue_), deps, on_event));
    (outcome, events)
}

#[test]
fn the_canary_pauses_with_exit_75_refuses_a_rerun_and_continue_sends_the_rest_once() {
    let s = Scratch::new();
    let memory = Arc::new(Memory::new(|n, _| ok(n)));
    let (outcome, events) = session(&s, false, &memory);
    let outcome = outcome.unwrap();
    assert_eq!(outcome, Outcome::Canary(CanaryEnd::Paused { seeds: 1, count: 3 }));
    assert_eq!(outcome.exit_code(), 75);
    assert_eq!(memory.received().len(), 4, "the seed and three recipients");
    assert_eq!(
        events,
        [
            "journal created",
            "pass of 4",
            "pass over",
            "passed, exit 75",
            "canary sent (1 seed, up to 3 of the audience): check the messages, then `herald send c.yaml --continue` sends to the rest (exit 75: done for now, recipients waiting)",
        ]
    );

    // A re-run without --continue is refused before it opens a pass, with exit 75.
    let plan = plan(&s, &campaign());
    let refused = Session::open(plan, options(&s, false), &mut |_| Ok(()));
    let Err(e) = refused else { panic!("a session while the canary waits for --continue") };
    assert!(matches!(e, SessionError::CanaryDone { failed: false, .. }), "{e:?}");
    assert_eq!(e.exit_code(), 75);
    assert_eq!(memory.received().len(), 4);

    // --continue sends to the other nine; nobody gets two.
    let (outcome, events) = session(&s, true, &memory);
    assert_eq!(outcome.unwrap(), Outcome::Ran { code: 0 });
    assert!(events[0].starts_with("journal "), "what the journal says first: {events:?}");
    assert_eq!(events[1..], ["pass of 9", "pass over", "passed, exit 0"]);
    let mut to: Vec<String> = memory.received().iter().map(|r| r.json()["to"].to_string()).collect();
    to.sort();
    to.dedup();
    assert_eq!((memory.received().len(), to.len()), (13, 13));
}

/// Twelve listed recipients (as `tests/canary.rs` has them) and `canary`; sends are `reply`.
fn twelve(canary: &str) -> String {
    let list: Vec<String> = (0..12).map(|i| format!("\"+2547{:08}\"", 30_000_000 + i)).collect();
    format!(
        "version: 1\nid: canary-test\nprovider:\n  kind: cloud_api\n  base_url: http://127.0.0.1:9\n  token_env: WA_TOKEN\n  phone_number_id: \"42\"\nrecipients:\n  list: [{}]\nmessage:\n  type: text\n  text: \"Hi\"\ndelivery: {{ rate: 200/s, max_failure_rate: 50%, canary: {canary} }}\n",
        list.join(", ")
    )
}

/// Runs `canary`'s campaign in `s` with `o`, by the system clock.
fn canary_session(s: &Scratch, canary: &str, o: session::Options, memory: &Arc<Memory>) -> Ran {
    super::session(&plan(s, &twelve(canary)), o, memory, &herald::window::Clock::system())
}

#[test]
fn once_continued_a_plain_rerun_is_an_ordinary_one_and_a_finished_campaign_is_done() {
    let s = Scratch::new();
    let memory = Arc::new(Memory::new(|n, _| ok(n)));
    let run = |o: session::Options| canary_session(&s, "{ count: 3 }", o, &memory);
    assert_eq!(run(options(&s, false)).ended().exit_code(), 75);
    // Gone on with, part of the way: the canary was checked, a plain re-run sends the rest.
    let ran = run(session::Options { limit: Some(4), ..options(&s, true) });
    assert_eq!(ran.ended(), &Outcome::Ran { code: 0 });
    let journal = s.path().join("journal.db");
    let status_text = |s: &Scratch| super::status(&plan(s, &twelve("{ count: 3 }")), &journal);
    assert!(status_text(&s).0.contains("a re-run would send to 5 recipients"), "{}", status_text(&s).0);
    assert_eq!(run(options(&s, false)).ended(), &Outcome::Ran { code: 0 });
    assert_eq!(memory.received().len(), 12, "everyone once");
    // Finished: a plain re-run is an up-to-date one, and status agrees.
    let ran = run(options(&s, false));
    assert_eq!(ran.ended(), &Outcome::Ran { code: 0 });
    assert!(!ran.told("--continue"), "{:?}", ran.events);
    assert!(ran.summaries[0].contains("this run sent nothing: the journal has everyone sent"), "{}", ran.summaries[0]);
    assert_eq!(memory.received().len(), 12);
    let (text, json) = status_text(&s);
    assert!(text.contains("a re-run would send to 0 recipients") && !text.contains("--continue"), "{text}");
    assert_eq!((&json["needs_continue"], &json["rerun_would_send"]), (&false.into(), &0.into()), "{json:#}");
}

#[test]
fn a_canary_that_reached_everyone_leaves_nothing_to_continue() {
    let s = Scratch::new();
    let memory = Arc::new(Memory::new(|n, _| ok(n)));
    let first = canary_session(&s, "{ count: 20 }", options(&s, false), &memory);
    assert!(matches!(first.ended().exit_code(), 0 | 75), "{:?}", first.events);
    assert_eq!(memory.received().len(), 12);
    let ran = canary_session(&s, "{ count: 20 }", options(&s, false), &memory);
    assert_eq!(ran.ended(), &Outcome::Ran { code: 0 });
    assert!(!ran.told("--continue"), "{:?}", ran.events);
    let json = super::status(&plan(&s, &twelve("{ count: 20 }")), &s.path().join("journal.db")).1;
    assert_eq!(json["needs_continue"], false, "{json:#}");
}

#[test]
fn a_paused_canary_tells_what_a_continued_run_will_do_only_once_it_is_going_ahead() {
    let s = Scratch::new();
    let memory = Arc::new(Memory::new(|n, _| ok(n)));
    let ran = canary_session(&s, "{ count: 3 }", options(&s, false), &memory);
    assert_eq!((ran.json[0]["exit_code"].as_u64(), ran.ended().exit_code()), (Some(75), 75));
    assert!(
        ran.summaries[0].contains("skipped pending ×9: not sent yet: after the canary (--continue sends to the rest)"),
        "{}",
        ran.summaries[0]
    );
    // Refused: nothing about what a run would do before the refusal.
    let ran = canary_session(&s, "{ count: 3 }", options(&s, false), &memory);
    assert!(ran.error().to_string().contains("the canary of `canary-test` went out at"), "{}", ran.error());
    assert!(!ran.told(": send to "), "{:?}", ran.events);
    let (text, _) = super::status(&plan(&s, &twelve("{ count: 3 }")), &s.path().join("journal.db"));
    assert!(text.contains("a re-run sends nothing until --continue"), "{text}");
    let ran = canary_session(&s, "{ count: 3 }", session::Options { limit: Some(5), ..options(&s, true) }, &memory);
    assert_eq!(ran.ended(), &Outcome::Ran { code: 0 });
    assert!(ran.told(": send to 5 of the 9 recipients left (--limit 5), skip 3 already sent"), "{:?}", ran.events);
    assert_eq!(memory.received().len(), 8);
}

#[test]
fn a_failing_canary_stops_the_campaign() {
    // One failure in four, then a canary where everyone failed: either way it did its job, and
    // no second canary goes to the next recipients.
    for (fail_all, count, failed) in [(false, 4, 1), (true, 3, 3)] {
        let memory =
            Arc::new(Memory::new(move |n, _| if fail_all || n == 2 { meta_error(400, 131026) } else { ok(n) }));
        let s = Scratch::new();
        let canary = format!("{{ count: {count} }}");
        let ran = canary_session(&s, &canary, options(&s, false), &memory);
        assert_eq!(ran.ended(), &Outcome::Canary(CanaryEnd::Failed { failed, code: 1 }));
        let why = format!(
            "the canary failed ({failed} recipient{} failed or unknown); nothing more was sent",
            if failed == 1 { "" } else { "s" }
        );
        assert!(ran.told(&why), "{:?}", ran.events);
        assert_eq!(memory.received().len(), count);
        let ran = canary_session(&s, &canary, options(&s, false), &memory);
        assert!(matches!(ran.error(), SessionError::CanaryDone { failed: true, .. }), "{}", ran.error());
        assert_eq!(ran.error().exit_code(), 75);
        assert!(ran.error().to_string().contains("went out at") && ran.error().to_string().contains("and failed"));
        assert_eq!(memory.received().len(), count);
    }
}

#[test]
fn an_unpaused_clean_canary_waits_by_the_clock_and_goes_on_by_itself() {
    let s = Scratch::new();
    let memory = Arc::new(Memory::new(|n, _| ok(n)));
    let clock = herald::window::Clock::manual("2026-11-30T10:00:00Z".parse().unwrap());
    let plan = plan(&s, &twelve("{ count: 2, pause: false, wait: 10m }"));
    let ran = super::session(&plan, options(&s, false), &memory, &clock);
    assert_eq!(ran.ended(), &Outcome::Ran { code: 0 });
    assert!(ran.told("the canary had no failures; going on in 10m00s"), "{:?}", ran.events);
    assert_eq!(clock.slept(), [std::time::Duration::from_secs(600)]);
    assert_eq!(memory.received().len(), 12);
}

#[test]
fn a_canary_needs_the_journal() {
    let s = Scratch::new();
    let memory = Arc::new(Memory::new(|n, _| ok(n)));
    let ran = canary_session(&s, "{ count: 2 }", session::Options { no_journal: true, ..options(&s, false) }, &memory);
    assert!(matches!(ran.error(), SessionError::CanaryNeedsJournal), "{}", ran.error());
    assert!(ran.error().to_string().contains("`delivery.canary` needs the journal"));
    assert_eq!((ran.error().exit_code(), memory.received().len()), (2, 0));
}

#[test]
fn a_canary_the_provider_stops_says_so_not_that_it_failed() {
    let s = Scratch::new();
    let memory = Arc::new(Memory::new(|_, _| meta_error(401, 190)));
    let ran = canary_session(&s, "{ count: 3 }", options(&s, false), &memory);
    assert_eq!(ran.ended(), &Outcome::Canary(CanaryEnd::Stopped { code: 3 }));
    assert!(ran.told("the canary stopped (exit 3) before anyone failed; nothing more was sent"), "{:?}", ran.events);
    assert!(!ran.told("the canary failed"), "{:?}", ran.events);
}

/// A rehearsal (`--sandbox`): its own journal beside the campaign.
fn sandboxed(s: &Scratch, continue_: bool) -> session::Options {
    session::Options { sandbox: true, journal: None, ..options(s, continue_) }
}

#[test]
fn the_canary_flow_works_in_a_sandbox_rehearsal() {
    let s = Scratch::new();
    let memory = Arc::new(Memory::new(|n, _| ok(n)));
    let canary = "{ count: 2, to: [\"+254799000001\"] }";
    let ran = canary_session(&s, canary, sandboxed(&s, false), &memory);
    assert_eq!(ran.ended().exit_code(), 75);
    assert!(ran.told("`herald send c.yaml --sandbox --continue` sends to the rest"), "{:?}", ran.events);
    let json = &ran.json[0];
    assert_eq!((json["counts"]["sent"].as_u64(), json["by_skip_code"]["pending"].as_u64()), (Some(3), Some(10)));
    assert_eq!(canary_session(&s, canary, sandboxed(&s, false), &memory).error().exit_code(), 75, "nothing more");
    let ran = canary_session(&s, canary, sandboxed(&s, true), &memory);
    assert_eq!(ran.ended(), &Outcome::Ran { code: 0 });
    let json = &ran.json[0];
    assert_eq!((json["counts"]["sent"].as_u64(), json["this_run"]["finished"].as_u64()), (Some(13), Some(10)));
    assert!(!s.path().join("journal.db").exists(), "a rehearsal keeps its own journal");
}

#[test]
fn a_canary_the_provider_stopped_before_anyone_got_it_is_sent_again() {
    let s = Scratch::new();
    let canary = "{ count: 2, to: [\"+254799000001\"] }";
    let refusing = Arc::new(Memory::new(|_, _| meta_error(401, 190)));
    assert_eq!(canary_session(&s, canary, sandboxed(&s, false), &refusing).ended().exit_code(), 3);
    let plan = plan(&s, &twelve(canary));
    let journal = herald::journal::default_location(&plan.file, None, true).unwrap();
    let herald::journal::Location::File(journal) = journal else { panic!("a file journal") };
    assert!(!super::status(&plan, &journal).0.contains("until --continue"), "nobody got the canary");
    // Fixed: a plain re-run sends the canary, not a refusal that leaves only --continue (everyone).
    let memory = Arc::new(Memory::new(|n, _| ok(n)));
    let ran = canary_session(&s, canary, sandboxed(&s, false), &memory);
    assert_eq!(ran.ended().exit_code(), 75);
    assert!(!ran.told("went out at"), "{:?}", ran.events);
    let json = &ran.json[0];
    assert_eq!((json["counts"]["sent"].as_u64(), json["by_skip_code"]["pending"].as_u64()), (Some(3), Some(10)));
    let again = canary_session(&s, canary, sandboxed(&s, false), &memory);
    assert_eq!(again.error().exit_code(), 75, "this canary went out: nothing more without --continue");
}
