//! Evolution API's samples and answer shapes, for the tests that run over every provider.

use super::Evolution;
use crate::message::{Message, MessageType};
use crate::providers::testing::{Fixture, order_template, rich_template, samples};
use serde_json::{Value, json};

impl Fixture for Evolution {
    fn account(&self) -> &'static str {
        "shop"
    }

    fn documented_types(&self) -> &'static [MessageType] {
        use MessageType as T;
        &[T::Text, T::Image, T::Video, T::Audio, T::Voice, T::Document, T::Sticker, T::Location, T::Contact, T::Template, T::Interactive, T::Poll, T::Reaction]
    }

    fn samples(&self) -> Vec<(&'static str, Message)> {
        let mut all = samples(self, order_template());
        all.push(("template with money, a date and every button kind", Message::Template(rich_template())));
        all
    }

    fn recipient(&self, label: &str) -> &'static str {
        if label == "reaction" { "254712345678@s.whatsapp.net" } else { "254712345678" }
    }

    fn assert_success(&self, status: u16, body: &Value, id: Option<&str>, _sent: &Value) {
        assert_eq!(status, 201);
        let id = id.unwrap();
        assert_eq!(id.len(), 16);
        assert!(id.chars().all(|c| c.is_ascii_digit() || c.is_ascii_uppercase()), "{id}");
        assert_eq!(body["key"], json!({ "remoteJid": "254712345678@s.whatsapp.net", "fromMe": true, "id": id }));
        assert_eq!(
            (&body["status"], &body["pushName"], &body["source"]),
            (&json!("PENDING"), &json!(""), &json!("unknown"))
        );
        let message_type = body["messageType"].as_str().unwrap();
        assert!(body["message"].get(message_type).is_some(), "{body}");
        assert!(body["messageTimestamp"].as_u64().unwrap() > 1_700_000_000);
        assert!(body["instanceId"].is_string());
    }

    fn is_error(&self, status: u16, body: &Value) -> bool {
        body["status"] == json!(status) && body["error"].is_string() && body["response"].get("message").is_some()
    }

    fn assert_unauthorized(&self, body: &Value) {
        assert_eq!(body, &json!({ "status": 401, "error": "Unauthorized", "response": { "message": "Unauthorized" } }));
    }

    fn assert_faults(&self, failed: &Value, _throttled: &Value) {
        assert_eq!(
            failed,
            &json!({ "status": 500, "error": "Internal Server Error", "response": { "message": "Connection Closed" } })
        );
    }
}
