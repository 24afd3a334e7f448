//! AutoKonnect's WABA API: `POST /api/v1/whatsapp/{channel_id}/messages` with
//! `Authorization: Bearer`. Errors are `{code, message}` with the documented codes; success is
//! `{message, recipients_count}` and carries no message id.
//!
//! Tags cannot be resolved here, so each tag counts as one contact in `recipients_count`.

use super::api::{Api, Endpoint, bearer, percent_decode};
use super::ids::Ids;
use super::reply::Reply;
use super::token;
use super::validate::digits_of;
use crate::providers::ProviderKind;
use hyper::HeaderMap;
use serde_json::{Value, json};
use std::collections::BTreeSet;

/// The AutoKonnect imitation.
pub(super) struct Autokonnect;

/// The documented `type` values.
const TYPES: [&str; 7] = ["text", "image", "video", "audio", "document", "template", "interactive"];

fn error(status: u16, code: &str, message: &str) -> Reply {
    Reply::json(status, json!({ "code": code, "message": message }))
}

impl Api for Autokonnect {
    fn kind(&self) -> ProviderKind {
        ProviderKind::Autokonnect
    }

    fn route(&self, path: &str, _query: &str) -> Option<Endpoint> {
        let channel = path.strip_prefix("/api/v1/whatsapp/")?.strip_suffix("/messages")?;
        (!channel.is_empty() && !channel.contains('/'))
            .then(|| Endpoint { name: "messages", account: percent_decode(channel) })
    }

    fn authorize(&self, headers: &HeaderMap, reject: bool) -> Result<(), Reply> {
        match bearer(headers) {
            None => Err(error(401, "invalid_auth_header", "Missing or malformed Authorization header")),
            Some(key) if !reject && key == token(self.kind()) => Ok(()),
            Some(_) => Err(error(401, "invalid_api_key", "Invalid API key")),
        }
    }

    fn not_found(&self, _method: &str, _path: &str) -> Reply {
        error(404, "not_found", "WABA channel ID not found")
    }

    fn malformed(&self, why: &str) -> Reply {
        error(400, "invalid_request", why)
    }

    fn server_error(&self) -> Reply {
        error(500, "internal_error", "Internal server error")
    }

    fn throttled(&self) -> Reply {
        error(429, "rate_limited", "Too many requests")
    }

    fn recipient(&self, _: &Endpoint, body: &Value) -> String {
        let mut parts = body.get("phone_number").map(as_list).unwrap_or_default();
        let tags = body.get("contact_tag_id").map(as_list).unwrap_or_default();
        if !tags.is_empty() {
            parts.push(format!("tag:{}", tags.join(",")));
        }
        parts.join(",")
    }

    fn validate(&self, _: &Endpoint, body: &Value) -> Result<(), Reply> {
        let bad = |code: &str, message: &str| Err(error(400, code, message));
        let Some(object) = body.as_object() else { return bad("missing_type", "type field is required") };
        let Some(kind) = object.get("type") else { return bad("missing_type", "type field is required") };
        let (phones, tags) = (object.get("phone_number"), object.get("contact_tag_id"));
        if !phones.is_some_and(is_recipient_list) && !tags.is_some_and(is_recipient_list) {
            return bad("missing_recipient", "Neither phone_number nor contact_tag_id was provided");
        }
        if tags.is_none() && !phones.is_some_and(|p| as_list(p).iter().any(|n| !digits_of(n).is_empty())) {
            return bad("no_valid_recipients", "Tag(s) resolved to zero contacts with valid phone numbers");
        }
        let Some(kind) = kind.as_str().filter(|k| TYPES.contains(k)) else {
            return bad("invalid_type", "Message type is not supported");
        };
        let has_str = |key: &str| object.get(key).and_then(Value::as_str).is_some_and(|s| !s.is_empty());
        match kind {
            "text" if !has_str("message") => bad("missing_message", "message is required for text type"),
            "image" | "video" | "audio" | "document" if !has_str("link") => {
                bad("missing_link", "link is required for media types")
            }
            "template" => match object.get("template_id") {
                None | Some(Value::Null) => bad("missing_template_id", "template_id is required for template type"),
                Some(id) if !is_numeric(id) => bad("invalid_template_id_format", "template_id must be a number"),
                _ if !object.get("components").is_some_and(Value::is_array) => {
                    bad("missing_components", "components is required for template type")
                }
                _ => Ok(()),
            },
            // Undocumented code: the docs list none for a missing interactive payload.
            "interactive" if !object.get("interactive").is_some_and(Value::is_object) => {
                bad("missing_interactive", "interactive is required for interactive type")
            }
            _ => Ok(()),
        }
    }

    fn accept(&self, _: &Endpoint, body: &Value, _: &Ids) -> (Reply, Option<String>) {
        let phones: BTreeSet<String> = body
            .get("phone_number")
            .map(as_list)
            .unwrap_or_default()
            .iter()
            .map(|p| digits_of(p))
            .filter(|d| !d.is_empty())
            .collect();
        let tags = body.get("contact_tag_id").map(as_list).unwrap_or_default().len();
        let answer = json!({ "message": "Message queued for sending", "recipients_count": phones.len() + tags });
        (Reply::json(200, answer), None)
    }
}

/// A string or number as text.
fn scalar(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// A single value or an array of them, as strings.
fn as_list(v: &Value) -> Vec<String> {
    match v {
        Value::Array(items) => items.iter().filter_map(scalar).collect(),
        v => scalar(v).into_iter().collect(),
    }
}

/// A non-empty string, a number, or a non-empty array of those.
fn is_recipient_list(v: &Value) -> bool {
    match v {
        Value::Array(items) => !items.is_empty() && items.iter().all(|i| scalar(i).is_some_and(|s| !s.is_empty())),
        v => scalar(v).is_some_and(|s| !s.is_empty()),
    }
}

/// A JSON integer, or a string of digits (what `Number(x)` would read as one).
fn is_numeric(v: &Value) -> bool {
    match v {
        Value::Number(n) => n.is_u64(),
        Value::String(s) => super::validate::is_digits(s),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(body: Value) -> String {
        let reply = Autokonnect.validate(&Endpoint::bare("messages"), &body).expect_err("must be refused");
        assert_eq!(reply.status, 400);
        reply.json_body().unwrap()["code"].as_str().unwrap().to_string()
    }

    #[test]
    fn documented_error_codes() {
        let to = "+254712345678";
        assert_eq!(code(json!({ "phone_number": to })), "missing_type");
        assert_eq!(code(json!({ "type": "text", "message": "x" })), "missing_recipient");
        assert_eq!(code(json!({ "phone_number": "+", "type": "text", "message": "x" })), "no_valid_recipients");
        assert_eq!(code(json!({ "phone_number": to, "type": "sticker" })), "invalid_type");
        assert_eq!(code(json!({ "phone_number": to, "type": "text" })), "missing_message");
        assert_eq!(code(json!({ "phone_number": to, "type": "image" })), "missing_link");
        assert_eq!(code(json!({ "phone_number": to, "type": "template", "components": [] })), "missing_template_id");
        let named =
            json!({ "phone_number": to, "type": "template", "template_id": "promo_template", "components": [] });
        assert_eq!(code(named), "invalid_template_id_format");
        assert_eq!(code(json!({ "phone_number": to, "type": "template", "template_id": 1 })), "missing_components");
    }

    #[test]
    fn recipients_and_counts() {
        let body = json!({ "phone_number": ["+254 712", "254712"], "contact_tag_id": ["42", "57"], "type": "text" });
        let endpoint = Endpoint::bare("messages");
        assert_eq!(Autokonnect.recipient(&endpoint, &body), "+254 712,254712,tag:42,57");
        let (reply, id) = Autokonnect.accept(&endpoint, &body, &Ids::new(0));
        assert_eq!(reply.json_body().unwrap()["recipients_count"], 3);
        assert_eq!(id, None);
        assert_eq!(Autokonnect.route("/api/v1/whatsapp/123/messages", "").unwrap().account, "123");
        assert!(Autokonnect.route("/api/v1/whatsapp//messages", "").is_none());
    }
}
