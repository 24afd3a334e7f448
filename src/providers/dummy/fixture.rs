//! Dummy's samples and answer shapes, for the tests that run over every provider.

use super::Dummy;
use crate::message::{Message, MessageType};
use crate::providers::testing::{Fixture, order_template, samples};
use serde_json::{Value, json};

impl Fixture for Dummy {
    fn account(&self) -> &'static str {
        "box-1"
    }

    fn documented_types(&self) -> &'static [MessageType] {
        use MessageType as T;
        &[T::Text, T::Image]
    }

    fn samples(&self) -> Vec<(&'static str, Message)> {
        samples(self, order_template())
    }

    fn assert_success(&self, status: u16, body: &Value, id: Option<&str>, _sent: &Value) {
        assert_eq!(status, 200);
        assert_eq!(body, &json!({ "ok": true, "id": id }));
    }

    fn is_error(&self, _status: u16, body: &Value) -> bool {
        body["ok"] == json!(false) && body["error"].is_string()
    }

    fn assert_unauthorized(&self, body: &Value) {
        assert_eq!(body, &json!({ "ok": false, "error": "bad key" }));
    }

    fn assert_faults(&self, failed: &Value, throttled: &Value) {
        assert_eq!((failed, throttled), (&json!({ "ok": false, "error": "boom" }), &json!({ "ok": false, "error": "slow down" })));
    }
}
