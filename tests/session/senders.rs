//! `provider.senders`: each recipient goes from the account they are pinned to, with that
//! account's token; a sender the provider refuses stops only its share while the others finish,
//! and a re-run after the fix sends that share from the same account. The journal records each
//! recipient's account: a retry goes from it even after a sender is added to the list, and one
//! whose account left the list is named in a warning.

use super::*;
use herald::journal::Policy;
use std::collections::HashMap;

/// A cloud_api campaign to `n` recipients from three phone number ids, each with its token.
fn campaign(n: usize) -> String {
    let list: Vec<String> = (0..n).map(|i| format!("\"+2547{:08}\"", 10_000_000 + i)).collect();
    format!(
        "version: 1\nid: senders-test\nprovider:\n  kind: cloud_api\n  base_url: http://127.0.0.1:9\n  senders:\n    - {{phone_number_id: \"111\", token_env: TOKEN_A}}\n    - {{phone_number_id: \"222\", token_env: TOKEN_B}}\n    - {{phone_number_id: \"333\", token_env: TOKEN_C}}\nrecipients:\n  list: [{}]\nmessage:\n  type: text\n  text: Hello\ndelivery: {{ rate: 1000/s, concurrency: 2, max_failure_rate: 100% }}\n",
        list.join(", ")
    )
}

/// The account a request went from, by its URL.
fn account(r: &herald::run::memory::Received) -> String {
    r.url.trim_start_matches("http://127.0.0.1:9/").split('/').next().unwrap_or_default().to_string()
}

#[test]
fn a_refused_sender_stops_only_its_share_and_a_rerun_sends_it_from_the_same_account() {
    let s = Scratch::new();
    let plan = crate::engine::plan(&s, &campaign(30));
    let tokens = || Tokens::per_sender(["tok-a", "tok-b", "tok-c"].map(Secret::new).to_vec());
    let pinned = |n: &str| plan.senders[plan.pin(n)].account.clone();
    // 222's token is revoked: Meta answers 401, code 190, for any request with it.
    let revoked = Arc::new(Memory::new(|n, r| {
        let token = r.headers.iter().find(|(k, _)| k == "Authorization").map(|(_, v)| v.clone()).unwrap_or_default();
        if token == "Bearer tok-b" { meta_error(401, 190) } else { ok(n) }
    }));
    let deps = |memory: &Arc<Memory>| Deps {
        transport: memory.clone(),
        tokens: tokens(),
        clock: Clock::system(),
        cancel: CancellationToken::new(),
    };
    let ran = session_with(&plan, options(&s), deps(&revoked));
    ran.ended();
    let seen = revoked.received();
    for r in &seen {
        let to = format!("+{}", r.json()["to"].as_str().unwrap().trim_start_matches('+'));
        assert_eq!(account(r), pinned(&to), "{to} went from its pinned account");
        let expected = match account(r).as_str() {
            "111" => "Bearer tok-a",
            "222" => "Bearer tok-b",
            _ => "Bearer tok-c",
        };
        assert!(r.headers.contains(&("Authorization".into(), expected.into())), "each account's own token");
    }
    let to_b = (0..30).map(|i| format!("+2547{:08}", 10_000_000 + i)).filter(|n| pinned(n) == "222").count();
    assert!(to_b > 0 && to_b < 30, "222 has a share: {to_b}");
    let rows = report_rows(&s);
    let sender_col = 10; // results.csv's `sender`
    let sent = rows.iter().filter(|r| &r[2] == "sent").count();
    assert_eq!(sent, 30 - to_b, "the two other senders finished");
    for r in rows.iter().filter(|r| &r[2] != "sent") {
        assert_eq!(&r[5], "not_sent", "{r:?}");
        assert!(r[6].contains("sender `222`"), "the advice names the sender: {}", &r[6]);
        assert_eq!(&r[sender_col], "222");
    }
    assert!(rows.iter().filter(|r| &r[2] == "sent").all(|r| &r[sender_col] == "111" || &r[sender_col] == "333"));
    let json = &ran.json[0];
    assert_eq!(json["stopped"], serde_json::Value::Null, "the campaign went on");
    assert_eq!(json["senders_stopped"][0]["sender"], "222", "{json:#}");
    assert!(ran.summaries[0].contains("sender 222 stopped"), "{}", ran.summaries[0]);
    assert!(!ran.summaries[0].contains("tok-"), "no token in the summary");

    // The token is renewed: a re-run sends 222's share, from 222, and nobody else again.
    let fixed = Arc::new(Memory::new(|n, _| ok(n)));
    let again = session_with(&plan, options(&s), deps(&fixed));
    assert_eq!(again.ended().exit_code(), 0, "{:?}", again.events);
    let resent = fixed.received();
    assert_eq!(resent.len(), to_b);
    assert!(resent.iter().all(|r| account(r) == "222"));
}

#[test]
fn when_every_sender_is_refused_the_campaign_stops() {
    let s = Scratch::new();
    let plan = crate::engine::plan(&s, &campaign(10));
    let memory = Arc::new(Memory::new(|_, _| meta_error(401, 190)));
    let ran = session(&plan, options(&s), &memory, &Clock::system());
    assert!(ran.json[0]["stopped"]["reason"] == "provider", "{:#}", ran.json[0]);
}

#[test]
fn a_sender_listed_twice_or_without_a_token_variable_is_an_error_at_its_line() {
    let s = Scratch::new();
    let yaml = "version: 1\nid: c\nprovider:\n  kind: evolution\n  base_url: http://127.0.0.1:9\n  senders:\n    - {instance: sales-1, token_env: EVO_A}\n    - {instance: sales-1, token_env: EVO_A}\n    - {instance: sales-2}\n    - {phone_number_id: \"9\", token_env: EVO_A}\nrecipients:\n  list: [\"+254710000000\"]\nmessage:\n  type: text\n  text: Hi\n";
    let path = s.write("c.yaml", yaml);
    let v = plan::load(&path, PlanOptions { token: TokenCheck::Skip, ..PlanOptions::default() });
    let text = v.diagnostics.render(herald::diagnostic::Style { color: false });
    assert!(v.plan.is_none());
    assert!(text.contains("error: sender `sales-1` is listed twice") && text.contains("c.yaml:8:"), "{text}");
    assert!(text.contains("error: sender `sales-2` has no token variable") && text.contains("c.yaml:9:"), "{text}");
    assert!(text.contains("`phone_number_id` is not a setting of provider `evolution`"), "{text}");
}

/// A cloud_api campaign to `n` recipients from the phone number ids `ids`, one token for all.
fn campaign_from(n: usize, ids: &[&str]) -> String {
    let list: Vec<String> = (0..n).map(|i| format!("\"+2547{:08}\"", 10_000_000 + i)).collect();
    let senders: Vec<String> = ids.iter().map(|id| format!("    - {{phone_number_id: \"{id}\"}}\n")).collect();
    format!(
        "version: 1\nid: senders-test\nprovider:\n  kind: cloud_api\n  base_url: http://127.0.0.1:9\n  token_env: TOKEN\n  senders:\n{}recipients:\n  list: [{}]\nmessage:\n  type: text\n  text: Hello\ndelivery: {{ rate: 1000/s, concurrency: 2, max_failure_rate: 100% }}\n",
        senders.concat(),
        list.join(", ")
    )
}

/// Everyone fails from senders 111 and 222; with 333 added, `--retry-failed` sends each from
/// the account the journal recorded (the hash alone would move about a third to 333), and
/// `herald report` names it. With 222 dropped, a retry warns of its recipients.
pub fn a_retry_goes_from_the_journals_sender_after_one_is_added(journal: &std::path::Path) {
    let s = Scratch::new();
    let o = || session::Options { journal: Some(journal.to_path_buf()), ..options(&s) };
    let retry =
        || session::Options { policy: Policy { retry_failed: true, retry_unknown: false, ..Policy::default() }, ..o() };
    let two = crate::engine::plan(&s, &campaign_from(30, &["111", "222"]));
    let refused = Arc::new(Memory::new(|_, _| meta_error(400, 131026)));
    session(&two, o(), &refused, &Clock::system()).ended();
    let first: HashMap<String, String> = refused
        .received()
        .iter()
        .map(|r| (r.json()["to"].as_str().unwrap().trim_start_matches('+').to_string(), account(r)))
        .collect();
    assert_eq!(first.len(), 30);

    let three = crate::engine::plan(&s, &campaign_from(30, &["111", "222", "333"]));
    let moved = first.keys().filter(|n| three.senders[three.pin(&format!("+{n}"))].account == "333").count();
    assert!(moved > 0, "adding a sender moves some recipients' hash");
    let refused_again = Arc::new(Memory::new(|_, _| meta_error(400, 131026)));
    let again = session(&three, retry(), &refused_again, &Clock::system());
    assert!(!again.told("warning"), "{:?}", again.events);
    let resent = refused_again.received();
    assert_eq!(resent.len(), 30);
    for r in &resent {
        let to = r.json()["to"].as_str().unwrap().trim_start_matches('+').to_string();
        assert_eq!(account(r), first[&to], "+{to} went from the journal's sender");
    }
    let location = Location::parse(journal, false).unwrap();
    let rebuilt = report(&three, location, &s.path().join("rebuilt"));
    assert_eq!(rebuilt.len(), 30);
    for row in &rebuilt {
        assert_eq!(&row[10], first[row[0].trim_start_matches('+')].as_str(), "{row:?}");
    }

    // 222 leaves the list: its recipients, retried, go from the others, and the run says so.
    let to_222 = first.values().filter(|a| *a == "222").count();
    let without = crate::engine::plan(&s, &campaign_from(30, &["111", "333"]));
    let memory = Arc::new(Memory::new(|n, _| ok(n)));
    let ran = session(&without, retry(), &memory, &Clock::system());
    assert_eq!(ran.ended().exit_code(), 0, "{:?}", ran.events);
    let warning = format!("warning: {to_222} recipients to send to again were sent from sender `222`");
    assert!(ran.events.iter().any(|e| e.starts_with(&warning)), "{:?}", ran.events);
    assert_eq!(memory.received().len(), 30);
    assert!(memory.received().iter().all(|r| account(r) != "222"));
}

#[test]
fn a_retry_goes_from_the_journals_sender_after_one_is_added_sqlite() {
    let s = Scratch::new();
    a_retry_goes_from_the_journals_sender_after_one_is_added(&s.path().join("journal.db"));
}

/// With 222's token revoked, `herald status` (text and JSON), the run's summaries and the report
/// rebuilt from the journal break the results down by sender, by account and never by token.
#[test]
fn status_and_the_report_break_results_down_by_sender() {
    let s = Scratch::new();
    let plan = crate::engine::plan(&s, &campaign(30));
    let tokens = Tokens::per_sender(["tok-a", "tok-b", "tok-c"].map(Secret::new).to_vec());
    let revoked = Arc::new(Memory::new(|n, r| {
        let token = r.headers.iter().find(|(k, _)| k == "Authorization").map(|(_, v)| v.clone()).unwrap_or_default();
        if token == "Bearer tok-b" { meta_error(401, 190) } else { ok(n) }
    }));
    let deps = Deps { transport: revoked.clone(), tokens, clock: Clock::system(), cancel: CancellationToken::new() };
    let ran = session_with(&plan, options(&s), deps);
    ran.ended();
    let share = |account: &str| {
        (0..30)
            .map(|i| format!("+2547{:08}", 10_000_000 + i))
            .filter(|n| plan.senders[plan.pin(n)].account == account)
            .count()
    };
    let (a, b, c) = (share("111"), share("222"), share("333"));

    let json = &ran.json[0];
    for (account, sent, skipped) in [("111", a, 0), ("222", 0, b), ("333", c, 0)] {
        let counts = &json["by_sender"][account];
        assert_eq!(
            (counts["sent"].as_u64(), counts["skipped"].as_u64()),
            (Some(sent as u64), Some(skipped as u64)),
            "{json:#}"
        );
        assert_eq!((counts["failed"].as_u64(), counts["unknown"].as_u64()), (Some(0), Some(0)), "{json:#}");
    }
    let text = &ran.summaries[0];
    assert!(text.contains(&format!("  sender 111: {a} sent, 0 failed, 0 unknown, 0 skipped\n")), "{text}");
    assert!(text.contains(&format!("  sender 222: 0 sent, 0 failed, 0 unknown, {b} skipped\n")), "{text}");
    let md = std::fs::read_to_string(s.path().join("out/summary.md")).unwrap();
    assert!(md.contains("| sender | sent | failed | unknown | skipped |\n|---|---:|---:|---:|---:|\n"), "{md}");
    assert!(md.contains(&format!("| `333` | {c} | 0 | 0 | 0 |\n")), "{md}");

    let (status, status_json) = status(&plan, &s.path().join("journal.db"));
    assert!(status.contains("  sender        sent  failed unknown pending\n"), "{status}");
    assert!(status.contains(&format!("  111       {a:>8}{:>8}{:>8}{:>8}\n", 0, 0, 0)), "{status}");
    assert!(status.contains(&format!("  222       {:>8}{:>8}{:>8}{b:>8}\n", 0, 0, 0)), "{status}");
    let by_sender = status_json["by_sender"].as_array().expect("by_sender").clone();
    let row = |account: &str| by_sender.iter().find(|r| r["account"] == account).cloned().unwrap_or_default();
    assert_eq!(row("222")["pending"], b, "{status_json:#}");
    assert_eq!((row("333")["sent"].as_u64(), row("333")["pending"].as_u64()), (Some(c as u64), Some(0)));
    assert!(!status.contains("tok-") && !status_json.to_string().contains("tok-"));

    // Rebuilt from the journal: the same counts; 222's share is pending, still its own.
    let location = Location::parse(&s.path().join("journal.db"), false).unwrap();
    let j = Journal::open_read(location).unwrap().expect("a journal");
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let summary =
        rt.block_on(herald::run::rebuild(plan.clone(), &j, herald::report::Writer::new(None).unwrap())).unwrap();
    let about = herald::report::About::of(&plan, herald::report::Mode::Send);
    let info = herald::report::RunInfo {
        requests: 0,
        finished: 0,
        started_at: String::new(),
        duration_ms: 0,
        stopped: None,
        senders_stopped: Vec::new(),
        held_until: None,
        canary: None,
        pace: None,
        receipts: None,
    };
    let rebuilt = herald::report::Report::new(about, summary, info);
    let rebuilt: serde_json::Value = serde_json::from_str(&herald::report::summary_json(&rebuilt)).unwrap();
    assert_eq!(rebuilt["by_sender"], json["by_sender"], "{rebuilt:#}");
}

/// A dry run of several senders says which account each recipient would go from: in
/// results.csv and, per sender, in its summary.
#[test]
fn a_dry_run_names_each_recipients_sender() {
    let s = Scratch::new();
    let plan = crate::engine::plan(&s, &campaign(12));
    let memory = Arc::new(Memory::new(|n, _| ok(n)));
    let ran = session(&plan, session::Options { dry_run: true, ..options(&s) }, &memory, &Clock::system());
    ran.ended();
    assert!(memory.received().is_empty());
    let rows = report_rows(&s);
    assert_eq!(rows.len(), 12);
    for r in &rows {
        assert_eq!((&r[2], &r[10]), ("dry_run", plan.senders[plan.pin(&r[0])].account.as_str()), "{r:?}");
    }
    let n = rows.iter().filter(|r| &r[10] == "111").count();
    assert!(ran.summaries[0].contains(&format!("  sender 111: {n} rendered, 0 skipped\n")), "{}", ran.summaries[0]);
}
