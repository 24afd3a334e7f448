//! Delivery receipts, folded: what the provider reported of one message after it accepted it
//! ([`Receipts`]), and what they add up to over a campaign ([`Funnel`]). A message's receipts
//! only move it forward: accepted, then delivered, then read; a failure is kept with its code
//! whatever arrives after it, and a delivery reported beside a failure is a conflict, shown,
//! not resolved. The same receipt twice changes nothing, so a webhook delivered twice counts
//! once and receipts arriving out of order fold to the same result. A delivered message's
//! pricing (what the provider bills it as) is kept as first reported.

use crate::providers::Pricing;
use std::collections::BTreeMap;

/// How far a message got after the provider accepted it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Delivery {
    /// On the recipient's phone.
    Delivered,
    /// Opened by the recipient (implies delivered).
    Read,
    /// The provider gave up on it.
    Failed,
}

impl Delivery {
    /// The name used in the journal and in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Delivery::Delivered => "delivered",
            Delivery::Read => "read",
            Delivery::Failed => "failed",
        }
    }

    /// The delivery a name stands for.
    pub fn parse(s: &str) -> Option<Delivery> {
        match s {
            "delivered" => Some(Delivery::Delivered),
            "read" => Some(Delivery::Read),
            "failed" => Some(Delivery::Failed),
            _ => None,
        }
    }
}

/// Every receipt of one message, each kind kept once at the time first reported.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Receipts {
    /// When the provider reported it delivered.
    pub delivered_at: Option<jiff::Timestamp>,
    /// When the provider reported it read.
    pub read_at: Option<jiff::Timestamp>,
    /// When the provider reported it failed.
    pub failed_at: Option<jiff::Timestamp>,
    /// The provider's code for the failure (`131026`).
    pub error_code: Option<String>,
    /// The provider's words for the failure.
    pub error: Option<String>,
    /// How the provider bills the message, as first reported (Meta's `pricing`).
    pub pricing: Option<Pricing>,
}

impl Receipts {
    /// Where the message stands: failed wins (kept with its code whatever came after it), then
    /// read, then delivered; `None` while no receipt has come.
    pub fn delivery(&self) -> Option<Delivery> {
        if self.failed_at.is_some() {
            Some(Delivery::Failed)
        } else if self.read_at.is_some() {
            Some(Delivery::Read)
        } else if self.delivered_at.is_some() {
            Some(Delivery::Delivered)
        } else {
            None
        }
    }

    /// The provider reported both a failure and a delivery (or read) of this message.
    pub fn conflict(&self) -> bool {
        self.failed_at.is_some() && (self.delivered_at.is_some() || self.read_at.is_some())
    }

    /// Whether nothing more is awaited: delivered, read or failed.
    pub fn is_final(&self) -> bool {
        self.delivery().is_some()
    }

    /// Folds one receipt in; returns whether it was news. A kind already reported keeps its
    /// first time (and a failure its first code).
    pub fn add(
        &mut self,
        delivery: Delivery,
        at: jiff::Timestamp,
        error_code: Option<&str>,
        error: Option<&str>,
    ) -> bool {
        let slot = match delivery {
            Delivery::Delivered => &mut self.delivered_at,
            Delivery::Read => &mut self.read_at,
            Delivery::Failed => &mut self.failed_at,
        };
        if slot.is_some() {
            return false;
        }
        *slot = Some(at);
        if delivery == Delivery::Failed {
            self.error_code = error_code.map(str::to_string);
            self.error = error.map(str::to_string);
        }
        true
    }

    /// Folds a pricing in; returns whether it was news. The first reported stands: Meta puts
    /// the same pricing on each status of a message, so a later one only repeats it, and a
    /// cost once reported does not move.
    pub fn price(&mut self, pricing: Option<&Pricing>) -> bool {
        match (&self.pricing, pricing) {
            (None, Some(p)) => {
                self.pricing = Some(p.clone());
                true
            }
            _ => false,
        }
    }
}

/// What the receipts of a campaign's accepted messages add up to.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Funnel {
    /// Messages the provider accepted (herald's `sent`).
    pub accepted: usize,
    /// Of those, reported delivered (read ones included: a read message was delivered).
    pub delivered: usize,
    /// Of those, reported read.
    pub read: usize,
    /// Reported failed after being accepted.
    pub failed: usize,
    /// Accepted with no delivery, read or failure reported (yet).
    pub no_receipt: usize,
    /// Failed and also reported delivered or read (counted as failed).
    pub conflicts: usize,
    /// Failures by the provider's code (`""`: a failure with no code), with the provider's
    /// words as first reported.
    pub failures: BTreeMap<String, Failures>,
}

/// The failures reported with one code.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Failures {
    /// How many messages.
    pub count: usize,
    /// The provider's words for the first of them.
    pub error: Option<String>,
}

impl Funnel {
    /// Counts one accepted message with its receipts (`None`: none yet).
    pub fn add(&mut self, receipts: Option<&Receipts>) {
        self.accepted += 1;
        let Some(r) = receipts else {
            self.no_receipt += 1;
            return;
        };
        match r.delivery() {
            None => self.no_receipt += 1,
            Some(Delivery::Failed) => {
                self.failed += 1;
                self.conflicts += usize::from(r.conflict());
                let code = r.error_code.clone().unwrap_or_default();
                let f = self.failures.entry(code).or_default();
                f.count += 1;
                if f.error.is_none() {
                    f.error.clone_from(&r.error);
                }
            }
            Some(Delivery::Read) => {
                self.delivered += 1;
                self.read += 1;
            }
            Some(Delivery::Delivered) => self.delivered += 1,
        }
    }

    /// Whether any receipt at all was counted (a provider that reports none, or no listener,
    /// leaves every accepted message without one).
    pub fn any(&self) -> bool {
        self.no_receipt < self.accepted
    }

    /// Delivered messages as a share of the accepted ones (1 when none were accepted).
    pub fn delivered_share(&self) -> f64 {
        if self.accepted == 0 { 1.0 } else { self.delivered as f64 / self.accepted as f64 }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: i64) -> jiff::Timestamp {
        jiff::Timestamp::from_second(s).unwrap()
    }

    #[test]
    fn receipts_fold_the_same_in_any_order_and_twice() {
        let events = [
            (Delivery::Read, 30, None),
            (Delivery::Delivered, 20, None),
            (Delivery::Delivered, 25, None),
            (Delivery::Read, 30, None),
        ];
        let mut forward = Receipts::default();
        let news: Vec<bool> = events.iter().map(|(d, s, e)| forward.add(*d, at(*s), *e, None)).collect();
        assert_eq!(news, [true, true, false, false], "each kind is news once");
        assert_eq!(forward.delivery(), Some(Delivery::Read));
        assert_eq!(forward.delivered_at, Some(at(20)), "the first delivery reported is kept");
        let mut backward = Receipts::default();
        for (d, s, e) in events.iter().rev() {
            backward.add(*d, at(*s), *e, None);
        }
        assert_eq!(backward.delivery(), forward.delivery());
        assert!(!forward.conflict() && forward.is_final());
    }

    #[test]
    fn a_failure_is_kept_with_its_code_and_a_later_delivery_is_a_conflict() {
        let mut r = Receipts::default();
        assert!(!r.is_final());
        assert!(r.add(Delivery::Failed, at(10), Some("131026"), Some("Message undeliverable")));
        assert!(r.add(Delivery::Delivered, at(12), None, None));
        assert!(!r.add(Delivery::Failed, at(13), Some("131049"), None), "the first failure stands");
        assert_eq!((r.delivery(), r.conflict()), (Some(Delivery::Failed), true));
        assert_eq!(r.error_code.as_deref(), Some("131026"));
    }

    #[test]
    fn the_funnel_counts_read_as_delivered_and_failures_by_code() {
        let mut f = Funnel::default();
        let mut read = Receipts::default();
        read.add(Delivery::Read, at(1), None, None);
        let mut failed = Receipts::default();
        failed.add(Delivery::Failed, at(1), Some("131049"), Some("held back"));
        f.add(Some(&read));
        f.add(Some(&failed));
        f.add(Some(&failed));
        f.add(None);
        f.add(Some(&Receipts::default()));
        assert_eq!((f.accepted, f.delivered, f.read, f.failed, f.no_receipt), (5, 1, 1, 2, 2));
        assert_eq!(f.failures["131049"], Failures { count: 2, error: Some("held back".into()) });
        assert!(f.any());
        assert!((f.delivered_share() - 0.2).abs() < 1e-9);
        assert!(!Funnel::default().any());
    }

    #[test]
    fn the_first_pricing_reported_stands() {
        let p = |category: &str| Pricing { billable: true, category: category.into(), kind: "regular".into() };
        let mut r = Receipts::default();
        assert!(!r.price(None));
        assert!(r.price(Some(&p("marketing"))));
        assert!(!r.price(Some(&p("utility"))), "a later pricing is no news");
        assert_eq!(r.pricing, Some(p("marketing")));
    }

    #[test]
    fn names_read_back() {
        for d in [Delivery::Delivered, Delivery::Read, Delivery::Failed] {
            assert_eq!(Delivery::parse(d.as_str()), Some(d));
        }
        assert_eq!(Delivery::parse("sent"), None);
    }
}
