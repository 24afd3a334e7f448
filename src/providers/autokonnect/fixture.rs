//! AutoKonnect's samples and answer shapes, for the tests that run over every provider.

use super::Autokonnect;
use crate::message::{Message, MessageType};
use crate::providers::testing::{Fixture, buttons_under_an_image, order_template, samples};
use serde_json::{Value, json};

impl Fixture for Autokonnect {
    fn account(&self) -> &'static str {
        "123"
    }

    fn documented_types(&self) -> &'static [MessageType] {
        use MessageType as T;
        &[T::Text, T::Image, T::Video, T::Audio, T::Document, T::Template, T::Interactive]
    }

    fn samples(&self) -> Vec<(&'static str, Message)> {
        let mut all = samples(self, order_template());
        all.push(("buttons under an image", buttons_under_an_image()));
        all
    }

    fn text_field(&self) -> &'static str {
        "message"
    }

    fn assert_success(&self, status: u16, body: &Value, id: Option<&str>, _sent: &Value) {
        assert_eq!(status, 200);
        assert_eq!(body, &json!({ "message": "Message queued for sending", "recipients_count": 1 }));
        assert_eq!(id, None);
    }

    fn is_error(&self, _status: u16, body: &Value) -> bool {
        body["code"].is_string() && body["message"].is_string()
    }

    fn assert_unauthorized(&self, body: &Value) {
        assert_eq!(body, &json!({ "code": "invalid_api_key", "message": "Invalid API key" }));
    }

    fn assert_faults(&self, failed: &Value, _throttled: &Value) {
        assert!(failed["code"].is_string());
    }
}
