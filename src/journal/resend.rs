//! A recipient the provider accepted (`sent`) and later reported failed, as `--retry-failed`
//! sees it: resent, unless the provider's docs say never to resend a message that failed with
//! that code (Meta's 131026, undeliverable) or not yet (131049, not within a day of the
//! failure): see [`crate::providers::resend`].

use crate::providers::resend::{self, Resend, ResendRule};
use crate::receipts::{Delivery, Receipts};

/// What `--retry-failed` may do with a message that failed after acceptance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Later {
    /// Send it again.
    Resend,
    /// Never: the same message cannot reach the recipient.
    Never {
        /// The provider's code.
        code: String,
        /// Why, in the provider docs' sense.
        why: &'static str,
    },
    /// Not before `from`.
    Hold {
        /// The provider's code.
        code: String,
        /// Why, in the provider docs' sense.
        why: &'static str,
        /// The first time it may be sent again.
        from: jiff::Timestamp,
    },
}

impl Later {
    /// What `receipts` allow at `now` by the provider's `table`; `None` when they report no
    /// failure.
    pub fn of(receipts: Option<&Receipts>, table: &[ResendRule], now: jiff::Timestamp) -> Option<Later> {
        let r = receipts.filter(|r| r.delivery() == Some(Delivery::Failed))?;
        if r.conflict() {
            // Also reported delivered or read: it may well be on the phone, and a resend would
            // message the recipient twice.
            let code = r.error_code.clone().unwrap_or_default();
            return Some(Later::Never { code, why: "the provider also reported it delivered" });
        }
        let Some(rule) = resend::rule(table, r.error_code.as_deref()) else { return Some(Later::Resend) };
        let code = rule.code.to_string();
        Some(match rule.resend {
            Resend::Never => Later::Never { code, why: rule.why },
            Resend::After(wait) => {
                let failed = r.failed_at.unwrap_or(now);
                match failed.checked_add(wait) {
                    Ok(from) if from > now => Later::Hold { code, why: rule.why, from },
                    _ => Later::Resend,
                }
            }
        })
    }

    /// Why a recipient is not resent, for its record in the report; `None` for a resend.
    pub fn note(&self) -> Option<String> {
        match self {
            Later::Resend => None,
            Later::Never { code, why } => Some(format!("not resent: {why} ({code})")),
            Later::Hold { code, why, from } => Some(format!(
                "not resent yet: {why} ({code}); --retry-failed resends it from {}",
                from.strftime("%Y-%m-%d %H:%M UTC")
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::ProviderKind;
    use jiff::{SignedDuration, Timestamp};

    fn failed(code: Option<&str>, at: Timestamp) -> Receipts {
        let mut r = Receipts::default();
        r.add(Delivery::Failed, at, code, Some("words"));
        r
    }

    #[test]
    fn a_failure_also_reported_delivered_is_never_resent() {
        let table = ProviderKind::named("cloud_api").unwrap().provider().resend_rules();
        let now: Timestamp = "2026-12-06T10:00:00Z".parse().unwrap();
        let mut r = failed(Some("131000"), now);
        assert_eq!(Later::of(Some(&r), table, now), Some(Later::Resend), "an unknown code alone is resent");
        r.add(Delivery::Delivered, now, None, None);
        let later = Later::of(Some(&r), table, now).unwrap();
        assert!(matches!(&later, Later::Never { code, .. } if code == "131000"), "{later:?}");
        assert!(later.note().unwrap().contains("also reported it delivered"));
    }

    #[test]
    fn metas_codes_decide_never_later_or_now() {
        let table = ProviderKind::named("cloud_api").unwrap().provider().resend_rules();
        let now: Timestamp = "2026-12-06T10:00:00Z".parse().unwrap();
        let hour_ago = now - SignedDuration::from_hours(1);
        let of = |code, at| Later::of(Some(&failed(code, at)), table, now);
        assert!(matches!(of(Some("131026"), hour_ago), Some(Later::Never { .. })));
        assert!(matches!(of(Some("131047"), hour_ago), Some(Later::Never { .. })));
        let held = of(Some("131049"), hour_ago).unwrap();
        assert_eq!(
            held,
            Later::Hold { code: "131049".into(), why: table[2].why, from: "2026-12-07T09:00:00Z".parse().unwrap() }
        );
        assert_eq!(
            held.note().unwrap(),
            format!("not resent yet: {} (131049); --retry-failed resends it from 2026-12-07 09:00 UTC", table[2].why)
        );
        assert_eq!(of(Some("131049"), now - SignedDuration::from_hours(25)), Some(Later::Resend), "a day later");
        assert_eq!(of(Some("131000"), hour_ago), Some(Later::Resend), "a code the docs say nothing of");
        assert_eq!(of(None, hour_ago), Some(Later::Resend), "a failure with no code");
        let mut read = Receipts::default();
        read.add(Delivery::Read, now, None, None);
        assert_eq!(Later::of(Some(&read), table, now), None);
        assert_eq!(Later::of(None, table, now), None);
        let evolution = ProviderKind::named("evolution").unwrap().provider().resend_rules();
        assert_eq!(Later::of(Some(&failed(Some("131026"), hour_ago)), evolution, now), Some(Later::Resend));
    }
}
