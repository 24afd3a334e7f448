//! Communiktor's Messaging API: `POST /messages/{text,image,video,audio,document,location,vcard}`
//! with `X-API-KEY`; every answer is the envelope `{message, success, code, data}`.
//!
//! Its docs give no error catalogue, so error messages here are plain sentences in the
//! envelope with `success: false`: a body that breaks the contract gets its first violation,
//! a phone number not in the documented form (E.164 digits without plus) saying so.

use crate::providers::contract::{Broken, Violation};
use crate::providers::imitation::api::{Api, Endpoint, key_matches};
use crate::providers::imitation::ids::Ids;
use crate::providers::imitation::path::Path;
use crate::providers::imitation::plain::sentence;
use crate::providers::imitation::reply::Reply;
use hyper::HeaderMap;
use serde_json::{Value, json};

/// The Communiktor imitation.
pub(crate) struct Communiktor;

/// Every endpoint.
const ROUTES: [&str; 7] = ["text", "image", "video", "audio", "document", "location", "vcard"];

fn envelope(code: u16, message: &str) -> Reply {
    Reply::json(code, json!({ "message": message, "success": false, "code": code, "data": null }))
}

impl Api for Communiktor {
    fn token(&self) -> &'static str {
        "sandbox-communiktor-key"
    }

    fn route(&self, path: &str, _query: &str) -> Option<Endpoint> {
        let kind = path.strip_prefix("/messages/")?;
        ROUTES.iter().find(|name| **name == kind).map(|name| Endpoint::bare(name))
    }

    fn authorize(&self, headers: &HeaderMap, reject: bool) -> Result<(), Reply> {
        if !reject && key_matches(headers, "x-api-key", self.token()) {
            return Ok(());
        }
        Err(envelope(401, "Invalid API key"))
    }

    fn not_found(&self, method: &str, path: &str) -> Reply {
        envelope(404, &format!("Cannot {method} {path}"))
    }

    fn malformed(&self, why: &str) -> Reply {
        envelope(400, why)
    }

    fn server_error(&self) -> Reply {
        envelope(500, "Internal server error")
    }

    fn throttled(&self) -> Reply {
        envelope(429, "Too many requests, please retry later")
    }

    fn refused(&self, _recipient: &str) -> Reply {
        envelope(400, "The receiver is not on WhatsApp")
    }

    fn recipient(&self, _: &Endpoint, body: &Value) -> String {
        body.get("receiver").and_then(Value::as_str).unwrap_or_default().to_string()
    }

    fn invalid(&self, _: &Endpoint, violations: &[Violation]) -> Reply {
        let Some(first) = violations.first() else { return self.malformed("Invalid request body") };
        let field = Path::of(first).dotted();
        let phone = matches!(field.as_str(), "receiver" | "contact.phone");
        match first.kind {
            Broken::Other if phone => {
                envelope(400, &format!("{field} must be E.164 digits without plus (e.g. 14155552671)"))
            }
            _ => envelope(400, &sentence(first)),
        }
    }

    fn accept(&self, _: &Endpoint, _: &Value, ids: &Ids) -> (Reply, Option<String>) {
        let id = ids.uuid();
        let body = json!({ "message": "Message sent", "success": true, "code": 200, "data": { "id": id } });
        (Reply::json(200, body), Some(id))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::testing::kind;

    fn error(name: &str, body: Value) -> String {
        let path = format!("/messages/{name}");
        let (contract, _) = crate::providers::contract::find(kind("communiktor"), "POST", &path).unwrap();
        let violations = contract.violations(&body);
        assert!(!violations.is_empty(), "must be refused: {body}");
        let reply = Communiktor.invalid(&Communiktor.route(&path, "").unwrap(), &violations);
        assert_eq!(reply.status, 400);
        let body = reply.json_body().unwrap();
        assert_eq!(
            (body["success"].clone(), body["code"].clone(), body["data"].clone()),
            (json!(false), json!(400), Value::Null)
        );
        body["message"].as_str().unwrap().to_string()
    }

    #[test]
    fn refuses_what_the_docs_require() {
        let base = json!({ "instance": "i", "receiver": "254712345678" });
        assert_eq!(error("text", base), "text is required");
        let plus = json!({ "instance": "i", "receiver": "+254712345678", "text": "x" });
        assert_eq!(error("text", plus), "receiver must be E.164 digits without plus (e.g. 14155552671)");
        let location = json!({ "instance": "i", "receiver": "254712345678", "location": { "latitude": "1", "longitude": 2, "name": "n", "address": "a" } });
        assert_eq!(error("location", location), "location.latitude must be of type number");
        let vcard =
            json!({ "instance": "i", "receiver": "254712345678", "name": "Jane", "contact": { "fullname": "Jane" } });
        assert_eq!(error("vcard", vcard), "contact.phone is required");
        let view = json!({ "instance": "i", "receiver": "254712345678", "url": "https://x/y.jpg", "viewOnce": "yes" });
        assert_eq!(error("image", view), "viewOnce must be of type boolean");
        assert!(Communiktor.route("/messages/sticker", "").is_none());
    }
}
