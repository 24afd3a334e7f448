//! The body of a Cloud API `POST /{phone_number_id}/messages`, checked against Meta's
//! `business-messaging-api` v23.0 spec (schemas `Message`, `TemplateObject`,
//! `InteractiveObject`, `ContactObject`): common fields, the object named by `type`, and no
//! top-level keys besides those.

use super::validate::{Field, Path, Problem, Ty, check, each, nested, opt, req, unexpected};
use serde_json::Value;

/// Every `type` the spec's `Message` discriminator maps.
const TYPES: &[&str] = &[
    "audio",
    "contacts",
    "document",
    "image",
    "interactive",
    "location",
    "reaction",
    "sticker",
    "template",
    "text",
    "video",
];

/// `BaseMessageProperties` (Meta's examples leave `recipient_type` out; it defaults to
/// `individual`).
const BASE: [Field; 6] = [
    req("messaging_product", Ty::Str).one_of(&["whatsapp"]),
    opt("recipient_type", Ty::Str).one_of(&["individual", "group"]),
    req("to", Ty::Str).non_empty(),
    req("type", Ty::Str).one_of(TYPES),
    opt("context", Ty::Obj),
    opt("biz_opaque_callback_data", Ty::Str),
];

const TEXT: [Field; 2] = [req("body", Ty::Str).non_empty(), opt("preview_url", Ty::Bool)];

const LOCATION: [Field; 4] =
    [req("latitude", Ty::StrOrNum), req("longitude", Ty::StrOrNum), opt("name", Ty::Str), opt("address", Ty::Str)];

const REACTION: [Field; 2] = [req("message_id", Ty::Str).non_empty(), req("emoji", Ty::Str)];

const CONTACT: [Field; 7] = [
    req("name", Ty::Obj),
    opt("phones", Ty::Arr),
    opt("emails", Ty::Arr),
    opt("urls", Ty::Arr),
    opt("addresses", Ty::Arr),
    opt("org", Ty::Obj),
    opt("birthday", Ty::Str),
];

const NAME: [Field; 6] = [
    req("formatted_name", Ty::Str).non_empty(),
    opt("first_name", Ty::Str),
    opt("last_name", Ty::Str),
    opt("middle_name", Ty::Str),
    opt("prefix", Ty::Str),
    opt("suffix", Ty::Str),
];

const KIND: &[&str] = &["HOME", "WORK", "CELL", "MAIN", "IPHONE"];

const TEMPLATE: [Field; 3] = [req("name", Ty::Str).non_empty(), req("language", Ty::Obj), opt("components", Ty::Arr)];

const COMPONENT: [Field; 4] = [
    req("type", Ty::Str).one_of(&["header", "body", "button"]),
    opt("sub_type", Ty::Str).one_of(&["quick_reply", "url", "catalog", "copy_code", "flow"]),
    opt("index", Ty::Str),
    opt("parameters", Ty::Arr),
];

const INTERACTIVE: [Field; 5] = [
    req("type", Ty::Str).one_of(&[
        "button",
        "call_permission_request",
        "catalog_message",
        "list",
        "product",
        "product_list",
        "flow",
    ]),
    opt("header", Ty::Obj),
    opt("body", Ty::Obj),
    opt("footer", Ty::Obj),
    req("action", Ty::Obj),
];

/// Every problem with a message body, most basic first.
pub(super) fn problems(body: &Value) -> Vec<Problem> {
    let root = Path::root();
    let mut problems = check(body, &root, &BASE);
    let Some(kind) = body.get("type").and_then(Value::as_str).and_then(|k| TYPES.iter().copied().find(|t| *t == k))
    else {
        return problems;
    };
    let mut allowed: Vec<&str> = BASE.iter().map(|f| f.name).collect();
    allowed.push(kind);
    problems.extend(unexpected(body, &root, &allowed));
    problems.extend(check(body, &root, &[req(kind, if kind == "contacts" { Ty::Arr } else { Ty::Obj })]));
    problems.extend(nested(body, &root, "context", &[req("message_id", Ty::Str).non_empty()]));
    let Some(object) = body.get(kind).filter(|v| v.is_object() || v.is_array()) else { return problems };
    let at = root.key(kind);
    problems.extend(match kind {
        "text" => strict(object, &at, &TEXT),
        "image" | "video" | "audio" | "document" | "sticker" => media(object, &at, kind),
        "location" => location(object, &at),
        "reaction" => strict(object, &at, &REACTION),
        "contacts" => each(body, &root, "contacts", (1, 5), contact),
        "template" => template(object, &at),
        _ => interactive(object, &at),
    });
    problems
}

/// `fields`, and nothing else.
fn strict(object: &Value, at: &Path, fields: &[Field]) -> Vec<Problem> {
    let mut problems = check(object, at, fields);
    let names: Vec<&str> = fields.iter().map(|f| f.name).collect();
    problems.extend(unexpected(object, at, &names));
    problems
}

/// A media object: exactly one of `id` and `link`, plus what this kind may carry.
fn media(object: &Value, at: &Path, kind: &str) -> Vec<Problem> {
    let mut fields = vec![opt("id", Ty::Str).non_empty(), opt("link", Ty::Str).non_empty()];
    if matches!(kind, "image" | "video" | "document") {
        fields.push(opt("caption", Ty::Str));
    }
    if kind == "document" {
        fields.push(opt("filename", Ty::Str));
    }
    let mut problems = strict(object, at, &fields);
    match (object.get("id"), object.get("link")) {
        (None, None) => problems.push(Problem::Missing(at.key("link"))),
        (Some(_), Some(_)) => {
            problems.push(Problem::Invalid(at.clone(), "must have either id or link, not both".into()))
        }
        _ => {}
    }
    if let Some(link) = object.get("link").and_then(Value::as_str)
        && !link.is_empty()
        && !super::api::is_url(link)
    {
        problems.push(Problem::Invalid(at.key("link"), "must be a valid HTTP or HTTPS URL".into()));
    }
    problems
}

fn location(object: &Value, at: &Path) -> Vec<Problem> {
    let mut problems = strict(object, at, &LOCATION);
    for key in ["latitude", "longitude"] {
        if let Some(s) = object.get(key).and_then(Value::as_str)
            && s.trim().parse::<f64>().is_err()
        {
            problems.push(Problem::Invalid(at.key(key), "must be a number".into()));
        }
    }
    problems
}

fn contact(item: &Value, at: &Path) -> Vec<Problem> {
    let mut problems = strict(item, at, &CONTACT);
    if item.get("name").is_some_and(Value::is_object) {
        problems.extend(strict(&item["name"], &at.key("name"), &NAME));
    }
    let phone = [req("phone", Ty::Str).non_empty(), opt("type", Ty::Str).one_of(KIND), opt("wa_id", Ty::Str)];
    problems.extend(each(item, at, "phones", (0, usize::MAX), |p, at| strict(p, at, &phone)));
    let email = [req("email", Ty::Str).non_empty(), opt("type", Ty::Str).one_of(KIND)];
    problems.extend(each(item, at, "emails", (0, usize::MAX), |e, at| strict(e, at, &email)));
    let url = [req("url", Ty::Str).non_empty(), opt("type", Ty::Str).one_of(KIND)];
    problems.extend(each(item, at, "urls", (0, usize::MAX), |u, at| strict(u, at, &url)));
    let org = [opt("company", Ty::Str), opt("department", Ty::Str), opt("title", Ty::Str)];
    if item.get("org").is_some_and(Value::is_object) {
        problems.extend(strict(&item["org"], &at.key("org"), &org));
    }
    problems
}

fn template(object: &Value, at: &Path) -> Vec<Problem> {
    let mut problems = strict(object, at, &TEMPLATE);
    let language = [req("code", Ty::Str).non_empty(), opt("policy", Ty::Str).one_of(&["deterministic"])];
    if object.get("language").is_some_and(Value::is_object) {
        problems.extend(strict(&object["language"], &at.key("language"), &language));
    }
    problems.extend(each(object, at, "components", (0, usize::MAX), component));
    problems
}

fn component(item: &Value, at: &Path) -> Vec<Problem> {
    let mut problems = strict(item, at, &COMPONENT);
    let button = item.get("type").and_then(Value::as_str) == Some("button");
    if button {
        let required = [req("sub_type", Ty::Str), req("index", Ty::Str), req("parameters", Ty::Arr)];
        problems.extend(check(item, at, &required));
        if let Some(index) = item.get("index").and_then(Value::as_str)
            && !super::validate::is_digits(index)
        {
            problems.push(Problem::Invalid(at.key("index"), "must be a button position such as \"0\"".into()));
        }
    }
    problems.extend(each(item, at, "parameters", (0, usize::MAX), |p, at| parameter(p, at, button)));
    problems
}

/// A header/body parameter, or a button's `payload`/`text` parameter.
fn parameter(item: &Value, at: &Path, button: bool) -> Vec<Problem> {
    let types: &'static [&'static str] = if button {
        &["payload", "text", "coupon_code", "action"]
    } else {
        &["text", "currency", "date_time", "image", "video", "document", "location"]
    };
    let mut problems = check(item, at, &[req("type", Ty::Str).one_of(types)]);
    let Some(kind) = item.get("type").and_then(Value::as_str).and_then(|k| types.iter().copied().find(|t| *t == k))
    else {
        return problems;
    };
    let value = match kind {
        "payload" | "text" | "coupon_code" => Ty::Str,
        _ => Ty::Obj,
    };
    problems.extend(check(item, at, &[req(kind, value)]));
    if matches!(kind, "image" | "video" | "document") && item.get(kind).is_some_and(Value::is_object) {
        let link = &item[kind];
        if link.get("id").is_none() && link.get("link").is_none() {
            problems.push(Problem::Missing(at.key(kind).key("link")));
        }
    }
    problems
}

fn interactive(object: &Value, at: &Path) -> Vec<Problem> {
    let mut problems = strict(object, at, &INTERACTIVE);
    let kind = object.get("type").and_then(Value::as_str).unwrap_or_default();
    if kind != "product" && matches!(kind, "button" | "list" | "product_list" | "catalog_message" | "flow") {
        problems.extend(check(object, at, &[req("body", Ty::Obj)]));
    }
    let header = [req("type", Ty::Str).one_of(&["text", "video", "image", "document"]), opt("text", Ty::Str)];
    problems.extend(nested(object, at, "header", &header));
    if object.pointer("/header/type").and_then(Value::as_str) == Some("text") {
        problems.extend(nested(object, at, "header", &[req("text", Ty::Str).non_empty()]));
    }
    problems.extend(nested(object, at, "body", &[req("text", Ty::Str).non_empty()]));
    problems.extend(nested(object, at, "footer", &[req("text", Ty::Str).non_empty()]));
    let Some(action) = object.get("action").filter(|a| a.is_object()) else { return problems };
    let at = at.key("action");
    problems.extend(match kind {
        "button" => {
            let mut found = check(action, &at, &[req("buttons", Ty::Arr)]);
            found.extend(each(action, &at, "buttons", (1, 3), |b, at| {
                let mut found = check(b, at, &[req("type", Ty::Str).one_of(&["reply"]), req("reply", Ty::Obj)]);
                let reply = [req("id", Ty::Str).non_empty(), req("title", Ty::Str).non_empty()];
                found.extend(nested(b, at, "reply", &reply));
                found
            }));
            found
        }
        "list" => {
            let mut found = check(action, &at, &[req("button", Ty::Str).non_empty(), req("sections", Ty::Arr)]);
            let several = action.get("sections").and_then(Value::as_array).is_some_and(|s| s.len() > 1);
            found.extend(each(action, &at, "sections", (1, 10), |section, at| {
                let title = if several { req("title", Ty::Str) } else { opt("title", Ty::Str) };
                let mut found = check(section, at, &[title, req("rows", Ty::Arr)]);
                let row =
                    [req("id", Ty::Str).non_empty(), req("title", Ty::Str).non_empty(), opt("description", Ty::Str)];
                found.extend(each(section, at, "rows", (1, 10), |r, at| check(r, at, &row)));
                found
            }));
            found
        }
        "product" => check(action, &at, &[req("catalog_id", Ty::Str), req("product_retailer_id", Ty::Str)]),
        "product_list" => check(action, &at, &[req("catalog_id", Ty::Str), req("sections", Ty::Arr)]),
        _ => Vec::new(),
    });
    problems
}

/// A problem as Graph API words it, `(#100) …`.
pub(super) fn message(problem: &Problem) -> String {
    let b = |p: &Path| p.bracketed();
    match problem {
        Problem::Missing(p) | Problem::Empty(p) => format!("(#100) The parameter {} is required.", b(p)),
        Problem::Type(p, ty) => format!("(#100) Param {} must be of type {}.", b(p), ty.name()),
        Problem::NotOneOf(p, values) => format!("(#100) Param {} must be one of {{{}}}.", b(p), values.join(", ")),
        Problem::Length { path, min, max, .. } => {
            format!("(#100) Param {} must have between {min} and {max} elements.", b(path))
        }
        Problem::Unexpected(p) => {
            let on = if p.parent().is_root() { "message".to_string() } else { b(&p.parent()) };
            format!("(#100) Unexpected key \"{}\" on param \"{on}\".", p.last_key())
        }
        Problem::Invalid(p, text) => format!("(#100) Param {} {text}.", b(p)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn first(body: Value) -> String {
        message(problems(&body).first().expect("must be refused"))
    }

    fn msg(kind: &str, object: Value) -> Value {
        json!({ "messaging_product": "whatsapp", "to": "+254712345678", "type": kind, (kind): object })
    }

    #[test]
    fn meta_wording() {
        assert_eq!(
            first(json!({ "to": "1", "type": "text", "text": { "body": "x" } })),
            "(#100) The parameter messaging_product is required."
        );
        assert_eq!(first(msg("text", json!({}))), "(#100) The parameter text['body'] is required.");
        let mut extra = msg("text", json!({ "body": "x" }));
        extra["image"] = json!({ "link": "https://x/y.jpg" });
        assert_eq!(first(extra), "(#100) Unexpected key \"image\" on param \"message\".");
        assert_eq!(first(msg("image", json!({ "caption": "c" }))), "(#100) The parameter image['link'] is required.");
        let buttons = json!({ "type": "button", "body": { "text": "b" }, "action": { "buttons": [{ "type": "reply", "reply": { "id": "1" } }] } });
        assert_eq!(
            first(msg("interactive", buttons)),
            "(#100) The parameter interactive['action']['buttons'][0]['reply']['title'] is required."
        );
        let template = json!({ "name": "t", "language": { "code": "en" }, "components": [{ "type": "button", "sub_type": "url", "parameters": [] }] });
        assert_eq!(
            first(msg("template", template)),
            "(#100) The parameter template['components'][0]['index'] is required."
        );
        let contacts =
            json!({ "messaging_product": "whatsapp", "to": "1", "type": "contacts", "contacts": [{ "phones": [] }] });
        assert_eq!(first(contacts), "(#100) The parameter contacts[0]['name'] is required.");
        assert!(problems(&msg("reaction", json!({ "message_id": "wamid.x", "emoji": "" }))).is_empty());
        assert!(problems(&msg("location", json!({ "latitude": "-1.29", "longitude": 36.8 }))).is_empty());
    }
}
