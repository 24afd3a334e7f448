//! What happened to each recipient: the record that sending produces and every report (and
//! later the journal) is built from.

use serde::Serialize;

/// A time as reports and the journal write it: RFC 3339, UTC, milliseconds.
pub fn timestamp(at: jiff::Timestamp) -> String {
    at.strftime("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

/// The current time, written like [`timestamp`].
pub fn now() -> String {
    timestamp(jiff::Timestamp::now())
}

/// A recipient's final state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
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

/// One recipient's result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
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
    /// The provider's error code (or herald's: `timeout`, `connect`, `invalid_phone`, …).
    pub error_code: Option<String>,
    /// What went wrong, in words.
    pub error_message: Option<String>,
    /// Requests made for this recipient.
    pub attempts: u32,
    /// Time from the first attempt to the final answer, in milliseconds.
    pub latency_ms: Option<u64>,
    /// When the recipient reached its final state (RFC 3339).
    pub timestamp: String,
}

impl Record {
    /// A record for a recipient that was never sent to.
    pub fn skipped(recipient: String, csv_line: Option<u64>, code: &str, message: String) -> Record {
        Record {
            recipient,
            csv_line,
            status: Status::Skipped,
            message_id: None,
            http_status: None,
            error_code: Some(code.into()),
            error_message: Some(message),
            attempts: 0,
            latency_ms: None,
            timestamp: now(),
        }
    }
}
