//! FlowIQ's `send-whatsapp` endpoint: `POST {base}/send-whatsapp?tenantId=…` with a bearer key
//! (`fiq_…`), one flat body per message and FlowIQ's own flat interactive shape.
//!
//! FlowIQ relays to the tenant's Cloud API number, so Meta's limits apply (its docs restate the
//! interactive ones). It has no templates and no voice notes.
//!
//! Server errors: the docs document one error, 400 `Missing required field`, and nothing about
//! 5xx; since FlowIQ relays to Meta, a 5xx may come after Meta took the message. So a 5xx is
//! ambiguous (the recipient ends `unknown`; only `--retry-unknown` sends it again), unless it
//! carries a Meta error that Meta documents as temporary (codes 1 and 2, `is_transient`).

#[cfg(test)]
mod fixture;
pub(crate) mod imitation;
mod statuses;

use super::meta;
use super::outcome::{by_status, first_str, message_or_status};
use super::{
    Carries, Finding, MediaFields, Outgoing, Provider, Settings, Target, Unsupported, carried, dropped,
    encode_component, interactive_parts, media_fields, media_link, mentions_not_sent, metadata_not_stored, phone,
    put_opt, reply_not_sent,
};
use super::{Info, Outcome, ProviderError, Response, TokenShape};
use crate::message::{
    Interactive, InteractiveAction, InteractiveHeader, InteractiveKind, MediaKind, MediaSource, Message, MessageType,
};
use crate::request::{Auth, HttpRequest};
use serde_json::{Map, Value, json};

/// The FlowIQ mapping.
pub(super) struct Flowiq;

/// What the registry holds for this provider.
pub(super) const REGISTRATION: super::Registration = super::Registration {
    provider: &Flowiq,
    imitation: &imitation::Flowiq,
    #[cfg(test)]
    fixture: &Flowiq,
};

/// How the provider is named in findings.
const NAME: &str = "FlowIQ";

/// This provider's static facts: kind, default host, account key, auth header.
const INFO: Info = Info {
    id: "flowiq",
    name: NAME,
    default_base_url: Some("https://api.flowiq.live"),
    account_key: "tenant_id",
    account_help: "the organisation's tenant id (slug)",
    auth: Auth { header: "Authorization", prefix: "Bearer " },
    interactive: &[InteractiveKind::Buttons, InteractiveKind::List],
    replies: true,
    uploaded_media: false,
    token: Some(TokenShape { prefix: "fiq_", enforced: true }),
    contracts: &[include_str!("contracts/send-whatsapp.json")],
    batching: None,
    default_rate: super::DEFAULT_RATE,
    // Its docs publish no limit; it sends from the tenant's Cloud API number, which has Meta's.
    rate_limit: Some(super::meta::limits::THROUGHPUT),
    typing: false,
};

impl Provider for Flowiq {
    fn info(&self) -> &'static Info {
        &INFO
    }

    fn supports(&self, message_type: MessageType) -> bool {
        !matches!(message_type, MessageType::Template | MessageType::Voice | MessageType::Sticker | MessageType::Poll)
    }

    fn check(&self, out: &Outgoing, findings: &mut Vec<Finding>) {
        let can = Carries {
            preview_url: false,
            name_parts: true,
            card_name: false,
            job_title: false,
            address_and_note: false,
        };
        carried(findings, &out.message, NAME, can);
        metadata_not_stored(findings, out, NAME);
        reply_not_sent(findings, out, &INFO);
        mentions_not_sent(findings, out, NAME, false);
        meta::limits::check(findings, &out.message);
        interactive_parts(findings, &out.message, &INFO, false);
        match &out.message {
            Message::Media(media) => {
                let can = MediaFields {
                    caption: media.kind != MediaKind::Audio,
                    filename: media.kind == MediaKind::Document,
                    mime_type: false,
                    view_once: false,
                    note: false,
                    gif: false,
                };
                media_fields(findings, media, &INFO, can);
            }
            Message::Contact(contacts) => {
                for (i, card) in contacts.cards.iter().enumerate() {
                    let at = contacts.pointer(i);
                    dropped(findings, &card.organization, &format!("{at}/organization"), NAME, "a contact's organization");
                    dropped(findings, &card.email, &format!("{at}/email"), NAME, "a contact's e-mail address");
                    dropped(findings, &card.url, &format!("{at}/url"), NAME, "a contact's web page");
                }
            }
            Message::Reaction(reaction) if reaction.emoji.is_empty() => findings.push(Finding::warning(
                "/message/reaction/emoji",
                "FlowIQ documents 👍 as the default emoji, so an empty emoji may send 👍 instead of removing the reaction",
            )),
            _ => {}
        }
    }

    fn status_webhook(&self) -> Option<super::StatusWebhook> {
        Some(statuses::WEBHOOK)
    }

    fn resend_rules(&self) -> &'static [super::ResendRule] {
        super::meta::resend_rules::RESEND_RULES
    }

    fn classify(&self, r: &Response) -> Outcome {
        let body = r.json();
        if let Some(outcome) = meta::errors::classify(&body, r) {
            return outcome;
        }
        // The documented success carries `success: true`; an `error` without it is a refusal
        // whatever the status.
        let refused = body.get("success") == Some(&Value::Bool(false))
            || (body.get("error").is_some_and(|e| !e.is_null()) && body.get("success") != Some(&Value::Bool(true)));
        if r.is_success() && !refused {
            return Outcome::accepted(first_str(&body, &["/data/message_id"]));
        }
        let code = first_str(&body, &["/error"]);
        let error = ProviderError::new(code, message_or_status(r, first_str(&body, &["/message"])));
        if r.is_success() { Outcome::Failed(error) } else { by_status(r, error) }
    }

    fn build(&self, settings: &Settings, to: &Target, out: &Outgoing) -> Result<HttpRequest, Unsupported> {
        let mut body = Map::new();
        body.insert("phone_number".into(), phone(to, NAME)?.e164().into());
        let message_type = match &out.message {
            Message::Text { body: text, .. } => {
                body.insert("text".into(), text.as_str().into());
                "text"
            }
            Message::Media(media) => {
                body.insert("media_url".into(), media_link(media, NAME)?.into());
                if media.kind != MediaKind::Audio {
                    put_opt(&mut body, "caption", media.caption.as_deref());
                }
                match media.kind {
                    MediaKind::Image => "image",
                    MediaKind::Video => "video",
                    MediaKind::Audio => "audio",
                    MediaKind::Document => {
                        put_opt(&mut body, "filename", media.filename.as_deref());
                        "document"
                    }
                    MediaKind::Voice | MediaKind::Sticker => return Err(super::unsupported(NAME, &out.message)),
                }
            }
            Message::Location(location) => {
                let mut object = Map::new();
                object.insert("latitude".into(), location.latitude.into());
                object.insert("longitude".into(), location.longitude.into());
                put_opt(&mut object, "name", location.name.as_deref());
                put_opt(&mut object, "address", location.address.as_deref());
                body.insert("location".into(), Value::Object(object));
                "location"
            }
            Message::Contact(contacts) => {
                let cards: Vec<Value> = contacts
                    .cards
                    .iter()
                    .map(|card| {
                        let mut name = Map::new();
                        name.insert("formatted_name".into(), card.full_name.as_str().into());
                        put_opt(&mut name, "first_name", card.first_name.as_deref());
                        put_opt(&mut name, "last_name", card.last_name.as_deref());
                        json!({ "name": name, "phones": [{ "phone": card.phone, "type": "CELL" }] })
                    })
                    .collect();
                body.insert("contacts".into(), cards.into());
                "contacts"
            }
            Message::Interactive(interactive) => {
                body.insert("interactive".into(), interactive_object(interactive)?);
                "interactive"
            }
            Message::Poll(_) => return Err(super::unsupported(NAME, &out.message)),
            Message::Reaction(reaction) => {
                body.insert("reaction".into(), json!({ "message_id": reaction.message_id, "emoji": reaction.emoji }));
                "reaction"
            }
            other @ Message::Template(_) => return Err(super::unsupported(NAME, other)),
        };
        // Documented order: recipient, type, then the type's fields.
        let mut ordered = Map::new();
        ordered.insert("phone_number".into(), body.remove("phone_number").unwrap_or_default());
        ordered.insert("message_type".into(), message_type.into());
        ordered.extend(body);
        if message_type != "reaction" {
            put_opt(&mut ordered, "context_message_id", out.reply_to.as_deref());
        }
        let body = ordered;
        let url = format!("{}/send-whatsapp?tenantId={}", settings.base_url, encode_component(&settings.account));
        Ok(HttpRequest::post_json(url, self.auth(), Value::Object(body)))
    }
}

/// FlowIQ's flat interactive object: `body`, `header` and `footer` are plain strings, a media
/// header is `header_media: {type, url, filename}`, buttons are `{id, title}`.
fn interactive_object(interactive: &Interactive) -> Result<Value, Unsupported> {
    let mut object = Map::new();
    let kind = match &interactive.action {
        InteractiveAction::Buttons(_) => "button",
        InteractiveAction::List { .. } => "list",
        other => return Err(Unsupported::Interactive { provider: NAME, kind: other.kind() }),
    };
    object.insert("type".into(), kind.into());
    match &interactive.header {
        Some(InteractiveHeader::Text(text)) => {
            object.insert("header".into(), text.as_str().into());
        }
        Some(InteractiveHeader::Media { kind, source: MediaSource::Link(url), filename }) => {
            let mut media = Map::new();
            media.insert("type".into(), kind.message_type().as_str().into());
            media.insert("url".into(), url.as_str().into());
            put_opt(&mut media, "filename", filename.as_deref().filter(|_| *kind == MediaKind::Document));
            object.insert("header_media".into(), media.into());
        }
        Some(InteractiveHeader::Media { source: MediaSource::Id(_), .. }) => {
            return Err(Unsupported::Feature { provider: NAME, feature: "header media by uploaded id" });
        }
        None => {}
    }
    object.insert("body".into(), interactive.body.as_str().into());
    put_opt(&mut object, "footer", interactive.footer.as_deref());
    match &interactive.action {
        InteractiveAction::Buttons(buttons) => {
            let buttons: Vec<Value> = buttons.iter().map(|b| json!({ "id": b.id, "title": b.title })).collect();
            object.insert("buttons".into(), buttons.into());
        }
        InteractiveAction::List { button, sections } => {
            object.insert("button".into(), button.as_str().into());
            let sections: Vec<Value> = sections
                .iter()
                .map(|section| {
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
                    let mut object = Map::new();
                    put_opt(&mut object, "title", section.title.as_deref());
                    object.insert("rows".into(), rows.into());
                    Value::Object(object)
                })
                .collect();
            object.insert("sections".into(), sections.into());
        }
        // Every other kind was refused above, before anything was written.
        _ => {}
    }
    Ok(Value::Object(object))
}

#[cfg(test)]
mod tests;
