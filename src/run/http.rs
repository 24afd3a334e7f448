//! The real transport: a reqwest client per lane (rustls with bundled web roots, so a host
//! without CA files still works; connection reuse; explicit timeouts; redirects never followed).
//! A provider is a server herald does not control, so its answer is read up to
//! [`MAX_ANSWER`] bytes, and the request timeout runs until the last of them has arrived.

use super::prepared::Prepared;
use super::transport::{Attempt, FailureKind, NetworkFailure, Transport, Wire};
use crate::error::ClientError;
use crate::request::HttpRequest;
use crate::secret::Secret;
use std::sync::Arc;
use std::time::Duration;

/// The most of an answer's body that is read; the rest is cut off. Providers answer a send
/// in a few hundred bytes.
pub const MAX_ANSWER: usize = 1 << 20;

/// Sends over the network, with a client (and so a connection pool) per lane.
pub struct Http {
    clients: Vec<reqwest::Client>,
    /// Each lane's last URL and headers, as reqwest takes them.
    prepared: Vec<Prepared>,
}

impl Http {
    /// Clients for a run: `timeout` per request, pools sized for `concurrency` workers.
    pub fn new(timeout: Duration, concurrency: usize) -> Result<Http, ClientError> {
        if let Some(limit) = super::open_files::make_room(concurrency) {
            tracing::warn!(
                limit,
                concurrency,
                "the open-file limit is below `delivery.concurrency`; raise it (`ulimit -n`) or lower the concurrency"
            );
        }
        let lanes = super::lanes::count(concurrency);
        let clients = (0..lanes).map(|_| client(timeout, concurrency.div_ceil(lanes))).collect::<Result<_, _>>()?;
        Ok(Http { clients, prepared: (0..lanes).map(|_| Prepared::default()).collect() })
    }
}

/// One client: rustls with the bundled web roots, no redirects, explicit timeouts (a lane's,
/// and `herald track`'s for its polls).
pub fn client(timeout: Duration, pool: usize) -> Result<reqwest::Client, ClientError> {
    {
        let mut roots = rustls::RootCertStore::empty();
        roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let tls = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()?
            .with_root_certificates(roots)
            .with_no_client_auth();
        Ok(reqwest::Client::builder()
            .tls_backend_preconfigured(tls)
            // Never follow a redirect: it would turn the POST into a GET (counted as delivered)
            // and carry API-key headers to another host.
            .redirect(reqwest::redirect::Policy::none())
            .timeout(timeout)
            .connect_timeout(timeout.min(Duration::from_secs(10)))
            .pool_max_idle_per_host(pool.max(1))
            .user_agent(crate::request::user_agent())
            .build()?)
    }
}

impl Transport for Http {
    fn lanes(&self) -> usize {
        self.clients.len()
    }

    async fn send(&self, lane: usize, wire: &Wire, secret: &Secret) -> Attempt {
        let (Some(client), Some(prepared)) = (self.clients.get(lane), self.prepared.get(lane)) else {
            let detail = format!("herald has no connection pool for lane {lane} (a bug: please report it)");
            return Attempt::NotSent(NetworkFailure { kind: FailureKind::Connect, detail });
        };
        let (url, headers) = match prepared.get(wire, secret) {
            Ok(got) => got,
            Err(failure) => return Attempt::NotSent(failure),
        };
        let builder = match url {
            Some(url) => client.post(url),
            // reqwest says why it does not parse.
            None => client.post(&wire.url),
        };
        let sent = builder.headers(headers).body(wire.body.clone()).send().await;
        match sent {
            Ok(response) => {
                let status = response.status().as_u16();
                let retry_after =
                    response.headers().get("retry-after").and_then(|v| v.to_str().ok()).and_then(parse_retry_after);
                match read_capped(response).await {
                    Ok(body) => Attempt::Answered { status, retry_after, body },
                    Err(e) if e.is_timeout() => Attempt::Ambiguous(failure(&e, FailureKind::Timeout)),
                    Err(e) => Attempt::Ambiguous(failure(&e, FailureKind::NoAnswer)),
                }
            }
            Err(e) if e.is_connect() || e.is_builder() => Attempt::NotSent(failure(&e, FailureKind::Connect)),
            Err(e) if e.is_timeout() => Attempt::Ambiguous(failure(&e, FailureKind::Timeout)),
            Err(e) => Attempt::Ambiguous(failure(&e, FailureKind::NoAnswer)),
        }
    }
}

/// The answer's body, cut off after [`MAX_ANSWER`] bytes: what follows is not read, so the
/// classifier sees a body it cannot parse, as it would any unreadable answer. The client's
/// timeout covers this read, so a server that trickles bytes is cut off too.
async fn read_capped(mut response: reqwest::Response) -> Result<bytes::Bytes, reqwest::Error> {
    let mut body = bytes::BytesMut::new();
    while let Some(chunk) = response.chunk().await? {
        let room = MAX_ANSWER - body.len();
        if chunk.len() > room {
            body.extend_from_slice(&chunk[..room]);
            tracing::debug!(limit = MAX_ANSWER, "answer cut off");
            break;
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.freeze())
}

/// A reqwest error in a few words, without the URL (which reports show anyway).
fn failure(e: &reqwest::Error, kind: FailureKind) -> NetworkFailure {
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
    NetworkFailure { kind, detail: text }
}

/// Sends `request` with `token` joined into its auth header; the answer's status,
/// `Retry-After` and body (up to [`MAX_ANSWER`] bytes): one read of an account or a status,
/// outside a run.
pub async fn exchange(
    client: &reqwest::Client,
    request: &HttpRequest,
    token: &Secret,
) -> reqwest::Result<(u16, Option<Duration>, Vec<u8>)> {
    let method = if request.method == "GET" { reqwest::Method::GET } else { reqwest::Method::POST };
    let mut builder = client.request(method, &request.url);
    for header in &request.headers {
        builder = builder.header(header.name, header.with_secret(token.expose()));
    }
    if !request.body.is_null() {
        builder = builder.body(request.body.to_string());
    }
    let response = builder.send().await?;
    let status = response.status().as_u16();
    let retry_after = response.headers().get("retry-after").and_then(|v| v.to_str().ok()).and_then(parse_retry_after);
    Ok((status, retry_after, read_capped(response).await?.to_vec()))
}

/// `Retry-After`: delay-seconds or an HTTP date. Capped at 15 minutes.
pub fn parse_retry_after(v: &str) -> Option<Duration> {
    let v = v.trim();
    let delay = if let Ok(secs) = v.parse::<f64>() {
        (secs.is_finite() && secs >= 0.0).then(|| Duration::from_secs_f64(secs.min(1e9)))?
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

    #[tokio::test]
    async fn a_lane_without_a_pool_is_refused_not_sent_through_another_lane() {
        let http = Http::new(Duration::from_secs(1), 1).unwrap();
        assert_eq!(http.lanes(), 1);
        let wire = Wire { url: "http://127.0.0.1:9/".into(), headers: Vec::new(), body: bytes::Bytes::new() };
        match http.send(1, &wire, &Secret::new("s")).await {
            Attempt::NotSent(f) => assert!(f.detail.contains("no connection pool for lane 1"), "{f}"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn retry_after_reads_seconds_and_dates() {
        assert_eq!(parse_retry_after("7"), Some(Duration::from_secs(7)));
        assert_eq!(parse_retry_after("0.5"), Some(Duration::from_millis(500)));
        assert_eq!(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"), Some(Duration::ZERO));
        assert_eq!(parse_retry_after("99999"), Some(Duration::from_secs(900)));
        assert_eq!(parse_retry_after("1e300"), Some(Duration::from_secs(900)));
        assert_eq!(parse_retry_after("soon"), None);
    }
}
