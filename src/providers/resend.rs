//! What a provider's docs say of sending a message again after the provider accepted it and
//! later reported it failed (a `failed` receipt with a code): for `--retry-failed`. Each
//! provider that reports such codes lists the ones its docs say not to resend, or not to
//! resend soon ([`Provider::resend_rules`](super::Provider::resend_rules)); a failure with
//! any other code, or none, is resent like a failure answered at once.

use jiff::SignedDuration;

/// One code's rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ResendRule {
    /// The provider's code, as its receipts carry it (`131026`).
    pub code: &'static str,
    /// What to do with a recipient whose message failed with it.
    pub resend: Resend,
    /// Why, in the docs' sense, for the report (`the message is undeliverable: …`).
    pub why: &'static str,
}

/// Whether and when a message that failed after acceptance may be sent again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resend {
    /// Never: sending the same message again cannot reach the recipient.
    Never,
    /// Not until this long after the failure was reported.
    After(SignedDuration),
}

/// The rule for `code` in `table`; `None` when the table has none (resend it).
pub fn rule(table: &[ResendRule], code: Option<&str>) -> Option<ResendRule> {
    let code = code?;
    table.iter().find(|r| r.code == code).copied()
}
