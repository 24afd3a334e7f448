//! Meta's message objects, as the Cloud API and the providers that relay to it (Evolution on
//! Cloud-API instances, AutoKonnect, FlowIQ) write them: template components and interactive
//! objects.

use crate::message::{ButtonValue, Interactive, InteractiveAction, Template, TemplateHeader};
use crate::providers::{Finding, dropped, put_opt};
use serde_json::{Map, Value, json};

/// Reports a template without `name` (for providers that address templates by name) and an
/// `id` that has nowhere to go.
pub(crate) fn check_template_name(findings: &mut Vec<Finding>, template: &Template, provider: &str) {
    if template.name.is_none() {
        findings.push(Finding::error(
            "/message/template/name",
            format!("{provider} identifies templates by name; set `name` to the approved template's name"),
        ));
    }
    dropped(findings, &template.id, "/message/template/id", provider, "a template id (it uses the name)");
}

/// How a template header's media parameter is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum HeaderMedia {
    /// Meta's form: `{"type": "image", "image": {"link": …}}`.
    Nested,
    /// AutoKonnect's form: `{"type": "image", "link": …}` (no file name).
    Flat,
}

/// Meta template `components`: a header (if any), a body (if it has parameters) and one
/// component per button, at its index in the template. Empty components are left out.
pub(crate) fn template_components(template: &Template, style: HeaderMedia) -> Vec<Value> {
    let mut components = Vec::new();
    if let Some(header) = &template.header {
        let parameter = match header {
            TemplateHeader::Text(text) => json!({ "type": "text", "text": text }),
            TemplateHeader::Image(url) => media_parameter("image", url, None, style),
            TemplateHeader::Video(url) => media_parameter("video", url, None, style),
            TemplateHeader::Document { url, filename } => media_parameter("document", url, filename.as_deref(), style),
        };
        components.push(json!({ "type": "header", "parameters": [parameter] }));
    }
    if !template.body.is_empty() {
        let parameters: Vec<Value> = template.body.iter().map(|text| json!({ "type": "text", "text": text })).collect();
        components.push(json!({ "type": "body", "parameters": parameters }));
    }
    for button in &template.buttons {
        let (sub_type, parameter) = match &button.value {
            ButtonValue::Url(suffix) => ("url", json!({ "type": "text", "text": suffix })),
            ButtonValue::QuickReply(payload) => ("quick_reply", json!({ "type": "payload", "payload": payload })),
        };
        components.push(json!({
            "type": "button",
            "sub_type": sub_type,
            "index": button.index.to_string(),
            "parameters": [parameter],
        }));
    }
    components
}

fn media_parameter(kind: &str, url: &str, filename: Option<&str>, style: HeaderMedia) -> Value {
    match style {
        HeaderMedia::Nested => {
            let mut media = Map::new();
            media.insert("link".into(), url.into());
            put_opt(&mut media, "filename", filename);
            json!({ "type": kind, (kind): media })
        }
        HeaderMedia::Flat => json!({ "type": kind, "link": url }),
    }
}

/// Meta's `interactive` object for reply buttons or a list.
pub(crate) fn interactive_object(interactive: &Interactive) -> Value {
    let mut object = Map::new();
    let (kind, action) = match &interactive.action {
        InteractiveAction::Buttons(buttons) => {
            let buttons: Vec<Value> =
                buttons.iter().map(|b| json!({ "type": "reply", "reply": { "id": b.id, "title": b.title } })).collect();
            ("button", json!({ "buttons": buttons }))
        }
        InteractiveAction::List { button, sections } => {
            let sections: Vec<Value> = sections
                .iter()
                .map(|section| {
                    let mut object = Map::new();
                    put_opt(&mut object, "title", section.title.as_deref());
                    let rows: Vec<Value> = section
                        .rows
                        .iter()
                        .map(|row| {
                            let mut object = Map::new();
                            object.insert("id".into(), row.id.as_str().into());
                            object.insert("title".into(), row.title.as_str().into());
                            put_opt(&mut object, "description", row.description.as_deref());
                            Value::Object(object)
                        })
                        .collect();
                    object.insert("rows".into(), rows.into());
                    Value::Object(object)
                })
                .collect();
            ("list", json!({ "button": button, "sections": sections }))
        }
    };
    object.insert("type".into(), kind.into());
    if let Some(header) = &interactive.header {
        object.insert("header".into(), json!({ "type": "text", "text": header }));
    }
    object.insert("body".into(), json!({ "text": interactive.body }));
    if let Some(footer) = &interactive.footer {
        object.insert("footer".into(), json!({ "text": footer }));
    }
    object.insert("action".into(), action);
    Value::Object(object)
}
