//! Communiktor's status events (docs.communiktor.com/docs/webhooks; communiktor.txt, common
//! parameters): every post is `{"event", "instance", "data"}`; `message.sent` is "triggered
//! when the instance successfully delivers a WhatsApp message to the intended recipient" (so
//! it means delivered), `message.sent.failed` a failure, and `message.read` (named beside
//! `message.sent` where the docs describe `metadata`) a read. The docs give no message id and
//! no `data` schema, but the request's `metadata` "will be included in the webhook payload":
//! herald's id is read from `data.metadata.herald_id` ([`super::super::correlation`]), and a
//! time from `data.timestamp` when there is one. An event without herald's id is about a
//! message herald did not send, and is left out, as are other events (`message.received`,
//! `call.received`).

use super::super::status::{self, MessageStatus, StatusEvent, WebhookError, text};
use super::super::{AsyncFailure, ProviderError, Signing, StatusWebhook};
use serde_json::{Value, json};

/// herald's key in the request's `metadata`.
pub(super) const KEY: &str = "herald_id";

/// Communiktor's status webhook.
pub(super) const WEBHOOK: StatusWebhook = StatusWebhook {
    signing: Signing::SharedSecret,
    configure: "the instance's webhook settings in the Communiktor dashboard (a URL holding the shared secret; \
                restart the instance after changing them)",
    read,
    post,
    reports_sent: false,
    read_alone: false,
    failures: &[AsyncFailure { code: None, message: NO_REASON }],
};

/// A failure's words when the post gives none (the docs show no `message.sent.failed` body).
const NO_REASON: &str = "Communiktor reported the message failed; it gave no reason";

fn read(body: &[u8]) -> Result<Vec<StatusEvent>, WebhookError> {
    let v = status::json(body)?;
    let event = text(&v, "/event")
        .ok_or(WebhookError::Shape { provider: "Communiktor", why: "no `event` (a Communiktor webhook names its event)" })?;
    let status = match event {
        "message.sent" => MessageStatus::Delivered,
        "message.read" => MessageStatus::Read,
        "message.sent.failed" => MessageStatus::Failed,
        _ => return Ok(Vec::new()),
    };
    let data = v.get("data").unwrap_or(&Value::Null);
    let Some(id) = text(data, &format!("/metadata/{KEY}")) else { return Ok(Vec::new()) };
    let at = data.get("timestamp");
    let at = status::rfc3339(at).or_else(|| status::unix_seconds(at));
    let error = (status == MessageStatus::Failed).then(|| {
        let why = text(data, "/error/message").or_else(|| text(data, "/error")).or_else(|| text(data, "/reason"));
        ProviderError::new(None, why.unwrap_or(NO_REASON))
    });
    Ok(vec![StatusEvent {
        message_id: id.to_string(),
        account: text(&v, "/instance").map(str::to_string),
        status,
        at,
        error,
        pricing: None,
    }])
}

/// Communiktor's post for one event (it posts each on its own; the sandbox sends the first of
/// `events`, so it is called with one): the envelope, and in `data` the metadata it echoes and
/// the time.
fn post(events: &[StatusEvent]) -> Vec<u8> {
    let Some(e) = events.first() else { return b"{}".to_vec() };
    let event = match e.status {
        MessageStatus::Sent | MessageStatus::Delivered => "message.sent",
        MessageStatus::Read => "message.read",
        MessageStatus::Failed => "message.sent.failed",
    };
    let mut data = json!({"metadata": {KEY: e.message_id}, "timestamp": e.at.map(|t| t.to_string())});
    if let Some(err) = e.error.as_ref().filter(|err| err.message != NO_REASON) {
        data["error"] = json!(err.message);
    }
    json!({"event": event, "instance": e.account, "data": data}).to_string().into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn post(event: &str, metadata: Value) -> Vec<u8> {
        json!({"event": event, "instance": "shop", "data": {"metadata": metadata, "timestamp": "2026-12-05T10:00:00Z"}})
            .to_string()
            .into_bytes()
    }

    #[test]
    fn reads_the_documented_events_by_herald_s_id() {
        for (event, status) in [
            ("message.sent", MessageStatus::Delivered),
            ("message.read", MessageStatus::Read),
            ("message.sent.failed", MessageStatus::Failed),
        ] {
            let events = read(&post(event, json!({"orderId": "A-1", "herald_id": "0f3a"}))).unwrap();
            assert_eq!(events.len(), 1, "{event}");
            let e = &events[0];
            assert_eq!((e.message_id.as_str(), e.status, e.account.as_deref()), ("0f3a", status, Some("shop")));
            assert_eq!(e.at, "2026-12-05T10:00:00Z".parse().ok());
            assert_eq!(e.error, (status == MessageStatus::Failed).then(|| ProviderError::new(None, NO_REASON)));
        }
    }

    #[test]
    fn leaves_out_other_events_and_messages_herald_did_not_send() {
        assert_eq!(read(&post("message.received", json!({"herald_id": "0f3a"}))).unwrap(), []);
        assert_eq!(read(&post("message.sent", json!({"orderId": "A-1"}))).unwrap(), [], "no herald id");
        assert_eq!(read(br#"{"event":"message.sent","instance":"shop","data":null}"#).unwrap(), []);
        assert!(matches!(read(br#"{"instance":"shop"}"#), Err(WebhookError::Shape { .. })));
        assert!(matches!(read(b"[1"), Err(WebhookError::NotJson(_))));
    }
}
