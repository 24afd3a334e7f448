//! The counters a report is made of, fed one record at a time: counts by status, problem
//! classes by error code (with an example and the first few recipients of each), a latency
//! histogram, counts by status and receipt for each sender and each country calling code, the
//! delivery funnel of the accepted messages, what Meta billed them as, and their receipts over
//! time. Its size depends on
//! the number of distinct error codes, senders and countries, not on the audience.

use super::timeline::Timeline;
use crate::receipts::{Delivery, Funnel};
use crate::results::{Code, Record, Status};
use std::collections::{BTreeMap, HashMap};

/// Recipients listed per problem class (the rest are counted).
pub const LISTED: usize = 20;

/// Latencies up to this many milliseconds are counted exactly; slower ones in power-of-two
/// buckets.
const EXACT_MS: u64 = 10_000;

/// One class of problem: a status and an error code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Class {
    /// Recipients in it.
    pub count: usize,
    /// The first one's error message.
    pub example: String,
    /// The first [`LISTED`] recipients, with their CSV line.
    pub recipients: Vec<(String, Option<u64>)>,
}

/// Recipients by status, and what the receipts of the accepted ones say.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    by_status: [usize; 5],
    delivered: usize,
    read: usize,
    failed_after: usize,
}

impl Counts {
    /// Recipients with `status`.
    pub fn of(&self, status: Status) -> usize {
        self.by_status[index(status)]
    }

    /// Accepted messages reported delivered (read ones included) and not failed.
    pub fn delivered(&self) -> usize {
        self.delivered
    }

    /// Accepted messages reported read and not failed.
    pub fn read(&self) -> usize {
        self.read
    }

    /// Accepted messages the provider reported failed afterwards.
    pub fn failed_after(&self) -> usize {
        self.failed_after
    }

    fn add(&mut self, r: &Record) {
        self.by_status[index(r.status)] += 1;
        if r.status != Status::Sent {
            return;
        }
        match r.receipts.as_ref().and_then(|x| x.delivery()) {
            Some(Delivery::Read) => {
                self.delivered += 1;
                self.read += 1;
            }
            Some(Delivery::Delivered) => self.delivered += 1,
            Some(Delivery::Failed) => self.failed_after += 1,
            None => {}
        }
    }
}

/// The counters.
#[derive(Debug, Clone, Default)]
pub struct Summary {
    counts: Counts,
    by_sender: BTreeMap<String, Counts>,
    by_country: BTreeMap<Option<u16>, Counts>,
    funnel: Funnel,
    charges: crate::cost::Charges,
    timeline: Timeline,
    classes: HashMap<(Status, Option<Code>), Class>,
    latency: Histogram,
    /// Requests made, retries included, as the records tell.
    pub attempts: usize,
    /// Records with at least one attempt.
    pub attempted: usize,
}

impl Summary {
    /// Counts one record.
    pub fn add(&mut self, r: &Record) {
        self.counts.add(r);
        if let Some(account) = &r.sender {
            match self.by_sender.get_mut(account.as_str()) {
                Some(counts) => counts.add(r),
                None => {
                    let mut counts = Counts::default();
                    counts.add(r);
                    self.by_sender.insert(account.clone(), counts);
                }
            }
        }
        self.by_country.entry(crate::phone::calling_code(&r.recipient)).or_default().add(r);
        if r.status == Status::Sent {
            self.funnel.add(r.receipts.as_ref());
            if let Some(k) = r.receipts.as_ref().filter(|k| k.delivery() != Some(Delivery::Failed)) {
                k.pricing.iter().for_each(|p| self.charges.add(&r.recipient, p));
            }
            self.timeline.add(r.timestamp, r.receipts.as_ref());
        }
        self.attempts += r.attempts as usize;
        self.attempted += usize::from(r.attempts > 0);
        if let Some(ms) = r.latency_ms {
            self.latency.add(ms);
        }
        if matches!(r.status, Status::Failed | Status::Unknown | Status::Skipped) {
            let class = self.classes.entry((r.status, r.error_code.clone())).or_insert_with(|| Class {
                count: 0,
                example: r.error_message.clone().unwrap_or_default(),
                recipients: Vec::new(),
            });
            class.count += 1;
            if class.recipients.len() < LISTED {
                class.recipients.push((r.recipient.clone(), r.csv_line));
            }
        }
    }

    /// Recipients with `status`.
    pub fn count(&self, status: Status) -> usize {
        self.counts.of(status)
    }

    /// The counts of the recipients each account went from (or is pinned to), by account.
    pub fn by_sender(&self) -> &BTreeMap<String, Counts> {
        &self.by_sender
    }

    /// The counts of the recipients by the calling code their number starts with (`None`:
    /// not a number, or no known code).
    pub fn by_country(&self) -> &BTreeMap<Option<u16>, Counts> {
        &self.by_country
    }

    /// What the receipts of the accepted (`sent`) messages add up to.
    pub fn funnel(&self) -> &Funnel {
        &self.funnel
    }

    /// The accepted messages Meta reported billable, by calling code and category.
    pub fn charges(&self) -> &crate::cost::Charges {
        &self.charges
    }

    /// The accepted messages and their receipts over time.
    pub fn timeline(&self) -> &Timeline {
        &self.timeline
    }

    /// Skipped recipients with `code`.
    pub fn skipped_with(&self, code: &Code) -> usize {
        self.classes.get(&(Status::Skipped, Some(code.clone()))).map_or(0, |c| c.count)
    }

    /// Recipients in all.
    pub fn total(&self) -> usize {
        self.counts.by_status.iter().sum()
    }

    /// Failed, unknown and skipped recipients grouped by (status, error code), largest first.
    pub fn problem_classes(&self) -> Vec<(Status, String, &Class)> {
        let mut v: Vec<_> = self
            .classes
            .iter()
            .map(|((s, c), class)| (*s, c.as_ref().map_or_else(|| "unknown_error".into(), |c| c.to_string()), class))
            .collect();
        v.sort_by(|a, b| b.2.count.cmp(&a.2.count).then(a.0.cmp(&b.0)).then(a.1.cmp(&b.1)));
        v
    }

    /// Failed and unknown as a share of recipients that reached a final state.
    pub fn failure_rate(&self) -> f64 {
        let bad = self.count(Status::Failed) + self.count(Status::Unknown);
        let done = self.count(Status::Sent) + bad;
        if done == 0 { 0.0 } else { bad as f64 / done as f64 }
    }

    /// The latency at percentile `p` (0–100), in milliseconds.
    pub fn latency_percentile(&self, p: f64) -> Option<u64> {
        self.latency.percentile(p)
    }
}

fn index(s: Status) -> usize {
    Status::ALL.iter().position(|x| *x == s).unwrap_or(0)
}

/// Latencies: exact milliseconds up to [`EXACT_MS`], power-of-two buckets above, and the max.
#[derive(Debug, Clone, Default)]
struct Histogram {
    exact: Vec<u64>,
    slow: Vec<u64>,
    n: u64,
    max: u64,
}

impl Histogram {
    fn add(&mut self, ms: u64) {
        if ms <= EXACT_MS {
            if self.exact.is_empty() {
                self.exact = vec![0; EXACT_MS as usize + 1];
            }
            self.exact[ms as usize] += 1;
        } else {
            if self.slow.is_empty() {
                self.slow = vec![0; 64];
            }
            self.slow[63 - ms.leading_zeros() as usize] += 1;
        }
        self.n += 1;
        self.max = self.max.max(ms);
    }

    /// The value at rank `round(p% × (n − 1))`, as a sorted list of every latency would give
    /// (slow ones rounded down to their power of two).
    fn percentile(&self, p: f64) -> Option<u64> {
        if self.n == 0 {
            return None;
        }
        let rank = ((p / 100.0) * (self.n - 1) as f64).round() as u64;
        if rank + 1 == self.n {
            return Some(self.max);
        }
        let mut seen = 0;
        for (ms, &count) in self.exact.iter().enumerate() {
            seen += count;
            if seen > rank {
                return Some(ms as u64);
            }
        }
        for (bit, &count) in self.slow.iter().enumerate() {
            seen += count;
            if seen > rank {
                return Some(1 << bit);
            }
        }
        Some(self.max)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::receipts::Receipts;

    #[test]
    fn percentiles_match_a_sorted_list() {
        let mut h = Histogram::default();
        let values = [120, 5, 5, 300, 7, 9000, 42, 1, 0, 77];
        for v in values {
            h.add(v);
        }
        let mut sorted = values.to_vec();
        sorted.sort_unstable();
        for p in [0.0, 10.0, 50.0, 90.0, 95.0, 100.0] {
            let want = sorted[((p / 100.0) * (sorted.len() - 1) as f64).round() as usize];
            assert_eq!(h.percentile(p), Some(want), "p{p}");
        }
        h.add(65_000);
        assert_eq!(h.percentile(100.0), Some(65_000));
        assert_eq!(Histogram::default().percentile(50.0), None);
    }

    #[test]
    fn classes_keep_an_example_and_the_first_recipients() {
        let mut s = Summary::default();
        for i in 0..30 {
            let mut r = Record::new(format!("+2547{i:08}"), Some(i + 2), Status::Failed);
            r.error_code = Some(Code::Provider("131026".into()));
            r.error_message = Some(format!("not on WhatsApp {i}"));
            r.attempts = 1;
            s.add(&r);
        }
        s.add(&Record::new("+254700000099".into(), None, Status::Sent));
        let classes = s.problem_classes();
        assert_eq!(classes.len(), 1);
        let (status, code, class) = &classes[0];
        assert_eq!((*status, code.as_str(), class.count), (Status::Failed, "131026", 30));
        assert_eq!(class.example, "not on WhatsApp 0");
        assert_eq!(class.recipients.len(), LISTED);
        assert_eq!(s.total(), 31);
        assert!((s.failure_rate() - 30.0 / 31.0).abs() < 1e-9);
    }

    fn sent(phone: &str, receipts: Option<Receipts>) -> Record {
        let mut r = Record::new(phone.into(), None, Status::Sent);
        r.timestamp = jiff::Timestamp::from_second(1_000_000).unwrap();
        r.receipts = receipts;
        r
    }

    fn receipt(delivery: Delivery, code: Option<&str>) -> Receipts {
        let mut r = Receipts::default();
        r.add(delivery, jiff::Timestamp::from_second(1_000_100).unwrap(), code, Some("words"));
        r
    }

    #[test]
    fn the_funnel_counts_accepted_messages_only_by_country_and_sender() {
        let mut s = Summary::default();
        let mut read = sent("+254712345678", Some(receipt(Delivery::Read, None)));
        read.sender = Some("1234".into());
        s.add(&read);
        s.add(&sent("+254712345679", Some(receipt(Delivery::Delivered, None))));
        s.add(&sent("+14155552671", Some(receipt(Delivery::Failed, Some("131026")))));
        s.add(&sent("+4915123456789", None));
        let mut refused = Record::new("+254712345670".into(), None, Status::Failed);
        refused.receipts = Some(receipt(Delivery::Delivered, None));
        s.add(&refused);
        s.add(&Record::skipped("not-a-number".into(), None, Code::InvalidPhone, "bad".into()));
        let f = s.funnel();
        assert_eq!((f.accepted, f.delivered, f.read, f.failed, f.no_receipt), (4, 2, 1, 1, 1));
        assert_eq!(f.failures["131026"].count, 1);
        let kenya = s.by_country()[&Some(254)];
        assert_eq!((kenya.of(Status::Sent), kenya.of(Status::Failed), kenya.delivered(), kenya.read()), (2, 1, 2, 1));
        assert_eq!(s.by_country()[&Some(1)].failed_after(), 1);
        assert_eq!(s.by_country()[&None].of(Status::Skipped), 1);
        assert_eq!(s.by_country().len(), 4);
        assert_eq!(s.by_sender()["1234"].read(), 1);
        let buckets = s.timeline().buckets();
        let accepted: usize = buckets.iter().map(|(_, t)| t.accepted).sum();
        let receipts: usize = buckets.iter().map(|(_, t)| t.delivered + t.read + t.failed).sum();
        assert_eq!((accepted, receipts), (4, 3));
    }
}
