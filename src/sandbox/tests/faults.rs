//! Injected faults over real connections: deterministic first-attempt failures, throttling
//! with `Retry-After`, dropped and held connections, seeded randomness, latency, and a clean
//! shutdown that ends held connections and flushes the record file.

use super::{build, client, client_with_timeout, send, send_with, start, text_request};
use crate::message::Message;
use crate::phone::Phone;
use crate::providers::testing::kind;
use crate::providers::{ProviderKind, Target};
use crate::sandbox::{Config, Sandbox, token};
use serde_json::{Value, json};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// A text message for `phone` (E.164) through `kind`.
fn text_to(sandbox: &Sandbox, kind: ProviderKind, phone: &str) -> crate::request::HttpRequest {
    let target = Target::Phone(Phone::from_e164_unchecked(phone));
    build(sandbox, kind, &target, Message::Text { body: "Hi".into(), preview_url: None })
}

#[tokio::test]
async fn first_attempts_fail_then_throttle_then_succeed_per_recipient() {
    let sandbox = start(Config { fail_first: 2, throttle_first: 1, retry_after_secs: 3, ..Config::default() }).await;
    let client = client();
    let kind = kind("cloud_api");
    let request = text_request(&sandbox, kind);
    let mut seen = Vec::new();
    for _ in 0..4 {
        let (status, retry_after, body) = send(&client, kind, &request).await;
        seen.push((status, retry_after, body["error"]["code"].clone()));
    }
    let expected = [
        (500, None, json!(1)),
        (500, None, json!(1)),
        (429, Some("3".to_string()), json!(130429)),
        (200, None, Value::Null),
    ];
    assert_eq!(seen, expected);
    assert_eq!(sandbox.accepted().len(), 1);
    let statuses: Vec<u16> = sandbox.attempts().iter().map(|a| a.status).collect();
    assert_eq!(statuses, [500, 500, 429, 200]);
    // Another recipient starts its own count.
    let (status, _, _) = send(&client, kind, &text_to(&sandbox, kind, "+14155552671")).await;
    assert_eq!(status, 500);
    let stats = sandbox.stats();
    assert_eq!((stats.received, stats.accepted, stats.faults, stats.rejected), (5, 1, 4, 0));
    sandbox.shutdown().await;
}

#[tokio::test]
async fn fault_bodies_use_each_providers_shape() {
    let sandbox = start(Config { fail_first: 1, throttle_first: 1, ..Config::default() }).await;
    let client = client();
    for &kind in ProviderKind::ALL {
        let request = text_request(&sandbox, kind);
        let (status, retry_after, failed) = send(&client, kind, &request).await;
        assert_eq!((status, retry_after), (500, None), "{kind}");
        let (status, retry_after, throttled) = send(&client, kind, &request).await;
        assert_eq!((status, retry_after.as_deref()), (429, Some("1")), "{kind}");
        kind.fixture().assert_faults(&failed, &throttled);
        assert_eq!(send(&client, kind, &request).await.0 / 100, 2, "{kind}");
    }
    assert_eq!(sandbox.stats().accepted, ProviderKind::ALL.len() as u64);
    sandbox.shutdown().await;
}

#[tokio::test]
async fn dropped_messages_are_recorded_but_never_answered() {
    let sandbox = start(Config { drop_rate: 1.0, ..Config::default() }).await;
    let kind = kind("evolution");
    let request = text_request(&sandbox, kind);
    let result = send_with(&client(), &request, token(kind)).await;
    let error = result.expect_err("the connection closes without a response");
    assert!(!error.is_timeout(), "{error}");
    assert_eq!(sandbox.accepted().len(), 1);
    assert_eq!(sandbox.attempts()[0].status, 0);
    let stats = sandbox.stats();
    assert_eq!((stats.accepted, stats.faults), (1, 1));
    sandbox.shutdown().await;
}

#[tokio::test]
async fn held_messages_time_out_and_shutdown_ends_them() {
    let sandbox = start(Config { hang_rate: 1.0, ..Config::default() }).await;
    let kind = kind("flowiq");
    let request = text_request(&sandbox, kind);
    let error = send_with(&client_with_timeout(Duration::from_millis(300)), &request, token(kind))
        .await
        .expect_err("no answer ever comes");
    assert!(error.is_timeout(), "{error}");
    // A raw connection, to see what shutdown does to a held request.
    let mut stream = tokio::net::TcpStream::connect(sandbox.addr()).await.unwrap();
    let body = request.body.to_string();
    let head = format!(
        "POST /flowiq/send-whatsapp?tenantId=acme HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        token(kind),
        body.len()
    );
    stream.write_all(format!("{head}{body}").as_bytes()).await.unwrap();
    let deadline = Instant::now() + Duration::from_secs(5);
    while sandbox.accepted().len() < 2 {
        assert!(Instant::now() < deadline, "the held request was never recorded");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    tokio::time::timeout(Duration::from_secs(5), sandbox.shutdown()).await.expect("shutdown ends held connections");
    let mut answer = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut answer)).await.expect("closed");
    assert!(read.is_err() || answer.is_empty(), "held requests get no answer: {:?}", String::from_utf8_lossy(&answer));
}

/// The statuses of 30 texts to 10 recipients, three rounds, through a sandbox with `seed`.
async fn statuses(seed: u64) -> Vec<u16> {
    let config = Config { fail_rate: 0.3, throttle_rate: 0.2, retry_after_secs: 0, seed, ..Config::default() };
    let sandbox = start(config).await;
    let client = client();
    let mut out = Vec::new();
    for round in 0..3 {
        for i in 0..10 {
            let request = text_to(&sandbox, kind("cloud_api"), &format!("+2547123456{i:02}"));
            let (status, retry_after, _) = send(&client, kind("cloud_api"), &request).await;
            assert_eq!(retry_after.is_some(), status == 429, "round {round}");
            out.push(status);
        }
    }
    let stats = sandbox.stats();
    assert_eq!(stats.faults + stats.accepted, 30);
    sandbox.shutdown().await;
    out
}

#[tokio::test]
async fn seeded_random_faults_repeat() {
    let a = statuses(42).await;
    assert_eq!(a, statuses(42).await);
    assert_ne!(a, statuses(43).await);
    for status in [200, 429, 500] {
        assert!(a.contains(&status), "{a:?}");
    }
}

#[tokio::test]
async fn latency_delays_every_answer_and_attempt_times_show_retry_spacing() {
    let sandbox = start(Config {
        latency: crate::sandbox::Latency::fixed(Duration::from_millis(150)),
        fail_first: 1,
        ..Config::default()
    })
    .await;
    let client = client();
    let kind = kind("whautochat");
    let request = text_request(&sandbox, kind);
    let started = Instant::now();
    assert_eq!(send(&client, kind, &request).await.0, 500);
    assert!(started.elapsed() >= Duration::from_millis(150));
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(send(&client, kind, &request).await.0, 200);
    let attempts = sandbox.attempts();
    assert_eq!(attempts.len(), 2);
    assert!(attempts.iter().all(|a| a.recipient == "+254712345678"));
    // 150 ms latency on the first answer plus the 100 ms pause.
    assert!(attempts[1].at_ms - attempts[0].at_ms >= 240, "{attempts:?}");
    sandbox.shutdown().await;
}

#[tokio::test]
async fn shutdown_flushes_the_record_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("accepted.jsonl");
    std::fs::write(&path, "").unwrap();
    let sandbox = start(Config { record: Some(path.clone()), ..Config::default() }).await;
    let client = client();
    for kind in [kind("communiktor"), kind("autokonnect"), kind("cloud_api")] {
        assert!(send(&client, kind, &text_request(&sandbox, kind)).await.0 < 300);
    }
    let mut refused = text_request(&sandbox, kind("cloud_api"));
    refused.body = json!({});
    assert_eq!(send(&client, kind("cloud_api"), &refused).await.0, 400);
    let accepted = sandbox.accepted();
    sandbox.shutdown().await;
    let text = std::fs::read_to_string(&path).unwrap();
    let lines: Vec<Value> = text.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), 3);
    let expected: Vec<Value> = accepted.iter().map(|a| serde_json::to_value(a).unwrap()).collect();
    assert_eq!(lines, expected);
    assert_eq!(lines[0]["provider"], "communiktor");
    assert_eq!(lines[1]["recipient"], "+254712345678");
    assert_eq!(lines[1]["message_id"], Value::Null);
    assert!(lines[2]["path"].as_str().unwrap().starts_with("/cloud_api/v23.0/"));
}

#[tokio::test]
async fn stats_serialise_per_provider_by_name() {
    let sandbox = start(Config::default()).await;
    let kind = kind("evolution");
    send(&client(), kind, &text_request(&sandbox, kind)).await;
    let stats = serde_json::to_value(sandbox.stats()).unwrap();
    assert_eq!(stats["per_provider"]["evolution"], 1);
    assert_eq!(stats["per_provider"]["cloud_api"], 0);
    assert_eq!(stats["accepted"], 1);
    sandbox.shutdown().await;
}

#[tokio::test]
async fn a_canned_sandbox_answers_success_to_anything_and_keeps_nothing() {
    let sandbox = start(Config { canned: true, retain: false, ..Config::default() }).await;
    let client = client();
    for &kind in ProviderKind::ALL {
        let request = text_request(&sandbox, kind);
        let response = send_with(&client, &request, "not-the-token").await.unwrap();
        assert!(response.status().is_success(), "{kind}: {}", response.status());
        let body: Value = response.json().await.unwrap();
        assert!(!body.is_null(), "{kind}");
    }
    assert_eq!(sandbox.stats().accepted, ProviderKind::ALL.len() as u64);
    assert!(sandbox.accepted().is_empty() && sandbox.attempts().is_empty(), "a canned sandbox keeps no messages");
}

#[tokio::test]
async fn without_retain_only_counts_are_kept() {
    let sandbox = start(Config { retain: false, ..Config::default() }).await;
    let client = client();
    let (status, _, _) = send(&client, kind("cloud_api"), &text_request(&sandbox, kind("cloud_api"))).await;
    assert_eq!(status, 200);
    assert_eq!((sandbox.stats().accepted, sandbox.accepted().len()), (1, 0));
}
