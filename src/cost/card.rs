//! Meta's rate card, read as Meta publishes it: a CSV per currency whose first lines are notes,
//! then the header `Market,Currency,Marketing,Utility,Authentication,Authentication-International,Service`
//! and one row per market, `n/a` where a rate does not apply. herald ships no prices: the
//! campaign names the card (`delivery.rate_card`, `$HERALD_RATE_CARD`).

use super::category::Category;
use super::markets;
use super::money::{Amount, Currency};
use std::path::{Path, PathBuf};

/// The columns herald reads, as the card's header names them.
const MARKET: &str = "market";
const CURRENCY: &str = "currency";
const RATES: [(Category, &str); 3] =
    [(Category::Marketing, "marketing"), (Category::Utility, "utility"), (Category::Authentication, "authentication")];

/// The largest card read: Meta's have a few dozen rows.
pub const MAX_BYTES: u64 = 1 << 20;

/// One market's rates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Market {
    /// As the card names it.
    pub name: String,
    /// The card's line it is on.
    pub line: u64,
    /// Marketing, utility and authentication rates; `None` where the card says `n/a`.
    rates: [Option<Amount>; 3],
}

impl Market {
    /// The rate of a category here, if the card gives one.
    pub fn rate(&self, category: Category) -> Option<Amount> {
        self.rates[RATES.iter().position(|(c, _)| *c == category).unwrap_or(0)]
    }
}

/// A rate card.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RateCard {
    /// The file it was read from.
    pub path: PathBuf,
    /// The currency of every rate.
    pub currency: Currency,
    /// Its markets, in the card's order.
    pub markets: Vec<Market>,
}

/// Why a rate card cannot be used; each names the file, and the line where there is one.
#[derive(Debug, thiserror::Error)]
pub enum CardError {
    /// Not CSV.
    #[error("{}:{line}: the rate card is not CSV: {why}", .path.display())]
    Csv {
        /// The card.
        path: PathBuf,
        /// Where.
        line: u64,
        /// What the CSV reader said.
        why: String,
    },
    /// No line names the columns.
    #[error(
        "{}: no header line with `Market`, `Currency`, `Marketing`, `Utility` and `Authentication`; download the CSV rate card from Meta's pricing page and name it as it is",
        .path.display()
    )]
    NoHeader {
        /// The card.
        path: PathBuf,
    },
    /// A rate that is not a number.
    #[error("{}:{line}: `{text}` is not a rate ({column} of {market}); rates are decimals such as 0.0225, or n/a", .path.display())]
    Rate {
        /// The card.
        path: PathBuf,
        /// Where.
        line: u64,
        /// The market.
        market: String,
        /// The column.
        column: String,
        /// As written.
        text: String,
    },
    /// A currency that is not one.
    #[error("{}:{line}: `{text}` is not a currency; write an ISO code such as USD", .path.display())]
    Currency {
        /// The card.
        path: PathBuf,
        /// Where.
        line: u64,
        /// As written.
        text: String,
    },
    /// Rows in two currencies.
    #[error("{}:{line}: {market} is in {found} but the card's first market is in {expected}; use one card per currency", .path.display())]
    MixedCurrency {
        /// The card.
        path: PathBuf,
        /// Where.
        line: u64,
        /// The market.
        market: String,
        /// The first row's currency.
        expected: Currency,
        /// This row's.
        found: Currency,
    },
    /// A market listed twice.
    #[error("{}:{line}: {market} is listed twice (first on line {first})", .path.display())]
    Duplicate {
        /// The card.
        path: PathBuf,
        /// Where.
        line: u64,
        /// The market.
        market: String,
        /// Its first line.
        first: u64,
    },
    /// No market rows at all.
    #[error("{}: the rate card lists no markets", .path.display())]
    Empty {
        /// The card.
        path: PathBuf,
    },
}

impl RateCard {
    /// Reads a card's bytes; `path` names it in errors.
    pub fn parse(path: &Path, bytes: &[u8]) -> Result<RateCard, CardError> {
        let at = |_line: u64| path.to_path_buf();
        let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(bytes);
        let mut columns: Option<Columns> = None;
        let mut currency: Option<Currency> = None;
        let mut markets: Vec<Market> = Vec::new();
        for record in reader.records() {
            let record = record.map_err(|e| CardError::Csv {
                path: at(0),
                line: e.position().map_or(0, csv::Position::line),
                why: e.to_string(),
            })?;
            let line = record.position().map_or(0, csv::Position::line);
            let Some(cols) = &columns else {
                columns = Columns::find(&record);
                continue;
            };
            let cell = |i: usize| record.get(i).map_or("", str::trim);
            let name = cell(cols.market);
            let cells: Vec<&str> = cols.rates.iter().map(|i| cell(*i)).collect();
            // Notes under the table carry text in the first column and nothing in the rates.
            if name.is_empty() || cells.iter().all(|c| c.is_empty()) {
                continue;
            }
            let mut rates = [None; 3];
            for (k, text) in cells.iter().enumerate() {
                rates[k] = rate(text).ok_or_else(|| CardError::Rate {
                    path: at(line),
                    line,
                    market: name.into(),
                    column: cols.names[k].clone(),
                    text: (*text).into(),
                })?;
            }
            let text = cell(cols.currency);
            let found =
                Currency::parse(text).ok_or_else(|| CardError::Currency { path: at(line), line, text: text.into() })?;
            match &currency {
                Some(expected) if *expected != found => {
                    return Err(CardError::MixedCurrency {
                        path: at(line),
                        line,
                        market: name.into(),
                        expected: expected.clone(),
                        found,
                    });
                }
                Some(_) => {}
                None => currency = Some(found),
            }
            if let Some(first) = markets.iter().find(|m| m.name.eq_ignore_ascii_case(name)) {
                return Err(CardError::Duplicate { path: at(line), line, market: name.into(), first: first.line });
            }
            markets.push(Market { name: name.into(), line, rates });
        }
        if columns.is_none() {
            return Err(CardError::NoHeader { path: path.to_path_buf() });
        }
        match currency {
            Some(currency) => Ok(RateCard { path: path.to_path_buf(), currency, markets }),
            None => Err(CardError::Empty { path: path.to_path_buf() }),
        }
    }

    /// The market a recipient in `country` (two letters, `KE`) is priced under: its own when
    /// the card lists it, else its region's, else `Other`; `None` when the card has none of them.
    pub fn market_of(&self, country: &str) -> Option<&Market> {
        markets::candidates(country).find_map(|name| self.markets.iter().find(|m| m.name.eq_ignore_ascii_case(name)))
    }
}

/// A rate cell: a decimal, `Free` (0), or `n/a`/`-`/empty (no rate); `None` for anything else.
fn rate(text: &str) -> Option<Option<Amount>> {
    if text.is_empty() || text == "-" || text.eq_ignore_ascii_case("n/a") {
        return Some(None);
    }
    if text.eq_ignore_ascii_case("free") {
        return Some(Some(Amount(0)));
    }
    Amount::parse(text).map(Some)
}

/// Where the header puts each column herald reads.
struct Columns {
    market: usize,
    currency: usize,
    /// Marketing, utility, authentication.
    rates: [usize; 3],
    /// Their names as written, for errors.
    names: [String; 3],
}

impl Columns {
    /// The columns, if `record` is the header: its cells (their first line, without case)
    /// include every column herald reads.
    fn find(record: &csv::StringRecord) -> Option<Columns> {
        let name = |cell: &str| cell.lines().next().unwrap_or("").trim().to_ascii_lowercase();
        let index = |wanted: &str| record.iter().position(|c| name(c) == wanted);
        let mut rates = [0; 3];
        let mut names: [String; 3] = Default::default();
        for (k, (_, column)) in RATES.iter().enumerate() {
            rates[k] = index(column)?;
            names[k] = record.get(rates[k]).unwrap_or(column).trim().to_string();
        }
        Some(Columns { market: index(MARKET)?, currency: index(CURRENCY)?, rates, names })
    }
}
