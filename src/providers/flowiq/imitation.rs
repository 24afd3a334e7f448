//! FlowIQ's `POST /send-whatsapp?tenantId=…` with `Authorization: Bearer fiq_…`: one flat
//! body per `message_type`, errors as `{error, message}` (the one documented is
//! `Missing required field`, for a missing `tenantId` too), success as `{success, message,
//! data}` with a `wamid`. A body that breaks the contract is refused for its first violation:
//! a missing field as documented (`contacts array is required for contact messages`), a wrong
//! `message_type` or phone number under errors of their own, anything else as `Invalid field`.

use crate::providers::contract::{Broken, Violation};
use crate::providers::imitation::api::{Api, Endpoint, bearer, digits_of, query_param};
use crate::providers::imitation::ids::Ids;
use crate::providers::imitation::path::Path;
use crate::providers::imitation::plain::{listed, sentence};
use crate::providers::imitation::reply::Reply;
use hyper::HeaderMap;
use serde_json::{Value, json};

/// The FlowIQ imitation.
pub(crate) struct Flowiq;

fn error(status: u16, error: &str, message: &str) -> Reply {
    Reply::json(status, json!({ "error": error, "message": message }))
}

impl Api for Flowiq {
    // FlowIQ refuses keys without its `fiq_` prefix.
    fn token(&self) -> &'static str {
        "fiq_sandbox_key"
    }

    fn route(&self, path: &str, query: &str) -> Option<Endpoint> {
        (path == "/send-whatsapp")
            .then(|| Endpoint { name: "send-whatsapp", account: query_param(query, "tenantId").unwrap_or_default() })
    }

    fn authorize(&self, headers: &HeaderMap, reject: bool) -> Result<(), Reply> {
        match bearer(headers) {
            Some(key) if !reject && key == self.token() => Ok(()),
            _ => Err(error(401, "Unauthorized", "Invalid API key")),
        }
    }

    fn unaddressed(&self, endpoint: &Endpoint) -> Option<Reply> {
        endpoint
            .account
            .is_empty()
            .then(|| error(400, "Missing required field", "tenantId query parameter is required"))
    }

    fn not_found(&self, method: &str, path: &str) -> Reply {
        error(404, "Not found", &format!("Cannot {method} {path}"))
    }

    fn malformed(&self, why: &str) -> Reply {
        error(400, "Invalid request body", why)
    }

    fn server_error(&self) -> Reply {
        error(500, "Internal server error", "Failed to send WhatsApp message")
    }

    fn throttled(&self) -> Reply {
        error(429, "Too many requests", "Rate limit exceeded, please retry later")
    }

    fn refused(&self, _recipient: &str) -> Reply {
        error(400, "Recipient not found", "The number is not a contact in this organisation")
    }

    fn recipient(&self, _: &Endpoint, body: &Value) -> String {
        body.get("phone_number").and_then(Value::as_str).unwrap_or_default().to_string()
    }

    fn invalid(&self, _: &Endpoint, violations: &[Violation]) -> Reply {
        match violations.first() {
            Some(first) => describe(first),
            None => self.malformed("Invalid request body"),
        }
    }

    fn accept(&self, _: &Endpoint, body: &Value, ids: &Ids) -> (Reply, Option<String>) {
        let id = ids.wamid();
        let data = json!({
            "message_id": id,
            "recipient": digits_of(body.get("phone_number").and_then(Value::as_str).unwrap_or_default()),
            "message_type": body.get("message_type"),
        });
        let answer = json!({ "success": true, "message": "Message sent successfully", "data": data });
        (Reply::json(200, answer), Some(id))
    }
}

/// A violation in FlowIQ's words: `contacts array is required for contact messages`.
fn describe(violation: &Violation) -> Reply {
    let field = Path::of(violation);
    let property = if field.is_top_level() { field.last_key() } else { "" };
    match &violation.kind {
        Broken::Missing { .. } | Broken::TooShort { min: 1 } | Broken::TooFew { min: 1 } => {
            let message = match property {
                "text" => "text is required for text messages".to_string(),
                "media_url" => "media_url is required for media messages".to_string(),
                "location" => "location is required for location messages".to_string(),
                "contacts" => "contacts array is required for contact messages".to_string(),
                "interactive" => "interactive is required for interactive messages".to_string(),
                "reaction" => "reaction is required for reaction messages".to_string(),
                _ => format!("{} is required", field.dotted()),
            };
            error(400, "Missing required field", &message)
        }
        Broken::NotAllowed { allowed } if property == "message_type" => {
            error(400, "Invalid message type", &format!("message_type must be one of: {}", listed(allowed, ", ")))
        }
        // Not a phone number with its country code.
        _ if property == "phone_number" => error(
            400,
            "Invalid phone number",
            "phone_number must be the country code and number, optionally after +, e.g. +27123456789",
        ),
        _ => error(400, "Invalid field", &sentence(violation)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::testing::kind;

    fn refused(body: Value) -> (String, String) {
        let path = "/send-whatsapp?tenantId=acme";
        let (contract, _) = crate::providers::contract::find(kind("flowiq"), "POST", path).unwrap();
        let violations = contract.violations(&body);
        assert!(!violations.is_empty(), "must be refused: {body}");
        let reply = Flowiq.invalid(&Flowiq.route("/send-whatsapp", "tenantId=acme").unwrap(), &violations);
        assert_eq!(reply.status, 400);
        let body = reply.json_body().unwrap();
        (body["error"].as_str().unwrap().into(), body["message"].as_str().unwrap().into())
    }

    #[test]
    fn documented_and_derived_errors() {
        let (error, message) = refused(json!({ "phone_number": "+27123456789", "message_type": "contacts" }));
        assert_eq!(
            (error.as_str(), message.as_str()),
            ("Missing required field", "contacts array is required for contact messages")
        );
        let (_, message) =
            refused(json!({ "phone_number": "+27123456789", "message_type": "contacts", "contacts": [] }));
        assert_eq!(message, "contacts array is required for contact messages");
        let (_, message) = refused(json!({ "phone_number": "+27123456789", "message_type": "text" }));
        assert_eq!(message, "text is required for text messages");
        let (_, message) = refused(json!({ "phone_number": "+27123456789", "message_type": "image" }));
        assert_eq!(message, "media_url is required for media messages");
        let (_, message) = refused(json!({ "message_type": "text", "text": "x" }));
        assert_eq!(message, "phone_number is required");
        let (error, _) = refused(json!({ "phone_number": "27 123 456 789", "message_type": "text", "text": "x" }));
        assert_eq!(error, "Invalid phone number");
        let (error, message) = refused(json!({ "phone_number": "+27123456789", "message_type": "template" }));
        assert_eq!(error, "Invalid message type");
        assert!(message.starts_with("message_type must be one of: text, image,"), "{message}");
        let list = json!({
            "phone_number": "+27123456789", "message_type": "interactive",
            "interactive": { "type": "list", "body": "Pick", "sections": [{ "rows": [{ "id": "1", "title": "One" }] }] }
        });
        assert_eq!(refused(list), ("Missing required field".into(), "interactive.button is required".into()));
        let (error, message) =
            refused(json!({ "phone_number": "+27123456789", "message_type": "text", "text": "x", "caption": "c" }));
        assert_eq!((error.as_str(), message.as_str()), ("Invalid field", "caption is not a known field"));
    }

    #[test]
    fn a_missing_tenant_is_refused_before_the_body() {
        let endpoint = Flowiq.route("/send-whatsapp", "").unwrap();
        let reply = Flowiq.unaddressed(&endpoint).unwrap();
        assert_eq!(reply.json_body().unwrap()["message"], "tenantId query parameter is required");
        assert_eq!(Flowiq.unaddressed(&Flowiq.route("/send-whatsapp", "tenantId=acme").unwrap()), None);
    }
}
