//! What a campaign cost, from what Meta reported it billed: each delivered message's `pricing`
//! (billable, category) on its receipts, priced at the rate card's rate for that category in
//! the market of the recipient's country, read from the number as the estimate reads it (so a
//! Jamaican +1 number is Rest of Latin America, not North America). Messages Meta reports not billable (free
//! service, free entry point) cost nothing; billable ones whose market or category the card
//! has no rate for are counted apart (`unpriced`), never guessed.

use super::card::RateCard;
use super::category::Category;
use super::money::{Amount, Currency};
use crate::providers::Pricing;
use std::collections::BTreeMap;

/// Billable messages by the recipient's country (two letters, `None` where the number names
/// none) and the category Meta billed them as. Its size depends on the countries and
/// categories, not on the audience.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Charges {
    by: BTreeMap<(Option<String>, String), u64>,
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
        let country = crate::phone::Phone::from_e164_unchecked(recipient).region();
        *self.by.entry((country, category)).or_default() += 1;
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
        for ((country, category), &n) in &charges.by {
            actual.billable_messages += n;
            let spent = actual.by_category.entry(category.clone()).or_default();
            spent.messages += n;
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
    fn billable_messages_are_priced_by_their_country_s_market_and_their_category() {
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

    #[test]
    fn charges_are_priced_by_the_number_s_country_as_the_estimate_is() {
        // +1 and +7 are shared: Jamaica dials +1 but is in Rest of Latin America, Kazakhstan
        // dials +7 but is not Russia.
        let card = RateCard::parse(
            std::path::Path::new("rates.csv"),
            b"Market,Currency,Marketing,Utility,Authentication,Authentication-International,Service\n\
              North America,USD,0.01,0.001,0.001,n/a,n/a\n\
              Rest of Latin America,USD,0.02,0.002,0.002,n/a,n/a\n\
              Russia,USD,0.04,0.004,0.004,n/a,n/a\n\
              Other,USD,0.08,0.008,0.008,n/a,n/a\n",
        )
        .unwrap();
        let people = ["+18765550123", "+77012345678", "+16505551234", "+79161234567"];
        let mut charges = Charges::default();
        for p in people {
            charges.add(p, &priced("marketing", true));
        }
        let actual = Actual::of(&card, &charges);
        assert_eq!(actual.amount, Amount::parse("0.15").unwrap(), "JM 0.02 + KZ 0.08 + US 0.01 + RU 0.04");
        let countries = people.iter().map(|p| crate::phone::Phone::from_e164_unchecked(*p).region());
        let estimate =
            super::super::Estimate::of(&card, super::super::Billed::Template(Some(Category::Marketing)), countries);
        assert_eq!(actual.amount, estimate.total, "the actual cost of the same people agrees with the estimate");
    }
}
