//! The HTTP side of sending: one reqwest client (rustls with bundled web roots, so a host without
//! CA files still works; connection reuse; explicit timeouts), and one attempt's result sorted by
//! what it means for safety: answered, never left the machine, or left with no answer.

use crate::request::HttpRequest;
use crate::secret::Secret;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The result of one attempt on the wire.
#[derive(Debug)]
pub enum Attempt {
    /// The provider answered.
    Answered {
        /// HTTP status.
        status: u16,
        /// `Retry-After`, parsed.
        retry_after: Option<Duration>,
        /// The body.
        body: Vec<u8>,
    },
    /// The request never left (connection refused, DNS, TLS handshake, connect timeout): safe to
    /// retry.
    NotSent(String),
    /// The request may have reached the provider but no answer came (timeout waiting, connection
    /// reset): resending could deliver twice.
    Ambiguous(String),
}

/// Builds the client shared by every request of a run.
pub fn client(timeout: Duration, concurrency: usize) -> Result<reqwest::Client, String> {
    let mut roots = rustls::RootCertStore::empty();
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let tls = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .with_root_certificates(roots)
        .with_no_client_auth();
    reqwest::Client::builder()
        .tls_backend_preconfigured(tls)
        // Never follow a redirect: it would turn the POST into a GET (counted as delivered)
        // and carry API-key headers to another host.
        .redirect(reqwest::redirect::Policy::none())
        .timeout(timeout)
        .connect_timeout(timeout.min(Duration::from_secs(10)))
        .pool_max_idle_per_host(concurrency.max(1))
        .user_agent(crate::request::user_agent())
        .build()
        .map_err(|e| format!("cannot start the HTTP client: {e}"))
}

/// Sends `request` with the secret filled in.
pub async fn attempt(client: &reqwest::Client, request: &HttpRequest, secret: &Secret) -> (Attempt, Duration) {
    let started = Instant::now();
    let mut builder = client.post(&request.url).body(request.body.to_string());
    for h in &request.headers {
        builder = builder.header(h.name, h.with_secret(secret.expose()));
    }
    let result = match builder.send().await {
        Ok(response) => {
            let status = response.status().as_u16();
            let retry_after =
                response.headers().get("retry-after").and_then(|v| v.to_str().ok()).and_then(parse_retry_after);
            match response.bytes().await {
                Ok(body) => Attempt::Answered { status, retry_after, body: body.to_vec() },
                Err(e) => Attempt::Ambiguous(format!("the answer was cut off: {}", describe(&e))),
            }
        }
        Err(e) if e.is_connect() || e.is_builder() => Attempt::NotSent(describe(&e)),
        Err(e) => Attempt::Ambiguous(describe(&e)),
    };
    (result, started.elapsed())
}

/// A reqwest error in a few words, without the URL (which reports show anyway).
fn describe(e: &reqwest::Error) -> String {
    let mut text = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "could not connect"
    } else if e.is_body() || e.is_decode() {
        "the answer was cut off"
    } else {
        "the request failed"
    }
    .to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        let s_text = s.to_string();
        if !text.contains(&s_text) {
            text = format!("{text}: {s_text}");
        }
        source = s.source();
    }
    text
}

/// `Retry-After`: delay-seconds or an HTTP date. Capped at 15 minutes.
pub fn parse_retry_after(v: &str) -> Option<Duration> {
    let v = v.trim();
    let delay = if let Ok(secs) = v.parse::<f64>() {
        (secs.is_finite() && secs >= 0.0).then(|| Duration::from_secs_f64(secs))?
    } else {
        let at = jiff::fmt::rfc2822::parse(v).ok()?.timestamp();
        let secs = at.as_second() - jiff::Timestamp::now().as_second();
        Duration::from_secs(secs.max(0) as u64)
    };
    Some(delay.min(Duration::from_secs(15 * 60)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_reads_seconds_and_dates() {
        assert_eq!(parse_retry_after("7"), Some(Duration::from_secs(7)));
        assert_eq!(parse_retry_after("0.5"), Some(Duration::from_millis(500)));
        assert_eq!(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"), Some(Duration::ZERO));
        assert_eq!(parse_retry_after("99999"), Some(Duration::from_secs(900)));
        assert_eq!(parse_retry_after("soon"), None);
    }
}
