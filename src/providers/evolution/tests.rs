//! Golden requests for Evolution API v2, written from its v2 schemas and DTOs
//! (`message.schema.ts`, `sendMessage.dto.ts`).

use super::*;
use crate::message::{
    ButtonValue, ContactCard, ListRow, Location, MediaKind, MediaSource, Reaction, ReplyButton, Template,
    TemplateButton, TemplateHeader,
};
use crate::providers::Severity;
use crate::providers::testing::{
    assert_request, build_clean, card, findings, media, named_components, named_template, out, rich_components,
    rich_template, settings, to,
};

const AUTH: (&str, &str) = ("apikey", "***");

fn url(route: &str) -> String {
    format!("https://evo.example.com/message/{route}/shop")
}

fn send(message: Message) -> HttpRequest {
    build_clean(&Evolution, &settings(&Evolution, "shop"), &to(), &out(message))
}

/// Builds a message whose `check` gives exactly the warnings at `warnings` (no errors).
fn send_warned(message: Message, warnings: &[&str]) -> HttpRequest {
    let outgoing = out(message);
    let found = findings(&Evolution, &outgoing);
    let got: Vec<_> = found.iter().map(|f| (f.severity, f.pointer.as_str())).collect();
    let want: Vec<_> = warnings.iter().map(|&p| (Severity::Warning, p)).collect();
    assert_eq!(got, want);
    Evolution.build(&settings(&Evolution, "shop"), &to(), &outgoing).unwrap()
}

fn pointers(message: Message) -> Vec<(Severity, String)> {
    findings(&Evolution, &out(message)).into_iter().map(|f| (f.severity, f.pointer)).collect()
}

#[test]
fn text() {
    let request = send(Message::Text { body: "Hi".into(), preview_url: Some(false) });
    let body = json!({ "number": "254712345678", "text": "Hi", "linkPreview": false });
    assert_request(&request, &url("sendText"), AUTH, body);
}

#[test]
fn the_instance_is_percent_encoded_in_the_path() {
    let settings = Settings { base_url: "http://localhost:8080".into(), account: "my shop/1".into(), send_at: None, typing: false };
    let outgoing = out(Message::Text { body: "Hi".into(), preview_url: None });
    let request = Evolution.build(&settings, &to(), &outgoing).unwrap();
    assert_eq!(request.url, "http://localhost:8080/message/sendText/my%20shop%2F1");
}

#[test]
fn image_with_explicit_mime_type() {
    let mut image = media(MediaKind::Image, "https://example.com/a.jpg");
    image.caption = Some("Look".into());
    image.mime_type = Some("image/jpeg".into());
    image.mime_type_explicit = true;
    let body = json!({
        "number": "254712345678",
        "mediatype": "image",
        "media": "https://example.com/a.jpg",
        "mimetype": "image/jpeg",
        "caption": "Look"
    });
    assert_request(&send(Message::Media(image)), &url("sendMedia"), AUTH, body);
}

#[test]
fn video_leaves_out_an_inferred_mime_type() {
    let mut video = media(MediaKind::Video, "https://example.com/a.mp4");
    video.mime_type = Some("video/mp4".into());
    let body = json!({ "number": "254712345678", "mediatype": "video", "media": "https://example.com/a.mp4" });
    assert_request(&send(Message::Media(video)), &url("sendMedia"), AUTH, body);
}

#[test]
fn audio() {
    let body = json!({ "number": "254712345678", "mediatype": "audio", "media": "https://example.com/a.mp3" });
    let audio = media(MediaKind::Audio, "https://example.com/a.mp3");
    assert_request(&send(Message::Media(audio)), &url("sendMedia"), AUTH, body);
}

#[test]
fn voice() {
    let body = json!({ "number": "254712345678", "audio": "https://example.com/v.ogg" });
    let voice = media(MediaKind::Voice, "https://example.com/v.ogg");
    assert_request(&send(Message::Media(voice)), &url("sendWhatsAppAudio"), AUTH, body);
}

#[test]
fn document() {
    let mut document = media(MediaKind::Document, "https://example.com/i.pdf");
    document.caption = Some("Invoice".into());
    document.filename = Some("invoice.pdf".into());
    let body = json!({
        "number": "254712345678",
        "mediatype": "document",
        "media": "https://example.com/i.pdf",
        "caption": "Invoice",
        "fileName": "invoice.pdf"
    });
    assert_request(&send(Message::Media(document)), &url("sendMedia"), AUTH, body);
}

#[test]
fn location() {
    let location = Location {
        latitude: -1.2921,
        longitude: 36.8219,
        name: Some("Office".into()),
        address: Some("Moi Ave".into()),
    };
    let body = json!({
        "number": "254712345678",
        "latitude": -1.2921,
        "longitude": 36.8219,
        "name": "Office",
        "address": "Moi Ave"
    });
    assert_request(&send(Message::Location(location)), &url("sendLocation"), AUTH, body);
}

#[test]
fn contact() {
    let card = ContactCard {
        organization: Some("ACME".into()),
        email: Some("jane@example.com".into()),
        url: Some("https://example.com".into()),
        ..card("Jane Doe", "+14155552671")
    };
    let body = json!({
        "number": "254712345678",
        "contact": [{
            "fullName": "Jane Doe",
            "phoneNumber": "14155552671",
            "organization": "ACME",
            "email": "jane@example.com",
            "url": "https://example.com"
        }]
    });
    assert_request(&send(Message::Contact(card.into())), &url("sendContact"), AUTH, body);
}

#[test]
fn reaction_addresses_the_chat_by_jid() {
    let reaction = Reaction { message_id: "BAE58DA6CBC941BC".into(), emoji: "🔥".into(), from_me: true };
    let body = json!({
        "key": { "remoteJid": "254712345678@s.whatsapp.net", "fromMe": true, "id": "BAE58DA6CBC941BC" },
        "reaction": "🔥"
    });
    assert_request(&send(Message::Reaction(reaction)), &url("sendReaction"), AUTH, body);
}

#[test]
fn template_passes_meta_components_through() {
    let template = Template {
        name: Some("promo".into()),
        id: None,
        language: Some("en_US".into()),
        header: Some(TemplateHeader::Media {
            kind: MediaKind::Image,
            source: MediaSource::Link("https://example.com/h.jpg".into()),
            filename: None,
        }),
        body: vec!["Jane".into()],
        buttons: vec![TemplateButton { index: 0, value: ButtonValue::QuickReply("STOP".into()) }],
    };
    let body = json!({
        "number": "254712345678",
        "name": "promo",
        "language": "en_US",
        "components": [
            { "type": "header", "parameters": [{ "type": "image", "image": { "link": "https://example.com/h.jpg" } }] },
            { "type": "body", "parameters": [{ "type": "text", "text": "Jane" }] },
            { "type": "button", "sub_type": "quick_reply", "index": "0",
              "parameters": [{ "type": "payload", "payload": "STOP" }] }
        ]
    });
    let request = send_warned(Message::Template(template), &["/message/template"]);
    assert_request(&request, &url("sendTemplate"), AUTH, body);
}

#[test]
fn template_with_an_uploaded_header_money_a_date_and_every_button_kind() {
    let template = rich_template();
    let body = json!({
        "number": "254712345678",
        "name": "spring_coupon",
        "language": "en_US",
        "components": rich_components()
    });
    let request = send_warned(Message::Template(template), &["/message/template"]);
    assert_request(&request, &url("sendTemplate"), AUTH, body);
}

#[test]
fn a_named_template_passes_meta_components_with_each_parameter_name() {
    let body = json!({
        "number": "254712345678",
        "name": "order_confirmation",
        "language": "en_US",
        "components": named_components()
    });
    let request = send_warned(Message::Template(named_template()), &["/message/template"]);
    assert_request(&request, &url("sendTemplate"), AUTH, body);
}

#[test]
fn buttons() {
    let interactive = Interactive {
        header: None,
        body: "When should we come?".into(),
        footer: Some("Reply to choose".into()),
        action: InteractiveAction::Buttons(vec![
            ReplyButton { id: "am".into(), title: "Morning".into() },
            ReplyButton { id: "pm".into(), title: "Afternoon".into() },
        ]),
    };
    let body = json!({
        "number": "254712345678",
        "title": "When should we come?",
        "footer": "Reply to choose",
        "buttons": [
            { "type": "reply", "displayText": "Morning", "id": "am" },
            { "type": "reply", "displayText": "Afternoon", "id": "pm" }
        ]
    });
    let request = send_warned(Message::Interactive(interactive), &["/message/interactive"]);
    assert_request(&request, &url("sendButtons"), AUTH, body);
}

#[test]
fn a_header_on_buttons_is_warned_about_and_the_body_still_goes_out() {
    let interactive = Interactive {
        header: Some("Delivery".into()),
        body: "When should we come?".into(),
        footer: None,
        action: InteractiveAction::Buttons(vec![ReplyButton { id: "am".into(), title: "Morning".into() }]),
    };
    let request =
        send_warned(Message::Interactive(interactive), &["/message/interactive", "/message/interactive/header"]);
    assert_eq!(request.body["title"], "When should we come?");
    assert_eq!(request.body.get("description"), None);
}

#[test]
fn buttons_follow_metas_limits() {
    let interactive = Interactive {
        header: None,
        body: "Pick".into(),
        footer: None,
        action: InteractiveAction::Buttons(vec![
            ReplyButton { id: "1".into(), title: "A title over twenty characters".into() },
            ReplyButton { id: "2".into(), title: "Same".into() },
            ReplyButton { id: "3".into(), title: "Same".into() },
        ]),
    };
    let e = |p: &str| (Severity::Error, p.to_string());
    assert_eq!(
        pointers(Message::Interactive(interactive)),
        [
            e("/message/interactive/buttons/0/title"),
            e("/message/interactive/buttons/2/title"),
            (Severity::Warning, "/message/interactive".to_string()),
        ]
    );
}

#[test]
fn list() {
    let interactive = Interactive {
        header: Some("Menu".into()),
        body: "Pick a size".into(),
        footer: Some("Prices include VAT".into()),
        action: InteractiveAction::List {
            button: "Sizes".into(),
            sections: vec![ListSection {
                title: Some("Pizza".into()),
                rows: vec![ListRow { id: "s".into(), title: "Small".into(), description: Some("25 cm".into()) }],
            }],
        },
    };
    let body = json!({
        "number": "254712345678",
        "title": "Menu",
        "description": "Pick a size",
        "footerText": "Prices include VAT",
        "buttonText": "Sizes",
        "sections": [{ "title": "Pizza", "rows": [{ "title": "Small", "description": "25 cm", "rowId": "s" }] }]
    });
    let request = send_warned(Message::Interactive(interactive), &["/message/interactive"]);
    assert_request(&request, &url("sendList"), AUTH, body);
}

#[test]
fn lists_need_title_footer_section_titles_and_row_descriptions() {
    let row = |id: &str, description: Option<&str>| ListRow {
        id: id.into(),
        title: "Row".into(),
        description: description.map(Into::into),
    };
    let interactive = Interactive {
        header: None,
        body: "Pick".into(),
        footer: None,
        action: InteractiveAction::List {
            button: "Open".into(),
            sections: vec![
                ListSection { title: Some("A".into()), rows: vec![row("1", Some("d")), row("2", None)] },
                ListSection { title: None, rows: vec![row("3", Some("d"))] },
                ListSection { title: Some("A".into()), rows: vec![row("4", Some("d"))] },
            ],
        },
    };
    let e = |p: &str| (Severity::Error, p.to_string());
    assert_eq!(
        pointers(Message::Interactive(interactive)),
        [
            e("/message/interactive/list/sections/1/title"),
            (Severity::Warning, "/message/interactive".to_string()),
            e("/message/interactive/header"),
            e("/message/interactive/footer"),
            e("/message/interactive/list/sections/0/rows/1/description"),
            e("/message/interactive/list/sections/2/title"),
        ]
    );
}

#[test]
fn at_most_three_buttons() {
    let buttons = (0..4).map(|n| ReplyButton { id: n.to_string(), title: format!("B{n}") }).collect();
    let interactive =
        Interactive { header: None, body: "B".into(), footer: None, action: InteractiveAction::Buttons(buttons) };
    assert_eq!(
        pointers(Message::Interactive(interactive)),
        [
            (Severity::Error, "/message/interactive/buttons".to_string()),
            (Severity::Warning, "/message/interactive".to_string()),
        ]
    );
}

#[test]
fn template_needs_a_name() {
    let template =
        Template { name: None, id: None, language: Some("en".into()), header: None, body: vec![], buttons: vec![] };
    assert_eq!(
        pointers(Message::Template(template)),
        [(Severity::Error, "/message/template/name".to_string()), (Severity::Warning, "/message/template".to_string())]
    );
}

#[test]
fn reaction_must_be_one_emoji_or_empty() {
    let reaction =
        |emoji: &str| Message::Reaction(Reaction { message_id: "X".into(), emoji: emoji.into(), from_me: false });
    assert_eq!(pointers(reaction("")), []);
    assert_eq!(pointers(reaction("yes")), [(Severity::Error, "/message/reaction/emoji".to_string())]);
}

#[test]
fn location_needs_name_and_address_and_contacts_ten_digits() {
    let location = Location { latitude: 1.0, longitude: 2.0, name: Some("Here".into()), address: None };
    assert_eq!(pointers(Message::Location(location)), [(Severity::Error, "/message/location/address".to_string())]);
    let card = card("Niue", "+6837001");
    assert_eq!(pointers(Message::Contact(card.into())), [(Severity::Error, "/message/contact/phone".to_string())]);
}

#[test]
fn fields_without_a_place_are_warned_about() {
    let mut voice = media(MediaKind::Voice, "https://example.com/v.ogg");
    voice.caption = Some("Hi".into());
    voice.mime_type = Some("audio/ogg".into());
    voice.mime_type_explicit = true;
    voice.view_once = Some(true);
    let outgoing = Outgoing {
        message: Message::Media(voice),
        metadata: Some(Map::new()),
        reply_to: None,
        mentions: crate::providers::Mentions::default(),
    };
    let found: Vec<_> = findings(&Evolution, &outgoing).into_iter().map(|f| (f.severity, f.pointer)).collect();
    let w = |p: &str| (Severity::Warning, p.to_string());
    assert_eq!(
        found,
        [w("/metadata"), w("/message/media/caption"), w("/message/media/mime_type"), w("/message/media/view_once")]
    );
    let mut audio = media(MediaKind::Audio, "https://example.com/a.mp3");
    audio.caption = Some("Hi".into());
    assert_eq!(pointers(Message::Media(audio)), [w("/message/media/caption")]);
}

#[test]
fn link_buttons_are_refused() {
    let link = Message::Interactive(Interactive {
        header: None,
        body: "b".into(),
        footer: None,
        action: InteractiveAction::CtaUrl { label: "Open".into(), url: "https://example.com".into() },
    });
    assert!(pointers(link.clone()).contains(&(Severity::Error, "/message/interactive/cta_url".to_string())));
    assert!(matches!(
        Evolution.build(&settings(&Evolution, "shop"), &to(), &out(link)),
        Err(Unsupported::Interactive { .. })
    ));
}

#[test]
fn polls_need_two_to_ten_unique_options() {
    let poll = |options: &[&str], selectable| {
        Message::Poll(crate::message::Poll {
            name: "Lunch?".into(),
            options: options.iter().map(|o| o.to_string()).collect(),
            selectable,
        })
    };
    let web_only = (Severity::Warning, "/message/poll".to_string());
    assert_eq!(pointers(poll(&["Rice", "Ugali"], 0)), std::slice::from_ref(&web_only));
    let e = |p: &str| (Severity::Error, p.to_string());
    assert_eq!(
        pointers(poll(&["Rice"], 2)),
        [web_only.clone(), e("/message/poll/options"), e("/message/poll/selectable_count")]
    );
    assert_eq!(pointers(poll(&["Rice", "Rice"], 1)), [web_only, e("/message/poll/options/1")]);
}

#[test]
fn a_cloud_api_instance_refusing_polls_stickers_or_video_notes_stops_the_run() {
    let classify = |status, body: &str| {
        Evolution.classify(&Response { status, retry_after: None, body: body.as_bytes(), recipients: 1 })
    };
    let no_method = r#"{"status":400,"error":"Bad Request","response":{"message":["Method not available on WhatsApp Business API"]}}"#;
    assert!(matches!(classify(400, no_method), Outcome::Stop(_)));
    let no_ptv = r#"{"status":500,"error":"Internal Server Error","response":{"message":"TypeError: this.ptvMessage is not a function"}}"#;
    assert!(matches!(classify(500, no_ptv), Outcome::Stop(_)));
}

#[test]
fn stickers_and_video_notes_carry_no_caption_and_warn_they_need_a_web_instance() {
    let mut sticker = media(MediaKind::Sticker, "https://x.example/s.webp");
    sticker.caption = Some("hi".into());
    let found = pointers(Message::Media(sticker));
    assert!(found.contains(&(Severity::Warning, "/message/media".to_string())), "{found:?}");
    assert!(found.contains(&(Severity::Warning, "/message/media/caption".to_string())), "{found:?}");
}

#[test]
fn typing_sets_the_documented_delay_scaled_to_the_text_and_meets_every_contract() {
    let typing = Settings { typing: true, ..settings(&Evolution, "shop") };
    // 60 characters: 3 s of "composing" before the message goes.
    let outgoing = out(Message::Text { body: "x".repeat(60), preview_url: None });
    let request = Evolution.build(&typing, &to(), &outgoing).unwrap();
    assert_request(&request, &url("sendText"), AUTH, json!({ "number": "254712345678", "text": "x".repeat(60), "delay": 3000 }));
    for (name, message) in crate::providers::testing::samples(&Evolution, rich_template()) {
        let expected = crate::typing::delay(&message).map(|d| d.as_millis() as u64);
        let outgoing = out(message);
        let Ok(request) = Evolution.build(&typing, &to(), &outgoing) else { continue };
        assert_eq!(request.body.get("delay").and_then(Value::as_u64), expected, "{name}");
        crate::providers::testing::assert_meets_contract(&request);
    }
    // Without `delivery.typing`, no delay.
    let plain = Evolution.build(&settings(&Evolution, "shop"), &to(), &outgoing).unwrap();
    assert_eq!(plain.body.get("delay"), None);
}
