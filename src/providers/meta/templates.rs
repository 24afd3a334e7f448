//! Meta's message templates as its Graph API lists them (`message_templates`' `data[]`, which
//! Evolution passes through): `{name, language, status, category, parameter_format,
//! components: [{type: HEADER|BODY|FOOTER|BUTTONS, format, text, example, buttons}]}`. The
//! default-fields answer in Meta's OpenAPI example leaves out each component's `type`; such a
//! component is told by its keys (`format` → header, `buttons` → buttons, the first bare text
//! the body, a later one the footer).

use crate::providers::account::{
    Body, Button, Header, HeaderFormat, Param, ParameterFormat, Template, TemplateStatus, placeholders,
};
use serde_json::Value;

/// The fields asked for, so every template comes with what herald reads.
pub(crate) const FIELDS: &str = "name,language,status,category,parameter_format,components";

/// One of `data[]`, or `None` when it has no name.
pub(crate) fn template(v: &Value) -> Option<Template> {
    let text = |v: &Value, key: &str| v.get(key).and_then(Value::as_str).map(str::to_string);
    let parameter_format = match text(v, "parameter_format").map(|f| f.to_ascii_uppercase()).as_deref() {
        Some("NAMED") => ParameterFormat::Named,
        _ => ParameterFormat::Positional,
    };
    let mut t = Template {
        name: text(v, "name")?,
        language: text(v, "language").unwrap_or_default(),
        status: TemplateStatus::parse(&text(v, "status").unwrap_or_default()),
        category: text(v, "category").unwrap_or_default(),
        parameter_format,
        header: None,
        body: None,
        footer: None,
        buttons: Vec::new(),
    };
    for c in v.get("components").and_then(Value::as_array).into_iter().flatten() {
        let kind = match text(c, "type") {
            Some(kind) => kind.to_ascii_uppercase(),
            None if c.get("format").is_some() => "HEADER".into(),
            None if c.get("buttons").is_some() => "BUTTONS".into(),
            None if t.body.is_none() => "BODY".into(),
            None => "FOOTER".into(),
        };
        let example = c.get("example").unwrap_or(&Value::Null);
        match kind.as_str() {
            "HEADER" => {
                let body = text(c, "text");
                let params = params(body.as_deref(), example, "header_text", "header_text_named_params");
                let format = HeaderFormat::parse(&text(c, "format").unwrap_or_else(|| "TEXT".into()));
                t.header = Some(Header { format, text: body, params });
            }
            "BODY" => {
                let body = text(c, "text").unwrap_or_default();
                let params = params(Some(&body), example, "body_text", "body_text_named_params");
                t.body = Some(Body { text: body, params });
            }
            "FOOTER" => t.footer = text(c, "text"),
            "BUTTONS" => {
                t.buttons = c.get("buttons").and_then(Value::as_array).into_iter().flatten().map(button).collect();
            }
            _ => {}
        }
    }
    Some(t)
}

/// The parameters written in `text`, each with its example: positional examples are
/// `example.{positional}` (Meta nests the body's in one more array), named ones
/// `example.{named}: [{param_name, example}]`.
fn params(text: Option<&str>, example: &Value, positional: &str, named: &str) -> Vec<Param> {
    let in_order: Vec<&str> = match example.get(positional) {
        Some(Value::Array(a)) => {
            let flat = match a.first() {
                Some(Value::Array(inner)) => inner,
                _ => a,
            };
            flat.iter().filter_map(Value::as_str).collect()
        }
        _ => Vec::new(),
    };
    let by_name = example.get(named).and_then(Value::as_array);
    placeholders(text.unwrap_or_default())
        .into_iter()
        .enumerate()
        .map(|(i, name)| {
            let named =
                by_name.into_iter().flatten().find(|p| p.get("param_name").and_then(Value::as_str) == Some(&name));
            let example = match named {
                Some(p) => p.get("example").and_then(Value::as_str),
                None => in_order.get(i).copied(),
            };
            Param { name, example: example.map(str::to_string) }
        })
        .collect()
}

/// One of a `BUTTONS` component's `buttons`.
fn button(b: &Value) -> Button {
    let text = |key: &str| b.get(key).and_then(Value::as_str).unwrap_or_default().to_string();
    match text("type").to_ascii_uppercase().as_str() {
        "QUICK_REPLY" => Button::QuickReply { text: text("text") },
        "URL" => {
            let url = text("url");
            let example = b.get("example").and_then(example_text);
            Button::Url { text: text("text"), variable: url.contains("{{"), url, example }
        }
        "COPY_CODE" => Button::CopyCode { example: b.get("example").and_then(example_text) },
        "FLOW" => Button::Flow { text: text("text") },
        "PHONE_NUMBER" => Button::PhoneNumber { text: text("text") },
        kind => Button::Other { kind: kind.to_string(), text: text("text") },
    }
}

/// An example given as text or as a one-element list of text.
fn example_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Array(a) => a.first().and_then(Value::as_str).map(str::to_string),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_the_specs_example_without_component_types() {
        // `getTemplateByNameDefaultFields`' example: components carry no `type`.
        let v = json!({"category": "MARKETING", "components": [
            {"format": "TEXT", "text": "Fall Sale"},
            {"example": {"body_text": [["Mark", "FALL25"]]},
             "text": "Hi {{1}}, our Fall Sale is on! Use promo code {{2}} Get an extra 25% off every order above $350!"},
            {"text": "Not interested in any of our sales? Tap Stop Promotions"},
            {"buttons": [{"text": "Stop promotions", "type": "QUICK_REPLY"}]}],
            "id": "920070352646140", "language": "en_US", "name": "2023_april_promo", "status": "REJECTED"});
        let t = template(&v).unwrap();
        assert_eq!(
            (t.name.as_str(), t.language.as_str(), &t.status),
            ("2023_april_promo", "en_US", &TemplateStatus::Rejected)
        );
        assert_eq!(t.header.as_ref().unwrap().format, HeaderFormat::Text);
        let body = t.body.unwrap();
        assert_eq!(
            body.params,
            [
                Param { name: "1".into(), example: Some("Mark".into()) },
                Param { name: "2".into(), example: Some("FALL25".into()) }
            ]
        );
        assert_eq!(t.footer.as_deref(), Some("Not interested in any of our sales? Tap Stop Promotions"));
        assert_eq!(t.buttons, [Button::QuickReply { text: "Stop promotions".into() }]);
    }

    #[test]
    fn reads_named_parameters_media_headers_and_buttons() {
        // Meta's "Template management" named-parameter example, with a media header and buttons.
        let v = json!({"name": "order_confirmation", "language": "en_US", "status": "APPROVED",
            "category": "UTILITY", "parameter_format": "NAMED", "components": [
            {"type": "HEADER", "format": "IMAGE", "example": {"header_handle": ["4::aW1hZ2U="]}},
            {"type": "BODY", "text": "Thank you, {{first_name}}! Your order {{order_number}} is confirmed.",
             "example": {"body_text_named_params": [{"param_name": "first_name", "example": "Pablo"},
                                                    {"param_name": "order_number", "example": "860198-230332"}]}},
            {"type": "BUTTONS", "buttons": [
                {"type": "URL", "text": "Track", "url": "https://x.example/track/{{1}}", "example": ["https://x.example/track/1"]},
                {"type": "COPY_CODE", "example": "SAVE30"},
                {"type": "PHONE_NUMBER", "text": "Call", "phone_number": "15550051310"},
                {"type": "FLOW", "text": "Book"}]}]});
        let t = template(&v).unwrap();
        assert_eq!(t.parameter_format, ParameterFormat::Named);
        let header = t.header.as_ref().unwrap();
        assert_eq!((&header.format, header.params.len()), (&HeaderFormat::Image, 0));
        let names: Vec<(&str, Option<&str>)> =
            t.parameters().map(|(_, p)| (p.name.as_str(), p.example.as_deref())).collect();
        assert_eq!(names, [("first_name", Some("Pablo")), ("order_number", Some("860198-230332"))]);
        let Button::Url { variable: true, example, .. } = &t.buttons[0] else { panic!("{:?}", t.buttons[0]) };
        assert_eq!(example.as_deref(), Some("https://x.example/track/1"));
        assert_eq!(t.buttons[1], Button::CopyCode { example: Some("SAVE30".into()) });
        assert!(matches!(t.buttons[2], Button::PhoneNumber { .. }) && matches!(t.buttons[3], Button::Flow { .. }));
        assert!(template(&json!({"language": "en"})).is_none());
    }
}
