//! What providers report, after they accepted a message, about what became of it: status
//! events posted to a webhook (Meta's `statuses[]`, Evolution's `messages.update`, FlowIQ's
//! `message_delivered`, …). Each provider that documents such events reads its own bodies
//! ([`super::Provider::read_statuses`]) into [`StatusEvent`]s, in one vocabulary: sent,
//! delivered, read, failed (with the provider's code). Reading is pure: authenticity
//! ([`Signing`]) is checked before, by the receiver. Events that are not about a message herald
//! sent (incoming messages, contacts) are left out, not refused.

use super::ProviderError;
use serde_json::Value;

/// How far a message got, as a status event says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MessageStatus {
    /// Handed to WhatsApp (Meta's `sent`, Baileys' `SERVER_ACK`).
    Sent,
    /// On the recipient's phone.
    Delivered,
    /// Opened (or a voice message played) by the recipient; implies delivered.
    Read,
    /// The provider gave up on it.
    Failed,
}

/// One status event for one message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusEvent {
    /// The provider's message id, as its send answer returned it (`wamid.…`, Evolution's
    /// `key.id`).
    pub message_id: String,
    /// The sending account the event is about, where the event names it (the Cloud API's
    /// `phone_number_id`, Evolution's instance).
    pub account: Option<String>,
    /// What became of the message.
    pub status: MessageStatus,
    /// When the provider says it happened; `None` when the event does not say.
    pub at: Option<jiff::Timestamp>,
    /// Why, for a failure: the provider's code and words when it gives them.
    pub error: Option<ProviderError>,
    /// How the provider bills the message, where its status says (Meta's `pricing`).
    pub pricing: Option<super::Pricing>,
}

/// A webhook body that cannot be read as the provider documents it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WebhookError {
    /// Not JSON.
    #[error("the body is not JSON: {0}")]
    NotJson(String),
    /// JSON, but not of the documented shape.
    #[error("the body is not a {provider} status webhook: {why}")]
    Shape {
        /// The provider's name.
        provider: &'static str,
        /// What is missing or wrong.
        why: &'static str,
    },
}

/// How a provider's status webhook proves it comes from the provider.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signing {
    /// Meta's `X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the raw body with the App
    /// Secret>` on every POST, after a `GET` handshake echoing `hub.challenge` for the verify
    /// token ([`super::meta::signature`]).
    Meta,
    /// Nothing documented: the provider is configured to send a shared secret herald checks (a
    /// header it lets you set, or a secret path segment).
    SharedSecret,
}

/// A provider's status webhook, when it documents one.
#[derive(Debug, Clone, Copy)]
pub struct StatusWebhook {
    /// How its posts are authenticated.
    pub signing: Signing,
    /// Where its docs say the receiver is configured, for the README and `herald listen`.
    pub configure: &'static str,
    /// Reads one post's body into its status events.
    pub read: fn(&[u8]) -> Result<Vec<StatusEvent>, WebhookError>,
    /// One post as the provider sends it for these events of one account (what the sandbox
    /// posts); reading it back gives the same events.
    pub post: fn(&[StatusEvent]) -> Vec<u8>,
    /// Whether it reports `sent` (handed to WhatsApp) before delivery.
    pub reports_sent: bool,
    /// Whether a message delivered and read at the same moment gets only `read` (Meta: "the
    /// 'delivered' webhook is not sent").
    pub read_alone: bool,
    /// The failures it reports after accepting a message, as its posts carry them (what the
    /// sandbox imitates); reading a post gives the same code and words.
    pub failures: &'static [AsyncFailure],
}

/// A failure a provider reports after it accepted the message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AsyncFailure {
    /// The provider's code (`131026`), when its posts carry one.
    pub code: Option<&'static str>,
    /// Its words, as read back from its post.
    pub message: &'static str,
}

impl AsyncFailure {
    /// The failure as a [`ProviderError`].
    pub fn error(&self) -> ProviderError {
        ProviderError::new(self.code.map(str::to_string), self.message)
    }
}

/// The body as JSON, or why not.
pub(super) fn json(body: &[u8]) -> Result<Value, WebhookError> {
    serde_json::from_slice(body).map_err(|e| WebhookError::NotJson(e.to_string()))
}

/// A timestamp in Unix seconds, as a string or a number (Meta sends strings).
pub(super) fn unix_seconds(v: Option<&Value>) -> Option<jiff::Timestamp> {
    let secs = match v? {
        Value::String(s) => s.trim().parse::<i64>().ok()?,
        Value::Number(n) => n.as_i64()?,
        _ => return None,
    };
    jiff::Timestamp::from_second(secs).ok()
}

/// The string at `pointer`, trimmed, when it is one and not blank.
pub(super) fn text<'a>(v: &'a Value, pointer: &str) -> Option<&'a str> {
    v.pointer(pointer).and_then(Value::as_str).map(str::trim).filter(|s| !s.is_empty())
}

/// A code at `pointer`, as a number or a string.
pub(super) fn code(v: &Value, pointer: &str) -> Option<String> {
    match v.pointer(pointer)? {
        Value::Number(n) => Some(n.to_string()),
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
        _ => None,
    }
}

/// An RFC 3339 timestamp (FlowIQ's `2026-03-07T00:00:00.000Z`).
pub(super) fn rfc3339(v: Option<&Value>) -> Option<jiff::Timestamp> {
    v?.as_str()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn times_are_read_in_the_shapes_providers_send() {
        assert_eq!(unix_seconds(Some(&json!("1749416383"))), jiff::Timestamp::from_second(1_749_416_383).ok());
        assert_eq!(unix_seconds(Some(&json!(1_749_416_383))), jiff::Timestamp::from_second(1_749_416_383).ok());
        assert_eq!(unix_seconds(Some(&json!("soon"))), None);
        assert_eq!(rfc3339(Some(&json!("2026-03-07T00:00:00.000Z"))), "2026-03-07T00:00:00Z".parse().ok());
        assert_eq!(rfc3339(Some(&json!(5))), None);
        assert!(matches!(json(b"{"), Err(WebhookError::NotJson(_))));
    }
}
