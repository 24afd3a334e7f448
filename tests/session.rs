//! The send session as a library call: `herald::session` in-process against the in-memory
//! provider, with a real journal in a temporary folder. The canary's pause, its refusal until
//! `--continue` and the rest after it, with the events a caller is told, without the binary.

use crate::common::*;
use crate::engine::{TOKEN, plan};
use herald::error::Error;
use herald::run::memory::{Memory, Reply};
use herald::secret::Secret;
use herald::session::{self, CanaryEnd, Deps, Event, Outcome, Session};
use std::sync::Arc;
use tokio_util::sync::CancellationToken;

/// Twelve listed recipients and a canary of three plus one seed; every send is `reply`.
fn campaign() -> String {
    let list: Vec<String> = (0..12).map(|i| format!("\"+2547{:08}\"", 40_000_000 + i)).collect();
    format!(
        "version: 1\nid: session-test\nprovider:\n  kind: cloud_api\n  base_url: http://127.0.0.1:9\n  token_env: WA_TOKEN\n  phone_number_id: \"42\"\nrecipients:\n  list: [{}]\nmessage:\n  type: text\n  text: \"Hi\"\ndelivery: {{ rate: 500/s, canary: {{ count: 3, to: [\"+254799000001\"] }} }}\n",
        list.join(", ")
    )
}

fn ok(n: usize) -> Reply {
    Reply::answer(200, format!(r#"{{"messaging_product":"whatsapp","contacts":[],"messages":[{{"id":"wamid.{n}"}}]}}"#))
}

fn options(s: &Scratch, continue_: bool) -> session::Options {
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
fn session(s: &Scratch, continue_: bool, memory: &Arc<Memory>) -> (Result<Outcome, Error>, Vec<String>) {
    let plan = plan(s, &campaign());
    let deps = Deps {
        transport: memory.clone(),
        secret: Secret::new(TOKEN),
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
    assert!(matches!(e, Error::CanaryDone { failed: false, .. }), "{e:?}");
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
