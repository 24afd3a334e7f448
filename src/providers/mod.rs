//! The six providers herald sends through, behind one trait. A provider is a pure mapping:
//! rendered message + recipient + settings → HTTP request. It does no I/O, so previews, tests
//! and sending all use the very same mapping.

mod autokonnect;
mod cloud_api;
mod communiktor;
mod evolution;
mod flowiq;
mod meta_limits;
mod whautochat;

use crate::message::{Message, MessageType};
use crate::phone::Phone;
use crate::request::{Auth, HttpRequest};
use serde::Deserialize;
use serde_json::{Map, Value};
use std::fmt;

/// Which provider a campaign sends through.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProviderKind {
    /// Communiktor (instance-based WhatsApp Web gateway).
    Communiktor,
    /// Evolution API v2 (self-hosted).
    Evolution,
    /// WhautoChat.
    Whautochat,
    /// AutoKonnect WABA API.
    Autokonnect,
    /// FlowIQ `send-whatsapp`.
    Flowiq,
    /// Meta's WhatsApp Cloud API.
    CloudApi,
}

impl ProviderKind {
    /// Every provider, in the order tables print them.
    pub const ALL: [ProviderKind; 6] = [
        ProviderKind::Communiktor,
        ProviderKind::Evolution,
        ProviderKind::Whautochat,
        ProviderKind::Autokonnect,
        ProviderKind::Flowiq,
        ProviderKind::CloudApi,
    ];

    /// The name used in campaign files.
    pub fn as_str(self) -> &'static str {
        match self {
            ProviderKind::Communiktor => "communiktor",
            ProviderKind::Evolution => "evolution",
            ProviderKind::Whautochat => "whautochat",
            ProviderKind::Autokonnect => "autokonnect",
            ProviderKind::Flowiq => "flowiq",
            ProviderKind::CloudApi => "cloud_api",
        }
    }

    /// The mapping for this provider.
    pub fn provider(self) -> &'static dyn Provider {
        match self {
            ProviderKind::Communiktor => &communiktor::Communiktor,
            ProviderKind::Evolution => &evolution::Evolution,
            ProviderKind::Whautochat => &whautochat::Whautochat,
            ProviderKind::Autokonnect => &autokonnect::Autokonnect,
            ProviderKind::Flowiq => &flowiq::Flowiq,
            ProviderKind::CloudApi => &cloud_api::CloudApi,
        }
    }
}

impl fmt::Display for ProviderKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
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
}

/// Who one request goes to.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Target {
    /// One phone number.
    Phone(Phone),
    /// Every provider-side contact carrying any of these tags (AutoKonnect `contact_tag_id`).
    Tags(Vec<String>),
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Target::Phone(p) => p.fmt(f),
            Target::Tags(t) => write!(f, "tag:{}", t.join(",")),
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
}

/// How serious a [`Finding`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// Sending would fail or send something other than what the campaign says.
    Error,
    /// Sending works, but something the campaign asks for is dropped or unusual.
    Warning,
}

/// A provider's verdict on a rendered message: a limit exceeded, a field it cannot carry.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
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

/// A provider's mapping. Implementations are unit structs with no state and no I/O.
pub trait Provider: Sync {
    /// Which provider this is.
    fn kind(&self) -> ProviderKind;

    /// The base URL used when the campaign gives none (`None`: self-hosted, must be given).
    fn default_base_url(&self) -> Option<&'static str>;

    /// The campaign key naming the sending account for this provider.
    fn account_key(&self) -> &'static str;

    /// The auth header and its prefix.
    fn auth(&self) -> Auth;

    /// Whether the provider can send this message type at all.
    fn supports(&self, message_type: MessageType) -> bool;

    /// Whether the provider can address provider-side contact tags (`recipients.provider_tags`).
    fn supports_tags(&self) -> bool {
        false
    }

    /// Checks a rendered message against the provider's documented limits and fields.
    fn check(&self, out: &Outgoing, findings: &mut Vec<Finding>);

    /// Builds the request. Call only for supported types on messages `check` passed.
    fn build(&self, settings: &Settings, to: &Target, out: &Outgoing) -> HttpRequest;
}

/// Puts `value` under `key` when it is `Some`.
pub(crate) fn put_opt(map: &mut Map<String, Value>, key: &str, value: Option<impl Into<Value>>) {
    if let Some(v) = value {
        map.insert(key.to_string(), v.into());
    }
}

/// Reports `field` as dropped when `value` is set and the provider has no place for it.
pub(crate) fn dropped<T>(
    findings: &mut Vec<Finding>,
    value: &Option<T>,
    pointer: &str,
    provider: &str,
    what: &str,
) {
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
