//! Requests waiting to be tried again, in the engine rather than in a worker: a timer heap by
//! due time. A request whose attempts cannot have delivered it waits *released* (its claim
//! undone in the journal, so a crash meanwhile leaves it pending, not `unknown`) and is claimed
//! again when due; one that may have delivered (an unanswered attempt, with
//! `retry_ambiguous`), or that carries a batch of recipients, keeps its claim while it waits.

use super::batch::Request;
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use tokio::time::Instant;

/// A request waiting for its next attempt.
pub struct Parked {
    /// The request, its attempts so far inside.
    pub request: Request,
    /// Whether its claim was released while it waits (it must be claimed again to be sent).
    pub released: bool,
}

/// The waiting requests.
#[derive(Default)]
pub struct Retries {
    heap: BinaryHeap<Reverse<Due>>,
    /// Numbers entries, so equal due times come out in the order they went in.
    next: u64,
}

/// A heap entry: ordered by due time, then arrival.
struct Due {
    at: Instant,
    n: u64,
    parked: Parked,
}

impl PartialEq for Due {
    fn eq(&self, other: &Due) -> bool {
        (self.at, self.n) == (other.at, other.n)
    }
}

impl Eq for Due {}

impl PartialOrd for Due {
    fn partial_cmp(&self, other: &Due) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Due {
    fn cmp(&self, other: &Due) -> std::cmp::Ordering {
        (self.at, self.n).cmp(&(other.at, other.n))
    }
}

impl Retries {
    /// Parks `parked` until `at`.
    pub fn park(&mut self, parked: Parked, at: Instant) {
        self.next += 1;
        self.heap.push(Reverse(Due { at, n: self.next, parked }));
    }

    /// When the first waiting request is due.
    pub fn next_due(&self) -> Option<Instant> {
        self.heap.peek().map(|Reverse(d)| d.at)
    }

    /// Up to `most` requests due by `now`, earliest first.
    pub fn due(&mut self, now: Instant, most: usize) -> Vec<Parked> {
        let mut out = Vec::new();
        while out.len() < most && self.next_due().is_some_and(|at| at <= now) {
            out.extend(self.heap.pop().map(|Reverse(d)| d.parked));
        }
        out
    }

    /// Every waiting request, due or not (the run stopped).
    pub fn drain(&mut self) -> Vec<Parked> {
        std::mem::take(&mut self.heap).into_iter().map(|Reverse(d)| d.parked).collect()
    }

    /// How many wait.
    pub fn len(&self) -> usize {
        self.heap.len()
    }

    /// Whether none waits.
    pub fn is_empty(&self) -> bool {
        self.heap.is_empty()
    }
}
