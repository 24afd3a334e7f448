//! The Cloud API's message history, read for one message (Meta's OpenAPI spec
//! `business-messaging-api` v23.0, operation `getMessageHistory`): `GET
//! /{Phone-Number-ID}/message_history?message_id=<wamid>&fields=…` answers
//! `{"data": [{"id", "message_id", "events": {"data": [{"delivery_status", "timestamp",
//! "error_description"}]}}], "paging"}`, `delivery_status` one of `SENT`, `DELIVERED`, `READ`,
//! `FAILED`, `DELETED`, `timestamp` in Unix seconds. The spec gives a failure no code, only
//! `error_description`. Meta's errors are its usual error object: no permission for the
//! number's history (403, code 200, subcode 1349174) stops polling, pointing to webhooks; a
//! message the history does not hold (422, code 100) stays awaited. The endpoint appears in
//! Meta's OpenAPI spec but on none of its public pages, so an app may not have access to it.

use super::super::meta;
use super::super::outcome::{ProviderError, Response, by_status, message_or_status};
use super::super::poll::{Polled, StatusPoll};
use super::super::status::{text, unix_seconds};
use super::super::{MessageStatus, Settings, StatusEvent, encode_component};
use crate::request::HttpRequest;
use crate::providers::imitation::api::{is_digits, query_param};
use serde_json::{Value, json};

/// The Cloud API's status poll.
pub(super) const POLL: StatusPoll = StatusPoll {
    request,
    read,
    needs: "the app needs access to the number's message history (Meta's `message_history` endpoint)",
    asked,
    answer,
};

/// The fields asked for: each event's status, time and reason.
const FIELDS: &str = "id,message_id,events{delivery_status,timestamp,error_description}";

fn request(settings: &Settings, message_id: &str) -> HttpRequest {
    let url = format!(
        "{}/{}/message_history?message_id={}&fields={}",
        settings.base_url,
        encode_component(&settings.account),
        encode_component(message_id),
        encode_component(FIELDS)
    );
    HttpRequest::get(url, super::INFO.auth)
}

fn read(message_id: &str, r: &Response) -> Polled {
    let body = r.json();
    if !r.is_success() {
        let outcome = meta::errors::classify(&body, r)
            .unwrap_or_else(|| by_status(r, ProviderError::new(None, message_or_status(r, None))));
        return match Polled::from_outcome(outcome) {
            // A permission refused (10, 200–299): this app may not read the number's history.
            Polled::Stop(e) if e.code.as_deref().and_then(|c| c.parse::<u32>().ok()).is_some_and(|c| c == 10 || (200..300).contains(&c)) => {
                Polled::Stop(ProviderError::new(
                    e.code,
                    format!("{}; without message history, receive statuses by webhook with `herald listen`", e.message),
                ))
            }
            other => other,
        };
    }
    let Some(entries) = body.get("data").and_then(Value::as_array) else {
        return Polled::not_documented("the Cloud API", r);
    };
    let events = entries
        .iter()
        .filter(|entry| text(entry, "/message_id") == Some(message_id))
        .filter_map(|entry| entry.pointer("/events/data").and_then(Value::as_array))
        .flatten()
        .filter_map(|event| {
            let status = match text(event, "/delivery_status")?.to_ascii_uppercase().as_str() {
                "SENT" => MessageStatus::Sent,
                "DELIVERED" => MessageStatus::Delivered,
                "READ" => MessageStatus::Read,
                "FAILED" => MessageStatus::Failed,
                _ => return None,
            };
            let error = (status == MessageStatus::Failed).then(|| {
                let words = text(event, "/error_description").unwrap_or("Meta reported the message failed");
                ProviderError::new(None, words)
            });
            let at = unix_seconds(event.get("timestamp"));
            Some(StatusEvent { message_id: message_id.to_string(), account: None, status, at, error, pricing: None })
        })
        .collect();
    Polled::Events(events)
}

fn asked(method: &str, path: &str, query: &str, _body: &[u8]) -> Option<String> {
    let number = path.strip_prefix('/')?.strip_suffix("/message_history")?;
    (method == "GET" && is_digits(number)).then(|| query_param(query, "message_id")).flatten()
}

/// The message's history holding these events.
fn answer(message_id: &str, events: &[StatusEvent]) -> Vec<u8> {
    let events: Vec<Value> = events
        .iter()
        .enumerate()
        .map(|(n, e)| {
            let status = match e.status {
                MessageStatus::Sent => "SENT",
                MessageStatus::Delivered => "DELIVERED",
                MessageStatus::Read => "READ",
                MessageStatus::Failed => "FAILED",
            };
            let mut event = json!({"id": n.to_string(), "delivery_status": status,
                                   "timestamp": e.at.map(|t| t.as_second()), "webhook_update_state": "DELIVERED"});
            if let Some(error) = &e.error {
                event["error_description"] = json!(error.message);
            }
            event
        })
        .collect();
    json!({"data": [{"id": "1", "message_id": message_id, "events": {"data": events}}]}).to_string().into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    const WAMID: &str = "wamid.HBgLMTY0NzM3Nzc3NzUVAgARGBI5QTNEQTA2RjdGMEY4RTRGAA==";

    fn answer(status: u16, body: &Value) -> Polled {
        let body = body.to_string();
        read(WAMID, &Response { status, retry_after: None, body: body.as_bytes(), recipients: 1 })
    }

    #[test]
    fn asks_the_numbers_history_for_the_wamid_with_the_bearer_token() {
        let settings = Settings {
            base_url: "https://graph.facebook.com/v23.0".into(),
            account: "1234567890123456".into(),
            send_at: None,
            typing: false,
        };
        let r = request(&settings, WAMID);
        assert_eq!(r.method, "GET");
        assert_eq!(
            r.url,
            "https://graph.facebook.com/v23.0/1234567890123456/message_history\
             ?message_id=wamid.HBgLMTY0NzM3Nzc3NzUVAgARGBI5QTNEQTA2RjdGMEY4RTRGAA%3D%3D\
             &fields=id%2Cmessage_id%2Cevents%7Bdelivery_status%2Ctimestamp%2Cerror_description%7D"
        );
        assert_eq!((r.redacted_headers()["Authorization"].as_str(), &r.body), (Some("Bearer ***"), &Value::Null));
        let (path, query) = r.url.strip_prefix("https://graph.facebook.com/v23.0").unwrap().split_once('?').unwrap();
        assert_eq!(asked("GET", path, query, b"").as_deref(), Some(WAMID));
        assert_eq!(asked("POST", path, query, b""), None);
        assert_eq!(asked("GET", "/1234567890123456/messages", query, b""), None);
    }

    #[test]
    fn its_answer_reads_back() {
        let at = jiff::Timestamp::from_second(1_640_995_200).ok();
        let failed = Some(ProviderError::new(None, "Message undeliverable"));
        let events = vec![
            StatusEvent { message_id: WAMID.into(), account: None, status: MessageStatus::Delivered, at, error: None, pricing: None },
            StatusEvent { message_id: WAMID.into(), account: None, status: MessageStatus::Failed, at, error: failed, pricing: None },
        ];
        let body = super::answer(WAMID, &events);
        let back = read(WAMID, &Response { status: 200, retry_after: None, body: &body, recipients: 1 });
        assert_eq!(back, Polled::Events(events));
    }

    #[test]
    fn reads_the_specs_example_filtered_by_message_id() {
        // `getMessageHistory`'s example `filtered_by_message_id`, and a failed event.
        let body = json!({"data": [{"id": "1234567890123456", "message_id": WAMID, "events": {"data": [
            {"id": "2345678901234567", "delivery_status": "SENT", "timestamp": 1640995200, "webhook_update_state": "DELIVERED"},
            {"id": "3456789012345678", "delivery_status": "DELIVERED", "timestamp": 1640995260, "webhook_update_state": "DELIVERED"},
            {"id": "4567890123456789", "delivery_status": "READ", "timestamp": 1640995320, "webhook_update_state": "DELIVERED"},
            {"id": "5", "delivery_status": "DELETED", "timestamp": 1640995400}]}},
            {"id": "2", "message_id": "wamid.other", "events": {"data": [{"id": "6", "delivery_status": "FAILED", "timestamp": 1}]}}]});
        let Polled::Events(events) = answer(200, &body) else { panic!("events") };
        let seen: Vec<(MessageStatus, i64)> = events.iter().map(|e| (e.status, e.at.unwrap().as_second())).collect();
        assert_eq!(
            seen,
            [(MessageStatus::Sent, 1640995200), (MessageStatus::Delivered, 1640995260), (MessageStatus::Read, 1640995320)]
        );
        let failed = json!({"data": [{"id": "1", "message_id": WAMID, "events": {"data": [
            {"id": "7", "delivery_status": "FAILED", "timestamp": 1640995200, "error_description": "Message undeliverable"}]}}]});
        let Polled::Events(events) = answer(200, &failed) else { panic!("events") };
        assert_eq!(events[0].error, Some(ProviderError::new(None, "Message undeliverable")));
        assert_eq!(answer(200, &json!({"data": []})), Polled::Events(Vec::new()));
    }

    #[test]
    fn no_permission_stops_pointing_to_webhooks_and_an_unknown_message_stays_awaited() {
        // The spec's 403 and 422 examples.
        let denied = json!({"error": {"message": "Your app doesn't have permission to access message history for this phone number",
            "type": "OAuthException", "code": 200, "error_subcode": 1349174, "fbtrace_id": "AXsgnV2Cm3ZMGF3dF_cfYIn"}});
        let Polled::Stop(e) = answer(403, &denied) else { panic!("a stop") };
        assert_eq!(e.code.as_deref(), Some("200"));
        assert!(e.message.contains("permission") && e.message.contains("herald listen"), "{}", e.message);
        let unknown = json!({"error": {"message": "The requested message_id was not found in the message history",
            "type": "GraphMethodException", "code": 100, "fbtrace_id": "AXsgnV2Cm3ZMGF3dF_cfYIn"}});
        assert!(matches!(answer(422, &unknown), Polled::Unknown(_)));
        let limited = json!({"error": {"message": "Application request limit reached", "type": "OAuthException",
            "code": 4, "error_subcode": 2446079, "is_transient": true}});
        assert!(matches!(answer(429, &limited), Polled::Again { .. }));
        assert!(matches!(answer(200, &json!([])), Polled::Stop(_)));
        let expired = json!({"error": {"message": "Error validating access token", "type": "OAuthException", "code": 190}});
        let Polled::Stop(e) = answer(401, &expired) else { panic!("a stop") };
        assert!(!e.message.contains("herald listen"), "a bad token is no missing permission: {}", e.message);
    }
}
