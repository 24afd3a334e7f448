//! AutoKonnect's WABA API: `POST /api/v1/whatsapp/{channel_id}/messages` with
//! `Authorization: Bearer`. Errors are `{code, message}`: a body that breaks the contract gets
//! the documented code for the property its first violation is about (`missing_type`,
//! `missing_recipient`, `missing_template_id`, …), or `invalid_request` where the docs list
//! none. Success is `{message, recipients_count}` and carries no message id.
//!
//! Tags cannot be resolved here, so each tag counts as one contact in `recipients_count`.

use crate::providers::contract::{Broken, Violation};
use crate::providers::imitation::api::{Api, Endpoint, bearer, digits_of, percent_decode};
use crate::providers::imitation::ids::Ids;
use crate::providers::imitation::path::Path;
use crate::providers::imitation::plain::sentence;
use crate::providers::imitation::reply::Reply;
use hyper::HeaderMap;
use serde_json::{Value, json};
use std::collections::BTreeSet;

/// The AutoKonnect imitation.
pub(crate) struct Autokonnect;

fn error(status: u16, code: &str, message: &str) -> Reply {
    Reply::json(status, json!({ "code": code, "message": message }))
}

impl Api for Autokonnect {
    fn token(&self) -> &'static str {
        "sandbox-autokonnect-key"
    }

    fn route(&self, path: &str, _query: &str) -> Option<Endpoint> {
        let channel = path.strip_prefix("/api/v1/whatsapp/")?.strip_suffix("/messages")?;
        (!channel.is_empty() && !channel.contains('/'))
            .then(|| Endpoint { name: "messages", account: percent_decode(channel) })
    }

    fn authorize(&self, headers: &HeaderMap, reject: bool) -> Result<(), Reply> {
        match bearer(headers) {
            None => Err(error(401, "invalid_auth_header", "Missing or malformed Authorization header")),
            Some(key) if !reject && key == self.token() => Ok(()),
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

    fn refused(&self, _recipient: &str) -> Reply {
        error(400, "no_valid_recipients", "Tag(s) resolved to zero contacts with valid phone numbers")
    }

    fn recipient(&self, _: &Endpoint, body: &Value) -> String {
        let mut parts = body.get("phone_number").map(as_list).unwrap_or_default();
        let tags = body.get("contact_tag_id").map(as_list).unwrap_or_default();
        if !tags.is_empty() {
            parts.push(format!("tag:{}", tags.join(",")));
        }
        parts.join(",")
    }

    fn invalid(&self, _: &Endpoint, violations: &[Violation]) -> Reply {
        let Some(first) = violations.first() else { return self.malformed("Invalid request body") };
        match documented(first) {
            Some((code, message)) => error(400, code, message),
            None => error(400, "invalid_request", &sentence(first)),
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

/// The documented code and message for `violation`, by the top-level property it is about:
/// absent or empty for the `missing_…` codes, otherwise wrong.
fn documented(violation: &Violation) -> Option<(&'static str, &'static str)> {
    let field = Path::of(violation);
    let property = if field.is_top_level() { field.last_key() } else { "" };
    let absent = matches!(violation.kind, Broken::Missing { .. } | Broken::TooShort { min: 1 });
    Some(match (&violation.kind, property) {
        (Broken::Unexpected { .. }, _) => return None,
        (Broken::Type { .. }, "") if field.is_root() => ("missing_type", "type field is required"),
        (Broken::MissingOneOf { .. }, "") if field.is_root() => {
            ("missing_recipient", "Neither phone_number nor contact_tag_id was provided")
        }
        (_, "type") if absent => ("missing_type", "type field is required"),
        (_, "type") => ("invalid_type", "Message type is not supported"),
        (_, "phone_number") => ("no_valid_recipients", "Tag(s) resolved to zero contacts with valid phone numbers"),
        (_, "contact_tag_id") => ("missing_recipient", "Neither phone_number nor contact_tag_id was provided"),
        (_, "message") if absent => ("missing_message", "message is required for text type"),
        (_, "link") if absent => ("missing_link", "link is required for media types"),
        (_, "template_id") if absent => ("missing_template_id", "template_id is required for template type"),
        (_, "template_id") => ("invalid_template_id_format", "template_id must be a number"),
        (_, "components") if absent => ("missing_components", "components is required for template type"),
        // Undocumented code: the docs list none for a missing interactive payload.
        (_, "interactive") if absent => ("missing_interactive", "interactive is required for interactive type"),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::testing::kind;

    fn refused(body: Value) -> Value {
        let path = "/api/v1/whatsapp/123/messages";
        let (contract, _) = crate::providers::contract::find(kind("autokonnect"), "POST", path).unwrap();
        let violations = contract.violations(&body);
        assert!(!violations.is_empty(), "must be refused: {body}");
        let reply = Autokonnect.invalid(&Endpoint::bare("messages"), &violations);
        assert_eq!(reply.status, 400);
        reply.json_body().unwrap().clone()
    }

    fn code(body: Value) -> String {
        refused(body)["code"].as_str().unwrap().to_string()
    }

    #[test]
    fn documented_error_codes() {
        let to = "+254712345678";
        assert_eq!(code(json!({ "phone_number": to })), "missing_type");
        assert_eq!(code(json!([])), "missing_type");
        assert_eq!(code(json!({ "type": "text", "message": "x" })), "missing_recipient");
        assert_eq!(code(json!({ "phone_number": "+", "type": "text", "message": "x" })), "no_valid_recipients");
        assert_eq!(code(json!({ "phone_number": to, "type": "sticker" })), "invalid_type");
        assert_eq!(code(json!({ "phone_number": to, "type": "text" })), "missing_message");
        assert_eq!(code(json!({ "phone_number": to, "type": "text", "message": "" })), "missing_message");
        assert_eq!(code(json!({ "phone_number": to, "type": "image" })), "missing_link");
        assert_eq!(code(json!({ "phone_number": to, "type": "template", "components": [] })), "missing_template_id");
        let named =
            json!({ "phone_number": to, "type": "template", "template_id": "promo_template", "components": [] });
        assert_eq!(
            refused(named),
            json!({ "code": "invalid_template_id_format", "message": "template_id must be a number" })
        );
        assert_eq!(code(json!({ "phone_number": to, "type": "template", "template_id": 1 })), "missing_components");
        assert_eq!(code(json!({ "phone_number": to, "type": "interactive" })), "missing_interactive");
        let extra = json!({ "phone_number": to, "type": "text", "message": "x", "link": "https://x/y.jpg" });
        assert_eq!(refused(extra), json!({ "code": "invalid_request", "message": "link is not a known field" }));
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
