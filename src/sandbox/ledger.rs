//! What the sandbox saw: every attempt, every accepted message, the counts (in all and second
//! by second), and the optional JSON-lines record file of accepted messages.

use crate::providers::ProviderKind;
use serde::{Serialize, Serializer};
use serde_json::Value;
use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::{self, BufWriter, Write};
use std::path::Path;
use std::sync::{Mutex, MutexGuard};

/// One message the sandbox accepted (answered with success, or dropped/held after accepting).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Accepted {
    /// Which provider's endpoint took it.
    #[serde(serialize_with = "kind_name")]
    pub provider: ProviderKind,
    /// The recipient as written in the body: `+254712345678`, `254712345678`, `tag:42`, …
    pub recipient: String,
    /// The id the answer carried (`None` for AutoKonnect, which returns none).
    pub message_id: Option<String>,
    /// The request path and query, prefix included, e.g. `/cloud_api/v23.0/123/messages`.
    pub path: String,
    /// The request body.
    pub body: Value,
    /// Milliseconds since the sandbox started.
    pub at_ms: u64,
}

/// One request that reached a provider's endpoint, whatever became of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Attempt {
    /// Which provider's prefix it was sent to.
    #[serde(serialize_with = "kind_name")]
    pub provider: ProviderKind,
    /// The recipient as written in the body, or empty when the body named none.
    pub recipient: String,
    /// Milliseconds since the sandbox started, when the request arrived.
    pub at_ms: u64,
    /// The status answered; 0 when the connection was dropped or held without an answer.
    pub status: u16,
}

/// Running counts.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Stats {
    /// Every request, on any path.
    pub received: u64,
    /// Messages accepted, including those then dropped or held.
    pub accepted: u64,
    /// Requests refused with a 4xx: bad auth, bad body, unknown path.
    pub rejected: u64,
    /// Injected faults: 500s, 429s, dropped and held connections.
    pub faults: u64,
    /// Status polls answered.
    pub polls: u64,
    /// Accepted messages per provider, in [`ProviderKind::ALL`] order, as far as the last
    /// provider that had any (serialised as a map keyed by every provider's name).
    #[serde(serialize_with = "per_provider")]
    pub per_provider: Vec<u64>,
}

impl Stats {
    /// Messages accepted through `kind`.
    pub fn accepted_by(&self, kind: ProviderKind) -> u64 {
        self.per_provider.get(index(kind)).copied().unwrap_or_default()
    }
}

/// One second of a run: requests that reached a provider's endpoint and arrived in it, and
/// how they ended. Kept for every second of the sandbox's life (16 bytes a second, 1.4 MB a
/// day), so a benchmark can tell how a client settled after its first seconds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub(super) struct Second {
    /// Seconds since the sandbox started.
    pub second: u32,
    /// Requests that arrived in this second.
    pub requests: u32,
    /// Of them, messages accepted.
    pub accepted: u32,
    /// Of them, refused for the pace: over `--throughput`, or an injected 429.
    pub throttled: u32,
}

/// How one request ended, for the counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Class {
    /// Answered with success.
    Accepted,
    /// Accepted, then dropped or held (counts as accepted and as a fault).
    AcceptedFault,
    /// Refused with a 4xx.
    Rejected,
    /// An injected 500 or refusal.
    Fault,
    /// Refused for the pace: over the throughput, or an injected 429 (counts as a fault).
    Throttled,
    /// A status poll or a read of the account, answered.
    Polled,
}

/// The shared, locked record of a run.
#[derive(Debug)]
pub(super) struct Ledger {
    inner: Mutex<Inner>,
    file: Option<Mutex<BufWriter<File>>>,
    /// Whether accepted messages and attempts are kept in memory.
    retain: bool,
}

#[derive(Debug, Default)]
struct Inner {
    stats: Stats,
    accepted: Vec<Accepted>,
    attempts: Vec<Attempt>,
    seconds: Vec<Second>,
    per_recipient: HashMap<(ProviderKind, String), u32>,
}

impl Ledger {
    /// An empty ledger appending accepted messages to `record`, if given, and keeping them in
    /// memory when `retain`.
    pub(super) fn new(record: Option<&Path>, retain: bool) -> io::Result<Ledger> {
        let file = match record {
            Some(path) => Some(Mutex::new(BufWriter::new(OpenOptions::new().create(true).append(true).open(path)?))),
            None => None,
        };
        Ok(Ledger { inner: Mutex::new(Inner::default()), file, retain })
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Counts a request on any path.
    pub(super) fn received(&self) {
        self.lock().stats.received += 1;
    }

    /// Which attempt (from 1) this is for `recipient` at `kind`.
    pub(super) fn next_attempt(&self, kind: ProviderKind, recipient: &str) -> u32 {
        let mut inner = self.lock();
        let n = inner.per_recipient.entry((kind, recipient.to_string())).or_default();
        *n += 1;
        *n
    }

    /// Records how a request ended; `attempt` is `None` for paths outside every provider.
    pub(super) fn finish(&self, class: Class, attempt: Option<Attempt>, accepted: Option<Accepted>) {
        let line = accepted.as_ref().filter(|_| self.file.is_some()).and_then(|a| serde_json::to_string(a).ok());
        {
            let mut inner = self.lock();
            match class {
                Class::Accepted => inner.stats.accepted += 1,
                Class::AcceptedFault => {
                    inner.stats.accepted += 1;
                    inner.stats.faults += 1;
                }
                Class::Rejected => inner.stats.rejected += 1,
                Class::Fault | Class::Throttled => inner.stats.faults += 1,
                Class::Polled => inner.stats.polls += 1,
            }
            if let Some(at) = attempt.as_ref().and_then(|a| usize::try_from(a.at_ms / 1000).ok()) {
                let seconds = &mut inner.seconds;
                while seconds.len() <= at {
                    let second = u32::try_from(seconds.len()).unwrap_or(u32::MAX);
                    seconds.push(Second { second, ..Second::default() });
                }
                let second = &mut inner.seconds[at];
                second.requests += 1;
                second.accepted += u32::from(matches!(class, Class::Accepted | Class::AcceptedFault));
                second.throttled += u32::from(class == Class::Throttled);
            }
            if let Some(a) = accepted {
                let (at, counts) = (index(a.provider), &mut inner.stats.per_provider);
                if counts.len() <= at {
                    counts.resize(at + 1, 0);
                }
                counts[at] += 1;
                if self.retain {
                    inner.accepted.push(a);
                }
            }
            if self.retain {
                inner.attempts.extend(attempt);
            }
            // Written under the lock, so the file's order is `accepted()`'s order.
            if let (Some(file), Some(line)) = (&self.file, line) {
                let mut file = file.lock().unwrap_or_else(|e| e.into_inner());
                // A full disk must not take the sandbox down.
                let _ = writeln!(file, "{line}");
            }
        }
    }

    /// The counts so far.
    pub(super) fn stats(&self) -> Stats {
        self.lock().stats.clone()
    }

    /// Every second from the sandbox's start to the last request's, in order.
    pub(super) fn seconds(&self) -> Vec<Second> {
        self.lock().seconds.clone()
    }

    /// Every accepted message, in order.
    pub(super) fn accepted(&self) -> Vec<Accepted> {
        self.lock().accepted.clone()
    }

    /// Every attempt, in order of completion.
    pub(super) fn attempts(&self) -> Vec<Attempt> {
        self.lock().attempts.clone()
    }

    /// Writes buffered record lines to disk.
    pub(super) fn flush(&self) -> io::Result<()> {
        match &self.file {
            Some(file) => file.lock().unwrap_or_else(|e| e.into_inner()).flush(),
            None => Ok(()),
        }
    }
}

fn index(kind: ProviderKind) -> usize {
    ProviderKind::ALL.iter().position(|k| *k == kind).unwrap_or_default()
}

fn kind_name<S: Serializer>(kind: &ProviderKind, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(kind.as_str())
}

fn per_provider<S: Serializer>(counts: &[u64], s: S) -> Result<S::Ok, S::Error> {
    let count = |i: usize| counts.get(i).copied().unwrap_or_default();
    s.collect_map(ProviderKind::ALL.iter().enumerate().map(|(i, k)| (k.as_str(), count(i))))
}
