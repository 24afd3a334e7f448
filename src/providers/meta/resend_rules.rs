//! Meta's codes for messages it accepted and later reported failed (a `failed` status with
//! `errors[]`), and what its docs say of sending them again (error-codes page and the pages the
//! provider digest cites, REFERENCE §6.5; per-user marketing caps, RECEIPTS §4.4). Shared by
//! the Cloud API and FlowIQ, which relays Meta's statuses.

use super::super::resend::{Resend, ResendRule};
use jiff::SignedDuration;

/// Meta's per-user marketing cap: "avoid immediately resending … retry in increasing larger
/// time increments"; herald waits a day after the failure before its first resend.
const MARKETING_CAP_WAIT: SignedDuration = SignedDuration::from_hours(24);

/// The codes not to resend, or not soon; any other code is resent by `--retry-failed` (codes
/// that name a fault of the request, 131008 or 131051, are left out: a fixed campaign resends).
pub const RESEND_RULES: &[ResendRule] = &[
    ResendRule {
        code: "131026",
        resend: Resend::Never,
        why: "the message is undeliverable (the number is not on WhatsApp, its app is too old, or its user has not accepted WhatsApp's terms)",
    },
    ResendRule {
        code: "131047",
        resend: Resend::Never,
        why: "more than 24 hours have passed since the recipient last wrote; only a template message can reach them",
    },
    ResendRule {
        code: "131049",
        resend: Resend::After(MARKETING_CAP_WAIT),
        why: "Meta held it back under the recipient's marketing message limit, and says not to resend it soon",
    },
    ResendRule {
        code: "131050",
        resend: Resend::Never,
        why: "the recipient stopped marketing messages from this business",
    },
];
