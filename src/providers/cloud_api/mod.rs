//! Meta's WhatsApp Cloud API: `POST {base}/{phone_number_id}/messages` with a bearer token.
//!
//! Bodies follow Meta's OpenAPI spec (`business-messaging-api` v23.0, schema `Message`); the
//! template components and interactive objects come from [`super::meta::components`], shared
//! with Evolution and AutoKonnect.
//!
//! Server errors: Meta says to judge an answer by `error.code`, not by its HTTP status. Codes 1
//! and 2 ("unknown or possible server error", "service temporarily unavailable") and anything
//! marked `is_transient` are documented as temporary and retried. A 5xx with any other code, or
//! with no Meta error object (a proxy's page), is ambiguous: the recipient ends `unknown` and
//! only `--retry-unknown` sends it again.

mod account;
#[cfg(test)]
mod fixture;
pub(crate) mod imitation;
mod imitation_account;
mod poll;
mod statuses;

use super::meta;
use super::meta::components::{
    HeaderMedia, check_template_language, check_template_name, interactive_object, template_components,
};
use super::outcome::{by_status, first_str, message_or_status};
use super::{
    Carries, Finding, MediaFields, Outgoing, Provider, Settings, Target, Unsupported, carried,
    encode_component, media_fields, mentions_not_sent, metadata_not_stored, put_opt, reply_not_sent,
};
use super::{Info, Outcome, ProviderError, Response, TokenShape};
use crate::message::{ContactCard, InteractiveKind, MediaKind, MediaSource, Message, MessageType};
use crate::request::{Auth, HttpRequest};
use serde_json::{Map, Value, json};

/// The Cloud API mapping.
pub(super) struct CloudApi;

/// What the registry holds for this provider.
pub(super) const REGISTRATION: super::Registration = super::Registration {
    provider: &CloudApi,
    imitation: &imitation::CloudApi,
    #[cfg(test)]
    fixture: &CloudApi,
};

/// How the provider is named in findings.
/// Contact cards in one message (`ContactsMessage.contacts`).
const CONTACTS_MAX: usize = 5;

const NAME: &str = "The Cloud API";

/// This provider's static facts: kind, default host, account key, auth header.
const INFO: Info = Info {
    id: "cloud_api",
    name: NAME,
    default_base_url: Some("https://graph.facebook.com/v23.0"),
    account_key: "phone_number_id",
    account_help: "the Phone-Number-ID from WhatsApp Manager",
    auth: Auth { header: "Authorization", prefix: "Bearer " },
    interactive: &InteractiveKind::ALL,
    replies: true,
    uploaded_media: true,
    token: Some(TokenShape { prefix: "EAA", enforced: false }),
    contracts: &[include_str!("contracts/messages.json")],
    batching: None,
    default_rate: super::meta::limits::THROUGHPUT.per_sec,
    rate_limit: Some(super::meta::limits::THROUGHPUT),
    typing: false,
};

impl Provider for CloudApi {
    fn info(&self) -> &'static Info {
        &INFO
    }

    fn supports(&self, message_type: MessageType) -> bool {
        message_type != MessageType::Poll
    }

    fn supports_groups(&self) -> bool {
        true
    }

    fn check(&self, out: &Outgoing, findings: &mut Vec<Finding>) {
        let can =
            Carries { preview_url: true, name_parts: true, card_name: false, job_title: true, address_and_note: false };
        carried(findings, &out.message, NAME, can);
        metadata_not_stored(findings, out, NAME);
        reply_not_sent(findings, out, &INFO);
        mentions_not_sent(findings, out, NAME, false);
        meta::limits::check(findings, &out.message);
        if let Message::Contact(contacts) = &out.message
            && contacts.cards.len() > CONTACTS_MAX
        {
            findings.push(Finding::error(
                "/message/contacts",
                format!(
                    "{} contact cards given; Meta sends at most {CONTACTS_MAX} in one message",
                    contacts.cards.len()
                ),
            ));
        }
        match &out.message {
            Message::Media(media) => {
                let kind = media.kind;
                let can = MediaFields {
                    caption: matches!(kind, MediaKind::Image | MediaKind::Video | MediaKind::Document),
                    filename: kind == MediaKind::Document,
                    mime_type: false,
                    view_once: false,
                    note: false,
                    gif: false,
                };
                media_fields(findings, media, &INFO, can);
                if let (MediaKind::Voice, Some(mime)) = (kind, &media.mime_type)
                    && !mime.starts_with("audio/ogg")
                {
                    let pointer =
                        if media.mime_type_explicit { "/message/media/mime_type" } else { "/message/media/url" };
                    findings.push(Finding::warning(
                        pointer,
                        format!("WhatsApp shows a voice note only for OGG/Opus audio; this file is `{mime}` and may arrive as a plain audio file"),
                    ));
                }
            }
            Message::Template(template) => {
                check_template_name(findings, template, NAME);
                check_template_language(findings, template, NAME);
            }
            _ => {}
        }
    }

    fn status_webhook(&self) -> Option<super::StatusWebhook> {
        Some(statuses::WEBHOOK)
    }

    fn account(&self) -> Option<&'static dyn super::account::AccountReader> {
        Some(&account::Account)
    }

    fn resend_rules(&self) -> &'static [super::ResendRule] {
        super::meta::resend_rules::RESEND_RULES
    }

    fn status_poll(&self) -> Option<super::StatusPoll> {
        Some(poll::POLL)
    }

    fn classify(&self, r: &Response) -> Outcome {
        let body = r.json();
        if let Some(outcome) = meta::errors::classify(&body, r) {
            return outcome;
        }
        let id = first_str(&body, &["/messages/0/id"]);
        if r.is_success() {
            let note = meta::errors::held(first_str(&body, &["/messages/0/message_status"]).as_deref());
            return Outcome::Accepted { message_id: id, note };
        }
        by_status(r, ProviderError::new(None, message_or_status(r, None)))
    }

    fn build(&self, settings: &Settings, to: &Target, out: &Outgoing) -> Result<HttpRequest, Unsupported> {
        let (recipient_type, to) = match to {
            Target::Phone(p) => ("individual", p.e164()),
            Target::Group(id) => ("group", id.as_str()),
            Target::Contact(_) => return Err(Unsupported::Contacts { provider: NAME }),
            Target::Tags(_) => return Err(Unsupported::Tags { provider: NAME }),
        };
        let (kind, object) = match &out.message {
            Message::Text { body, preview_url } => {
                let mut text = Map::new();
                text.insert("body".into(), body.as_str().into());
                put_opt(&mut text, "preview_url", *preview_url);
                ("text", Value::Object(text))
            }
            Message::Media(media) => {
                let mut object = Map::new();
                match &media.source {
                    MediaSource::Link(url) => object.insert("link".into(), url.as_str().into()),
                    MediaSource::Id(id) => object.insert("id".into(), id.as_str().into()),
                };
                let kind = match media.kind {
                    MediaKind::Image => "image",
                    MediaKind::Video => "video",
                    MediaKind::Audio => "audio",
                    // Meta's send schema has no voice flag: an OGG/Opus file is what renders as a
                    // voice note (the `voice` field in the spec belongs to incoming webhooks).
                    MediaKind::Voice => "audio",
                    MediaKind::Document => {
                        put_opt(&mut object, "filename", media.filename.as_deref());
                        "document"
                    }
                    MediaKind::Sticker => "sticker",
                };
                if matches!(kind, "image" | "video" | "document") {
                    put_opt(&mut object, "caption", media.caption.as_deref());
                }
                (kind, Value::Object(object))
            }
            Message::Location(location) => {
                // The spec types latitude and longitude as strings.
                let mut object = Map::new();
                object.insert("latitude".into(), location.latitude.to_string().into());
                object.insert("longitude".into(), location.longitude.to_string().into());
                put_opt(&mut object, "name", location.name.as_deref());
                put_opt(&mut object, "address", location.address.as_deref());
                ("location", Value::Object(object))
            }
            Message::Contact(contacts) => ("contacts", contacts.cards.iter().map(contact).collect::<Vec<_>>().into()),
            Message::Template(template) => {
                let mut object = Map::new();
                object.insert("name".into(), template.name.as_deref().unwrap_or_default().into());
                object.insert(
                    "language".into(),
                    json!({ "policy": "deterministic", "code": template.language.as_deref().unwrap_or_default() }),
                );
                let components = template_components(template, HeaderMedia::Nested);
                if !components.is_empty() {
                    object.insert("components".into(), components.into());
                }
                ("template", Value::Object(object))
            }
            Message::Interactive(interactive) => ("interactive", interactive_object(interactive)),
            Message::Poll(_) => return Err(super::unsupported(NAME, &out.message)),
            Message::Reaction(reaction) => {
                ("reaction", json!({ "message_id": reaction.message_id, "emoji": reaction.emoji }))
            }
        };
        let mut body = json!({
            "messaging_product": "whatsapp",
            "recipient_type": recipient_type,
            "to": to,
            "type": kind,
            (kind): object,
        });
        if let Some(id) = out.reply_to.as_deref().filter(|_| kind != "reaction") {
            body["context"] = json!({ "message_id": id });
        }
        let url = format!("{}/{}/messages", settings.base_url, encode_component(&settings.account));
        Ok(HttpRequest::post_json(url, self.auth(), body))
    }
}

/// A Meta `contacts[]` entry for `card`. The phone carries no `type`: Meta's `PhoneObject`
/// allows only `HOME` and `WORK`, and a card's number is neither.
fn contact(card: &ContactCard) -> Value {
    let mut name = Map::new();
    name.insert("formatted_name".into(), card.full_name.as_str().into());
    put_opt(&mut name, "first_name", card.first_name.as_deref());
    put_opt(&mut name, "last_name", card.last_name.as_deref());
    let mut contact = Map::new();
    contact.insert("name".into(), Value::Object(name));
    let wa_id = card.phone.trim_start_matches('+');
    contact.insert("phones".into(), json!([{ "phone": card.phone, "wa_id": wa_id }]));
    if let Some(email) = &card.email {
        contact.insert("emails".into(), json!([{ "email": email }]));
    }
    if let Some(url) = &card.url {
        contact.insert("urls".into(), json!([{ "url": url }]));
    }
    let mut org = Map::new();
    put_opt(&mut org, "company", card.organization.as_deref());
    put_opt(&mut org, "title", card.job_title.as_deref());
    if !org.is_empty() {
        contact.insert("org".into(), Value::Object(org));
    }
    Value::Object(contact)
}

#[cfg(test)]
mod tests;
