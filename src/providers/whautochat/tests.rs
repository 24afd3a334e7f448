//! Golden requests for WhautoChat, written from its Messages API page.

use crate::providers::testing::kind;
use super::*;
use crate::message::{Template, TemplateHeader};
use crate::providers::Severity;
use crate::providers::testing::{assert_request, build_clean, findings, media, out, settings, to};

const AUTH: (&str, &str) = ("x-api-key", "***");
const BASE: &str = "https://api.whauto.chat/v1/messages/whatsapp";

fn send(message: Message) -> HttpRequest {
    build_clean(&Whautochat, &settings(&Whautochat, "ws_123"), &to(), &out(message))
}

fn typed(kind: MediaKind, url: &str, mime: &str) -> Message {
    let mut m = media(kind, url);
    m.mime_type = Some(mime.into());
    Message::Media(m)
}

fn media_body(url: &str, mime: &str) -> serde_json::Value {
    json!({
        "recepient": { "phoneNumber": "+254712345678" },
        "workspace": { "id": "ws_123" },
        "mediaUrl": url,
        "mimeType": mime
    })
}

#[test]
fn text() {
    let body = json!({
        "recepient": { "phoneNumber": "+254712345678" },
        "workspace": { "id": "ws_123" },
        "textMessage": "Hello"
    });
    let request = send(Message::Text { body: "Hello".into(), preview_url: None });
    assert_request(&request, &format!("{BASE}/sendtext"), AUTH, body);
}

#[test]
fn image_video_audio_and_document_carry_their_mime_type() {
    let url = format!("{BASE}/sendmedia");
    for (kind, file, mime) in [
        (MediaKind::Image, "https://example.com/a.jpg", "image/jpeg"),
        (MediaKind::Video, "https://example.com/a.mp4", "video/mp4"),
        (MediaKind::Audio, "https://example.com/a.mp3", "audio/mpeg"),
        (MediaKind::Document, "https://example.com/a.pdf", "application/pdf"),
    ] {
        assert_request(&send(typed(kind, file, mime)), &url, AUTH, media_body(file, mime));
    }
}

#[test]
fn template_is_sent_by_name() {
    let template = Template {
        name: Some("welcome".into()),
        id: None,
        language: None,
        header: None,
        body: vec![],
        buttons: vec![],
    };
    let body = json!({
        "recepient": { "phoneNumber": "+254712345678" },
        "workspace": { "id": "ws_123" },
        "template": "welcome"
    });
    assert_request(&send(Message::Template(template)), &format!("{BASE}/sendtemplate"), AUTH, body);
}

#[test]
fn template_parameters_and_a_missing_name_are_errors() {
    let template = Template {
        name: None,
        id: None,
        language: None,
        header: Some(TemplateHeader::Text { text: "Hi".into(), name: None }),
        body: vec![],
        buttons: vec![],
    };
    let found: Vec<_> =
        findings(&Whautochat, &out(Message::Template(template))).into_iter().map(|f| (f.severity, f.pointer)).collect();
    assert_eq!(
        found,
        [(Severity::Error, "/message/template/name".into()), (Severity::Error, "/message/template".into())]
    );
}

#[test]
fn media_needs_a_mime_type() {
    let found = findings(&Whautochat, &out(Message::Media(media(MediaKind::Document, "https://example.com/x"))));
    assert_eq!(found.len(), 1);
    assert_eq!((found[0].severity, found[0].pointer.as_str()), (Severity::Error, "/message/media/mime_type"));
    assert!(found[0].text.contains("set `mime_type`"));
}

#[test]
fn caption_filename_and_a_mismatched_mime_type_are_warned_about() {
    let mut image = media(MediaKind::Image, "https://example.com/a.pdf");
    image.caption = Some("Look".into());
    image.filename = Some("a.pdf".into());
    image.mime_type = Some("application/pdf".into());
    let outgoing = Outgoing {
        message: Message::Media(image),
        metadata: Some(serde_json::Map::new()),
        reply_to: None,
        mentions: crate::providers::Mentions::default(),
    };
    let found: Vec<_> = findings(&Whautochat, &outgoing).into_iter().map(|f| (f.severity, f.pointer)).collect();
    let w = |p: &str| (Severity::Warning, p.to_string());
    assert_eq!(
        found,
        [w("/metadata"), w("/message/media/caption"), w("/message/media/filename"), w("/message/media/url")]
    );
}

/// Delivery at 2026-12-25 13:00 in Nairobi, as a campaign with `schedule.mode: provider` asks.
fn scheduled() -> Settings {
    let send_at = Some("2026-12-25T13:00:00+03:00".parse().unwrap());
    Settings { send_at, ..settings(&Whautochat, "ws_123") }
}

#[test]
fn scheduled_text_and_media_carry_schedule_date_time_in_utc() {
    let text = Whautochat.request(&scheduled(), &to(), &out(Message::Text { body: "Hello".into(), preview_url: None }));
    let body = json!({
        "recepient": { "phoneNumber": "+254712345678" },
        "workspace": { "id": "ws_123" },
        "textMessage": "Hello",
        "scheduleDateTime": "2026-12-25T10:00:00Z"
    });
    assert_request(&text.unwrap(), &format!("{BASE}/sendtext"), AUTH, body);
    for (kind, file, mime) in [
        (MediaKind::Image, "https://example.com/a.jpg", "image/jpeg"),
        (MediaKind::Document, "https://example.com/a.pdf", "application/pdf"),
    ] {
        let request = Whautochat.request(&scheduled(), &to(), &out(typed(kind, file, mime))).unwrap();
        let mut body = media_body(file, mime);
        body["scheduleDateTime"] = json!("2026-12-25T10:00:00Z");
        assert_request(&request, &format!("{BASE}/sendmedia"), AUTH, body);
    }
}

#[test]
fn a_template_cannot_be_scheduled() {
    let template = Template {
        name: Some("welcome".into()),
        id: None,
        language: None,
        header: None,
        body: vec![],
        buttons: vec![],
    };
    assert!(!Whautochat.schedules(MessageType::Template));
    let refused = Whautochat.request(&scheduled(), &to(), &out(Message::Template(template)));
    assert_eq!(refused.unwrap_err().to_string(), "WhautoChat cannot schedule template messages");
    // The contract agrees: `sendtemplate` has no `scheduleDateTime`.
    let path = "/v1/messages/whatsapp/sendtemplate";
    let (contract, _) = crate::providers::contract::find(kind("whautochat"), "POST", path).unwrap();
    let body = json!({
        "recepient": { "phoneNumber": "+254712345678" },
        "workspace": { "id": "ws_123" },
        "template": "welcome",
        "scheduleDateTime": "2026-12-25T10:00:00Z"
    });
    assert!(!contract.violations(&body).is_empty());
}
