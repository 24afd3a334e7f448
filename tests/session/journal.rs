//! The journal through the session: a re-run sends to nobody twice, a changed campaign or id
//! and a lost journal are refused until a flag says otherwise, suppression after a send, kept
//! bodies, the sandbox's own journal, and when the journal is created and locked. What `herald
//! send` prints for these is each event's line and error's message; the binary's kills, lock
//! and printed reports stay in `tests/journal.rs`.

use super::*;
use herald::plan::{NamedBy, OptOutList};
use std::collections::HashMap;
use std::path::Path;

/// A cloud_api text campaign to `n` listed recipients (+254740000000 on).
fn campaign(n: usize, text: &str, delivery: &str) -> String {
    let list: Vec<String> = (0..n).map(|i| format!("\"+2547{:08}\"", 40_000_000 + i)).collect();
    format!(
        "version: 1\nid: journal-test\nprovider:\n  kind: cloud_api\n  base_url: http://127.0.0.1:9\n  token_env: WA_TOKEN\n  phone_number_id: \"42\"\nrecipients:\n  list: [{}]\nmessage:\n  type: text\n  text: \"{text}\"\ndelivery: {{ {delivery} }}\n",
        list.join(", ")
    )
}

/// `yaml` validated as `name` in `s`, with the global opt-out lists `opt_out`.
fn load(s: &Scratch, name: &str, yaml: &str, opt_out: Vec<OptOutList>) -> Arc<Plan> {
    let path = s.write(name, yaml);
    let v = plan::load(&path, PlanOptions { token: TokenCheck::Skip, opt_out, ..PlanOptions::default() });
    let plain = herald::diagnostic::Style { color: false };
    Arc::new(v.plan.unwrap_or_else(|| panic!("invalid test campaign: {}", v.diagnostics.render(plain))))
}

fn plan(s: &Scratch, yaml: &str) -> Arc<Plan> {
    load(s, "c.yaml", yaml, Vec::new())
}

/// A provider that accepts every message.
fn accepting() -> Arc<Memory> {
    Arc::new(Memory::new(|n, _| ok(n)))
}

/// `results.csv` in `dir` as (recipient, status) rows.
fn rows(dir: &Path) -> Vec<(String, String)> {
    let mut r = csv::Reader::from_path(dir.join("results.csv")).unwrap();
    r.records().map(Result::unwrap).map(|r| (r[0].to_string(), r[2].to_string())).collect()
}

/// Messages received per number.
fn per_number(memory: &Memory) -> HashMap<String, usize> {
    let mut m = HashMap::new();
    for n in numbers(memory) {
        *m.entry(n).or_default() += 1;
    }
    m
}

#[test]
fn a_rerun_sends_to_nobody_twice() {
    let s = Scratch::new();
    let p = plan(&s, &campaign(6, "Hi", "rate: 100/s"));
    let (memory, clock) = (accepting(), Clock::system());
    let first = session(&p, session::Options { limit: Some(4), ..options(&s) }, &memory, &clock);
    assert_eq!(first.ended().exit_code(), 0);
    let second = session(&p, options(&s), &memory, &clock);
    assert_eq!(second.ended().exit_code(), 0);
    assert!(second.told("send to 2 recipients, skip 4 already sent"), "{:?}", second.events);
    let third = session(&p, options(&s), &memory, &clock);
    assert_eq!(third.ended().exit_code(), 0);
    let received = per_number(&memory);
    assert!(received.values().all(|n| *n == 1) && received.len() == 6, "{received:?}");
    let rows = rows(&s.path().join("out"));
    assert_eq!(rows.len(), 6, "the report of a no-op re-run still covers everyone");
    assert!(rows.iter().all(|(_, st)| st == "sent"), "{rows:?}");
    assert!(third.summaries.last().is_some_and(|t| t.contains("6 sent")), "{:?}", third.summaries);
}

/// Receipts in the journal show in `herald status` (text and JSON: the funnel as shares of the
/// accepted, failures by code in the provider's words) and in the report rebuilt from it
/// (results.csv's delivery columns); before any came, status says what brings them.
#[test]
fn receipts_in_the_journal_show_in_status_and_the_rebuilt_report() {
    use herald::journal::{Delivery, Receipt};
    let s = Scratch::new();
    let p = plan(&s, &campaign(4, "Hi", "rate: 100/s"));
    session(&p, options(&s), &accepting(), &Clock::system()).ended();
    let journal = s.path().join("journal.db");
    let (text, json) = status(&p, &journal);
    assert!(text.contains("delivery: no delivery receipt has reached the journal yet: run `herald listen`"), "{text}");
    assert_eq!((json["delivery"]["accepted"].as_u64(), json["delivery"]["no_receipt"].as_u64()), (Some(4), Some(4)));

    let mut ids: Vec<(String, String)> = csv::Reader::from_path(s.path().join("out/results.csv"))
        .unwrap()
        .records()
        .map(|r| r.unwrap())
        .map(|r| (r[0].to_string(), r[3].to_string()))
        .collect();
    ids.sort();
    let at: jiff::Timestamp = "2026-12-01T10:00:00Z".parse().unwrap();
    let receipt = |i: usize, delivery, code: Option<&str>, error: Option<&str>| Receipt {
        message_id: ids[i].1.clone(),
        delivery,
        at,
        error_code: code.map(str::to_string),
        error: error.map(str::to_string),
        provider: None,
        pricing: None,
    };
    let mut j = Journal::open(Location::from(journal.as_path()), &p.id).unwrap();
    j.record_receipts(&[
        receipt(0, Delivery::Delivered, None, None),
        receipt(0, Delivery::Read, None, None),
        receipt(1, Delivery::Delivered, None, None),
        receipt(2, Delivery::Failed, Some("131026"), Some("Message undeliverable.")),
    ])
    .unwrap();
    drop(j);

    let (text, json) = status(&p, &journal);
    assert!(
        text.contains(
            "delivery: 4 accepted → 2 delivered (50.0%) → 1 read (25.0%); 1 failed (25.0%), 1 without a receipt (25.0%)\n  failed after acceptance 131026 ×1: Message undeliverable.\n"
        ),
        "{text}"
    );
    let d = &json["delivery"];
    let n = |key: &str| d[key].as_u64();
    assert_eq!(["accepted", "delivered", "read", "failed", "no_receipt"].map(n), [4, 2, 1, 1, 1].map(Some), "{json:#}");
    assert_eq!(
        d["failures"],
        serde_json::json!([{ "code": "131026", "description": "Message undeliverable.", "count": 1 }])
    );

    let rows = report(&p, Location::from(journal.as_path()), &s.path().join("rebuilt"));
    let mut delivery: Vec<(String, String, String)> =
        rows.iter().map(|r| (r[0].to_string(), r[11].to_string(), r[14].to_string())).collect();
    delivery.sort();
    let want = [("read", ""), ("delivered", ""), ("failed", "131026"), ("", "")];
    for (i, (phone, d, code)) in delivery.iter().enumerate() {
        assert_eq!((phone, d.as_str(), code.as_str()), (&ids[i].0, want[i].0, want[i].1), "{delivery:?}");
    }
}

#[test]
fn a_changed_message_after_a_partial_send_is_refused_unless_allowed() {
    let s = Scratch::new();
    let (memory, clock) = (accepting(), Clock::system());
    let one = plan(&s, &campaign(3, "Version one", "rate: 100/s"));
    session(&one, session::Options { limit: Some(1), ..options(&s) }, &memory, &clock).ended();
    let two = plan(&s, &campaign(3, "Version two", "rate: 50/s"));
    let refused = session(&two, options(&s), &memory, &clock);
    let e = refused.error();
    assert_eq!(e.exit_code(), 2);
    let changed = "campaign `journal-test` changed since it was partly sent: the campaign file's `message` changed; the rendered request differs for 1 recipient";
    assert!(e.to_string().contains(changed), "{e}");
    assert!(e.help().is_some_and(|h| h.contains("--allow-changed")), "{:?}", e.help());
    assert_eq!(memory.received().len(), 1);
    let (text, _) = status(&two, &s.path().join("journal.db"));
    assert!(text.contains("a re-run needs --allow-changed"), "{text}");
    let allowed = session(&two, session::Options { allow_changed: true, ..options(&s) }, &memory, &clock);
    assert_eq!(allowed.ended().exit_code(), 0);
    assert_eq!(memory.received().len(), 3);
    // A delivery-only change is not a message change.
    let slower = plan(&s, &campaign(3, "Version two", "rate: 10/s"));
    assert_eq!(session(&slower, options(&s), &memory, &clock).ended().exit_code(), 0);
}

#[test]
fn a_deleted_journal_with_reports_of_a_send_is_refused_until_new_journal() {
    let s = Scratch::new();
    let p = plan(&s, &campaign(2, "Hi", "rate: 100/s"));
    let (memory, clock) = (accepting(), Clock::system());
    // The default journal and reports: .herald/ beside the campaign.
    let default = || session::Options { journal: None, report: None, ..options(&s) };
    assert_eq!(session(&p, default(), &memory, &clock).ended().exit_code(), 0);
    for f in ["journal.db", "journal.db-wal", "journal.db-shm"] {
        let _ = std::fs::remove_file(s.path().join(".herald").join(f));
    }
    let refused = session(&p, default(), &memory, &clock);
    let e = refused.error();
    assert_eq!(e.exit_code(), 2);
    assert!(e.to_string().contains("shows campaign `journal-test` was sent before"), "{e}");
    assert!(e.help().is_some_and(|h| h.contains("--new-journal")), "{:?}", e.help());
    assert_eq!(memory.received().len(), 2);
    let again = session(&p, session::Options { new_journal: true, ..default() }, &memory, &clock);
    assert_eq!(again.ended().exit_code(), 0);
    assert_eq!(memory.received().len(), 4, "told to, it sends again");
}

#[test]
fn a_changed_id_is_refused_while_the_campaign_looks_sent_unless_new_id() {
    let s = Scratch::new();
    let (memory, clock) = (accepting(), Clock::system());
    let first = plan(&s, &campaign(3, "Hi", "rate: 100/s"));
    assert_eq!(session(&first, options(&s), &memory, &clock).ended().exit_code(), 0);
    // The same file under another id, its message edited too: the file gives it away.
    let renamed = plan(&s, &campaign(3, "Hello", "rate: 100/s").replace("id: journal-test", "id: journal-2"));
    let refused = session(&renamed, options(&s), &memory, &clock);
    let e = refused.error();
    assert_eq!(e.exit_code(), 2);
    let message = e.to_string();
    assert!(message.starts_with("campaign `journal-2` is new to the journal, but it looks like `journal-test`"), "{e}");
    assert!(message.contains("(the same file, c.yaml), sent to 3 recipients from 20"), "{e}");
    assert!(e.help().is_some_and(|h| h.contains("--new-id")), "{:?}", e.help());
    assert_eq!(memory.received().len(), 3, "nobody was messaged again");
    // A dry run says so and goes on.
    let dry = session(&renamed, session::Options { dry_run: true, ..options(&s) }, &memory, &clock);
    assert_eq!(dry.ended().exit_code(), 0);
    assert!(dry.told("warning: campaign `journal-2` is new to the journal, but it looks like"), "{:?}", dry.events);
    // Another file with the same message and audience under a new id.
    let yaml = campaign(3, "Hi", "rate: 100/s").replace("id: journal-test", "id: journal-3");
    let other = load(&s, "d.yaml", &yaml, Vec::new());
    let refused = session(&other, session::Options { file: "d.yaml".into(), ..options(&s) }, &memory, &clock);
    let message = refused.error().to_string();
    assert!(message.contains("looks like `journal-test`") && message.contains("(the same message and recipients)"));
    assert_eq!(refused.error().exit_code(), 2);
    assert_eq!(memory.received().len(), 3);
    // Told to, it sends the new campaign; its re-runs need no flag.
    let new = session(&renamed, session::Options { new_id: true, ..options(&s) }, &memory, &clock);
    assert_eq!(new.ended().exit_code(), 0);
    assert_eq!(memory.received().len(), 6);
    assert_eq!(session(&renamed, options(&s), &memory, &clock).ended().exit_code(), 0);
    assert_eq!(memory.received().len(), 6);
}

#[test]
fn a_recipient_suppressed_after_it_was_sent_is_reported_once_as_sent() {
    let s = Scratch::new();
    let (memory, clock) = (accepting(), Clock::system());
    let yaml = campaign(4, "Hi", "rate: 100/s, concurrency: 1");
    session(&plan(&s, &yaml), session::Options { limit: Some(3), ..options(&s) }, &memory, &clock).ended();
    let list = OptOutList { path: s.write("optout.txt", "+254740000000\n"), named_by: NamedBy::Flag };
    let suppressing = load(&s, "c.yaml", &yaml, vec![list]);
    assert_eq!(session(&suppressing, options(&s), &memory, &clock).ended().exit_code(), 0);
    assert_eq!(memory.received().len(), 4);
    let sent = rows(&s.path().join("out"));
    assert_eq!(sent.len(), 4, "one row per recipient: {sent:?}");
    assert!(sent.contains(&("+254740000000".into(), "sent".into())), "{sent:?}");
    // What `herald report --suppress` prints: the report rebuilt from the journal.
    let rebuilt = report(&suppressing, Location::from(&s.path().join("journal.db")), &s.path().join("rebuilt"));
    let reported: Vec<_> = rebuilt.iter().map(|r| (r[0].to_string(), r[2].to_string())).collect();
    assert_eq!(reported.len(), 4, "one row per recipient: {reported:?}");
    assert!(reported.iter().all(|(_, status)| status == "sent"), "{reported:?}");
}

#[test]
fn kept_bodies_are_in_the_journal_and_the_token_never_is() {
    let s = Scratch::new();
    let p = plan(&s, &campaign(1, "Body kept", "rate: 10/s"));
    let elsewhere = s.path().join("elsewhere/j.db");
    let options = session::Options { keep_bodies: true, journal: Some(elsewhere.clone()), ..options(&s) };
    assert_eq!(session(&p, options, &accepting(), &Clock::system()).ended().exit_code(), 0);
    assert!(!s.path().join(".herald").exists(), "the journal went to its default place");
    let db = String::from_utf8_lossy(&std::fs::read(&elsewhere).unwrap()).into_owned();
    assert!(db.contains("Body kept"), "keep_bodies did not keep the body");
    assert!(!db.contains(TOKEN));
}

#[test]
fn sandbox_rehearsals_never_share_an_explicit_journal() {
    let s = Scratch::new();
    let p = plan(&s, &campaign(2, "Hi", "rate: 100/s"));
    let journal = s.path().join("j.db");
    let rehearsal = session::Options { sandbox: true, journal: Some(journal.clone()), ..options(&s) };
    assert_eq!(session(&p, rehearsal, &accepting(), &Clock::system()).ended().exit_code(), 0);
    assert!(s.path().join("j.sandbox.db").exists());
    assert!(!journal.exists(), "a rehearsal wrote the real journal");
}

#[test]
fn a_send_refused_before_it_starts_creates_no_journal() {
    let s = Scratch::new();
    let p = plan(&s, &campaign(2, "Hi", "rate: 100/s"));
    let rehearsal = || session::Options { sandbox: true, journal: None, ..options(&s) };
    // Unconfirmed, the session is opened and counted, then the caller refuses (`herald send`
    // without --yes and without a terminal): nothing is created.
    let mut events = Vec::new();
    let mut on_event = |e: Event<'_>| {
        events.push(format!("{e:?}"));
        Ok(())
    };
    let opened = session::Session::open(p.clone(), session::Options { confirmed: false, ..rehearsal() }, &mut on_event);
    assert_eq!(opened.unwrap().count(), 2);
    assert!(!events.iter().any(|e| e.contains("JournalCreated")), "{events:?}");
    assert!(!s.path().join(".herald").exists(), "a refused send left a journal behind");
    assert_eq!(session(&p, rehearsal(), &accepting(), &Clock::system()).ended().exit_code(), 0);
    assert!(s.path().join(".herald/sandbox-journal.db").exists());
}

#[test]
fn a_send_waiting_for_its_schedule_does_not_hold_the_journal() {
    let s = Scratch::new();
    let at: jiff::Timestamp = "2098-12-31T23:00:00Z".parse().unwrap();
    let later = campaign(2, "Later", "rate: 100/s").replace("id: journal-test", "id: later")
        + "schedule:\n  send_at: \"2099-01-01T00:00:00Z\"\n";
    let path = s.write("later.yaml", later);
    let v = plan::load(&path, PlanOptions { token: TokenCheck::Skip, now: Some(at), ..PlanOptions::default() });
    let waiting = Arc::new(v.plan.expect("a valid campaign"));
    let now = plan(&s, &campaign(2, "Now", "rate: 100/s"));
    let (memory, clock, cancel) = (accepting(), Clock::manual(at), CancellationToken::new());
    // While it waits for send_at, another campaign sends with the same journal; then SIGTERM
    // (the token `herald send` cancels on it) ends the wait.
    let mut other = None;
    let on_event = |e: Event<'_>| {
        if matches!(e, Event::Countdown { .. }) && other.is_none() {
            let (now, options, memory) = (now.clone(), options(&s), memory.clone());
            let sent = std::thread::spawn(move || session(&now, options, &memory, &Clock::system()).outcome);
            other = Some(sent.join().unwrap());
            cancel.cancel();
        }
        Ok(())
    };
    let deps = Deps { transport: memory.clone(), tokens: Secret::new(TOKEN).into(), clock, cancel: cancel.clone() };
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let later = session::Options { file: "later.yaml".into(), ..options(&s) };
    let outcome = rt.block_on(session::run(waiting, later, deps, on_event));
    let other = other.expect("the send waited for send_at");
    assert_eq!(other.map(|o| o.exit_code()).unwrap_or_else(|e| panic!("the waiting send held the journal: {e}")), 0);
    assert_eq!(memory.received().len(), 2);
    let e = outcome.expect_err("the wait was cancelled");
    assert!(matches!(e, SessionError::Cancelled), "{e}");
    assert_eq!(e.exit_code(), 130);
    assert_eq!(memory.received().len(), 2, "the cancelled send sent something");
}
