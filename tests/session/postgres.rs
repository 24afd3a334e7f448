//! Sessions sharing a PostgreSQL journal (see [`crate::pg_server`]) from two clones of a
//! repository, as two CI runners do: a fresh runner re-running a half-sent campaign sends only
//! to whoever is left, and a changed id in another clone is refused while the campaign looks
//! sent. The binary's read-back without the password and its killed senders stay in
//! `tests/postgres.rs`.

use super::*;
use crate::pg_server;
use std::collections::HashMap;
use std::path::PathBuf;

/// `c.yaml` (and its CSV of `n`) as `crate::postgres` writes it, validated in `s`.
fn clone_of(s: &Scratch, n: usize) -> Arc<Plan> {
    crate::postgres::campaign(s, "http://127.0.0.1:9", n, "{ rate: 500/s }");
    crate::engine::plan(s, &std::fs::read_to_string(s.path().join("c.yaml")).unwrap())
}

/// A confirmed send in `s` with the journal at `url`.
fn shared(s: &Scratch, url: &str) -> session::Options {
    session::Options { journal: Some(PathBuf::from(url)), ..options(s) }
}

/// The report rebuilt from the journal at `url` (`herald report`), by recipient.
fn states(plan: &Arc<Plan>, url: &str, dir: &Scratch) -> HashMap<String, String> {
    let journal = Location::parse(url.as_ref(), false).unwrap();
    let rows = report(plan, journal, &dir.path().join("rebuilt"));
    rows.iter().map(|r| (r[0].to_string(), r[2].to_string())).collect()
}

/// Messages `memory` received, by number.
fn taken(memory: &Memory) -> HashMap<String, usize> {
    let mut m = HashMap::new();
    for n in numbers(memory) {
        *m.entry(n).or_default() += 1;
    }
    m
}

#[test]
fn a_fresh_runner_re_running_a_half_sent_campaign_sends_only_to_whoever_is_left() {
    let url = pg_server::database();
    let memory = Arc::new(Memory::new(|n, _| ok(n)));
    let first = Scratch::new();
    let half = session(
        &clone_of(&first, 30),
        session::Options { limit: Some(12), ..shared(&first, &url) },
        &memory,
        &Clock::system(),
    );
    assert_eq!(half.ended().exit_code(), 0);
    // A new runner: a fresh clone of the repository, no .herald folder, no reports.
    let fresh = Scratch::new();
    let plan = clone_of(&fresh, 30);
    let rest = session(&plan, shared(&fresh, &url), &memory, &Clock::system());
    assert_eq!(rest.ended().exit_code(), 0);
    assert!(rest.told("send to 18 recipients, skip 12 already sent"), "{:?}", rest.events);
    let states = states(&plan, &url, &fresh);
    assert_eq!(states.len(), 30, "the report covers everyone");
    assert_states_agree(&states, &taken(&memory), "");
    assert_eq!(taken(&memory).len(), 30);
}

#[test]
fn a_changed_id_in_another_clone_is_refused_while_the_campaign_looks_sent() {
    let url = pg_server::database();
    let memory = Arc::new(Memory::new(|n, _| ok(n)));
    let first = Scratch::new();
    let sent = session(&clone_of(&first, 4), shared(&first, &url), &memory, &Clock::system());
    assert_eq!(sent.ended().exit_code(), 0);
    // Another clone, where someone changed the id and the message of the same file.
    let other = Scratch::new();
    clone_of(&other, 4);
    let yaml = std::fs::read_to_string(other.path().join("c.yaml")).unwrap();
    let changed = crate::engine::plan(&other, &yaml.replace("id: shared", "id: shared-again").replace("Hi ", "Hello "));
    let refused = session(&changed, shared(&other, &url), &memory, &Clock::system());
    assert_eq!(refused.error().exit_code(), 2);
    let message = refused.error().to_string();
    assert!(message.contains("looks like `shared` (the same file, c.yaml), sent to 4 recipients"), "{message}");
    let told = session(&changed, session::Options { new_id: true, ..shared(&other, &url) }, &memory, &Clock::system());
    assert_eq!(told.ended().exit_code(), 0);
    assert_eq!(memory.received().len(), 8, "sent once before the flag, once after");
}

#[test]
fn a_retry_goes_from_the_journals_sender_after_one_is_added() {
    let url = pg_server::database();
    crate::session::senders::a_retry_goes_from_the_journals_sender_after_one_is_added(std::path::Path::new(&url));
}
