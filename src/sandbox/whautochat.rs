//! WhautoChat's Messages API: `POST /v1/messages/whatsapp/{sendtext,sendmedia,sendtemplate}`
//! with `x-api-key`. Every answer is a `MessageResponse`, `{id, status, error}`.
//!
//! The recipient is exactly one of `contact: {id}` or `recepient: {phoneNumber}` (the docs'
//! spelling); the correctly spelt `recipient` is not a field, so a body using it has neither.

use super::api::{Api, Endpoint, key_matches};
use super::ids::Ids;
use super::reply::Reply;
use super::validate::{Field, Path, Problem, Ty, check, nested, opt, req};
use crate::providers::ProviderKind;
use hyper::HeaderMap;
use serde_json::{Value, json};

/// The WhautoChat imitation.
pub(super) struct Whautochat;

const COMMON: [Field; 3] = [opt("contact", Ty::Obj), opt("recepient", Ty::Obj), req("workspace", Ty::Obj)];

const ROUTES: [(&str, &[Field]); 3] = [
    ("sendtext", &[req("textMessage", Ty::Str).non_empty(), opt("scheduleDateTime", Ty::Str)]),
    (
        "sendmedia",
        &[req("mediaUrl", Ty::Str).non_empty(), req("mimeType", Ty::Str).non_empty(), opt("scheduleDateTime", Ty::Str)],
    ),
    // The docs show a string (the template's name); a later page revision calls it an object.
    ("sendtemplate", &[req("template", Ty::StrOrObj).non_empty()]),
];

fn error(status: u16, message: &str) -> Reply {
    Reply::json(status, json!({ "id": "", "status": "error", "error": message }))
}

impl Api for Whautochat {
    fn kind(&self) -> ProviderKind {
        ProviderKind::Whautochat
    }

    fn route(&self, path: &str, _query: &str) -> Option<Endpoint> {
        let name = path.strip_prefix("/v1/messages/whatsapp/")?;
        ROUTES.iter().find(|(route, _)| *route == name).map(|(route, _)| Endpoint::bare(route))
    }

    fn authorize(&self, headers: &HeaderMap, reject: bool) -> Result<(), Reply> {
        if !reject && key_matches(headers, "x-api-key", self.kind()) {
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

    fn recipient(&self, _: &Endpoint, body: &Value) -> String {
        let phone = body.pointer("/recepient/phoneNumber").and_then(Value::as_str);
        let contact = body.pointer("/contact/id").and_then(Value::as_str);
        phone.or(contact).unwrap_or_default().to_string()
    }

    fn validate(&self, endpoint: &Endpoint, body: &Value) -> Result<(), Reply> {
        let root = Path::root();
        let own = ROUTES.iter().find(|(name, _)| *name == endpoint.name).map(|(_, f)| *f).unwrap_or_default();
        let mut problems = check(body, &root, &COMMON);
        if body.is_object() {
            match (body.get("contact"), body.get("recepient")) {
                (Some(_), Some(_)) => problems.push(Problem::Invalid(
                    root.key("recepient"),
                    "cannot be given together with contact; provide either contact or recepient, not both".into(),
                )),
                (None, None) => problems.push(Problem::Invalid(
                    root.key("recepient"),
                    "or contact is required: provide contact (with id) or recepient (with phoneNumber)".into(),
                )),
                _ => {}
            }
        }
        problems.extend(nested(body, &root, "contact", &[req("id", Ty::Str).non_empty()]));
        problems.extend(nested(body, &root, "recepient", &[req("phoneNumber", Ty::Str).non_empty()]));
        problems.extend(nested(body, &root, "workspace", &[req("id", Ty::Str).non_empty()]));
        problems.extend(check(body, &root, own));
        match problems.first() {
            None => Ok(()),
            Some(p) => Err(error(400, &p.sentence(Path::dotted))),
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

    fn refused(route: &str, body: Value) -> String {
        let endpoint = Whautochat.route(&format!("/v1/messages/whatsapp/{route}"), "").unwrap();
        let reply = Whautochat.validate(&endpoint, &body).expect_err("must be refused");
        assert_eq!(reply.status, 400);
        let body = reply.json_body().unwrap();
        assert_eq!((&body["id"], &body["status"]), (&json!(""), &json!("error")));
        body["error"].as_str().unwrap().to_string()
    }

    #[test]
    fn recipient_rules() {
        let spelt_right =
            json!({ "recipient": { "phoneNumber": "+1" }, "workspace": { "id": "w" }, "textMessage": "x" });
        assert!(refused("sendtext", spelt_right).starts_with("recepient or contact is required"));
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
        let endpoint = Endpoint::bare("sendtemplate");
        assert_eq!(Whautochat.validate(&endpoint, &ok), Ok(()));
        assert_eq!(Whautochat.recipient(&endpoint, &ok), "c");
    }
}
