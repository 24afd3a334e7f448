//! Every provider × every message type it supports, built by herald's own mapping: accepted,
//! answered with the provider's success shape, and recorded with the right recipient.

use super::{build, build_at, client, samples, send, start, to};
use crate::providers::testing::kind;
use crate::providers::{ProviderKind, Target};
use crate::sandbox::Config;
use serde_json::json;
use std::collections::HashSet;

#[tokio::test]
async fn every_supported_message_type_is_accepted_and_recorded() {
    let sandbox = start(Config::default()).await;
    let client = client();
    let mut ids = HashSet::new();
    let mut sent = 0;
    for &kind in ProviderKind::ALL {
        let cases = samples(kind);
        for (label, message) in cases {
            let request = build(&sandbox, kind, &to(), message);
            let (status, _, body) = send(&client, kind, &request).await;
            assert!(status < 300, "{kind} {label}: {status} {body}");
            let accepted = sandbox.accepted();
            let last = accepted.last().expect("recorded");
            assert_eq!(accepted.len(), sent + 1, "{kind} {label}");
            sent += 1;
            assert_eq!(
                (last.provider, last.recipient.as_str()),
                (kind, kind.fixture().recipient(label)),
                "{kind} {label}"
            );
            assert_eq!(last.body, request.body, "{kind} {label}");
            assert!(request.url.ends_with(&last.path), "{kind} {label}: {} vs {}", request.url, last.path);
            kind.fixture().assert_success(status, &body, last.message_id.as_deref(), &request.body);
            if let Some(id) = &last.message_id {
                assert!(ids.insert(id.clone()), "{kind} {label}: id {id} repeated");
            }
        }
    }
    // 12 samples filtered by the support matrix (text…reaction), a rich template for the
    // providers that pass Meta's components through whole, and media headers, link buttons,
    // products, the catalog and Flows where they are documented.
    for &kind in ProviderKind::ALL {
        assert_eq!(sandbox.stats().accepted_by(kind), samples(kind).len() as u64, "{kind}");
    }
    let stats = sandbox.stats();
    assert_eq!((stats.received, stats.accepted, stats.rejected, stats.faults), (sent as u64, sent as u64, 0, 0));
    assert_eq!(sandbox.attempts().len(), sent);
    assert!(sandbox.attempts().iter().all(|a| a.status == 200 || a.status == 201));
    sandbox.shutdown().await;
}

#[tokio::test]
async fn scheduled_messages_are_accepted_like_any_other() {
    // Neither provider documents a different answer for a scheduled message.
    let sandbox = start(Config::default()).await;
    let client = client();
    let send_at = Some("2026-12-25T10:00:00Z".parse().unwrap());
    let mut scheduled = 0;
    for &kind in ProviderKind::ALL {
        for (label, message) in samples(kind) {
            if !kind.provider().schedules(message.message_type()) {
                continue;
            }
            let request = build_at(&sandbox, kind, &to(), message, send_at);
            let time = request.body.get("sendsAt").or(request.body.get("scheduleDateTime"));
            assert_eq!(time, Some(&json!("2026-12-25T10:00:00Z")), "{kind} {label}");
            let (status, _, body) = send(&client, kind, &request).await;
            let last = sandbox.accepted().last().cloned().expect("recorded");
            assert_eq!(last.body, request.body, "{kind} {label}");
            kind.fixture().assert_success(status, &body, last.message_id.as_deref(), &request.body);
            scheduled += 1;
        }
    }
    assert_eq!(scheduled, 8 + 5, "every Communiktor sample and WhautoChat's text and media");
    sandbox.shutdown().await;
}

#[tokio::test]
async fn autokonnect_counts_tag_targets() {
    let sandbox = start(Config::default()).await;
    let client = client();
    let kind = kind("autokonnect");
    let text = crate::message::Message::Text { body: "Sale today".into(), preview_url: None };
    for (tags, count, recipient) in [(vec!["42"], 1, "tag:42"), (vec!["42", "57"], 2, "tag:42,57")] {
        let target = Target::Tags(crate::providers::Bulk {
            tags: tags.into_iter().map(String::from).collect(),
            numbers: vec![],
        });
        let request = build(&sandbox, kind, &target, text.clone());
        let (status, _, body) = send(&client, kind, &request).await;
        assert_eq!(
            (status, body),
            (200, json!({ "message": "Message queued for sending", "recipients_count": count }))
        );
        assert_eq!(sandbox.accepted().last().unwrap().recipient, recipient);
    }
    sandbox.shutdown().await;
}

#[tokio::test]
async fn base_urls_match_what_campaigns_are_given() {
    let sandbox = start(Config::default()).await;
    let port = sandbox.addr().port();
    assert!(sandbox.addr().ip().is_loopback());
    assert_eq!(sandbox.base_url(kind("cloud_api")), format!("http://127.0.0.1:{port}/cloud_api/v23.0"));
    assert_eq!(sandbox.base_url(kind("evolution")), format!("http://127.0.0.1:{port}/evolution"));
    assert!(crate::sandbox::token(kind("flowiq")).starts_with("fiq_"));
    sandbox.shutdown().await;
}
