//! The providers herald sends through, behind one trait. A provider is a pure mapping:
//! rendered message + recipient + settings → HTTP request. It does no I/O, so previews, tests
//! and sending all use the very same mapping.
//!
//! A provider is one folder (`providers/<id>/`) and one line in [`registry!`] below: its
//! [`Info`], mapping, sandbox imitation and test fixture all live in the folder, and everything
//! that lists providers (the campaign schema's provider parts, `herald providers`, the sandbox,
//! the tests) goes through [`ProviderKind::ALL`]. `docs/providers.md` says how to add one.

pub mod account;
pub mod contract;
pub mod correlation;
pub mod imitation;
pub(crate) mod meta;
mod outcome;
pub mod poll;
pub mod pricing;
pub mod resend;
pub mod schema;
pub mod status;

pub use meta::signature;
pub use outcome::{Outcome, ProviderError, Response};
pub use poll::{Polled, StatusPoll};
pub use pricing::Pricing;
pub use resend::{Resend, ResendRule};
pub use status::{AsyncFailure, MessageStatus, Signing, StatusEvent, StatusWebhook, WebhookError};

use crate::message::{
    ContactCard, InteractiveHeader, InteractiveKind, Location, Media, MediaKind, MediaSource, Message, MessageType,
};
use crate::phone::Phone;
use crate::request::{Auth, HttpRequest};
use serde::Deserialize;
use serde_json::{Map, Value};
use std::fmt;

/// Declares each provider's folder as a module and registers it in [`ProviderKind::ALL`], in
/// the order tables print them. Each folder defines `REGISTRATION`.
macro_rules! registry {
    ($($(#[$attr:meta])* $folder:ident,)*) => {
        $($(#[$attr])* mod $folder;)*

        impl ProviderKind {
            /// Every provider, in the order tables print them.
            pub const ALL: &'static [ProviderKind] = &[$($(#[$attr])* ProviderKind(&$folder::REGISTRATION),)*];
        }
    };
}

// The registry: one line per provider.
registry! {
    communiktor,
    evolution,
    whautochat,
    autokonnect,
    flowiq,
    cloud_api,
    // A provider that exists only in tests, to prove the line above is all a provider needs.
    #[cfg(test)]
    dummy,
}

/// What one provider's folder registers: its mapping, how the sandbox imitates its API and,
/// in tests, its samples and the shapes of its answers.
pub(crate) struct Registration {
    /// The mapping.
    pub(crate) provider: &'static dyn Provider,
    /// The sandbox's imitation of its API.
    pub(crate) imitation: &'static dyn imitation::api::Api,
    /// Its samples and answer shapes, for the tests that run over every provider.
    #[cfg(test)]
    pub(crate) fixture: &'static dyn testing::Fixture,
}

/// Which provider a campaign sends through: a handle on one entry of the registry, named in
/// campaign files by its [`Info::id`].
#[derive(Clone, Copy)]
pub struct ProviderKind(&'static Registration);

impl ProviderKind {
    /// The registered provider whose campaign name is `id`.
    pub fn named(id: &str) -> Option<ProviderKind> {
        ProviderKind::ALL.iter().copied().find(|k| k.as_str() == id)
    }

    /// The name used in campaign files.
    pub fn as_str(self) -> &'static str {
        self.0.provider.info().id
    }

    /// The mapping for this provider.
    pub fn provider(self) -> &'static dyn Provider {
        self.0.provider
    }

    /// Whether its receipts carry Meta's pricing: Meta's own status webhook does.
    pub fn reports_pricing(self) -> bool {
        self.provider().status_webhook().is_some_and(|w| w.signing == Signing::Meta)
    }

    /// How the sandbox imitates this provider's API.
    pub(crate) fn imitation(self) -> &'static dyn crate::providers::imitation::api::Api {
        self.0.imitation
    }

    /// This provider's samples and answer shapes, for tests.
    #[cfg(test)]
    pub(crate) fn fixture(self) -> &'static dyn testing::Fixture {
        self.0.fixture
    }
}

/// The campaign names of the registered providers `pred` holds for, as people list them:
/// `communiktor, evolution and cloud_api`.
pub fn names_where(pred: impl Fn(&dyn Provider) -> bool) -> String {
    let names: Vec<&str> = ProviderKind::ALL.iter().filter(|k| pred(k.provider())).map(|k| k.as_str()).collect();
    match names.split_last() {
        None => String::new(),
        Some((last, [])) => last.to_string(),
        Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
    }
}

impl PartialEq for ProviderKind {
    fn eq(&self, other: &ProviderKind) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for ProviderKind {}

impl std::hash::Hash for ProviderKind {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.as_str().hash(state);
    }
}

impl fmt::Debug for ProviderKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Display for ProviderKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for ProviderKind {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<ProviderKind, D::Error> {
        let id = String::deserialize(d)?;
        ProviderKind::named(&id).ok_or_else(|| {
            let known: Vec<&str> = ProviderKind::ALL.iter().map(|k| k.as_str()).collect();
            serde::de::Error::custom(format!("unknown provider `{id}`; expected one of {}", known.join(", ")))
        })
    }
}

/// The campaign's provider settings, resolved (defaults applied, no secret).
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    /// Base URL without a trailing slash.
    pub base_url: String,
    /// The account the provider sends from: Cloud API phone number id, Communiktor/Evolution
    /// instance, WhautoChat workspace id, AutoKonnect channel id or FlowIQ tenant id.
    pub account: String,
    /// When the provider is to deliver (`schedule.mode: provider`); `None` delivers at once.
    /// Validation sets it only where [`Provider::schedules`] the message type, and
    /// [`Provider::request`] refuses it elsewhere.
    pub send_at: Option<jiff::Timestamp>,
    /// Show "typing…" before each message (`delivery.typing`), where [`Info::typing`].
    pub typing: bool,
}

/// Who one request goes to.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Target {
    /// One phone number.
    Phone(Phone),
    /// One provider-side group, by its id (an Evolution group JID, a Communiktor group id, a
    /// Cloud API Groups-API group id).
    Group(String),
    /// One provider-side contact, by its id (WhautoChat's `contact.id`).
    Contact(String),
    /// Every provider-side contact carrying any of these tags, and any numbers besides, in one
    /// request (AutoKonnect `contact_tag_id` and a `phone_number` array).
    Tags(Bulk),
}

/// The audience of one bulk request: provider-side contact tags, and numbers besides.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Bulk {
    /// Tag ids, never empty.
    pub tags: Vec<String>,
    /// Numbers added to the tags' contacts (the provider removes duplicates).
    pub numbers: Vec<Phone>,
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Target::Phone(p) => p.fmt(f),
            Target::Group(id) | Target::Contact(id) => f.write_str(id),
            Target::Tags(bulk) => match bulk.numbers.len() {
                0 => write!(f, "tag:{}", bulk.tags.join(",")),
                n => write!(f, "tag:{}+{n} number{}", bulk.tags.join(","), if n == 1 { "" } else { "s" }),
            },
        }
    }
}

/// Everything that goes out for one recipient besides the address.
#[derive(Debug, Clone, PartialEq)]
pub struct Outgoing {
    /// The rendered message.
    pub message: Message,
    /// The rendered `metadata`, for providers that store and echo it.
    pub metadata: Option<Map<String, Value>>,
    /// The id of the message this one replies to (`message.reply_to`), for providers that
    /// show it as a quote.
    pub reply_to: Option<String>,
    /// Who a message to a group @mentions (`message.mentions`, `mention_all`).
    pub mentions: Mentions,
}

/// Group members a message @mentions.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Mentions {
    /// Their numbers, as digits.
    pub numbers: Vec<String>,
    /// Every member.
    pub everyone: bool,
}

impl Mentions {
    /// Whether anyone is mentioned.
    pub fn any(&self) -> bool {
        self.everyone || !self.numbers.is_empty()
    }
}

pub use crate::diagnostic::Severity;

/// A provider's verdict on a rendered message: a limit exceeded, a field it cannot carry.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Finding {
    /// Error or warning.
    pub severity: Severity,
    /// JSON pointer into the campaign file naming the field at fault, e.g. `/message/text`.
    pub pointer: String,
    /// What is wrong and what to do, as a sentence.
    pub text: String,
}

impl Finding {
    /// An error at `pointer`.
    pub fn error(pointer: impl Into<String>, text: impl Into<String>) -> Finding {
        Finding { severity: Severity::Error, pointer: pointer.into(), text: text.into() }
    }

    /// A warning at `pointer`.
    pub fn warning(pointer: impl Into<String>, text: impl Into<String>) -> Finding {
        Finding { severity: Severity::Warning, pointer: pointer.into(), text: text.into() }
    }
}

/// Requests a second when neither `delivery.rate` nor the provider's published limit says.
pub const DEFAULT_RATE: f64 = 10.0;

/// A provider's static facts.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Info {
    /// Its name in campaign files (`provider.kind`), in the sandbox's paths and in tables
    /// (`cloud_api`): lowercase letters, digits and `_`.
    pub id: &'static str,
    /// Its name for people (`FlowIQ`, `The Cloud API`).
    pub name: &'static str,
    /// The base URL used when the campaign gives none (`None`: self-hosted, must be given).
    pub default_base_url: Option<&'static str>,
    /// The campaign key naming the sending account.
    pub account_key: &'static str,
    /// What the account key holds, for the campaign schema's description of it ("the instance
    /// name"); providers sharing a key share the words.
    pub account_help: &'static str,
    /// The auth header and its prefix.
    pub auth: Auth,
    /// The interactive kinds it documents (none for a provider without interactive messages).
    pub interactive: &'static [InteractiveKind],
    /// Whether it can send a message as a reply to another (`message.reply_to`).
    pub replies: bool,
    /// Whether it takes media by an id uploaded to it beforehand, besides public URLs.
    pub uploaded_media: bool,
    /// What its keys look like, when they have a recognisable start.
    pub token: Option<TokenShape>,
    /// Its endpoints' contracts, as JSON Schema text (see [`contract`]).
    pub contracts: &'static [&'static str],
    /// How it takes several numbers in one request with the same message, when it does
    /// (`None`: one request per number).
    pub batching: Option<Batching>,
    /// Requests a second when `delivery.rate` is not given: the limit its own docs publish, or
    /// [`DEFAULT_RATE`] when they publish none.
    pub default_rate: f64,
    /// The sending limit its docs publish (or, for a provider relaying to one Cloud API number,
    /// Meta's): a faster `delivery.rate` is a warning.
    pub rate_limit: Option<RateLimit>,
    /// Whether it documents a typing indicator before a message (Evolution's `delay`), which
    /// `delivery.typing` turns on.
    pub typing: bool,
}

/// A sending limit a provider's docs publish.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RateLimit {
    /// Requests a second.
    pub per_sec: f64,
    /// Whose limit it is, in the docs' own unit, for warnings ("WhautoChat's published limit
    /// of 100 requests a minute").
    pub what: &'static str,
}

/// How a provider takes several phone numbers in one request (AutoKonnect's `phone_number`
/// array): a fact, so a batch is built from the recipients' own one-number requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Batching {
    /// The body's field holding the number; it also takes an array of numbers.
    pub field: &'static str,
    /// The most numbers one request may carry.
    pub max: usize,
}

impl Batching {
    /// One body for several recipients' one-number request bodies that differ in nothing but
    /// the number: the first body with [`Batching::field`] holding every body's number, in
    /// order. `None` when a body is not a JSON object with one number in that field, or
    /// differs from the first in anything else: those requests cannot go out together.
    pub fn merge<'a>(&self, bodies: impl IntoIterator<Item = &'a [u8]>) -> Option<Value> {
        let mut first: Option<Map<String, Value>> = None;
        let mut numbers = Vec::new();
        for body in bodies {
            let Ok(Value::Object(map)) = serde_json::from_slice::<Value>(body) else { return None };
            let number = map.get(self.field).filter(|n| n.is_string() || n.is_number())?;
            numbers.push(number.clone());
            match &first {
                None => first = Some(map),
                Some(f) if f.len() == map.len() && f.iter().all(|(k, v)| k == self.field || map.get(k) == Some(v)) => {}
                Some(_) => return None,
            }
        }
        let mut merged = first?;
        // Replaced in place, so the field keeps its position in the body.
        *merged.get_mut(self.field)? = Value::Array(numbers);
        Some(Value::Object(merged))
    }
}

/// How a provider's keys start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TokenShape {
    /// The start every key has (`fiq_`, `EAA`).
    pub prefix: &'static str,
    /// Whether the provider refuses keys without it (so a key without it is an error before
    /// sending, not just a hint for spotting pasted secrets).
    pub enforced: bool,
}

/// A provider's mapping. Implementations are unit structs with no state and no I/O; their static
/// facts are one [`Info`] constant.
pub trait Provider: Sync {
    /// The provider's static facts.
    fn info(&self) -> &'static Info;

    /// The base URL used when the campaign gives none (`None`: self-hosted, must be given).
    fn default_base_url(&self) -> Option<&'static str> {
        self.info().default_base_url
    }

    /// The campaign key naming the sending account for this provider.
    fn account_key(&self) -> &'static str {
        self.info().account_key
    }

    /// The auth header and its prefix.
    fn auth(&self) -> Auth {
        self.info().auth
    }

    /// Whether the provider can send this message type at all.
    fn supports(&self, message_type: MessageType) -> bool;

    /// Whether the provider can address provider-side contact tags (`recipients.provider_tags`).
    fn supports_tags(&self) -> bool {
        false
    }

    /// Whether the provider can send to its groups (`recipients.groups`, `group_column`).
    fn supports_groups(&self) -> bool {
        false
    }

    /// Why the provider cannot send `message_type` to a group, when it can send both but not
    /// together.
    fn refuses_for_groups(&self, _message_type: MessageType) -> Option<&'static str> {
        None
    }

    /// Whether the provider can address its own contacts by id (`recipients.contact_column`).
    fn supports_contact_ids(&self) -> bool {
        false
    }

    /// Whether the provider can hold a message of this type until a given time itself
    /// (`schedule.mode: provider`), so herald sends at once with the time in the request.
    fn schedules(&self, _message_type: MessageType) -> bool {
        false
    }

    /// Checks a rendered message against the provider's documented limits and fields.
    fn check(&self, out: &Outgoing, findings: &mut Vec<Finding>);

    /// Builds the request for a message `check` passed. A message type the provider does not
    /// support, or [`Target::Tags`] for a provider whose [`Provider::supports_tags`] is false,
    /// is refused (validation reports both before anything is built).
    fn build(&self, settings: &Settings, to: &Target, out: &Outgoing) -> Result<HttpRequest, Unsupported>;

    /// What the provider's answer to a request means.
    fn classify(&self, response: &Response) -> Outcome;

    /// The webhook on which the provider reports what became of accepted messages, when its
    /// docs describe one (`None`: the report says it gives no delivery status).
    fn status_webhook(&self) -> Option<StatusWebhook> {
        None
    }

    /// The endpoint from which the status of one accepted message can be read, when its docs
    /// describe one (`None`: `herald track` cannot poll it; receipts come by webhook only).
    fn status_poll(&self) -> Option<StatusPoll> {
        None
    }

    /// How its account (templates, the sender's state) can be read ahead of sending, when its
    /// docs describe a way (`None`: templates cannot be checked before a send).
    fn account(&self) -> Option<&'static dyn account::AccountReader> {
        None
    }

    /// The failure codes its receipts carry that its docs say not to resend, or not soon
    /// (see [`resend`]); empty for a provider whose receipts carry no code.
    fn resend_rules(&self) -> &'static [ResendRule] {
        &[]
    }

    /// The `metadata` key under which herald puts its own id for each message, when the
    /// provider's status webhooks name no message id but echo the request's `metadata`
    /// ([`correlation`]); that id is the message id herald records.
    fn correlation_key(&self) -> Option<&'static str> {
        None
    }

    /// [`Provider::build`], refusing a delivery time ([`Settings::send_at`]) that the provider
    /// cannot carry for this message type rather than sending at once. Plans build through it.
    fn request(&self, settings: &Settings, to: &Target, out: &Outgoing) -> Result<HttpRequest, Unsupported> {
        let message_type = out.message.message_type();
        if settings.send_at.is_some() && !self.schedules(message_type) {
            return Err(Unsupported::Schedule { provider: self.info().name, message_type });
        }
        self.build(settings, to, out)
    }
}

/// Puts `value` under `key` when it is `Some`.
pub(crate) fn put_opt(map: &mut Map<String, Value>, key: &str, value: Option<impl Into<Value>>) {
    if let Some(v) = value {
        map.insert(key.to_string(), v.into());
    }
}

/// A delivery time as the scheduling providers take it: UTC, whole seconds,
/// `2026-12-25T10:00:00Z` (the form of Communiktor's examples).
pub(crate) fn schedule_time(at: jiff::Timestamp) -> String {
    at.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// Reports `field` as dropped when `value` is set and the provider has no place for it.
pub(crate) fn dropped<T>(findings: &mut Vec<Finding>, value: &Option<T>, pointer: &str, provider: &str, what: &str) {
    if value.is_some() {
        findings.push(Finding::warning(
            pointer,
            format!("{provider} has no field for {what}; it will not be sent (remove it to silence this warning)"),
        ));
    }
}

/// Reports an error when a rendered text is longer than `max` characters.
pub(crate) fn check_len(findings: &mut Vec<Finding>, pointer: &str, what: &str, text: &str, max: usize) {
    let n = text.chars().count();
    if n > max {
        findings.push(Finding::error(pointer, format!("{what} is {n} characters long; the limit is {max}")));
    }
}

/// What a provider cannot send at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Unsupported {
    /// A message type it has no endpoint for.
    #[error("{provider} cannot send {message_type} messages")]
    MessageType {
        /// The provider.
        provider: &'static str,
        /// The type.
        message_type: MessageType,
    },
    /// Provider-side contact tags, for a provider that addresses one number per request.
    #[error("{provider} cannot address contact tags")]
    Tags {
        /// The provider.
        provider: &'static str,
    },
    /// A kind of interactive message it does not document.
    #[error("{provider} cannot send `{}` interactive messages", kind.as_str())]
    Interactive {
        /// The provider.
        provider: &'static str,
        /// The kind.
        kind: InteractiveKind,
    },
    /// Provider-side contact ids, for a provider that addresses numbers.
    #[error("{provider} cannot address its contacts by id")]
    Contacts {
        /// The provider.
        provider: &'static str,
    },
    /// Groups, for a provider that sends to phone numbers only.
    #[error("{provider} cannot send to groups")]
    Groups {
        /// The provider.
        provider: &'static str,
    },
    /// A delivery time, for a message type the provider cannot schedule.
    #[error("{provider} cannot schedule {message_type} messages")]
    Schedule {
        /// The provider.
        provider: &'static str,
        /// The type.
        message_type: MessageType,
    },
    /// A part of a message type it can send otherwise (a link button, a media header).
    #[error("{provider} cannot send {feature}")]
    Feature {
        /// The provider.
        provider: &'static str,
        /// What it cannot send, in words.
        feature: &'static str,
    },
}

/// The address a provider that sends to numbers and groups writes: the number's digits, or the
/// group id as given.
pub(crate) fn digits_or_group<'a>(to: &'a Target, provider: &'static str) -> Result<&'a str, Unsupported> {
    match to {
        Target::Phone(p) => Ok(p.digits()),
        Target::Group(id) => Ok(id),
        Target::Contact(_) => Err(Unsupported::Contacts { provider }),
        Target::Tags(_) => Err(Unsupported::Tags { provider }),
    }
}

/// The phone number a single-recipient provider sends to.
pub(crate) fn phone<'a>(to: &'a Target, provider: &'static str) -> Result<&'a Phone, Unsupported> {
    match to {
        Target::Phone(p) => Ok(p),
        Target::Group(_) => Err(Unsupported::Groups { provider }),
        Target::Contact(_) => Err(Unsupported::Contacts { provider }),
        Target::Tags(_) => Err(Unsupported::Tags { provider }),
    }
}

/// The refusal of a message type a provider has no endpoint for.
pub(crate) fn unsupported(provider: &'static str, message: &Message) -> Unsupported {
    Unsupported::MessageType { provider, message_type: message.message_type() }
}

/// Warns that `reply_to` is set but the provider cannot quote a message (see [`Info::replies`]),
/// or the message is a reaction, which no provider sends as a reply.
pub(crate) fn reply_not_sent(findings: &mut Vec<Finding>, out: &Outgoing, info: &Info) {
    if out.reply_to.is_some() && (!info.replies || matches!(out.message, Message::Reaction(_))) {
        let kind = out.message.message_type();
        findings.push(Finding::warning(
            "/message/reply_to",
            format!("{} cannot send {kind} messages as a reply; `reply_to` will not be sent", info.name),
        ));
    }
}

/// Warns that mentions are set but the provider (or this message type) cannot carry them.
pub(crate) fn mentions_not_sent(findings: &mut Vec<Finding>, out: &Outgoing, provider: &str, on_this_type: bool) {
    if out.mentions.any() && !on_this_type {
        let kind = out.message.message_type();
        findings.push(Finding::warning(
            "/message/mentions",
            format!(
                "{provider} cannot mention anyone in {kind} messages; `mentions` and `mention_all` will not be sent"
            ),
        ));
    }
}

/// Warns that `metadata` is set but the provider has nowhere to put it.
pub(crate) fn metadata_not_stored(findings: &mut Vec<Finding>, out: &Outgoing, provider: &str) {
    if out.metadata.is_some() {
        findings.push(Finding::warning(
            "/metadata",
            format!("{provider} does not store metadata; it will not be sent (only Communiktor echoes it back)"),
        ));
    }
}

/// Reports a location without `name` or `address`, for providers whose API requires both.
pub(crate) fn location_labels_required(findings: &mut Vec<Finding>, location: &Location, provider: &str) {
    for (field, value) in [("name", &location.name), ("address", &location.address)] {
        if value.is_none() {
            findings.push(Finding::error(
                format!("/message/location/{field}"),
                format!("{provider} requires a location {field}; set `{field}`"),
            ));
        }
    }
}

/// The public URL of `media`, for providers that download media by URL only (validation refuses
/// an uploaded id for them first, see [`Info::uploaded_media`]).
pub(crate) fn media_link<'a>(media: &'a Media, provider: &'static str) -> Result<&'a str, Unsupported> {
    media.link().ok_or(Unsupported::Feature { provider, feature: "media by uploaded id" })
}

/// Which optional media fields a provider can carry for one media kind.
#[derive(Debug, Clone, Copy)]
pub(crate) struct MediaFields {
    /// `caption`.
    pub caption: bool,
    /// `filename`.
    pub filename: bool,
    /// An explicit `mime_type` (an inferred one is never reported).
    pub mime_type: bool,
    /// `view_once`.
    pub view_once: bool,
    /// A video as a round note (`note`).
    pub note: bool,
    /// A video as a GIF (`gif`).
    pub gif: bool,
}

/// Warns about every optional media field that is set but that the provider cannot carry.
pub(crate) fn media_fields(findings: &mut Vec<Finding>, media: &Media, info: &Info, can: MediaFields) {
    let (kind, provider) = (media.kind.message_type(), info.name);
    if !info.uploaded_media && media.link().is_none() {
        findings.push(Finding::error(
            "/message/media/id",
            format!("{provider} takes media by public URL only; set `url` instead of `id`"),
        ));
    }
    if !can.caption {
        dropped(findings, &media.caption, "/message/media/caption", provider, &format!("a caption on {kind} messages"));
    }
    if !can.filename {
        dropped(
            findings,
            &media.filename,
            "/message/media/filename",
            provider,
            &format!("a file name on {kind} messages"),
        );
    }
    if !can.mime_type {
        let explicit = media.mime_type.as_ref().filter(|_| media.mime_type_explicit);
        dropped(findings, &explicit, "/message/media/mime_type", provider, &format!("a MIME type on {kind} messages"));
    }
    if !can.view_once {
        dropped(findings, &media.view_once, "/message/media/view_once", provider, "view-once media");
    }
    let video = media.kind == MediaKind::Video;
    if !(can.note && video) {
        dropped(findings, &media.note.filter(|n| *n), "/message/media/note", provider, "round video notes");
    }
    if !(can.gif && video) {
        dropped(findings, &media.gif.filter(|g| *g), "/message/media/gif", provider, "videos shown as GIFs");
    }
}

/// Which optional text and contact-card settings a provider can carry.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Carries {
    /// A text message's `preview_url`.
    pub preview_url: bool,
    /// A contact card's `first_name` and `last_name`.
    pub name_parts: bool,
    /// A contact card's `card_name`.
    pub card_name: bool,
    /// A contact card's `job_title`.
    pub job_title: bool,
    /// A contact card's `address` and `note`.
    pub address_and_note: bool,
}

impl Carries {
    /// None of them.
    pub(crate) const NOTHING: Carries =
        Carries { preview_url: false, name_parts: false, card_name: false, job_title: false, address_and_note: false };
}

/// Warns about every field of one contact card (at `at`) the provider cannot carry.
fn card_fields(findings: &mut Vec<Finding>, card: &ContactCard, at: &str, provider: &str, can: Carries) {
    let mut drop = |value: &Option<String>, key: &str, what: &str| {
        dropped(findings, value, &format!("{at}/{key}"), provider, what);
    };
    if !can.name_parts {
        drop(&card.first_name, "first_name", "a contact's first name");
        drop(&card.last_name, "last_name", "a contact's last name");
    }
    if !can.card_name {
        drop(&card.card_name, "card_name", "a card title apart from the name");
    }
    if !can.job_title {
        drop(&card.job_title, "job_title", "a contact's job title");
    }
    if !can.address_and_note {
        drop(&card.address, "address", "a contact's address");
        drop(&card.note, "note", "a note on a contact card");
    }
}

/// Warns about every text or contact-card setting that is set but that the provider cannot carry.
pub(crate) fn carried(findings: &mut Vec<Finding>, message: &Message, provider: &str, can: Carries) {
    match message {
        Message::Text { preview_url, .. } if !can.preview_url => {
            dropped(findings, preview_url, "/message/preview_url", provider, "link previews");
        }
        Message::Contact(contacts) => {
            for (i, card) in contacts.cards.iter().enumerate() {
                card_fields(findings, card, &contacts.pointer(i), provider, can);
            }
        }
        _ => {}
    }
}

/// Errors for the interactive parts a provider has no field for: a kind it does not document
/// (see [`Info::interactive`]), and media headers given by uploaded id when it takes public URLs
/// only (`uploaded_headers` false).
pub(crate) fn interactive_parts(findings: &mut Vec<Finding>, message: &Message, info: &Info, uploaded_headers: bool) {
    let Message::Interactive(interactive) = message else { return };
    let kind = interactive.action.kind();
    if !info.interactive.contains(&kind) {
        let documented: Vec<&str> = info.interactive.iter().map(|k| k.as_str()).collect();
        findings.push(Finding::error(
            format!("/message/interactive/{}", kind.as_str()),
            format!(
                "{} documents no `{}` interactive messages; it sends {}",
                info.name,
                kind.as_str(),
                documented.join(" and ")
            ),
        ));
    }
    if let Some(InteractiveHeader::Media { source: MediaSource::Id(_), .. }) = &interactive.header
        && !uploaded_headers
    {
        findings.push(Finding::error(
            "/message/interactive/header",
            format!("{} takes header media by public URL only; set `url` instead of `id`", info.name),
        ));
    }
}

/// Refuses an interactive kind the provider does not document, before anything is built.
pub(crate) fn interactive_kind(info: &Info, message: &Message) -> Result<(), Unsupported> {
    match message {
        Message::Interactive(i) if !info.interactive.contains(&i.action.kind()) => {
            Err(Unsupported::Interactive { provider: info.name, kind: i.action.kind() })
        }
        _ => Ok(()),
    }
}

/// Percent-encodes `s` for use as one URL path segment or query value (RFC 3986 unreserved
/// characters pass through, every other byte becomes `%XX`).
pub(crate) fn encode_component(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Whether `s` is exactly one emoji: a flag, a keycap, or pictographs joined by ZWJ, each with an
/// optional variation selector, skin-tone modifier and tag sequence.
///
/// A code-point heuristic, not full UTS #51: it accepts what WhatsApp's pickers produce and
/// refuses text, several emoji in a row and the empty string.
pub(crate) fn is_one_emoji(s: &str) -> bool {
    let cs: Vec<char> = s.chars().collect();
    let regional = |c: char| ('\u{1F1E6}'..='\u{1F1FF}').contains(&c);
    if cs.len() == 2 && cs.iter().all(|&c| regional(c)) {
        return true;
    }
    if let [k, rest @ ..] = cs.as_slice()
        && matches!(k, '0'..='9' | '#' | '*')
    {
        return rest == ['\u{20E3}'] || rest == ['\u{FE0F}', '\u{20E3}'];
    }
    let mut it = cs.into_iter().peekable();
    loop {
        match it.next() {
            Some(c) if is_pictograph(c) => {}
            _ => return false,
        }
        it.next_if_eq(&'\u{FE0F}');
        it.next_if(|c| ('\u{1F3FB}'..='\u{1F3FF}').contains(c));
        if it.next_if(|c| ('\u{E0020}'..='\u{E007E}').contains(c)).is_some() {
            while it.next_if(|c| ('\u{E0020}'..='\u{E007E}').contains(c)).is_some() {}
            if it.next_if_eq(&'\u{E007F}').is_none() {
                return false;
            }
        }
        match it.next() {
            None => return true,
            Some('\u{200D}') => {}
            Some(_) => return false,
        }
    }
}

/// Code points that start an emoji (roughly Unicode's `Extended_Pictographic`), excluding
/// regional indicators and skin-tone modifiers, which never stand alone.
fn is_pictograph(c: char) -> bool {
    matches!(c as u32,
        0xA9 | 0xAE | 0x203C | 0x2049 | 0x2122 | 0x2139 | 0x2194..=0x2199 | 0x21A9..=0x21AA
        | 0x231A..=0x231B | 0x2328 | 0x23CF | 0x23E9..=0x23F3 | 0x23F8..=0x23FA | 0x24C2
        | 0x25AA..=0x25AB | 0x25B6 | 0x25C0 | 0x25FB..=0x25FE | 0x2600..=0x27BF | 0x2934..=0x2935
        | 0x2B05..=0x2B07 | 0x2B1B..=0x2B1C | 0x2B50 | 0x2B55 | 0x3030 | 0x303D | 0x3297 | 0x3299
        | 0x1F000..=0x1F1E5 | 0x1F200..=0x1F3FA | 0x1F400..=0x1FAFF)
}

/// Shared fixtures for the providers' golden tests.
#[cfg(test)]
pub(crate) mod testing;

#[cfg(test)]
mod tests;

#[cfg(test)]
mod classify_tests;
