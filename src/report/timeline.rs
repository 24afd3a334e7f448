//! Receipts over time: how many messages were accepted, delivered, read and failed in each
//! stretch of time, for the report's chart. The buckets start a minute wide and widen (5 min,
//! 15 min, 1 h, …, a week) whenever there would be more than [`MAX_BUCKETS`], so a campaign of
//! any length and size is a few dozen counters.

use crate::receipts::Receipts;
use std::collections::BTreeMap;

/// Buckets kept at most.
pub const MAX_BUCKETS: usize = 60;

/// Bucket widths in seconds; each a multiple of the one before, so a bucket folds whole into a
/// wider one.
const WIDTHS: [i64; 10] = [60, 300, 900, 3_600, 10_800, 21_600, 43_200, 86_400, 604_800, 2_419_200];

/// What happened in one bucket.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    /// Messages the provider accepted.
    pub accepted: usize,
    /// Delivered receipts.
    pub delivered: usize,
    /// Read receipts.
    pub read: usize,
    /// Failed receipts.
    pub failed: usize,
}

impl Tally {
    /// The counts with their names, in the order charts show them.
    pub fn named(&self) -> [(&'static str, usize); 4] {
        [("accepted", self.accepted), ("delivered", self.delivered), ("read", self.read), ("failed", self.failed)]
    }

    fn merge(&mut self, other: Tally) {
        self.accepted += other.accepted;
        self.delivered += other.delivered;
        self.read += other.read;
        self.failed += other.failed;
    }
}

/// The buckets, keyed by their start (seconds since the epoch, a multiple of the width).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Timeline {
    width: usize,
    buckets: BTreeMap<i64, Tally>,
}

impl Timeline {
    /// Counts an accepted message sent at `sent_at` and its receipts.
    pub fn add(&mut self, sent_at: jiff::Timestamp, receipts: Option<&Receipts>) {
        self.put(sent_at, Tally { accepted: 1, ..Tally::default() });
        let Some(r) = receipts else { return };
        let one = [
            (r.delivered_at, Tally { delivered: 1, ..Tally::default() }),
            (r.read_at, Tally { read: 1, ..Tally::default() }),
            (r.failed_at, Tally { failed: 1, ..Tally::default() }),
        ];
        for (at, tally) in one {
            if let Some(at) = at {
                self.put(at, tally);
            }
        }
    }

    fn put(&mut self, at: jiff::Timestamp, tally: Tally) {
        let key = at.as_second().div_euclid(self.seconds()) * self.seconds();
        self.buckets.entry(key).or_default().merge(tally);
        while self.span() > MAX_BUCKETS && self.width + 1 < WIDTHS.len() {
            self.width += 1;
            let old = std::mem::take(&mut self.buckets);
            for (start, tally) in old {
                self.buckets.entry(start.div_euclid(self.seconds()) * self.seconds()).or_default().merge(tally);
            }
        }
    }

    /// How many buckets the chart shows: from the first to the last, empty ones included.
    fn span(&self) -> usize {
        match (self.buckets.first_key_value(), self.buckets.last_key_value()) {
            (Some((first, _)), Some((last, _))) => ((last - first) / self.seconds()) as usize + 1,
            _ => 0,
        }
    }

    /// The width of a bucket, in seconds.
    pub fn seconds(&self) -> i64 {
        WIDTHS[self.width]
    }

    /// Every bucket from the first to the last (empty ones as zeros), with its start. Times
    /// spread wider than the widest buckets can hold (a receipt dated years off) give only the
    /// buckets that hold something.
    pub fn buckets(&self) -> Vec<(jiff::Timestamp, Tally)> {
        let Some((&first, _)) = self.buckets.first_key_value() else { return Vec::new() };
        let stamp = |start: i64| jiff::Timestamp::from_second(start).unwrap_or_default();
        if self.span() > MAX_BUCKETS {
            return self.buckets.iter().map(|(start, tally)| (stamp(*start), *tally)).collect();
        }
        (0..self.span() as i64)
            .map(|i| first + i * self.seconds())
            .map(|start| (stamp(start), self.buckets.get(&start).copied().unwrap_or_default()))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::receipts::Delivery;

    fn at(s: i64) -> jiff::Timestamp {
        jiff::Timestamp::from_second(s).unwrap()
    }

    #[test]
    fn counts_sends_and_receipts_in_minute_buckets() {
        let mut t = Timeline::default();
        let mut r = Receipts::default();
        r.add(Delivery::Delivered, at(1_000_030), None, None);
        r.add(Delivery::Read, at(1_000_200), None, None);
        t.add(at(1_000_010), Some(&r));
        t.add(at(1_000_015), None);
        let b = t.buckets();
        assert_eq!(t.seconds(), 60);
        assert_eq!(b.len(), 5, "{b:?}");
        assert_eq!(b[0], (at(999_960), Tally { accepted: 2, ..Tally::default() }));
        assert_eq!(b[1].1, Tally { delivered: 1, ..Tally::default() });
        assert_eq!(b[2].1, Tally::default(), "an empty minute is shown as zeros");
        assert_eq!(b[4].1, Tally { read: 1, ..Tally::default() });
    }

    #[test]
    fn a_long_campaign_widens_its_buckets_and_keeps_every_count() {
        let mut t = Timeline::default();
        let mut total = 0;
        for i in 0..10_000 {
            let mut r = Receipts::default();
            r.add(Delivery::Failed, at(1_000_000 + i * 97 + 30), Some("131026"), None);
            t.add(at(1_000_000 + i * 97), Some(&r));
            total += 1;
        }
        let b = t.buckets();
        assert!(b.len() <= MAX_BUCKETS, "{}", b.len());
        assert!(t.seconds() > 60);
        let sum = b.iter().fold(Tally::default(), |mut s, (_, x)| {
            s.merge(*x);
            s
        });
        assert_eq!((sum.accepted, sum.failed, sum.delivered), (total, total, 0));
        assert!(b.windows(2).all(|w| w[1].0.as_second() - w[0].0.as_second() == t.seconds()));
    }

    #[test]
    fn an_empty_timeline_has_no_buckets() {
        assert!(Timeline::default().buckets().is_empty());
    }
}
