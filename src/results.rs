//! What happened to each recipient: the record that sending produces and every report and the
//! journal are built from, and the codes that say why.

use std::borrow::Cow;
use std::fmt;

/// A time as reports and the journal write it: RFC 3339, UTC, milliseconds
/// (`2026-11-21T10:00:00.000Z`). Written by hand: it is on the path of every record.
pub fn timestamp(at: jiff::Timestamp) -> String {
    let t = jiff::tz::Offset::UTC.to_datetime(at);
    let mut s = String::with_capacity(24);
    if t.year() < 0 {
        s.push('-');
    }
    for (n, width, after) in [
        (u32::from(t.year().unsigned_abs()), 4, '-'),
        (u32::from(t.month().unsigned_abs()), 2, '-'),
        (u32::from(t.day().unsigned_abs()), 2, 'T'),
        (u32::from(t.hour().unsigned_abs()), 2, ':'),
        (u32::from(t.minute().unsigned_abs()), 2, ':'),
        (u32::from(t.second().unsigned_abs()), 2, '.'),
        (u32::from(t.millisecond().unsigned_abs()), 3, 'Z'),
    ] {
        for place in (0..width).rev() {
            s.push(char::from(b'0' + (n / 10u32.pow(place) % 10) as u8));
        }
        s.push(after);
    }
    s
}

/// The current time, written like [`timestamp`].
pub fn now() -> String {
    timestamp(jiff::Timestamp::now())
}

/// A recipient's final state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Status {
    /// The provider accepted the message.
    Sent,
    /// The provider refused it, or retries ran out.
    Failed,
    /// The request went out but no answer came: it may or may not have been delivered.
    Unknown,
    /// Not sent: invalid, duplicate or suppressed number, or never reached (campaign stopped).
    Skipped,
    /// `--dry-run`: rendered, not sent.
    DryRun,
}

impl Status {
    /// Every status, in report order.
    pub const ALL: [Status; 5] = [Status::Sent, Status::Failed, Status::Unknown, Status::Skipped, Status::DryRun];

    /// The name used in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Sent => "sent",
            Status::Failed => "failed",
            Status::Unknown => "unknown",
            Status::Skipped => "skipped",
            Status::DryRun => "dry_run",
        }
    }
}

/// Why a recipient failed, is unknown or was skipped: the provider's own code, or one of
/// herald's. Reports and the journal write it as text ([`Code::as_str`]).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Code {
    /// The provider's code (`131026`, `invalid_api_key`, …).
    Provider(String),
    /// The request never left: no connection.
    Connect,
    /// The request left and no answer came in time.
    Timeout,
    /// The request left and the connection closed without an answer (or with half of one).
    NoAnswer,
    /// An answer that does not say whether the message was taken, by its HTTP status (502, 504).
    Http(u16),
    /// The phone number is missing or invalid.
    InvalidPhone,
    /// A row of an audience of groups has no group id.
    NoGroup,
    /// A row of an audience of provider-side contacts has no contact id.
    NoContact,
    /// The number appeared earlier in the audience.
    Duplicate,
    /// The number is on a suppression list.
    Suppressed,
    /// A CSV row that cannot be read.
    UnreadableRow,
    /// The run stopped before this recipient.
    NotSent,
    /// Not attempted yet (beyond `--limit`, or in `herald report`).
    Pending,
    /// Outside the recipient's sending window (`schedule.window`); sent when it opens.
    Held,
    /// Beyond the sender's `delivery.daily_cap`; sent by a later run.
    DailyCap,
    /// A crash left the request in flight.
    Interrupted,
    /// A send is running (or stopped before recording the answer).
    InFlight,
}

impl Code {
    /// The text form, as reports and the journal write it.
    pub fn as_str(&self) -> Cow<'_, str> {
        Cow::Borrowed(match self {
            Code::Provider(code) => return Cow::Borrowed(code),
            Code::Http(status) => return Cow::Owned(format!("http_{status}")),
            Code::Connect => "connect",
            Code::Timeout => "timeout",
            Code::NoAnswer => "no_answer",
            Code::InvalidPhone => "invalid_phone",
            Code::NoGroup => "no_group",
            Code::NoContact => "no_contact",
            Code::Duplicate => "duplicate",
            Code::Suppressed => "suppressed",
            Code::UnreadableRow => "unreadable_row",
            Code::NotSent => "not_sent",
            Code::Pending => "pending",
            Code::Held => "held",
            Code::DailyCap => "daily_cap",
            Code::Interrupted => "interrupted",
            Code::InFlight => "in_flight",
        })
    }

    /// Reads the text form back.
    pub fn parse(text: &str) -> Code {
        match text {
            "connect" => Code::Connect,
            "timeout" => Code::Timeout,
            "no_answer" => Code::NoAnswer,
            "invalid_phone" => Code::InvalidPhone,
            "no_group" => Code::NoGroup,
            "no_contact" => Code::NoContact,
            "duplicate" => Code::Duplicate,
            "suppressed" => Code::Suppressed,
            "unreadable_row" => Code::UnreadableRow,
            "not_sent" => Code::NotSent,
            "pending" => Code::Pending,
            "held" => Code::Held,
            "daily_cap" => Code::DailyCap,
            "interrupted" => Code::Interrupted,
            "in_flight" => Code::InFlight,
            other => match other.strip_prefix("http_").and_then(|s| s.parse().ok()) {
                Some(status) => Code::Http(status),
                None => Code::Provider(other.to_string()),
            },
        }
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.as_str())
    }
}

/// One recipient's result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// E.164 number, `tag:…` for provider tags, or the raw text of an invalid number.
    pub recipient: String,
    /// CSV line the recipient came from.
    pub csv_line: Option<u64>,
    /// Final state.
    pub status: Status,
    /// The provider's message id.
    pub message_id: Option<String>,
    /// HTTP status of the last answer.
    pub http_status: Option<u16>,
    /// Why it failed, is unknown or was skipped.
    pub error_code: Option<Code>,
    /// What went wrong, in words.
    pub error_message: Option<String>,
    /// Requests made for this recipient.
    pub attempts: u32,
    /// Time from the first attempt to the final answer, in milliseconds.
    pub latency_ms: Option<u64>,
    /// When the recipient reached its final state.
    pub timestamp: jiff::Timestamp,
    /// The account it was sent from (or is pinned to): the campaign's sender, by its account
    /// id, never a token; `None` for those never meant to be sent (invalid, duplicate, …).
    pub sender: Option<String>,
    /// What the provider reported of the message after accepting it (`None`: no receipt, or
    /// not accepted).
    pub receipts: Option<crate::receipts::Receipts>,
}

impl Record {
    /// A record with no outcome details yet.
    pub fn new(recipient: String, csv_line: Option<u64>, status: Status) -> Record {
        Record {
            recipient,
            csv_line,
            status,
            message_id: None,
            http_status: None,
            error_code: None,
            error_message: None,
            attempts: 0,
            latency_ms: None,
            timestamp: jiff::Timestamp::now(),
            sender: None,
            receipts: None,
        }
    }

    /// A record for a recipient that was never sent to.
    pub fn skipped(recipient: String, csv_line: Option<u64>, code: Code, message: String) -> Record {
        Record {
            error_code: Some(code),
            error_message: Some(message),
            ..Record::new(recipient, csv_line, Status::Skipped)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_read_back_as_written() {
        for code in [
            Code::Provider("131026".into()),
            Code::Provider("invalid_api_key".into()),
            Code::Connect,
            Code::Timeout,
            Code::NoAnswer,
            Code::Http(502),
            Code::InvalidPhone,
            Code::NoGroup,
            Code::NoContact,
            Code::Duplicate,
            Code::Suppressed,
            Code::UnreadableRow,
            Code::NotSent,
            Code::Pending,
            Code::Interrupted,
            Code::InFlight,
        ] {
            assert_eq!(Code::parse(&code.as_str()), code);
        }
        assert_eq!(Code::Http(504).to_string(), "http_504");
    }

    #[test]
    fn timestamps_are_rfc3339_utc_with_milliseconds() {
        for text in ["2026-11-21T10:00:00.000Z", "1999-01-02T03:04:05.067Z", "2026-12-31T23:59:59.999Z"] {
            let at: jiff::Timestamp = text.parse().unwrap();
            assert_eq!(timestamp(at), text);
            assert_eq!(timestamp(at), at.strftime("%Y-%m-%dT%H:%M:%S%.3fZ").to_string());
        }
    }
}
