//! Evolution API v2's stored status updates, read back (2.3.6 source): `POST
//! /chat/findStatusMessage/{instance}` with `{"where": {"id": <the send's key.id>}}`
//! (`chat.router.ts`, schema `messageUpSchema` in `chat.schema.ts`) answers `200` with the
//! instance's `MessageUpdate` rows for that key (`channel.service.ts` `fetchStatusMessage`, 50 a
//! page): `[{"id", "keyId", "remoteJid", "fromMe", "participant", "pollUpdates", "status",
//! "messageId", "instanceId"}]`, one row per update, in the words of its webhook
//! ([`super::statuses::status_of`]). The rows carry no time, so a receipt read this way is
//! dated when it was read. Evolution stores the rows only when its server runs with
//! `DATABASE_SAVE_DATA_MESSAGE_UPDATE=true`; otherwise every answer is an empty list.

use super::super::poll::{Polled, StatusPoll};
use super::super::status::text;
use super::super::{MessageStatus, Provider, Response, Settings, StatusEvent, encode_component};
use super::statuses::{failure, status_of};
use crate::request::HttpRequest;
use serde_json::{Value, json};

/// Evolution's status poll.
pub(super) const POLL: StatusPoll = StatusPoll {
    request,
    read,
    needs: "Evolution keeps status updates only when its server runs with DATABASE_SAVE_DATA_MESSAGE_UPDATE=true",
    asked,
    answer,
};

fn request(settings: &Settings, message_id: &str) -> HttpRequest {
    let url = format!("{}/chat/findStatusMessage/{}", settings.base_url, encode_component(&settings.account));
    HttpRequest::post_json(url, super::INFO.auth, json!({ "where": { "id": message_id } }))
}

fn read(message_id: &str, r: &Response) -> Polled {
    if !r.is_success() {
        return Polled::from_outcome(super::Evolution.classify(r));
    }
    let Value::Array(rows) = r.json() else {
        return Polled::not_documented("Evolution API", r);
    };
    let events = rows
        .iter()
        .filter(|row| text(row, "/keyId") == Some(message_id) && row.get("fromMe") != Some(&Value::Bool(false)))
        .filter_map(|row| {
            let status = status_of(text(row, "/status")?)?;
            Some(StatusEvent { message_id: message_id.to_string(), account: None, status, at: None, error: failure(status), pricing: None })
        })
        .collect();
    Polled::Events(events)
}

fn asked(method: &str, path: &str, _query: &str, body: &[u8]) -> Option<String> {
    let instance = path.strip_prefix("/chat/findStatusMessage/")?;
    if method != "POST" || instance.is_empty() || instance.contains('/') {
        return None;
    }
    let body: Value = serde_json::from_slice(body).ok()?;
    text(&body, "/where/id").map(str::to_string)
}

/// The stored rows for these events, as a Baileys instance words them.
fn answer(message_id: &str, events: &[StatusEvent]) -> Vec<u8> {
    let rows: Vec<Value> = events
        .iter()
        .enumerate()
        .map(|(n, e)| {
            let status = match e.status {
                MessageStatus::Sent => "SERVER_ACK",
                MessageStatus::Delivered => "DELIVERY_ACK",
                MessageStatus::Read => "READ",
                MessageStatus::Failed => "ERROR",
            };
            json!({"id": format!("cmu{n}"), "keyId": message_id, "remoteJid": "0@s.whatsapp.net", "fromMe": true,
                   "participant": null, "pollUpdates": null, "status": status, "messageId": "cm0",
                   "instanceId": "sandbox"})
        })
        .collect();
    Value::Array(rows).to_string().into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> Settings {
        Settings { base_url: "https://evo.example".into(), account: "shop 1".into(), send_at: None, typing: false }
    }

    fn answer(status: u16, body: &Value) -> Polled {
        let body = body.to_string();
        read("BAE58DA6CBC941BC", &Response { status, retry_after: None, body: body.as_bytes(), recipients: 1 })
    }

    /// A `MessageUpdate` row as `fetchStatusMessage` returns it (`prisma/postgresql-schema.prisma`).
    fn row(key: &str, status: &str) -> Value {
        json!({"id": "cm4x1", "keyId": key, "remoteJid": "553198296801@s.whatsapp.net", "fromMe": true,
               "participant": null, "pollUpdates": null, "status": status, "messageId": "cm4x0",
               "instanceId": "8a7c0e52-1b"})
    }

    #[test]
    fn asks_for_the_key_on_the_instance_with_the_api_key() {
        let r = request(&settings(), "BAE58DA6CBC941BC");
        assert_eq!((r.method, r.url.as_str()), ("POST", "https://evo.example/chat/findStatusMessage/shop%201"));
        assert_eq!(r.body, json!({"where": {"id": "BAE58DA6CBC941BC"}}));
        assert_eq!(r.redacted_headers()["apikey"], "***");
        let body = r.body.to_string();
        assert_eq!(asked("POST", "/chat/findStatusMessage/shop%201", "", body.as_bytes()).as_deref(), Some("BAE58DA6CBC941BC"));
        assert_eq!(asked("GET", "/chat/findStatusMessage/shop", "", body.as_bytes()), None);
        assert_eq!(asked("POST", "/message/sendText/shop", "", body.as_bytes()), None);
    }

    #[test]
    fn its_answer_reads_back() {
        let events: Vec<StatusEvent> = [MessageStatus::Sent, MessageStatus::Read, MessageStatus::Failed]
            .into_iter()
            .map(|status| StatusEvent { message_id: "K".into(), account: None, status, at: None, error: failure(status), pricing: None })
            .collect();
        let body = super::answer("K", &events);
        let back = read("K", &Response { status: 200, retry_after: None, body: &body, recipients: 1 });
        assert_eq!(back, Polled::Events(events));
    }

    #[test]
    fn reads_every_stored_update_of_the_message_undated() {
        let rows = json!([row("BAE58DA6CBC941BC", "SERVER_ACK"), row("BAE58DA6CBC941BC", "DELIVERY_ACK"),
                          row("BAE58DA6CBC941BC", "READ"), row("OTHER", "ERROR"), row("BAE58DA6CBC941BC", "DELETED")]);
        let Polled::Events(events) = answer(200, &rows) else { panic!("events") };
        let statuses: Vec<MessageStatus> = events.iter().map(|e| e.status).collect();
        assert_eq!(statuses, [MessageStatus::Sent, MessageStatus::Delivered, MessageStatus::Read]);
        assert!(events.iter().all(|e| e.message_id == "BAE58DA6CBC941BC" && e.at.is_none()));
        let Polled::Events(failed) = answer(200, &json!([row("BAE58DA6CBC941BC", "FAILED")])) else { panic!() };
        assert_eq!(failed[0].status, MessageStatus::Failed);
        assert!(failed[0].error.is_some());
        assert_eq!(answer(200, &json!([])), Polled::Events(Vec::new()), "nothing stored yet");
    }

    #[test]
    fn a_refused_key_or_a_missing_instance_stops_and_a_foreign_answer_names_the_base_url() {
        let unauthorized = json!({"status": 401, "error": "Unauthorized", "response": {"message": "Unauthorized"}});
        assert!(matches!(answer(401, &unauthorized), Polled::Stop(_)));
        let missing = json!({"status": 404, "error": "Not Found",
                             "response": {"message": ["The \"shop\" instance does not exist"]}});
        assert!(matches!(answer(404, &missing), Polled::Stop(_)));
        assert!(matches!(answer(500, &json!({"status": 500})), Polled::Again { .. }));
        let Polled::Stop(e) = answer(200, &json!({"ok": true})) else { panic!("a stop") };
        assert!(e.message.contains("provider.base_url"), "{}", e.message);
    }
}
