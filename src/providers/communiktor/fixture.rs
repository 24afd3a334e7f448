//! Communiktor's samples and answer shapes, for the tests that run over every provider.

use super::Communiktor;
use crate::message::{Message, MessageType};
use crate::providers::testing::{Fixture, order_template, samples};
use serde_json::{Value, json};

impl Fixture for Communiktor {
    fn account(&self) -> &'static str {
        "my-instance-1"
    }

    fn documented_types(&self) -> &'static [MessageType] {
        use MessageType as T;
        &[T::Text, T::Image, T::Video, T::Audio, T::Voice, T::Document, T::Location, T::Contact]
    }

    fn samples(&self) -> Vec<(&'static str, Message)> {
        samples(self, order_template())
    }

    fn recipient(&self, _label: &str) -> &'static str {
        "254712345678"
    }

    fn assert_success(&self, status: u16, body: &Value, id: Option<&str>, _sent: &Value) {
        assert_eq!(status, 200);
        assert_eq!(body, &json!({ "message": "Message sent", "success": true, "code": 200, "data": { "id": id } }));
    }

    fn is_error(&self, status: u16, body: &Value) -> bool {
        body["success"] == json!(false)
            && body["code"] == json!(status)
            && body["message"].is_string()
            && body["data"].is_null()
    }

    fn assert_unauthorized(&self, body: &Value) {
        assert_eq!(body, &json!({ "message": "Invalid API key", "success": false, "code": 401, "data": null }));
    }

    fn assert_faults(&self, failed: &Value, _throttled: &Value) {
        assert_eq!((&failed["success"], &failed["code"]), (&json!(false), &json!(500)));
    }
}
