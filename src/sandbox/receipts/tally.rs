//! What the sandbox's receipts add up to: the truth it planned (every message's ending,
//! folded into a [`Funnel`] the way the journal folds what a listener stores) and how its
//! posts went, served at `GET /_receipts`.

use crate::receipts::{Funnel, Receipts};
use serde_json::{Value, json};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};

/// Running totals, shared by the sandbox and the poster.
#[derive(Debug, Default)]
pub(super) struct Tally {
    planned: Mutex<Funnel>,
    /// Events whose post was answered 2xx.
    posted: AtomicU64,
    /// Events given up on after every retry.
    refused: AtomicU64,
    /// Posts sent again after an error or an answer other than 2xx.
    retried: AtomicU64,
    /// Events planned and not yet posted or given up on.
    pending: AtomicU64,
}

/// A copy of the totals.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Totals {
    /// Every message's ending as planned: what a journal holding every post must count.
    pub planned: Funnel,
    /// Events posted and answered 2xx (duplicates count each time).
    pub posted: u64,
    /// Events given up on after every retry.
    pub refused: u64,
    /// Posts sent again after an error or an answer other than 2xx. A receiver may have read the
    /// first (an answer that timed out, a 503 after reading), so it may count up to this many
    /// events more than `posted`, as with a provider's own retries.
    pub retried: u64,
    /// Events still to post.
    pub pending: u64,
}

impl Tally {
    /// Counts a planned message (its final receipts) and its `events` to post.
    pub(super) fn planned(&self, receipts: &Receipts, events: usize) {
        self.planned.lock().unwrap_or_else(PoisonError::into_inner).add(Some(receipts));
        self.pending.fetch_add(events as u64, Ordering::SeqCst);
    }

    /// Counts one event done: posted, or given up on. Returns the events still pending.
    pub(super) fn done(&self, posted: bool) -> u64 {
        let counter = if posted { &self.posted } else { &self.refused };
        counter.fetch_add(1, Ordering::Relaxed);
        self.pending.fetch_sub(1, Ordering::SeqCst) - 1
    }

    /// Counts one post sent again.
    pub(super) fn retry(&self) {
        self.retried.fetch_add(1, Ordering::Relaxed);
    }

    /// Events still to post.
    pub(super) fn pending(&self) -> u64 {
        self.pending.load(Ordering::SeqCst)
    }

    /// A copy of the totals.
    pub(super) fn totals(&self) -> Totals {
        Totals {
            planned: self.planned.lock().unwrap_or_else(PoisonError::into_inner).clone(),
            posted: self.posted.load(Ordering::Relaxed),
            refused: self.refused.load(Ordering::Relaxed),
            retried: self.retried.load(Ordering::Relaxed),
            pending: self.pending(),
        }
    }
}

impl Totals {
    /// `{"planned": {"accepted", "delivered", "read", "failed", "by_code": {code: n}}, "posted",
    /// "refused", "retried", "pending"}`; `delivered` counts read messages too, as the funnel does, and a
    /// failure without a code is counted under `""`.
    pub fn to_json(&self) -> Value {
        let p = &self.planned;
        let by_code: serde_json::Map<String, Value> =
            p.failures.iter().map(|(code, f)| (code.clone(), Value::from(f.count))).collect();
        json!({
            "planned": {"accepted": p.accepted, "delivered": p.delivered, "read": p.read, "failed": p.failed,
                        "by_code": by_code},
            "posted": self.posted, "refused": self.refused, "retried": self.retried,
            "pending": self.pending,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::receipts::Delivery;

    #[test]
    fn totals_count_endings_as_the_funnel_does_and_events_as_they_finish() {
        let tally = Tally::default();
        let mut read = Receipts::default();
        read.add(Delivery::Read, jiff::Timestamp::UNIX_EPOCH, None, None);
        let mut failed = Receipts::default();
        failed.add(Delivery::Failed, jiff::Timestamp::UNIX_EPOCH, Some("131049"), Some("held back"));
        tally.planned(&read, 3);
        tally.planned(&failed, 2);
        assert_eq!(tally.done(true), 4);
        assert_eq!(tally.done(false), 3);
        tally.retry();
        let json = tally.totals().to_json();
        assert_eq!(
            json,
            json!({"planned": {"accepted": 2, "delivered": 1, "read": 1, "failed": 1, "by_code": {"131049": 1}},
                   "posted": 1, "refused": 1, "retried": 1, "pending": 3})
        );
    }
}
