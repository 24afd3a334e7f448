//! What a listener counts, shown by `GET /metrics` in Prometheus' text format: status events
//! read by provider and status, what storing them did (new, repeated, about unknown messages),
//! posts refused by reason and unreadable posts by provider, and the time stores took; and,
//! for a journal's writer ([`Writes`]), its transactions, their time and the unknown receipts
//! swept.

use super::sink::Stored;
use crate::providers::{MessageStatus, ProviderKind};
use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;
use std::time::Duration;

/// The counters.
#[derive(Debug, Default)]
pub struct Metrics(Mutex<Counts>);

#[derive(Debug, Default)]
struct Counts {
    receipts: BTreeMap<(&'static str, &'static str), u64>,
    stored: BTreeMap<(&'static str, &'static str), u64>,
    refused: BTreeMap<(&'static str, &'static str), u64>,
    malformed: BTreeMap<&'static str, u64>,
    store_seconds: f64,
    stores: u64,
}

fn status_name(s: MessageStatus) -> &'static str {
    match s {
        MessageStatus::Sent => "sent",
        MessageStatus::Delivered => "delivered",
        MessageStatus::Read => "read",
        MessageStatus::Failed => "failed",
    }
}

impl Metrics {
    fn with(&self, f: impl FnOnce(&mut Counts)) {
        f(&mut self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner));
    }

    /// Counts the events read from one of `provider`'s posts, by status.
    pub fn receipts(&self, provider: ProviderKind, statuses: impl Iterator<Item = MessageStatus>) {
        let id = provider.provider().info().id;
        self.with(|c| statuses.for_each(|s| *c.receipts.entry((id, status_name(s))).or_default() += 1));
    }

    /// Counts what storing a post's events did, and the time it took.
    pub fn stored(&self, provider: ProviderKind, stored: Stored, took: Duration) {
        let id = provider.provider().info().id;
        self.with(|c| {
            for (outcome, n) in [("new", stored.new), ("repeated", stored.repeated), ("unknown", stored.unknown)] {
                *c.stored.entry((id, outcome)).or_default() += n as u64;
            }
            c.stores += 1;
            c.store_seconds += took.as_secs_f64();
        });
    }

    /// Counts a refused post.
    pub fn refused(&self, provider: &'static str, reason: &'static str) {
        self.with(|c| *c.refused.entry((provider, reason)).or_default() += 1);
    }

    /// Counts a post that could not be read.
    pub fn malformed(&self, provider: &'static str) {
        self.with(|c| *c.malformed.entry(provider).or_default() += 1);
    }

    /// The counters in Prometheus' text format.
    pub fn render(&self) -> String {
        let mut s = String::new();
        self.with(|c| {
            s.push_str("# HELP herald_receipts_total Status events read from authenticated posts.\n");
            s.push_str("# TYPE herald_receipts_total counter\n");
            for ((p, st), n) in &c.receipts {
                let _ = writeln!(s, "herald_receipts_total{{provider=\"{p}\",status=\"{st}\"}} {n}");
            }
            s.push_str("# HELP herald_receipts_stored_total What storing them did: new, repeated, or about a message the journal does not have.\n");
            s.push_str("# TYPE herald_receipts_stored_total counter\n");
            for ((p, o), n) in &c.stored {
                let _ = writeln!(s, "herald_receipts_stored_total{{provider=\"{p}\",outcome=\"{o}\"}} {n}");
            }
            s.push_str("# HELP herald_refused_posts_total Posts refused, by provider and reason.\n");
            s.push_str("# TYPE herald_refused_posts_total counter\n");
            for ((p, r), n) in &c.refused {
                let _ = writeln!(s, "herald_refused_posts_total{{provider=\"{p}\",reason=\"{r}\"}} {n}");
            }
            s.push_str("# HELP herald_malformed_posts_total Authenticated posts that could not be read.\n");
            s.push_str("# TYPE herald_malformed_posts_total counter\n");
            for (p, n) in &c.malformed {
                let _ = writeln!(s, "herald_malformed_posts_total{{provider=\"{p}\"}} {n}");
            }
            s.push_str("# HELP herald_store_seconds Time spent storing receipts.\n");
            s.push_str("# TYPE herald_store_seconds summary\n");
            let _ = writeln!(s, "herald_store_seconds_sum {}", c.store_seconds);
            let _ = writeln!(s, "herald_store_seconds_count {}", c.stores);
        });
        s
    }
}

/// The upper bounds of [`Writes`]' latency buckets, in seconds.
const BUCKETS: [f64; 9] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 1.0];

/// What a journal's writer counts: its transactions (each a batch of posts' receipts), how
/// long they took, and the receipts swept for matching no recipient.
#[derive(Debug, Default)]
pub struct Writes(Mutex<WriteCounts>);

#[derive(Debug, Default)]
struct WriteCounts {
    /// Transactions by the highest bucket they fit, then beyond them all.
    buckets: [u64; BUCKETS.len() + 1],
    seconds: f64,
    receipts: u64,
    failed: u64,
    swept: u64,
}

impl Writes {
    fn with(&self, f: impl FnOnce(&mut WriteCounts)) {
        f(&mut self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner));
    }

    /// Counts one transaction of `receipts`, which took `took` (and failed unless `ok`).
    pub fn wrote(&self, receipts: usize, took: Duration, ok: bool) {
        let seconds = took.as_secs_f64();
        let bucket = BUCKETS.iter().position(|b| seconds <= *b).unwrap_or(BUCKETS.len());
        self.with(|c| {
            c.buckets[bucket] += 1;
            c.seconds += seconds;
            if ok {
                c.receipts += receipts as u64;
            } else {
                c.failed += 1;
            }
        });
    }

    /// Counts receipts deleted for matching no recipient past the grace.
    pub fn swept(&self, n: usize) {
        self.with(|c| c.swept += n as u64);
    }

    /// The counters in Prometheus' text format.
    pub fn render(&self) -> String {
        let mut s = String::new();
        self.with(|c| {
            s.push_str("# HELP herald_journal_write_seconds Time of each journal transaction writing receipts.\n");
            s.push_str("# TYPE herald_journal_write_seconds histogram\n");
            let mut cumulative = 0;
            for (bound, n) in BUCKETS.iter().zip(c.buckets) {
                cumulative += n;
                let _ = writeln!(s, "herald_journal_write_seconds_bucket{{le=\"{bound}\"}} {cumulative}");
            }
            let count: u64 = c.buckets.iter().sum();
            let _ = writeln!(s, "herald_journal_write_seconds_bucket{{le=\"+Inf\"}} {count}");
            let _ = writeln!(s, "herald_journal_write_seconds_sum {}", c.seconds);
            let _ = writeln!(s, "herald_journal_write_seconds_count {count}");
            s.push_str("# HELP herald_journal_receipts_written_total Receipts written to the journal.\n");
            s.push_str("# TYPE herald_journal_receipts_written_total counter\n");
            let _ = writeln!(s, "herald_journal_receipts_written_total {}", c.receipts);
            s.push_str("# HELP herald_journal_write_failures_total Journal transactions that failed (their posts got 503).\n");
            s.push_str("# TYPE herald_journal_write_failures_total counter\n");
            let _ = writeln!(s, "herald_journal_write_failures_total {}", c.failed);
            s.push_str("# HELP herald_unknown_receipts_swept_total Receipts deleted for matching no recipient past the grace.\n");
            s.push_str("# TYPE herald_unknown_receipts_swept_total counter\n");
            let _ = writeln!(s, "herald_unknown_receipts_swept_total {}", c.swept);
        });
        s
    }
}
