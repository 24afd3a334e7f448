//! Evolution API v2: `POST /message/<route>/{instance}` with `apikey`.
//!
//! Bodies are checked against v2's JSON schemas (`message.schema.ts`) and worded the way its
//! `jsonschema` validator words them (`instance requires property "text"`), inside the global
//! error shape `{status, error, response: {message}}`; a v1 body (`textMessage`, `options`,
//! `contactMessage`) fails exactly as on a v2 server. The controller's own checks (empty text,
//! media that is neither URL nor base64, reactions, button mixes) follow. Success is `201`
//! with the stored message record.

use super::api::{Api, Endpoint, is_url, key_matches, percent_decode};
use super::evolution_record::answer;
use super::ids::Ids;
use super::reply::Reply;
use super::validate::{Field, Path, Problem, Ty, check, each, nested, opt, req};
use crate::providers::{ProviderKind, is_one_emoji};
use hyper::HeaderMap;
use serde_json::{Value, json};

/// The Evolution API imitation.
pub(super) struct Evolution;

const TEXT: &[Field] = &[
    req("number", Ty::Str),
    req("text", Ty::Str),
    opt("linkPreview", Ty::Bool),
    opt("delay", Ty::Int),
    opt("quoted", Ty::Obj),
    opt("mentionsEveryOne", Ty::Bool),
    opt("everyOne", Ty::Bool),
    opt("mentioned", Ty::Arr),
];

const MEDIA: &[Field] = &[
    req("number", Ty::Str),
    req("mediatype", Ty::Str).one_of(&["image", "document", "video", "audio"]),
    opt("mimetype", Ty::Str),
    opt("media", Ty::Str),
    opt("fileName", Ty::Str),
    opt("caption", Ty::Str),
    opt("delay", Ty::Int),
    opt("quoted", Ty::Obj),
    opt("mentionsEveryOne", Ty::Bool),
    opt("mentioned", Ty::Arr),
];

const AUDIO: &[Field] = &[
    req("number", Ty::Str),
    opt("audio", Ty::Str),
    opt("encoding", Ty::Bool),
    opt("delay", Ty::Int),
    opt("quoted", Ty::Obj),
];

const LOCATION: &[Field] = &[
    req("number", Ty::Str),
    req("latitude", Ty::Num),
    req("longitude", Ty::Num),
    req("name", Ty::Str),
    req("address", Ty::Str),
    opt("delay", Ty::Int),
    opt("quoted", Ty::Obj),
];

const CONTACT: &[Field] = &[req("number", Ty::Str), req("contact", Ty::Arr)];

const CONTACT_ITEM: &[Field] = &[
    req("fullName", Ty::Str).non_empty(),
    opt("wuid", Ty::Str),
    req("phoneNumber", Ty::Str),
    opt("organization", Ty::Str),
    opt("email", Ty::Str),
    opt("url", Ty::Str),
];

const REACTION: &[Field] = &[req("key", Ty::Obj), req("reaction", Ty::Str)];

const REACTION_KEY: &[Field] =
    &[req("id", Ty::Str).non_empty(), req("remoteJid", Ty::Str).non_empty(), req("fromMe", Ty::Bool)];

const BUTTONS: &[Field] = &[
    req("number", Ty::Str),
    opt("thumbnailUrl", Ty::Str),
    opt("title", Ty::Str),
    opt("description", Ty::Str),
    opt("footer", Ty::Str),
    opt("buttons", Ty::Arr),
    opt("delay", Ty::Int),
    opt("quoted", Ty::Obj),
];

const BUTTON: &[Field] = &[
    req("type", Ty::Str).one_of(&["reply", "copy", "url", "call", "pix"]),
    opt("displayText", Ty::Str),
    opt("id", Ty::Str).non_empty(),
    opt("url", Ty::Str).non_empty(),
    opt("phoneNumber", Ty::Str).non_empty(),
    opt("currency", Ty::Str),
    opt("name", Ty::Str),
    opt("keyType", Ty::Str).one_of(&["phone", "email", "cpf", "cnpj", "random"]),
    opt("key", Ty::Str),
];

const LIST: &[Field] = &[
    req("number", Ty::Str),
    req("title", Ty::Str),
    opt("description", Ty::Str),
    req("footerText", Ty::Str),
    req("buttonText", Ty::Str),
    req("sections", Ty::Arr),
    opt("delay", Ty::Int),
    opt("quoted", Ty::Obj),
];

const SECTION: &[Field] = &[req("title", Ty::Str).non_empty(), req("rows", Ty::Arr)];

const ROW: &[Field] =
    &[req("title", Ty::Str).non_empty(), opt("description", Ty::Str).non_empty(), req("rowId", Ty::Str).non_empty()];

const TEMPLATE: &[Field] = &[
    opt("number", Ty::Str),
    req("name", Ty::Str),
    req("language", Ty::Str),
    opt("components", Ty::Arr),
    opt("webhookUrl", Ty::Str),
];

/// Every route herald uses, with its schema.
const ROUTES: [(&str, &[Field]); 9] = [
    ("sendText", TEXT),
    ("sendMedia", MEDIA),
    ("sendWhatsAppAudio", AUDIO),
    ("sendLocation", LOCATION),
    ("sendContact", CONTACT),
    ("sendReaction", REACTION),
    ("sendButtons", BUTTONS),
    ("sendList", LIST),
    ("sendTemplate", TEMPLATE),
];

/// The global error shape; `message` is a string or an array.
fn error(status: u16, reason: &str, message: Value) -> Reply {
    Reply::json(status, json!({ "status": status, "error": reason, "response": { "message": message } }))
}

/// A `BadRequestException` thrown with one sentence.
fn bad_request(message: &str) -> Reply {
    error(400, "Bad Request", json!([message]))
}

impl Api for Evolution {
    fn kind(&self) -> ProviderKind {
        ProviderKind::Evolution
    }

    fn route(&self, path: &str, _query: &str) -> Option<Endpoint> {
        let (route, instance) = path.strip_prefix("/message/")?.split_once('/')?;
        if instance.is_empty() || instance.contains('/') {
            return None;
        }
        let (name, _) = ROUTES.iter().find(|(name, _)| *name == route)?;
        Some(Endpoint { name, account: percent_decode(instance) })
    }

    fn authorize(&self, headers: &HeaderMap, reject: bool) -> Result<(), Reply> {
        if !reject && key_matches(headers, "apikey", self.kind()) {
            return Ok(());
        }
        Err(error(401, "Unauthorized", json!("Unauthorized")))
    }

    fn not_found(&self, method: &str, path: &str) -> Reply {
        error(404, "Not Found", json!([format!("Cannot {method} {path}")]))
    }

    fn malformed(&self, why: &str) -> Reply {
        bad_request(why)
    }

    fn server_error(&self) -> Reply {
        error(500, "Internal Server Error", json!("Connection Closed"))
    }

    fn throttled(&self) -> Reply {
        error(429, "Too Many Requests", json!("Too Many Requests"))
    }

    fn recipient(&self, endpoint: &Endpoint, body: &Value) -> String {
        let field = if endpoint.name == "sendReaction" { body.pointer("/key/remoteJid") } else { body.get("number") };
        match field {
            Some(Value::String(s)) => s.clone(),
            Some(Value::Number(n)) => n.to_string(),
            _ => String::new(),
        }
    }

    fn validate(&self, endpoint: &Endpoint, body: &Value) -> Result<(), Reply> {
        let problems = schema_problems(endpoint.name, body);
        if !problems.is_empty() {
            let messages: Vec<String> = problems.iter().map(schema_message).collect();
            return Err(error(400, "Bad Request", json!([messages])));
        }
        controller_rules(endpoint.name, body).map_err(bad_request)
    }

    fn accept(&self, endpoint: &Endpoint, body: &Value, ids: &Ids) -> (Reply, Option<String>) {
        let id = ids.hex16();
        (Reply::json(201, answer(endpoint, body, &id)), Some(id))
    }
}

/// Every schema violation of `body` on `route`, nested items included.
fn schema_problems(route: &str, body: &Value) -> Vec<Problem> {
    let root = Path::root();
    let fields = ROUTES.iter().find(|(name, _)| *name == route).map(|(_, f)| *f).unwrap_or_default();
    let mut problems = check(body, &root, fields);
    match route {
        "sendContact" => problems.extend(each(body, &root, "contact", (1, usize::MAX), |item, at| {
            let mut found = check(item, at, CONTACT_ITEM);
            if let Some(phone) = item.get("phoneNumber").and_then(Value::as_str)
                && phone.chars().count() < 10
            {
                let got = phone.chars().count();
                found.push(Problem::Length { path: at.key("phoneNumber"), min: 10, max: usize::MAX, got });
            }
            found
        })),
        "sendReaction" => problems.extend(nested(body, &root, "key", REACTION_KEY)),
        "sendButtons" => problems.extend(each(body, &root, "buttons", (0, usize::MAX), |b, at| check(b, at, BUTTON))),
        "sendList" => problems.extend(each(body, &root, "sections", (1, usize::MAX), |section, at| {
            let mut found = check(section, at, SECTION);
            found.extend(each(section, at, "rows", (1, usize::MAX), |row, at| check(row, at, ROW)));
            found
        })),
        _ => {}
    }
    problems
}

/// A problem in the words of the `jsonschema` package, after Evolution strips `instance.` and
/// substitutes a field's `description` where the schema has one.
fn schema_message(problem: &Problem) -> String {
    let path = problem.path();
    let name = |p: &Path| if p.is_root() { "instance".to_string() } else { p.dotted() };
    if path.last_key() == "number" && path.parent().is_root() {
        return "Invalid format".into();
    }
    match problem {
        Problem::Missing(p) => format!("{} requires property \"{}\"", name(&p.parent()), p.last_key()),
        Problem::Type(p, ty) => format!("{} is not of a type(s) {}", name(p), ty.name()),
        Problem::NotOneOf(p, values) => format!("{} is not one of enum values: {}", name(p), values.join(",")),
        Problem::Empty(p) => format!("The \"{}\" cannot be empty", p.last_key()),
        Problem::Length { path, min, got, .. } if got < min => {
            format!("{} does not meet minimum length of {min}", name(path))
        }
        Problem::Length { path, max, .. } => format!("{} does not meet maximum length of {max}", name(path)),
        Problem::Unexpected(p) => format!("{} is not allowed to have the additional property", name(p)),
        Problem::Invalid(p, text) => format!("{} {text}", name(p)),
    }
}

/// The checks the controller and the Baileys service make once the schema passes.
fn controller_rules(route: &str, body: &Value) -> Result<(), &'static str> {
    let text = |key: &str| body.get(key).and_then(Value::as_str).unwrap_or_default();
    let url_or_base64 = |s: &str| is_url(s) || is_base64(s);
    match route {
        "sendText" if text("text").trim().is_empty() => Err("Text is required"),
        "sendMedia" if !url_or_base64(text("media")) => Err("Owned media must be a url or base64"),
        "sendMedia" if is_base64(text("media")) && text("mediatype") == "document" && text("fileName").is_empty() => {
            Err("For base64 the file name must be informed.")
        }
        "sendWhatsAppAudio" if !url_or_base64(text("audio")) => {
            Err("Owned media must be a url, base64, or valid file with buffer")
        }
        "sendReaction" if !text("reaction").is_empty() && !is_one_emoji(text("reaction")) => {
            Err("Reaction must be a single emoji or empty string")
        }
        "sendButtons" => button_rules(body),
        _ => Ok(()),
    }
}

/// `buttonMessage`'s rules: at least one button, at most three replies, no mixing.
fn button_rules(body: &Value) -> Result<(), &'static str> {
    let buttons = body.get("buttons").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
    let types: Vec<&str> = buttons.iter().map(|b| b.get("type").and_then(Value::as_str).unwrap_or_default()).collect();
    let reply = types.contains(&"reply");
    let pix = types.contains(&"pix");
    let other = types.iter().any(|t| *t != "reply" && *t != "pix");
    if buttons.is_empty() {
        Err("At least one button is required")
    } else if reply && buttons.len() > 3 {
        Err("Maximum of 3 reply buttons allowed")
    } else if reply && other {
        Err("Reply buttons cannot be mixed with other button types")
    } else if pix && buttons.len() > 1 {
        Err("Only one PIX button is allowed")
    } else {
        Ok(())
    }
}

/// Raw base64 as class-validator's `isBase64` accepts it (no `data:` prefix).
fn is_base64(s: &str) -> bool {
    !s.is_empty()
        && s.len().is_multiple_of(4)
        && s.trim_end_matches('=').bytes().all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'/')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(route: &str, body: Value) -> Value {
        let endpoint = Evolution.route(&format!("/message/{route}/shop"), "").expect("known route");
        let reply = Evolution.validate(&endpoint, &body).expect_err("must be refused");
        assert_eq!(reply.status, 400);
        let body = reply.json_body().unwrap().clone();
        assert_eq!((&body["status"], &body["error"]), (&json!(400), &json!("Bad Request")));
        body["response"]["message"].clone()
    }

    #[test]
    fn v1_bodies_fail_like_on_a_v2_server() {
        let v1 = json!({ "number": "254712345678", "options": { "delay": 1200 }, "textMessage": { "text": "Hi" } });
        assert_eq!(refused("sendText", v1), json!([["instance requires property \"text\""]]));
        let v1 =
            json!({ "number": "254712345678", "contactMessage": [{ "fullName": "A", "phoneNumber": "14155552671" }] });
        assert_eq!(refused("sendContact", v1), json!([["instance requires property \"contact\""]]));
    }

    #[test]
    fn schema_and_controller_messages() {
        let numeric = json!({ "number": 254712345678u64, "text": "Hi" });
        assert_eq!(refused("sendText", numeric), json!([["Invalid format"]]));
        let sticker = json!({ "number": "1", "mediatype": "sticker", "media": "https://x/y.webp" });
        assert_eq!(
            refused("sendMedia", sticker),
            json!([["mediatype is not one of enum values: image,document,video,audio"]])
        );
        let key = json!({ "key": { "id": "", "remoteJid": "1@s.whatsapp.net" }, "reaction": "👍" });
        assert_eq!(
            refused("sendReaction", key),
            json!([["The \"id\" cannot be empty", "key requires property \"fromMe\""]])
        );
        let short = json!({ "number": "1", "contact": [{ "fullName": "A", "phoneNumber": "12345" }] });
        assert_eq!(
            refused("sendContact", short),
            json!([["contact[0].phoneNumber does not meet minimum length of 10"]])
        );
        assert_eq!(refused("sendText", json!({ "number": "1", "text": "  " })), json!(["Text is required"]));
        let media = json!({ "number": "1", "mediatype": "image", "media": "not a url" });
        assert_eq!(refused("sendMedia", media), json!(["Owned media must be a url or base64"]));
        let reaction =
            json!({ "key": { "id": "A", "remoteJid": "1@s.whatsapp.net", "fromMe": true }, "reaction": "ok" });
        assert_eq!(refused("sendReaction", reaction), json!(["Reaction must be a single emoji or empty string"]));
        let buttons = json!({ "number": "1", "buttons": [{ "type": "reply", "id": "a" }, { "type": "url", "url": "https://x" }] });
        assert_eq!(refused("sendButtons", buttons), json!(["Reply buttons cannot be mixed with other button types"]));
        assert_eq!(refused("sendButtons", json!({ "number": "1" })), json!(["At least one button is required"]));
    }

    #[test]
    fn routes_and_jids() {
        assert_eq!(Evolution.route("/message/sendText/my%20shop", "").unwrap().account, "my shop");
        assert!(Evolution.route("/message/sendPoll/shop", "").is_none());
        assert!(Evolution.route("/message/sendText/", "").is_none());
        assert!(is_base64("aGVsbG8="));
        assert!(!is_base64("hello world"));
    }
}
