//! Delivery receipts in the journal: what a provider says became of a message after it
//! accepted it, kept by the provider's message id in `receipts` whichever campaign sent it,
//! and joined to the recipients' rows when they are read ([`crate::results::Record::receipts`]).
//!
//! A message's receipts fold like [`crate::receipts::Receipts::add`]: each kind (delivered,
//! read, failed) is kept once, at the time first reported; a failure keeps its first code and
//! words; a delivery beside a failure is kept too (a conflict, shown). So the same receipt
//! twice, or receipts out of order, fold to the same row.
//!
//! A receipt can outrun the journaling of its send's answer, so one whose message id matches no
//! recipient is kept all the same, marked unmatched; [`GRACE`] after it came, a sweep deletes
//! those still matching nothing (another tool's messages, another journal's): unknown ids are in
//! the end counted, not stored.
//!
//! The SQL here is written once for both backends: `$n` parameters, which SQLite reads as `?n`
//! (see [`sql`]).

pub use crate::receipts::Delivery;

/// How long a receipt matching no recipient is kept before a sweep deletes it: time for the
/// send's answer to be journaled (a run commits its outcomes within seconds).
pub const GRACE: std::time::Duration = std::time::Duration::from_secs(10 * 60);

/// One receipt for one message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Receipt {
    /// The provider's message id (`wamid.…`), as the journal recorded it from the send.
    pub message_id: String,
    /// What became of the message.
    pub delivery: Delivery,
    /// When the provider says it happened.
    pub at: jiff::Timestamp,
    /// The provider's error code, for a failed delivery (`131026`).
    pub error_code: Option<String>,
    /// The provider's words for the failure.
    pub error: Option<String>,
    /// The provider whose webhook reported it (`None`: a source herald trusts for any, such as
    /// its own status polls): a receipt is only taken for a message a campaign of that
    /// provider sent, so one provider's route cannot write onto another's messages.
    pub provider: Option<crate::providers::ProviderKind>,
    /// How the provider bills the message (a delivery's or read's Meta `pricing`); the first
    /// reported of a message is kept.
    pub pricing: Option<crate::providers::Pricing>,
}

/// Whether a campaign that sends as `sender` (`cloud_api:42`; `None` in a journal from before
/// senders were recorded) may take receipts from `provider`.
pub(super) fn from_its_provider(provider: Option<crate::providers::ProviderKind>, sender: Option<&str>) -> bool {
    match (provider, sender) {
        (Some(p), Some(sender)) => sender.split(':').next() == Some(p.as_str()),
        _ => true,
    }
}

/// What recording one receipt did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fate {
    /// It told something new of a message the journal sent.
    New,
    /// It was already recorded (a webhook delivered twice, a kind already reported).
    Repeated,
    /// Its message id matches no recipient of any campaign in the journal (yet).
    Unknown,
}

/// What recording a batch of receipts did; each receipt counts once, in one of the three.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Recorded {
    /// Receipts that told something new of a message the journal sent.
    pub new: usize,
    /// Receipts already recorded (a webhook delivered twice, a kind already reported).
    pub repeated: usize,
    /// Receipts whose message id matches no recipient of any campaign in the journal (yet:
    /// kept for [`GRACE`]).
    pub unknown: usize,
}

impl FromIterator<Fate> for Recorded {
    fn from_iter<I: IntoIterator<Item = Fate>>(fates: I) -> Recorded {
        let mut r = Recorded::default();
        for fate in fates {
            *match fate {
                Fate::New => &mut r.new,
                Fate::Repeated => &mut r.repeated,
                Fate::Unknown => &mut r.unknown,
            } += 1;
        }
        r
    }
}

/// What a receipt found: whether its message is known, and whether it changed the row.
pub(super) fn fate(known: bool, changed: usize) -> Fate {
    match (known, changed) {
        (false, _) => Fate::Unknown,
        (true, 0) => Fate::Repeated,
        (true, _) => Fate::New,
    }
}

/// An accepted message with no final receipt yet, for `herald track`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Awaiting {
    /// The recipient.
    pub recipient: String,
    /// The provider's message id.
    pub message_id: String,
    /// The account it was sent from (`provider.senders`), if recorded.
    pub sender: Option<String>,
}

/// `query` with `$n` parameters as the driver wants them: PostgreSQL's `$n`, or SQLite's `?n`
/// (`sqlite`).
pub(super) fn sql(query: &str, sqlite: bool) -> String {
    if sqlite { query.replace('$', "?") } else { query.to_string() }
}

/// The receipt's times in the columns' order: delivered, read, failed (Unix milliseconds).
pub(super) fn times(r: &Receipt) -> [Option<i64>; 3] {
    let at = Some(super::millis(r.at));
    match r.delivery {
        Delivery::Delivered => [at, None, None],
        Delivery::Read => [None, at, None],
        Delivery::Failed => [None, None, at],
    }
}

/// A pricing as its columns hold it: billable (1 or 0), category, type.
pub(super) fn pricing(p: Option<&crate::providers::Pricing>) -> (Option<i32>, Option<&str>, Option<&str>) {
    p.map_or((None, None, None), |p| (Some(i32::from(p.billable)), Some(p.category.as_str()), Some(p.kind.as_str())))
}

/// How a receipt written over a message's row folds into it (see [`UPSERT`]).
macro_rules! fold {
    () => {
        "ON CONFLICT (message_id) DO UPDATE SET
    delivered_at = COALESCE(receipts.delivered_at, excluded.delivered_at),
    read_at = COALESCE(receipts.read_at, excluded.read_at),
    failed_at = COALESCE(receipts.failed_at, excluded.failed_at),
    error_code = CASE WHEN receipts.failed_at IS NULL THEN excluded.error_code ELSE receipts.error_code END,
    error = CASE WHEN receipts.failed_at IS NULL THEN excluded.error ELSE receipts.error END,
    billable = COALESCE(receipts.billable, excluded.billable),
    pricing_category = CASE WHEN receipts.billable IS NULL THEN excluded.pricing_category ELSE receipts.pricing_category END,
    pricing_type = CASE WHEN receipts.billable IS NULL THEN excluded.pricing_type ELSE receipts.pricing_type END
WHERE (receipts.delivered_at IS NULL AND excluded.delivered_at IS NOT NULL)
   OR (receipts.read_at IS NULL AND excluded.read_at IS NOT NULL)
   OR (receipts.failed_at IS NULL AND excluded.failed_at IS NOT NULL)
   OR (receipts.billable IS NULL AND excluded.billable IS NOT NULL)"
    };
}

/// Records one receipt: `$1` message id, `$2`–`$4` its [`times`], `$5` code, `$6` words (only a
/// failure's are kept), `$7` now, `$8` now if it matches no recipient (else NULL), `$9`–`$11`
/// its pricing ([`pricing`]). Changes a row (the driver counts 1) only when it reports a kind
/// or a pricing not yet reported.
pub(super) const UPSERT: &str = concat!(
    "INSERT INTO receipts (message_id, delivered_at, read_at, failed_at, error_code, error, received_at, unmatched_since,
                           billable, pricing_category, pricing_type)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ",
    fold!()
);

/// [`UPSERT`] for many messages at once (PostgreSQL), one row each: arrays of message ids
/// (`$1`), times (`$2`–`$4`), codes and words (`$5`, `$6`), unmatched marks (`$8`) and
/// pricings (`$9`–`$11`); `$7` now.
pub(super) const UPSERT_ALL: &str = concat!(
    "INSERT INTO receipts (message_id, delivered_at, read_at, failed_at, error_code, error, received_at, unmatched_since,
                           billable, pricing_category, pricing_type)
     SELECT u.message_id, u.delivered_at, u.read_at, u.failed_at, u.error_code, u.error, $7, u.unmatched_since,
            u.billable, u.pricing_category, u.pricing_type
     FROM UNNEST($1::text[], $2::bigint[], $3::bigint[], $4::bigint[], $5::text[], $6::text[], $8::bigint[],
                 $9::integer[], $10::text[], $11::text[])
          AS u (message_id, delivered_at, read_at, failed_at, error_code, error, unmatched_since,
                billable, pricing_category, pricing_type) ",
    fold!()
);

/// Deletes the receipts unmatched since before `$1` that still match no recipient
/// (`pending`: nor a row of a send under way, SQLite's log).
pub(super) fn sweep(pending: bool) -> String {
    let log = if pending {
        " AND message_id NOT IN (SELECT message_id FROM pending WHERE message_id IS NOT NULL)"
    } else {
        ""
    };
    format!(
        "DELETE FROM receipts WHERE unmatched_since < $1
           AND NOT EXISTS (SELECT 1 FROM recipients r WHERE r.message_id = receipts.message_id){log}"
    )
}

/// After [`sweep`]: the receipts left unmatched since before `$1` have found their recipient.
pub(super) const MATCHED: &str = "UPDATE receipts SET unmatched_since = NULL WHERE unmatched_since < $1";

/// The funnel of campaign `$1` over the rows in `rows` (a table or subquery named `r`):
/// accepted, delivered (read included), read, failed, no receipt, conflicts.
pub(super) fn funnel(rows: &str) -> String {
    format!(
        "SELECT COUNT(*),
            COUNT(CASE WHEN k.failed_at IS NULL AND (k.read_at IS NOT NULL OR k.delivered_at IS NOT NULL) THEN 1 END),
            COUNT(CASE WHEN k.failed_at IS NULL AND k.read_at IS NOT NULL THEN 1 END),
            COUNT(k.failed_at),
            COUNT(CASE WHEN k.message_id IS NULL THEN 1 END),
            COUNT(CASE WHEN k.failed_at IS NOT NULL AND (k.read_at IS NOT NULL OR k.delivered_at IS NOT NULL) THEN 1 END)
         FROM {rows} LEFT JOIN receipts k ON k.message_id = r.message_id
         WHERE r.campaign = (SELECT id FROM campaigns WHERE name = $1) AND r.state = 'sent'"
    )
}

/// Campaign `$1`'s failures by code (`''`: none given): the code, how many, and the words of
/// the first failure reported with words.
pub(super) fn failures(rows: &str) -> String {
    format!(
        "SELECT code, n, error FROM (
             SELECT COALESCE(k.error_code, '') AS code, k.error AS error,
                    COUNT(*) OVER (PARTITION BY COALESCE(k.error_code, '')) AS n,
                    ROW_NUMBER() OVER (PARTITION BY COALESCE(k.error_code, '')
                                       ORDER BY CASE WHEN k.error IS NULL THEN 1 ELSE 0 END, k.failed_at, k.message_id) AS nth
             FROM {rows} JOIN receipts k ON k.message_id = r.message_id
             WHERE r.campaign = (SELECT id FROM campaigns WHERE name = $1) AND r.state = 'sent'
               AND k.failed_at IS NOT NULL
         ) f WHERE nth = 1 ORDER BY code"
    )
}

/// Campaign `$1`'s accepted messages Meta reported billable and that did not fail: the
/// recipient and the category billed.
pub(super) fn billed(rows: &str) -> String {
    format!(
        "SELECT r.recipient, k.pricing_category
         FROM {rows} JOIN receipts k ON k.message_id = r.message_id
         WHERE r.campaign = (SELECT id FROM campaigns WHERE name = $1) AND r.state = 'sent'
           AND k.billable = 1 AND k.failed_at IS NULL AND k.pricing_category IS NOT NULL"
    )
}

/// Up to `$3` of campaign `$1`'s accepted messages with no final receipt, by recipient after
/// `$2`.
pub(super) fn awaiting(rows: &str) -> String {
    format!(
        "SELECT r.recipient, r.message_id, r.sender
         FROM {rows} LEFT JOIN receipts k ON k.message_id = r.message_id
         WHERE r.campaign = (SELECT id FROM campaigns WHERE name = $1) AND r.state = 'sent'
           AND r.message_id IS NOT NULL AND k.message_id IS NULL AND r.recipient > $2
         ORDER BY r.recipient LIMIT $3"
    )
}

/// Folds the failures read with [`failures`] into `funnel`.
pub(super) fn add_failures(
    funnel: &mut crate::receipts::Funnel,
    rows: impl IntoIterator<Item = (String, i64, Option<String>)>,
) {
    for (code, n, error) in rows {
        let count = usize::try_from(n).unwrap_or(0);
        funnel.failures.insert(code, crate::receipts::Failures { count, error });
    }
}
