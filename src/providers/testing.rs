//! Shared fixtures for the providers' golden tests.

use super::{Finding, Outgoing, Provider, Settings, Target};
use crate::message::{Media, MediaKind, Message};
use crate::phone::Phone;
use crate::request::{HttpRequest, user_agent};
use serde_json::Value;

/// The recipient every golden test sends to.
pub fn to() -> Target {
    Target::Phone(Phone::from_e164_unchecked("+254712345678"))
}

/// The provider's default base URL (or an example host) and `account`.
pub fn settings(provider: &dyn Provider, account: &str) -> Settings {
    let base_url = provider.default_base_url().unwrap_or("https://evo.example.com").to_string();
    Settings { base_url, account: account.into() }
}

/// A message without metadata.
pub fn out(message: Message) -> Outgoing {
    Outgoing { message, metadata: None }
}

/// A media message with only the URL set.
pub fn media(kind: MediaKind, url: &str) -> Media {
    Media {
        kind,
        url: url.into(),
        caption: None,
        filename: None,
        mime_type: None,
        mime_type_explicit: false,
        view_once: None,
    }
}

/// What `check` says about `out`.
pub fn findings(provider: &dyn Provider, out: &Outgoing) -> Vec<Finding> {
    let mut findings = Vec::new();
    provider.check(out, &mut findings);
    findings
}

/// Builds the request after asserting that `check` has nothing to say about `out`.
pub fn build_clean(provider: &dyn Provider, settings: &Settings, to: &Target, out: &Outgoing) -> HttpRequest {
    assert_eq!(findings(provider, out), [], "a golden message must pass check");
    provider.build(settings, to, out).expect("a golden message is supported")
}

/// Asserts a JSON POST to `url` with the auth header `(name, redacted value)` and `body`.
#[track_caller]
pub fn assert_request(request: &HttpRequest, url: &str, auth: (&str, &str), body: Value) {
    assert_eq!(request.method, "POST");
    assert_eq!(request.url, url);
    let headers: Vec<(&str, String)> = request.headers.iter().map(|h| (h.name, h.redacted())).collect();
    let expected = vec![
        (auth.0, auth.1.to_string()),
        ("Content-Type", "application/json".to_string()),
        ("User-Agent", user_agent()),
    ];
    assert_eq!(headers, expected);
    assert_eq!(request.body, body);
}
