//! What a provider's answer means: accepted, worth retrying, failed for this recipient, or a
//! reason to stop the whole campaign. Providers classify their own answers (see REFERENCE §9 of
//! the provider digest); network failures are classified by the sender, which alone knows
//! whether the request left the machine.

use serde_json::Value;
use std::time::Duration;

/// An HTTP answer as a classifier sees it.
#[derive(Debug, Clone, Copy)]
pub struct Response<'a> {
    /// HTTP status code.
    pub status: u16,
    /// The `Retry-After` header, parsed.
    pub retry_after: Option<Duration>,
    /// The body, as received.
    pub body: &'a [u8],
    /// How many of the campaign's recipients the request carried: more than one for a batch
    /// (see [`super::Batching`]).
    pub recipients: usize,
}

impl Response<'_> {
    /// The body as JSON, or `Null` when it is not JSON.
    pub fn json(&self) -> Value {
        serde_json::from_slice(self.body).unwrap_or(Value::Null)
    }

    /// The body as text, shortened for reports.
    pub fn text(&self) -> String {
        let s = String::from_utf8_lossy(self.body);
        let s = s.trim();
        if s.chars().count() > 200 { format!("{}…", s.chars().take(200).collect::<String>()) } else { s.to_string() }
    }

    /// Whether the status is 2xx.
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }
}

/// The provider's own words: why a message failed, or a remark on one it took (held for review,
/// how many contacts a tag reached).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderError {
    /// The provider's error code, when it gives one (`131026`, `invalid_api_key`, …).
    pub code: Option<String>,
    /// Its message.
    pub message: String,
}

impl ProviderError {
    /// An error with an optional code.
    pub fn new(code: Option<String>, message: impl Into<String>) -> ProviderError {
        ProviderError { code, message: message.into() }
    }
}

/// What one answer means.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The provider took the message; its id when it returns one.
    Accepted {
        /// The provider's message id (a wamid on Meta-based providers).
        message_id: Option<String>,
        /// What the provider said beyond "taken", for the report (Meta holding the message for a
        /// quality assessment, the number of contacts a tag send was queued for).
        note: Option<ProviderError>,
    },
    /// Transient: the provider did not take it, try again (after `after` when it says).
    Retry {
        /// Why.
        error: ProviderError,
        /// How long the provider asked to wait.
        after: Option<Duration>,
    },
    /// The provider refused it for the pace (the account's throughput, a gateway's "too many
    /// requests"): nothing was taken; try again, and slow the whole campaign down (pausing it
    /// for `after` when the provider says).
    Throttled {
        /// Why.
        error: ProviderError,
        /// How long the provider asked to wait.
        after: Option<Duration>,
    },
    /// Permanent for this recipient: resending the same request cannot succeed.
    Failed(ProviderError),
    /// The answer does not say whether the message was taken (a gateway timeout, an error after
    /// the provider may have queued it): resending could deliver twice.
    Ambiguous(ProviderError),
    /// Campaign-wide: every further request would fail the same way (authentication refused,
    /// channel disconnected, template missing). Stop sending.
    Stop(ProviderError),
}

impl Outcome {
    /// Taken, with nothing more to say.
    pub fn accepted(message_id: Option<String>) -> Outcome {
        Outcome::Accepted { message_id, note: None }
    }
}

/// The usual meaning of a status when the provider documents nothing more specific.
///
/// Every 5xx is ambiguous: no provider's docs say a server error means the message was not
/// processed, and a gateway (502, 504) may have passed the request on before failing, so the
/// message may have gone out and resending could deliver it twice. Only 408, 425 and 429 say
/// the request was not taken and are retried; 429 also slows the campaign down. A redirect means `base_url` points at the wrong
/// place, so it stops the run (herald never follows one: it would turn the POST into a GET and
/// carry the key elsewhere).
pub fn by_status(r: &Response, error: ProviderError) -> Outcome {
    match r.status {
        200..=299 => Outcome::accepted(None),
        300..=399 => Outcome::Stop(ProviderError::new(
            error.code,
            format!("HTTP {}: the provider redirected; check `provider.base_url`", r.status),
        )),
        401 | 403 => Outcome::Stop(error),
        500..=599 => Outcome::Ambiguous(error),
        429 => Outcome::Throttled { error, after: r.retry_after },
        408 | 425 => Outcome::Retry { error, after: r.retry_after },
        _ => Outcome::Failed(error),
    }
}

/// The first string found at any of these JSON pointers, trimmed; blank ones say nothing.
pub fn first_str(v: &Value, pointers: &[&str]) -> Option<String> {
    pointers
        .iter()
        .find_map(|p| v.pointer(p).and_then(Value::as_str).map(str::trim).filter(|s| !s.is_empty()))
        .map(str::to_string)
}

/// A message for a failure: the body's own words, else the status.
pub fn message_or_status(r: &Response, found: Option<String>) -> String {
    found.unwrap_or_else(|| {
        let text = r.text();
        if text.is_empty() { format!("HTTP {}", r.status) } else { format!("HTTP {}: {text}", r.status) }
    })
}
