//! One HTTP answer the sandbox gives: a status, a JSON body in the provider's own shape, and
//! `Retry-After` on throttling.

use http_body_util::Full;
use hyper::Response;
use hyper::body::Bytes;
use hyper::header::{CONTENT_TYPE, HeaderValue, RETRY_AFTER};
use serde_json::Value;

/// An answer, before it becomes a hyper response.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Reply {
    /// HTTP status.
    pub status: u16,
    /// The body.
    pub body: Body,
    /// Seconds for a `Retry-After` header.
    pub retry_after: Option<u64>,
}

/// A reply body.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Body {
    /// JSON, as every provider answers.
    Json(Value),
    /// Plain text, for paths that belong to no provider.
    Text(&'static str),
}

impl Reply {
    /// A JSON answer.
    pub(crate) fn json(status: u16, body: Value) -> Reply {
        Reply { status, body: Body::Json(body), retry_after: None }
    }

    /// A bare `404 Not Found` for a path outside every provider's prefix.
    pub(crate) fn plain_not_found() -> Reply {
        Reply { status: 404, body: Body::Text("Not Found\n"), retry_after: None }
    }

    /// Adds `Retry-After: secs`.
    pub(crate) fn retry_after(mut self, secs: u64) -> Reply {
        self.retry_after = Some(secs);
        self
    }

    /// The JSON body, if any.
    #[cfg(test)]
    pub(crate) fn json_body(&self) -> Option<&Value> {
        match &self.body {
            Body::Json(v) => Some(v),
            Body::Text(_) => None,
        }
    }

    /// The hyper response.
    pub(crate) fn into_response(self) -> Response<Full<Bytes>> {
        let (content_type, bytes) = match self.body {
            Body::Json(v) => ("application/json; charset=utf-8", Bytes::from(v.to_string())),
            Body::Text(t) => ("text/plain; charset=utf-8", Bytes::from_static(t.as_bytes())),
        };
        let mut response = Response::new(Full::new(bytes));
        *response.status_mut() = hyper::StatusCode::from_u16(self.status).unwrap_or(hyper::StatusCode::OK);
        let headers = response.headers_mut();
        headers.insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
        if let Some(secs) = self.retry_after {
            headers.insert(RETRY_AFTER, HeaderValue::from(secs));
        }
        response
    }
}
