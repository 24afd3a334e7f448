//! Communiktor, an instance-based WhatsApp Web gateway: `POST {base}/messages/<kind>` with the
//! key in `X-API-KEY`, the instance in the body and the receiver as digits without `+`.
//!
//! It is the only provider that stores `metadata` and echoes it in webhooks, so it is sent,
//! with herald's own message id added (`herald_id`): its webhooks name no message id of
//! theirs, so that id is the one herald records and matches receipts by.
//! Every endpoint takes `sendsAt`, so it holds any message until `schedule.send_at`.
//!
//! A 404 names an instance Communiktor does not know: it is the same for every recipient, so
//! the campaign stops at once.
//!
//! Server errors: the docs say errors use "standard HTTP status codes" and advise retrying
//! non-2xx answers with backoff, but never say a 5xx means the message was not processed. So
//! a 5xx is ambiguous: the recipient ends `unknown` and only `--retry-unknown` sends it again.

#[cfg(test)]
mod fixture;
pub(crate) mod imitation;
mod statuses;

use super::outcome::{by_status, first_str, message_or_status};
use super::{
    Carries, Finding, MediaFields, Outgoing, Provider, Settings, Target, Unsupported, carried,
    digits_or_group, location_labels_required, media_fields, media_link, mentions_not_sent, put_opt, reply_not_sent,
    schedule_time,
};
use super::{Info, Outcome, ProviderError, Response};
use crate::message::{MediaKind, Message, MessageType};
use crate::request::{Auth, HttpRequest};
use serde_json::{Map, Value, json};

/// The Communiktor mapping.
pub(super) struct Communiktor;

/// What the registry holds for this provider.
pub(super) const REGISTRATION: super::Registration = super::Registration {
    provider: &Communiktor,
    imitation: &imitation::Communiktor,
    #[cfg(test)]
    fixture: &Communiktor,
};

/// How the provider is named in findings.
const NAME: &str = "Communiktor";

/// This provider's static facts: kind, default host, account key, auth header.
const INFO: Info = Info {
    id: "communiktor",
    name: NAME,
    default_base_url: Some("https://api.communiktor.com"),
    account_key: "instance",
    account_help: "the instance name",
    auth: Auth { header: "X-API-KEY", prefix: "" },
    interactive: &[],
    replies: false,
    uploaded_media: false,
    token: None,
    contracts: &[
        include_str!("contracts/audio.json"),
        include_str!("contracts/document.json"),
        include_str!("contracts/image.json"),
        include_str!("contracts/location.json"),
        include_str!("contracts/text.json"),
        include_str!("contracts/vcard.json"),
        include_str!("contracts/video.json"),
    ],
    batching: None,
    default_rate: super::DEFAULT_RATE,
    rate_limit: None,
    typing: false,
};

impl Provider for Communiktor {
    fn info(&self) -> &'static Info {
        &INFO
    }

    fn supports(&self, message_type: MessageType) -> bool {
        use MessageType as T;
        matches!(
            message_type,
            T::Text | T::Image | T::Video | T::Audio | T::Voice | T::Document | T::Location | T::Contact
        )
    }

    fn supports_groups(&self) -> bool {
        true
    }

    /// `sendsAt` is one of the common parameters of every `/messages/*` endpoint.
    fn schedules(&self, message_type: MessageType) -> bool {
        self.supports(message_type)
    }

    fn check(&self, out: &Outgoing, findings: &mut Vec<Finding>) {
        reply_not_sent(findings, out, &INFO);
        mentions_not_sent(findings, out, NAME, false);
        let can =
            Carries { preview_url: false, name_parts: false, card_name: true, job_title: true, address_and_note: true };
        carried(findings, &out.message, NAME, can);
        match &out.message {
            Message::Media(media) => {
                let can = MediaFields {
                    caption: matches!(media.kind, MediaKind::Image | MediaKind::Video | MediaKind::Document),
                    filename: media.kind == MediaKind::Document,
                    mime_type: false,
                    view_once: true,
                    note: true,
                    gif: true,
                };
                media_fields(findings, media, &INFO, can);
            }
            Message::Location(location) => location_labels_required(findings, location, NAME),
            Message::Contact(contacts) if contacts.cards.len() > 1 => findings.push(Finding::error(
                "/message/contacts",
                "Communiktor sends one contact card per message; keep one card (`contact`)",
            )),
            _ => {}
        }
    }

    fn status_webhook(&self) -> Option<super::StatusWebhook> {
        Some(statuses::WEBHOOK)
    }

    fn correlation_key(&self) -> Option<&'static str> {
        Some(statuses::KEY)
    }

    fn classify(&self, r: &Response) -> Outcome {
        let body = r.json();
        let message = first_str(&body, &["/message"]);
        if r.is_success() && body.get("success") != Some(&Value::Bool(false)) {
            let id = first_str(&body, &["/data/id", "/data/messageId", "/data/key/id"]);
            return Outcome::accepted(id);
        }
        let code =
            body.get("code").filter(|c| !c.is_null()).map(|c| c.as_str().map_or_else(|| c.to_string(), str::to_string));
        let error = ProviderError::new(code, message_or_status(r, message));
        match r.status {
            _ if r.is_success() => Outcome::Failed(error),
            // Every endpoint exists and the instance is in the body: a 404 is an instance
            // Communiktor does not know (or a host that is not Communiktor), for every recipient.
            404 => Outcome::Stop(ProviderError::new(
                error.code,
                format!("{}: check `provider.instance` (and `provider.base_url`)", error.message),
            )),
            _ => by_status(r, error),
        }
    }

    fn build(&self, settings: &Settings, to: &Target, out: &Outgoing) -> Result<HttpRequest, Unsupported> {
        let mut body = Map::new();
        body.insert("instance".into(), settings.account.as_str().into());
        body.insert("receiver".into(), digits_or_group(to, NAME)?.into());
        if matches!(to, Target::Group(_)) {
            body.insert("group".into(), true.into());
        }
        let path = match &out.message {
            Message::Text { body: text, .. } => {
                body.insert("text".into(), text.as_str().into());
                "text"
            }
            Message::Media(media) => {
                body.insert("url".into(), media_link(media, NAME)?.into());
                let path = match media.kind {
                    MediaKind::Image => "image",
                    MediaKind::Video => "video",
                    MediaKind::Audio => "audio",
                    MediaKind::Voice => {
                        body.insert("asNote".into(), true.into());
                        "audio"
                    }
                    MediaKind::Document => {
                        put_opt(&mut body, "filename", media.filename.as_deref());
                        "document"
                    }
                    MediaKind::Sticker => return Err(super::unsupported(NAME, &out.message)),
                };
                if path != "audio" {
                    put_opt(&mut body, "caption", media.caption.as_deref());
                }
                put_opt(&mut body, "viewOnce", media.view_once);
                if media.kind == MediaKind::Video {
                    put_opt(&mut body, "asNote", media.note.filter(|n| *n));
                    put_opt(&mut body, "asGif", media.gif.filter(|g| *g));
                }
                path
            }
            Message::Location(location) => {
                let location = json!({
                    "latitude": location.latitude,
                    "longitude": location.longitude,
                    "name": location.name,
                    "address": location.address,
                });
                body.insert("location".into(), location);
                "location"
            }
            Message::Contact(contacts) => {
                let [card] = contacts.cards.as_slice() else {
                    return Err(Unsupported::Feature { provider: NAME, feature: "several contacts in one message" });
                };
                let mut contact = Map::new();
                contact.insert("fullname".into(), card.full_name.as_str().into());
                contact.insert("phone".into(), card.phone.trim_start_matches('+').into());
                put_opt(&mut contact, "organization", card.organization.as_deref());
                put_opt(&mut contact, "email", card.email.as_deref());
                put_opt(&mut contact, "url", card.url.as_deref());
                put_opt(&mut contact, "title", card.job_title.as_deref());
                put_opt(&mut contact, "address", card.address.as_deref());
                put_opt(&mut contact, "note", card.note.as_deref());
                body.insert("name".into(), card.card_name.as_deref().unwrap_or(&card.full_name).into());
                body.insert("contact".into(), Value::Object(contact));
                "vcard"
            }
            other => return Err(super::unsupported(NAME, other)),
        };
        put_opt(&mut body, "sendsAt", settings.send_at.map(schedule_time));
        if let Some(metadata) = &out.metadata {
            body.insert("metadata".into(), Value::Object(metadata.clone()));
        }
        let url = format!("{}/messages/{path}", settings.base_url);
        Ok(HttpRequest::post_json(url, self.auth(), Value::Object(body)))
    }
}

#[cfg(test)]
mod tests;
