//! What the sandbox knows about one provider's HTTP API: its routes, its auth check, and how it
//! words success and errors, among them a body that breaks the endpoint's contract (the body
//! itself is checked against the contract by the server). One implementation per provider, in
//! its folder (`providers/<name>/imitation.rs`).

use super::ids::Ids;
use super::reply::Reply;
use super::templates::Templates;
use crate::providers::ProviderKind;
use crate::providers::contract::Violation;
use hyper::HeaderMap;
use serde_json::Value;

/// A matched route.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Endpoint {
    /// The route's name (`text`, `sendMedia`, `messages`, …).
    pub name: &'static str,
    /// The account in the path or query (instance, channel id, phone number id, tenant id),
    /// empty when the provider puts it in the body or it is missing.
    pub account: String,
}

impl Endpoint {
    /// A route with no account in the path.
    pub(crate) fn bare(name: &'static str) -> Endpoint {
        Endpoint { name, account: String::new() }
    }
}

/// One provider's API, as the sandbox imitates it.
pub(crate) trait Api: Sync {
    /// The one token it accepts.
    fn token(&self) -> &'static str;

    /// What follows the prefix in the campaign's `base_url` (Cloud API: `/v23.0`).
    fn base_path(&self) -> &'static str {
        ""
    }

    /// The endpoint at `path` (everything after the provider prefix) with `query`.
    fn route(&self, path: &str, query: &str) -> Option<Endpoint>;

    /// Checks the credentials; with `reject` set, refuses even the right ones.
    fn authorize(&self, headers: &HeaderMap, reject: bool) -> Result<(), Reply>;

    /// The provider's refusal of a request to `endpoint` that names no account where the
    /// provider needs one outside the body (FlowIQ's `tenantId` query parameter). By default
    /// there is none: a path without its account is not a route.
    fn unaddressed(&self, _endpoint: &Endpoint) -> Option<Reply> {
        None
    }

    /// The answer to a read of the account (its templates, its sender) at `path` (after the
    /// base path) with `query`, when the request is one; the caller has checked the
    /// credentials. By default the imitation has none.
    fn account(&self, _method: &str, _path: &str, _query: &str, _templates: &Templates) -> Option<Reply> {
        None
    }

    /// The provider's refusal of a send to `endpoint` whose body (valid by the contract) names a
    /// template the account does not hold as sent. By default nothing is checked.
    fn refuse_template(&self, _endpoint: &Endpoint, _body: &Value, _templates: &Templates) -> Option<Reply> {
        None
    }

    /// The provider's answer to an unknown path or method.
    fn not_found(&self, method: &str, path: &str) -> Reply;

    /// The provider's answer to a body that is not JSON at all.
    fn malformed(&self, why: &str) -> Reply;

    /// The provider's internal-error answer.
    fn server_error(&self) -> Reply;

    /// The provider's throttling answer (the caller adds `Retry-After`).
    fn throttled(&self) -> Reply;

    /// The provider's permanent refusal of one recipient (not on WhatsApp, not a contact): what
    /// herald records as failed for that recipient and sends on.
    fn refused(&self, recipient: &str) -> Reply;

    /// The recipient as written in the body, best effort (the body may be invalid).
    fn recipient(&self, endpoint: &Endpoint, body: &Value) -> String;

    /// The provider's answer to a body that breaks the endpoint's contract: the first of
    /// `violations` (never empty), or every one where the real API lists several, in its own
    /// error shape and words.
    fn invalid(&self, endpoint: &Endpoint, violations: &[Violation]) -> Reply;

    /// The success answer and the message id it carries.
    fn accept(&self, endpoint: &Endpoint, body: &Value, ids: &Ids) -> (Reply, Option<String>);
}

/// The provider served under `/{prefix}`, where the prefix is its campaign name.
pub(crate) fn by_prefix(prefix: &str) -> Option<ProviderKind> {
    ProviderKind::named(prefix)
}

/// The API for `kind`.
pub(crate) fn api(kind: ProviderKind) -> &'static dyn Api {
    kind.imitation()
}

/// The value of header `name` as text, if present and readable.
pub(crate) fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// Whether header `name` carries exactly `token`.
pub(crate) fn key_matches(headers: &HeaderMap, name: &str, token: &str) -> bool {
    header(headers, name) == Some(token)
}

/// The token after `Bearer ` in `Authorization`, if the header has that form.
pub(crate) fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = header(headers, "authorization")?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then_some(token.trim())
}

/// The `name` parameter of a query string, percent-decoded.
pub(crate) fn query_param(query: &str, name: &str) -> Option<String> {
    query.split('&').filter_map(|pair| pair.split_once('=')).find(|(k, _)| *k == name).map(|(_, v)| percent_decode(v))
}

/// Undoes `%XX` escapes (and `+` for space in queries is left alone: herald never sends it).
pub(crate) fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| char::from(b).to_digit(16);
        match (bytes[i], bytes.get(i + 1).copied().and_then(hex), bytes.get(i + 2).copied().and_then(hex)) {
            (b'%', Some(h), Some(l)) => {
                out.push((h * 16 + l) as u8);
                i += 3;
            }
            (b, _, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Whether `s` is one or more ASCII digits.
pub(crate) fn is_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

/// `s` without anything but its digits (`+254 712` → `254712`).
pub(crate) fn digits_of(s: &str) -> String {
    s.chars().filter(char::is_ascii_digit).collect()
}

/// Seconds since the Unix epoch.
pub(crate) fn unix_now() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn helpers() {
        assert_eq!(query_param("a=1&tenantId=my%20org", "tenantId").as_deref(), Some("my org"));
        assert_eq!(query_param("tenantId", "tenantId"), None);
        assert_eq!(percent_decode("my%20shop%2F1%zz"), "my shop/1%zz");
        assert!(is_digits("0123") && !is_digits("") && !is_digits("+1"));
        assert_eq!(digits_of("+254 712-345"), "254712345");
        let mut headers = HeaderMap::new();
        headers.insert("authorization", "bearer  abc".parse().unwrap());
        assert_eq!(bearer(&headers), Some("abc"));
        for &kind in ProviderKind::ALL {
            assert_eq!(by_prefix(kind.as_str()), Some(kind));
        }
        assert!(by_prefix("twilio").is_none());
    }
}
