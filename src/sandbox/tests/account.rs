//! The imitated account's templates over loopback: template sends that do not match the
//! account are refused in Meta's shape and words and recorded as nothing, while names the
//! built-in set lacks pass; a file's set is the whole account, listed and checked.

use super::{client, send, start, text_request};
use crate::providers::testing::kind;
use crate::sandbox::{Config, Templates};
use serde_json::{Value, json};
use std::sync::Arc;

/// A Cloud API template send of `name` in `language` with `components`.
fn template(name: &str, language: &str, components: Value) -> Value {
    json!({"messaging_product": "whatsapp", "recipient_type": "individual", "to": "+254712345678", "type": "template",
           "template": {"name": name, "language": {"policy": "deterministic", "code": language}, "components": components}})
}

/// The status, Meta code and details of the answer to `body`.
async fn answer(sandbox: &crate::sandbox::Sandbox, body: Value) -> (u16, Value, Value) {
    let mut request = text_request(sandbox, kind("cloud_api"));
    request.body = body;
    let (status, _, answer) = send(&client(), kind("cloud_api"), &request).await;
    (status, answer["error"]["code"].clone(), answer["error"]["error_data"]["details"].clone())
}

#[tokio::test]
async fn template_sends_the_built_in_account_holds_otherwise_are_refused_and_other_names_pass() {
    let sandbox = start(Config::default()).await;
    let (status, code, details) = answer(&sandbox, template("vip_renewal", "fr", json!([]))).await;
    assert_eq!(
        (status, code, details),
        (404, json!(132001), json!("template name (vip_renewal) does not exist in fr"))
    );
    assert_eq!(answer(&sandbox, template("spring_sale", "en_US", json!([]))).await.1, json!(132015));
    assert_eq!(answer(&sandbox, template("winter_sale", "en_US", json!([]))).await.1, json!(132016));
    let body = json!([{"type": "body", "parameters": [{"type": "text", "text": "x"}]}]);
    assert_eq!(answer(&sandbox, template("hello_world", "en_US", body)).await.1, json!(132000));
    assert_eq!(sandbox.accepted(), []);
    assert_eq!(answer(&sandbox, template("promo", "en", json!([]))).await.0, 200);
    assert_eq!(answer(&sandbox, template("hello_world", "en_US", json!([]))).await.0, 200);
    assert_eq!(sandbox.accepted().len(), 2);
    assert_eq!(sandbox.stats().rejected, 4);
    sandbox.shutdown().await;
}

#[tokio::test]
async fn a_file_s_templates_are_the_whole_account() {
    let promo = json!({"name": "promo", "language": "en", "status": "APPROVED", "category": "MARKETING",
                       "components": [{"type": "BODY", "text": "Hi {{1}}"}]});
    let templates = Arc::new(Templates::whole_account(vec![promo]));
    let sandbox = start(Config { templates, ..Config::default() }).await;
    let one = json!([{"type": "body", "parameters": [{"type": "text", "text": "Amina"}]}]);
    assert_eq!(answer(&sandbox, template("promo", "en", one)).await.0, 200);
    assert_eq!(answer(&sandbox, template("promo", "en", json!([]))).await.1, json!(132000));
    assert_eq!(answer(&sandbox, template("vip_renewal", "en_US", json!([]))).await.1, json!(132001));
    let url = format!("{}/102/message_templates", sandbox.base_url(kind("cloud_api")));
    let listed: Value = client()
        .get(url)
        .bearer_auth(crate::sandbox::token(kind("cloud_api")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(listed["data"].as_array().map(|d| d.len()), Some(1), "{listed}");
    assert_eq!(listed["data"][0]["name"], "promo");
    sandbox.shutdown().await;
}

#[tokio::test]
async fn an_evolution_template_send_the_account_lacks_stops_the_campaign() {
    let sandbox = start(Config::default()).await;
    let evolution = kind("evolution");
    let mut request = text_request(&sandbox, evolution);
    request.url = request.url.replace("/sendText/", "/sendTemplate/");
    request.body = json!({"number": "254712345678", "name": "vip_renewal", "language": "fr"});
    let (status, _, body) = send(&client(), evolution, &request).await;
    assert_eq!((status, &body["code"]), (201, &json!(132001)), "{body}");
    let bytes = body.to_string().into_bytes();
    let r = crate::providers::Response { status, retry_after: None, body: &bytes, recipients: 1 };
    let outcome = evolution.provider().classify(&r);
    assert!(matches!(outcome, crate::providers::Outcome::Stop(_)), "{outcome:?}");
    assert_eq!(sandbox.accepted(), []);
    sandbox.shutdown().await;
}
