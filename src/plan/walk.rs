//! The one walk over a planned audience that everything after validation shares: preview's
//! requests ([`Plan::items`]), the run's feed, the journal inspection before a run, the canary's
//! seeds and `status`'s windows. It yields each row that ends with a record — a recipient or a
//! row left out — in file order, and drops what only validation reports (rows the filter leaves
//! out, the ragged-row notice). A new kind of audience entry is decided here, once. It streams:
//! one row at a time, nothing rendered.

use super::{Plan, PlanError};
use crate::recipients::{Entries, Entry, Recipient, Skipped};

/// One row of the campaign as sending sees it.
#[derive(Debug, Clone, PartialEq)]
pub enum Row {
    /// Someone to send to.
    Recipient(Recipient),
    /// A row left out (invalid, duplicate, suppressed), and why.
    Skipped(Skipped),
}

/// The rows of a plan, in file order. See [`Plan::rows`].
pub struct Rows<'a> {
    entries: Entries<'a>,
}

impl Iterator for Rows<'_> {
    type Item = Result<Row, PlanError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            return Some(match self.entries.next()? {
                Err(e) => Err(e.into()),
                Ok(Entry::Recipient(r)) => Ok(Row::Recipient(r)),
                Ok(Entry::Skipped(s)) => Ok(Row::Skipped(s)),
                Ok(Entry::Filtered { .. } | Entry::Ragged { .. }) => continue,
            });
        }
    }
}

impl Plan {
    /// Every recipient and every row left out, in file order; rows the filter leaves out are
    /// not yielded (they are not part of the campaign).
    pub fn rows(&self) -> Result<Rows<'_>, PlanError> {
        Ok(Rows { entries: self.audience.entries()? })
    }
}

#[cfg(test)]
mod tests {
    use super::Row;
    use crate::plan::{Options, TokenCheck, load};

    #[test]
    fn rows_are_recipients_and_skipped_rows_in_file_order_without_filtered_or_ragged_ones() {
        let dir = tempfile::tempdir().unwrap();
        let csv = "phone,tier\n\
                   +254712000001,gold\n\
                   +254712000002,basic\n\
                   not-a-number,gold\n\
                   +254712000003,gold,extra\n\
                   +254712000001,gold\n";
        std::fs::write(dir.path().join("people.csv"), csv).unwrap();
        let campaign = "version: 1\nid: walk\nprovider:\n  kind: cloud_api\n  token_env: HERALD_TEST_UNSET_TOKEN\n  \
                        phone_number_id: \"1\"\nrecipients: { csv: people.csv, where: \"tier == 'gold'\" }\n\
                        message: { type: text, text: Hi }\n";
        std::fs::write(dir.path().join("c.yaml"), campaign).unwrap();
        let options = Options { token: TokenCheck::Skip, file_root: Some(dir.path().into()), ..Options::default() };
        let v = load(&dir.path().join("c.yaml"), options);
        let plan = v.plan.unwrap_or_else(|| panic!("{:?}", v.diagnostics));
        let rows: Vec<(char, Option<u64>)> = plan
            .rows()
            .unwrap()
            .map(|row| match row.unwrap() {
                Row::Recipient(r) => ('r', r.csv_line()),
                Row::Skipped(s) => ('s', s.origin.csv_line()),
            })
            .collect();
        // Line 3 is left out by the filter; line 5's extra cell is only a warning.
        assert_eq!(rows, [('r', Some(2)), ('s', Some(4)), ('r', Some(5)), ('s', Some(6))]);
    }
}
