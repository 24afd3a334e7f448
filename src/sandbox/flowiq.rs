//! FlowIQ's `POST /send-whatsapp?tenantId=…` with `Authorization: Bearer fiq_…`: one flat
//! body per `message_type`, errors as `{error, message}` (the one documented is
//! `Missing required field`), success as `{success, message, data}` with a `wamid`.

use super::api::{Api, Endpoint, bearer, query_param};
use super::ids::Ids;
use super::reply::Reply;
use super::token;
use super::validate::{Field, Path, Problem, Ty, check, digits_of, each, is_digits, nested, opt, req};
use crate::providers::ProviderKind;
use hyper::HeaderMap;
use serde_json::{Value, json};

/// The FlowIQ imitation.
pub(super) struct Flowiq;

const TYPES: &[&str] =
    &["text", "image", "video", "audio", "document", "location", "contacts", "interactive", "reaction"];

const COMMON: [Field; 3] = [
    req("phone_number", Ty::Str).non_empty(),
    req("message_type", Ty::Str).one_of(TYPES),
    opt("context_message_id", Ty::Str),
];

/// The fields each `message_type` needs.
const BY_TYPE: [(&str, &[Field]); 9] = [
    ("text", &[req("text", Ty::Str).non_empty()]),
    ("image", &[req("media_url", Ty::Str).non_empty(), opt("caption", Ty::Str)]),
    ("video", &[req("media_url", Ty::Str).non_empty(), opt("caption", Ty::Str)]),
    ("audio", &[req("media_url", Ty::Str).non_empty()]),
    ("document", &[req("media_url", Ty::Str).non_empty(), opt("caption", Ty::Str), opt("filename", Ty::Str)]),
    ("location", &[req("location", Ty::Obj)]),
    ("contacts", &[req("contacts", Ty::Arr).non_empty()]),
    ("interactive", &[req("interactive", Ty::Obj)]),
    ("reaction", &[req("reaction", Ty::Obj)]),
];

const LOCATION: [Field; 4] =
    [req("latitude", Ty::Num), req("longitude", Ty::Num), opt("name", Ty::Str), opt("address", Ty::Str)];

const NAME: [Field; 3] =
    [req("formatted_name", Ty::Str).non_empty(), opt("first_name", Ty::Str), opt("last_name", Ty::Str)];

const INTERACTIVE: [Field; 4] = [
    req("type", Ty::Str).one_of(&["button", "list"]),
    req("body", Ty::Str).non_empty(),
    opt("header", Ty::Str),
    opt("footer", Ty::Str),
];

const ROW: [Field; 3] = [req("id", Ty::Str), req("title", Ty::Str), opt("description", Ty::Str)];

fn error(status: u16, error: &str, message: &str) -> Reply {
    Reply::json(status, json!({ "error": error, "message": message }))
}

impl Api for Flowiq {
    fn kind(&self) -> ProviderKind {
        ProviderKind::Flowiq
    }

    fn route(&self, path: &str, query: &str) -> Option<Endpoint> {
        (path == "/send-whatsapp")
            .then(|| Endpoint { name: "send-whatsapp", account: query_param(query, "tenantId").unwrap_or_default() })
    }

    fn authorize(&self, headers: &HeaderMap, reject: bool) -> Result<(), Reply> {
        match bearer(headers) {
            Some(key) if !reject && key == token(self.kind()) => Ok(()),
            _ => Err(error(401, "Unauthorized", "Invalid API key")),
        }
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

    fn recipient(&self, _: &Endpoint, body: &Value) -> String {
        body.get("phone_number").and_then(Value::as_str).unwrap_or_default().to_string()
    }

    fn validate(&self, endpoint: &Endpoint, body: &Value) -> Result<(), Reply> {
        if endpoint.account.is_empty() {
            return Err(error(400, "Missing required field", "tenantId query parameter is required"));
        }
        let root = Path::root();
        let mut problems = check(body, &root, &COMMON);
        let kind = body.get("message_type").and_then(Value::as_str).unwrap_or_default();
        if let Some(phone) = body.get("phone_number").and_then(Value::as_str)
            && !phone.strip_prefix('+').is_some_and(|d| is_digits(d) && (7..=15).contains(&d.len()))
        {
            problems.push(Problem::Invalid(
                root.key("phone_number"),
                "must be + and the country code and number, e.g. +27123456789".into(),
            ));
        }
        if let Some((_, fields)) = BY_TYPE.iter().find(|(name, _)| *name == kind) {
            problems.extend(check(body, &root, fields));
        }
        problems.extend(match kind {
            "location" => nested(body, &root, "location", &LOCATION),
            "contacts" => each(body, &root, "contacts", (1, usize::MAX), |contact, at| {
                let mut found = check(contact, at, &[req("name", Ty::Obj), req("phones", Ty::Arr).non_empty()]);
                found.extend(nested(contact, at, "name", &NAME));
                let phone = [req("phone", Ty::Str).non_empty(), opt("type", Ty::Str)];
                found.extend(each(contact, at, "phones", (1, usize::MAX), |p, at| check(p, at, &phone)));
                found
            }),
            "interactive" => interactive(body, &root.key("interactive")),
            "reaction" => {
                nested(body, &root, "reaction", &[req("message_id", Ty::Str).non_empty(), opt("emoji", Ty::Str)])
            }
            _ => Vec::new(),
        });
        match problems.first() {
            None => Ok(()),
            Some(p) => Err(describe(p, kind)),
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

/// FlowIQ's flat interactive object: buttons `{id, title}`, or a list with sections of rows.
fn interactive(body: &Value, at: &Path) -> Vec<Problem> {
    let Some(object) = body.get("interactive").filter(|v| v.is_object()) else { return Vec::new() };
    let mut problems = check(object, at, &INTERACTIVE);
    match object.get("type").and_then(Value::as_str) {
        Some("button") => {
            problems.extend(check(object, at, &[req("buttons", Ty::Arr)]));
            let button = [req("id", Ty::Str).non_empty(), req("title", Ty::Str).non_empty()];
            problems.extend(each(object, at, "buttons", (1, 3), |b, at| check(b, at, &button)));
        }
        Some("list") => {
            problems.extend(check(object, at, &[req("button", Ty::Str).non_empty(), req("sections", Ty::Arr)]));
            problems.extend(each(object, at, "sections", (1, 10), |section, at| {
                let mut found = check(section, at, &[opt("title", Ty::Str), req("rows", Ty::Arr)]);
                found.extend(each(section, at, "rows", (1, 10), |row, at| check(row, at, &ROW)));
                found
            }));
        }
        _ => {}
    }
    problems
}

/// A problem in FlowIQ's words: `contacts array is required for contact messages`.
fn describe(problem: &Problem, kind: &str) -> Reply {
    match problem {
        Problem::Missing(p) | Problem::Empty(p) => {
            let array = if p.last_key() == "contacts" { " array" } else { "" };
            let kind = if kind == "contacts" { "contact" } else { kind };
            let message = if p.parent().is_root() && !["phone_number", "message_type"].contains(&p.last_key()) {
                format!("{}{array} is required for {kind} messages", p.dotted())
            } else {
                format!("{} is required", p.dotted())
            };
            error(400, "Missing required field", &message)
        }
        Problem::NotOneOf(p, values) if p.last_key() == "message_type" => {
            error(400, "Invalid message type", &format!("message_type must be one of: {}", values.join(", ")))
        }
        Problem::Invalid(p, _) if p.last_key() == "phone_number" => {
            error(400, "Invalid phone number", &problem.sentence(Path::dotted))
        }
        other => error(400, "Invalid field", &other.sentence(Path::dotted)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(body: Value) -> (String, String) {
        let endpoint = Flowiq.route("/send-whatsapp", "tenantId=acme").unwrap();
        let reply = Flowiq.validate(&endpoint, &body).expect_err("must be refused");
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
        let (_, message) = refused(json!({ "phone_number": "+27123456789", "message_type": "text" }));
        assert_eq!(message, "text is required for text messages");
        let (error, _) = refused(json!({ "phone_number": "27123456789", "message_type": "text", "text": "x" }));
        assert_eq!(error, "Invalid phone number");
        let (error, _) = refused(json!({ "phone_number": "+27123456789", "message_type": "template" }));
        assert_eq!(error, "Invalid message type");
        let list = json!({
            "phone_number": "+27123456789", "message_type": "interactive",
            "interactive": { "type": "list", "body": "Pick", "sections": [{ "rows": [{ "id": "1" }] }] }
        });
        assert_eq!(refused(list).1, "interactive.button is required");
        let endpoint = Flowiq.route("/send-whatsapp", "").unwrap();
        let reply = Flowiq.validate(&endpoint, &json!({})).unwrap_err();
        assert_eq!(reply.json_body().unwrap()["message"], "tenantId query parameter is required");
    }
}
