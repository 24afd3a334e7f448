//! Why a run sends to fewer recipients than it could, and the record of those it leaves.

use crate::results::{Code, Record};

/// Why a run sends to fewer recipients than it could.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LimitReason {
    /// `--limit`.
    Limit,
    /// The campaign's canary.
    Canary,
    /// `delivery.daily_cap`: the sender's messages of the last 24 hours.
    DailyCap {
        /// The cap.
        cap: usize,
        /// When the oldest of those messages turns 24 hours old.
        frees: jiff::Timestamp,
    },
}

impl LimitReason {
    /// The record of a recipient beyond the limit.
    pub(super) fn record(self, recipient: String, csv_line: Option<u64>) -> Record {
        match self {
            LimitReason::Limit => {
                Record::skipped(recipient, csv_line, Code::Pending, "not sent yet: beyond --limit".into())
            }
            LimitReason::Canary => Record::skipped(
                recipient,
                csv_line,
                Code::Pending,
                "not sent yet: after the canary (--continue sends to the rest)".into(),
            ),
            LimitReason::DailyCap { cap, frees } => {
                let why = format!(
                    "not sent yet: this sender's daily cap of {cap} messages is reached; more may go from {frees}"
                );
                Record::skipped(recipient, csv_line, Code::DailyCap, why)
            }
        }
    }
}
