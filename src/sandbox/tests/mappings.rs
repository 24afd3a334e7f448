//! Every provider × every message type it supports, built by herald's own mapping: accepted,
//! answered with the provider's success shape, and recorded with the right recipient.

use super::{build, build_at, client, samples, send, start, to};
use crate::providers::{ProviderKind, Target};
use crate::sandbox::Config;
use serde_json::{Value, json};
use std::collections::HashSet;

/// The recipient as each mapping writes it in the body.
fn recipient(kind: ProviderKind, label: &str) -> &'static str {
    match (kind, label) {
        (ProviderKind::Evolution, "reaction") => "254712345678@s.whatsapp.net",
        (ProviderKind::Communiktor | ProviderKind::Evolution, _) => "254712345678",
        _ => "+254712345678",
    }
}

/// Asserts `body` is `kind`'s documented success answer carrying `id`.
fn assert_success(kind: ProviderKind, status: u16, body: &Value, id: Option<&str>, sent: &Value) {
    match kind {
        ProviderKind::Communiktor => {
            assert_eq!(status, 200);
            assert_eq!(body, &json!({ "message": "Message sent", "success": true, "code": 200, "data": { "id": id } }));
        }
        ProviderKind::Evolution => {
            assert_eq!(status, 201);
            let id = id.unwrap();
            assert_eq!(id.len(), 16);
            assert!(id.chars().all(|c| c.is_ascii_digit() || c.is_ascii_uppercase()), "{id}");
            assert_eq!(body["key"], json!({ "remoteJid": "254712345678@s.whatsapp.net", "fromMe": true, "id": id }));
            assert_eq!(
                (&body["status"], &body["pushName"], &body["source"]),
                (&json!("PENDING"), &json!(""), &json!("unknown"))
            );
            let message_type = body["messageType"].as_str().unwrap();
            assert!(body["message"].get(message_type).is_some(), "{body}");
            assert!(body["messageTimestamp"].as_u64().unwrap() > 1_700_000_000);
            assert!(body["instanceId"].is_string());
        }
        ProviderKind::Whautochat => {
            assert_eq!(status, 200);
            assert_eq!(body, &json!({ "id": id, "status": "queued", "error": "" }));
        }
        ProviderKind::Autokonnect => {
            assert_eq!(status, 200);
            assert_eq!(body, &json!({ "message": "Message queued for sending", "recipients_count": 1 }));
            assert_eq!(id, None);
        }
        ProviderKind::Flowiq => {
            assert_eq!(status, 200);
            let data = json!({ "message_id": id, "recipient": "254712345678", "message_type": sent["message_type"] });
            assert_eq!(body, &json!({ "success": true, "message": "Message sent successfully", "data": data }));
            assert!(id.unwrap().starts_with("wamid."));
        }
        ProviderKind::CloudApi => {
            assert_eq!(status, 200);
            let expected = json!({
                "messaging_product": "whatsapp",
                "contacts": [{ "input": "+254712345678", "wa_id": "254712345678" }],
                "messages": [{ "id": id, "message_status": "accepted" }],
            });
            assert_eq!(body, &expected);
            assert!(id.unwrap().starts_with("wamid."));
        }
    }
}

#[tokio::test]
async fn every_supported_message_type_is_accepted_and_recorded() {
    let sandbox = start(Config::default()).await;
    let client = client();
    let mut ids = HashSet::new();
    let mut sent = 0;
    for kind in ProviderKind::ALL {
        let cases = samples(kind);
        for (label, message) in cases {
            let request = build(&sandbox, kind, &to(), message);
            let (status, _, body) = send(&client, kind, &request).await;
            assert!(status < 300, "{kind} {label}: {status} {body}");
            let accepted = sandbox.accepted();
            let last = accepted.last().expect("recorded");
            assert_eq!(accepted.len(), sent + 1, "{kind} {label}");
            sent += 1;
            assert_eq!((last.provider, last.recipient.as_str()), (kind, recipient(kind, label)), "{kind} {label}");
            assert_eq!(last.body, request.body, "{kind} {label}");
            assert!(request.url.ends_with(&last.path), "{kind} {label}: {} vs {}", request.url, last.path);
            assert_success(kind, status, &body, last.message_id.as_deref(), &request.body);
            if let Some(id) = &last.message_id {
                assert!(ids.insert(id.clone()), "{kind} {label}: id {id} repeated");
            }
        }
    }
    // 12 samples filtered by the support matrix (text…reaction), a rich template for the
    // providers that pass Meta's components through whole, and media headers, link buttons,
    // products, the catalog and Flows where they are documented.
    let per_kind: Vec<u64> = ProviderKind::ALL.iter().map(|k| sandbox.stats().accepted_by(*k)).collect();
    assert_eq!(per_kind, [8, 13, 6, 11, 11, 19]);
    let stats = sandbox.stats();
    assert_eq!((stats.received, stats.accepted, stats.rejected, stats.faults), (68, 68, 0, 0));
    assert_eq!(sandbox.attempts().len(), 68);
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
    for kind in ProviderKind::ALL {
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
            assert_success(kind, status, &body, last.message_id.as_deref(), &request.body);
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
    let kind = ProviderKind::Autokonnect;
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
    assert_eq!(sandbox.base_url(ProviderKind::CloudApi), format!("http://127.0.0.1:{port}/cloud_api/v23.0"));
    assert_eq!(sandbox.base_url(ProviderKind::Evolution), format!("http://127.0.0.1:{port}/evolution"));
    assert!(crate::sandbox::token(ProviderKind::Flowiq).starts_with("fiq_"));
    sandbox.shutdown().await;
}
