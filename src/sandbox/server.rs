//! The loopback HTTP server. `GET /_stats` answers the counts so far, in all and second by
//! second ([`STATS_PATH`]). Every other request goes route → method → auth → account → contract →
//! JSON body → throughput limit → injected faults → the body against the contract → the
//! template against the account's → record, then is answered,
//! dropped or held.
//!
//! The contract is the endpoint's in [`crate::providers::contract`], found from the path after
//! the provider's prefix and base path, query included; a route with none is answered as an
//! unknown path. A body that breaks it is refused in the provider's words
//! ([`crate::providers::imitation::api::Api::invalid`]). Faults come after auth and body parsing because they are
//! keyed by recipient, and before the body is checked because a real overloaded server fails
//! regardless of what was sent.

use super::faults::{After, Before, Faults};
use super::latency::Latency;
use super::ledger::{Accepted, Attempt, Class, Ledger};
use super::polls::Polls;
use super::receipts::Emitter;
use super::throughput::Buckets;
use crate::providers::imitation::api;
use crate::providers::imitation::ids::Ids;
use crate::providers::imitation::reply::Reply;
use crate::providers::imitation::templates::Templates;
use crate::providers::{ProviderKind, contract, correlation};
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::{Bytes, Incoming};
use hyper::header::CONTENT_TYPE;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{HeaderMap, Method, Request, Response};
use hyper_util::rt::TokioIo;
use serde_json::Value;
use std::convert::Infallible;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Notify, watch};
use tokio::task::JoinSet;

/// Where the counts are served: `{"received", "accepted", "rejected", "faults", "per_provider",
/// "per_second": [{"second", "requests", "accepted", "throttled"}, …]}`, each second counting
/// the provider requests that arrived in it. Not a request to any provider: not counted, not
/// delayed.
const STATS_PATH: &str = "/_stats";

/// Where the receipts' totals are served ([`super::receipts::Totals::to_json`]); 404 when the
/// sandbox posts no receipts.
const RECEIPTS_PATH: &str = "/_receipts";

/// The largest body read; real gateways refuse far smaller ones.
const BODY_LIMIT: usize = 8 << 20;

/// Everything the connections share.
#[derive(Debug)]
pub(super) struct Shared {
    /// When the sandbox started (`at_ms` counts from here).
    pub started: Instant,
    /// The delay before every answer.
    pub latency: Latency,
    /// Seeds the latency draws.
    pub seed: u64,
    /// Answers delayed so far: numbers the latency draws.
    pub answered: AtomicU64,
    /// The `Retry-After` value on 429s.
    pub retry_after_secs: u64,
    /// Refuse every credential.
    pub reject_auth: bool,
    /// Answer success to everything, checking nothing.
    pub canned: bool,
    /// Which attempts fail.
    pub faults: Faults,
    /// The throughput limits.
    pub buckets: Buckets,
    /// Message ids.
    pub ids: Ids,
    /// What was seen.
    pub ledger: Ledger,
    /// Accepted messages, for answering status polls.
    pub polls: Polls,
    /// The receipts poster, when asked for.
    pub receipts: Option<Emitter>,
    /// The templates the imitated account holds.
    pub templates: Arc<Templates>,
}

impl Shared {
    fn now_ms(&self) -> u64 {
        u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX)
    }
}

/// Accepts connections until `stop` turns true, then waits for every connection to close.
pub(super) async fn accept_loop(listener: TcpListener, shared: Arc<Shared>, stop: watch::Receiver<bool>) {
    let mut connections = JoinSet::new();
    let mut stopped = stop.clone();
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    connections.spawn(serve_connection(stream, shared.clone(), stop.clone()));
                }
                // Out of descriptors and the like: back off briefly and keep serving.
                Err(_) => tokio::time::sleep(Duration::from_millis(10)).await,
            },
            () = until_stopped(&mut stopped) => break,
        }
        while connections.try_join_next().is_some() {}
    }
    drop(listener);
    while connections.join_next().await.is_some() {}
}

/// Resolves once the sandbox is told to stop (or its handle is gone).
async fn until_stopped(stop: &mut watch::Receiver<bool>) {
    let _ = stop.wait_for(|s| *s).await;
}

/// Serves one connection until the client leaves, a request asks for the connection to be
/// cut (drop fault), or the sandbox stops (which also ends held requests).
async fn serve_connection(stream: TcpStream, shared: Arc<Shared>, mut stop: watch::Receiver<bool>) {
    let _ = stream.set_nodelay(true);
    let cut = Arc::new(Notify::new());
    let service = {
        let cut = cut.clone();
        service_fn(move |request| handle(shared.clone(), cut.clone(), request))
    };
    let connection = http1::Builder::new().serve_connection(TokioIo::new(stream), service);
    tokio::select! {
        _ = connection => {}
        _ = cut.notified() => {}
        () = until_stopped(&mut stop) => {}
    }
}

/// Answers one request after the configured latency, or cuts or holds the connection.
async fn handle(
    shared: Arc<Shared>,
    cut: Arc<Notify>,
    request: Request<Incoming>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    if request.method() == Method::GET && request.uri().path() == STATS_PATH {
        return Ok(stats(&shared).into_response());
    }
    if request.method() == Method::GET && request.uri().path() == RECEIPTS_PATH {
        let reply = match &shared.receipts {
            Some(emitter) => Reply::json(200, emitter.totals().to_json()),
            None => Reply::plain_not_found(),
        };
        return Ok(reply.into_response());
    }
    let (reply, after) = process(&shared, request).await;
    if after != After::Hang && !shared.latency.is_zero() {
        let n = shared.answered.fetch_add(1, Ordering::Relaxed);
        tokio::time::sleep(shared.latency.draw(shared.seed, n)).await;
    }
    match after {
        After::Answer => Ok(reply.into_response()),
        After::Drop => {
            cut.notify_one();
            std::future::pending().await
        }
        After::Hang => std::future::pending().await,
    }
}

/// The `/_stats` answer, with the receipts' totals when the sandbox posts them.
fn stats(shared: &Shared) -> Reply {
    let mut body = serde_json::to_value(shared.ledger.stats()).unwrap_or_default();
    if let Some(object) = body.as_object_mut() {
        object.insert("per_second".into(), serde_json::to_value(shared.ledger.seconds()).unwrap_or_default());
        if let Some(emitter) = &shared.receipts {
            object.insert("receipts".into(), emitter.totals().to_json());
        }
    }
    Reply::json(200, body)
}

/// Decides the answer to one request and records it.
async fn process(shared: &Shared, request: Request<Incoming>) -> (Reply, After) {
    let at_ms = shared.now_ms();
    let ledger = &shared.ledger;
    ledger.received();
    let uri = request.uri().clone();
    let path = uri.path();
    let (prefix, rest) = split_prefix(path);
    let Some(kind) = api::by_prefix(prefix) else {
        ledger.finish(Class::Rejected, None, None);
        return (Reply::plain_not_found(), After::Answer);
    };
    let api = kind.imitation();
    let end = |class: Class, reply: Reply, recipient: String| {
        let attempt = Attempt { provider: kind, recipient, at_ms, status: reply.status };
        ledger.finish(class, Some(attempt), None);
        (reply, After::Answer)
    };
    let method = request.method().clone();
    let after_base = rest.strip_prefix(api.base_path()).unwrap_or(rest);
    if !shared.canned
        && let Some(reply) =
            api.account(method.as_str(), after_base, uri.query().unwrap_or_default(), &shared.templates)
    {
        // A read of the account: answered after the credentials, counted as a poll, not a send.
        if let Err(refused) = api.authorize(request.headers(), shared.reject_auth) {
            return end(Class::Rejected, refused, String::new());
        }
        ledger.finish(Class::Polled, None, None);
        return (reply, After::Answer);
    }
    let Some(endpoint) = api.route(rest, uri.query().unwrap_or_default()).filter(|_| method == Method::POST) else {
        if kind.provider().status_poll().is_some() && !shared.canned {
            return poll(shared, kind, request, at_ms).await;
        }
        return end(Class::Rejected, api.not_found(method.as_str(), rest), String::new());
    };
    if shared.canned {
        let body = read_json(request).await.unwrap_or_default();
        ledger.finish(Class::Accepted, None, None);
        return (api.accept(&endpoint, &body, &shared.ids).0, After::Answer);
    }
    if let Err(reply) = api.authorize(request.headers(), shared.reject_auth) {
        return end(Class::Rejected, reply, String::new());
    }
    if let Some(reply) = api.unaddressed(&endpoint) {
        return end(Class::Rejected, reply, String::new());
    }
    let after_base = rest.strip_prefix(api.base_path()).map(|path| match uri.query() {
        Some(query) => format!("{path}?{query}"),
        None => path.to_string(),
    });
    let found = after_base.and_then(|path| contract::find(kind, method.as_str(), &path).map(|(contract, _)| contract));
    let Some(contract) = found else {
        return end(Class::Rejected, api.not_found(method.as_str(), rest), String::new());
    };
    let body = match read_json(request).await {
        Ok(body) => body,
        Err(why) => return end(Class::Rejected, api.malformed(&why.to_string()), String::new()),
    };
    let recipient = api.recipient(&endpoint, &body);
    // Over the account's throughput the gateway answers before anything else is looked at.
    if let Some(wait) = shared.buckets.take(kind, &endpoint.account, shared.started.elapsed()) {
        return end(Class::Throttled, api.throttled().retry_after(wait), recipient);
    }
    // Faults are keyed by attempt number; without faults nothing per recipient is kept.
    let n = if shared.faults.any() { ledger.next_attempt(kind, &recipient) } else { 1 };
    match shared.faults.before(kind, &recipient, n) {
        Before::Fail => return end(Class::Fault, api.server_error(), recipient),
        Before::Throttle => {
            return end(Class::Throttled, api.throttled().retry_after(shared.retry_after_secs), recipient);
        }
        Before::Refuse => {
            let reply = api.refused(&recipient);
            return end(Class::Fault, reply, recipient);
        }
        Before::Process => {}
    }
    let violations = contract.violations(&body);
    if !violations.is_empty() {
        return end(Class::Rejected, api.invalid(&endpoint, &violations), recipient);
    }
    // A template the account does not hold as sent: refused as the provider refuses it.
    if let Some(reply) = api.refuse_template(&endpoint, &body, &shared.templates) {
        return end(Class::Rejected, reply, recipient);
    }
    let (reply, message_id) = api.accept(&endpoint, &body, &shared.ids);
    if let Some(emitter) = &shared.receipts {
        // The id the provider's webhooks name: herald's own where the provider echoes it.
        if let Some(id) = correlation::in_body(kind, &body).or_else(|| message_id.clone()) {
            let account = Some(&endpoint.account).filter(|a| !a.is_empty()).map(String::as_str);
            emitter.accepted(kind, &id, account, &body, &shared.templates);
        }
    }
    let after = shared.faults.after(kind, &recipient, n);
    let (class, status) = match after {
        After::Answer => (Class::Accepted, reply.status),
        After::Drop | After::Hang => (Class::AcceptedFault, 0),
    };
    if let Some(id) = &message_id {
        shared.polls.accepted(kind, id, jiff::Timestamp::now());
    }
    let path = uri.path_and_query().map_or_else(|| uri.path().to_string(), |pq| pq.as_str().to_string());
    let accepted = Accepted { provider: kind, recipient: recipient.clone(), message_id, path, body, at_ms };
    ledger.finish(class, Some(Attempt { provider: kind, recipient, at_ms, status }), Some(accepted));
    (reply, after)
}

/// Answers a status poll as the provider would, or the provider's unknown-path answer when the
/// request is not one.
async fn poll(shared: &Shared, kind: ProviderKind, request: Request<Incoming>, at_ms: u64) -> (Reply, After) {
    let api = kind.imitation();
    let (parts, body) = request.into_parts();
    let (method, path) = (parts.method.as_str(), parts.uri.path());
    let rest = split_prefix(path).1;
    let after_base = rest.strip_prefix(api.base_path()).unwrap_or(rest);
    let body = Limited::new(body, BODY_LIMIT).collect().await.map(|b| b.to_bytes()).unwrap_or_default();
    let asked = shared.polls.asked(kind, (method, after_base, parts.uri.query().unwrap_or_default(), &body));
    let reply = match asked {
        None => api.not_found(method, rest),
        Some(message_id) => match api.authorize(&parts.headers, shared.reject_auth) {
            Err(reply) => reply,
            Ok(()) => {
                let reply = Reply::json(200, shared.polls.answer(kind, &message_id, jiff::Timestamp::now()));
                shared.ledger.finish(Class::Polled, None, None);
                return (reply, After::Answer);
            }
        },
    };
    shared.ledger.finish(
        Class::Rejected,
        Some(Attempt { provider: kind, recipient: String::new(), at_ms, status: reply.status }),
        None,
    );
    (reply, After::Answer)
}

/// Why a request body is not usable JSON.
#[derive(Debug, thiserror::Error)]
enum BodyError {
    #[error("Content-Type must be application/json")]
    NotJson,
    #[error("could not read the request body: {0}")]
    Unreadable(Box<dyn std::error::Error + Send + Sync>),
    #[error("the request body is not valid JSON: {0}")]
    Invalid(#[from] serde_json::Error),
}

/// The body as JSON, or why it is not: a wrong `Content-Type`, too large, or not JSON.
async fn read_json(request: Request<Incoming>) -> Result<Value, BodyError> {
    if !is_json(request.headers()) {
        return Err(BodyError::NotJson);
    }
    let bytes =
        Limited::new(request.into_body(), BODY_LIMIT).collect().await.map_err(BodyError::Unreadable)?.to_bytes();
    Ok(serde_json::from_slice(&bytes)?)
}

/// `/cloud_api/v23.0/1/messages` → (`cloud_api`, `/v23.0/1/messages`).
fn split_prefix(path: &str) -> (&str, &str) {
    let trimmed = path.strip_prefix('/').unwrap_or(path);
    match trimmed.find('/') {
        Some(i) => (&trimmed[..i], &trimmed[i..]),
        None => (trimmed, ""),
    }
}

fn is_json(headers: &HeaderMap) -> bool {
    let value = headers.get(CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or_default();
    value.split(';').next().is_some_and(|mime| mime.trim().eq_ignore_ascii_case("application/json"))
}
