//! The one interface both journals offer, SQLite ([`super::sqlite`]) and PostgreSQL
//! ([`super::postgres`]): each method is documented here once. A [`super::Journal`] holds one
//! behind a `Box<dyn Backend>`.

use super::receipt::{Awaiting, Fate, Receipt, Recorded};
use super::writer::Writer;
use super::{Hash, JournalError, Known, Row, RunRow, Sections, Slots, Totals};
use crate::receipts::Funnel;
use std::collections::HashMap;

/// An open journal: SQLite, locked for one campaign when this process sends it, or
/// PostgreSQL, shared by every runner sending the campaign. Unlocked when it only reads.
pub trait Backend: std::fmt::Debug + Send {
    /// How many other processes are sending `campaign` with this journal right now (with a
    /// file journal, at most one).
    fn senders(&self, campaign: &str) -> Result<usize, JournalError>;

    /// Every run of `campaign`, oldest first.
    fn runs(&self, campaign: &str) -> Result<Vec<RunRow>, JournalError>;

    /// The section hashes of `campaign` at its last run (`None`: never run).
    fn sections(&self, campaign: &str) -> Result<Option<Sections>, JournalError>;

    /// Every campaign of the journal, as its last run recorded it.
    fn campaigns(&self) -> Result<Vec<Known>, JournalError>;

    /// Counts of `campaign`'s rows by state, and its first and last send, including what a
    /// send under way has recorded so far.
    fn totals(&self, campaign: &str) -> Result<Totals, JournalError>;

    /// What the journal records for one recipient of `campaign`.
    fn row(&self, campaign: &str, recipient: &str) -> Result<Option<Row>, JournalError>;

    /// What the journal records for each of `recipients` of `campaign` it knows, by recipient.
    /// A backend where a round trip per recipient adds up answers a whole batch in one query.
    fn rows(&self, campaign: &str, recipients: &[String]) -> Result<HashMap<String, Row>, JournalError> {
        let mut rows = HashMap::new();
        for r in recipients {
            if let Some(row) = self.row(campaign, r)? {
                rows.insert(r.clone(), row);
            }
        }
        Ok(rows)
    }

    /// Turns rows a crashed run left `in_flight` into `unknown`; returns how many. With
    /// PostgreSQL, only the claims of runners whose lease has expired.
    fn settle_crashed(&mut self, campaign: &str) -> Result<usize, JournalError>;

    /// Accepts the current campaign as the new baseline after `--allow-changed`: every known
    /// recipient's stored request hash becomes the one the campaign renders now, so the change
    /// is reported once, not on every later run.
    fn rebaseline(&mut self, campaign: &str, hashes: &[(String, Hash)]) -> Result<(), JournalError>;

    /// Records the campaign's section hashes and file (relative to its repository) and a new
    /// run; returns the run id. With PostgreSQL, the run holds a lease, renewed until it ends.
    fn begin_run(
        &mut self,
        campaign: &str,
        sections: &Sections,
        file: &str,
        mode: &str,
        sender: &str,
    ) -> Result<i64, JournalError>;

    /// Messages `sender` sent (or may have: unknown, in flight) since `since`, over every
    /// campaign of the journal with that sender and `campaign` itself, and when the oldest of
    /// them went out. For `delivery.daily_cap`.
    fn sent_since(
        &self,
        sender: &str,
        campaign: &str,
        since: jiff::Timestamp,
    ) -> Result<(usize, Option<jiff::Timestamp>), JournalError>;

    /// Recipients that another campaign sending as `sender` (one of its senders, `cloud_api:42`)
    /// messaged (or may have: unknown, in flight) since `since`, and `campaign` has not sent
    /// to. For the risk of Meta holding back a marketing template (131049).
    fn messaged_since(
        &self,
        sender: &str,
        campaign: &str,
        since: jiff::Timestamp,
    ) -> Result<std::collections::HashSet<String>, JournalError>;

    /// Closes a run with how it ended (`stopped`: kind and sentence).
    fn end_run(&mut self, run: i64, stopped: Option<(&str, &str)>, exit_code: u8) -> Result<(), JournalError>;

    /// With a journal shared by several runners (PostgreSQL): holds `sender`'s `daily_cap` at
    /// every claim, and returns the slots that pace this runner's requests within `sender`'s
    /// rate across all of them. `None` for a journal of one machine (SQLite), whose runs pace
    /// themselves.
    fn share_limits(
        &mut self,
        _sender: &str,
        _cap: Option<usize>,
        _rate_per_sec: f64,
        _burst: u32,
    ) -> Result<Option<Slots>, JournalError> {
        Ok(None)
    }

    /// A writer for this run, on its own thread with a connection of its own; without a run
    /// of this process (a dry run, a report) it only looks up.
    fn writer(&self, campaign: &str, keep_bodies: bool) -> Result<Writer, JournalError>;

    /// Records delivery receipts by message id, whichever campaign of the journal sent the
    /// message, in one transaction: durable when it returns. They fold as
    /// [`crate::receipts::Receipts::add`] does; one whose message matches no recipient (its
    /// send's answer may not be recorded yet) is kept for [`super::GRACE`], counted unknown.
    fn record_receipts(&mut self, receipts: &[Receipt]) -> Result<Recorded, JournalError> {
        Ok(self.record_each(receipts)?.into_iter().collect())
    }

    /// [`Backend::record_receipts`], saying what became of each receipt, in their order (a
    /// listener answers each post for its own).
    fn record_each(&mut self, receipts: &[Receipt]) -> Result<Vec<Fate>, JournalError>;

    /// Deletes the receipts that came before `received_before` matching no recipient and
    /// still match none; returns how many. A listener calls it with now minus
    /// [`super::GRACE`].
    fn sweep_receipts(&mut self, received_before: jiff::Timestamp) -> Result<usize, JournalError>;

    /// What the receipts of `campaign`'s accepted messages add up to, counted by the database.
    /// A journal from before receipts counts every accepted message without one.
    fn funnel(&self, campaign: &str) -> Result<Funnel, JournalError>;

    /// `campaign`'s delivered messages Meta reported billable, by the recipient's calling code
    /// and the category billed (none in a journal from before pricing).
    fn charges(&self, campaign: &str) -> Result<crate::cost::Charges, JournalError>;

    /// Up to `limit` of `campaign`'s accepted messages with no final receipt, by recipient,
    /// after recipient `after` (`None`: from the first): page on with the last one's.
    fn awaiting(&self, campaign: &str, after: Option<&str>, limit: usize) -> Result<Vec<Awaiting>, JournalError>;
}
