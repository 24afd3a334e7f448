//! A recipient's row as both backends store it: the `state` text ⇄ [`State`] ⇄ [`Status`]
//! mapping, the columns a row is read from (with its message's receipts, joined by message
//! id), and their decoding into a [`Row`], written once for SQLite and PostgreSQL.

use super::from_millis;
use crate::providers::Pricing;
use crate::receipts::Receipts;
use crate::results::{Code, Record, Status};

/// A recipient's state in the journal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum State {
    /// Marked before its request left; no outcome recorded (a crash, if the run is over).
    InFlight,
    /// Accepted by the provider.
    Sent,
    /// Refused, or out of retries.
    Failed,
    /// Sent with no answer.
    Unknown,
}

impl State {
    /// The name stored in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            State::InFlight => "in_flight",
            State::Sent => "sent",
            State::Failed => "failed",
            State::Unknown => "unknown",
        }
    }

    /// The state a stored name stands for; anything else is a claim with no outcome.
    pub(super) fn parse(s: &str) -> State {
        match s {
            "sent" => State::Sent,
            "failed" => State::Failed,
            "unknown" => State::Unknown,
            _ => State::InFlight,
        }
    }

    /// The journal state a final record status maps to (`None`: nothing to store).
    pub fn of(status: Status) -> Option<State> {
        match status {
            Status::Sent => Some(State::Sent),
            Status::Failed => Some(State::Failed),
            Status::Unknown => Some(State::Unknown),
            Status::Skipped | Status::DryRun => None,
        }
    }

    /// The status a record read back in this state reports (a claim reads as unknown).
    fn status(self) -> Status {
        match self {
            State::Sent => Status::Sent,
            State::Failed => Status::Failed,
            State::Unknown | State::InFlight => Status::Unknown,
        }
    }
}

/// One recipient's row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    /// State.
    pub state: State,
    /// Hash of the request last sent (or about to be).
    pub request_hash: Vec<u8>,
    /// The record of the outcome (for in-flight rows: what is known so far).
    pub record: Record,
}

/// The columns a row is read from, in the order [`decode`] reads them, from a table joined
/// with [`from`]. A backend may put an expression in place of `state`, `error_code` and
/// `error_message` (PostgreSQL reads a crashed runner's claims as settled).
pub(super) fn columns(state: &str, error_code: &str, error_message: &str) -> String {
    format!(
        "recipient, csv_line, {state}, request_hash, message_id, http_status, {error_code}, {error_message}, \
         attempts, latency_ms, updated_at, sender, \
         receipt_delivered_at, receipt_read_at, receipt_failed_at, receipt_error_code, receipt_error, \
         receipt_billable, receipt_pricing_category, receipt_pricing_type"
    )
}

/// `table` (known in the query as `name`) with its messages' receipts, for [`columns`]: the
/// receipts' columns are renamed so the rows' own (`message_id`, `error_code`) stay unambiguous.
pub(super) fn from(table: &str, name: &str) -> String {
    format!(
        "{table} LEFT JOIN (SELECT message_id AS receipt_of, delivered_at AS receipt_delivered_at,
                                   read_at AS receipt_read_at, failed_at AS receipt_failed_at,
                                   error_code AS receipt_error_code, error AS receipt_error,
                                   billable AS receipt_billable, pricing_category AS receipt_pricing_category,
                                   pricing_type AS receipt_pricing_type FROM receipts) k
                 ON k.receipt_of = {name}.message_id"
    )
}

/// One result row of a backend's driver, read by position.
pub(super) trait Cells {
    /// The driver's error.
    type Error;
    /// Text.
    fn text(&self, i: usize) -> Result<String, Self::Error>;
    /// Text or NULL.
    fn opt_text(&self, i: usize) -> Result<Option<String>, Self::Error>;
    /// An integer.
    fn int(&self, i: usize) -> Result<i64, Self::Error>;
    /// An integer or NULL.
    fn opt_int(&self, i: usize) -> Result<Option<i64>, Self::Error>;
    /// Bytes.
    fn blob(&self, i: usize) -> Result<Vec<u8>, Self::Error>;
}

/// Reads a row selected with [`columns`].
pub(super) fn decode<C: Cells>(r: &C) -> Result<Row, C::Error> {
    let state = State::parse(&r.text(2)?);
    let mut record = Record {
        recipient: r.text(0)?,
        csv_line: r.opt_int(1)?.and_then(|n| u64::try_from(n).ok()),
        status: state.status(),
        message_id: r.opt_text(4)?,
        http_status: r.opt_int(5)?.and_then(|n| u16::try_from(n).ok()),
        error_code: r.opt_text(6)?.map(|c| Code::parse(&c)),
        error_message: r.opt_text(7)?,
        attempts: u32::try_from(r.int(8)?).unwrap_or(u32::MAX),
        latency_ms: r.opt_int(9)?.and_then(|n| u64::try_from(n).ok()),
        timestamp: from_millis(r.int(10)?),
        sender: r.opt_text(11)?,
        receipts: receipts(r)?,
    };
    if state == State::InFlight {
        record.error_code = Some(Code::InFlight);
        record.error_message = Some("in flight: a send is running, or it stopped before recording the answer".into());
    }
    Ok(Row { state, request_hash: r.blob(3)?, record })
}

/// The message's receipts, read from [`from`]'s columns (`None`: none recorded).
fn receipts<C: Cells>(r: &C) -> Result<Option<Receipts>, C::Error> {
    let [delivered_at, read_at, failed_at] =
        [r.opt_int(12)?, r.opt_int(13)?, r.opt_int(14)?].map(|t| t.map(from_millis));
    if delivered_at.is_none() && read_at.is_none() && failed_at.is_none() {
        return Ok(None);
    }
    let pricing = match (r.opt_int(17)?, r.opt_text(18)?) {
        (Some(billable), Some(category)) => {
            Some(Pricing { billable: billable != 0, category, kind: r.opt_text(19)?.unwrap_or_default() })
        }
        _ => None,
    };
    Ok(Some(Receipts {
        delivered_at,
        read_at,
        failed_at,
        error_code: r.opt_text(15)?,
        error: r.opt_text(16)?,
        pricing,
    }))
}

impl Cells for rusqlite::Row<'_> {
    type Error = rusqlite::Error;
    fn text(&self, i: usize) -> rusqlite::Result<String> {
        self.get(i)
    }
    fn opt_text(&self, i: usize) -> rusqlite::Result<Option<String>> {
        self.get(i)
    }
    fn int(&self, i: usize) -> rusqlite::Result<i64> {
        self.get(i)
    }
    fn opt_int(&self, i: usize) -> rusqlite::Result<Option<i64>> {
        self.get(i)
    }
    fn blob(&self, i: usize) -> rusqlite::Result<Vec<u8>> {
        self.get(i)
    }
}

impl Cells for postgres::Row {
    type Error = postgres::Error;
    fn text(&self, i: usize) -> Result<String, postgres::Error> {
        self.try_get(i)
    }
    fn opt_text(&self, i: usize) -> Result<Option<String>, postgres::Error> {
        self.try_get(i)
    }
    fn int(&self, i: usize) -> Result<i64, postgres::Error> {
        self.try_get(i)
    }
    /// `BIGINT`, or `INTEGER` (`http_status`).
    fn opt_int(&self, i: usize) -> Result<Option<i64>, postgres::Error> {
        self.try_get::<_, Option<i64>>(i).or_else(|_| Ok(self.try_get::<_, Option<i32>>(i)?.map(i64::from)))
    }
    fn blob(&self, i: usize) -> Result<Vec<u8>, postgres::Error> {
        self.try_get(i)
    }
}
