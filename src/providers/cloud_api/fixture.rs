//! The Cloud API's samples and answer shapes, for the tests that run over every provider.

use super::CloudApi;
use crate::message::{Interactive, InteractiveAction, Message, MessageType};
use crate::providers::testing::{Fixture, buttons_under_an_image, order_template, rich_template, sale_image, samples};
use serde_json::{Value, json};

impl Fixture for CloudApi {
    fn account(&self) -> &'static str {
        "106540352242922"
    }

    fn documented_types(&self) -> &'static [MessageType] {
        use MessageType as T;
        &[T::Text, T::Image, T::Video, T::Audio, T::Voice, T::Document, T::Sticker, T::Location, T::Contact, T::Template, T::Interactive, T::Reaction]
    }

    fn samples(&self) -> Vec<(&'static str, Message)> {
        let mut all = samples(self, order_template());
        all.push(("template with money, a date and every button kind", Message::Template(rich_template())));
        all.push(("buttons under an image", buttons_under_an_image()));
        let action = InteractiveAction::CtaUrl { label: "Shop now".into(), url: "https://example.com/sale".into() };
        let link = Interactive { header: Some(sale_image()), body: "Spring sale".into(), footer: None, action };
        all.push(("link button", Message::Interactive(link)));
        all
    }

    fn assert_success(&self, status: u16, body: &Value, id: Option<&str>, _sent: &Value) {
        assert_eq!(status, 200);
        let expected = json!({
            "messaging_product": "whatsapp",
            "contacts": [{ "input": "+254712345678", "wa_id": "254712345678" }],
            "messages": [{ "id": id, "message_status": "accepted" }],
        });
        assert_eq!(body, &expected);
        assert!(id.unwrap().starts_with("wamid."));
    }

    fn is_error(&self, _status: u16, body: &Value) -> bool {
        let e = &body["error"];
        e["message"].is_string() && e["type"] == json!("OAuthException") && e["code"].is_u64() && e["fbtrace_id"].is_string()
    }

    fn assert_unauthorized(&self, body: &Value) {
        let mut error = body["error"].clone();
        let trace = error.as_object_mut().and_then(|e| e.remove("fbtrace_id"));
        assert!(trace.is_some_and(|t| t.is_string()), "{body}");
        assert_eq!(error, json!({ "message": "Invalid OAuth access token.", "type": "OAuthException", "code": 190 }));
    }

    fn assert_faults(&self, failed: &Value, throttled: &Value) {
        assert_eq!(failed["error"]["message"], "An unknown error occurred");
        assert_eq!(throttled["error"]["code"], 130429);
    }
}
