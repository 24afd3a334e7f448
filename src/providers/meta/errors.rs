//! Meta's error codes, shared by the Cloud API and the providers that pass Meta's errors through
//! (Evolution on Cloud-API instances, FlowIQ). Meta says to branch on `error.code`, never on the
//! HTTP status or the message text.

use crate::providers::outcome::{Outcome, ProviderError, Response};
use serde_json::Value;
use std::time::Duration;

/// How long Meta's pair rate limit (131056) wants between two messages to the same user.
const PAIR_RATE: Duration = Duration::from_secs(6);

/// Classifies a Meta error object `{"error": {"code", "message", "error_data": {"details"}}}`;
/// `None` when the body carries no such object.
pub fn classify(body: &Value, r: &Response) -> Option<Outcome> {
    classify_error(body.get("error")?, r)
}

/// Classifies Meta's error object itself (`{"code", "message", "is_transient", …}`), wherever a
/// provider puts it; `None` when `e` has no numeric `code`.
pub fn classify_error(e: &Value, r: &Response) -> Option<Outcome> {
    fn text(v: Option<&Value>) -> Option<&str> {
        v.and_then(Value::as_str).map(str::trim).filter(|s| !s.is_empty())
    }
    let code = e.get("code").and_then(Value::as_i64)?;
    let details = text(e.pointer("/error_data/details"));
    let message = text(e.get("message")).unwrap_or("Meta error");
    let message = match details {
        Some(d) if d != message => format!("{message}: {d}"),
        _ => message.to_string(),
    };
    let error = ProviderError::new(Some(code.to_string()), message);
    // `GraphAPIError.is_transient`: "the error is temporary and the request should be retried".
    let transient = e.get("is_transient") == Some(&Value::Bool(true));
    Some(match code {
        // Throughput, app and WABA call budgets: the account's pace, for the whole campaign.
        130429 | 4 | 80007 => Outcome::Throttled { error, after: r.retry_after },
        // Number upgrade, transient server.
        1 | 2 => Outcome::Retry { error, after: r.retry_after },
        // Pair rate: about one message every 6 s to the same user; a retry sooner is refused
        // again, and after a few such the recipient ended failed. It is this user's pace, not
        // the account's: the campaign goes on at its rate.
        131056 => Outcome::Retry { error, after: Some(r.retry_after.unwrap_or_default().max(PAIR_RATE)) },
        // The business account is in maintenance: the whole campaign waits.
        131057 => Outcome::Throttled { error, after: Some(r.retry_after.unwrap_or(Duration::from_secs(60))) },
        // Token, permissions, account restricted or locked, payment, spam limit: every further
        // request fails the same way, or sending on would hurt the number.
        0 | 190 | 10 | 200..=299 | 368 | 131031 | 131042 | 131048 => Outcome::Stop(error),
        // Template missing or not approved, its parameters or their format do not match it, or
        // it is paused or disabled: the same for every recipient, so the campaign stops.
        132000 | 132001 | 132012 | 132015 | 132016 => Outcome::Stop(error),
        _ if transient => Outcome::Retry { error, after: r.retry_after },
        // A code herald does not know, with a server-side status: Meta's own trouble, after
        // which the message may have gone out (Meta documents no such code as "not processed").
        _ if r.status >= 500 => Outcome::Ambiguous(error),
        _ => Outcome::Failed(error),
    })
}

/// A remark for an accepted message whose `message_status` is not plain `accepted` (Meta's
/// `MessageStatus`: held for a quality assessment, or delivery paused).
pub fn held(message_status: Option<&str>) -> Option<ProviderError> {
    let words = match message_status? {
        "held_for_quality_assessment" => "Meta is holding the message for a quality assessment before delivering it",
        "paused" => "Meta has paused delivery of this message",
        _ => return None,
    };
    Some(ProviderError::new(message_status.map(str::to_string), words))
}

/// What Meta's codes that often come back after acceptance, in a `failed` status, mean: for a
/// report when the receipt itself carries no words. Meta's own wording where it documents one.
pub fn describe(code: &str) -> Option<&'static str> {
    Some(match code {
        "131026" => {
            "Message undeliverable: the number is not on WhatsApp, its app is too old, or its owner has not accepted the terms"
        }
        "131047" => {
            "Re-engagement message: more than 24 hours since the customer last replied; send a template instead"
        }
        "131049" => {
            "This message was not delivered to maintain healthy ecosystem engagement (Meta's per-user marketing cap); do not resend soon"
        }
        "131050" => "The user has stopped marketing messages from this business",
        "131051" => "Unsupported message type",
        "131052" => "Media download error: the recipient could not download the media",
        "131053" => "Media upload error: the media could not be uploaded",
        "131000" => "Something went wrong at Meta",
        "130472" => "User's number is part of an experiment: Meta held the marketing message back",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn code(c: i64) -> Outcome {
        let body = json!({"error": {"code": c, "message": "m", "error_data": {"details": "d"}}});
        classify(&body, &Response { status: 400, retry_after: None, body: b"", recipients: 1 }).unwrap()
    }

    #[test]
    fn slows_the_campaign_on_throttling_and_retries_transient_codes() {
        for c in [130429, 4, 80007] {
            assert!(matches!(code(c), Outcome::Throttled { .. }), "{c}");
        }
        for c in [131056, 1, 2] {
            assert!(matches!(code(c), Outcome::Retry { .. }), "{c}");
        }
        assert_eq!(
            code(131057),
            Outcome::Throttled {
                error: ProviderError::new(Some("131057".into()), "m: d"),
                after: Some(Duration::from_secs(60))
            }
        );
    }

    #[test]
    fn the_pair_rate_limit_waits_six_seconds_for_that_recipient_at_least() {
        let after = |retry_after| {
            let body = json!({"error": {"code": 131056, "message": "(Business Account, Consumer Account) pair rate limit hit"}});
            match classify(&body, &Response { status: 400, retry_after, body: b"", recipients: 1 }) {
                Some(Outcome::Retry { after, .. }) => after,
                other => panic!("{other:?}"),
            }
        };
        assert_eq!(after(None), Some(Duration::from_secs(6)));
        assert_eq!(after(Some(Duration::from_secs(1))), Some(Duration::from_secs(6)));
        assert_eq!(after(Some(Duration::from_secs(10))), Some(Duration::from_secs(10)));
    }

    #[test]
    fn stops_on_account_wide_problems_and_fails_recipients_otherwise() {
        for c in [0, 190, 10, 200, 299, 368, 131031, 131042, 131048, 132000, 132001, 132012, 132015, 132016] {
            assert!(matches!(code(c), Outcome::Stop(_)), "{c}");
        }
        for c in [131026, 131047, 131049, 131050, 100, 131051, 131052] {
            assert!(matches!(code(c), Outcome::Failed(_)), "{c}");
        }
        assert!(
            classify(&json!({"ok": true}), &Response { status: 200, retry_after: None, body: b"", recipients: 1 })
                .is_none()
        );
    }

    #[test]
    fn retries_what_meta_marks_transient_and_not_unknown_codes_with_a_server_status() {
        let r = |status| Response { status, retry_after: None, body: b"", recipients: 1 };
        let transient = json!({"error": {"code": 131000, "message": "Something went wrong", "is_transient": true}});
        assert!(matches!(classify(&transient, &r(400)), Some(Outcome::Retry { .. })));
        let unknown = json!({"error": {"code": 999999, "message": "?"}});
        assert!(matches!(classify(&unknown, &r(503)), Some(Outcome::Ambiguous(_))));
        assert!(matches!(classify(&unknown, &r(400)), Some(Outcome::Failed(_))));
        // A code that stops the campaign stops it even when Meta calls it transient.
        let token = json!({"error": {"code": 190, "message": "expired", "is_transient": true}});
        assert!(matches!(classify(&token, &r(401)), Some(Outcome::Stop(_))));
    }

    #[test]
    fn the_asynchronous_failure_codes_have_words() {
        for c in ["131026", "131047", "131049", "131050", "131051", "131052", "131053", "131000", "130472"] {
            assert!(describe(c).is_some_and(|d| !d.is_empty()), "{c}");
        }
        assert_eq!(describe("190"), None);
        assert_eq!(describe(""), None);
    }
}
