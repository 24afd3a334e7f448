//! AutoKonnect's WABA API: one endpoint, `POST {base}/api/v1/whatsapp/{channel_id}/messages`,
//! with a bearer key. It can address a phone number or every company contact carrying a tag.
//!
//! It relays to Meta, so Meta's limits apply. Templates are addressed by numeric id, and their
//! header media parameters use AutoKonnect's flat `{"type": "image", "link": …}` form.
//!
//! `phone_number` also takes an array, so recipients whose messages are the same go out in
//! batches ([`super::Batching`]). The docs give no largest array; herald caps it at
//! [`MAX_BATCH`].
//!
//! Server errors: the docs list 500 "Internal server error" without saying whether the job was
//! queued, and the answer carries no message id. A 5xx is ambiguous: every member of the
//! request ends `unknown` and only `--retry-unknown` sends it again.

#[cfg(test)]
mod fixture;
pub(crate) mod imitation;

use super::meta;
use super::meta::components::{HeaderMedia, interactive_object, template_components};
use super::outcome::{by_status, first_str, message_or_status};
use super::{
    Batching, Carries, Finding, MediaFields, Outgoing, Provider, Settings, Target, Unsupported, carried,
    dropped, encode_component, interactive_kind, interactive_parts, media_fields, media_link, mentions_not_sent,
    metadata_not_stored, put_opt, reply_not_sent,
};
use super::{Info, Outcome, ProviderError, Response};
use crate::message::{
    ButtonValue, InteractiveKind, MediaKind, MediaSource, Message, MessageType, Template, TemplateHeader,
};
use crate::phone::Phone;
use crate::request::{Auth, HttpRequest};
use serde_json::{Map, Value, json};

/// The most numbers herald puts in one request's `phone_number` array. AutoKonnect's docs
/// name no limit ("Can be a single value or an array"); 1000 keeps a request's body small
/// (about 16 kB of numbers) and a failed request's reach bounded.
pub const MAX_BATCH: usize = 1000;

/// The AutoKonnect mapping.
pub(super) struct Autokonnect;

/// What the registry holds for this provider.
pub(super) const REGISTRATION: super::Registration = super::Registration {
    provider: &Autokonnect,
    imitation: &imitation::Autokonnect,
    #[cfg(test)]
    fixture: &Autokonnect,
};

/// How the provider is named in findings.
const NAME: &str = "AutoKonnect";

/// This provider's static facts: kind, default host, account key, auth header.
const INFO: Info = Info {
    id: "autokonnect",
    name: NAME,
    default_base_url: Some("https://app.autokonnect.co.ke"),
    account_key: "channel_id",
    account_help: "the WABA channel id",
    auth: Auth { header: "Authorization", prefix: "Bearer " },
    interactive: &[
        InteractiveKind::Buttons,
        InteractiveKind::List,
        InteractiveKind::Product,
        InteractiveKind::ProductList,
    ],
    replies: false,
    uploaded_media: false,
    token: None,
    contracts: &[include_str!("contracts/messages.json")],
    batching: Some(Batching { field: "phone_number", max: MAX_BATCH }),
    // Its docs say only that limits "depend on your WABA tier"; it queues every request, which
    // may carry a whole batch, so no request rate is published.
    default_rate: super::DEFAULT_RATE,
    rate_limit: None,
    typing: false,
};

impl Provider for Autokonnect {
    fn info(&self) -> &'static Info {
        &INFO
    }

    fn supports(&self, message_type: MessageType) -> bool {
        use MessageType as T;
        matches!(message_type, T::Text | T::Image | T::Video | T::Audio | T::Document | T::Template | T::Interactive)
    }

    fn supports_tags(&self) -> bool {
        true
    }

    fn check(&self, out: &Outgoing, findings: &mut Vec<Finding>) {
        reply_not_sent(findings, out, &INFO);
        mentions_not_sent(findings, out, NAME, false);
        carried(findings, &out.message, NAME, Carries::NOTHING);
        metadata_not_stored(findings, out, NAME);
        meta::limits::check(findings, &out.message);
        interactive_parts(findings, &out.message, &INFO, false);
        match &out.message {
            Message::Media(media) => {
                let can = MediaFields {
                    caption: media.kind != MediaKind::Audio,
                    filename: false,
                    mime_type: false,
                    view_once: false,
                    note: false,
                    gif: false,
                };
                media_fields(findings, media, &INFO, can);
            }
            Message::Template(template) => {
                if template.id.is_none() {
                    findings.push(Finding::error(
                        "/message/template/id",
                        "AutoKonnect needs the numeric template id (see its templates API), not the name; set `id`",
                    ));
                }
                dropped(
                    findings,
                    &template.name,
                    "/message/template/name",
                    NAME,
                    "a template name (it uses the numeric id)",
                );
                check_template_parts(findings, template);
            }
            _ => {}
        }
    }

    fn classify(&self, r: &Response) -> Outcome {
        let body = r.json();
        if r.is_success() {
            // AutoKonnect queues the message and returns no id, only how many numbers it was
            // queued for after resolving tags and removing duplicates: none means nobody gets it,
            // and fewer than a batch's numbers means some of them do not, without saying who.
            return match body.get("recipients_count").and_then(Value::as_u64) {
                Some(0) => Outcome::Failed(ProviderError::new(
                    Some("no_valid_recipients".into()),
                    "AutoKonnect queued the message for nobody (recipients_count 0)",
                )),
                Some(n) if n < r.recipients as u64 => Outcome::Ambiguous(ProviderError::new(
                    Some("partial_batch".into()),
                    format!(
                        "AutoKonnect queued the message for {n} of the batch's {} numbers and does not say which",
                        r.recipients
                    ),
                )),
                Some(n) => Outcome::Accepted {
                    message_id: None,
                    note: Some(ProviderError::new(
                        None,
                        format!("queued for {n} recipient{}", if n == 1 { "" } else { "s" }),
                    )),
                },
                None => Outcome::accepted(None),
            };
        }
        let code = first_str(&body, &["/code", "/error/code", "/error"]);
        let message = message_or_status(r, first_str(&body, &["/message", "/error/message"]));
        let error = ProviderError::new(code.clone(), message);
        match (r.status, code.as_deref()) {
            // Campaign-wide: the channel, the key or the template is wrong for every recipient.
            (
                _,
                Some("reconnect_waba" | "invalid_auth_header" | "invalid_api_key" | "credential_resource_mismatch"),
            )
            | (_, Some("template_not_found" | "template_not_approved" | "invalid_template_id_format"))
            | (404, None) => Outcome::Stop(error),
            // A 5xx is ambiguous: a bulk job may already be queued (see the module doc).
            _ => by_status(r, error),
        }
    }

    fn build(&self, settings: &Settings, to: &Target, out: &Outgoing) -> Result<HttpRequest, Unsupported> {
        interactive_kind(&INFO, &out.message)?;
        let mut body = Map::new();
        match to {
            Target::Phone(phone) => {
                body.insert("phone_number".into(), phone.e164().into());
            }
            Target::Group(_) => return Err(Unsupported::Groups { provider: NAME }),
            Target::Contact(_) => return Err(Unsupported::Contacts { provider: NAME }),
            // Tags and numbers go in one request; AutoKonnect merges them and removes duplicates.
            Target::Tags(bulk) => {
                let phones: Vec<&str> = bulk.numbers.iter().map(Phone::e164).collect();
                match phones.as_slice() {
                    [] => {}
                    [one] => {
                        body.insert("phone_number".into(), (*one).into());
                    }
                    many => {
                        body.insert("phone_number".into(), json!(many));
                    }
                }
                let tags = match bulk.tags.as_slice() {
                    [one] => Value::from(one.as_str()),
                    many => json!(many),
                };
                body.insert("contact_tag_id".into(), tags);
            }
        }
        match &out.message {
            Message::Text { body: text, .. } => {
                body.insert("type".into(), "text".into());
                body.insert("message".into(), text.as_str().into());
            }
            Message::Media(media) => {
                let kind = match media.kind {
                    MediaKind::Image => "image",
                    MediaKind::Video => "video",
                    MediaKind::Audio => "audio",
                    MediaKind::Document => "document",
                    MediaKind::Voice | MediaKind::Sticker => return Err(super::unsupported(NAME, &out.message)),
                };
                body.insert("type".into(), kind.into());
                body.insert("link".into(), media_link(media, NAME)?.into());
                if media.kind != MediaKind::Audio {
                    put_opt(&mut body, "caption", media.caption.as_deref());
                }
            }
            Message::Template(template) => {
                body.insert("type".into(), "template".into());
                body.insert("template_id".into(), template.id.unwrap_or_default().into());
                put_opt(&mut body, "language", template.language.as_deref());
                // Always sent, `[]` when the template has no variables: the docs call it
                // "Required when type is template" and answer `missing_components` without it.
                body.insert("components".into(), template_components(template, HeaderMedia::Flat).into());
            }
            Message::Interactive(interactive) => {
                body.insert("type".into(), "interactive".into());
                body.insert("interactive".into(), interactive_object(interactive));
            }
            other => return Err(super::unsupported(NAME, other)),
        }
        let url = format!("{}/api/v1/whatsapp/{}/messages", settings.base_url, encode_component(&settings.account));
        Ok(HttpRequest::post_json(url, self.auth(), Value::Object(body)))
    }
}

/// What AutoKonnect's template `components` can carry: a text or linked media header (no file
/// name, no uploaded id, no place), parameters by position (its docs show no `parameter_name`),
/// and URL and quick-reply buttons (they show no others).
fn check_template_parts(findings: &mut Vec<Finding>, template: &Template) {
    let header = "/message/template/header";
    if template.is_named() {
        let at = if template.body.is_empty() { "/message/template/header/name" } else { "/message/template/body" };
        findings.push(Finding::error(
            at,
            "AutoKonnect documents no way to send named template parameters (its components carry values by position only): approve the template with positional {{1}}, {{2}} parameters and write `body` as a list, or send this one with the Cloud API",
        ));
    }
    match &template.header {
        Some(TemplateHeader::Media { source: MediaSource::Id(_), .. }) => findings.push(Finding::error(
            header,
            "AutoKonnect takes header media by public URL only; set `url` instead of `id`",
        )),
        Some(TemplateHeader::Media { filename, .. }) => {
            dropped(findings, filename, header, NAME, "a document header's file name");
        }
        Some(TemplateHeader::Location(_)) => {
            findings.push(Finding::error(header, "AutoKonnect documents no location headers for templates"))
        }
        Some(TemplateHeader::Text { .. }) | None => {}
    }
    for (n, button) in template.buttons.iter().enumerate() {
        if !matches!(button.value, ButtonValue::Url(_) | ButtonValue::QuickReply(_)) {
            findings.push(Finding::error(
                format!("/message/template/buttons/{n}"),
                "AutoKonnect documents only url and quick_reply template buttons",
            ));
        }
    }
}

#[cfg(test)]
mod tests;
