//! What a 2xx answer from Evolution means. Every send route answers `201 Created` with the
//! message record it stored, judged by its `key.id` and `status`; a Cloud-API instance may
//! instead answer 201 with Meta's error object as the whole body.
//!
//! A 201 says the message was created, so an answer herald cannot read (empty, not JSON, or
//! cut off at the read cap) is still `sent`: without an id when none can be read, with a note
//! saying so. Counting it failed would invite `--retry-failed` to send it twice.

use super::NAME;
use crate::providers::meta;
use crate::providers::outcome::{Outcome, ProviderError, Response, first_str, message_or_status};
use serde_json::Value;

/// The meaning of a 2xx answer whose body, as JSON, is `body` (`Null` when it is not JSON).
pub(super) fn classify(r: &Response, body: &Value) -> Outcome {
    // `renderStatus.ts`: a record stored with status ERROR was not sent.
    let stored_error = body.get("status").and_then(Value::as_str).is_some_and(|s| s.eq_ignore_ascii_case("ERROR"));
    if stored_error {
        return Outcome::Failed(ProviderError::new(
            Some("ERROR".into()),
            format!("{NAME} stored the message with status ERROR: WhatsApp did not take it"),
        ));
    }
    let id = first_str(body, &["/key/id"]).or_else(|| if body.is_null() { leading_key_id(r.body) } else { None });
    if let Some(id) = id {
        return Outcome::accepted(Some(id));
    }
    // A Cloud-API instance swallows Meta's failure and answers 201 with Meta's error object
    // as the whole body (`whatsapp.business.service.ts`: `return e.response?.data?.error`).
    if let Some(outcome) = meta::errors::classify(body, r).or_else(|| meta::errors::classify_error(body, r)) {
        return outcome;
    }
    // Evolution's own error envelope, or Meta's error without a code: a refusal.
    let refusal =
        ["/error", "/response/message", "/fbtrace_id"].iter().any(|p| body.pointer(p).is_some_and(|v| !v.is_null()));
    if refusal {
        let error = message_or_status(r, None);
        return Outcome::Failed(ProviderError::new(None, format!("no key.id in the answer: {error}")));
    }
    Outcome::Accepted {
        message_id: None,
        note: Some(ProviderError::new(
            Some("no_message_id".into()),
            format!(
                "{NAME} answered {} (created) without a readable key.id; the message was sent, its id is unknown",
                r.status
            ),
        )),
    }
}

/// The record's own `key.id`, read from the start of an answer that is not whole JSON (cut off
/// at the read cap): `prepareMessage()` writes `key` first, an object holding no other object.
/// A `key` further in (a reaction's target) is not the record's.
fn leading_key_id(bytes: &[u8]) -> Option<String> {
    let text = match std::str::from_utf8(bytes) {
        Ok(text) => text,
        Err(e) => std::str::from_utf8(bytes.get(..e.valid_up_to())?).ok()?,
    };
    let rest = text.trim_start().strip_prefix('{')?.trim_start().strip_prefix("\"key\"")?;
    let rest = rest.trim_start().strip_prefix(':')?.trim_start();
    let key: Value = serde_json::from_str(rest.get(..=rest.find('}')?)?).ok()?;
    first_str(&key, &["/id"])
}
