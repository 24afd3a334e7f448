//! What Meta answers a template send that does not match the account's template, for the
//! sandbox's imitations: the send's `template` object (`{name, language: {code}, components:
//! [{type: header|body|button, sub_type, index, parameters}]}`) against the [`Templates`] the
//! imitated account holds. Codes, titles and HTTP statuses are Meta's (its error-codes page):
//! 132001 no template of that name in that language, or one not approved (404); 132015 paused,
//! 132016 disabled; 132012 a media header sent without that media; 132000 a header or body
//! whose parameters do not match the template's (their number, or for a NAMED template their
//! `parameter_name`s); 131008 a button that takes a value at send time sent without its
//! parameter: a URL button with a variable (`text`), a COPY_CODE button (`{"type":
//! "coupon_code", "coupon_code": …}`), a CATALOG button (`{"type": "action", "action": {…}}`),
//! each at its index (Meta's send examples and its spec's `ButtonComponent`). The `details` are
//! the sandbox's own words, after Meta's where they are known (the URL button's).

use crate::providers::account::{Button, HeaderFormat, Param, ParameterFormat, Template, TemplateStatus};
use crate::providers::imitation::templates::Templates;
use serde_json::Value;

/// Meta's refusal of a template send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Refusal {
    /// The HTTP status.
    pub status: u16,
    /// Meta's code.
    pub code: u32,
    /// Meta's message, `(#code) title`.
    pub message: &'static str,
    /// What does not match.
    pub details: String,
}

impl Refusal {
    fn new(status: u16, code: u32, message: &'static str, details: String) -> Refusal {
        Refusal { status, code, message, details }
    }

    fn count(part: &str, got: usize, expected: usize) -> Refusal {
        let details = format!(
            "{part}: number of localizable_params ({got}) does not match the expected number of params ({expected})"
        );
        Refusal::new(
            400,
            132_000,
            "(#132000) Number of parameters does not match the expected number of params",
            details,
        )
    }
}

/// Meta's refusal of the send of `send` (the body's `template` object), or `None` when the
/// account holds it as sent or does not check its name ([`Templates::checks`]).
pub(crate) fn refusal(send: &Value, templates: &Templates) -> Option<Refusal> {
    let text = |pointer: &str| send.pointer(pointer).and_then(Value::as_str).unwrap_or_default();
    let (name, language) = (text("/name"), text("/language/code"));
    if !templates.checks(name) {
        return None;
    }
    let Some(template) = templates.find(name, language) else {
        let details = format!("template name ({name}) does not exist in {language}");
        return Some(Refusal::new(404, 132_001, "(#132001) Template name does not exist in the translation", details));
    };
    status(template).or_else(|| parts(template, send))
}

/// The refusal of a template that may not be sent, by its status.
fn status(t: &Template) -> Option<Refusal> {
    let which = format!("{} ({})", t.name, t.language);
    Some(match &t.status {
        TemplateStatus::Approved => return None,
        TemplateStatus::Paused => Refusal::new(
            400,
            132_015,
            "(#132015) Template is Paused",
            format!("template {which} is paused due to low quality; edit it and send again once it is approved"),
        ),
        TemplateStatus::Disabled => Refusal::new(
            400,
            132_016,
            "(#132016) Template is Disabled",
            format!(
                "template {which} was paused too many times due to low quality and is disabled for good; create a new template"
            ),
        ),
        other => Refusal::new(
            404,
            132_001,
            "(#132001) Template name does not exist in the translation",
            format!("template {which} has not been approved (status {})", other.as_str()),
        ),
    })
}

/// The refusal of a send whose header, body or buttons do not match the template's.
fn parts(t: &Template, send: &Value) -> Option<Refusal> {
    let components = send.get("components").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
    let params = |kind: &str| -> &[Value] {
        let component = components.iter().find(|c| c.get("type").and_then(Value::as_str) == Some(kind));
        component.and_then(|c| c.get("parameters")).and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default()
    };
    let header = match &t.header {
        Some(h) if h.format != HeaderFormat::Text => media_header(&h.format, params("header")),
        Some(h) => parameters("header", t.parameter_format, &h.params, params("header")),
        None => parameters("header", t.parameter_format, &[], params("header")),
    };
    let body = t.body.as_ref().map(|b| b.params.as_slice()).unwrap_or_default();
    header.or_else(|| parameters("body", t.parameter_format, body, params("body"))).or_else(|| buttons(t, components))
}

/// A media header needs one parameter of that media's type (`{"type": "image", "image": …}`).
fn media_header(format: &HeaderFormat, given: &[Value]) -> Option<Refusal> {
    let expected = format.as_str().to_ascii_lowercase();
    let received = match given {
        [one] => one.get("type").and_then(Value::as_str).unwrap_or("unknown"),
        [] => "unknown",
        _ => return Some(Refusal::count("header", given.len(), 1)),
    };
    (received != expected).then(|| {
        let details = format!(
            "header: Format mismatch, expected {}, received {}",
            expected.to_ascii_uppercase(),
            received.to_ascii_uppercase()
        );
        Refusal::new(400, 132_012, "(#132012) Parameter format does not match format in the created template", details)
    })
}

/// A text header's or the body's parameters against the template's: as many, and for a NAMED
/// template each with a `parameter_name` the template has, every one of them given.
fn parameters(part: &str, format: ParameterFormat, expected: &[Param], given: &[Value]) -> Option<Refusal> {
    if given.len() != expected.len() {
        return Some(Refusal::count(part, given.len(), expected.len()));
    }
    if format == ParameterFormat::Positional {
        return None;
    }
    let names: Vec<&str> =
        given.iter().map(|p| p.get("parameter_name").and_then(Value::as_str).unwrap_or_default()).collect();
    let matches = expected.iter().all(|p| names.contains(&p.name.as_str()))
        && names.iter().all(|n| expected.iter().any(|p| p.name == *n));
    (!matches).then(|| {
        let wanted: Vec<&str> = expected.iter().map(|p| p.name.as_str()).collect();
        let shown: Vec<&str> = names.iter().map(|n| if n.is_empty() { "(none)" } else { n }).collect();
        let details = format!(
            "{part}: parameter_name ({}) does not match the template's named params ({})",
            shown.join(", "),
            wanted.join(", ")
        );
        Refusal::new(
            400,
            132_000,
            "(#132000) Number of parameters does not match the expected number of params",
            details,
        )
    })
}

/// What a button of the template needs at send time: a `button` component of `sub_type` at its
/// index whose parameter has `key` (any parameter when `None`). Meta's kind, as its details
/// name it, and the parameter's, as the refusal names it.
struct Needs {
    sub_type: &'static str,
    key: Option<&'static str>,
    kind: &'static str,
    parameter: &'static str,
}

/// What `button` needs at send time; `None` for a button the send may leave out.
fn needs(button: &Button) -> Option<Needs> {
    match button {
        Button::Url { variable: true, .. } => Some(Needs { sub_type: "url", key: None, kind: "Url", parameter: "a" }),
        Button::CopyCode { .. } => Some(Needs {
            sub_type: "copy_code",
            key: Some("coupon_code"),
            kind: "CopyCode",
            parameter: "a coupon_code",
        }),
        Button::Other { kind, .. } if kind == "CATALOG" => {
            Some(Needs { sub_type: "catalog", key: Some("action"), kind: "Catalog", parameter: "an action" })
        }
        _ => None,
    }
}

/// Each button that takes a value at send time (a URL with a variable, a copy code's coupon, a
/// catalog's action) needs a `button` component of its `sub_type` at its `index`, with its
/// parameter: a coupon_code parameter has its code, an action parameter its `action` object.
fn buttons(t: &Template, components: &[Value]) -> Option<Refusal> {
    let index_of = |c: &Value| match c.get("index") {
        Some(Value::String(s)) => s.parse::<usize>().ok(),
        Some(Value::Number(n)) => n.as_u64().and_then(|n| usize::try_from(n).ok()),
        _ => None,
    };
    let given = |p: &Value, key: Option<&str>| match key {
        None => true,
        Some(key) => {
            p.get("type").and_then(Value::as_str) == Some(key)
                && match p.get(key) {
                    Some(Value::String(s)) => !s.is_empty(),
                    Some(Value::Object(_)) => true,
                    _ => false,
                }
        }
    };
    let filled = |i: usize, need: &Needs| {
        components.iter().any(|c| {
            c.get("type").and_then(Value::as_str) == Some("button")
                && c.get("sub_type").and_then(Value::as_str).is_some_and(|s| s.eq_ignore_ascii_case(need.sub_type))
                && index_of(c) == Some(i)
                && c.get("parameters")
                    .and_then(Value::as_array)
                    .is_some_and(|p| !p.is_empty() && p.iter().all(|p| given(p, need.key)))
        })
    };
    let missing = t.buttons.iter().enumerate().find_map(|(i, b)| needs(b).filter(|n| !filled(i, n)).map(|n| (i, n)));
    missing.map(|(i, n)| {
        let details = format!("buttons: Button at index {i} of type {} requires {} parameter", n.kind, n.parameter);
        Refusal::new(400, 131_008, "(#131008) Required parameter is missing", details)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn send(template: Value) -> Option<(u16, u32, String)> {
        refusal(&template, &Templates::built_in()).map(|r| (r.status, r.code, r.details))
    }

    fn vip(components: Value) -> Value {
        json!({"name": "vip_renewal", "language": {"policy": "deterministic", "code": "en_US"}, "components": components})
    }

    fn text(t: &str) -> Value {
        json!({"type": "text", "text": t})
    }

    #[test]
    fn a_send_matching_the_template_passes_and_names_the_set_lacks_are_not_checked() {
        let ok = vip(json!([{"type": "header", "parameters": [text("Amina")]},
                            {"type": "body", "parameters": [text("Amina Otieno"), text("ORD-1")]},
                            {"type": "button", "sub_type": "quick_reply", "index": "0", "parameters": [{"type": "payload", "payload": "p"}]}]));
        assert_eq!(send(ok), None);
        assert_eq!(send(json!({"name": "promo", "language": {"code": "en"}})), None);
        assert_eq!(send(json!({"name": "hello_world", "language": {"code": "en_US"}})), None);
    }

    #[test]
    fn an_unknown_language_or_a_status_that_may_not_be_sent_is_refused_with_meta_s_code() {
        let (status, code, details) = send(json!({"name": "vip_renewal", "language": {"code": "fr"}})).unwrap();
        assert_eq!(
            (status, code, details.as_str()),
            (404, 132_001, "template name (vip_renewal) does not exist in fr")
        );
        let paused = json!({"name": "spring_sale", "language": {"code": "en_US"}});
        assert_eq!(send(paused).map(|r| r.1), Some(132_015));
        let disabled = json!({"name": "winter_sale", "language": {"code": "en_US"}});
        assert_eq!(send(disabled).map(|r| r.1), Some(132_016));
        let file = Templates::whole_account(vec![
            json!({"name": "draft", "language": "en", "status": "PENDING", "components": []}),
        ]);
        let pending = refusal(&json!({"name": "draft", "language": {"code": "en"}}), &file).unwrap();
        assert_eq!(
            (pending.code, pending.details.as_str()),
            (132_001, "template draft (en) has not been approved (status PENDING)")
        );
        let unknown = refusal(&json!({"name": "promo", "language": {"code": "en"}}), &file).unwrap();
        assert_eq!(unknown.code, 132_001);
    }

    #[test]
    fn parameter_counts_are_checked_for_the_header_and_the_body() {
        let short =
            vip(json!([{"type": "header", "parameters": [text("A")]}, {"type": "body", "parameters": [text("A")]}]));
        assert_eq!(
            send(short),
            Some((
                400,
                132_000,
                "body: number of localizable_params (1) does not match the expected number of params (2)".into()
            ))
        );
        let no_header = vip(json!([{"type": "body", "parameters": [text("A"), text("B")]}]));
        assert_eq!(
            send(no_header).map(|r| r.2),
            Some("header: number of localizable_params (0) does not match the expected number of params (1)".into())
        );
        let extra_header = json!({"name": "hello_world", "language": {"code": "en_US"}, "components": [{"type": "header", "parameters": [text("x")]}]});
        assert_eq!(send(extra_header).map(|r| r.1), Some(132_000));
    }

    fn order(header: Value, body: Value, buttons: Value) -> Value {
        let mut components =
            vec![json!({"type": "header", "parameters": header}), json!({"type": "body", "parameters": body})];
        components.extend(buttons.as_array().cloned().unwrap_or_default());
        json!({"name": "order_confirmation", "language": {"code": "en_US"}, "components": components})
    }

    #[test]
    fn named_parameters_media_headers_and_url_buttons() {
        let image = json!([{"type": "image", "image": {"link": "https://x.example/a.jpg"}}]);
        let named = json!([{"type": "text", "parameter_name": "first_name", "text": "Pablo"},
                           {"type": "text", "parameter_name": "order_number", "text": "1"}]);
        let url = json!([{"type": "button", "sub_type": "url", "index": "0", "parameters": [text("1")]}]);
        assert_eq!(send(order(image.clone(), named.clone(), url.clone())), None);
        let positional = json!([text("Pablo"), text("1")]);
        let (_, code, details) = send(order(image.clone(), positional, url.clone())).unwrap();
        assert_eq!(
            (code, details.as_str()),
            (
                132_000,
                "body: parameter_name ((none), (none)) does not match the template's named params (first_name, order_number)"
            )
        );
        let no_media = send(order(json!([]), named.clone(), url.clone())).unwrap();
        assert_eq!(
            (no_media.1, no_media.2.as_str()),
            (132_012, "header: Format mismatch, expected IMAGE, received UNKNOWN")
        );
        let video = json!([{"type": "video", "video": {"link": "https://x.example/a.mp4"}}]);
        assert_eq!(
            send(order(video, named.clone(), url)).map(|r| r.2),
            Some("header: Format mismatch, expected IMAGE, received VIDEO".into())
        );
        let (status, code, details) = send(order(image, named, json!([]))).unwrap();
        assert_eq!(
            (status, code, details.as_str()),
            (400, 131_008, "buttons: Button at index 0 of type Url requires a parameter")
        );
    }

    /// The account's `coupon` template: a body parameter, a quick reply at 0, a copy-code
    /// button at 1 and a catalog button at 2.
    fn coupon_account() -> Templates {
        Templates::whole_account(vec![json!({"name": "coupon", "language": "en", "status": "APPROVED",
            "category": "MARKETING", "components": [
                {"type": "BODY", "text": "Use {{1}}", "example": {"body_text": [["SAVE"]]}},
                {"type": "BUTTONS", "buttons": [{"type": "QUICK_REPLY", "text": "Stop"},
                                                {"type": "COPY_CODE", "example": "SAVE30"},
                                                {"type": "CATALOG", "text": "View catalog"}]}]})])
    }

    /// herald's own request for the `coupon` template with `buttons`.
    fn coupon_send(buttons: Vec<crate::message::TemplateButton>) -> Value {
        let template = crate::message::Template {
            name: Some("coupon".into()),
            id: None,
            language: Some("en".into()),
            header: None,
            body: vec![crate::message::BodyParam {
                name: None,
                value: crate::message::TemplateParam::Text("SAVE30".into()),
            }],
            buttons,
        };
        let components = crate::providers::meta::components::template_components(
            &template,
            crate::providers::meta::components::HeaderMedia::Nested,
        );
        json!({"name": "coupon", "language": {"policy": "deterministic", "code": "en"}, "components": components})
    }

    #[test]
    fn copy_code_and_catalog_buttons_need_their_parameter_at_their_index() {
        use crate::message::{ButtonValue, TemplateButton};
        let account = coupon_account();
        let code = TemplateButton { index: 1, value: ButtonValue::CopyCode("SAVE30".into()) };
        let catalog = TemplateButton { index: 2, value: ButtonValue::Catalog { thumbnail: None } };
        assert_eq!(refusal(&coupon_send(vec![code.clone(), catalog.clone()]), &account), None, "herald's request");
        let no_code = refusal(&coupon_send(vec![catalog.clone()]), &account).unwrap();
        assert_eq!(
            (no_code.status, no_code.code, no_code.message, no_code.details.as_str()),
            (
                400,
                131_008,
                "(#131008) Required parameter is missing",
                "buttons: Button at index 1 of type CopyCode requires a coupon_code parameter"
            )
        );
        let no_catalog = refusal(&coupon_send(vec![code.clone()]), &account).unwrap();
        assert_eq!(
            (no_catalog.code, no_catalog.details.as_str()),
            (131_008, "buttons: Button at index 2 of type Catalog requires an action parameter")
        );
        let at_the_wrong_index = TemplateButton { index: 0, value: ButtonValue::CopyCode("SAVE30".into()) };
        assert_eq!(refusal(&coupon_send(vec![at_the_wrong_index, catalog]), &account).map(|r| r.code), Some(131_008));
        let mut empty = coupon_send(vec![code]);
        empty["components"][1]["parameters"] = json!([{"type": "coupon_code"}]);
        assert_eq!(
            refusal(&empty, &account).map(|r| r.details),
            Some("buttons: Button at index 1 of type CopyCode requires a coupon_code parameter".into()),
            "a coupon_code parameter without its code is missing it"
        );
    }
}
