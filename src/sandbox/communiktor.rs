//! Communiktor's Messaging API: `POST /messages/{text,image,video,audio,document,location,vcard}`
//! with `X-API-KEY`; every answer is the envelope `{message, success, code, data}`.
//!
//! Its docs give no error catalogue, so error messages here are plain sentences in the
//! envelope with `success: false`.

use super::api::{Api, Endpoint, key_matches};
use super::ids::Ids;
use super::reply::Reply;
use super::validate::{Field, Path, Problem, Ty, check, is_digits, nested, opt, req};
use crate::providers::ProviderKind;
use hyper::HeaderMap;
use serde_json::{Value, json};

/// The Communiktor imitation.
pub(super) struct Communiktor;

/// Fields every message endpoint takes.
const COMMON: [Field; 5] = [
    req("instance", Ty::Str).non_empty(),
    req("receiver", Ty::Str).non_empty(),
    opt("group", Ty::Bool),
    opt("sendsAt", Ty::StrOrNull),
    opt("metadata", Ty::Obj),
];

/// Each endpoint and its own fields.
const ROUTES: [(&str, &[Field]); 7] = [
    ("text", &[req("text", Ty::Str).non_empty()]),
    ("image", &[req("url", Ty::Str).non_empty(), opt("caption", Ty::Str), opt("viewOnce", Ty::Bool)]),
    (
        "video",
        &[
            req("url", Ty::Str).non_empty(),
            opt("caption", Ty::Str),
            opt("viewOnce", Ty::Bool),
            opt("asGif", Ty::Bool),
            opt("asNote", Ty::Bool),
        ],
    ),
    ("audio", &[req("url", Ty::Str).non_empty(), opt("asNote", Ty::Bool), opt("viewOnce", Ty::Bool)]),
    (
        "document",
        &[
            req("url", Ty::Str).non_empty(),
            opt("caption", Ty::Str),
            opt("filename", Ty::Str),
            opt("viewOnce", Ty::Bool),
        ],
    ),
    ("location", &[req("location", Ty::Obj)]),
    ("vcard", &[req("name", Ty::Str).non_empty(), req("contact", Ty::Obj)]),
];

/// `location` on `/messages/location`: all four are listed without `?`.
const LOCATION: [Field; 4] =
    [req("latitude", Ty::Num), req("longitude", Ty::Num), req("name", Ty::Str), req("address", Ty::Str)];

/// `contact` on `/messages/vcard`.
const CONTACT: [Field; 9] = [
    req("fullname", Ty::Str).non_empty(),
    req("phone", Ty::Str).non_empty(),
    opt("waid", Ty::Str),
    opt("organization", Ty::Str),
    opt("title", Ty::Str),
    opt("email", Ty::Str),
    opt("url", Ty::Str),
    opt("address", Ty::Str),
    opt("note", Ty::Str),
];

fn envelope(code: u16, message: &str) -> Reply {
    Reply::json(code, json!({ "message": message, "success": false, "code": code, "data": null }))
}

impl Api for Communiktor {
    fn kind(&self) -> ProviderKind {
        ProviderKind::Communiktor
    }

    fn route(&self, path: &str, _query: &str) -> Option<Endpoint> {
        let kind = path.strip_prefix("/messages/")?;
        ROUTES.iter().find(|(name, _)| *name == kind).map(|(name, _)| Endpoint::bare(name))
    }

    fn authorize(&self, headers: &HeaderMap, reject: bool) -> Result<(), Reply> {
        if !reject && key_matches(headers, "x-api-key", self.kind()) {
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

    fn recipient(&self, _: &Endpoint, body: &Value) -> String {
        body.get("receiver").and_then(Value::as_str).unwrap_or_default().to_string()
    }

    fn validate(&self, endpoint: &Endpoint, body: &Value) -> Result<(), Reply> {
        let root = Path::root();
        let own = ROUTES.iter().find(|(name, _)| *name == endpoint.name).map(|(_, f)| *f).unwrap_or_default();
        let mut problems = check(body, &root, &COMMON);
        problems.extend(check(body, &root, own));
        problems.extend(nested(body, &root, "location", &LOCATION));
        problems.extend(nested(body, &root, "contact", &CONTACT));
        let group = body.get("group").and_then(Value::as_bool) == Some(true);
        let digits = |key: &str| body.get(key).and_then(Value::as_str).filter(|s| !s.is_empty() && !is_digits(s));
        if !group && digits("receiver").is_some() {
            let why = "must be E.164 digits without plus (e.g. 14155552671)".to_string();
            problems.push(Problem::Invalid(root.key("receiver"), why));
        }
        if let Some(phone) = body.pointer("/contact/phone").and_then(Value::as_str)
            && !is_digits(phone)
        {
            let why = "must be E.164 digits without plus".to_string();
            problems.push(Problem::Invalid(root.key("contact").key("phone"), why));
        }
        match problems.first() {
            None => Ok(()),
            Some(p) => Err(envelope(400, &p.sentence(Path::dotted))),
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

    fn endpoint(name: &str) -> Endpoint {
        Communiktor.route(&format!("/messages/{name}"), "").expect("known route")
    }

    fn error(name: &str, body: Value) -> String {
        let reply = Communiktor.validate(&endpoint(name), &body).expect_err("must be refused");
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
        assert_eq!(error("text", base.clone()), "text is required");
        let plus = json!({ "instance": "i", "receiver": "+254712345678", "text": "x" });
        assert!(error("text", plus).starts_with("receiver must be E.164 digits"));
        let location = json!({ "instance": "i", "receiver": "1", "location": { "latitude": "1", "longitude": 2 } });
        assert_eq!(error("location", location), "location.latitude must be of type number");
        let vcard = json!({ "instance": "i", "receiver": "1", "name": "Jane", "contact": { "fullname": "Jane" } });
        assert_eq!(error("vcard", vcard), "contact.phone is required");
        let view = json!({ "instance": "i", "receiver": "1", "url": "https://x/y.jpg", "viewOnce": "yes" });
        assert_eq!(error("image", view), "viewOnce must be of type boolean");
        let group = json!({ "instance": "i", "receiver": "120363@g.us", "group": true, "text": "hi" });
        assert_eq!(Communiktor.validate(&endpoint("text"), &group), Ok(()));
        assert!(Communiktor.route("/messages/sticker", "").is_none());
    }
}
