//! WhautoChat's Messages API: `POST {base}/v1/messages/whatsapp/<sendtext|sendmedia|sendtemplate>`
//! with the key in `x-api-key`, the workspace in the body and the recipient under the field
//! the docs spell `recepient`.
//!
//! Media has no caption or file-name field, and `mimeType` is required. The documented
//! `template` is a plain string (the template's name): no parameters can be sent. Text and
//! media take `scheduleDateTime`, so WhautoChat holds them until `schedule.send_at`; templates
//! cannot be scheduled.
//!
//! Server errors: the docs show only `200 OK` with a `MessageResponse` and document no error
//! status at all, so nothing says a 5xx means the message was not processed. A 5xx is
//! ambiguous: the recipient ends `unknown` and only `--retry-unknown` sends it again.

#[cfg(test)]
mod fixture;
pub(crate) mod imitation;

use super::meta::components::check_template_name;
use super::outcome::{by_status, first_str, message_or_status};
use super::{
    Carries, Finding, MediaFields, Outgoing, Provider, Settings, Target, Unsupported, carried, dropped,
    media_fields, media_link, mentions_not_sent, metadata_not_stored, phone, reply_not_sent, schedule_time,
};
use super::{Info, Outcome, ProviderError, RateLimit, Response};
use crate::message::{Media, MediaKind, Message, MessageType};
use crate::request::{Auth, HttpRequest};
use serde_json::{Value, json};

/// The WhautoChat mapping.
pub(super) struct Whautochat;

/// What the registry holds for this provider.
pub(super) const REGISTRATION: super::Registration = super::Registration {
    provider: &Whautochat,
    imitation: &imitation::Whautochat,
    #[cfg(test)]
    fixture: &Whautochat,
};

/// How the provider is named in findings.
const NAME: &str = "WhautoChat";

/// The published limit of a subscribed account (its REST API page): 100 requests a minute.
const LIMIT: RateLimit =
    RateLimit { per_sec: 100.0 / 60.0, what: "WhautoChat's published limit of 100 requests a minute" };

/// This provider's static facts: kind, default host, account key, auth header.
const INFO: Info = Info {
    id: "whautochat",
    name: NAME,
    default_base_url: Some("https://api.whauto.chat"),
    account_key: "workspace_id",
    account_help: "the workspace id",
    auth: Auth { header: "x-api-key", prefix: "" },
    interactive: &[],
    replies: false,
    uploaded_media: false,
    token: None,
    contracts: &[
        include_str!("contracts/sendmedia.json"),
        include_str!("contracts/sendtemplate.json"),
        include_str!("contracts/sendtext.json"),
    ],
    batching: None,
    default_rate: LIMIT.per_sec,
    rate_limit: Some(LIMIT),
    typing: false,
};

impl Provider for Whautochat {
    fn info(&self) -> &'static Info {
        &INFO
    }

    fn supports(&self, message_type: MessageType) -> bool {
        use MessageType as T;
        matches!(message_type, T::Text | T::Image | T::Video | T::Audio | T::Document | T::Template)
    }

    fn supports_contact_ids(&self) -> bool {
        true
    }

    /// `scheduleDateTime` is a field of `sendtext` and `sendmedia`; `sendtemplate` has none.
    fn schedules(&self, message_type: MessageType) -> bool {
        use MessageType as T;
        matches!(message_type, T::Text | T::Image | T::Video | T::Audio | T::Document)
    }

    fn check(&self, out: &Outgoing, findings: &mut Vec<Finding>) {
        reply_not_sent(findings, out, &INFO);
        mentions_not_sent(findings, out, NAME, false);
        carried(findings, &out.message, NAME, Carries::NOTHING);
        metadata_not_stored(findings, out, NAME);
        match &out.message {
            Message::Media(media) => {
                let can = MediaFields {
                    caption: false,
                    filename: false,
                    mime_type: true,
                    view_once: false,
                    note: false,
                    gif: false,
                };
                media_fields(findings, media, &INFO, can);
                check_mime_type(findings, media);
            }
            Message::Template(template) => {
                check_template_name(findings, template, NAME);
                dropped(findings, &template.language, "/message/template/language", NAME, "a template language");
                if template.header.is_some() || !template.body.is_empty() || !template.buttons.is_empty() {
                    findings.push(Finding::error(
                        "/message/template",
                        "WhautoChat documents no way to send template parameters (its `template` field is only the name); remove `header`, `body` and `buttons` or use a template without variables",
                    ));
                }
            }
            _ => {}
        }
    }

    fn classify(&self, r: &Response) -> Outcome {
        let body = r.json();
        // The documented answer is `{id, status, error}`: an `error`, or a `status` of `failed`,
        // says the message was not taken even on a 200.
        let error = first_str(&body, &["/error"]);
        let status = first_str(&body, &["/status"]);
        let failed = status.as_deref().is_some_and(|s| s.eq_ignore_ascii_case("failed"));
        if r.is_success() && error.is_none() && !failed {
            return Outcome::accepted(first_str(&body, &["/id"]));
        }
        // WhautoChat documents no error codes.
        let found = error.or_else(|| first_str(&body, &["/message"]));
        let found = found.or_else(|| failed.then(|| "WhautoChat answered status \"failed\"".to_string()));
        let e = ProviderError::new(None, message_or_status(r, found));
        if r.is_success() { Outcome::Failed(e) } else { by_status(r, e) }
    }

    fn build(&self, settings: &Settings, to: &Target, out: &Outgoing) -> Result<HttpRequest, Unsupported> {
        // A phone number goes in `recepient` (sic), a WhautoChat contact in `contact`: one or
        // the other, never both.
        let (key, address) = match to {
            Target::Contact(id) => ("contact", json!({ "id": id })),
            other => ("recepient", json!({ "phoneNumber": phone(other, NAME)?.e164() })),
        };
        let workspace = json!({ "id": settings.account });
        let (path, body) = match &out.message {
            Message::Text { body, .. } => {
                let body = json!({ (key): address, "workspace": workspace, "textMessage": body });
                ("sendtext", scheduled(body, settings))
            }
            Message::Media(media) => {
                let body = json!({
                    (key): address,
                    "workspace": workspace,
                    "mediaUrl": media_link(media, NAME)?,
                    "mimeType": media.mime_type.as_deref().unwrap_or_default(),
                });
                ("sendmedia", scheduled(body, settings))
            }
            Message::Template(template) => {
                // `sendtemplate` has no `scheduleDateTime` ([`Provider::request`] refuses a time).
                let name = template.name.as_deref().unwrap_or_default();
                ("sendtemplate", json!({ (key): address, "workspace": workspace, "template": name }))
            }
            other => return Err(super::unsupported(NAME, other)),
        };
        let url = format!("{}/v1/messages/whatsapp/{path}", settings.base_url);
        Ok(HttpRequest::post_json(url, self.auth(), body))
    }
}

/// `body` with the delivery time, when the campaign is scheduled (`sendtext` and `sendmedia`).
fn scheduled(mut body: Value, settings: &Settings) -> Value {
    if let (Some(at), Value::Object(fields)) = (settings.send_at, &mut body) {
        fields.insert("scheduleDateTime".into(), schedule_time(at).into());
    }
    body
}

/// `mimeType` is required and is the only thing telling WhautoChat what kind of media it is.
fn check_mime_type(findings: &mut Vec<Finding>, media: &Media) {
    let Some(mime) = &media.mime_type else {
        findings.push(Finding::error(
            "/message/media/mime_type",
            "WhautoChat requires a MIME type and none can be inferred from the URL; set `mime_type` (e.g. image/jpeg)",
        ));
        return;
    };
    let expected = match media.kind {
        MediaKind::Image | MediaKind::Sticker => "image/",
        MediaKind::Video => "video/",
        MediaKind::Audio | MediaKind::Voice => "audio/",
        MediaKind::Document => return,
    };
    if !mime.starts_with(expected) {
        let pointer = if media.mime_type_explicit { "/message/media/mime_type" } else { "/message/media/url" };
        findings.push(Finding::warning(
            pointer,
            format!(
                "WhautoChat tells media apart by MIME type only, and `{mime}` is not {expected}*; it may not arrive as {}",
                media.kind.message_type()
            ),
        ));
    }
}

#[cfg(test)]
mod tests;
