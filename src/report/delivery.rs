//! The delivery funnel as every report format words it: whether there is one to show (nothing
//! accepted, a provider that reports no status, no receipt yet), the failures by code with the
//! provider's words (else Meta's documented meaning of the code), and shares of the accepted.

use super::Report;
use crate::receipts::Funnel;

/// What a report says of delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shown<'a> {
    /// Nothing was accepted: nothing to say.
    Nothing,
    /// The provider documents no status events (its name for people).
    NoStatus(&'a str),
    /// The provider reports status, but no receipt has reached the journal.
    NoReceipt,
    /// The funnel.
    Funnel(&'a Funnel),
}

/// What `r` says of delivery.
pub fn shown(r: &Report) -> Shown<'_> {
    Shown::of(r.summary.funnel(), r.about.receipts, &r.about.provider_name)
}

impl<'a> Shown<'a> {
    /// The sentence for [`Shown::NoStatus`] and [`Shown::NoReceipt`].
    pub fn sentence(&self) -> Option<String> {
        match self {
            Shown::NoStatus(name) => Some(format!(
                "{name} reports no delivery status: herald knows a message was accepted, not whether it was delivered or read"
            )),
            Shown::NoReceipt => Some(
                "no delivery receipt has reached the journal yet: run `herald listen` where the provider's status \
                 webhook can reach it (see docs/listen.md)"
                    .into(),
            ),
            Shown::Nothing | Shown::Funnel(_) => None,
        }
    }

    /// What to say of funnel `f` of a campaign sent through `provider_name`, which documents
    /// status events or not (`receipts`).
    pub fn of(f: &'a Funnel, receipts: bool, provider_name: &'a str) -> Shown<'a> {
        if f.accepted == 0 {
            Shown::Nothing
        } else if f.any() {
            Shown::Funnel(f)
        } else if !receipts {
            Shown::NoStatus(provider_name)
        } else {
            Shown::NoReceipt
        }
    }

    /// The lines the terminal shows (`herald send`'s summary, `herald status`): the funnel and
    /// up to 8 failure codes, or the sentence saying why there is none; empty for nothing.
    pub fn text(&self) -> String {
        match self {
            Shown::Funnel(f) => {
                let mut s = format!("delivery: {}\n", line(f));
                for x in failures(f).iter().take(8) {
                    let code = if x.code.is_empty() { "(no code)" } else { &x.code };
                    s.push_str(&format!("  failed after acceptance {code} ×{}: {}\n", x.count, x.description));
                }
                s
            }
            shown => shown.sentence().map(|s| format!("delivery: {s}\n")).unwrap_or_default(),
        }
    }
}

/// The funnel as summary.json and `status --format json` give it.
pub fn json(f: &Funnel, receipts: bool) -> serde_json::Value {
    serde_json::json!({
        "provider_reports_status": receipts,
        "accepted": f.accepted,
        "delivered": f.delivered,
        "read": f.read,
        "failed": f.failed,
        "no_receipt": f.no_receipt,
        "conflicts": f.conflicts,
        "failures": failures(f)
            .into_iter()
            .map(|x| serde_json::json!({ "code": x.code, "description": x.description, "count": x.count }))
            .collect::<Vec<_>>(),
    })
}

/// The failures reported with one code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// The provider's code (empty: none given).
    pub code: String,
    /// The provider's words, else what Meta documents the code to mean, else empty.
    pub description: String,
    /// Messages.
    pub count: usize,
}

/// The funnel's failures, most frequent first.
pub fn failures(f: &Funnel) -> Vec<Failure> {
    let mut v: Vec<Failure> = f
        .failures
        .iter()
        .map(|(code, failures)| Failure {
            code: code.clone(),
            description: failures
                .error
                .clone()
                .filter(|e| !e.trim().is_empty())
                .or_else(|| crate::providers::meta::errors::describe(code).map(str::to_string))
                .unwrap_or_default(),
            count: failures.count,
        })
        .collect();
    v.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.code.cmp(&b.code)));
    v
}

/// The funnel in one line: `10 accepted → 9 delivered (90.0%) → 5 read (50.0%); 1 failed
/// (10.0%), 0 without a receipt (0.0%)`, and the conflicts when there are any.
pub fn line(f: &Funnel) -> String {
    let of = |n: usize| share(n, f.accepted);
    let mut s = format!(
        "{} accepted → {} delivered ({}) → {} read ({}); {} failed ({}), {} without a receipt ({})",
        f.accepted,
        f.delivered,
        of(f.delivered),
        f.read,
        of(f.read),
        f.failed,
        of(f.failed),
        f.no_receipt,
        of(f.no_receipt)
    );
    if f.conflicts > 0 {
        s.push_str(&format!("; {} reported both failed and delivered (counted failed)", f.conflicts));
    }
    s
}

/// `n` as a share of `of`, with one decimal (`95.0%`; `0.0%` of nothing).
pub fn share(n: usize, of: usize) -> String {
    let p = if of == 0 { 0.0 } else { n as f64 * 100.0 / of as f64 };
    format!("{p:.1}%")
}

#[cfg(test)]
mod tests {
    use super::super::fixture::{record, report_of};
    use super::*;
    use crate::receipts::{Delivery, Receipts};
    use crate::results::Status;

    fn failed(code: &str, words: Option<&str>) -> crate::results::Record {
        let mut r = record("+254712345678", Status::Sent, None);
        let mut x = Receipts::default();
        x.add(Delivery::Failed, r.timestamp, Some(code), words);
        r.receipts = Some(x);
        r
    }

    #[test]
    fn says_whether_there_is_a_funnel_and_why_not() {
        let sent = || record("+254712345678", Status::Sent, None);
        assert_eq!(shown(&report_of(vec![record("+1", Status::Failed, Some("x"))])), Shown::Nothing);
        let mut r = report_of(vec![sent()]);
        assert_eq!(shown(&r), Shown::NoReceipt);
        assert!(shown(&r).sentence().unwrap().contains("herald listen"));
        r.about.receipts = false;
        r.about.provider_name = "WhautoChat".into();
        assert_eq!(shown(&r), Shown::NoStatus("WhautoChat"));
        assert!(shown(&r).sentence().unwrap().starts_with("WhautoChat reports no delivery status"));
        let r = report_of(vec![sent(), failed("131049", None)]);
        assert!(matches!(shown(&r), Shown::Funnel(f) if f.failed == 1 && f.accepted == 2));
    }

    #[test]
    fn failures_use_the_providers_words_else_metas_most_frequent_first() {
        let r = report_of(vec![
            failed("131049", None),
            failed("131026", Some("Not on WhatsApp")),
            failed("131026", None),
            failed("x9", None),
        ]);
        let v = failures(r.summary.funnel());
        assert_eq!(v[0], Failure { code: "131026".into(), description: "Not on WhatsApp".into(), count: 2 });
        assert_eq!(v[1].code, "131049");
        assert!(v[1].description.contains("healthy ecosystem engagement"), "{}", v[1].description);
        assert_eq!(v[2], Failure { code: "x9".into(), description: String::new(), count: 1 });
        assert_eq!((share(1, 3), share(0, 0), share(19, 20)), ("33.3%".into(), "0.0%".into(), "95.0%".into()));
    }
}
