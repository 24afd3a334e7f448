//! The audience: who a campaign goes to, read from a CSV file, a list in the campaign, or
//! provider-side tags, after tag filters, the suppression list and de-duplication.

mod csv_rows;
mod suppress;

pub use csv_rows::{CsvTable, io_reason, read_csv};
pub use suppress::read_suppression;

use crate::phone::Phone;
use crate::providers::Target;
use std::sync::Arc;

/// Where a recipient came from, for messages and reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// A CSV record starting on this 1-based line.
    CsvLine(u64),
    /// The n-th (0-based) entry of `recipients.list`.
    ListItem(usize),
    /// The provider resolves the audience from its own contact tags.
    ProviderTags,
}

/// One recipient that will be sent to.
#[derive(Debug, Clone, PartialEq)]
pub struct Recipient {
    /// Who the request addresses.
    pub target: Target,
    /// Where the recipient came from.
    pub origin: Origin,
    /// The CSV values, aligned with the audience's headers; `None` where the cell is empty or
    /// missing (such a variable is undefined in templates).
    pub values: Arc<[Option<String>]>,
}

impl Recipient {
    /// The phone number, when the target is one.
    pub fn phone(&self) -> Option<&Phone> {
        match &self.target {
            Target::Phone(p) => Some(p),
            Target::Tags(_) => None,
        }
    }

    /// The CSV line, when the recipient came from one.
    pub fn csv_line(&self) -> Option<u64> {
        match self.origin {
            Origin::CsvLine(l) => Some(l),
            _ => None,
        }
    }
}

/// A recipient left out before sending, for the report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SkippedRow {
    /// The number as written (or normalised, for duplicates and suppressed numbers).
    pub recipient: String,
    /// The CSV line, when there is one.
    pub csv_line: Option<u64>,
    /// `invalid_phone`, `duplicate` or `suppressed`.
    pub code: &'static str,
    /// Why, in words.
    pub reason: String,
}

/// Counts of recipients not sent to, by reason.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Skipped {
    /// Phone number missing or invalid, or the row unreadable.
    pub invalid: usize,
    /// The same number appeared earlier.
    pub duplicate: usize,
    /// The number is on the suppression list.
    pub suppressed: usize,
    /// Left out by `tags` / `exclude_tags`.
    pub filtered: usize,
}

impl Skipped {
    /// Invalid + duplicate + suppressed (the tag filter is a choice, not a problem).
    pub fn total(&self) -> usize {
        self.invalid + self.duplicate + self.suppressed
    }
}
