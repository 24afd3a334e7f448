//! The listener's HTTP server (hyper, HTTP/1.1): accepts connections until stopped, and
//! answers each request by its [`super::routes::route`]. A webhook post goes: provider with a
//! status webhook → its secret configured → body within [`super::BODY_LIMIT`] → authenticated
//! (else 401, never read) → read (else 400) → stored (else 503) → 200.

use super::auth::{Keys, Refusal, SECRET_HEADER, SIGNATURE_HEADER};
use super::metrics::Metrics;
use super::routes::{Route, route};
use super::sink::Sink;
use crate::providers::ProviderKind;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::{Bytes, Incoming};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinSet;

/// A running listener.
pub struct Listener {
    addr: SocketAddr,
    stop: watch::Sender<bool>,
    serving: tokio::task::JoinHandle<()>,
    metrics: Arc<Metrics>,
}

struct Shared<S> {
    keys: Keys,
    sink: S,
    metrics: Arc<Metrics>,
}

impl Listener {
    /// Starts listening on `listener` (already bound), storing into `sink`.
    pub fn start<S: Sink>(listener: TcpListener, keys: Keys, sink: S) -> std::io::Result<Listener> {
        let addr = listener.local_addr()?;
        let metrics = Arc::new(Metrics::default());
        let shared = Arc::new(Shared { keys, sink, metrics: metrics.clone() });
        let (stop, stopped) = watch::channel(false);
        let serving = tokio::spawn(accept(listener, shared, stopped));
        Ok(Listener { addr, stop, serving, metrics })
    }

    /// Where it listens.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Its counters.
    pub fn metrics(&self) -> &Metrics {
        &self.metrics
    }

    /// Stops accepting, lets the requests under way finish (closing kept-alive connections
    /// after them), and returns once they have.
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        let _ = self.serving.await;
    }
}

/// The most connections served at once: a provider posts over a few dozen; beyond this the
/// next waits in the kernel's backlog until one closes, so idle clients cannot exhaust memory
/// or descriptors.
const CONNECTIONS: usize = 1024;

/// How long a connection may take to send a request's headers (and so how long an idle
/// kept-alive connection is held).
const HEADER_TIME: std::time::Duration = std::time::Duration::from_secs(30);

async fn accept<S: Sink>(listener: TcpListener, shared: Arc<Shared<S>>, mut stop: watch::Receiver<bool>) {
    let mut connections = JoinSet::new();
    let slots = Arc::new(tokio::sync::Semaphore::new(CONNECTIONS));
    loop {
        tokio::select! {
            accepted = async {
                let slot = slots.clone().acquire_owned().await;
                (slot, listener.accept().await)
            } => {
                let (Ok(slot), Ok((stream, _))) = accepted else {
                    // Out of descriptors and the like: back off briefly and keep serving.
                    tokio::time::sleep(std::time::Duration::from_millis(10)).await;
                    continue;
                };
                let (shared, mut stop) = (shared.clone(), stop.clone());
                connections.spawn(async move {
                    let _slot = slot;
                    let service = service_fn(move |request| answer(shared.clone(), request));
                    let connection = http1::Builder::new()
                        .timer(hyper_util::rt::TokioTimer::new())
                        .header_read_timeout(HEADER_TIME)
                        .serve_connection(TokioIo::new(stream), service);
                    tokio::pin!(connection);
                    tokio::select! {
                        _ = connection.as_mut() => {}
                        // A kept-alive connection ends after the request under way, if any.
                        () = stopped(&mut stop) => {
                            connection.as_mut().graceful_shutdown();
                            let _ = connection.await;
                        }
                    }
                });
            }
            () = stopped(&mut stop) => break,
        }
        while connections.try_join_next().is_some() {}
    }
    drop(listener);
    while connections.join_next().await.is_some() {}
}

/// Resolves once the listener is told to stop (or its handle is gone).
async fn stopped(stop: &mut watch::Receiver<bool>) {
    let _ = stop.wait_for(|s| *s).await;
}

fn reply(status: StatusCode, body: impl Into<Bytes>) -> Result<Response<Full<Bytes>>, Infallible> {
    let mut response = Response::new(Full::new(body.into()));
    *response.status_mut() = status;
    Ok(response)
}

async fn answer<S: Sink>(
    shared: Arc<Shared<S>>,
    request: Request<Incoming>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let (method, path) = (request.method().clone(), request.uri().path().to_string());
    let (kind, path_secret) = match (route(&path), &method) {
        (Route::Health, &Method::GET) => return reply(StatusCode::OK, "ok\n"),
        (Route::Metrics, &Method::GET) => {
            return reply(StatusCode::OK, shared.metrics.render() + &shared.sink.metrics());
        }
        (Route::Webhook(kind, secret), &Method::GET | &Method::POST) => (kind, secret.map(str::to_string)),
        (Route::Unknown, _) => return reply(StatusCode::NOT_FOUND, "no such path\n"),
        _ => return reply(StatusCode::METHOD_NOT_ALLOWED, "method not allowed\n"),
    };
    let id = kind.provider().info().id;
    let Some(webhook) = kind.provider().status_webhook() else {
        return reply(StatusCode::NOT_FOUND, format!("{id} documents no status webhook\n"));
    };
    if !shared.keys.configured(webhook.signing) {
        refused(&shared.metrics, id, Refusal::Off.reason());
        return reply(StatusCode::NOT_FOUND, format!("{id}'s webhook is not configured on this listener\n"));
    }
    if method == Method::GET {
        // Meta's handshake; nobody else sends one.
        if webhook.signing != crate::providers::Signing::Meta {
            return reply(StatusCode::METHOD_NOT_ALLOWED, "method not allowed\n");
        }
        return match shared.keys.handshake(request.uri().query().unwrap_or_default()) {
            Ok(challenge) if webhook.signing == crate::providers::Signing::Meta => reply(StatusCode::OK, challenge),
            Ok(_) => reply(StatusCode::METHOD_NOT_ALLOWED, "method not allowed\n"),
            Err(refusal) => {
                refused(&shared.metrics, id, refusal.reason());
                reply(StatusCode::FORBIDDEN, "the verify token does not match\n")
            }
        };
    }
    let header = |name: &str| request.headers().get(name).and_then(|v| v.to_str().ok()).map(str::to_string);
    let (signature, secret_header) = (header(SIGNATURE_HEADER), header(SECRET_HEADER));
    let declared = header("content-length").and_then(|n| n.parse::<u64>().ok());
    if declared.is_some_and(|n| n > super::BODY_LIMIT as u64) {
        // Refused before a byte of it is read.
        refused(&shared.metrics, id, "too_large");
        return reply(StatusCode::PAYLOAD_TOO_LARGE, "the body is too large\n");
    }
    if webhook.signing == crate::providers::Signing::SharedSecret {
        // The secret is in the path or a header: checked before a byte of the body is read.
        let checked = shared.keys.check(webhook.signing, &[], None, path_secret.as_deref(), secret_header.as_deref());
        if let Err(refusal) = checked {
            refused(&shared.metrics, id, refusal.reason());
            return reply(StatusCode::UNAUTHORIZED, "not authenticated\n");
        }
    }
    let collected = tokio::time::timeout(BODY_TIME, Limited::new(request.into_body(), super::BODY_LIMIT).collect());
    let body = match collected.await {
        Ok(Ok(body)) => body.to_bytes(),
        Ok(Err(_)) => {
            refused(&shared.metrics, id, "too_large");
            return reply(StatusCode::PAYLOAD_TOO_LARGE, "the body is too large or was cut\n");
        }
        Err(_) => {
            refused(&shared.metrics, id, "too_slow");
            return reply(StatusCode::REQUEST_TIMEOUT, "the body took too long\n");
        }
    };
    let checked = shared.keys.check(
        webhook.signing,
        &body,
        signature.as_deref(),
        path_secret.as_deref(),
        secret_header.as_deref(),
    );
    if let Err(refusal) = checked {
        refused(&shared.metrics, id, refusal.reason());
        return reply(StatusCode::UNAUTHORIZED, "not authenticated\n");
    }
    let events = match (webhook.read)(&body) {
        Ok(events) => events,
        Err(e) => {
            shared.metrics.malformed(id);
            tracing::warn!(provider = id, error = %e, "refused a post: unreadable");
            return reply(StatusCode::BAD_REQUEST, format!("{e}\n"));
        }
    };
    store(&shared, kind, events).await
}

/// The longest a post's body may take to arrive: a provider sends it at once; a client that
/// trickles it holds a connection and a buffer for nothing.
const BODY_TIME: std::time::Duration = std::time::Duration::from_secs(30);

/// Counts and logs a refused post: its provider and the reason, never its body or headers.
fn refused(metrics: &Metrics, provider: &'static str, reason: &'static str) {
    metrics.refused(provider, reason);
    tracing::warn!(provider, reason, "refused a post");
}

async fn store<S: Sink>(
    shared: &Shared<S>,
    kind: ProviderKind,
    events: Vec<crate::providers::StatusEvent>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    if events.is_empty() {
        return reply(StatusCode::OK, "{\"ok\":true}");
    }
    shared.metrics.receipts(kind, events.iter().map(|e| e.status));
    let started = Instant::now();
    match shared.sink.store(kind, events).await {
        Ok(stored) => {
            shared.metrics.stored(kind, stored, started.elapsed());
            reply(StatusCode::OK, "{\"ok\":true}")
        }
        Err(e) => {
            tracing::warn!(error = %e, provider = kind.provider().info().id, "cannot store receipts");
            reply(StatusCode::SERVICE_UNAVAILABLE, "cannot store the receipts now; retry\n")
        }
    }
}
