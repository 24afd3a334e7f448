//! Evolution API v2 (self-hosted): `POST {base}/message/<route>/{instance}` with the key in
//! `apikey`. Bodies follow v2's `message.schema.ts` and DTOs, where every option is a top-level
//! field (the v1 `options`/`contactMessage` shapes are refused by v2 servers).
//!
//! One instance runs either Baileys (WhatsApp Web) or the Cloud API; the routes are the same but
//! templates work only on the latter and buttons/lists render reliably only there.
//!
//! Server errors: Evolution's docs do not describe them; its v2 source answers 500 for
//! `Connection Closed` thrown before the send starts (retried), for a template on a WhatsApp-Web
//! instance and a video note on a Cloud-API one (the campaign stops), and for any other
//! exception, which may come after the message went out (its issues report errors answered
//! after a delivered send). Any other 5xx is ambiguous: the recipient ends `unknown` and only
//! `--retry-unknown` sends it again.

mod account;
mod created;
#[cfg(test)]
mod fixture;
pub(crate) mod imitation;
mod poll;
mod statuses;
mod record;

use super::meta;
use super::meta::components::{HeaderMedia, check_template_language, check_template_name, template_components};
use super::outcome::{by_status, message_or_status};
use super::{
    Carries, Finding, MediaFields, Outgoing, Provider, Settings, Target, Unsupported, carried,
    digits_or_group, encode_component, interactive_parts, is_one_emoji, location_labels_required, media_fields,
    media_link, mentions_not_sent, metadata_not_stored, put_opt, reply_not_sent,
};
use super::{Info, Outcome, ProviderError, Response};
use crate::message::{
    Interactive, InteractiveAction, InteractiveHeader, InteractiveKind, ListSection, Media, MediaKind, Message,
    MessageType, Poll,
};
use crate::request::{Auth, HttpRequest};
use serde_json::{Map, Value, json};

/// The Evolution API mapping.
pub(super) struct Evolution;

/// What the registry holds for this provider.
pub(super) const REGISTRATION: super::Registration = super::Registration {
    provider: &Evolution,
    imitation: &imitation::Evolution,
    #[cfg(test)]
    fixture: &Evolution,
};

/// What a WhatsApp-Web (Baileys) instance answers to a template.
const BAILEYS_HAS_NO_TEMPLATES: &str = "Method not available in the Baileys service";

/// What a Cloud-API instance answers to a poll, a sticker or a status (400).
const CLOUD_HAS_NO_SUCH_METHOD: &str = "Method not available on WhatsApp Business API";

/// What a Cloud-API instance answers to a round video note: it has no `ptvMessage` (500).
const CLOUD_HAS_NO_VIDEO_NOTES: &str = "ptvMessage is not a function";

/// How the provider is named in findings.
const NAME: &str = "Evolution API";

/// The warning on what only WhatsApp-Web instances send.
const WEB_ONLY: &str = "Evolution API sends polls, stickers and round video notes only from WhatsApp-Web (Baileys) instances; Cloud-API instances refuse them";

/// Digits the `sendContact` schema requires in `phoneNumber` (`minLength: 10`).
const CONTACT_PHONE_MIN: usize = 10;

/// This provider's static facts: kind, default host, account key, auth header.
const INFO: Info = Info {
    id: "evolution",
    name: NAME,
    default_base_url: None,
    account_key: "instance",
    account_help: "the instance name",
    auth: Auth { header: "apikey", prefix: "" },
    interactive: &[InteractiveKind::Buttons, InteractiveKind::List],
    replies: true,
    uploaded_media: false,
    token: None,
    contracts: &[
        include_str!("contracts/sendButtons.json"),
        include_str!("contracts/sendContact.json"),
        include_str!("contracts/sendList.json"),
        include_str!("contracts/sendLocation.json"),
        include_str!("contracts/sendMedia.json"),
        include_str!("contracts/sendPoll.json"),
        include_str!("contracts/sendPtv.json"),
        include_str!("contracts/sendReaction.json"),
        include_str!("contracts/sendSticker.json"),
        include_str!("contracts/sendTemplate.json"),
        include_str!("contracts/sendText.json"),
        include_str!("contracts/sendWhatsAppAudio.json"),
    ],
    batching: None,
    default_rate: super::DEFAULT_RATE,
    rate_limit: None,
    typing: true,
};

impl Provider for Evolution {
    fn info(&self) -> &'static Info {
        &INFO
    }

    fn supports(&self, _: MessageType) -> bool {
        true
    }

    fn supports_groups(&self) -> bool {
        true
    }

    fn refuses_for_groups(&self, message_type: MessageType) -> Option<&'static str> {
        // Templates need a Cloud-API instance, and those strip a group JID to digits.
        (message_type == MessageType::Template)
            .then_some("Evolution API sends templates only from Cloud-API instances, which cannot address groups")
    }

    fn check(&self, out: &Outgoing, findings: &mut Vec<Finding>) {
        let can = Carries {
            preview_url: true,
            name_parts: false,
            card_name: false,
            job_title: false,
            address_and_note: false,
        };
        carried(findings, &out.message, NAME, can);
        metadata_not_stored(findings, out, NAME);
        reply_not_sent(findings, out, &INFO);
        let mentionable = !matches!(out.message, Message::Contact(_) | Message::Template(_) | Message::Reaction(_));
        mentions_not_sent(findings, out, NAME, mentionable);
        match &out.message {
            Message::Media(media) => {
                // `sendMedia` carries the optional fields; voice notes, stickers and round video
                // notes have routes of their own that take the file alone.
                let note = media.kind == MediaKind::Video && media.note == Some(true);
                let plain = !matches!(media.kind, MediaKind::Voice | MediaKind::Sticker) && !note;
                if matches!(media.kind, MediaKind::Sticker) || note {
                    findings.push(Finding::warning("/message/media", WEB_ONLY));
                }
                let can = MediaFields {
                    caption: plain && media.kind != MediaKind::Audio,
                    filename: plain,
                    mime_type: plain,
                    view_once: false,
                    note: true,
                    gif: false,
                };
                media_fields(findings, media, &INFO, can);
            }
            Message::Location(location) => location_labels_required(findings, location, NAME),
            Message::Contact(contacts) => {
                for (i, card) in contacts.cards.iter().enumerate() {
                    let digits = card.phone.trim_start_matches('+').len();
                    if digits < CONTACT_PHONE_MIN {
                        findings.push(Finding::error(
                            format!("{}/phone", contacts.pointer(i)),
                            format!("Evolution API refuses contact numbers shorter than {CONTACT_PHONE_MIN} digits; this one has {digits}"),
                        ));
                    }
                }
            }
            Message::Reaction(reaction) => {
                if !reaction.emoji.is_empty() && !is_one_emoji(&reaction.emoji) {
                    findings.push(Finding::error(
                        "/message/reaction/emoji",
                        format!(
                            "Evolution API accepts a single emoji, or empty to remove a reaction; `{}` is neither",
                            reaction.emoji
                        ),
                    ));
                }
            }
            Message::Template(template) => {
                meta::limits::check(findings, &out.message);
                check_template_name(findings, template, NAME);
                check_template_language(findings, template, NAME);
                findings.push(Finding::warning(
                    "/message/template",
                    "Evolution API sends templates only from instances connected to the Cloud API; Baileys instances answer 500",
                ));
            }
            Message::Interactive(interactive) => {
                // Buttons and lists reach WhatsApp through Meta on the instances that render
                // them, so Meta's limits hold (titles, ids, lengths, counts).
                meta::limits::check(findings, &out.message);
                interactive_parts(findings, &out.message, &INFO, true);
                check_interactive(findings, interactive);
            }
            Message::Poll(poll) => {
                findings.push(Finding::warning("/message/poll", WEB_ONLY));
                check_poll(findings, poll);
            }
            Message::Text { .. } => {}
        }
    }

    fn status_webhook(&self) -> Option<super::StatusWebhook> {
        Some(statuses::WEBHOOK)
    }

    fn status_poll(&self) -> Option<super::StatusPoll> {
        Some(poll::POLL)
    }

    fn account(&self) -> Option<&'static dyn super::account::AccountReader> {
        Some(&account::Account)
    }

    fn classify(&self, r: &Response) -> Outcome {
        let body = r.json();
        if r.is_success() {
            return created::classify(r, &body);
        }
        let meta = meta::errors::classify(&body, r).or_else(|| meta::errors::classify_error(&body, r));
        if let Some(outcome) = meta {
            return outcome;
        }
        let messages = evolution_messages(&body);
        let text = message_or_status(r, (!messages.is_empty()).then(|| messages.join("; ")));
        let error = ProviderError::new(None, text.clone());
        let not_on_whatsapp = body
            .pointer("/response/message")
            .and_then(Value::as_array)
            .is_some_and(|a| a.iter().any(|m| m.get("exists") == Some(&Value::Bool(false))));
        let transient = ["Connection Closed", "SessionError", "No sessions", "Timed Out", "timed out", "ECONNRESET"]
            .iter()
            .any(|t| text.contains(t));
        match r.status {
            // WhatsApp's own "rate-overlimit", passed on by Baileys: the instance sends too fast.
            400 | 500 if text.contains("rate-overlimit") => Outcome::Throttled { error, after: r.retry_after },
            400 if not_on_whatsapp => {
                Outcome::Failed(ProviderError::new(Some("not_on_whatsapp".into()), "the number is not on WhatsApp"))
            }
            // Socket and session failures while sending come back as 400; the instance may
            // reconnect.
            400 if transient => Outcome::Retry { error, after: r.retry_after },
            // A 500 `Connection Closed` is thrown before the send starts (issues #1286, #1772):
            // nothing went out. Any other 500 may come after the message did (see the module
            // doc), so it is left to `by_status`: ambiguous.
            500 if text.contains("Connection Closed") => Outcome::Retry { error, after: r.retry_after },
            404 => not_found(&messages, error),
            // A WhatsApp-Web instance has no templates (`whatsapp.baileys.service.ts` throws
            // this for `templateMessage`): every further template fails the same way.
            500 if text.contains(BAILEYS_HAS_NO_TEMPLATES) => Outcome::Stop(ProviderError::new(
                None,
                format!("{text}: templates need an instance on the WhatsApp Cloud API (integration WHATSAPP-BUSINESS)"),
            )),
            // A Cloud-API instance has no polls, stickers or video notes: the same for everyone.
            400 | 500 if text.contains(CLOUD_HAS_NO_SUCH_METHOD) || text.contains(CLOUD_HAS_NO_VIDEO_NOTES) => {
                Outcome::Stop(ProviderError::new(
                    None,
                    format!("{text}: polls, stickers and round video notes need a WhatsApp-Web (Baileys) instance"),
                ))
            }
            _ => by_status(r, error),
        }
    }

    fn build(&self, settings: &Settings, to: &Target, out: &Outgoing) -> Result<HttpRequest, Unsupported> {
        let number = digits_or_group(to, NAME)?;
        let (route, body) = match &out.message {
            Message::Text { body, preview_url } => {
                let mut object = Map::new();
                object.insert("number".into(), number.into());
                object.insert("text".into(), body.as_str().into());
                put_opt(&mut object, "linkPreview", *preview_url);
                ("sendText", Value::Object(object))
            }
            Message::Media(media) => match media.kind {
                MediaKind::Voice => {
                    ("sendWhatsAppAudio", json!({ "number": number, "audio": media_link(media, NAME)? }))
                }
                MediaKind::Sticker => ("sendSticker", json!({ "number": number, "sticker": media_link(media, NAME)? })),
                MediaKind::Image => send_media(number, media, "image")?,
                // A round video note has a route of its own.
                MediaKind::Video if media.note == Some(true) => {
                    ("sendPtv", json!({ "number": number, "video": media_link(media, NAME)? }))
                }
                MediaKind::Video => send_media(number, media, "video")?,
                MediaKind::Audio => send_media(number, media, "audio")?,
                MediaKind::Document => send_media(number, media, "document")?,
            },
            Message::Location(location) => {
                let object = json!({
                    "number": number,
                    "latitude": location.latitude,
                    "longitude": location.longitude,
                    "name": location.name,
                    "address": location.address,
                });
                ("sendLocation", object)
            }
            Message::Contact(contacts) => {
                let cards: Vec<Value> = contacts
                    .cards
                    .iter()
                    .map(|card| {
                        let mut contact = Map::new();
                        contact.insert("fullName".into(), card.full_name.as_str().into());
                        contact.insert("phoneNumber".into(), card.phone.trim_start_matches('+').into());
                        put_opt(&mut contact, "organization", card.organization.as_deref());
                        put_opt(&mut contact, "email", card.email.as_deref());
                        put_opt(&mut contact, "url", card.url.as_deref());
                        Value::Object(contact)
                    })
                    .collect();
                ("sendContact", json!({ "number": number, "contact": cards }))
            }
            Message::Reaction(reaction) => {
                let key = json!({
                    "remoteJid": match to {
                        Target::Group(id) => id.clone(),
                        _ => format!("{number}@s.whatsapp.net"),
                    },
                    "fromMe": reaction.from_me,
                    "id": reaction.message_id,
                });
                ("sendReaction", json!({ "key": key, "reaction": reaction.emoji }))
            }
            Message::Interactive(interactive) => interactive_body(number, interactive)?,
            Message::Poll(poll) => (
                "sendPoll",
                json!({ "number": number, "name": poll.name, "selectableCount": poll.selectable, "values": poll.options }),
            ),
            Message::Template(template) => {
                let mut object = json!({
                    "number": number,
                    "name": template.name.as_deref().unwrap_or_default(),
                    "language": template.language.as_deref().unwrap_or_default(),
                });
                let components = template_components(template, HeaderMedia::Nested);
                if !components.is_empty() {
                    object["components"] = components.into();
                }
                ("sendTemplate", object)
            }
        };
        let mut body = body;
        if let Some(id) = out.reply_to.as_deref().filter(|_| route != "sendReaction") {
            // Both back-ends find the quoted message by its key's id (Cloud-API instances send it
            // as Meta's context.message_id).
            body["quoted"] = json!({ "key": { "id": id } });
        }
        // Mentions reach group members on every route that carries options but contacts,
        // templates and reactions (`message.schema.ts`).
        if !matches!(route, "sendContact" | "sendTemplate" | "sendReaction") {
            if !out.mentions.numbers.is_empty() {
                body["mentioned"] = json!(out.mentions.numbers);
            }
            if out.mentions.everyone {
                body["mentionsEveryOne"] = json!(true);
            }
        }
        // `delivery.typing`: Baileys shows "composing" ("recording" before a voice note) for
        // `delay` ms, then sends; `crate::typing` leaves out contact cards (whose Baileys
        // route ignores `delay`), reactions and templates.
        if let Some(typing) = crate::typing::delay(&out.message).filter(|_| settings.typing) {
            body["delay"] = json!(typing.as_millis() as u64);
        }
        let url = format!("{}/message/{route}/{}", settings.base_url, encode_component(&settings.account));
        Ok(HttpRequest::post_json(url, self.auth(), body))
    }
}

/// The `sendMedia` body for an image, video, audio file or document. `mimetype` is optional
/// there, so it is sent only when the campaign gives it.
fn send_media(number: &str, media: &Media, mediatype: &str) -> Result<(&'static str, Value), Unsupported> {
    let mut object = Map::new();
    object.insert("number".into(), number.into());
    object.insert("mediatype".into(), mediatype.into());
    object.insert("media".into(), media_link(media, NAME)?.into());
    put_opt(&mut object, "mimetype", media.mime_type.as_deref().filter(|_| media.mime_type_explicit));
    if media.kind != MediaKind::Audio {
        put_opt(&mut object, "caption", media.caption.as_deref());
    }
    put_opt(&mut object, "fileName", media.filename.as_deref());
    Ok(("sendMedia", Value::Object(object)))
}

/// Options in a poll.
const POLL_OPTIONS_MIN: usize = 2;
/// Options in a poll.
const POLL_OPTIONS_MAX: usize = 10;

/// Evolution's `sendPoll` schema (`message.schema.ts`): 2 to 10 unique options, and a selectable
/// count of at most the number of options (0: any number).
fn check_poll(findings: &mut Vec<Finding>, poll: &Poll) {
    let n = poll.options.len();
    if !(POLL_OPTIONS_MIN..=POLL_OPTIONS_MAX).contains(&n) {
        findings.push(Finding::error(
            "/message/poll/options",
            format!("{n} options given; a poll has {POLL_OPTIONS_MIN} to {POLL_OPTIONS_MAX}"),
        ));
    }
    for (i, option) in poll.options.iter().enumerate() {
        if let Some(first) = poll.options[..i].iter().position(|o| o == option) {
            findings.push(Finding::error(
                format!("/message/poll/options/{i}"),
                format!("poll options must be unique, and `{option}` is also option {first}"),
            ));
        }
    }
    if usize::from(poll.selectable) > n {
        findings.push(Finding::error(
            "/message/poll/selectable_count",
            format!(
                "`selectable_count` is {}, more than the {n} options; 0 lets voters pick any number",
                poll.selectable
            ),
        ));
    }
}

/// Evolution's own rules for `sendButtons` and `sendList` (schema, controller and the Cloud-API
/// service, which reads every row's `description`).
fn check_interactive(findings: &mut Vec<Finding>, interactive: &Interactive) {
    findings.push(Finding::warning(
        "/message/interactive",
        "Evolution API accepts buttons and lists on Baileys instances, but WhatsApp often does not show them there; they render reliably only on Cloud API instances",
    ));
    match &interactive.action {
        InteractiveAction::Buttons(_) if interactive.header.is_some() => findings.push(Finding::warning(
            "/message/interactive/header",
            "Evolution API has no header for buttons (its Cloud-API channel sends the body and the buttons only); the header will not be sent",
        )),
        InteractiveAction::List { sections, .. } => {
            if interactive.header.as_ref().and_then(InteractiveHeader::text).is_none() {
                findings.push(Finding::error(
                    "/message/interactive/header",
                    "Evolution API requires a text title for lists; set `header` to text",
                ));
            }
            if interactive.footer.is_none() {
                findings.push(Finding::error(
                    "/message/interactive/footer",
                    "Evolution API requires a footer on lists (`footerText`); set `footer`",
                ));
            }
            check_sections(findings, sections);
        }
        // Buttons need nothing more; other kinds are refused by `interactive_parts`.
        _ => {}
    }
}

fn check_sections(findings: &mut Vec<Finding>, sections: &[ListSection]) {
    for (s, section) in sections.iter().enumerate() {
        let at = format!("/message/interactive/list/sections/{s}");
        match &section.title {
            // Meta's limits already require titles when there are several sections.
            None if sections.len() > 1 => {}
            None => findings.push(Finding::error(
                format!("{at}/title"),
                "Evolution API requires a title on every list section; set `title`",
            )),
            Some(title) if sections[..s].iter().any(|earlier| earlier.title.as_ref() == Some(title)) => {
                findings.push(Finding::error(
                    format!("{at}/title"),
                    format!("Evolution API refuses repeated section titles, and `{title}` is used twice"),
                ))
            }
            Some(_) => {}
        }
        for (r, row) in section.rows.iter().enumerate() {
            if row.description.is_none() {
                findings.push(Finding::error(
                    format!("{at}/rows/{r}/description"),
                    "Evolution API's Cloud-API channel fails on list rows without a description; set `description`",
                ));
            }
        }
    }
}

/// The route and body for reply buttons (`sendButtons`) or a list (`sendList`).
fn interactive_body(number: &str, interactive: &Interactive) -> Result<(&'static str, Value), Unsupported> {
    let mut object = Map::new();
    object.insert("number".into(), number.into());
    match &interactive.action {
        InteractiveAction::Buttons(buttons) => {
            // A Cloud-API instance makes `title` the message body and drops `description`
            // (`whatsapp.business.service.ts` `buttonMessage`), so the body goes in `title`.
            object.insert("title".into(), interactive.body.as_str().into());
            put_opt(&mut object, "footer", interactive.footer.as_deref());
            let buttons: Vec<Value> =
                buttons.iter().map(|b| json!({ "type": "reply", "displayText": b.title, "id": b.id })).collect();
            object.insert("buttons".into(), buttons.into());
            Ok(("sendButtons", Value::Object(object)))
        }
        InteractiveAction::List { button, sections } => {
            let title = interactive.header.as_ref().and_then(InteractiveHeader::text).unwrap_or_default();
            object.insert("title".into(), title.into());
            object.insert("description".into(), interactive.body.as_str().into());
            object.insert("footerText".into(), interactive.footer.as_deref().unwrap_or_default().into());
            object.insert("buttonText".into(), button.as_str().into());
            let sections: Vec<Value> = sections
                .iter()
                .map(|section| {
                    let rows: Vec<Value> = section
                        .rows
                        .iter()
                        .map(|row| {
                            let mut object = Map::new();
                            object.insert("title".into(), row.title.as_str().into());
                            put_opt(&mut object, "description", row.description.as_deref());
                            object.insert("rowId".into(), row.id.as_str().into());
                            Value::Object(object)
                        })
                        .collect();
                    json!({ "title": section.title, "rows": rows })
                })
                .collect();
            object.insert("sections".into(), sections.into());
            Ok(("sendList", Value::Object(object)))
        }
        other => Err(Unsupported::Interactive { provider: NAME, kind: other.kind() }),
    }
}

/// A 404: a missing group or number fails that recipient only (`Group not found`); a missing
/// instance (`The "x" instance does not exist`), an unknown route (`Cannot POST …`) or a 404
/// that is not Evolution's own is wrong for every recipient, so it stops the campaign with
/// what to check.
fn not_found(messages: &[String], error: ProviderError) -> Outcome {
    let text = messages.join("; ");
    let lower = text.to_lowercase();
    // Evolution words it `The "x" instance does not exist`; some builds say `Instance not found`.
    if lower.contains("instance") && (lower.contains("does not exist") || lower.contains("not found")) {
        let advice = "check `provider.instance` (the instance's name, not its id)";
        return Outcome::Stop(ProviderError::new(None, format!("{}: {advice}", error.message)));
    }
    if lower.contains("not found") && !lower.starts_with("cannot ") {
        let code = if lower.contains("group") { "group_not_found" } else { "not_found" };
        return Outcome::Failed(ProviderError::new(Some(code.into()), error.message));
    }
    Outcome::Stop(ProviderError::new(None, format!("{}: check `provider.base_url`", error.message)))
}

/// The strings in Evolution's `response.message`, which may be a string, a list of strings, or a
/// list of lists of strings.
fn evolution_messages(body: &Value) -> Vec<String> {
    fn collect(v: &Value, out: &mut Vec<String>) {
        match v {
            Value::String(s) if !s.trim().is_empty() => out.push(s.trim().to_string()),
            Value::Array(a) => a.iter().for_each(|x| collect(x, out)),
            _ => {}
        }
    }
    let mut out = Vec::new();
    if let Some(m) = body.pointer("/response/message") {
        collect(m, &mut out);
    }
    out
}

#[cfg(test)]
mod tests;
