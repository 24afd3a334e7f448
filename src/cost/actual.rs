//! What a campaign cost, from what Meta reported it billed: each delivered message's `pricing`
//! (billable, category) on its receipts, priced at the rate card's rate for that category in
//! the market of the recipient's calling code. Messages Meta reports not billable (free
//! service, free entry point) cost nothing; billable ones whose market or category the card
//! has no rate for are counted apart (`unpriced`), never guessed.

use super::card::RateCard;
use super::category::Category;
use super::money::{Amount, Currency};
use crate::providers::Pricing;
use std::collections::BTreeMap;

/// Billable messages by the recipient's calling code and the category Meta billed them as. Its
/// size depends on the countries and categories, not on the audience.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Charges {
    by: BTreeMap<(Option<u16>, String), u64>,
}

impl Charges {
    /// Counts the message to `recipient` (E.164) with `pricing`, when Meta bills it.
    pub fn add(&mut self, recipient: &str, pricing: &Pricing) {
        if pricing.billable {
            self.count(recipient, pricing.category.clone());
        }
    }

    /// Counts a billable message to `recipient` (E.164), billed as `category`.
    pub fn count(&mut self, recipient: &str, category: String) {
        *self.by.entry((crate::phone::calling_code(recipient), category)).or_default() += 1;
    }
}

/// What one category cost.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Spent {
    /// Billable messages.
    pub messages: u64,
    /// Their cost (the priced ones').
    pub amount: Amount,
}

/// A campaign's cost as Meta billed it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actual {
    /// The card's currency.
    pub currency: Currency,
    /// The cost of the billable messages priced.
    pub amount: Amount,
    /// Messages Meta reported billable.
    pub billable_messages: u64,
    /// By the category Meta billed them as.
    pub by_category: BTreeMap<String, Spent>,
    /// Billable messages whose market or category the card has no rate for.
    pub unpriced: u64,
}

impl Actual {
    /// Prices `charges` at `card`'s rates.
    pub fn of(card: &RateCard, charges: &Charges) -> Actual {
        let mut actual = Actual {
            currency: card.currency.clone(),
            amount: Amount(0),
            billable_messages: 0,
            by_category: BTreeMap::new(),
            unpriced: 0,
        };
        for ((code, category), &n) in &charges.by {
            actual.billable_messages += n;
            let spent = actual.by_category.entry(category.clone()).or_default();
            spent.messages += n;
            let country = code.and_then(|c| crate::phone::calling_code_regions(c).into_iter().next());
            let rate =
                Category::parse(category).and_then(|c| card.market_of(country.as_deref().unwrap_or("??"))?.rate(c));
            match rate {
                Some(rate) => {
                    spent.amount = spent.amount + rate.times(n);
                    actual.amount = actual.amount + rate.times(n);
                }
                None => actual.unpriced += n,
            }
        }
        actual
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn priced(category: &str, billable: bool) -> Pricing {
        Pricing { billable, category: category.into(), kind: "regular".into() }
    }

    #[test]
    fn billable_messages_are_priced_by_their_calling_code_s_market_and_their_category() {
        let card = RateCard::parse(
            std::path::Path::new("rates.csv"),
            include_bytes!("../../tests/fixtures/meta-rates-usd.csv"),
        )
        .unwrap();
        let mut charges = Charges::default();
        charges.add("+254712345678", &priced("marketing", true));
        charges.add("+254712345679", &priced("marketing", true));
        charges.add("+16505551234", &priced("utility", true));
        charges.add("+254712345670", &priced("service", false));
        charges.add("+254712345671", &priced("referral_conversion", true));
        let actual = Actual::of(&card, &charges);
        // Kenya is in Rest of Africa (0.0225 marketing); +1 is the US, North America (0.0034 utility).
        assert_eq!(actual.amount, Amount::parse("0.0484").unwrap());
        assert_eq!((actual.billable_messages, actual.unpriced), (4, 1), "a free message is not billable");
        assert_eq!(actual.by_category["marketing"], Spent { messages: 2, amount: Amount::parse("0.045").unwrap() });
        assert_eq!(actual.by_category["referral_conversion"], Spent { messages: 1, amount: Amount(0) });
        assert_eq!(Actual::of(&card, &Charges::default()).amount, Amount(0));
    }
}
