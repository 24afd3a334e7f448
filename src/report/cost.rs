//! The campaign's cost as every report format words it: the estimate (an upper bound, from the
//! audience) beside the actual cost (from the pricing Meta reported on the receipts), both at
//! the rate card's rates; or, for a template campaign with no rate card, how to add one.

use crate::cost::{Actual, Charges, Estimate, RateCard};
use crate::receipts::Funnel;
use serde_json::{Value, json};

/// What the campaign's costs are read from: the rate card and the estimate made with it.
#[derive(Debug, Clone, PartialEq)]
pub struct Basis {
    /// The rate card (`delivery.rate_card`, `$HERALD_RATE_CARD`).
    pub card: RateCard,
    /// The estimate of the campaign's audience.
    pub estimate: Estimate,
}

impl Basis {
    /// The basis of a planned campaign, when it names a rate card.
    pub fn of(plan: &crate::plan::Plan) -> Option<Basis> {
        Some(Basis { card: plan.rate_card.clone()?, estimate: plan.estimate.clone()? })
    }
}

/// How far the actual cost is known.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Known {
    /// No receipt has come yet.
    Waiting,
    /// Some accepted messages still await their receipt (how many).
    Partial(usize),
    /// Every accepted message has its receipt.
    Complete,
    /// The provider reports no pricing.
    NotReported,
    /// Nothing was sent (a dry run).
    DryRun,
}

impl Known {
    /// The name summary.json gives it.
    pub fn as_str(self) -> &'static str {
        match self {
            Known::Waiting => "waiting for receipts",
            Known::Partial(_) => "partial",
            Known::Complete => "complete",
            Known::NotReported => "not reported",
            Known::DryRun => "dry run",
        }
    }
}

/// What a report says of cost.
#[derive(Debug, Clone, PartialEq)]
pub enum Cost<'a> {
    /// Not a template campaign, and no rate card: nothing to say.
    Nothing,
    /// A template campaign with no rate card.
    NoCard,
    /// The estimate beside the actual cost.
    Priced {
        /// The estimate.
        estimate: &'a Estimate,
        /// The actual cost so far.
        actual: Actual,
        /// How far it is known.
        known: Known,
    },
}

/// The facts a cost is told from.
#[derive(Debug, Clone, Copy)]
pub struct Facts<'a> {
    /// The rate card and estimate, when a card is named.
    pub basis: Option<&'a Basis>,
    /// Whether the message is a template (Meta bills templates).
    pub template: bool,
    /// Whether the provider's receipts carry Meta's pricing.
    pub reported: bool,
    /// Whether nothing was sent (a dry run).
    pub dry_run: bool,
    /// The receipts of the accepted messages.
    pub funnel: &'a Funnel,
    /// The billable messages the receipts report.
    pub charges: &'a Charges,
}

impl<'a> Cost<'a> {
    /// The cost told from `f`.
    pub fn of(f: Facts<'a>) -> Cost<'a> {
        let Some(basis) = f.basis else {
            return if f.template { Cost::NoCard } else { Cost::Nothing };
        };
        let known = if f.dry_run {
            Known::DryRun
        } else if !f.reported {
            Known::NotReported
        } else if !f.funnel.any() {
            Known::Waiting
        } else if f.funnel.no_receipt > 0 {
            Known::Partial(f.funnel.no_receipt)
        } else {
            Known::Complete
        };
        Cost::Priced { estimate: &basis.estimate, actual: Actual::of(&basis.card, f.charges), known }
    }

    /// The line the terminal shows (`herald send`'s summary, `herald status`), or none.
    pub fn text(&self) -> String {
        match self {
            Cost::Nothing => String::new(),
            Cost::NoCard => format!("cost: {NO_CARD}\n"),
            Cost::Priced { estimate, actual, known } => {
                format!("cost: estimate {} · actual {}\n", estimated(estimate), self::actual(actual, *known))
            }
        }
    }

    /// The cost as summary.json and `status --format json` give it (`null`: no rate card).
    pub fn json(&self) -> Value {
        let Cost::Priced { estimate, actual, known } = self else { return Value::Null };
        let by_category: serde_json::Map<String, Value> = actual
            .by_category
            .iter()
            .map(|(c, s)| (c.clone(), json!({"messages": s.messages, "amount": s.amount.as_f64()})))
            .collect();
        json!({
            "currency": estimate.currency.code(),
            "estimate": {
                "at_most": estimate.total.as_f64(),
                "category": estimate.category.as_str(),
                "unpriced": estimate.unpriced,
            },
            "actual": {
                "status": known.as_str(),
                "amount": actual.amount.as_f64(),
                "billable_messages": actual.billable_messages,
                "by_category": by_category,
                "unpriced": actual.unpriced,
            },
        })
    }
}

/// What to do without a rate card, said once.
pub const NO_CARD: &str = "no rate card, so no estimate and no actual cost: set `delivery.rate_card` (or \
     $HERALD_RATE_CARD) to Meta's CSV rate card for your currency; see docs/cost.md";

/// `at most 18.45 USD (an upper bound)`.
pub fn estimated(e: &Estimate) -> String {
    format!("at most {} {} (an upper bound)", e.total.shown_up(), e.currency)
}

/// `12.30 USD for 547 billable messages (marketing 547: 12.30)…`, or why there is no figure yet.
pub fn actual(a: &Actual, known: Known) -> String {
    match known {
        Known::Waiting => return "waiting for receipts".into(),
        Known::NotReported => return "not known: the provider's receipts carry no pricing".into(),
        Known::DryRun => return "nothing: a dry run sends nothing".into(),
        Known::Partial(_) | Known::Complete => {}
    }
    let mut s = format!(
        "{} {} for {} billable message{}",
        a.amount.shown_up(),
        a.currency,
        a.billable_messages,
        plural(a.billable_messages)
    );
    let parts: Vec<String> =
        a.by_category.iter().map(|(c, x)| format!("{c} {}: {}", x.messages, x.amount.shown_up())).collect();
    if !parts.is_empty() {
        s.push_str(&format!(" ({})", parts.join(", ")));
    }
    if a.unpriced > 0 {
        s.push_str(&format!(
            "; {} billable not priced: the rate card has no rate for their market or category",
            a.unpriced
        ));
    }
    if let Known::Partial(n) = known {
        s.push_str(&format!(
            " so far; {n} message{} still await{} a receipt",
            plural(n as u64),
            if n == 1 { "s" } else { "" }
        ));
    }
    s
}

fn plural(n: u64) -> &'static str {
    if n == 1 { "" } else { "s" }
}

#[cfg(test)]
pub(super) mod tests {
    use super::super::fixture::{record, report_of};
    use super::*;
    use crate::cost::{Billed, Category};
    use crate::receipts::{Delivery, Receipts};
    use crate::results::Status;

    pub fn basis() -> Basis {
        let card = RateCard::parse(
            std::path::Path::new("rates.csv"),
            include_bytes!("../../tests/fixtures/meta-rates-usd.csv"),
        )
        .unwrap();
        let estimate = Estimate::of(
            &card,
            Billed::Template(Some(Category::Marketing)),
            std::iter::repeat_n(Some("KE".to_string()), 3),
        );
        Basis { card, estimate }
    }

    /// A message to `to` delivered, with Meta's pricing when `category` is given.
    fn delivered(to: &str, category: Option<&str>) -> crate::results::Record {
        let mut r = record(to, Status::Sent, None);
        let mut k = Receipts::default();
        k.add(Delivery::Delivered, jiff::Timestamp::UNIX_EPOCH, None, None);
        k.pricing =
            category.map(|c| crate::providers::Pricing { billable: true, category: c.into(), kind: "regular".into() });
        r.receipts = Some(k);
        r
    }

    #[test]
    fn the_estimate_sits_beside_the_cost_meta_reported() {
        let mut r = report_of(vec![
            delivered("+254712345678", Some("marketing")),
            delivered("+254712345679", Some("marketing")),
            record("+254712345670", Status::Sent, None),
        ]);
        r.about.message_type = "template".into();
        r.about.cost = Some(basis());
        assert_eq!(
            r.cost().text(),
            "cost: estimate at most 0.0675 USD (an upper bound) · actual 0.045 USD for 2 billable messages (marketing 2: 0.045) so far; 1 message still awaits a receipt\n"
        );
        let v = r.cost().json();
        assert_eq!((v["currency"].as_str(), v["estimate"]["at_most"].as_f64()), (Some("USD"), Some(0.0675)));
        assert_eq!(v["actual"]["amount"].as_f64(), Some(0.045));
        assert_eq!(
            (v["actual"]["status"].as_str(), v["actual"]["billable_messages"].as_u64()),
            (Some("partial"), Some(2))
        );
        assert_eq!(v["actual"]["by_category"]["marketing"]["messages"], 2);
        let md = super::super::summary_markdown(&r);
        assert!(
            md.contains(
                "| cost | USD |\n|---|---|\n| estimate | at most 0.0675 USD (an upper bound) |\n| actual | 0.045 USD"
            ),
            "{md}"
        );
        let html = super::super::report_html(&r);
        assert!(html.contains("data-cost=\"actual\" data-amount=\"0.045\" data-known=\"partial\""), "{html}");
    }

    #[test]
    fn says_when_the_cost_is_not_known_yet_and_how_to_add_a_rate_card() {
        let mut r = report_of(vec![record("+254712345678", Status::Sent, None)]);
        r.about.message_type = "template".into();
        assert_eq!(r.cost(), Cost::NoCard);
        assert!(r.cost().text().contains("set `delivery.rate_card` (or $HERALD_RATE_CARD)"));
        assert_eq!(r.cost().json(), Value::Null);
        let md = super::super::summary_markdown(&r);
        assert_eq!(md.matches("docs/cost.md").count(), 1, "said once: {md}");
        assert!(super::super::report_html(&r).contains("id=\"cost-note\""));
        r.about.cost = Some(basis());
        assert!(r.cost().text().ends_with("· actual waiting for receipts\n"), "{}", r.cost().text());
        assert_eq!(r.cost().json()["actual"]["status"], "waiting for receipts");
        r.about.pricing_reported = false;
        assert_eq!(r.cost().json()["actual"]["status"], "not reported");
        r.about.message_type = "text".into();
        r.about.cost = None;
        assert_eq!(r.cost().text(), "", "a free message and no card: nothing to say");
    }
}
