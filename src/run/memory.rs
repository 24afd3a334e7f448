//! An in-memory transport for tests: each request gets the reply a script names for its
//! sequence number, after the latency another script names (none by default), and every
//! request is recorded as the provider would have seen it (secret filled in). Nothing touches
//! the network. Its time is tokio's, so under a paused test clock a run of minutes at real
//! providers' latencies takes milliseconds.

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
type Latency = dyn Fn(usize) -> Duration + Send + Sync;

/// The in-memory provider.
pub struct Memory {
    script: Box<Script>,
    latency: Option<Box<Latency>>,
    started: tokio::time::Instant,
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
            latency: None,
            started: tokio::time::Instant::now(),
            attempts: AtomicUsize::new(0),
            received: Mutex::new(Vec::new()),
            lanes: super::lanes::most(),
        }
    }

    /// Answers attempt *n* `latency(n)` after it arrives.
    pub fn answering_after(mut self, latency: impl Fn(usize) -> Duration + Send + Sync + 'static) -> Memory {
        self.latency = Some(Box::new(latency));
        self
    }

    /// Keeps one lane, so a run's every worker is on the caller's runtime (its paused clock).
    pub fn on_one_lane(mut self) -> Memory {
        self.lanes = 1;
        self
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
        let n = self.attempts.fetch_add(1, Ordering::SeqCst);
        let reply = (self.script)(n, &request);
        if reply != Reply::Refuse
            && let Ok(mut received) = self.received.lock()
        {
            received.push(request);
        }
        if let Some(latency) = self.latency.as_ref().filter(|_| reply != Reply::Refuse) {
            tokio::time::sleep(latency(n)).await;
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
