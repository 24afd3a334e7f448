//! A provider that exists only in tests: one folder and the `#[cfg(test)] dummy,` line in the
//! registry, to prove that is all a provider needs. It sends texts and images by URL to
//! `POST /inboxes/{inbox}/send` with `X-Dummy-Key`, and answers `{"ok": true, "id": …}`.

// Only compiled in tests (see the registry), but marked so for the import-circle check too.
#[cfg(test)]
mod fixture;
pub(crate) mod imitation;
#[cfg(test)]
mod tests;

use super::outcome::{by_status, first_str, message_or_status};
use super::{
    Finding, Info, MediaFields, Outcome, Outgoing, Provider, ProviderError, Response, Settings, Target, Unsupported,
    encode_component, media_fields, media_link, mentions_not_sent, metadata_not_stored, phone, put_opt, reply_not_sent,
};
use crate::message::{MediaKind, Message, MessageType};
use crate::request::{Auth, HttpRequest};
use serde_json::{Map, Value};

/// The Dummy mapping.
pub(super) struct Dummy;

/// What the registry holds for this provider.
pub(super) const REGISTRATION: super::Registration =
    super::Registration { provider: &Dummy, imitation: &imitation::Dummy, fixture: &Dummy };

/// How the provider is named in findings.
const NAME: &str = "Dummy";

/// This provider's static facts.
const INFO: Info = Info {
    id: "dummy",
    name: NAME,
    default_base_url: Some("https://api.dummy.invalid"),
    account_key: "inbox",
    account_help: "the inbox to send from",
    auth: Auth { header: "X-Dummy-Key", prefix: "" },
    interactive: &[],
    replies: false,
    uploaded_media: false,
    token: None,
    contracts: &[include_str!("contracts/send.json")],
    batching: None,
    default_rate: super::DEFAULT_RATE,
    rate_limit: None,
    typing: false,
};

impl Provider for Dummy {
    fn info(&self) -> &'static Info {
        &INFO
    }

    fn supports(&self, message_type: MessageType) -> bool {
        matches!(message_type, MessageType::Text | MessageType::Image)
    }

    fn check(&self, out: &Outgoing, findings: &mut Vec<Finding>) {
        metadata_not_stored(findings, out, NAME);
        reply_not_sent(findings, out, &INFO);
        mentions_not_sent(findings, out, NAME, false);
        if let Message::Media(media) = &out.message {
            let can =
                MediaFields { caption: true, filename: false, mime_type: false, view_once: false, note: false, gif: false };
            media_fields(findings, media, &INFO, can);
        }
    }

    fn build(&self, settings: &Settings, to: &Target, out: &Outgoing) -> Result<HttpRequest, Unsupported> {
        let mut body = Map::new();
        body.insert("to".into(), phone(to, NAME)?.e164().into());
        match &out.message {
            Message::Text { body: text, .. } => {
                body.insert("text".into(), text.as_str().into());
            }
            Message::Media(media) if media.kind == MediaKind::Image => {
                body.insert("image_url".into(), media_link(media, NAME)?.into());
                put_opt(&mut body, "caption", media.caption.as_deref());
            }
            other => return Err(super::unsupported(NAME, other)),
        }
        let url = format!("{}/inboxes/{}/send", settings.base_url, encode_component(&settings.account));
        Ok(HttpRequest::post_json(url, INFO.auth, Value::Object(body)))
    }

    fn classify(&self, r: &Response) -> Outcome {
        let body = r.json();
        if r.is_success() && body.get("ok") == Some(&Value::Bool(true)) {
            return Outcome::accepted(first_str(&body, &["/id"]));
        }
        let error = ProviderError::new(None, message_or_status(r, first_str(&body, &["/error"])));
        if r.is_success() { Outcome::Failed(error) } else { by_status(r, error) }
    }
}
