//! A lane's last request line and headers, as reqwest takes them: the URL parsed and the
//! headers checked (the secret joined in) once, not for every request. A campaign's requests
//! mostly share both (one endpoint, one token), so each request after the first reuses them
//! while its URL, headers and secret are the same (reqwest still parses the URL twice more
//! inside, as it does for any client).

use super::transport::{FailureKind, NetworkFailure, Wire};
use crate::request::Header;
use crate::secret::Secret;
use reqwest::Url;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use std::sync::{Mutex, PoisonError};

/// What a lane last sent to, reused while requests go to the same place.
#[derive(Default)]
pub struct Prepared {
    last: Mutex<Option<Entry>>,
}

struct Entry {
    url: String,
    headers: Vec<Header>,
    secret: Secret,
    parsed: Option<Url>,
    map: HeaderMap,
}

impl Prepared {
    /// The URL (`None` when it does not parse: reqwest then says why as it always did) and
    /// headers for `wire`, or why the headers cannot be sent.
    pub fn get(&self, wire: &Wire, secret: &Secret) -> Result<(Option<Url>, HeaderMap), NetworkFailure> {
        let mut last = self.last.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(e) = last.as_ref().filter(|e| e.url == wire.url && e.headers == wire.headers && e.secret == *secret)
        {
            return Ok((e.parsed.clone(), e.map.clone()));
        }
        let map = headers(&wire.headers, secret)?;
        let parsed = Url::parse(&wire.url).ok();
        *last = Some(Entry {
            url: wire.url.clone(),
            headers: wire.headers.clone(),
            secret: secret.clone(),
            parsed: parsed.clone(),
            map: map.clone(),
        });
        Ok((parsed, map))
    }
}

/// The headers as HTTP carries them, the secret joined in and marked sensitive.
fn headers(headers: &[Header], secret: &Secret) -> Result<HeaderMap, NetworkFailure> {
    let mut map = HeaderMap::with_capacity(headers.len());
    for h in headers {
        let name = HeaderName::from_bytes(h.name.as_bytes());
        let value = HeaderValue::from_str(&h.with_secret(secret.expose()));
        let (Ok(name), Ok(mut value)) = (name, value) else {
            let detail = format!("the {} header holds characters HTTP cannot carry", h.name);
            return Err(NetworkFailure { kind: FailureKind::Connect, detail });
        };
        value.set_sensitive(h.secret);
        map.insert(name, value);
    }
    Ok(map)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wire(url: &str, token_prefix: &str) -> Wire {
        let headers = vec![
            Header { name: "Authorization", value: token_prefix.into(), secret: true },
            Header { name: "Content-Type", value: "application/json".into(), secret: false },
        ];
        Wire { url: url.into(), headers, body: bytes::Bytes::new() }
    }

    #[test]
    fn each_request_gets_its_own_url_headers_and_secret_even_after_another_was_reused() {
        let prepared = Prepared::default();
        let (a, b) = (wire("http://127.0.0.1:9/a", "Bearer "), wire("http://127.0.0.1:9/b", "Bearer "));
        let (one, two) = (Secret::new("one"), Secret::new("two"));
        for (w, s, path, auth) in [
            (&a, &one, "/a", "Bearer one"),
            (&a, &one, "/a", "Bearer one"),
            (&b, &one, "/b", "Bearer one"),
            (&b, &two, "/b", "Bearer two"),
            (&wire("http://127.0.0.1:9/b", "Key "), &two, "/b", "Key two"),
        ] {
            let (url, map) = prepared.get(w, s).unwrap();
            assert_eq!(url.unwrap().path(), path);
            assert_eq!(map["authorization"], auth);
            assert!(map["authorization"].is_sensitive());
            assert_eq!(map["content-type"], "application/json");
        }
    }

    #[test]
    fn a_url_that_does_not_parse_is_left_to_reqwest_and_bad_headers_are_refused() {
        let prepared = Prepared::default();
        let (url, _) = prepared.get(&wire("not a url", "Bearer "), &Secret::new("s")).unwrap();
        assert!(url.is_none());
        let bad = prepared.get(&wire("http://127.0.0.1:9/", "Bearer \n"), &Secret::new("s")).unwrap_err();
        assert!(bad.detail.contains("the Authorization header holds characters HTTP cannot carry"), "{bad}");
    }
}
