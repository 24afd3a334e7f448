//! Meta's message objects, as the Cloud API and the providers that pass them on (Evolution on
//! Cloud-API instances, AutoKonnect) write them: template components and interactive objects.

use crate::message::{
    ButtonValue, FlowAction, FlowRef, Interactive, InteractiveAction, InteractiveHeader, MediaKind, MediaSource,
    Template, TemplateHeader, TemplateParam,
};
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

/// Reports a template without `language`, for providers that send it to Meta.
pub(crate) fn check_template_language(findings: &mut Vec<Finding>, template: &Template, provider: &str) {
    if template.language.is_none() {
        findings.push(Finding::error(
            "/message/template/language",
            format!(
                "{provider} needs the template's language; set `language` to the approved template's code, e.g. en_US"
            ),
        ));
    }
}

/// How a template header's media parameter is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum HeaderMedia {
    /// Meta's form: `{"type": "image", "image": {"link": …}}`.
    Nested,
    /// AutoKonnect's form: `{"type": "image", "link": …}` (no file name, no uploaded id).
    Flat,
}

/// Meta template `components`: a header (if any), a body (if it has parameters) and one
/// component per button, at its index in the template. Empty components are left out.
pub(crate) fn template_components(template: &Template, style: HeaderMedia) -> Vec<Value> {
    let mut components = Vec::new();
    if let Some(header) = &template.header {
        let parameter = match header {
            TemplateHeader::Text { text, name } => named(json!({ "type": "text", "text": text }), name.as_deref()),
            TemplateHeader::Media { kind, source, filename } => {
                media_parameter(*kind, source, filename.as_deref(), style)
            }
            TemplateHeader::Location(place) => {
                let mut location = Map::new();
                location.insert("latitude".into(), place.latitude.into());
                location.insert("longitude".into(), place.longitude.into());
                put_opt(&mut location, "name", place.name.as_deref());
                put_opt(&mut location, "address", place.address.as_deref());
                json!({ "type": "location", "location": location })
            }
        };
        components.push(json!({ "type": "header", "parameters": [parameter] }));
    }
    if !template.body.is_empty() {
        let parameters: Vec<Value> =
            template.body.iter().map(|p| named(body_parameter(&p.value), p.name.as_deref())).collect();
        components.push(json!({ "type": "body", "parameters": parameters }));
    }
    for button in &template.buttons {
        let (sub_type, parameter) = match &button.value {
            ButtonValue::Url(suffix) => ("url", json!({ "type": "text", "text": suffix })),
            ButtonValue::QuickReply(payload) => ("quick_reply", json!({ "type": "payload", "payload": payload })),
            ButtonValue::CopyCode(code) => ("copy_code", json!({ "type": "coupon_code", "coupon_code": code })),
            ButtonValue::Flow { token, data } => {
                let mut action = Map::new();
                put_opt(&mut action, "flow_token", token.as_deref());
                put_opt(&mut action, "flow_action_data", data.clone());
                ("flow", json!({ "type": "action", "action": action }))
            }
            ButtonValue::Catalog { thumbnail } => {
                let mut action = Map::new();
                put_opt(&mut action, "thumbnail_product_retailer_id", thumbnail.as_deref());
                ("catalog", json!({ "type": "action", "action": action }))
            }
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

/// `parameter` with the `parameter_name` Meta reads in a template whose parameters are named,
/// after its `type` as Meta's pages write it.
fn named(mut parameter: Value, name: Option<&str>) -> Value {
    if let (Some(object), Some(name)) = (parameter.as_object_mut(), name) {
        object.shift_insert(1, "parameter_name".into(), name.into());
    }
    parameter
}

fn body_parameter(parameter: &TemplateParam) -> Value {
    match parameter {
        TemplateParam::Text(text) => json!({ "type": "text", "text": text }),
        TemplateParam::Currency { fallback, code, amount_1000 } => json!({
            "type": "currency",
            "currency": { "fallback_value": fallback, "code": code, "amount_1000": amount_1000 },
        }),
        TemplateParam::DateTime { fallback } => {
            json!({ "type": "date_time", "date_time": { "fallback_value": fallback } })
        }
    }
}

fn media_parameter(kind: MediaKind, source: &MediaSource, filename: Option<&str>, style: HeaderMedia) -> Value {
    let kind = kind.message_type().as_str();
    let (key, value) = match source {
        MediaSource::Link(url) => ("link", url),
        MediaSource::Id(id) => ("id", id),
    };
    match style {
        HeaderMedia::Nested => {
            let mut media = Map::new();
            media.insert(key.into(), value.as_str().into());
            // Only documents show a file name; the limits warn that others drop it.
            put_opt(&mut media, "filename", filename.filter(|_| kind == "document"));
            json!({ "type": kind, (kind): media })
        }
        HeaderMedia::Flat => json!({ "type": kind, (key): value }),
    }
}

/// The `parameters` of a Flow button (version 3 of Meta's Flow messages).
fn flow_parameters(flow: &FlowAction) -> Value {
    let mut parameters = Map::new();
    parameters.insert("flow_message_version".into(), "3".into());
    match &flow.flow {
        FlowRef::Id(id) => parameters.insert("flow_id".into(), id.as_str().into()),
        FlowRef::Name(name) => parameters.insert("flow_name".into(), name.as_str().into()),
    };
    parameters.insert("flow_cta".into(), flow.cta.as_str().into());
    if flow.draft {
        parameters.insert("mode".into(), "draft".into());
    }
    put_opt(&mut parameters, "flow_token", flow.token.as_deref());
    if flow.screen.is_some() || flow.data.is_some() {
        let mut payload = Map::new();
        put_opt(&mut payload, "screen", flow.screen.as_deref());
        put_opt(&mut payload, "data", flow.data.clone());
        parameters.insert("flow_action".into(), "navigate".into());
        parameters.insert("flow_action_payload".into(), payload.into());
    }
    Value::Object(parameters)
}

/// Meta's `interactive` object: reply buttons, a list, a link button, products, the catalog or
/// a Flow.
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
        InteractiveAction::CtaUrl { label, url } => {
            ("cta_url", json!({ "name": "cta_url", "parameters": { "display_text": label, "url": url } }))
        }
        InteractiveAction::Product { catalog_id, product } => {
            ("product", json!({ "catalog_id": catalog_id, "product_retailer_id": product }))
        }
        InteractiveAction::ProductList { catalog_id, sections } => {
            let sections: Vec<Value> = sections
                .iter()
                .map(|section| {
                    let mut object = Map::new();
                    put_opt(&mut object, "title", section.title.as_deref());
                    let items: Vec<Value> =
                        section.products.iter().map(|p| json!({ "product_retailer_id": p })).collect();
                    object.insert("product_items".into(), items.into());
                    Value::Object(object)
                })
                .collect();
            ("product_list", json!({ "catalog_id": catalog_id, "sections": sections }))
        }
        InteractiveAction::Catalog { thumbnail } => (
            "catalog_message",
            json!({ "name": "catalog_message", "parameters": { "thumbnail_product_retailer_id": thumbnail } }),
        ),
        InteractiveAction::Flow(flow) => ("flow", json!({ "name": "flow", "parameters": flow_parameters(flow) })),
    };
    object.insert("type".into(), kind.into());
    match &interactive.header {
        Some(InteractiveHeader::Text(text)) => {
            object.insert("header".into(), json!({ "type": "text", "text": text }));
        }
        Some(InteractiveHeader::Media { kind, source, filename }) => {
            object.insert("header".into(), media_parameter(*kind, source, filename.as_deref(), HeaderMedia::Nested));
        }
        None => {}
    }
    object.insert("body".into(), json!({ "text": interactive.body }));
    if let Some(footer) = &interactive.footer {
        object.insert("footer".into(), json!({ "text": footer }));
    }
    object.insert("action".into(), action);
    Value::Object(object)
}
