//! Delivery receipts: what a provider says became of a message after it accepted it, found in
//! the journal by the provider's message id. A receipt moves a message forward only (delivered
//! or failed, then read), so receipts arriving late or twice never undo a later one.

pub use crate::receipts::Delivery;

/// A delivery's step: a receipt replaces the stored one only with a higher step. Delivered and
/// failed exclude each other; a read proves delivery whatever came before.
pub(super) fn step(d: Delivery) -> i64 {
    match d {
        Delivery::Delivered | Delivery::Failed => 1,
        Delivery::Read => 2,
    }
}

/// One receipt for one message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Receipt {
    /// The provider's message id (`wamid.…`), as the journal recorded it from the send.
    pub message_id: String,
    /// What became of the message.
    pub delivery: Delivery,
    /// When the provider says it happened.
    pub at: jiff::Timestamp,
    /// The provider's error code, for a failed delivery.
    pub error_code: Option<String>,
}

/// Records one receipt (`$1` message id, `$2` delivery, `$3` its time in Unix milliseconds,
/// `$4` error code, `$5` the delivery's [`step`]) unless the one recorded is as far
/// or further; `placeholder` is the driver's parameter sign (`$` or `?`).
pub(super) fn upsert(placeholder: char) -> String {
    "INSERT INTO receipts (message_id, delivery, at, error_code) VALUES ($1, $2, $3, $4)
     ON CONFLICT (message_id) DO UPDATE SET delivery = excluded.delivery, at = excluded.at,
                                          error_code = excluded.error_code
     WHERE (CASE receipts.delivery WHEN 'read' THEN 2 WHEN 'delivered' THEN 1 WHEN 'failed' THEN 1 ELSE 0 END)
           < CAST($5 AS BIGINT)"
        .replace('$', &placeholder.to_string())
}
