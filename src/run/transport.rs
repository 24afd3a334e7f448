//! How a request reaches a provider, behind one trait: [`crate::run::http`] sends over the
//! network with reqwest; [`crate::run::memory`] answers in-process, for tests. Each attempt's
//! result is sorted by what it means for safety: answered, never left the machine, or left
//! with no answer.

use crate::request::Header;
use crate::secret::Secret;
use std::future::Future;
use std::time::Duration;

/// One request as it goes on the wire; the secret is joined into the auth header only by the
/// transport, at the moment of sending.
#[derive(Debug, Clone)]
pub struct Wire {
    /// Absolute URL.
    pub url: String,
    /// Headers as the provider mapping produced them.
    pub headers: Vec<Header>,
    /// The JSON body, serialised once.
    pub body: bytes::Bytes,
}

/// A JSON body as it goes on the wire.
pub(super) fn wire_body(body: &serde_json::Value) -> bytes::Bytes {
    bytes::Bytes::from(serde_json::to_vec(body).unwrap_or_default())
}

/// The result of one attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Attempt {
    /// The provider answered.
    Answered {
        /// HTTP status.
        status: u16,
        /// `Retry-After`, parsed.
        retry_after: Option<Duration>,
        /// The body.
        body: bytes::Bytes,
    },
    /// The request never left (connection refused, DNS, TLS handshake, connect timeout): safe to
    /// retry.
    NotSent(NetworkFailure),
    /// The request may have reached the provider but no (whole) answer came: resending could
    /// deliver twice.
    Ambiguous(NetworkFailure),
}

/// What went wrong on the network, by kind, with the details for people.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NetworkFailure {
    /// The kind.
    pub kind: FailureKind,
    /// What the client said, for reports.
    pub detail: String,
}

/// Kinds of network failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailureKind {
    /// No connection could be made.
    Connect,
    /// No answer within the timeout.
    Timeout,
    /// The connection closed before a whole answer came.
    NoAnswer,
}

impl FailureKind {
    /// The code reports use.
    pub fn code(self) -> crate::results::Code {
        use crate::results::Code;
        match self {
            FailureKind::Connect => Code::Connect,
            FailureKind::Timeout => Code::Timeout,
            FailureKind::NoAnswer => Code::NoAnswer,
        }
    }
}

impl std::fmt::Display for NetworkFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.detail)
    }
}

/// Sends requests. Implementations are shared by every worker of a run; workers run in lanes
/// (threads, see [`crate::run::lanes`]), and a transport may keep what a lane uses (its
/// connections) apart from the other lanes.
pub trait Transport: Send + Sync + 'static {
    /// How many lanes it keeps apart (at least one). A run spreads its workers over at most
    /// this many lanes, numbered from 0, so every `lane` it is asked to send from is below it.
    fn lanes(&self) -> usize;

    /// Sends `wire` with `secret` in its auth header, from a worker on `lane`.
    fn send(&self, lane: usize, wire: &Wire, secret: &Secret) -> impl Future<Output = Attempt> + Send;
}

/// A transport for runs that send nothing (a dry run, a report rebuilt from the journal):
/// every attempt is refused before it leaves.
pub struct Nowhere;

impl Transport for Nowhere {
    fn lanes(&self) -> usize {
        1
    }

    async fn send(&self, _: usize, _: &Wire, _: &Secret) -> Attempt {
        Attempt::NotSent(NetworkFailure { kind: FailureKind::Connect, detail: "this run sends nothing".into() })
    }
}
