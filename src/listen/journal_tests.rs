//! The listener into a real journal (SQLite) over loopback HTTP: concurrent posts batched into
//! the journal and answered once it holds them, beside a `send` holding the campaign's lock;
//! a failed write answered 503; unknown messages' receipts swept after the grace.

use super::*;
use crate::journal::writer::Candidate;
use crate::journal::{Journal, Location, Policy};
use crate::providers::{MessageStatus, ProviderError, ProviderKind, StatusEvent, signature};
use crate::results::{Record, Status};
use crate::secret::Secret;
use std::collections::HashMap;
use std::time::Duration;

fn keys() -> Keys {
    Keys {
        meta_app_secret: Some(Secret::new("app-secret")),
        meta_verify_token: Some(Secret::new("verify-me")),
        shared: Some(Secret::new("s3cret")),
    }
}

/// An SQLite journal in which campaign `c` sent `wamid.0` … `wamid.<n-1>`, and the lock of
/// the `send` still holding it.
async fn journal(n: usize) -> (tempfile::TempDir, Location, Journal) {
    let dir = tempfile::tempdir().unwrap();
    let at = Location::File(dir.path().join("journal.db"));
    let mut j = Journal::open(&at, "c").unwrap();
    j.begin_run("c", &HashMap::new(), "c.yaml", "send", "cloud_api:1").unwrap();
    let writer = j.writer("c", false).unwrap();
    let h = writer.handle();
    let candidates = (0..n).map(|i| Candidate {
        recipient: format!("+2547{:08}", i),
        csv_line: None,
        request_hash: Some([0; 32]),
        body: None,
        sender: None,
    });
    h.admit(candidates.collect(), Policy::default(), usize::MAX).await.unwrap();
    h.done(
        (0..n)
            .map(|i| {
                let mut r = Record::new(format!("+2547{:08}", i), None, Status::Sent);
                r.message_id = Some(format!("wamid.{i}"));
                r
            })
            .collect(),
    );
    drop(h);
    writer.finish().unwrap();
    (dir, at, j)
}

fn event(id: &str, status: MessageStatus) -> StatusEvent {
    let error =
        (status == MessageStatus::Failed).then(|| ProviderError::new(Some("131026".into()), "Message undeliverable"));
    StatusEvent {
        message_id: id.into(),
        account: Some("1".into()),
        status,
        at: jiff::Timestamp::from_second(1_750_000_000).ok(),
        error,
        pricing: None,
    }
}

/// Posts Meta's signed webhook for `events`; the answer's status.
async fn post(base: &str, events: &[StatusEvent]) -> u16 {
    let body = (ProviderKind::named("cloud_api").unwrap().provider().status_webhook().unwrap().post)(events);
    let signed = signature::sign(b"app-secret", &body);
    let _ = rustls::crypto::ring::default_provider().install_default();
    let client = reqwest::Client::builder().timeout(Duration::from_secs(30)).build().unwrap();
    let response = client
        .post(format!("{base}/webhooks/cloud_api"))
        .header("x-hub-signature-256", signed)
        .body(body)
        .send()
        .await
        .unwrap();
    response.status().as_u16()
}

async fn listen(at: &Location, grace: Duration) -> (Listener, String) {
    let sink = JournalSink::start(Journal::open_listener(at).unwrap(), grace).unwrap();
    let socket = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let listener = Listener::start(socket, keys(), sink).unwrap();
    let base = format!("http://{}", listener.addr());
    (listener, base)
}

async fn metrics(base: &str) -> String {
    reqwest::get(format!("{base}/metrics")).await.unwrap().text().await.unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn concurrent_posts_are_answered_once_the_journal_holds_them_beside_a_send() {
    let (_dir, at, sending) = journal(40).await;
    let (listener, base) = listen(&at, crate::journal::GRACE).await;
    let mut posts = tokio::task::JoinSet::new();
    for i in 0..40 {
        let base = base.clone();
        posts.spawn(async move {
            let id = format!("wamid.{i}");
            let events = match i % 4 {
                0 => vec![event(&id, MessageStatus::Sent), event(&id, MessageStatus::Delivered)],
                1 => vec![event(&id, MessageStatus::Read), event(&id, MessageStatus::Delivered)],
                2 => vec![event(&id, MessageStatus::Failed)],
                _ => vec![event(&id, MessageStatus::Delivered), event(&id, MessageStatus::Delivered)],
            };
            post(&base, &events).await
        });
    }
    let answers = posts.join_all().await;
    assert!(answers.iter().all(|s| *s == 200), "{answers:?}");
    assert_eq!(post(&base, &[event("wamid.elsewhere", MessageStatus::Read)]).await, 200);
    let funnel = sending.funnel("c").unwrap();
    assert_eq!((funnel.accepted, funnel.delivered, funnel.read, funnel.failed, funnel.no_receipt), (40, 30, 10, 10, 0));
    let failed = sending.row("c", "+254700000002").unwrap().unwrap().record.receipts.unwrap();
    assert_eq!(
        (failed.error_code.as_deref(), failed.error.as_deref()),
        (Some("131026"), Some("Message undeliverable"))
    );
    let m = metrics(&base).await;
    for line in [
        r#"herald_receipts_total{provider="cloud_api",status="sent"} 10"#,
        r#"herald_receipts_stored_total{provider="cloud_api",outcome="new"} 50"#,
        r#"herald_receipts_stored_total{provider="cloud_api",outcome="repeated"} 10"#,
        r#"herald_receipts_stored_total{provider="cloud_api",outcome="unknown"} 1"#,
        "herald_journal_receipts_written_total 61",
        "herald_journal_write_failures_total 0",
    ] {
        assert!(m.contains(line), "{line} in {m}");
    }
    let transactions: u64 =
        m.lines().find_map(|l| l.strip_prefix("herald_journal_write_seconds_count ")).unwrap().parse().unwrap();
    assert!((1..=41).contains(&transactions), "{transactions}");
    listener.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_write_that_fails_is_answered_503_so_the_provider_retries() {
    let (_dir, at, _sending) = journal(1).await;
    let (listener, base) = listen(&at, crate::journal::GRACE).await;
    let Location::File(path) = &at else { unreachable!() };
    rusqlite::Connection::open(path).unwrap().execute_batch("ALTER TABLE receipts RENAME TO gone").unwrap();
    assert_eq!(post(&base, &[event("wamid.0", MessageStatus::Read)]).await, 503);
    assert!(metrics(&base).await.contains("herald_journal_write_failures_total 1"));
    listener.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn receipts_of_unknown_messages_are_counted_then_swept_after_the_grace() {
    let (_dir, at, _sending) = journal(1).await;
    let (listener, base) = listen(&at, Duration::from_millis(300)).await;
    assert_eq!(post(&base, &[event("wamid.0", MessageStatus::Read), event("wamid.x", MessageStatus::Read)]).await, 200);
    let Location::File(path) = &at else { unreachable!() };
    let stored = || -> Vec<String> {
        let c = rusqlite::Connection::open(path).unwrap();
        let mut s = c.prepare("SELECT message_id FROM receipts ORDER BY message_id").unwrap();
        s.query_map([], |r| r.get(0)).unwrap().map(Result::unwrap).collect()
    };
    assert_eq!(stored(), ["wamid.0", "wamid.x"], "kept while its send's answer may still come");
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while stored().len() > 1 && std::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(stored(), ["wamid.0"]);
    assert!(metrics(&base).await.contains("herald_unknown_receipts_swept_total 1"));
    listener.stop().await;
}

#[test]
fn a_failures_code_and_words_are_kept_bounded() {
    let mut e = event("wamid.0", MessageStatus::Failed);
    e.error = Some(ProviderError::new(Some("9".repeat(5000)), "é".repeat(100_000)));
    let r = super::journal_sink::receipt(e, jiff::Timestamp::now(), ProviderKind::named("flowiq").unwrap()).unwrap();
    let (code, words) = (r.error_code.unwrap(), r.error.unwrap());
    assert_eq!((code.chars().count(), words.chars().count()), (65, 513), "cut, with an ellipsis");
    assert!(words.ends_with('…') && words.starts_with("éé"));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_delivery_s_pricing_reaches_the_journal_and_a_failure_s_does_not() {
    let (_dir, at, j) = journal(2).await;
    drop(j);
    let (listener, base) = listen(&at, Duration::from_secs(600)).await;
    let pricing = crate::providers::Pricing { billable: true, category: "marketing".into(), kind: "regular".into() };
    let mut delivered = event("wamid.0", MessageStatus::Delivered);
    delivered.pricing = Some(pricing.clone());
    let mut failed = event("wamid.1", MessageStatus::Failed);
    failed.pricing = Some(pricing.clone());
    assert_eq!(post(&base, &[delivered, failed]).await, 200);
    listener.stop().await;
    let j = Journal::open_read(at).unwrap().unwrap();
    let phones = [format!("+2547{:08}", 0), format!("+2547{:08}", 1)];
    let rows = j.rows("c", &phones).unwrap();
    let priced: Vec<_> =
        phones.iter().map(|p| rows[p].record.receipts.as_ref().and_then(|k| k.pricing.clone())).collect();
    assert_eq!(priced, [Some(pricing), None], "billed once delivered, never for a failure");
}
