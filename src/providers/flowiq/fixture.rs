//! FlowIQ's samples and answer shapes, for the tests that run over every provider.

use super::Flowiq;
use crate::message::{Message, MessageType};
use crate::providers::testing::{Fixture, buttons_under_an_image, order_template, samples};
use serde_json::{Value, json};

impl Fixture for Flowiq {
    fn account(&self) -> &'static str {
        "acme"
    }

    fn documented_types(&self) -> &'static [MessageType] {
        use MessageType as T;
        &[T::Text, T::Image, T::Video, T::Audio, T::Document, T::Location, T::Contact, T::Interactive, T::Reaction]
    }

    fn samples(&self) -> Vec<(&'static str, Message)> {
        let mut all = samples(self, order_template());
        all.push(("buttons under an image", buttons_under_an_image()));
        all
    }

    fn assert_success(&self, status: u16, body: &Value, id: Option<&str>, sent: &Value) {
        assert_eq!(status, 200);
        let data = json!({ "message_id": id, "recipient": "254712345678", "message_type": sent["message_type"] });
        assert_eq!(body, &json!({ "success": true, "message": "Message sent successfully", "data": data }));
        assert!(id.unwrap().starts_with("wamid."));
    }

    fn is_error(&self, _status: u16, body: &Value) -> bool {
        body["error"].is_string() && body["message"].is_string() && body.get("success").is_none()
    }

    fn assert_unauthorized(&self, body: &Value) {
        assert_eq!(body, &json!({ "error": "Unauthorized", "message": "Invalid API key" }));
    }

    fn assert_faults(&self, failed: &Value, throttled: &Value) {
        assert!(failed["error"].is_string() && throttled["error"].is_string());
    }
}
