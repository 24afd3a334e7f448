//! The listener over real HTTP on loopback, storing into memory: Meta's handshake and
//! signatures, shared secrets in the path or a header, and every way a post is refused.

use super::*;
use crate::providers::{ProviderKind, StatusEvent, signature};
use crate::secret::Secret;
use std::sync::{Arc, Mutex};

/// Keeps what it is given, or fails when told to.
#[derive(Clone, Default)]
struct Memory {
    stored: Arc<Mutex<Vec<(String, StatusEvent)>>>,
    failing: bool,
}

impl Sink for Memory {
    async fn store(&self, provider: ProviderKind, events: Vec<StatusEvent>) -> Result<Stored, SinkError> {
        if self.failing {
            return Err(SinkError(Box::new(std::io::Error::other("disk full"))));
        }
        let n = events.len();
        let id = provider.provider().info().id.to_string();
        self.stored.lock().unwrap().extend(events.into_iter().map(|e| (id.clone(), e)));
        Ok(Stored { new: n, ..Stored::default() })
    }
}

fn keys() -> Keys {
    Keys {
        meta_app_secret: Some(Secret::new("app-secret")),
        meta_verify_token: Some(Secret::new("verify-me")),
        shared: Some(Secret::new("s3cret")),
    }
}

async fn listen(keys: Keys, sink: Memory) -> (Listener, String) {
    let socket = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let listener = Listener::start(socket, keys, sink).unwrap();
    let base = format!("http://{}", listener.addr());
    (listener, base)
}

const META: &str = r#"{"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"field":"messages","value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":"1","phone_number_id":"106540352242922"},"statuses":[{"id":"wamid.A","status":"read","timestamp":"1749416383","recipient_id":"16505551234"}]}}]}]}"#;

/// A plain-HTTP client (reqwest still wants a TLS provider installed to build one).
fn client() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder().timeout(std::time::Duration::from_secs(10)).build().expect("client")
}

async fn post(base: &str, path: &str, body: &str, headers: &[(&str, &str)]) -> (u16, String) {
    let mut request = client().post(format!("{base}{path}")).body(body.to_string());
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = request.send().await.unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}

async fn get(base: &str, path: &str) -> (u16, String) {
    let response = client().get(format!("{base}{path}")).send().await.unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}

#[tokio::test]
async fn meta_s_handshake_and_signed_posts_are_taken_and_everything_else_refused() {
    let sink = Memory::default();
    let (listener, base) = listen(keys(), sink.clone()).await;
    let handshake = "/webhooks/cloud_api?hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token=verify-me";
    assert_eq!(get(&base, handshake).await, (200, "1158201444".into()));
    assert_eq!(get(&base, &handshake.replace("verify-me", "guess")).await.0, 403);
    let signed = signature::sign(b"app-secret", META.as_bytes());
    let (status, _) = post(&base, "/webhooks/cloud_api", META, &[("x-hub-signature-256", &signed)]).await;
    assert_eq!(status, 200);
    assert_eq!(sink.stored.lock().unwrap().len(), 1);
    let tampered = META.replace("wamid.A", "wamid.B");
    assert_eq!(post(&base, "/webhooks/cloud_api", &tampered, &[("x-hub-signature-256", &signed)]).await.0, 401);
    assert_eq!(post(&base, "/webhooks/cloud_api", META, &[]).await.0, 401, "no signature");
    assert_eq!(post(&base, "/webhooks/cloud_api/s3cret", META, &[]).await.0, 401, "the shared secret is not Meta's");
    assert_eq!(sink.stored.lock().unwrap().len(), 1, "nothing refused was stored");
    let metrics = get(&base, "/metrics").await.1;
    assert!(metrics.contains(r#"herald_receipts_total{provider="cloud_api",status="read"} 1"#), "{metrics}");
    assert!(metrics.contains(r#"herald_receipts_stored_total{provider="cloud_api",outcome="new"} 1"#), "{metrics}");
    assert!(
        metrics.contains(r#"herald_refused_posts_total{provider="cloud_api",reason="bad_signature"} 1"#),
        "{metrics}"
    );
    assert!(!metrics.contains("app-secret") && !metrics.contains("s3cret"));
    assert_eq!(get(&base, "/healthz").await, (200, "ok\n".into()));
    listener.stop().await;
}

#[tokio::test]
async fn other_providers_post_with_the_shared_secret_in_the_path_or_a_header() {
    let sink = Memory::default();
    let (listener, base) = listen(keys(), sink.clone()).await;
    let evolution = r#"{"event":"messages.update","instance":"shop","data":{"keyId":"K1","fromMe":true,"status":"DELIVERY_ACK"},"apikey":"EVO-KEY"}"#;
    let flowiq = r#"{"event_type":"message_delivered","whatsapp_message_id":"wamid.F","status":"delivered","timestamp":"2026-03-07T00:00:00.000Z"}"#;
    assert_eq!(post(&base, "/webhooks/evolution", evolution, &[("x-herald-secret", "s3cret")]).await.0, 200);
    assert_eq!(post(&base, "/webhooks/flowiq/s3cret", flowiq, &[]).await.0, 200);
    assert_eq!(post(&base, "/webhooks/flowiq/guess", flowiq, &[]).await.0, 401);
    assert_eq!(post(&base, "/webhooks/evolution", evolution, &[]).await.0, 401);
    let stored: Vec<(String, String)> =
        sink.stored.lock().unwrap().iter().map(|(p, e)| (p.clone(), e.message_id.clone())).collect();
    assert_eq!(stored, [("evolution".to_string(), "K1".to_string()), ("flowiq".into(), "wamid.F".into())]);
    assert!(!format!("{:?}", sink.stored.lock().unwrap()).contains("EVO-KEY"), "Evolution's apikey is never kept");
    // Authenticated but unreadable; too large; a provider with no status webhook; no such path.
    assert_eq!(post(&base, "/webhooks/flowiq/s3cret", "{not json", &[]).await.0, 400);
    let huge = format!(r#"{{"event_type":"message_read","pad":"{}"}}"#, "x".repeat(BODY_LIMIT + 1));
    assert_eq!(post(&base, "/webhooks/flowiq/s3cret", &huge, &[]).await.0, 413);
    assert_eq!(post(&base, "/webhooks/whautochat/s3cret", flowiq, &[]).await.0, 404);
    assert_eq!(post(&base, "/elsewhere", flowiq, &[]).await.0, 404);
    listener.stop().await;
}

#[tokio::test]
async fn a_route_without_its_secret_is_off_and_a_failing_store_asks_for_a_retry() {
    let only_meta = Keys { shared: None, ..keys() };
    let (listener, base) = listen(only_meta, Memory { failing: true, ..Memory::default() }).await;
    let flowiq = r#"{"event_type":"message_read","whatsapp_message_id":"wamid.F"}"#;
    assert_eq!(post(&base, "/webhooks/flowiq/anything", flowiq, &[]).await.0, 404);
    let signed = signature::sign(b"app-secret", META.as_bytes());
    assert_eq!(post(&base, "/webhooks/cloud_api", META, &[("x-hub-signature-256", &signed)]).await.0, 503);
    listener.stop().await;
}

#[tokio::test(start_paused = true)]
async fn a_connection_that_sends_no_request_is_closed_after_the_header_time() {
    use tokio::io::AsyncReadExt;
    let (_listener, base) = listen(keys(), Memory::default()).await;
    let mut idle = tokio::net::TcpStream::connect(base.trim_start_matches("http://")).await.unwrap();
    let started = tokio::time::Instant::now();
    let mut buf = Vec::new();
    // Nothing is sent: the paused clock runs on to the header timeout, and the server hangs up.
    let read = tokio::time::timeout(std::time::Duration::from_secs(120), idle.read_to_end(&mut buf)).await;
    assert!(read.is_ok(), "the idle connection was held past the header time");
    assert!(started.elapsed() >= std::time::Duration::from_secs(30), "{:?}", started.elapsed());
}
