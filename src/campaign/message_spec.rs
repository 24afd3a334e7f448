//! Turns a rendered `message` (JSON, every template already filled in for one recipient) into
//! the typed [`Message`], reporting what cannot be sent by the JSON pointer of the field.

use crate::message::*;
use crate::phone::normalize;
use crate::providers::{Finding, Mentions};
use rlibphonenumber::Region;
use serde::Deserialize;
use serde_json::{Map, Value};

#[derive(Deserialize)]
struct MessageDoc {
    #[serde(rename = "type")]
    kind: MessageType,
    text: Option<String>,
    preview_url: Option<bool>,
    media: Option<MediaDoc>,
    location: Option<LocationDoc>,
    contact: Option<ContactDoc>,
    contacts: Option<Vec<ContactDoc>>,
    template: Option<TemplateDoc>,
    interactive: Option<InteractiveDoc>,
    poll: Option<PollDoc>,
    reaction: Option<ReactionDoc>,
}

#[derive(Deserialize)]
struct PollDoc {
    name: String,
    options: Vec<String>,
    selectable_count: Option<u8>,
}

#[derive(Deserialize)]
struct MediaDoc {
    url: Option<String>,
    id: Option<Value>,
    caption: Option<String>,
    filename: Option<String>,
    mime_type: Option<String>,
    view_once: Option<bool>,
    note: Option<bool>,
    gif: Option<bool>,
}

#[derive(Deserialize)]
struct LocationDoc {
    latitude: Value,
    longitude: Value,
    name: Option<String>,
    address: Option<String>,
}

#[derive(Deserialize)]
struct ContactDoc {
    job_title: Option<String>,
    address: Option<String>,
    note: Option<String>,
    full_name: String,
    card_name: Option<String>,
    first_name: Option<String>,
    last_name: Option<String>,
    phone: String,
    organization: Option<String>,
    email: Option<String>,
    url: Option<String>,
}

#[derive(Deserialize)]
struct TemplateDoc {
    name: Option<String>,
    id: Option<Value>,
    language: Option<String>,
    header: Option<HeaderDoc>,
    body: Option<BodyDoc>,
    #[serde(default)]
    buttons: Vec<ButtonDoc>,
}

/// A template body: a list is positional (`{{1}}`, `{{2}}`), a mapping is named
/// (`{{first_name}}`), in the order written.
#[derive(Deserialize)]
#[serde(untagged)]
enum BodyDoc {
    Positional(Vec<ParamDoc>),
    Named(Map<String, Value>),
}

#[derive(Deserialize)]
struct HeaderDoc {
    #[serde(rename = "type")]
    kind: String,
    text: Option<String>,
    url: Option<String>,
    id: Option<Value>,
    filename: Option<String>,
    latitude: Option<Value>,
    longitude: Option<Value>,
    name: Option<String>,
    address: Option<String>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum ParamDoc {
    Text(String),
    Typed {
        #[serde(rename = "type")]
        kind: String,
        fallback: String,
        code: Option<String>,
        amount: Option<Value>,
    },
}

#[derive(Deserialize)]
struct ButtonDoc {
    #[serde(rename = "type")]
    kind: String,
    index: Option<u8>,
    text: Option<String>,
    payload: Option<String>,
    code: Option<String>,
    flow_token: Option<String>,
    flow_action_data: Option<Map<String, Value>>,
    thumbnail_product_retailer_id: Option<String>,
}

#[derive(Deserialize)]
struct InteractiveDoc {
    header: Option<Value>,
    body: String,
    footer: Option<String>,
    buttons: Option<Vec<ReplyButtonDoc>>,
    list: Option<ListDoc>,
    cta_url: Option<CtaUrlDoc>,
    product: Option<ProductDoc>,
    product_list: Option<ProductListDoc>,
    catalog: Option<CatalogDoc>,
    flow: Option<FlowDoc>,
}

#[derive(Deserialize)]
struct ProductDoc {
    catalog_id: Value,
    product_retailer_id: Value,
}

#[derive(Deserialize)]
struct ProductListDoc {
    catalog_id: Value,
    sections: Vec<ProductSectionDoc>,
}

#[derive(Deserialize)]
struct ProductSectionDoc {
    title: Option<String>,
    products: Vec<Value>,
}

#[derive(Deserialize)]
struct CatalogDoc {
    thumbnail_product_retailer_id: Value,
}

#[derive(Deserialize)]
struct FlowDoc {
    id: Option<Value>,
    name: Option<String>,
    cta: String,
    #[serde(default)]
    draft: bool,
    token: Option<String>,
    screen: Option<String>,
    data: Option<Map<String, Value>>,
}

#[derive(Deserialize)]
struct CtaUrlDoc {
    display_text: String,
    url: String,
}

#[derive(Deserialize)]
struct ReplyButtonDoc {
    id: String,
    title: String,
}

#[derive(Deserialize)]
struct ListDoc {
    button: String,
    sections: Vec<SectionDoc>,
}

#[derive(Deserialize)]
struct SectionDoc {
    title: Option<String>,
    rows: Vec<RowDoc>,
}

#[derive(Deserialize)]
struct RowDoc {
    id: String,
    title: String,
    description: Option<String>,
}

#[derive(Deserialize)]
struct ReactionDoc {
    message_id: String,
    emoji: String,
    from_me: Option<bool>,
}

/// The rendered `reply_to`: the id of the message this one replies to, when it is set and not
/// blank (a CSV column of ids may be empty for recipients who wrote nothing).
pub fn reply_to(rendered: &Value) -> Option<String> {
    rendered.get("reply_to").and_then(Value::as_str).map(str::trim).filter(|id| !id.is_empty()).map(str::to_string)
}

/// The rendered `mentions` (numbers, normalised to digits) and `mention_all`.
pub fn mentions(rendered: &Value, region: Option<Region>) -> Result<Mentions, Vec<Finding>> {
    let mut errors = Vec::new();
    let listed = rendered.get("mentions").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
    let mut numbers = Vec::with_capacity(listed.len());
    for (i, raw) in listed.iter().enumerate() {
        let raw = raw.as_str().unwrap_or_default();
        match normalize(raw, region) {
            Ok(phone) => numbers.push(phone.digits().to_string()),
            Err(why) => errors.push(Finding::error(format!("/message/mentions/{i}"), format!("`{raw}`: {why}"))),
        }
    }
    let everyone = rendered.get("mention_all").and_then(Value::as_bool).unwrap_or(false);
    if errors.is_empty() { Ok(Mentions { numbers, everyone }) } else { Err(errors) }
}

/// Converts a rendered message. Errors are findings with the pointer of the field at fault.
pub fn to_message(rendered: &Value, region: Option<Region>) -> Result<Message, Vec<Finding>> {
    let doc: MessageDoc = serde_json::from_value(rendered.clone())
        .map_err(|e| vec![Finding::error("/message", format!("the message cannot be read: {e}"))])?;
    let mut errors = Vec::new();
    let missing = |what: &str| vec![Finding::error("/message", format!("a {} message needs `{what}`", doc.kind))];
    let message = match doc.kind {
        MessageType::Text => {
            let body = doc.text.clone().ok_or_else(|| missing("text` or `text_file"))?;
            blank(&body, "/message/text", "text", &mut errors);
            Message::Text { body, preview_url: doc.preview_url }
        }
        MessageType::Image
        | MessageType::Video
        | MessageType::Audio
        | MessageType::Voice
        | MessageType::Document
        | MessageType::Sticker => {
            let m = doc.media.ok_or_else(|| missing("media"))?;
            let kind = doc.kind.media_kind().unwrap_or(MediaKind::Document);
            let source = match (m.url, m.id.and_then(text_of)) {
                (Some(url), None) => link(url, "/message/media/url", &mut errors),
                (None, Some(id)) => MediaSource::Id(id),
                (url, _) => {
                    let what =
                        if url.is_some() { "both `url` and `id`; keep one" } else { "`url` or an uploaded media `id`" };
                    errors.push(Finding::error("/message/media", format!("media needs {what}")));
                    MediaSource::Link(String::new())
                }
            };
            let explicit = m.mime_type.is_some();
            let inferred = match &source {
                MediaSource::Link(url) => mime_from_url(url),
                MediaSource::Id(_) => None,
            };
            Message::Media(Media {
                kind,
                mime_type: m.mime_type.or_else(|| inferred.map(str::to_string)),
                mime_type_explicit: explicit,
                source,
                caption: nonempty(m.caption),
                filename: nonempty(m.filename),
                view_once: m.view_once,
                note: m.note,
                gif: m.gif,
            })
        }
        MessageType::Location => {
            let l = doc.location.ok_or_else(|| missing("location"))?;
            let latitude = coordinate(&l.latitude, "/message/location/latitude", 90.0, &mut errors);
            let longitude = coordinate(&l.longitude, "/message/location/longitude", 180.0, &mut errors);
            Message::Location(Location { latitude, longitude, name: nonempty(l.name), address: nonempty(l.address) })
        }
        MessageType::Contact => {
            let (docs, listed) = match (doc.contact, doc.contacts) {
                (Some(one), None) => (vec![one], false),
                (None, Some(many)) if !many.is_empty() => (many, true),
                (Some(_), Some(_)) => {
                    return Err(vec![Finding::error("/message/contacts", "give `contact` or `contacts`, not both")]);
                }
                _ => return Err(missing("contact` or `contacts")),
            };
            let mut contacts = Contacts { cards: Vec::with_capacity(docs.len()), listed };
            for (i, c) in docs.into_iter().enumerate() {
                let at = contacts.pointer(i);
                contacts.cards.push(contact_card(c, &at, region, &mut errors));
            }
            Message::Contact(contacts)
        }
        MessageType::Template => {
            Message::Template(template(doc.template.ok_or_else(|| missing("template"))?, &mut errors))
        }
        MessageType::Interactive => {
            Message::Interactive(interactive(doc.interactive.ok_or_else(|| missing("interactive"))?, &mut errors))
        }
        MessageType::Poll => {
            let p = doc.poll.ok_or_else(|| missing("poll"))?;
            blank(&p.name, "/message/poll/name", "poll question", &mut errors);
            for (i, option) in p.options.iter().enumerate() {
                blank(option, &format!("/message/poll/options/{i}"), "poll option", &mut errors);
            }
            Message::Poll(Poll { name: p.name, options: p.options, selectable: p.selectable_count.unwrap_or(1) })
        }
        MessageType::Reaction => {
            let r = doc.reaction.ok_or_else(|| missing("reaction"))?;
            Message::Reaction(Reaction {
                message_id: r.message_id,
                emoji: r.emoji,
                from_me: r.from_me.unwrap_or(false),
            })
        }
    };
    if errors.is_empty() { Ok(message) } else { Err(errors) }
}

/// Reports `text` when it is empty or only whitespace: no provider sends a blank label or body.
fn blank(text: &str, pointer: &str, what: &str, errors: &mut Vec<Finding>) {
    if text.trim().is_empty() {
        errors.push(Finding::error(pointer, format!("{what} is blank; WhatsApp refuses an empty {what}")));
    }
}

fn nonempty(s: Option<String>) -> Option<String> {
    s.filter(|s| !s.trim().is_empty())
}

fn coordinate(v: &Value, pointer: &str, max: f64, errors: &mut Vec<Finding>) -> f64 {
    let n = match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse::<f64>().ok(),
        _ => None,
    };
    match n {
        Some(n) if n.is_finite() && n.abs() <= max => n,
        _ => {
            let shown = v.as_str().map_or_else(|| v.to_string(), str::to_string);
            errors.push(Finding::error(pointer, format!("`{shown}` is not a coordinate between -{max} and {max}")));
            0.0
        }
    }
}

fn template(t: TemplateDoc, errors: &mut Vec<Finding>) -> Template {
    let id = t.id.as_ref().and_then(|v| match v {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    });
    if t.id.is_some() && id.is_none() {
        errors.push(Finding::error(
            "/message/template/id",
            "the template id must be a whole number (the numeric id of the approved template)",
        ));
    }
    let header = t.header.map(|h| header(h, errors));
    let body = match t.body {
        None => Vec::new(),
        Some(BodyDoc::Positional(list)) => list
            .into_iter()
            .enumerate()
            .map(|(n, p)| BodyParam::from(parameter(p, &format!("/message/template/body/{n}"), errors)))
            .collect(),
        Some(BodyDoc::Named(map)) => named_body(map, errors),
    };
    match &header {
        Some(TemplateHeader::Text { name: Some(_), .. }) if body.iter().any(|p| p.name.is_none()) => {
            errors.push(Finding::error(
                "/message/template/body",
                "the header's parameter is named, so the body's must be too: write `body` as a mapping of each {{name}} to its value",
            ));
        }
        Some(TemplateHeader::Text { name: None, .. }) if body.iter().any(|p| p.name.is_some()) => {
            errors.push(Finding::error(
                "/message/template/header",
                "the body's parameters are named, so the text header's must be too: add `name:` with the header's {{name}}",
            ));
        }
        _ => {}
    }
    let mut buttons: Vec<TemplateButton> = Vec::with_capacity(t.buttons.len());
    for (i, b) in t.buttons.into_iter().enumerate() {
        let pointer = format!("/message/template/buttons/{i}");
        let mut need = |field: Option<String>, key: &str| {
            field.unwrap_or_else(|| {
                errors.push(Finding::error(&pointer, format!("a `{}` button needs `{key}`", b.kind)));
                String::new()
            })
        };
        let value = match b.kind.as_str() {
            "url" => ButtonValue::Url(need(b.text, "text")),
            "copy_code" => ButtonValue::CopyCode(need(b.code, "code")),
            "flow" => ButtonValue::Flow { token: nonempty(b.flow_token), data: b.flow_action_data },
            "catalog" => ButtonValue::Catalog { thumbnail: nonempty(b.thumbnail_product_retailer_id) },
            _ => ButtonValue::QuickReply(need(b.payload, "payload")),
        };
        // The index is the button's place in the approved template; a campaign that fills
        // only some of its buttons names them.
        let index = b.index.unwrap_or(u8::try_from(i).unwrap_or(u8::MAX));
        if let Some(other) = buttons.iter().position(|earlier| earlier.index == index) {
            errors.push(Finding::error(
                format!("{pointer}/index"),
                format!("button {other} already fills the template's button {index}; give each button its own `index`"),
            ));
        }
        buttons.push(TemplateButton { index, value });
    }
    Template { name: nonempty(t.name), id, language: nonempty(t.language), header, body, buttons }
}

/// One contact card; `at` is its pointer (`/message/contact`, `/message/contacts/2`).
fn contact_card(c: ContactDoc, at: &str, region: Option<Region>, errors: &mut Vec<Finding>) -> ContactCard {
    let phone = match normalize(&c.phone, region) {
        Ok(p) => p.e164().to_string(),
        Err(why) => {
            errors.push(Finding::error(format!("{at}/phone"), format!("the contact's phone: {why}")));
            c.phone.clone()
        }
    };
    blank(&c.full_name, &format!("{at}/full_name"), "the contact's full name", errors);
    ContactCard {
        full_name: c.full_name,
        card_name: nonempty(c.card_name),
        first_name: nonempty(c.first_name),
        last_name: nonempty(c.last_name),
        phone,
        organization: nonempty(c.organization),
        email: nonempty(c.email),
        url: nonempty(c.url),
        job_title: nonempty(c.job_title),
        address: nonempty(c.address),
        note: nonempty(c.note),
    }
}

/// An interactive header: text, or `{type: image|video|document, url | id, filename}`.
fn interactive_header(h: Value, errors: &mut Vec<Finding>) -> Option<InteractiveHeader> {
    let pointer = "/message/interactive/header";
    let h = match h {
        Value::String(text) => return nonempty(Some(text)).map(InteractiveHeader::Text),
        other => other,
    };
    let text = |key: &str| h.get(key).cloned().and_then(text_of);
    let kind = match h.get("type").and_then(Value::as_str) {
        Some("image") => MediaKind::Image,
        Some("video") => MediaKind::Video,
        Some("document") => MediaKind::Document,
        _ => {
            errors.push(Finding::error(pointer, "a media header's `type` is image, video or document"));
            return None;
        }
    };
    let source = match (text("url"), text("id")) {
        (Some(url), None) => link(url, &format!("{pointer}/url"), errors),
        (None, Some(id)) => MediaSource::Id(id),
        (url, _) => {
            let what = if url.is_some() { "both `url` and `id`; keep one" } else { "`url` or an uploaded media `id`" };
            errors.push(Finding::error(pointer, format!("a media header needs {what}")));
            return None;
        }
    };
    Some(InteractiveHeader::Media { kind, source, filename: text("filename") })
}

/// Media by link: the provider downloads it (herald never does), so it must be a web address,
/// `http://` or `https://`, not `file:` or anything else a provider might be led to open.
fn link(url: String, pointer: &str, errors: &mut Vec<Finding>) -> MediaSource {
    if !url::Url::parse(&url).is_ok_and(|u| matches!(u.scheme(), "http" | "https")) {
        errors.push(Finding::error(
            pointer,
            format!("the media URL `{url}` is not an http:// or https:// address (providers download it from there)"),
        ));
    }
    MediaSource::Link(url)
}

/// A template header: text, media by link or uploaded id, or a place.
fn header(h: HeaderDoc, errors: &mut Vec<Finding>) -> TemplateHeader {
    let pointer = "/message/template/header";
    let mut need = |field: Option<String>, key: &str| {
        field.unwrap_or_else(|| {
            errors.push(Finding::error(pointer, format!("a `{}` header needs `{key}`", h.kind)));
            String::new()
        })
    };
    let kind = match h.kind.as_str() {
        "text" => {
            let text = need(h.text, "text");
            let name = h.name.filter(|name| parameter_name(name, &format!("{pointer}/name"), errors));
            return TemplateHeader::Text { text, name };
        }
        "location" => {
            let latitude = h.latitude.unwrap_or(Value::Null);
            let longitude = h.longitude.unwrap_or(Value::Null);
            return TemplateHeader::Location(Location {
                latitude: coordinate(&latitude, &format!("{pointer}/latitude"), 90.0, errors),
                longitude: coordinate(&longitude, &format!("{pointer}/longitude"), 180.0, errors),
                name: nonempty(h.name),
                address: nonempty(h.address),
            });
        }
        "image" => MediaKind::Image,
        "video" => MediaKind::Video,
        _ => MediaKind::Document,
    };
    let source = match (h.url, h.id.and_then(text_of)) {
        (Some(url), None) => link(url, &format!("{pointer}/url"), errors),
        (None, Some(id)) => MediaSource::Id(id),
        (url, _) => {
            let what = if url.is_some() { "both `url` and `id`; keep one" } else { "`url` or an uploaded media `id`" };
            errors.push(Finding::error(pointer, format!("a `{}` header needs {what}", h.kind)));
            MediaSource::Link(String::new())
        }
    };
    TemplateHeader::Media { kind, source, filename: nonempty(h.filename) }
}

/// A named body, `{first_name: …, order_number: …}`: each name checked, each value read as a
/// parameter.
fn named_body(map: Map<String, Value>, errors: &mut Vec<Finding>) -> Vec<BodyParam> {
    let mut body = Vec::with_capacity(map.len());
    for (name, value) in map {
        let pointer = format!("/message/template/body/{}", crate::campaign::yaml::escape(&name));
        let value = match serde_json::from_value::<ParamDoc>(value) {
            Ok(doc) => parameter(doc, &pointer, errors),
            Err(_) => {
                errors.push(Finding::error(
                    &pointer,
                    "a parameter is a text template or `{type: currency|date_time, fallback, …}`",
                ));
                continue;
            }
        };
        if parameter_name(&name, &pointer, errors) {
            body.push(BodyParam { name: Some(name), value });
        }
    }
    body
}

/// Whether `name` is one Meta accepts for a named parameter (`{{first_name}}`): lowercase
/// letters, digits and underscores, starting with a letter. Reports it at `pointer` if not.
fn parameter_name(name: &str, pointer: &str, errors: &mut Vec<Finding>) -> bool {
    let mut chars = name.chars();
    let valid = chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if name.trim().is_empty() {
        errors.push(Finding::error(
            pointer,
            "a parameter name is blank; write the name the template uses, e.g. `first_name` for {{first_name}}",
        ));
    } else if !valid {
        errors.push(Finding::error(
            pointer,
            format!(
                "`{name}` is not a parameter name Meta accepts: use lowercase letters, digits and underscores, starting with a letter, as the template writes it (e.g. `first_name` for {{{{first_name}}}})"
            ),
        ));
    }
    valid
}

/// A body parameter at `pointer`: text, an amount of money or a date.
fn parameter(p: ParamDoc, pointer: &str, errors: &mut Vec<Finding>) -> TemplateParam {
    let (kind, fallback, code, amount) = match p {
        ParamDoc::Text(text) => return TemplateParam::Text(text),
        ParamDoc::Typed { kind, fallback, code, amount } => (kind, fallback, code, amount),
    };
    if kind == "date_time" {
        return TemplateParam::DateTime { fallback };
    }
    let code = code.map(|c| c.trim().to_ascii_uppercase()).unwrap_or_default();
    if code.len() != 3 || !code.bytes().all(|b| b.is_ascii_uppercase()) {
        errors.push(Finding::error(
            format!("{pointer}/code"),
            format!("`{code}` is not a currency code; use the three-letter ISO 4217 code, such as KES or USD"),
        ));
    }
    let amount_1000 = amount.as_ref().and_then(thousandths);
    if amount_1000.is_none() {
        let shown =
            amount.map_or_else(|| "nothing".to_string(), |v| v.as_str().map_or_else(|| v.to_string(), str::to_string));
        errors.push(Finding::error(format!("{pointer}/amount"), format!("`{shown}` is not an amount such as 1250.50")));
    }
    TemplateParam::Currency { fallback, code, amount_1000: amount_1000.unwrap_or_default() }
}

/// An amount given as a number or as text, in thousandths (Meta's `amount_1000`).
fn thousandths(v: &Value) -> Option<i64> {
    let n = match v {
        Value::Number(n) => n.as_f64()?,
        Value::String(s) => s.trim().replace(',', "").parse::<f64>().ok()?,
        _ => return None,
    };
    let scaled = (n * 1000.0).round();
    (scaled.is_finite() && scaled.abs() <= f64::from(i32::MAX)).then_some(scaled as i64)
}

/// An id written as text or a number; blank is an error.
fn id_text(v: Value, pointer: &str, what: &str, errors: &mut Vec<Finding>) -> String {
    text_of(v).unwrap_or_else(|| {
        errors.push(Finding::error(pointer, format!("the {what} is blank")));
        String::new()
    })
}

/// A scalar as text (ids may be written as numbers).
fn text_of(v: Value) -> Option<String> {
    match v {
        Value::String(s) if !s.trim().is_empty() => Some(s),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn interactive(i: InteractiveDoc, errors: &mut Vec<Finding>) -> Interactive {
    blank(&i.body, "/message/interactive/body", "body", errors);
    for (n, b) in i.buttons.iter().flatten().enumerate() {
        blank(&b.title, &format!("/message/interactive/buttons/{n}/title"), "button title", errors);
    }
    if let Some(list) = &i.list {
        blank(&list.button, "/message/interactive/list/button", "list button label", errors);
        for (s, section) in list.sections.iter().enumerate() {
            for (r, row) in section.rows.iter().enumerate() {
                let at = format!("/message/interactive/list/sections/{s}/rows/{r}/title");
                blank(&row.title, &at, "row title", errors);
            }
        }
    }
    let kinds = [
        i.buttons.is_some(),
        i.list.is_some(),
        i.cta_url.is_some(),
        i.product.is_some(),
        i.product_list.is_some(),
        i.catalog.is_some(),
        i.flow.is_some(),
    ];
    if kinds.iter().filter(|k| **k).count() > 1 {
        errors.push(Finding::error(
            "/message/interactive",
            "an interactive message has more than one of `buttons`, `list`, `cta_url`, `product`, `product_list`, `catalog` and `flow`; keep one",
        ));
    }
    let action = if let Some(buttons) = i.buttons {
        InteractiveAction::Buttons(buttons.into_iter().map(|b| ReplyButton { id: b.id, title: b.title }).collect())
    } else if let Some(list) = i.list {
        InteractiveAction::List {
            button: list.button,
            sections: list
                .sections
                .into_iter()
                .map(|s| ListSection {
                    title: nonempty(s.title),
                    rows: s
                        .rows
                        .into_iter()
                        .map(|r| ListRow { id: r.id, title: r.title, description: nonempty(r.description) })
                        .collect(),
                })
                .collect(),
        }
    } else if let Some(cta) = i.cta_url {
        blank(&cta.display_text, "/message/interactive/cta_url/display_text", "link button label", errors);
        InteractiveAction::CtaUrl { label: cta.display_text, url: cta.url }
    } else if let Some(p) = i.product {
        let at = "/message/interactive/product";
        InteractiveAction::Product {
            catalog_id: id_text(p.catalog_id, &format!("{at}/catalog_id"), "catalog id", errors),
            product: id_text(
                p.product_retailer_id,
                &format!("{at}/product_retailer_id"),
                "product retailer id",
                errors,
            ),
        }
    } else if let Some(list) = i.product_list {
        let at = "/message/interactive/product_list";
        let sections = list
            .sections
            .into_iter()
            .enumerate()
            .map(|(s, section)| ProductSection {
                title: nonempty(section.title),
                products: section
                    .products
                    .into_iter()
                    .enumerate()
                    .map(|(n, p)| id_text(p, &format!("{at}/sections/{s}/products/{n}"), "product retailer id", errors))
                    .collect(),
            })
            .collect();
        InteractiveAction::ProductList {
            catalog_id: id_text(list.catalog_id, &format!("{at}/catalog_id"), "catalog id", errors),
            sections,
        }
    } else if let Some(c) = i.catalog {
        let at = "/message/interactive/catalog/thumbnail_product_retailer_id";
        InteractiveAction::Catalog {
            thumbnail: id_text(c.thumbnail_product_retailer_id, at, "product retailer id", errors),
        }
    } else if let Some(f) = i.flow {
        let at = "/message/interactive/flow";
        let flow = match (f.id.and_then(text_of), nonempty(f.name)) {
            (Some(id), None) => FlowRef::Id(id),
            (None, Some(name)) => FlowRef::Name(name),
            (id, _) => {
                let what = if id.is_some() { "both `id` and `name`; keep one" } else { "its `id` or `name`" };
                errors.push(Finding::error(at, format!("a Flow needs {what}")));
                FlowRef::Id(String::new())
            }
        };
        blank(&f.cta, &format!("{at}/cta"), "Flow button label", errors);
        InteractiveAction::Flow(FlowAction {
            flow,
            cta: f.cta,
            draft: f.draft,
            token: nonempty(f.token),
            screen: nonempty(f.screen),
            data: f.data,
        })
    } else {
        errors.push(Finding::error(
            "/message/interactive",
            "an interactive message needs one of `buttons`, `list`, `cta_url`, `product`, `product_list`, `catalog` or `flow`",
        ));
        InteractiveAction::Buttons(vec![])
    };
    let header = i.header.and_then(|h| interactive_header(h, errors));
    Interactive { header, body: i.body, footer: nonempty(i.footer), action }
}

/// The MIME type WhatsApp providers expect for a URL's file extension.
pub fn mime_from_url(url: &str) -> Option<&'static str> {
    let path = url.split(['?', '#']).next()?;
    let ext = path.rsplit_once('.')?.1.to_ascii_lowercase();
    Some(match ext.as_str() {
        "jpg" | "jpeg" => "image/jpeg",
        "png" => "image/png",
        "webp" => "image/webp",
        "gif" => "image/gif",
        "mp4" => "video/mp4",
        "3gp" => "video/3gpp",
        "mp3" => "audio/mpeg",
        "ogg" | "opus" => "audio/ogg",
        "aac" => "audio/aac",
        "m4a" => "audio/mp4",
        "amr" => "audio/amr",
        "pdf" => "application/pdf",
        "txt" => "text/plain",
        "csv" => "text/csv",
        "doc" => "application/msword",
        "docx" => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "xls" => "application/vnd.ms-excel",
        "xlsx" => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "ppt" => "application/vnd.ms-powerpoint",
        "pptx" => "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::phone::parse_region;
    use serde_json::json;

    fn convert(v: Value) -> Result<Message, Vec<Finding>> {
        to_message(&v, parse_region("KE"))
    }

    #[test]
    fn converts_text_and_media_with_inferred_mime() {
        assert_eq!(
            convert(json!({"type": "text", "text": "hi"})).unwrap(),
            Message::Text { body: "hi".into(), preview_url: None }
        );
        let Message::Media(m) =
            convert(json!({"type": "document", "media": {"url": "https://x/a.PDF?v=1", "caption": " "}})).unwrap()
        else {
            panic!()
        };
        assert_eq!((m.mime_type.as_deref(), m.mime_type_explicit, m.caption), (Some("application/pdf"), false, None));
    }

    #[test]
    fn media_links_are_web_addresses_wherever_they_are() {
        for url in ["file:///etc/passwd", "ftp://x/a.jpg", "/srv/a.jpg", "gopher://x", "http://", "javascript:alert(1)"]
        {
            let media = json!({"type": "image", "media": {"url": url}});
            let e = convert(media).unwrap_err();
            assert_eq!(e[0].pointer, "/message/media/url", "{url}");
            assert!(e[0].text.contains("is not an http:// or https:// address"), "{url}: {e:?}");
            let header = json!({"type": "interactive", "interactive": {
                "header": {"type": "image", "url": url}, "body": "b", "buttons": [{"id": "a", "title": "A"}]}});
            assert_eq!(convert(header).unwrap_err()[0].pointer, "/message/interactive/header/url", "{url}");
            let header = json!({"type": "template", "template": {"name": "t", "language": "en",
                "header": {"type": "image", "url": url}}});
            assert_eq!(convert(header).unwrap_err()[0].pointer, "/message/template/header/url", "{url}");
        }
        for url in ["https://cdn.example/a.jpg", "HTTP://cdn.example/a b.jpg"] {
            assert!(convert(json!({"type": "image", "media": {"url": url}})).is_ok(), "{url}");
        }
    }

    #[test]
    fn rendered_coordinates_must_be_numbers() {
        let ok = convert(json!({"type": "location", "location": {"latitude": "-1.28", "longitude": 36.8}})).unwrap();
        assert_eq!(ok, Message::Location(Location { latitude: -1.28, longitude: 36.8, name: None, address: None }));
        let e = convert(json!({"type": "location", "location": {"latitude": "north", "longitude": 200}})).unwrap_err();
        assert_eq!(
            e.iter().map(|f| f.pointer.as_str()).collect::<Vec<_>>(),
            ["/message/location/latitude", "/message/location/longitude"]
        );
    }

    #[test]
    fn contact_phone_is_normalised_and_checked() {
        let Message::Contact(c) =
            convert(json!({"type": "contact", "contact": {"full_name": "A", "phone": "0712 345678"}})).unwrap()
        else {
            panic!()
        };
        assert_eq!((c.cards[0].phone.as_str(), c.listed), ("+254712345678", false));
        let e = convert(json!({"type": "contact", "contact": {"full_name": "A", "phone": "call me"}})).unwrap_err();
        assert_eq!(e[0].pointer, "/message/contact/phone");
        let two = json!({"type": "contact", "contacts": [{"full_name": "A", "phone": "0712 345678"}, {"full_name": "B", "phone": "x"}]});
        assert_eq!(convert(two).unwrap_err()[0].pointer, "/message/contacts/1/phone");
        let both = json!({"type": "contact", "contact": {"full_name": "A", "phone": "0712345678"}, "contacts": []});
        assert_eq!(convert(both).unwrap_err()[0].pointer, "/message/contacts");
    }

    #[test]
    fn template_headers_money_dates_and_button_kinds() {
        let message = convert(json!({"type": "template", "template": {
            "name": "t", "language": "en",
            "header": {"type": "document", "id": 1203458, "filename": "r.pdf"},
            "body": ["Jane", {"type": "currency", "code": "kes", "amount": "1,250.50", "fallback": "KES 1,250.50"},
                     {"type": "date_time", "fallback": "Friday"}],
            "buttons": [{"type": "copy_code", "code": "SAVE"}, {"type": "flow"}, {"type": "catalog", "index": 4}]
        }}))
        .unwrap();
        let Message::Template(t) = message else { panic!() };
        assert_eq!(
            t.header,
            Some(TemplateHeader::Media {
                kind: MediaKind::Document,
                source: MediaSource::Id("1203458".into()),
                filename: Some("r.pdf".into())
            })
        );
        assert_eq!(
            t.body,
            [
                BodyParam::from("Jane"),
                TemplateParam::Currency { fallback: "KES 1,250.50".into(), code: "KES".into(), amount_1000: 1_250_500 }
                    .into(),
                TemplateParam::DateTime { fallback: "Friday".into() }.into()
            ]
        );
        let buttons: Vec<_> = t.buttons.iter().map(|b| (b.index, b.value.clone())).collect();
        assert_eq!(
            buttons,
            [
                (0, ButtonValue::CopyCode("SAVE".into())),
                (1, ButtonValue::Flow { token: None, data: None }),
                (4, ButtonValue::Catalog { thumbnail: None })
            ]
        );
        let bad = convert(json!({"type": "template", "template": {
            "name": "t", "language": "en",
            "header": {"type": "image", "url": "https://x/a.jpg", "id": "1"},
            "body": [{"type": "currency", "code": "shillings", "amount": "lots", "fallback": "x"}],
            "buttons": [{"type": "copy_code"}]
        }}))
        .unwrap_err();
        assert_eq!(
            bad.iter().map(|f| f.pointer.as_str()).collect::<Vec<_>>(),
            [
                "/message/template/header",
                "/message/template/body/0/code",
                "/message/template/body/0/amount",
                "/message/template/buttons/0"
            ]
        );
        let place = convert(json!({"type": "template", "template": {"name": "t", "language": "en",
            "header": {"type": "location", "latitude": "-1.29", "longitude": 36.82, "name": "Office"}}}))
        .unwrap();
        let Message::Template(t) = place else { panic!() };
        assert_eq!(
            t.header,
            Some(TemplateHeader::Location(Location {
                latitude: -1.29,
                longitude: 36.82,
                name: Some("Office".into()),
                address: None
            }))
        );
    }

    #[test]
    fn a_mapping_body_is_named_in_the_order_written_and_a_list_positional() {
        let named = convert(json!({"type": "template", "template": {"name": "order_confirmation", "language": "en_US",
            "header": {"type": "text", "text": "Jane", "name": "first_name"},
            "body": {"order_number": "A-7", "first_name": "Jane",
                     "total": {"type": "currency", "code": "USD", "amount": 12.5, "fallback": "$12.50"}}}}))
        .unwrap();
        let Message::Template(t) = named else { panic!() };
        assert!(t.is_named());
        assert_eq!(t.header, Some(TemplateHeader::Text { text: "Jane".into(), name: Some("first_name".into()) }));
        assert_eq!(
            t.body,
            [
                BodyParam::named("order_number", "A-7"),
                BodyParam::named("first_name", "Jane"),
                BodyParam::named(
                    "total",
                    TemplateParam::Currency { fallback: "$12.50".into(), code: "USD".into(), amount_1000: 12_500 }
                ),
            ]
        );
        assert_eq!(
            t.body.iter().enumerate().map(|(n, p)| (p.pointer(n), p.placeholder(n))).collect::<Vec<_>>()[2],
            ("/message/template/body/total".to_string(), "{{total}}".to_string())
        );
        let positional = convert(json!({"type": "template", "template": {"name": "t", "language": "en",
            "header": {"type": "text", "text": "Hi"}, "body": ["Jane"]}}))
        .unwrap();
        let Message::Template(t) = positional else { panic!() };
        assert!(!t.is_named());
        assert_eq!(
            (t.body[0].pointer(0), t.body[0].placeholder(0)),
            ("/message/template/body/0".into(), "{{1}}".into())
        );
    }

    #[test]
    fn parameter_names_meta_refuses_are_errors_at_their_key() {
        let e = convert(json!({"type": "template", "template": {"name": "t", "language": "en",
            "body": {"First Name": "Jane", " ": "x", "2nd": "y", "a/b": "z", "ok_1": {"type": "date_time"}}}}))
        .unwrap_err();
        assert_eq!(
            e.iter().map(|f| f.pointer.as_str()).collect::<Vec<_>>(),
            [
                "/message/template/body/First Name",
                "/message/template/body/ ",
                "/message/template/body/2nd",
                "/message/template/body/a~1b",
                "/message/template/body/ok_1"
            ]
        );
        assert!(
            e[0].text.contains("`First Name` is not a parameter name Meta accepts: use lowercase letters, digits and underscores, starting with a letter"),
            "{}",
            e[0].text
        );
        assert!(e[1].text.contains("parameter name is blank"), "{}", e[1].text);
        assert!(e[4].text.contains("a text template or `{type: currency|date_time"), "{}", e[4].text);
        let header = convert(json!({"type": "template", "template": {"name": "t", "language": "en",
            "header": {"type": "text", "text": "Hi", "name": "Name"}}}))
        .unwrap_err();
        assert_eq!(header[0].pointer, "/message/template/header/name");
    }

    #[test]
    fn a_template_is_named_or_positional_not_both() {
        let e = convert(json!({"type": "template", "template": {"name": "t", "language": "en",
            "header": {"type": "text", "text": "Hi", "name": "first_name"}, "body": ["Jane"]}}))
        .unwrap_err();
        assert_eq!(e[0].pointer, "/message/template/body");
        assert!(e[0].text.contains("write `body` as a mapping"), "{}", e[0].text);
        let e = convert(json!({"type": "template", "template": {"name": "t", "language": "en",
            "header": {"type": "text", "text": "Hi"}, "body": {"first_name": "Jane"}}}))
        .unwrap_err();
        assert_eq!(e[0].pointer, "/message/template/header");
        assert!(e[0].text.contains("add `name:`"), "{}", e[0].text);
    }

    #[test]
    fn products_the_catalog_and_flows_are_read() {
        let read = |interactive: Value| {
            let mut i = json!({"body": "b"});
            i.as_object_mut().unwrap().extend(interactive.as_object().unwrap().clone());
            match convert(json!({"type": "interactive", "interactive": i})) {
                Ok(Message::Interactive(i)) => Ok(i.action),
                Ok(other) => panic!("{other:?}"),
                Err(e) => Err(e.into_iter().map(|f| f.pointer).collect::<Vec<_>>()),
            }
        };
        assert_eq!(
            read(json!({"product": {"catalog_id": 123, "product_retailer_id": "SKU-1"}})),
            Ok(InteractiveAction::Product { catalog_id: "123".into(), product: "SKU-1".into() })
        );
        assert_eq!(
            read(json!({"product_list": {"catalog_id": "c", "sections": [{"title": "A", "products": ["x", 7]}]}})),
            Ok(InteractiveAction::ProductList {
                catalog_id: "c".into(),
                sections: vec![ProductSection { title: Some("A".into()), products: vec!["x".into(), "7".into()] }]
            })
        );
        assert_eq!(
            read(json!({"catalog": {"thumbnail_product_retailer_id": "x"}})),
            Ok(InteractiveAction::Catalog { thumbnail: "x".into() })
        );
        let Ok(InteractiveAction::Flow(flow)) = read(json!({"flow": {"id": 991, "cta": "Book", "screen": "S"}})) else {
            panic!()
        };
        assert_eq!(
            (flow.flow, flow.cta.as_str(), flow.screen.as_deref()),
            (FlowRef::Id("991".into()), "Book", Some("S"))
        );
        assert_eq!(read(json!({"flow": {"cta": "Book"}})), Err(vec!["/message/interactive/flow".to_string()]));
        assert_eq!(
            read(json!({"product": {"catalog_id": " ", "product_retailer_id": "x"}})),
            Err(vec!["/message/interactive/product/catalog_id".to_string()])
        );
    }

    #[test]
    fn mentions_are_numbers_normalised_to_digits() {
        let rendered =
            json!({"type": "text", "text": "hi", "mentions": ["0712 345 678", "+1 415 555 2671"], "mention_all": true});
        let m = mentions(&rendered, parse_region("KE")).unwrap();
        assert_eq!(m, Mentions { numbers: vec!["254712345678".into(), "14155552671".into()], everyone: true });
        let bad = mentions(&json!({"mentions": ["nobody"]}), None).unwrap_err();
        assert_eq!(bad[0].pointer, "/message/mentions/0");
        assert_eq!(mentions(&json!({"type": "text"}), None).unwrap(), Mentions::default());
    }

    #[test]
    fn template_and_interactive_rules() {
        let e = convert(
            json!({"type": "template", "template": {"language": "en", "id": "promo", "buttons": [{"type": "url"}]}}),
        )
        .unwrap_err();
        assert_eq!(
            e.iter().map(|f| f.pointer.as_str()).collect::<Vec<_>>(),
            ["/message/template/id", "/message/template/buttons/0"]
        );
        let e = convert(json!({"type": "interactive", "interactive": {"body": "b"}})).unwrap_err();
        assert!(e[0].text.contains("needs one of `buttons`, `list`, `cta_url`"), "{}", e[0].text);
        let both = json!({"type": "interactive", "interactive": {"body": "b", "buttons": [{"id": "1", "title": "t"}],
            "cta_url": {"display_text": "Open", "url": "https://x"}}});
        assert!(convert(both).unwrap_err()[0].text.contains("more than one of"));
        let link = convert(json!({"type": "interactive", "interactive": {"body": "b",
            "header": {"type": "video", "url": "https://x/v.mp4"}, "cta_url": {"display_text": "Open", "url": "https://x"}}}))
        .unwrap();
        let Message::Interactive(i) = link else { panic!() };
        assert_eq!(
            i.header,
            Some(InteractiveHeader::Media {
                kind: MediaKind::Video,
                source: MediaSource::Link("https://x/v.mp4".into()),
                filename: None
            })
        );
        assert_eq!(i.action, InteractiveAction::CtaUrl { label: "Open".into(), url: "https://x".into() });
        let bad_header = json!({"type": "interactive", "interactive": {"body": "b", "header": {"type": "audio", "url": "u"},
            "buttons": [{"id": "1", "title": "t"}]}});
        assert_eq!(convert(bad_header).unwrap_err()[0].pointer, "/message/interactive/header");
        let e = convert(json!({"type": "media", "text": "x"}));
        assert!(e.is_err());
    }

    #[test]
    fn media_urls_must_be_http() {
        let e = convert(json!({"type": "image", "media": {"url": "file:///etc/passwd"}})).unwrap_err();
        assert_eq!(e[0].pointer, "/message/media/url");
    }
}
