//! Golden requests for FlowIQ, written from its `send-whatsapp` reference pages.

use super::*;
use crate::message::{
    ContactCard, InteractiveHeader, ListRow, ListSection, Location, MediaSource, Reaction, ReplyButton,
};
use crate::providers::Severity;
use crate::providers::testing::{assert_request, build_clean, card, findings, media, out, settings, to};

const URL: &str = "https://api.flowiq.live/send-whatsapp?tenantId=acme";
const AUTH: (&str, &str) = ("Authorization", "Bearer ***");

fn send(message: Message) -> HttpRequest {
    build_clean(&Flowiq, &settings(&Flowiq, "acme"), &to(), &out(message))
}

#[test]
fn text() {
    let body = json!({
        "phone_number": "+254712345678",
        "message_type": "text",
        "text": "Hello! This is a test message from FlowIQ API."
    });
    let request =
        send(Message::Text { body: "Hello! This is a test message from FlowIQ API.".into(), preview_url: None });
    assert_request(&request, URL, AUTH, body);
}

#[test]
fn the_tenant_is_percent_encoded() {
    let settings =
        Settings { base_url: "https://api.flowiq.live".into(), account: "acme & co/é".into(), send_at: None, typing: false };
    let request = Flowiq.build(&settings, &to(), &out(Message::Text { body: "x".into(), preview_url: None })).unwrap();
    assert_eq!(request.url, "https://api.flowiq.live/send-whatsapp?tenantId=acme%20%26%20co%2F%C3%A9");
}

#[test]
fn image_and_video_with_captions() {
    for (kind, name, link) in [
        (MediaKind::Image, "image", "https://example.com/image.jpg"),
        (MediaKind::Video, "video", "https://example.com/v.mp4"),
    ] {
        let mut m = media(kind, link);
        m.caption = Some("Check this out!".into());
        let body = json!({
            "phone_number": "+254712345678",
            "message_type": name,
            "media_url": link,
            "caption": "Check this out!"
        });
        assert_request(&send(Message::Media(m)), URL, AUTH, body);
    }
}

#[test]
fn audio() {
    let body =
        json!({ "phone_number": "+254712345678", "message_type": "audio", "media_url": "https://example.com/a.mp3" });
    assert_request(&send(Message::Media(media(MediaKind::Audio, "https://example.com/a.mp3"))), URL, AUTH, body);
}

#[test]
fn document_with_filename() {
    let mut document = media(MediaKind::Document, "https://example.com/document.pdf");
    document.filename = Some("document.pdf".into());
    let body = json!({
        "phone_number": "+254712345678",
        "message_type": "document",
        "media_url": "https://example.com/document.pdf",
        "filename": "document.pdf"
    });
    assert_request(&send(Message::Media(document)), URL, AUTH, body);
}

#[test]
fn location() {
    let location = Location { latitude: -33.9249, longitude: 18.4241, name: Some("Cape Town".into()), address: None };
    let body = json!({
        "phone_number": "+254712345678",
        "message_type": "location",
        "location": { "latitude": -33.9249, "longitude": 18.4241, "name": "Cape Town" }
    });
    assert_request(&send(Message::Location(location)), URL, AUTH, body);
}

#[test]
fn contacts() {
    let card = ContactCard {
        first_name: Some("John".into()),
        last_name: Some("Doe".into()),
        ..card("John Doe", "+27987654321")
    };
    let body = json!({
        "phone_number": "+254712345678",
        "message_type": "contacts",
        "contacts": [{
            "name": { "formatted_name": "John Doe", "first_name": "John", "last_name": "Doe" },
            "phones": [{ "phone": "+27987654321", "type": "CELL" }]
        }]
    });
    assert_request(&send(Message::Contact(card.into())), URL, AUTH, body);
}

#[test]
fn interactive_buttons_are_flat() {
    let interactive = Interactive {
        header: Some("Delivery".into()),
        body: "When should we come?".into(),
        footer: Some("Reply to choose".into()),
        action: InteractiveAction::Buttons(vec![ReplyButton { id: "am".into(), title: "Morning".into() }]),
    };
    let body = json!({
        "phone_number": "+254712345678",
        "message_type": "interactive",
        "interactive": {
            "type": "button",
            "body": "When should we come?",
            "header": "Delivery",
            "footer": "Reply to choose",
            "buttons": [{ "id": "am", "title": "Morning" }]
        }
    });
    assert_request(&send(Message::Interactive(interactive)), URL, AUTH, body);
}

#[test]
fn interactive_list_is_flat() {
    let interactive = Interactive {
        header: None,
        body: "Pick a size".into(),
        footer: None,
        action: InteractiveAction::List {
            button: "Sizes".into(),
            sections: vec![ListSection {
                title: Some("Pizza".into()),
                rows: vec![ListRow { id: "s".into(), title: "Small".into(), description: Some("25 cm".into()) }],
            }],
        },
    };
    let body = json!({
        "phone_number": "+254712345678",
        "message_type": "interactive",
        "interactive": {
            "type": "list",
            "body": "Pick a size",
            "button": "Sizes",
            "sections": [{ "title": "Pizza", "rows": [{ "id": "s", "title": "Small", "description": "25 cm" }] }]
        }
    });
    assert_request(&send(Message::Interactive(interactive)), URL, AUTH, body);
}

#[test]
fn reaction() {
    let reaction = Reaction { message_id: "wamid.HBgL".into(), emoji: "👍".into(), from_me: false };
    let body = json!({
        "phone_number": "+254712345678",
        "message_type": "reaction",
        "reaction": { "message_id": "wamid.HBgL", "emoji": "👍" }
    });
    assert_request(&send(Message::Reaction(reaction)), URL, AUTH, body);
}

#[test]
fn an_empty_reaction_may_become_a_thumbs_up() {
    let reaction = Reaction { message_id: "wamid.HBgL".into(), emoji: String::new(), from_me: false };
    let found = findings(&Flowiq, &out(Message::Reaction(reaction)));
    assert_eq!(found.len(), 1);
    assert_eq!((found[0].severity, found[0].pointer.as_str()), (Severity::Warning, "/message/reaction/emoji"));
}

#[test]
fn contact_fields_without_a_place_are_warned_about() {
    let card = ContactCard {
        organization: Some("ACME".into()),
        email: Some("john@example.com".into()),
        url: Some("https://example.com".into()),
        ..card("John Doe", "+27987654321")
    };
    let outgoing = Outgoing {
        message: Message::Contact(card.into()),
        metadata: Some(Map::new()),
        reply_to: None,
        mentions: crate::providers::Mentions::default(),
    };
    let found: Vec<_> = findings(&Flowiq, &outgoing).into_iter().map(|f| (f.severity, f.pointer)).collect();
    let w = |p: &str| (Severity::Warning, p.to_string());
    assert_eq!(
        found,
        [w("/metadata"), w("/message/contact/organization"), w("/message/contact/email"), w("/message/contact/url")]
    );
}

#[test]
fn media_fields_without_a_place_are_warned_about_and_meta_limits_apply() {
    let mut image = media(MediaKind::Image, "https://example.com/a.jpg");
    image.caption = Some("c".repeat(1025));
    image.filename = Some("a.jpg".into());
    let found: Vec<_> =
        findings(&Flowiq, &out(Message::Media(image))).into_iter().map(|f| (f.severity, f.pointer)).collect();
    assert_eq!(
        found,
        [(Severity::Error, "/message/media/caption".into()), (Severity::Warning, "/message/media/filename".into())]
    );
}

#[test]
fn a_media_header_goes_in_header_media_and_what_flowiq_lacks_is_refused() {
    let interactive = |header, action| Interactive { header, body: "Our new menu".into(), footer: None, action };
    let reply = || InteractiveAction::Buttons(vec![ReplyButton { id: "y".into(), title: "Yes".into() }]);
    let pdf = InteractiveHeader::Media {
        kind: MediaKind::Document,
        source: MediaSource::Link("https://example.com/menu.pdf".into()),
        filename: Some("menu.pdf".into()),
    };
    let body = json!({
        "phone_number": "+254712345678",
        "message_type": "interactive",
        "interactive": {
            "type": "button",
            "header_media": { "type": "document", "url": "https://example.com/menu.pdf", "filename": "menu.pdf" },
            "body": "Our new menu",
            "buttons": [{ "id": "y", "title": "Yes" }]
        }
    });
    assert_request(&send(Message::Interactive(interactive(Some(pdf), reply()))), URL, AUTH, body);
    let uploaded =
        InteractiveHeader::Media { kind: MediaKind::Image, source: MediaSource::Id("9".into()), filename: None };
    let link = InteractiveAction::CtaUrl { label: "Open".into(), url: "https://example.com".into() };
    for (message, pointer) in [
        (interactive(Some(uploaded), reply()), "/message/interactive/header"),
        (interactive(None, link), "/message/interactive/cta_url"),
    ] {
        let message = Message::Interactive(message);
        let found: Vec<_> =
            findings(&Flowiq, &out(message.clone())).into_iter().map(|f| (f.severity, f.pointer)).collect();
        assert_eq!(found, [(Severity::Error, pointer.to_string())]);
        assert!(matches!(
            Flowiq.build(&settings(&Flowiq, "acme"), &to(), &out(message)),
            Err(Unsupported::Feature { .. } | Unsupported::Interactive { .. })
        ));
    }
}
