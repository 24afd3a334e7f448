//! The estimate of what a campaign costs: its recipients by country, each priced at the rate
//! card's rate for the template's category in the country's market. It is an upper bound: Meta
//! bills only delivered template messages, and utility templates inside an open customer
//! service window are free, which herald cannot know ahead.

use super::card::RateCard;
use super::category::Category;
use super::money::{Amount, Currency};
use std::collections::BTreeMap;

/// What the message is, as billing sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Billed {
    /// A template of a category; `None` when the campaign declares none (priced as marketing).
    Template(Option<Category>),
    /// Any other message: free, and only deliverable inside a customer service window.
    Free,
}

/// The recipients of one country, priced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    /// Two letters (`KE`), or `??` for a number no country claims.
    pub country: String,
    /// The card's market it is priced under.
    pub market: String,
    /// Recipients.
    pub count: u64,
    /// The rate per delivered message.
    pub rate: Amount,
}

/// A campaign's estimated cost.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Estimate {
    /// The card's currency.
    pub currency: Currency,
    /// What the message is.
    pub billed: Billed,
    /// The category priced: the declared one, else marketing.
    pub category: Category,
    /// The most it costs.
    pub total: Amount,
    /// Each country, costliest first.
    pub lines: Vec<Line>,
    /// Recipients whose market has no rate for the category on the card.
    pub unpriced: u64,
}

impl Estimate {
    /// Prices recipients by country (two letters each, `None` where the number names none).
    pub fn of(card: &RateCard, billed: Billed, countries: impl IntoIterator<Item = Option<String>>) -> Estimate {
        let category = match billed {
            Billed::Template(Some(c)) => c,
            _ => Category::Marketing,
        };
        let mut by_country: BTreeMap<String, u64> = BTreeMap::new();
        for country in countries {
            *by_country.entry(country.unwrap_or_else(|| "??".into())).or_default() += 1;
        }
        let mut lines = Vec::new();
        let mut unpriced = 0;
        for (country, count) in by_country {
            let priced = card.market_of(&country).and_then(|m| m.rate(category).map(|r| (m.name.clone(), r)));
            match (billed, priced) {
                (Billed::Free, _) => lines.push(Line { country, market: String::new(), count, rate: Amount(0) }),
                (Billed::Template(_), Some((market, rate))) => lines.push(Line { country, market, count, rate }),
                (Billed::Template(_), None) => unpriced += count,
            }
        }
        lines.sort_by(|a, b| b.rate.times(b.count).cmp(&a.rate.times(a.count)).then(a.country.cmp(&b.country)));
        let total = lines.iter().fold(Amount(0), |sum, l| sum + l.rate.times(l.count));
        Estimate { currency: card.currency.clone(), billed, category, total, lines, unpriced }
    }

    /// One line for people: `costs at most 18.45 USD: 820 marketing messages to KE at 0.0225, …`
    /// and what the figure assumes.
    pub fn sentence(&self) -> String {
        if self.billed == Billed::Free {
            return "costs nothing: non-template messages are free (they reach only recipients with an open customer service window)".into();
        }
        let mut s = format!("costs at most {} {}", self.total.shown_up(), self.currency);
        let shown: Vec<String> = self
            .lines
            .iter()
            .take(3)
            .map(|l| format!("{} {} message{} to {} at {}", l.count, self.category, plural(l.count), l.country, l.rate))
            .collect();
        if !shown.is_empty() {
            s.push_str(": ");
            s.push_str(&shown.join(", "));
        }
        if self.lines.len() > 3 {
            s.push_str(&format!(" and {} more countries", self.lines.len() - 3));
        }
        s.push_str(" (an upper bound: Meta bills only delivered messages");
        match self.billed {
            Billed::Template(None) => {
                s.push_str("; priced as marketing: set `message.category` if the template is not")
            }
            Billed::Template(Some(Category::Utility)) => {
                s.push_str("; utility messages to recipients with an open customer service window are free")
            }
            _ => {}
        }
        s.push(')');
        if self.unpriced > 0 {
            s.push_str(&format!(
                "; {} recipient{} not priced: the card has no {} rate for their market",
                self.unpriced,
                plural(self.unpriced),
                self.category
            ));
        }
        s
    }
}

fn plural(n: u64) -> &'static str {
    if n == 1 { "" } else { "s" }
}
