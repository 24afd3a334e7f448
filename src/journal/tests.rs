//! Journal round trips: marks and outcomes through the group-commit writer, crash settling,
//! selection and change detection.

use super::*;
use crate::plan::{Plan, Send};
use crate::providers::{ProviderKind, Settings, Target};
use crate::recipients::{Origin, Recipient, Skipped};
use crate::request::{Auth, HttpRequest};
use std::collections::HashMap;

fn plan(n: usize) -> Plan {
    let sends = (0..n)
        .map(|i| {
            let phone = crate::phone::Phone::from_e164_unchecked(format!("+2547{:08}", 10_000_000 + i));
            Send {
                recipient: Recipient {
                    target: Target::Phone(phone),
                    origin: Origin::CsvLine(i as u64 + 2),
                    values: std::sync::Arc::from([]),
                },
                request: HttpRequest::post_json(
                    "https://x/42/messages".into(),
                    Auth { header: "Authorization", prefix: "Bearer " },
                    serde_json::json!({"text": format!("hi {i}")}),
                ),
            }
        })
        .collect();
    Plan {
        file: "c.yaml".into(),
        file_hash: "0".repeat(64),
        sections: HashMap::from([("message".into(), "m1".into())]),
        id: "c".into(),
        name: None,
        provider: ProviderKind::CloudApi,
        settings: Settings { base_url: "https://x".into(), account: "42".into() },
        token_env: "T".into(),
        message_type: crate::message::MessageType::Text,
        delivery: crate::delivery::Delivery::default(),
        send_at: None,
        sends,
        skipped: Skipped::default(),
        skipped_rows: vec![],
    }
}

fn outcome(send: &Send, status: crate::results::Status) -> Record {
    let mut r = Record::skipped(send.recipient.target.to_string(), send.recipient.csv_line(), "", String::new());
    r.status = status;
    r.error_code = None;
    r.error_message = None;
    r.attempts = 1;
    r
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn marks_and_outcomes_round_trip_with_grouped_commits() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("j.db");
    let mut j = Journal::open(&path).unwrap();
    let p = plan(50);
    j.begin_run("c", &p.sections, "send").unwrap();
    let writer = j.writer("c", false).unwrap();
    let tasks: Vec<_> = p
        .sends
        .iter()
        .cloned()
        .map(|s| {
            let h = writer.handle();
            tokio::spawn(async move {
                let hash = request_hash(&s.request, "https://x");
                h.in_flight(&s.recipient.target.to_string(), s.recipient.csv_line(), &s.request, hash).await
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap().unwrap();
    }
    let handle = writer.handle();
    for s in &p.sends[..40] {
        handle.done(&outcome(s, Status::Sent), request_hash(&s.request, "https://x"));
    }
    drop(handle);
    let stats = writer.finish().unwrap();
    assert_eq!(stats.operations, 90);
    assert!(stats.commits < 90, "no grouping: {stats:?}");
    let state = j.load("c").unwrap();
    assert_eq!(state.rows.values().filter(|r| r.state == State::Sent).count(), 40);
    assert_eq!(state.rows.values().filter(|r| r.state == State::InFlight).count(), 10);
    assert_eq!(j.settle_crashed("c").unwrap(), 10);
    let state = j.load("c").unwrap();
    let unknown = state.rows.values().find(|r| r.state == State::Unknown).unwrap();
    assert_eq!(unknown.record.error_code.as_deref(), Some("interrupted"));
    assert_eq!(state.runs, 1);
}

#[test]
fn selection_follows_states_and_flags() {
    let p = plan(4);
    let mut state = CampaignState::default();
    for (i, st) in [(0, State::Sent), (1, State::Failed), (2, State::Unknown)] {
        let s = &p.sends[i];
        state.rows.insert(
            s.recipient.target.to_string(),
            Row {
                state: st,
                request_hash: String::new(),
                record: outcome(s, Status::Sent),
                first_sent_at: String::new(),
            },
        );
    }
    let sel = select(&p, &state, false, false);
    assert_eq!(sel.to_send, [3]);
    assert_eq!((sel.pending, sel.sent, sel.failed, sel.unknown, sel.done.len()), (1, 1, 1, 1, 3));
    assert_eq!(
        sel.describe(),
        "send to 1 recipient, skip 1 already sent, leave 1 failed as they are (--retry-failed resends them), leave 1 unknown as they are (--retry-unknown resends them)"
    );
    assert_eq!(select(&p, &state, true, false).to_send, [1, 3]);
    assert_eq!(select(&p, &state, false, true).to_send, [2, 3]);
}

#[test]
fn changes_are_detected_only_after_a_partial_send() {
    let p = plan(2);
    let key = p.sends[0].recipient.target.to_string();
    let mut state = CampaignState::default();
    assert!(!detect(&state, &p).any(), "nothing sent, nothing changed");
    state.sections = Some(HashMap::from([("message".into(), "m0".into())]));
    state.rows.insert(
        key.clone(),
        Row {
            state: State::Sent,
            request_hash: "old".into(),
            record: outcome(&p.sends[0], Status::Sent),
            first_sent_at: String::new(),
        },
    );
    let c = detect(&state, &p);
    assert_eq!(c.sections, ["message"]);
    assert_eq!(c.requests, [(key, Some(2))]);
    assert!(
        c.describe().contains("the campaign file's `message` changed; the rendered request differs for 1 recipient"),
        "{}",
        c.describe()
    );
}

#[test]
fn the_request_hash_ignores_the_base_url_but_not_the_body() {
    let p = plan(2);
    let a = request_hash(&p.sends[0].request, "https://x");
    let mut moved = p.sends[0].request.clone();
    moved.url = "http://127.0.0.1:9/42/messages".into();
    assert_eq!(request_hash(&moved, "http://127.0.0.1:9"), a);
    assert_ne!(request_hash(&p.sends[1].request, "https://x"), a);
}
