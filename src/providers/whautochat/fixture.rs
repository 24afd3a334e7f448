//! WhautoChat's samples and answer shapes, for the tests that run over every provider.

use super::Whautochat;
use crate::message::{Message, MessageType, Template};
use crate::providers::testing::{Fixture, samples};
use serde_json::{Value, json};

impl Fixture for Whautochat {
    fn account(&self) -> &'static str {
        "ws_123"
    }

    fn documented_types(&self) -> &'static [MessageType] {
        use MessageType as T;
        &[T::Text, T::Image, T::Video, T::Audio, T::Document, T::Template]
    }

    fn samples(&self) -> Vec<(&'static str, Message)> {
        // WhautoChat's templates take a name and nothing else that herald sends.
        let welcome = Template {
            name: Some("welcome".into()),
            id: None,
            language: Some("en".into()),
            header: None,
            body: vec![],
            buttons: vec![],
        };
        samples(self, welcome)
    }

    fn text_field(&self) -> &'static str {
        "textMessage"
    }

    fn assert_success(&self, status: u16, body: &Value, id: Option<&str>, _sent: &Value) {
        assert_eq!(status, 200);
        assert_eq!(body, &json!({ "id": id, "status": "queued", "error": "" }));
    }

    fn is_error(&self, _status: u16, body: &Value) -> bool {
        body["id"] == json!("") && body["status"] == json!("error") && body["error"].is_string()
    }

    fn assert_unauthorized(&self, body: &Value) {
        assert_eq!(body, &json!({ "id": "", "status": "error", "error": "Invalid API key" }));
    }

    fn assert_faults(&self, failed: &Value, _throttled: &Value) {
        assert_eq!(failed["status"], "error");
    }
}
