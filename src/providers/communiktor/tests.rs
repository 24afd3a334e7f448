//! Golden requests for Communiktor, written from its Messaging API page.

use super::*;
use crate::message::{ContactCard, Location};
use crate::providers::Severity;
use crate::providers::testing::{assert_request, build_clean, card, findings, media, out, settings, to};

const AUTH: (&str, &str) = ("X-API-KEY", "***");

fn send(outgoing: Outgoing) -> HttpRequest {
    build_clean(&Communiktor, &settings(&Communiktor, "my-instance-1"), &to(), &outgoing)
}

#[test]
fn text_with_metadata() {
    let metadata = json!({ "orderId": "ORD-12345" }).as_object().cloned();
    let outgoing = Outgoing {
        message: Message::Text { body: "Hello!".into(), preview_url: None },
        metadata,
        reply_to: None,
        mentions: crate::providers::Mentions::default(),
    };
    let body = json!({
        "instance": "my-instance-1",
        "receiver": "254712345678",
        "text": "Hello!",
        "metadata": { "orderId": "ORD-12345" }
    });
    assert_request(&send(outgoing), "https://api.communiktor.com/messages/text", AUTH, body);
}

#[test]
fn image_with_caption_and_view_once() {
    let mut image = media(MediaKind::Image, "https://example.com/image.jpg");
    image.caption = Some("Order #12345".into());
    image.view_once = Some(false);
    let body = json!({
        "instance": "my-instance-1",
        "receiver": "254712345678",
        "url": "https://example.com/image.jpg",
        "caption": "Order #12345",
        "viewOnce": false
    });
    assert_request(&send(out(Message::Media(image))), "https://api.communiktor.com/messages/image", AUTH, body);
}

#[test]
fn video() {
    let mut video = media(MediaKind::Video, "https://example.com/video.mp4");
    video.caption = Some("Feature demo".into());
    let body = json!({
        "instance": "my-instance-1",
        "receiver": "254712345678",
        "url": "https://example.com/video.mp4",
        "caption": "Feature demo"
    });
    assert_request(&send(out(Message::Media(video))), "https://api.communiktor.com/messages/video", AUTH, body);
}

#[test]
fn audio() {
    let audio = media(MediaKind::Audio, "https://example.com/audio.mp3");
    let body =
        json!({ "instance": "my-instance-1", "receiver": "254712345678", "url": "https://example.com/audio.mp3" });
    assert_request(&send(out(Message::Media(audio))), "https://api.communiktor.com/messages/audio", AUTH, body);
}

#[test]
fn voice_is_audio_as_a_note() {
    let voice = media(MediaKind::Voice, "https://example.com/note.ogg");
    let body = json!({
        "instance": "my-instance-1",
        "receiver": "254712345678",
        "url": "https://example.com/note.ogg",
        "asNote": true
    });
    assert_request(&send(out(Message::Media(voice))), "https://api.communiktor.com/messages/audio", AUTH, body);
}

#[test]
fn document() {
    let mut document = media(MediaKind::Document, "https://example.com/invoice.pdf");
    document.caption = Some("Invoice May".into());
    document.filename = Some("invoice-may.pdf".into());
    let body = json!({
        "instance": "my-instance-1",
        "receiver": "254712345678",
        "url": "https://example.com/invoice.pdf",
        "caption": "Invoice May",
        "filename": "invoice-may.pdf"
    });
    let url = "https://api.communiktor.com/messages/document";
    assert_request(&send(out(Message::Media(document))), url, AUTH, body);
}

#[test]
fn location() {
    let location = Location {
        latitude: 37.7749,
        longitude: -122.4194,
        name: Some("Communiktor HQ".into()),
        address: Some("1 Market St, San Francisco".into()),
    };
    let body = json!({
        "instance": "my-instance-1",
        "receiver": "254712345678",
        "location": {
            "latitude": 37.7749,
            "longitude": -122.4194,
            "name": "Communiktor HQ",
            "address": "1 Market St, San Francisco"
        }
    });
    let url = "https://api.communiktor.com/messages/location";
    assert_request(&send(out(Message::Location(location))), url, AUTH, body);
}

#[test]
fn vcard() {
    let card = ContactCard {
        card_name: Some("Your sales contact".into()),
        organization: Some("ACME Inc.".into()),
        email: Some("jane.doe@example.com".into()),
        url: Some("https://example.com".into()),
        job_title: Some("Account manager".into()),
        address: Some("1 Market St, San Francisco".into()),
        note: Some("Call after 9".into()),
        ..card("Jane Doe", "+14155552671")
    };
    let body = json!({
        "instance": "my-instance-1",
        "receiver": "254712345678",
        "name": "Your sales contact",
        "contact": {
            "fullname": "Jane Doe",
            "phone": "14155552671",
            "organization": "ACME Inc.",
            "email": "jane.doe@example.com",
            "url": "https://example.com",
            "title": "Account manager",
            "address": "1 Market St, San Francisco",
            "note": "Call after 9"
        }
    });
    assert_request(&send(out(Message::Contact(card.into()))), "https://api.communiktor.com/messages/vcard", AUTH, body);
}

#[test]
fn settings_it_has_no_field_for_are_warned_about() {
    let card = ContactCard {
        first_name: Some("Jane".into()),
        last_name: Some("Doe".into()),
        ..card("Jane Doe", "+14155552671")
    };
    let warned = |message| {
        findings(&Communiktor, &out(message)).into_iter().map(|f| (f.severity, f.pointer)).collect::<Vec<_>>()
    };
    assert_eq!(
        warned(Message::Contact(card.into())),
        [
            (Severity::Warning, "/message/contact/first_name".to_string()),
            (Severity::Warning, "/message/contact/last_name".to_string())
        ]
    );
    let text = Message::Text { body: "Hi".into(), preview_url: Some(true) };
    assert_eq!(warned(text), [(Severity::Warning, "/message/preview_url".to_string())]);
}

#[test]
fn location_needs_name_and_address() {
    let location = Location { latitude: 1.0, longitude: 2.0, name: None, address: None };
    let found = findings(&Communiktor, &out(Message::Location(location)));
    let got: Vec<_> = found.iter().map(|f| (f.severity, f.pointer.as_str())).collect();
    assert_eq!(got, [(Severity::Error, "/message/location/name"), (Severity::Error, "/message/location/address")]);
}

#[test]
fn media_fields_without_a_place_are_warned_about() {
    let mut voice = media(MediaKind::Voice, "https://example.com/note.ogg");
    voice.caption = Some("Hi".into());
    voice.filename = Some("note.ogg".into());
    voice.mime_type = Some("audio/ogg".into());
    voice.mime_type_explicit = true;
    let found = findings(&Communiktor, &out(Message::Media(voice)));
    let got: Vec<_> = found.iter().map(|f| (f.severity, f.pointer.as_str())).collect();
    assert_eq!(
        got,
        [
            (Severity::Warning, "/message/media/caption"),
            (Severity::Warning, "/message/media/filename"),
            (Severity::Warning, "/message/media/mime_type"),
        ]
    );
    let mut inferred = media(MediaKind::Image, "https://example.com/a.png");
    inferred.mime_type = Some("image/png".into());
    assert_eq!(findings(&Communiktor, &out(Message::Media(inferred))), []);
}

/// Delivery at 2026-12-25 13:00 in Nairobi, as a campaign with `schedule.mode: provider` asks.
fn scheduled() -> Settings {
    let send_at = Some("2026-12-25T13:00:00+03:00".parse().unwrap());
    Settings { send_at, ..settings(&Communiktor, "my-instance-1") }
}

#[test]
fn a_scheduled_text_carries_sends_at_in_utc() {
    let request =
        Communiktor.request(&scheduled(), &to(), &out(Message::Text { body: "Hello!".into(), preview_url: None }));
    let body = json!({
        "instance": "my-instance-1",
        "receiver": "254712345678",
        "text": "Hello!",
        "sendsAt": "2026-12-25T10:00:00Z"
    });
    assert_request(&request.unwrap(), "https://api.communiktor.com/messages/text", AUTH, body);
}

#[test]
fn every_endpoint_takes_the_delivery_time() {
    let location =
        Location { latitude: 1.5, longitude: 2.5, name: Some("HQ".into()), address: Some("1 Main St".into()) };
    let messages = [
        Message::Media(media(MediaKind::Image, "https://example.com/a.jpg")),
        Message::Media(media(MediaKind::Video, "https://example.com/a.mp4")),
        Message::Media(media(MediaKind::Audio, "https://example.com/a.mp3")),
        Message::Media(media(MediaKind::Voice, "https://example.com/a.ogg")),
        Message::Media(media(MediaKind::Document, "https://example.com/a.pdf")),
        Message::Location(location),
        Message::Contact(card("Jane Doe", "+14155552671").into()),
    ];
    for message in messages {
        assert!(Communiktor.schedules(message.message_type()));
        let now = send(out(message.clone()));
        let later = Communiktor.request(&scheduled(), &to(), &out(message)).unwrap();
        let mut body = now.body.clone();
        body["sendsAt"] = json!("2026-12-25T10:00:00Z");
        assert_request(&later, &now.url, AUTH, body);
    }
}
