//! FlowIQ's status events (docs.flowapt.com, FlowIQ API reference, Webhooks): registered with
//! `POST /set-webhooks {url, type, platform}`, each post has `event_type` (`message_sent`,
//! `sent_message`, `message_delivered`, `message_read`, `message_failed` — "failed,
//! undelivered, and warning statuses"), `whatsapp_message_id` (the wamid `/send-whatsapp`
//! returned as `data.message_id`), `status` and an RFC 3339 `timestamp`. The docs show no
//! failure payload: a code or reason is taken where Meta's shape would put one, else the
//! report says FlowIQ gave none. Other events (incoming messages, calls) are left out.

use super::super::status::{self, MessageStatus, StatusEvent, WebhookError, code, text};
use super::super::{AsyncFailure, ProviderError, Signing, StatusWebhook};

/// FlowIQ's status webhook.
pub(super) const WEBHOOK: StatusWebhook = StatusWebhook {
    signing: Signing::SharedSecret,
    configure: "`POST https://api.flowiq.live/set-webhooks` with `type: all` and a URL holding the shared secret",
    read,
    post,
    reports_sent: true,
    read_alone: false,
    failures: &[AsyncFailure { code: None, message: NO_REASON }],
};

/// A failure's words when the post gives none (the docs show no `message_failed` body).
const NO_REASON: &str = "FlowIQ reported the message failed; it gave no reason";

fn read(body: &[u8]) -> Result<Vec<StatusEvent>, WebhookError> {
    let v = status::json(body)?;
    let event = text(&v, "/event_type")
        .ok_or(WebhookError::Shape { provider: "FlowIQ", why: "no `event_type` (a FlowIQ webhook names its event)" })?;
    let status = match event {
        "message_sent" | "sent_message" => MessageStatus::Sent,
        "message_delivered" => MessageStatus::Delivered,
        "message_read" => MessageStatus::Read,
        "message_failed" => MessageStatus::Failed,
        _ => return Ok(Vec::new()),
    };
    let Some(id) = text(&v, "/whatsapp_message_id") else {
        return Err(WebhookError::Shape { provider: "FlowIQ", why: "a status without `whatsapp_message_id`" });
    };
    let error = (status == MessageStatus::Failed).then(|| {
        let code = code(&v, "/error/code").or_else(|| code(&v, "/error_code"));
        let why = text(&v, "/error/message").or_else(|| text(&v, "/error_message")).or_else(|| text(&v, "/reason"));
        ProviderError::new(code, why.unwrap_or(NO_REASON))
    });
    Ok(vec![StatusEvent {
        message_id: id.to_string(),
        account: None,
        status,
        at: status::rfc3339(v.get("timestamp")),
        error,
        pricing: None,
    }])
}

/// FlowIQ's post for one event (it posts each on its own; the sandbox sends the first of
/// `events`, so it is called with one).
fn post(events: &[StatusEvent]) -> Vec<u8> {
    let Some(e) = events.first() else { return b"{}".to_vec() };
    let (event_type, status) = match e.status {
        MessageStatus::Sent => ("message_sent", "sent"),
        MessageStatus::Delivered => ("message_delivered", "delivered"),
        MessageStatus::Read => ("message_read", "read"),
        MessageStatus::Failed => ("message_failed", "failed"),
    };
    let mut body = serde_json::json!({"event_type": event_type, "whatsapp_id": "0", "whatsapp_message_id": e.message_id,
        "organization_id": "00000000-0000-0000-0000-000000000000", "status": status,
        "timestamp": e.at.map(|t| t.to_string())});
    if let Some(err) = &e.error {
        body["error"] = serde_json::json!({"code": err.code, "message": err.message});
    }
    body.to_string().into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn post(event: &str) -> serde_json::Value {
        json!({"event_type": event, "whatsapp_id": "27834321234", "whatsapp_message_id": "wamid.xxx",
               "organization_id": "7c9e6679-7425-40de-944b-e07fc1f90ae7", "status": "sent",
               "timestamp": "2026-03-07T00:00:00.000Z"})
    }

    #[test]
    fn reads_the_documented_events() {
        for (event, status) in [
            ("message_sent", MessageStatus::Sent),
            ("message_delivered", MessageStatus::Delivered),
            ("message_read", MessageStatus::Read),
            ("message_failed", MessageStatus::Failed),
        ] {
            let events = read(post(event).to_string().as_bytes()).unwrap();
            assert_eq!(events.len(), 1, "{event}");
            assert_eq!((events[0].message_id.as_str(), events[0].status), ("wamid.xxx", status));
            assert_eq!(events[0].at, "2026-03-07T00:00:00Z".parse().ok());
        }
        let mut failed = post("message_failed");
        failed["error"] = json!({"code": 131026, "message": "Message undeliverable"});
        let e = read(failed.to_string().as_bytes()).unwrap().remove(0).error.unwrap();
        assert_eq!((e.code.as_deref(), e.message.as_str()), (Some("131026"), "Message undeliverable"));
    }

    #[test]
    fn leaves_out_other_events_and_refuses_a_status_without_an_id() {
        assert_eq!(read(post("message_received").to_string().as_bytes()).unwrap(), []);
        let mut no_id = post("message_read");
        no_id.as_object_mut().unwrap().remove("whatsapp_message_id");
        assert!(matches!(read(no_id.to_string().as_bytes()), Err(WebhookError::Shape { .. })));
        assert!(matches!(read(b"[]"), Err(WebhookError::Shape { .. })));
    }
}
