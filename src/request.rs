//! The HTTP request herald sends for one recipient. It never holds the secret: the auth header
//! carries only its fixed prefix, and the token is joined in at the moment of sending, so
//! previews, reports and the journal cannot leak it.

use serde_json::{Map, Value};

/// One HTTP request, as the provider mapping produced it.
#[derive(Debug, Clone, PartialEq)]
pub struct HttpRequest {
    /// `POST` for every send; `GET` for a status read from an endpoint documented that way
    /// (the Cloud API's `message_history`).
    pub method: &'static str,
    /// Absolute URL including any query string.
    pub url: String,
    /// Every header herald sends, in order.
    pub headers: Vec<Header>,
    /// The JSON body.
    pub body: Value,
}

/// One header. When `secret` is set, `value` is only the part before the secret (for example
/// `Bearer `) and the secret itself is appended when the request is sent.
#[derive(Debug, Clone, PartialEq)]
pub struct Header {
    /// Header name as the provider documents it.
    pub name: &'static str,
    /// The value, or the prefix of a secret value.
    pub value: String,
    /// Whether the secret follows `value`.
    pub secret: bool,
}

/// The placeholder shown wherever a secret would be.
pub const REDACTED: &str = "***";

impl Header {
    /// The value with the secret replaced by `***`.
    pub fn redacted(&self) -> String {
        if self.secret { format!("{}{REDACTED}", self.value) } else { self.value.clone() }
    }

    /// The value with the secret filled in.
    pub fn with_secret(&self, secret: &str) -> String {
        if self.secret { format!("{}{secret}", self.value) } else { self.value.clone() }
    }
}

impl HttpRequest {
    /// A JSON `POST` with the standard headers and the provider's auth header.
    pub fn post_json(url: String, auth: Auth, body: Value) -> HttpRequest {
        HttpRequest {
            method: "POST",
            url,
            headers: vec![
                Header { name: auth.header, value: auth.prefix.to_string(), secret: true },
                Header { name: "Content-Type", value: "application/json".into(), secret: false },
                Header { name: "User-Agent", value: user_agent(), secret: false },
            ],
            body,
        }
    }

    /// A `GET` with the provider's auth header and herald's `User-Agent`, and no body (`Null`).
    pub fn get(url: String, auth: Auth) -> HttpRequest {
        HttpRequest {
            method: "GET",
            url,
            headers: vec![
                Header { name: auth.header, value: auth.prefix.to_string(), secret: true },
                Header { name: "User-Agent", value: user_agent(), secret: false },
            ],
            body: Value::Null,
        }
    }

    /// Headers as a JSON object with secrets redacted, as previews and reports show them.
    pub fn redacted_headers(&self) -> Map<String, Value> {
        self.headers.iter().map(|h| (h.name.to_string(), Value::String(h.redacted()))).collect()
    }
}

/// How a provider authenticates: which header carries the key, and what precedes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Auth {
    /// Header name, e.g. `Authorization` or `X-API-KEY`.
    pub header: &'static str,
    /// Fixed text before the key, e.g. `Bearer `; empty for a bare key.
    pub prefix: &'static str,
}

/// The `User-Agent` herald sends.
pub fn user_agent() -> String {
    format!("herald/{}", env!("CARGO_PKG_VERSION"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_redacted_but_can_be_filled_in() {
        let r = HttpRequest::post_json(
            "https://x/y".into(),
            Auth { header: "Authorization", prefix: "Bearer " },
            Value::Null,
        );
        assert_eq!(r.headers[0].redacted(), "Bearer ***");
        assert_eq!(r.headers[0].with_secret("tok"), "Bearer tok");
        assert_eq!(r.redacted_headers()["Content-Type"], "application/json");
    }
}
