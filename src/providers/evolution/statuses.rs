//! Evolution API v2's status events (2.3.6 source: `webhook.controller.ts` `emit()`, the
//! `messages.update` handlers of `whatsapp.baileys.service.ts` and
//! `whatsapp.business.service.ts`): every post is `{"event", "instance", "data", "destination",
//! "date_time", "sender", "server_url", "apikey"}`; a status is event `messages.update` with
//! `data` `{"keyId", "remoteJid", "fromMe", "status", …}`, `keyId` being the send's `key.id`.
//! Baileys instances say `SERVER_ACK`, `DELIVERY_ACK`, `READ`, `PLAYED`, `ERROR` (and
//! `PENDING`, `DELETED`, which say nothing of delivery); Cloud-API instances pass Meta's
//! statuses upper-cased (`SENT`, `DELIVERED`, `READ`, `FAILED`), without Meta's error codes.
//! `apikey` is the instance's key: it is never read. Other events, and updates of messages
//! not sent by the instance, are left out.

use super::super::status::{self, MessageStatus, StatusEvent, WebhookError, text};
use super::super::{AsyncFailure, ProviderError, Signing, StatusWebhook};
use serde_json::{Value, json};

/// Evolution's status webhook.
pub(super) const WEBHOOK: StatusWebhook = StatusWebhook {
    signing: Signing::SharedSecret,
    configure: "`POST /webhook/set/{instance}` with the event MESSAGES_UPDATE and a `headers` entry carrying the shared secret",
    read,
    post,
    reports_sent: true,
    read_alone: false,
    failures: &[AsyncFailure { code: None, message: NO_REASON }],
};

/// A failure's words: neither `ERROR` (Baileys) nor `FAILED` (Cloud-API instances, which drop
/// Meta's `errors[]`) comes with a reason.
const NO_REASON: &str = "Evolution reported the message failed; it gives no reason";

fn read(body: &[u8]) -> Result<Vec<StatusEvent>, WebhookError> {
    let v = status::json(body)?;
    let event = text(&v, "/event")
        .ok_or(WebhookError::Shape { provider: "Evolution API", why: "no `event` (an Evolution webhook names its event)" })?;
    // `messages.update`; with `byEvents` the path says the event, the body still does.
    if !event.eq_ignore_ascii_case("messages.update") && !event.eq_ignore_ascii_case("MESSAGES_UPDATE") {
        return Ok(Vec::new());
    }
    let account = text(&v, "/instance").map(str::to_string);
    let at = status::rfc3339(v.get("date_time"));
    let updates = match v.get("data") {
        Some(Value::Array(items)) => items.iter().collect(),
        Some(item @ Value::Object(_)) => vec![item],
        _ => return Err(WebhookError::Shape { provider: "Evolution API", why: "`messages.update` without `data`" }),
    };
    Ok(updates
        .into_iter()
        .filter(|u| u.get("fromMe") != Some(&Value::Bool(false)))
        .filter_map(|u| {
            let status = status_of(text(u, "/status")?)?;
            Some(StatusEvent {
                message_id: text(u, "/keyId")?.to_string(),
                account: account.clone(),
                status,
                at,
                error: failure(status),
                pricing: None,
            })
        })
        .collect())
}

/// A status in either of Evolution's vocabularies (Baileys' ladder, a Cloud-API instance's
/// Meta statuses upper-cased); `None` for those that say nothing of delivery (`PENDING`,
/// `DELETED`). Webhook updates and stored `MessageUpdate` rows use the same words.
pub(super) fn status_of(said: &str) -> Option<MessageStatus> {
    Some(match said.trim().to_ascii_uppercase().as_str() {
        "SERVER_ACK" | "SENT" => MessageStatus::Sent,
        "DELIVERY_ACK" | "DELIVERED" => MessageStatus::Delivered,
        "READ" | "PLAYED" => MessageStatus::Read,
        "ERROR" | "FAILED" => MessageStatus::Failed,
        _ => return None,
    })
}

/// Evolution's words for a failure: it passes on no code and no reason.
pub(super) fn failure(status: MessageStatus) -> Option<ProviderError> {
    (status == MessageStatus::Failed).then(|| ProviderError::new(None, NO_REASON))
}

/// One post of Evolution's for `events` (of one instance) on a Baileys instance: one
/// `messages.update` whose `data` holds every update (Evolution posts one per update; a list is
/// read the same), with a placeholder `apikey` as Evolution exposes one.
fn post(events: &[StatusEvent]) -> Vec<u8> {
    let instance = events.iter().find_map(|e| e.account.as_deref()).unwrap_or_default();
    let at = events.iter().find_map(|e| e.at).map(|t| t.to_string());
    let data: Vec<Value> = events
        .iter()
        .map(|e| {
            let status = match e.status {
                MessageStatus::Sent => "SERVER_ACK",
                MessageStatus::Delivered => "DELIVERY_ACK",
                MessageStatus::Read => "READ",
                MessageStatus::Failed => "ERROR",
            };
            json!({"keyId": e.message_id, "remoteJid": "0@s.whatsapp.net", "fromMe": true, "participant": null,
                   "status": status, "pollUpdates": null, "instanceId": instance})
        })
        .collect();
    json!({"event": "messages.update", "instance": instance, "data": data, "destination": "",
           "date_time": at, "sender": "", "server_url": "", "apikey": "sandbox-instance-key"})
    .to_string()
    .into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn post(event: &str, data: Value) -> Vec<u8> {
        json!({"event": event, "instance": "shop", "data": data, "destination": "https://hooks.example/evo",
               "date_time": "2026-12-05T10:00:00.000Z", "sender": "5531999999999@s.whatsapp.net",
               "server_url": "https://evo.example", "apikey": "B6D711FCDE4D4FD5936544120E713976"})
        .to_string()
        .into_bytes()
    }

    fn update(key: &str, status: &str) -> Value {
        json!({"keyId": key, "remoteJid": "553198296801@s.whatsapp.net", "fromMe": true, "participant": null,
               "status": status, "pollUpdates": null, "instanceId": "i-1"})
    }

    #[test]
    fn reads_both_vocabularies_with_the_instance_and_time() {
        let cases = [
            ("SERVER_ACK", Some(MessageStatus::Sent)),
            ("DELIVERY_ACK", Some(MessageStatus::Delivered)),
            ("READ", Some(MessageStatus::Read)),
            ("PLAYED", Some(MessageStatus::Read)),
            ("ERROR", Some(MessageStatus::Failed)),
            ("SENT", Some(MessageStatus::Sent)),
            ("DELIVERED", Some(MessageStatus::Delivered)),
            ("FAILED", Some(MessageStatus::Failed)),
            ("PENDING", None),
            ("DELETED", None),
        ];
        for (said, expected) in cases {
            let events = read(&post("messages.update", update("BAE58DA6CBC941BC", said))).unwrap();
            assert_eq!(events.first().map(|e| e.status), expected, "{said}");
            if let Some(e) = events.first() {
                assert_eq!((e.message_id.as_str(), e.account.as_deref()), ("BAE58DA6CBC941BC", Some("shop")));
                assert_eq!(e.at, "2026-12-05T10:00:00Z".parse().ok());
                assert_eq!(e.error.is_some(), e.status == MessageStatus::Failed);
            }
        }
    }

    #[test]
    fn leaves_out_other_events_and_incoming_messages_and_never_keeps_the_apikey() {
        assert_eq!(read(&post("messages.upsert", json!({"key": {"id": "X"}}))).unwrap(), []);
        let incoming = json!({"keyId": "IN", "fromMe": false, "status": "READ"});
        assert_eq!(read(&post("messages.update", incoming)).unwrap(), []);
        let both = json!([update("A", "DELIVERY_ACK"), update("B", "READ")]);
        let events = read(&post("MESSAGES_UPDATE", both)).unwrap();
        assert_eq!(events.len(), 2);
        assert!(!format!("{events:?}").contains("B6D711FC"), "the instance key stays out");
        assert!(matches!(read(br#"{"data":{}}"#), Err(WebhookError::Shape { .. })));
        assert!(matches!(read(br#"{"event":"messages.update"}"#), Err(WebhookError::Shape { .. })));
    }
}
