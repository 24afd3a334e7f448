//! An in-memory transport for tests: each request gets the reply a script names for its
//! sequence number, and every request is recorded as the provider would have seen it (secret
//! filled in). Nothing touches the network.

use super::transport::{Attempt, FailureKind, NetworkFailure, Transport, Wire};
use crate::secret::Secret;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

/// What the fake provider does with one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reply {
    /// Answers with a status, a body and `Retry-After` (seconds) if given.
    Answer {
        /// HTTP status.
        status: u16,
        /// The body.
        body: String,
        /// `Retry-After`.
        retry_after: Option<Duration>,
    },
    /// Takes the request, then the connection closes without an answer.
    Drop,
    /// Never answers: the attempt times out after this long.
    Hang(Duration),
    /// Refuses the connection: the request never leaves.
    Refuse,
}

impl Reply {
    /// An answer with no `Retry-After`.
    pub fn answer(status: u16, body: impl Into<String>) -> Reply {
        Reply::Answer { status, body: body.into(), retry_after: None }
    }
}

/// One request as received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Received {
    /// When it arrived, since the provider was made.
    pub at: Duration,
    /// The URL.
    pub url: String,
    /// Headers with the secret filled in: (name, value).
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: String,
}

impl Received {
    /// The body as JSON (`Null` if it is not).
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_default()
    }
}

type Script = dyn Fn(usize, &Received) -> Reply + Send + Sync;

/// The in-memory provider.
pub struct Memory {
    script: Box<Script>,
    started: std::time::Instant,
    attempts: AtomicUsize,
    received: Mutex<Vec<Received>>,
    lanes: usize,
}

impl Memory {
    /// A provider answering attempt *n* (0-based, in order, refused connections included) with
    /// `script(n, request)`.
    pub fn new(script: impl Fn(usize, &Received) -> Reply + Send + Sync + 'static) -> Memory {
        Memory {
            script: Box::new(script),
            started: std::time::Instant::now(),
            attempts: AtomicUsize::new(0),
            received: Mutex::new(Vec::new()),
            lanes: super::lanes::most(),
        }
    }

    /// Every request that reached the provider (refused connections did not), in order.
    pub fn received(&self) -> Vec<Received> {
        self.received.lock().map(|r| r.clone()).unwrap_or_default()
    }
}

impl Transport for Memory {
    fn lanes(&self) -> usize {
        self.lanes
    }

    async fn send(&self, _: usize, wire: &Wire, secret: &Secret) -> Attempt {
        let request = Received {
            at: self.started.elapsed(),
            url: wire.url.clone(),
            headers: wire.headers.iter().map(|h| (h.name.to_string(), h.with_secret(secret.expose()))).collect(),
            body: String::from_utf8_lossy(&wire.body).into_owned(),
        };
        let reply = (self.script)(self.attempts.fetch_add(1, Ordering::SeqCst), &request);
        if reply != Reply::Refuse
            && let Ok(mut received) = self.received.lock()
        {
            received.push(request);
        }
        let failure = |kind, detail: &str| NetworkFailure { kind, detail: detail.into() };
        match reply {
            Reply::Answer { status, body, retry_after } => {
                Attempt::Answered { status, retry_after, body: bytes::Bytes::from(body) }
            }
            Reply::Drop => {
                Attempt::Ambiguous(failure(FailureKind::NoAnswer, "the connection closed without an answer"))
            }
            Reply::Hang(after) => {
                tokio::time::sleep(after).await;
                Attempt::Ambiguous(failure(FailureKind::Timeout, "timed out"))
            }
            Reply::Refuse => Attempt::NotSent(failure(FailureKind::Connect, "could not connect: connection refused")),
        }
    }
}
