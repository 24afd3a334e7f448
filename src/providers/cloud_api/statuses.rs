//! The Cloud API's status webhook (Meta's OpenAPI spec v23.0, `WebhookPayload` → `Entry` →
//! `Change` → `StatusMessageValue`): `{"object": "whatsapp_business_account", "entry": [{"id",
//! "changes": [{"field": "messages", "value": {"metadata": {"phone_number_id"}, "statuses":
//! [{"id", "status", "timestamp", "recipient_id", "errors": [{"code", "title", "message",
//! "error_data": {"details"}}], "pricing", "conversation"}]}}]}]}`. `status` is `sent`,
//! `delivered`, `read` or `failed` (a voice message's `played` counts as read); a message both
//! delivered and read at once gets only `read`. Changes of other fields, and message values
//! without `statuses` (incoming messages), carry no status and are left out.

use super::super::status::{self, MessageStatus, StatusEvent, WebhookError, code, text};
use super::super::{AsyncFailure, Pricing, ProviderError, Signing, StatusWebhook};
use serde_json::{Value, json};

/// The Cloud API's status webhook.
pub(super) const WEBHOOK: StatusWebhook = StatusWebhook {
    signing: Signing::Meta,
    configure: "the app's WhatsApp > Configuration page (callback URL and verify token), subscribed to the `messages` field",
    read,
    post,
    reports_sent: true,
    read_alone: true,
    failures: &[
        // Meta's error-codes page: not on WhatsApp, Terms of Service not accepted, an old app.
        AsyncFailure { code: Some("131026"), message: "Message undeliverable" },
        // Held back by Meta's per-user marketing message cap.
        AsyncFailure {
            code: Some("131049"),
            message: "This message was not delivered to maintain healthy ecosystem engagement.",
        },
    ],
};

fn read(body: &[u8]) -> Result<Vec<StatusEvent>, WebhookError> {
    let shape = |why| WebhookError::Shape { provider: "Cloud API", why };
    let v = status::json(body)?;
    if v.get("object").and_then(Value::as_str) != Some("whatsapp_business_account") {
        return Err(shape("`object` is not `whatsapp_business_account`"));
    }
    let entries = v.get("entry").and_then(Value::as_array).ok_or_else(|| shape("no `entry` array"))?;
    let mut events = Vec::new();
    for change in entries.iter().filter_map(|e| e.get("changes")?.as_array()).flatten() {
        if change.get("field").and_then(Value::as_str) != Some("messages") {
            continue;
        }
        let value = change.get("value").unwrap_or(&Value::Null);
        let account = text(value, "/metadata/phone_number_id").map(str::to_string);
        for s in value.get("statuses").and_then(Value::as_array).into_iter().flatten() {
            let status = match text(s, "/status") {
                Some("sent") => MessageStatus::Sent,
                Some("delivered") => MessageStatus::Delivered,
                Some("read" | "played") => MessageStatus::Read,
                Some("failed") => MessageStatus::Failed,
                _ => continue,
            };
            let Some(id) = text(s, "/id") else { continue };
            events.push(StatusEvent {
                message_id: id.to_string(),
                account: account.clone(),
                status,
                at: status::unix_seconds(s.get("timestamp")),
                error: s.pointer("/errors/0").map(error),
                pricing: s.get("pricing").and_then(Pricing::read),
            });
        }
    }
    Ok(events)
}

/// One post of Meta's for `events` (of one phone number): one entry, one change, their
/// statuses, each with its pricing where it has one.
fn post(events: &[StatusEvent]) -> Vec<u8> {
    let account = events.iter().find_map(|e| e.account.as_deref()).unwrap_or_default();
    let statuses: Vec<Value> = events
        .iter()
        .map(|e| {
            let mut s = json!({
                "id": e.message_id,
                "status": match e.status {
                    MessageStatus::Sent => "sent",
                    MessageStatus::Delivered => "delivered",
                    MessageStatus::Read => "read",
                    MessageStatus::Failed => "failed",
                },
                "timestamp": e.at.map_or(0, jiff::Timestamp::as_second).to_string(),
                "recipient_id": "0",
            });
            if let Some(pricing) = &e.pricing {
                s["pricing"] = pricing.to_json();
            }
            if let Some(err) = &e.error {
                let code = err.code.as_deref().and_then(|c| c.parse::<i64>().ok()).unwrap_or(131000);
                s["errors"] = json!([{"code": code, "title": err.message, "message": err.message,
                                      "error_data": {"details": err.message}}]);
            }
            s
        })
        .collect();
    json!({"object": "whatsapp_business_account", "entry": [{"id": "0", "changes": [{"field": "messages", "value": {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": account, "phone_number_id": account},
        "statuses": statuses}}]}]})
    .to_string()
    .into_bytes()
}

/// A status's first error: Meta's code, and its message with the details when they add to it.
fn error(e: &Value) -> ProviderError {
    let message = text(e, "/message").or_else(|| text(e, "/title")).unwrap_or("Meta gave no reason");
    let message = match text(e, "/error_data/details") {
        Some(d) if d != message => format!("{message}: {d}"),
        _ => message.to_string(),
    };
    ProviderError::new(code(e, "/code"), message)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(statuses: Value) -> Vec<u8> {
        json!({"object": "whatsapp_business_account", "entry": [{"id": "419561257915477", "changes": [{
            "field": "messages",
            "value": {"messaging_product": "whatsapp",
                      "metadata": {"display_phone_number": "15550783881", "phone_number_id": "106540352242922"},
                      "statuses": statuses}}]}]})
        .to_string()
        .into_bytes()
    }

    #[test]
    fn reads_each_status_of_the_spec_with_its_account_time_and_error() {
        let events = read(&body(json!([
            {"id": "wamid.A", "status": "delivered", "timestamp": "1749416383", "recipient_id": "16505551234",
             "pricing": {"billable": true, "pricing_model": "PMP", "category": "marketing"}},
            {"id": "wamid.B", "status": "failed", "timestamp": "1749416390", "recipient_id": "16505551235",
             "errors": [{"code": 131049, "title": "This message was not delivered to maintain healthy ecosystem engagement.",
                         "message": "This message was not delivered to maintain healthy ecosystem engagement.",
                         "error_data": {"details": "In order to maintain a healthy ecosystem engagement, the message failed to be delivered."},
                         "href": "https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/"}]},
            {"id": "wamid.C", "status": "read", "timestamp": "1749416400", "recipient_id": "16505551236",
             "pricing": {"billable": false, "pricing_model": "PMP", "category": "service", "type": "free_customer_service"}},
            {"id": "wamid.D", "status": "sent", "timestamp": "1749416401", "recipient_id": "16505551237"}
        ])))
        .unwrap();
        let statuses: Vec<_> = events.iter().map(|e| (e.message_id.as_str(), e.status)).collect();
        assert_eq!(
            statuses,
            [
                ("wamid.A", MessageStatus::Delivered),
                ("wamid.B", MessageStatus::Failed),
                ("wamid.C", MessageStatus::Read),
                ("wamid.D", MessageStatus::Sent)
            ]
        );
        assert!(events.iter().all(|e| e.account.as_deref() == Some("106540352242922")));
        assert_eq!(events[0].at, jiff::Timestamp::from_second(1_749_416_383).ok());
        let error = events[1].error.as_ref().unwrap();
        assert_eq!(error.code.as_deref(), Some("131049"));
        assert!(error.message.starts_with("This message was not delivered") && error.message.contains(": In order"));
        assert_eq!(events[0].error, None);
        let pricing: Vec<_> = events.iter().map(|e| e.pricing.as_ref().map(|p| (p.billable, p.category.as_str()))).collect();
        assert_eq!(pricing, [Some((true, "marketing")), None, Some((false, "service")), None]);
    }

    #[test]
    fn a_post_carries_each_event_s_own_pricing_and_reads_back_the_same() {
        let priced = Pricing { billable: true, category: "utility".into(), kind: "regular".into() };
        let event = |id: &str, status, pricing| StatusEvent {
            message_id: id.into(),
            account: Some("106540352242922".into()),
            status,
            at: jiff::Timestamp::from_second(1_749_416_383).ok(),
            error: None,
            pricing,
        };
        let events = [
            event("wamid.A", MessageStatus::Delivered, Some(priced)),
            event("wamid.B", MessageStatus::Read, None),
        ];
        assert_eq!(read(&post(&events)).unwrap(), events);
    }

    #[test]
    fn leaves_out_what_is_not_a_status_and_refuses_what_is_not_meta_s() {
        let incoming = json!({"object": "whatsapp_business_account", "entry": [{"id": "1", "changes": [
            {"field": "messages", "value": {"messaging_product": "whatsapp", "metadata": {"phone_number_id": "1"},
             "contacts": [{"profile": {"name": "Sheena"}, "wa_id": "16505551234"}],
             "messages": [{"from": "16505551234", "id": "wamid.in", "timestamp": "1", "type": "text", "text": {"body": "hi"}}]}},
            {"field": "group_lifecycle_update", "value": {}}]}]});
        assert_eq!(read(incoming.to_string().as_bytes()).unwrap(), []);
        let odd = read(&body(json!([{"status": "read"}, {"id": "wamid.X", "status": "deleted"}]))).unwrap();
        assert_eq!(odd, [], "no id, or a status herald does not track");
        assert!(matches!(read(b"{}"), Err(WebhookError::Shape { .. })));
        assert!(matches!(read(br#"{"object":"page","entry":[]}"#), Err(WebhookError::Shape { .. })));
        assert!(matches!(read(b"<html>"), Err(WebhookError::NotJson(_))));
    }
}
