//! End-to-end tests over loopback: requests built by herald's own provider mappings, sent with
//! a real HTTP client to a running sandbox.

mod account;
mod faults;
mod mappings;
mod polls;
mod receipts;
mod rejects;
mod stats;
mod throughput;

use super::{Config, Sandbox, token};
use crate::message::Message;
use crate::providers::{Outgoing, ProviderKind, Settings, Target};
use crate::request::HttpRequest;
use serde_json::Value;
use std::sync::Once;
use std::time::Duration;

/// A plain-HTTP client (reqwest still wants a TLS provider installed to build one).
fn client() -> reqwest::Client {
    client_with_timeout(Duration::from_secs(10))
}

fn client_with_timeout(timeout: Duration) -> reqwest::Client {
    static RING: Once = Once::new();
    RING.call_once(|| {
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
    reqwest::Client::builder().timeout(timeout).build().expect("client")
}

/// A sandbox with `config`.
async fn start(config: Config) -> Sandbox {
    Sandbox::start(config).await.expect("sandbox starts")
}

/// The recipient of every test message.
fn to() -> Target {
    crate::providers::testing::to()
}

/// herald's request for `message` to `target`, aimed at the sandbox.
fn build(sandbox: &Sandbox, kind: ProviderKind, target: &Target, message: Message) -> HttpRequest {
    build_at(sandbox, kind, target, message, None)
}

/// herald's request for `message` to `target`, aimed at the sandbox, asking the provider to
/// deliver at `send_at`.
fn build_at(
    sandbox: &Sandbox,
    kind: ProviderKind,
    target: &Target,
    message: Message,
    send_at: Option<jiff::Timestamp>,
) -> HttpRequest {
    let settings =
        Settings { base_url: sandbox.base_url(kind), account: kind.fixture().account().into(), send_at, typing: false };
    let outgoing =
        Outgoing { message, metadata: None, reply_to: None, mentions: crate::providers::Mentions::default() };
    let mut findings = Vec::new();
    kind.provider().check(&outgoing, &mut findings);
    let errors: Vec<_> = findings.iter().filter(|f| f.severity == crate::providers::Severity::Error).collect();
    assert!(errors.is_empty(), "{kind}: the sample message must pass check: {errors:?}");
    kind.provider().request(&settings, target, &outgoing).expect("supported")
}

/// Sends `request` as herald would, with `secret` joined into the auth header.
async fn send_with(
    client: &reqwest::Client,
    request: &HttpRequest,
    secret: &str,
) -> reqwest::Result<reqwest::Response> {
    let mut builder = client.post(&request.url);
    for header in &request.headers {
        builder = builder.header(header.name, header.with_secret(secret));
    }
    builder.body(request.body.to_string()).send().await
}

/// Sends `request` with the sandbox's token for `kind`; returns the status, `Retry-After` and
/// the JSON body.
async fn send(client: &reqwest::Client, kind: ProviderKind, request: &HttpRequest) -> (u16, Option<String>, Value) {
    let response = send_with(client, request, token(kind)).await.expect("an answer");
    let status = response.status().as_u16();
    let retry_after = response.headers().get("retry-after").map(|v| v.to_str().unwrap().to_string());
    let body = response.json().await.expect("a JSON answer");
    (status, retry_after, body)
}

/// herald's text message to [`to`] for `kind`.
fn text_request(sandbox: &Sandbox, kind: ProviderKind) -> HttpRequest {
    build(sandbox, kind, &to(), Message::Text { body: "Hello from herald".into(), preview_url: Some(false) })
}

/// One message of every type `kind` claims (see [`crate::providers::testing::Fixture::samples`]).
fn samples(kind: ProviderKind) -> Vec<(&'static str, Message)> {
    kind.fixture().samples()
}
