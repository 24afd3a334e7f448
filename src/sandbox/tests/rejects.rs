//! What the sandbox refuses, and that it refuses it in each provider's own shape and words:
//! bodies that break their endpoint's contract, wrong or missing credentials, unknown paths,
//! non-JSON requests.

use super::{build, client, samples, send, send_with, start, text_request, to};
use crate::providers::testing::kind;
use crate::providers::{ProviderKind, contract};
use crate::request::HttpRequest;
use crate::sandbox::{Config, Sandbox};
use serde_json::{Value, json};

/// Asserts a provider-shaped error with `status`.
#[track_caller]
fn assert_error_shape(kind: ProviderKind, status: u16, body: &Value) {
    assert!(kind.fixture().is_error(status, body), "{kind} {status}: {body}");
}

/// `request` with its body replaced by `f(body)`.
fn with_body(request: &HttpRequest, f: impl FnOnce(&mut Value)) -> HttpRequest {
    let mut request = request.clone();
    f(&mut request.body);
    request
}

/// A change that spoils a valid body.
type Mutation = fn(&mut Value);

#[tokio::test]
async fn a_text_body_without_its_text_is_refused_by_every_provider() {
    let sandbox = start(Config::default()).await;
    let client = client();
    for &kind in ProviderKind::ALL {
        let request = with_body(&text_request(&sandbox, kind), |b| {
            b.as_object_mut().unwrap().remove(kind.fixture().text_field());
        });
        let (status, _, body) = send(&client, kind, &request).await;
        assert_eq!(status, 400, "{kind}: {body}");
        assert_error_shape(kind, 400, &body);
    }
    assert_eq!(sandbox.accepted(), []);
    assert_eq!(sandbox.stats().rejected, ProviderKind::ALL.len() as u64);
    sandbox.shutdown().await;
}

#[tokio::test]
async fn malformed_bodies_get_each_providers_own_error() {
    let sandbox = start(Config::default()).await;
    let client = client();
    // Each case: the provider, the spoiling, where its answer words the refusal, and the words.
    let cases: [(ProviderKind, Mutation, &str, Value); 7] = [
        (
            kind("cloud_api"),
            |b| drop(b.as_object_mut().unwrap().remove("to")),
            "/error/message",
            json!("(#100) The parameter to is required."),
        ),
        (
            kind("cloud_api"),
            |b| b["debug"] = json!(true),
            "/error/message",
            json!("(#100) Unexpected key \"debug\" on param \"message\"."),
        ),
        (
            kind("evolution"),
            |b| *b = json!({ "number": "254712345678", "options": { "delay": 1200 }, "textMessage": { "text": "Hi" } }),
            "",
            json!({ "status": 400, "error": "Bad Request", "response": { "message": [["instance requires property \"text\""]] } }),
        ),
        (
            kind("communiktor"),
            |b| b["receiver"] = json!("+254712345678"),
            "",
            json!({ "message": "receiver must be E.164 digits without plus (e.g. 14155552671)", "success": false, "code": 400, "data": null }),
        ),
        (
            kind("whautochat"),
            |b| b["contact"] = json!({ "id": "c1" }),
            "/error",
            json!("recepient cannot be given together with contact; provide either contact or recepient, not both"),
        ),
        (
            kind("autokonnect"),
            |b| *b = json!({ "phone_number": "+254712345678", "type": "template", "template_id": "promo_template", "components": [] }),
            "",
            json!({ "code": "invalid_template_id_format", "message": "template_id must be a number" }),
        ),
        // Without its country code (the contract takes the `+` as optional).
        (kind("flowiq"), |b| b["phone_number"] = json!("0712345678"), "/error", json!("Invalid phone number")),
    ];
    for (kind, mutate, at, expected) in cases {
        let request = with_body(&text_request(&sandbox, kind), mutate);
        let (status, _, body) = send(&client, kind, &request).await;
        assert_eq!(status, 400, "{kind}: {body}");
        assert_error_shape(kind, 400, &body);
        let got = body.pointer(at).cloned().unwrap_or_default();
        assert_eq!(got, expected, "{kind}");
    }
    assert_eq!(sandbox.accepted(), []);
    sandbox.shutdown().await;
}

/// Every sample of every provider, as herald builds it, without each top-level field its
/// contract requires (one at a time): refused with a 400 in the provider's shape.
#[tokio::test]
async fn every_sample_without_a_required_field_is_refused_in_the_providers_shape() {
    let sandbox = start(Config::default()).await;
    let client = client();
    let mut refused = 0;
    for &kind in ProviderKind::ALL {
        for (label, message) in samples(kind) {
            let request = build(&sandbox, kind, &to(), message);
            let path = request.url.strip_prefix(&sandbox.base_url(kind)).unwrap();
            let (contract, _) = contract::find(kind, "POST", path).expect("a contract");
            let without = |key: &str| {
                let mut body = request.body.clone();
                body.as_object_mut().unwrap().remove(key);
                body
            };
            let keys = request.body.as_object().unwrap().keys();
            let required: Vec<&String> = keys.filter(|key| !contract.violations(&without(key)).is_empty()).collect();
            assert!(!required.is_empty(), "{kind} {label}: nothing required?");
            for key in required {
                let request = with_body(&request, |b| *b = without(key));
                let (status, _, body) = send(&client, kind, &request).await;
                assert_eq!(status, 400, "{kind} {label} without {key}: {body}");
                assert_error_shape(kind, 400, &body);
                refused += 1;
            }
        }
    }
    assert_eq!(sandbox.accepted(), []);
    assert_eq!((sandbox.stats().rejected, sandbox.stats().accepted), (refused, 0));
    sandbox.shutdown().await;
}

async fn assert_unauthorized(sandbox: &Sandbox, secret: &str) {
    let client = client();
    for &kind in ProviderKind::ALL {
        let response = send_with(&client, &text_request(sandbox, kind), secret).await.unwrap();
        assert_eq!(response.status().as_u16(), 401, "{kind}");
        let body: Value = response.json().await.unwrap();
        kind.fixture().assert_unauthorized(&body);
    }
}

#[tokio::test]
async fn wrong_tokens_get_each_providers_auth_error() {
    let sandbox = start(Config::default()).await;
    assert_unauthorized(&sandbox, "not-the-key").await;
    // FlowIQ accepts only fiq_ keys: its own token with the prefix cut off is refused too.
    let request = text_request(&sandbox, kind("flowiq"));
    let bare = crate::sandbox::token(kind("flowiq")).trim_start_matches("fiq_");
    assert_eq!(send_with(&client(), &request, bare).await.unwrap().status().as_u16(), 401);
    // No header at all: AutoKonnect says so with its own code.
    let response = client()
        .post(text_request(&sandbox, kind("autokonnect")).url)
        .header("Content-Type", "application/json")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 401);
    assert_eq!(response.json::<Value>().await.unwrap()["code"], "invalid_auth_header");
    assert_eq!(sandbox.accepted(), []);
    sandbox.shutdown().await;
}

#[tokio::test]
async fn reject_auth_refuses_even_the_right_token() {
    let sandbox = start(Config { reject_auth: true, ..Config::default() }).await;
    for &kind in ProviderKind::ALL {
        let (status, _, body) = send(&client(), kind, &text_request(&sandbox, kind)).await;
        assert_eq!(status, 401, "{kind}");
        assert_error_shape(kind, 401, &body);
    }
    assert_eq!((sandbox.stats().rejected, sandbox.stats().accepted), (ProviderKind::ALL.len() as u64, 0));
    sandbox.shutdown().await;
}

#[tokio::test]
async fn unknown_paths_methods_and_content_types() {
    let sandbox = start(Config::default()).await;
    let client = client();
    let base = format!("http://{}", sandbox.addr());
    let post = |path: &str| client.post(format!("{base}{path}")).header("Content-Type", "application/json").body("{}");
    let response = post("/twilio/Messages.json").send().await.unwrap();
    assert_eq!(response.status().as_u16(), 404);
    let response = post("/evolution/message/sendStatus/shop").header("apikey", "x").send().await.unwrap();
    assert_eq!(response.status().as_u16(), 404);
    let body: Value = response.json().await.unwrap();
    assert_eq!(
        body,
        json!({ "status": 404, "error": "Not Found", "response": { "message": ["Cannot POST /message/sendStatus/shop"] } })
    );
    for path in [
        "/cloud_api/v23.0/1/contacts",
        "/communiktor/messages/sticker",
        "/whautochat/v1/messages/telegram/sendtemplate",
    ] {
        let response = post(path).send().await.unwrap();
        assert_eq!(response.status().as_u16(), 404, "{path}");
    }
    let get = client.get(format!("{base}/cloud_api/v23.0/1/messages")).send().await.unwrap();
    assert_eq!(get.status().as_u16(), 404);
    let kind = kind("communiktor");
    let request = text_request(&sandbox, kind);
    let form = client
        .post(&request.url)
        .header("X-API-KEY", crate::sandbox::token(kind))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body("text=hi")
        .send()
        .await
        .unwrap();
    assert_eq!(form.status().as_u16(), 400);
    assert_error_shape(kind, 400, &form.json().await.unwrap());
    let stats = sandbox.stats();
    assert_eq!((stats.received, stats.rejected, stats.accepted), (7, 7, 0));
    // The Twilio path belongs to no provider, so it is no provider's attempt.
    assert_eq!(sandbox.attempts().len(), 6);
    sandbox.shutdown().await;
}

#[tokio::test]
async fn flowiq_needs_its_tenant() {
    let sandbox = start(Config::default()).await;
    let kind = kind("flowiq");
    let mut request = text_request(&sandbox, kind);
    request.url = request.url.split('?').next().unwrap().to_string();
    let (status, _, body) = send(&client(), kind, &request).await;
    assert_eq!(
        (status, body),
        (400, json!({ "error": "Missing required field", "message": "tenantId query parameter is required" }))
    );
    sandbox.shutdown().await;
}
