//! Evolution API v2: `POST /message/<route>/{instance}` with `apikey`.
//!
//! Errors come in the global shape `{status, error, response: {message}}`. Contract violations
//! that v2's own JSON schemas (`message.schema.ts`) catch are all listed, worded the way its
//! `jsonschema` validator words them (`instance requires property "text"`), so a v1 body
//! (`textMessage`, `options`, `contactMessage`) fails as on a v2 server. When there are none,
//! a violation of a rule the controller or the Baileys service enforces instead (empty text,
//! media that is neither URL nor base64, reactions, button counts and mixes) is answered with
//! its `BadRequestException` sentence; failing that, the unknown fields the contract refuses
//! (the real schemas ignore them) are listed in the schema's words. Success is `201` with the
//! stored message record. `GET /template/find/{instance}` answers the account's templates as a
//! Cloud-API instance does: Meta's first page, its `data` array alone; a `sendTemplate` that
//! does not match them gets Meta's refusal relayed as such an instance relays it (201, Meta's
//! error object as the body).

use super::record::answer;
use crate::providers::contract::{Broken, Violation};
use crate::providers::imitation::api::{Api, Endpoint, key_matches, percent_decode};
use crate::providers::imitation::ids::Ids;
use crate::providers::imitation::path::Path;
use crate::providers::imitation::plain::listed;
use crate::providers::imitation::reply::Reply;
use crate::providers::imitation::templates::Templates;
use crate::providers::meta::template_refusals;
use hyper::HeaderMap;
use serde_json::{Value, json};

/// The Evolution API imitation.
pub(crate) struct Evolution;

/// Every route herald uses.
const ROUTES: [&str; 12] = [
    "sendText",
    "sendMedia",
    "sendWhatsAppAudio",
    "sendPtv",
    "sendSticker",
    "sendPoll",
    "sendLocation",
    "sendContact",
    "sendReaction",
    "sendButtons",
    "sendList",
    "sendTemplate",
];

/// Graph API's default page: what Meta answers Evolution's templates request, which asks no
/// `limit`.
const META_DEFAULT_PAGE: usize = 25;

/// The global error shape; `message` is a string or an array.
fn error(status: u16, reason: &str, message: Value) -> Reply {
    Reply::json(status, json!({ "status": status, "error": reason, "response": { "message": message } }))
}

/// A `BadRequestException` thrown with one sentence.
fn bad_request(message: &str) -> Reply {
    error(400, "Bad Request", json!([message]))
}

impl Api for Evolution {
    fn token(&self) -> &'static str {
        "sandbox-evolution-key"
    }

    fn route(&self, path: &str, _query: &str) -> Option<Endpoint> {
        let (route, instance) = path.strip_prefix("/message/")?.split_once('/')?;
        if instance.is_empty() || instance.contains('/') {
            return None;
        }
        let name = ROUTES.iter().find(|name| **name == route)?;
        Some(Endpoint { name, account: percent_decode(instance) })
    }

    fn authorize(&self, headers: &HeaderMap, reject: bool) -> Result<(), Reply> {
        if !reject && key_matches(headers, "apikey", self.token()) {
            return Ok(());
        }
        Err(error(401, "Unauthorized", json!("Unauthorized")))
    }

    fn account(&self, method: &str, path: &str, _query: &str, templates: &Templates) -> Option<Reply> {
        let instance = path.strip_prefix("/template/find/")?;
        if method != "GET" || instance.is_empty() || instance.contains('/') {
            return None;
        }
        // Meta's first page, its `data` alone, as `TemplateService.find` passes it on.
        let first = &templates.listed()[..templates.len().min(META_DEFAULT_PAGE)];
        Some(Reply::json(200, Value::from(first.to_vec())))
    }

    fn refuse_template(&self, endpoint: &Endpoint, body: &Value, templates: &Templates) -> Option<Reply> {
        if endpoint.name != "sendTemplate" {
            return None;
        }
        // The instance sends Meta `{name, language: {code}, components}` and, when Meta refuses,
        // answers 201 with Meta's error object as the whole body.
        let sent = json!({ "name": body.get("name"), "language": { "code": body.get("language") },
                           "components": body.get("components") });
        let refusal = template_refusals::refusal(&sent, templates)?;
        Some(Reply::json(
            201,
            json!({ "message": refusal.message, "type": "OAuthException", "code": refusal.code,
                    "error_data": { "messaging_product": "whatsapp", "details": refusal.details },
                    "fbtrace_id": "ASandboxEvolutionRelay" }),
        ))
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

    fn refused(&self, recipient: &str) -> Reply {
        let number: String = recipient.chars().filter(char::is_ascii_digit).collect();
        let jid = format!("{number}@s.whatsapp.net");
        error(400, "Bad Request", json!([{ "jid": jid, "exists": false, "number": number }]))
    }

    fn recipient(&self, endpoint: &Endpoint, body: &Value) -> String {
        let field = if endpoint.name == "sendReaction" { body.pointer("/key/remoteJid") } else { body.get("number") };
        match field {
            Some(Value::String(s)) => s.clone(),
            Some(Value::Number(n)) => n.to_string(),
            _ => String::new(),
        }
    }

    fn invalid(&self, endpoint: &Endpoint, violations: &[Violation]) -> Reply {
        let unexpected = |v: &&Violation| matches!(v.kind, Broken::Unexpected { .. });
        let controller = |v: &&Violation| controller_rule(endpoint.name, v).is_some();
        let schema: Vec<&Violation> = violations.iter().filter(|v| !unexpected(v) && !controller(v)).collect();
        if let Some(sentence) = violations.iter().find_map(|v| controller_rule(endpoint.name, v))
            && schema.is_empty()
        {
            return bad_request(sentence);
        }
        let listed = if schema.is_empty() { violations.iter().filter(unexpected).collect() } else { schema };
        let mut messages: Vec<String> = Vec::new();
        for message in listed.into_iter().flat_map(schema_messages) {
            if !messages.contains(&message) {
                messages.push(message);
            }
        }
        error(400, "Bad Request", json!([messages]))
    }

    fn accept(&self, endpoint: &Endpoint, body: &Value, ids: &Ids) -> (Reply, Option<String>) {
        let id = ids.hex16();
        (Reply::json(201, answer(endpoint, body, &id)), Some(id))
    }
}

/// A violation in the words of the `jsonschema` package, after Evolution strips `instance.`
/// and substitutes a field's `description` where the schema has one (`number`'s is
/// `Invalid format`); one message per unexpected property.
fn schema_messages(violation: &Violation) -> Vec<String> {
    let name = |p: &Path| if p.is_root() { "instance".to_string() } else { p.dotted() };
    let field = Path::of(violation);
    let at = Path::at(&violation.pointer);
    let one = |message: String| vec![message];
    if field.is_top_level() && field.last_key() == "number" {
        return one("Invalid format".into());
    }
    match &violation.kind {
        Broken::Missing { property } => one(format!("{} requires property \"{property}\"", name(&at))),
        Broken::MissingOneOf { properties } => {
            let quoted: Vec<String> = properties.iter().map(|p| format!("\"{p}\"")).collect();
            one(format!("{} requires property {}", name(&at), quoted.join(" or ")))
        }
        Broken::Unexpected { properties } => properties
            .iter()
            .map(|p| format!("{} is not allowed to have the additional property \"{p}\"", name(&at)))
            .collect(),
        Broken::Type { expected } => one(format!("{} is not of a type(s) {}", name(&at), expected.join(","))),
        Broken::NotAllowed { allowed } => {
            one(format!("{} is not one of enum values: {}", name(&at), listed(allowed, ",")))
        }
        Broken::TooShort { min: 1 } => one(format!("The \"{}\" cannot be empty", at.last_key())),
        Broken::TooShort { min } | Broken::TooFew { min } => {
            one(format!("{} does not meet minimum length of {min}", name(&at)))
        }
        Broken::TooLong { max } | Broken::TooMany { max } => {
            one(format!("{} does not meet maximum length of {max}", name(&at)))
        }
        Broken::Ambiguous => one(format!("{} is not exactly one from its subschemas", name(&at))),
        Broken::Other => one(format!("{} {}", name(&at), violation.message)),
    }
}

/// The `BadRequestException` sentence of the controller or Baileys rule `violation` stands
/// for on `route`, when the server's schema itself lets it pass.
fn controller_rule(route: &str, violation: &Violation) -> Option<&'static str> {
    let field = Path::of(violation);
    let top = if field.is_top_level() { field.last_key() } else { "" };
    let missing = matches!(violation.kind, Broken::Missing { .. });
    let badly_typed = matches!(violation.kind, Broken::Type { .. });
    match (route, top) {
        ("sendText", "text") if !missing && !badly_typed => Some("Text is required"),
        ("sendMedia", "media") if !badly_typed => Some("Owned media must be a url or base64"),
        ("sendMedia", "fileName") if missing => Some("For base64 the file name must be informed."),
        ("sendWhatsAppAudio", "audio") if !badly_typed => {
            Some("Owned media must be a url, base64, or valid file with buffer")
        }
        ("sendReaction", "reaction") if !missing && !badly_typed => {
            Some("Reaction must be a single emoji or empty string")
        }
        ("sendButtons", "buttons") => match violation.kind {
            Broken::Missing { .. } | Broken::TooFew { .. } => Some("At least one button is required"),
            Broken::TooMany { max: 1 } => Some("Only one PIX button is allowed"),
            Broken::TooMany { .. } => Some("Maximum of 3 reply buttons allowed"),
            _ => None,
        },
        ("sendButtons", _) => match &violation.kind {
            Broken::NotAllowed { allowed } if allowed == &[json!("reply")] && field.last_key() == "type" => {
                Some("Reply buttons cannot be mixed with other button types")
            }
            _ => None,
        },
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::testing::kind;

    fn refused(route: &str, body: Value) -> Value {
        let path = format!("/message/{route}/shop");
        let endpoint = Evolution.route(&path, "").expect("known route");
        let (contract, _) = crate::providers::contract::find(kind("evolution"), "POST", &path).unwrap();
        let violations = contract.violations(&body);
        assert!(!violations.is_empty(), "must be refused: {body}");
        let reply = Evolution.invalid(&endpoint, &violations);
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
        // Unknown fields, which the real schemas ignore, are refused when nothing else is wrong.
        let extra = json!({ "number": "1", "text": "Hi", "options": { "delay": 1200 } });
        assert_eq!(
            refused("sendText", extra),
            json!([["instance is not allowed to have the additional property \"options\""]])
        );
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
            json!([["key requires property \"fromMe\"", "The \"id\" cannot be empty"]])
        );
        let short = json!({ "number": "1", "contact": [{ "fullName": "A", "phoneNumber": "12345" }] });
        assert_eq!(
            refused("sendContact", short),
            json!([["contact[0].phoneNumber does not meet minimum length of 10"]])
        );
        assert_eq!(refused("sendText", json!({ "number": "1", "text": "  " })), json!(["Text is required"]));
        let media = json!({ "number": "1", "mediatype": "image", "media": "data:image/png;base64,AAAA" });
        assert_eq!(refused("sendMedia", media), json!(["Owned media must be a url or base64"]));
        let base64 = json!({ "number": "1", "mediatype": "document", "media": "aGVsbG8=" });
        assert_eq!(refused("sendMedia", base64), json!(["For base64 the file name must be informed."]));
        let reaction =
            json!({ "key": { "id": "A", "remoteJid": "1@s.whatsapp.net", "fromMe": true }, "reaction": "ok" });
        assert_eq!(refused("sendReaction", reaction), json!(["Reaction must be a single emoji or empty string"]));
        let buttons = json!({ "number": "1", "title": "t", "buttons": [
            { "type": "reply", "displayText": "Yes", "id": "a" },
            { "type": "url", "displayText": "Site", "url": "https://x" }
        ] });
        assert_eq!(refused("sendButtons", buttons), json!(["Reply buttons cannot be mixed with other button types"]));
        assert_eq!(
            refused("sendButtons", json!({ "number": "1", "title": "t" })),
            json!(["At least one button is required"])
        );
        // A schema violation is reported before any controller rule.
        let both = json!({ "number": "1", "text": " ", "delay": "soon" });
        assert_eq!(refused("sendText", both), json!([["delay is not of a type(s) integer"]]));
    }

    #[test]
    fn the_templates_route_answers_meta_s_first_page_as_a_bare_array() {
        let built_in = Templates::built_in();
        let reply = Evolution.account("GET", "/template/find/shop", "", &built_in).unwrap();
        let listed = reply.json_body().unwrap().as_array().unwrap();
        assert_eq!((reply.status, listed.len()), (200, 5));
        assert_eq!(listed[1]["name"], "vip_renewal");
        let many = Templates::whole_account(
            (0..30).map(|i| json!({"name": format!("t{i}"), "language": "en", "status": "APPROVED"})).collect(),
        );
        let first = Evolution.account("GET", "/template/find/shop", "", &many).unwrap();
        assert_eq!(first.json_body().unwrap().as_array().unwrap().len(), 25);
        assert!(Evolution.account("POST", "/template/find/shop", "", &built_in).is_none());
        assert!(Evolution.account("GET", "/template/find/", "", &built_in).is_none());
        assert!(Evolution.account("GET", "/message/sendText/shop", "", &built_in).is_none());
    }

    #[test]
    fn a_template_send_the_account_lacks_gets_meta_s_refusal_relayed_in_a_201() {
        let built_in = Templates::built_in();
        let endpoint = Evolution.route("/message/sendTemplate/shop", "").unwrap();
        let french = json!({"number": "254712345678", "name": "vip_renewal", "language": "fr"});
        let reply = Evolution.refuse_template(&endpoint, &french, &built_in).unwrap();
        let body = reply.json_body().unwrap();
        assert_eq!((reply.status, &body["code"]), (201, &json!(132001)));
        assert_eq!(body["error_data"]["details"], "template name (vip_renewal) does not exist in fr");
        let promo = json!({"number": "254712345678", "name": "promo", "language": "en"});
        assert!(Evolution.refuse_template(&endpoint, &promo, &built_in).is_none());
        let text = Evolution.route("/message/sendText/shop", "").unwrap();
        assert!(Evolution.refuse_template(&text, &french, &built_in).is_none());
    }

    #[test]
    fn routes() {
        assert_eq!(Evolution.route("/message/sendText/my%20shop", "").unwrap().account, "my shop");
        assert!(Evolution.route("/message/sendStatus/shop", "").is_none());
        assert!(Evolution.route("/message/sendText/", "").is_none());
    }
}
