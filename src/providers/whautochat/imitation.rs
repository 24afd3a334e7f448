//! WhautoChat's Messages API: `POST /v1/messages/whatsapp/{sendtext,sendmedia,sendtemplate}`
//! with `x-api-key`. Every answer is a `MessageResponse`, `{id, status, error}`; a body that
//! breaks the contract gets its first violation as a plain sentence in `error`.
//!
//! The recipient is exactly one of `contact: {id}` or `recepient: {phoneNumber}` (the docs'
//! spelling); the correctly spelt `recipient` is not a field, so a body using it has neither.

use crate::providers::contract::{Broken, Violation};
use crate::providers::imitation::api::{Api, Endpoint, key_matches};
use crate::providers::imitation::ids::Ids;
use crate::providers::imitation::plain::sentence;
use crate::providers::imitation::reply::Reply;
use hyper::HeaderMap;
use serde_json::{Value, json};

/// The WhautoChat imitation.
pub(crate) struct Whautochat;

/// Every route.
const ROUTES: [&str; 3] = ["sendtext", "sendmedia", "sendtemplate"];

fn error(status: u16, message: &str) -> Reply {
    Reply::json(status, json!({ "id": "", "status": "error", "error": message }))
}

impl Api for Whautochat {
    fn token(&self) -> &'static str {
        "sandbox-whautochat-key"
    }

    fn route(&self, path: &str, _query: &str) -> Option<Endpoint> {
        let name = path.strip_prefix("/v1/messages/whatsapp/")?;
        ROUTES.iter().find(|route| **route == name).map(|route| Endpoint::bare(route))
    }

    fn authorize(&self, headers: &HeaderMap, reject: bool) -> Result<(), Reply> {
        if !reject && key_matches(headers, "x-api-key", self.token()) {
            return Ok(());
        }
        Err(error(401, "Invalid API key"))
    }

    fn not_found(&self, method: &str, path: &str) -> Reply {
        error(404, &format!("Cannot {method} {path}"))
    }

    fn malformed(&self, why: &str) -> Reply {
        error(400, why)
    }

    fn server_error(&self) -> Reply {
        error(500, "Internal server error")
    }

    fn throttled(&self) -> Reply {
        error(429, "Rate limit exceeded: 100 requests per minute")
    }

    fn refused(&self, _recipient: &str) -> Reply {
        Reply::json(200, json!({ "id": "", "status": "failed", "error": "The recipient is not on WhatsApp" }))
    }

    fn recipient(&self, _: &Endpoint, body: &Value) -> String {
        let phone = body.pointer("/recepient/phoneNumber").and_then(Value::as_str);
        let contact = body.pointer("/contact/id").and_then(Value::as_str);
        phone.or(contact).unwrap_or_default().to_string()
    }

    fn invalid(&self, _: &Endpoint, violations: &[Violation]) -> Reply {
        let Some(first) = violations.first() else { return self.malformed("Invalid request body") };
        let at_root = first.pointer.is_empty();
        match &first.kind {
            Broken::MissingOneOf { .. } if at_root => error(
                400,
                "recepient or contact is required: provide contact (with id) or recepient (with phoneNumber)",
            ),
            Broken::Ambiguous if at_root => error(
                400,
                "recepient cannot be given together with contact; provide either contact or recepient, not both",
            ),
            _ => error(400, &sentence(first)),
        }
    }

    fn accept(&self, _: &Endpoint, _: &Value, ids: &Ids) -> (Reply, Option<String>) {
        let id = ids.uuid();
        (Reply::json(200, json!({ "id": id, "status": "queued", "error": "" })), Some(id))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::testing::kind;

    fn refused(route: &str, body: Value) -> String {
        let path = format!("/v1/messages/whatsapp/{route}");
        let (contract, _) = crate::providers::contract::find(kind("whautochat"), "POST", &path).unwrap();
        let violations = contract.violations(&body);
        assert!(!violations.is_empty(), "must be refused: {body}");
        let reply = Whautochat.invalid(&Whautochat.route(&path, "").unwrap(), &violations);
        assert_eq!(reply.status, 400);
        let body = reply.json_body().unwrap();
        assert_eq!((&body["id"], &body["status"]), (&json!(""), &json!("error")));
        body["error"].as_str().unwrap().to_string()
    }

    #[test]
    fn recipient_rules() {
        let neither = json!({ "workspace": { "id": "w" }, "textMessage": "x" });
        assert!(refused("sendtext", neither).starts_with("recepient or contact is required"));
        let spelt_right =
            json!({ "recipient": { "phoneNumber": "+1" }, "workspace": { "id": "w" }, "textMessage": "x" });
        assert_eq!(refused("sendtext", spelt_right), "recipient is not a known field");
        let both = json!({
            "contact": { "id": "c" }, "recepient": { "phoneNumber": "+1" }, "workspace": { "id": "w" }, "textMessage": "x"
        });
        assert!(refused("sendtext", both).contains("not both"));
        let no_mime =
            json!({ "recepient": { "phoneNumber": "+1" }, "workspace": { "id": "w" }, "mediaUrl": "https://x" });
        assert_eq!(refused("sendmedia", no_mime), "mimeType is required");
        let no_workspace = json!({ "contact": { "id": "c" }, "template": "welcome" });
        assert_eq!(refused("sendtemplate", no_workspace), "workspace is required");
        let ok = json!({ "contact": { "id": "c" }, "workspace": { "id": "w" }, "template": "welcome" });
        assert_eq!(Whautochat.recipient(&Endpoint::bare("sendtemplate"), &ok), "c");
    }
}
