//! Meta's WhatsApp Cloud API: `POST /{version}/{phone_number_id}/messages` with
//! `Authorization: Bearer`. Errors are Graph API errors, `{"error": {message, type, code,
//! fbtrace_id}}`; a body that breaks the contract gets code 100 with its first violation worded
//! as Graph API words parameters (`(#100) The parameter to is required.`). Success is
//! `MessageResponsePayload` with a `wamid`.

use crate::providers::contract::{Broken, Violation};
use crate::providers::imitation::api::{Api, Endpoint, bearer, digits_of, is_digits, percent_decode};
use crate::providers::imitation::ids::{Ids, mix};
use crate::providers::imitation::path::Path;
use crate::providers::imitation::plain::listed;
use crate::providers::imitation::reply::Reply;
use crate::providers::imitation::templates::Templates;
use crate::providers::meta::template_refusals;
use hyper::HeaderMap;
use serde_json::{Map, Value, json};
use std::sync::atomic::{AtomicU64, Ordering};

/// The Cloud API imitation.
pub(crate) struct CloudApi;

/// A Graph API error; `extra` adds `error_data` and the like.
fn graph_error(status: u16, code: u32, message: &str, extra: Value) -> Reply {
    static TRACE: AtomicU64 = AtomicU64::new(1);
    let mut error = Map::new();
    error.insert("message".into(), message.into());
    error.insert("type".into(), "OAuthException".into());
    error.insert("code".into(), code.into());
    if let Value::Object(extra) = extra {
        error.extend(extra);
    }
    let trace = format!("A{:016X}", mix(TRACE.fetch_add(1, Ordering::Relaxed)));
    error.insert("fbtrace_id".into(), trace.into());
    Reply::json(status, json!({ "error": error }))
}

impl Api for CloudApi {
    // Meta's access tokens start with `EAA`.
    fn token(&self) -> &'static str {
        "EAASandboxCloudApiToken"
    }

    fn base_path(&self) -> &'static str {
        "/v23.0"
    }

    fn route(&self, path: &str, _query: &str) -> Option<Endpoint> {
        let mut parts = path.strip_prefix('/')?.split('/');
        let (version, id, messages) = (parts.next()?, parts.next()?, parts.next()?);
        let version_ok = version
            .strip_prefix('v')
            .is_some_and(|v| v.split_once('.').is_some_and(|(a, b)| is_digits(a) && is_digits(b)));
        (version_ok && !id.is_empty() && messages == "messages" && parts.next().is_none())
            .then(|| Endpoint { name: "messages", account: percent_decode(id) })
    }

    fn authorize(&self, headers: &HeaderMap, reject: bool) -> Result<(), Reply> {
        match bearer(headers) {
            Some(key) if !reject && key == self.token() => Ok(()),
            _ => Err(graph_error(401, 190, "Invalid OAuth access token.", Value::Null)),
        }
    }

    fn account(&self, method: &str, path: &str, query: &str, templates: &Templates) -> Option<Reply> {
        super::imitation_account::answer(method, path, query, templates)
    }

    fn refuse_template(&self, _: &Endpoint, body: &Value, templates: &Templates) -> Option<Reply> {
        let refusal = template_refusals::refusal(body.get("template")?, templates)?;
        let data = json!({ "error_data": { "messaging_product": "whatsapp", "details": refusal.details } });
        Some(graph_error(refusal.status, refusal.code, refusal.message, data))
    }

    fn not_found(&self, _method: &str, path: &str) -> Reply {
        graph_error(404, 2500, &format!("Unknown path components: {path}"), Value::Null)
    }

    fn malformed(&self, why: &str) -> Reply {
        graph_error(400, 100, &format!("(#100) {why}"), Value::Null)
    }

    fn server_error(&self) -> Reply {
        graph_error(500, 1, "An unknown error occurred", json!({ "is_transient": true }))
    }

    fn throttled(&self) -> Reply {
        let data = json!({
            "error_data": { "messaging_product": "whatsapp", "details": "Cloud API message throughput has been reached." }
        });
        graph_error(429, 130_429, "(#130429) Rate limit hit", data)
    }

    fn refused(&self, _recipient: &str) -> Reply {
        let data = json!({
            "error_data": { "messaging_product": "whatsapp", "details": "The recipient phone number is not a WhatsApp phone number." }
        });
        graph_error(400, 131_026, "(#131026) Message Undeliverable.", data)
    }

    fn recipient(&self, _: &Endpoint, body: &Value) -> String {
        body.get("to").and_then(Value::as_str).unwrap_or_default().to_string()
    }

    fn invalid(&self, _: &Endpoint, violations: &[Violation]) -> Reply {
        let Some(first) = violations.first() else { return self.malformed("Invalid parameter") };
        let data = json!({ "error_data": { "messaging_product": "whatsapp", "details": first.to_string() } });
        graph_error(400, 100, &message(first), data)
    }

    fn accept(&self, _: &Endpoint, body: &Value, ids: &Ids) -> (Reply, Option<String>) {
        let to = body.get("to").and_then(Value::as_str).unwrap_or_default();
        let id = ids.wamid();
        let answer = json!({
            "messaging_product": "whatsapp",
            "contacts": [{ "input": to, "wa_id": digits_of(to) }],
            "messages": [{ "id": id, "message_status": "accepted" }],
        });
        (Reply::json(200, answer), Some(id))
    }
}

/// A violation as Graph API words it, `(#100) …`, naming parameters `text['body']` (the
/// message itself is `message`).
fn message(violation: &Violation) -> String {
    let name = |p: &Path| if p.is_root() { "message".to_string() } else { p.bracketed() };
    let param = name(&Path::of(violation));
    let at = Path::at(&violation.pointer);
    match &violation.kind {
        Broken::Missing { .. } | Broken::TooShort { min: 1 } => format!("(#100) The parameter {param} is required."),
        Broken::MissingOneOf { properties } => {
            let names: Vec<String> = properties.iter().map(|p| at.key(p).bracketed()).collect();
            format!("(#100) The parameter {} is required.", names.join(" or "))
        }
        Broken::Unexpected { properties } => {
            let key = properties.first().map(String::as_str).unwrap_or_default();
            format!("(#100) Unexpected key \"{key}\" on param \"{}\".", name(&at))
        }
        Broken::Type { expected } => format!("(#100) Param {param} must be of type {}.", expected.join(",")),
        Broken::NotAllowed { allowed } => format!("(#100) Param {param} must be one of {{{}}}.", listed(allowed, ", ")),
        Broken::TooShort { min } => format!("(#100) Param {param} must be at least {min} characters long."),
        Broken::TooLong { max } => format!("(#100) Param {param} must be at most {max} characters long."),
        Broken::TooFew { min } => format!("(#100) Param {param} must have at least {min} elements."),
        Broken::TooMany { max } => format!("(#100) Param {param} must have at most {max} elements."),
        Broken::Ambiguous => format!("(#100) Param {param} must have exactly one of its alternatives, not several."),
        Broken::Other => format!("(#100) Invalid parameter {param}."),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::testing::kind;

    #[test]
    fn routes_versions_and_error_shapes() {
        assert_eq!(CloudApi.route("/v23.0/106540352242922/messages", "").unwrap().account, "106540352242922");
        assert!(CloudApi.route("/v23.0/106540352242922/messages/x", "").is_none());
        assert!(CloudApi.route("/latest/1/messages", "").is_none());
        let reply = CloudApi.throttled();
        let error = &reply.json_body().unwrap()["error"];
        assert_eq!(
            (reply.status, error["code"].clone(), error["type"].clone()),
            (429, json!(130429), json!("OAuthException"))
        );
        assert!(error["fbtrace_id"].as_str().unwrap().starts_with('A'));
    }

    /// The Graph API message for the first violation of `body`.
    fn refused(body: Value) -> String {
        let (contract, _) = crate::providers::contract::find(kind("cloud_api"), "POST", "/1/messages").unwrap();
        let violations = contract.violations(&body);
        let reply = CloudApi.invalid(&Endpoint::bare("messages"), &violations);
        let error = &reply.json_body().unwrap()["error"];
        assert_eq!((reply.status, &error["code"], &error["type"]), (400, &json!(100), &json!("OAuthException")));
        assert_eq!(error["error_data"]["details"], violations[0].to_string());
        error["message"].as_str().unwrap().to_string()
    }

    fn msg(kind: &str, object: Value) -> Value {
        json!({ "messaging_product": "whatsapp", "to": "+254712345678", "type": kind, (kind): object })
    }

    #[test]
    fn graph_api_wording() {
        assert_eq!(
            refused(json!({ "to": "1", "type": "text", "text": { "body": "x" } })),
            "(#100) The parameter messaging_product is required."
        );
        assert_eq!(refused(msg("text", json!({}))), "(#100) The parameter text['body'] is required.");
        assert_eq!(refused(msg("text", json!({ "body": "" }))), "(#100) The parameter text['body'] is required.");
        let mut extra = msg("text", json!({ "body": "x" }));
        extra["image"] = json!({ "link": "https://x/y.jpg" });
        assert_eq!(refused(extra), "(#100) Unexpected key \"image\" on param \"message\".");
        assert_eq!(
            refused(msg("text", json!({ "body": "x", "debug": true }))),
            "(#100) Unexpected key \"debug\" on param \"text\"."
        );
        assert_eq!(
            refused(msg("image", json!({ "caption": "c" }))),
            "(#100) The parameter image['id'] or image['link'] is required."
        );
        assert_eq!(
            refused(msg("text", json!({ "body": "x", "preview_url": "yes" }))),
            "(#100) Param text['preview_url'] must be of type boolean."
        );
        assert_eq!(
            refused(json!({ "messaging_product": "sms", "to": "1", "text": { "body": "x" } })),
            "(#100) Param messaging_product must be one of {whatsapp}."
        );
        let contacts =
            json!({ "messaging_product": "whatsapp", "to": "1", "type": "contacts", "contacts": [{ "phones": [] }] });
        assert_eq!(refused(contacts), "(#100) The parameter contacts[0]['name'] is required.");
        let buttons = json!({ "type": "button", "body": { "text": "b" }, "action": { "buttons": [{ "type": "reply", "reply": { "id": "1" } }] } });
        assert_eq!(
            refused(msg("interactive", buttons)),
            "(#100) The parameter interactive['action']['buttons'][0]['reply']['title'] is required."
        );
        assert_eq!(
            refused(msg("image", json!({ "id": "1", "link": "https://x/y.jpg" }))),
            "(#100) Param image must have exactly one of its alternatives, not several."
        );
        assert_eq!(
            refused(msg("location", json!({ "latitude": "north", "longitude": 36.8 }))),
            "(#100) Invalid parameter location['latitude']."
        );
        assert_eq!(refused(json!([])), "(#100) Param message must be of type object.");
    }
}
