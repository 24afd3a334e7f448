//! Golden requests for AutoKonnect, written from its WhatsApp Messaging API page.

use super::*;
use crate::message::{
    ButtonValue, Interactive, InteractiveAction, InteractiveHeader, ListRow, ListSection, MediaSource, ReplyButton,
    Template, TemplateButton, TemplateParam,
};
use crate::providers::Severity;
use crate::providers::testing::{assert_request, build_clean, findings, media, named_template, out, settings, to};

const URL: &str = "https://app.autokonnect.co.ke/api/v1/whatsapp/123/messages";
const AUTH: (&str, &str) = ("Authorization", "Bearer ***");

fn send_to(target: &Target, message: Message) -> HttpRequest {
    build_clean(&Autokonnect, &settings(&Autokonnect, "123"), target, &out(message))
}

fn send(message: Message) -> HttpRequest {
    send_to(&to(), message)
}

fn text() -> Message {
    Message::Text { body: "Hello! This is a test message".into(), preview_url: None }
}

#[test]
fn text_to_a_phone() {
    let body = json!({ "phone_number": "+254712345678", "type": "text", "message": "Hello! This is a test message" });
    assert_request(&send(text()), URL, AUTH, body);
}

#[test]
fn text_to_one_tag_or_several() {
    let body = json!({ "contact_tag_id": "42", "type": "text", "message": "Hello! This is a test message" });
    assert_request(&send_to(&tags(&["42"], &[]), text()), URL, AUTH, body);
    let body = json!({ "contact_tag_id": ["42", "57"], "type": "text", "message": "Hello! This is a test message" });
    assert_request(&send_to(&tags(&["42", "57"], &[]), text()), URL, AUTH, body);
}

fn tags(tags: &[&str], numbers: &[&str]) -> Target {
    Target::Tags(crate::providers::Bulk {
        tags: tags.iter().map(|t| t.to_string()).collect(),
        numbers: numbers.iter().map(|n| crate::phone::Phone::from_e164_unchecked(*n)).collect(),
    })
}

#[test]
fn tags_and_numbers_go_in_one_request() {
    let body = json!({ "phone_number": "+254712345678", "contact_tag_id": "42", "type": "text",
                       "message": "Hello! This is a test message" });
    assert_request(&send_to(&tags(&["42"], &["+254712345678"]), text()), URL, AUTH, body);
    let both = tags(&["42"], &["+254712345678", "+14155552671"]);
    assert_eq!(send_to(&both, text()).body["phone_number"], json!(["+254712345678", "+14155552671"]));
    assert_eq!(both.to_string(), "tag:42+2 numbers");
}

#[test]
fn image_video_and_document_with_captions() {
    for (kind, name, link) in [
        (MediaKind::Image, "image", "https://example.com/image.jpg"),
        (MediaKind::Video, "video", "https://example.com/video.mp4"),
        (MediaKind::Document, "document", "https://example.com/file.pdf"),
    ] {
        let mut m = media(kind, link);
        m.caption = Some("Check this out".into());
        let body = json!({ "phone_number": "+254712345678", "type": name, "link": link, "caption": "Check this out" });
        assert_request(&send(Message::Media(m)), URL, AUTH, body);
    }
}

#[test]
fn audio() {
    let body = json!({ "phone_number": "+254712345678", "type": "audio", "link": "https://example.com/audio.mp3" });
    let audio = media(MediaKind::Audio, "https://example.com/audio.mp3");
    assert_request(&send(Message::Media(audio)), URL, AUTH, body);
}

#[test]
fn template_uses_the_numeric_id_and_flat_header_media() {
    let template = Template {
        name: None,
        id: Some(123),
        language: Some("en_US".into()),
        header: Some(TemplateHeader::Media {
            kind: MediaKind::Image,
            source: MediaSource::Link("https://example.com/header.jpg".into()),
            filename: None,
        }),
        body: vec!["Dennis".into(), "20% OFF".into()],
        buttons: vec![
            TemplateButton { index: 0, value: ButtonValue::Url("promo123".into()) },
            TemplateButton { index: 1, value: ButtonValue::QuickReply("STOP".into()) },
        ],
    };
    let body = json!({
        "phone_number": "+254712345678",
        "type": "template",
        "template_id": 123,
        "language": "en_US",
        "components": [
            { "type": "header", "parameters": [{ "type": "image", "link": "https://example.com/header.jpg" }] },
            { "type": "body", "parameters": [{ "type": "text", "text": "Dennis" }, { "type": "text", "text": "20% OFF" }] },
            { "type": "button", "sub_type": "url", "index": "0", "parameters": [{ "type": "text", "text": "promo123" }] },
            { "type": "button", "sub_type": "quick_reply", "index": "1",
              "parameters": [{ "type": "payload", "payload": "STOP" }] }
        ]
    });
    assert_request(&send(Message::Template(template)), URL, AUTH, body);
}

#[test]
fn template_without_parameters_still_sends_components() {
    let template =
        Template { name: None, id: Some(9), language: Some("en".into()), header: None, body: vec![], buttons: vec![] };
    assert_eq!(send(Message::Template(template)).body["components"], json!([]));
}

#[test]
fn interactive_buttons() {
    let interactive = Interactive {
        header: None,
        body: "Choose".into(),
        footer: None,
        action: InteractiveAction::Buttons(vec![
            ReplyButton { id: "ID1".into(), title: "Button 1".into() },
            ReplyButton { id: "ID2".into(), title: "Button 2".into() },
        ]),
    };
    let body = json!({
        "phone_number": "+254712345678",
        "type": "interactive",
        "interactive": {
            "type": "button",
            "body": { "text": "Choose" },
            "action": { "buttons": [
                { "type": "reply", "reply": { "id": "ID1", "title": "Button 1" } },
                { "type": "reply", "reply": { "id": "ID2", "title": "Button 2" } }
            ] }
        }
    });
    assert_request(&send(Message::Interactive(interactive)), URL, AUTH, body);
}

#[test]
fn interactive_list() {
    let interactive = Interactive {
        header: None,
        body: "Example list".into(),
        footer: None,
        action: InteractiveAction::List {
            button: "menutext".into(),
            sections: vec![ListSection {
                title: Some("SectionTitle".into()),
                rows: vec![ListRow { id: "1".into(), title: "Bruno".into(), description: Some("19984440001".into()) }],
            }],
        },
    };
    let body = json!({
        "phone_number": "+254712345678",
        "type": "interactive",
        "interactive": {
            "type": "list",
            "body": { "text": "Example list" },
            "action": {
                "button": "menutext",
                "sections": [{ "title": "SectionTitle", "rows": [{ "id": "1", "title": "Bruno", "description": "19984440001" }] }]
            }
        }
    });
    assert_request(&send(Message::Interactive(interactive)), URL, AUTH, body);
}

#[test]
fn template_needs_the_numeric_id() {
    let template = Template {
        name: Some("promo".into()),
        id: None,
        language: Some("en".into()),
        header: Some(TemplateHeader::Media {
            kind: MediaKind::Document,
            source: MediaSource::Link("https://example.com/a.pdf".into()),
            filename: Some("a.pdf".into()),
        }),
        body: vec![],
        buttons: vec![],
    };
    let found = findings(&Autokonnect, &out(Message::Template(template)));
    let got: Vec<_> = found.iter().map(|f| (f.severity, f.pointer.as_str())).collect();
    assert_eq!(
        got,
        [
            (Severity::Error, "/message/template/id"),
            (Severity::Warning, "/message/template/name"),
            (Severity::Warning, "/message/template/header")
        ]
    );
    assert!(found[0].text.contains("numeric template id"));
}

#[test]
fn audio_caption_filename_and_metadata_are_warned_about_not_measured() {
    let mut audio = media(MediaKind::Audio, "https://example.com/a.mp3");
    audio.caption = Some("c".repeat(1025));
    audio.filename = Some("a.mp3".into());
    let outgoing = Outgoing {
        message: Message::Media(audio),
        metadata: Some(Map::new()),
        reply_to: None,
        mentions: crate::providers::Mentions::default(),
    };
    let found: Vec<_> = findings(&Autokonnect, &outgoing).into_iter().map(|f| (f.severity, f.pointer)).collect();
    assert_eq!(
        found,
        [
            (Severity::Warning, "/metadata".into()),
            (Severity::Warning, "/message/media/caption".into()),
            (Severity::Warning, "/message/media/filename".into()),
        ]
    );
}

#[test]
fn named_parameters_are_refused_with_what_to_do() {
    let named = Template { name: None, id: Some(9), ..named_template() };
    let found = findings(&Autokonnect, &out(Message::Template(named.clone())));
    assert_eq!(
        found.iter().map(|f| (f.severity, f.pointer.as_str())).collect::<Vec<_>>(),
        [(Severity::Error, "/message/template/body")]
    );
    assert!(
        found[0].text.contains("AutoKonnect documents no way to send named template parameters")
            && found[0].text.contains("write `body` as a list"),
        "{}",
        found[0].text
    );
    let header_only = Template { body: vec![], ..named };
    let found = findings(&Autokonnect, &out(Message::Template(header_only)));
    assert_eq!(found.iter().map(|f| f.pointer.as_str()).collect::<Vec<_>>(), ["/message/template/header/name"]);
}

#[test]
fn template_money_and_dates_go_out_and_what_it_does_not_document_is_refused() {
    let template = |header, buttons| {
        Message::Template(Template {
            name: None,
            id: Some(9),
            language: Some("en".into()),
            header,
            body: vec![
                TemplateParam::Currency { fallback: "$12.50".into(), code: "USD".into(), amount_1000: 12_500 }.into(),
                TemplateParam::DateTime { fallback: "Friday".into() }.into(),
            ],
            buttons,
        })
    };
    let request = send(template(None, vec![]));
    assert_eq!(
        request.body["components"],
        json!([{ "type": "body", "parameters": [
            { "type": "currency", "currency": { "fallback_value": "$12.50", "code": "USD", "amount_1000": 12_500 } },
            { "type": "date_time", "date_time": { "fallback_value": "Friday" } }
        ] }])
    );
    crate::providers::testing::assert_meets_contract(&request);
    let uploaded =
        TemplateHeader::Media { kind: MediaKind::Image, source: MediaSource::Id("77".into()), filename: None };
    let coupon = TemplateButton { index: 0, value: ButtonValue::CopyCode("SAVE".into()) };
    let found: Vec<_> = findings(&Autokonnect, &out(template(Some(uploaded), vec![coupon])))
        .into_iter()
        .map(|f| (f.severity, f.pointer))
        .collect();
    assert_eq!(
        found,
        [
            (Severity::Error, "/message/template/header".to_string()),
            (Severity::Error, "/message/template/buttons/0".to_string())
        ]
    );
}

#[test]
fn buttons_under_a_linked_image_and_no_link_buttons() {
    let image = InteractiveHeader::Media {
        kind: MediaKind::Image,
        source: MediaSource::Link("https://example.com/p.jpg".into()),
        filename: None,
    };
    let buttons = Interactive {
        header: Some(image),
        body: "In stock again".into(),
        footer: None,
        action: InteractiveAction::Buttons(vec![ReplyButton { id: "buy".into(), title: "Buy".into() }]),
    };
    let request = send(Message::Interactive(buttons));
    assert_eq!(
        request.body["interactive"]["header"],
        json!({ "type": "image", "image": { "link": "https://example.com/p.jpg" } })
    );
    crate::providers::testing::assert_meets_contract(&request);
    let link = Message::Interactive(Interactive {
        header: None,
        body: "b".into(),
        footer: None,
        action: InteractiveAction::CtaUrl { label: "Open".into(), url: "https://example.com".into() },
    });
    let found: Vec<_> = findings(&Autokonnect, &out(link.clone())).into_iter().map(|f| f.pointer).collect();
    assert_eq!(found, ["/message/interactive/cta_url"]);
    assert!(matches!(
        Autokonnect.build(&settings(&Autokonnect, "123"), &to(), &out(link)),
        Err(Unsupported::Interactive { .. })
    ));
}

#[test]
fn products_go_out_as_meta_objects_and_the_catalog_and_flows_are_refused() {
    for (interactive, expected) in crate::providers::testing::commerce_and_flows() {
        let kind = interactive.action.kind();
        let message = Message::Interactive(interactive);
        if matches!(kind, InteractiveKind::Product | InteractiveKind::ProductList) {
            let request = send(message);
            assert_eq!(request.body["interactive"], expected);
            crate::providers::testing::assert_meets_contract(&request);
        } else {
            let found: Vec<_> = findings(&Autokonnect, &out(message.clone())).into_iter().map(|f| f.pointer).collect();
            assert_eq!(found, [format!("/message/interactive/{}", kind.as_str())]);
            let built = Autokonnect.build(&settings(&Autokonnect, "123"), &to(), &out(message));
            assert!(matches!(built, Err(Unsupported::Interactive { .. })));
        }
    }
}

#[test]
fn a_batch_is_the_one_number_body_with_every_number_in_the_phone_number_array() {
    let batching = INFO.batching.unwrap();
    let one = |phone: &str| {
        let request = send_to(&Target::Phone(crate::phone::Phone::from_e164_unchecked(phone)), text());
        serde_json::to_vec(&request.body).unwrap()
    };
    let bodies = [one("+254712345678"), one("+254798765432"), one("+14155552671")];
    let merged = batching.merge(bodies.iter().map(Vec::as_slice)).unwrap();
    // The docs' own "Multiple recipients (array)" example, with a third number.
    let expected = json!({ "phone_number": ["+254712345678", "+254798765432", "+14155552671"], "type": "text",
                           "message": "Hello! This is a test message" });
    assert_eq!(merged, expected);
    assert_eq!(merged.as_object().unwrap().keys().next().map(String::as_str), Some("phone_number"), "kept in place");
    let mut request = send(text());
    request.body = merged;
    crate::providers::testing::assert_meets_contract(&request);
    assert_eq!(batching.max, MAX_BATCH);
}

#[test]
fn requests_that_differ_beyond_the_number_are_never_merged() {
    let batching = INFO.batching.unwrap();
    let body = |phone: &str, text: &str| {
        serde_json::to_vec(&json!({ "phone_number": phone, "type": "text", "message": text })).unwrap()
    };
    let (a, b) = (body("+254712345678", "Hi Ann"), body("+254798765432", "Hi Bo"));
    assert_eq!(batching.merge([a.as_slice(), b.as_slice()]), None, "different messages");
    let tagged = serde_json::to_vec(&json!({ "contact_tag_id": "42", "type": "text", "message": "Hi Ann" })).unwrap();
    assert_eq!(batching.merge([a.as_slice(), tagged.as_slice()]), None, "no number to merge");
    let extra =
        serde_json::to_vec(&json!({ "phone_number": "+254798765432", "type": "text", "message": "Hi Ann", "x": 1 }))
            .unwrap();
    assert_eq!(batching.merge([a.as_slice(), extra.as_slice()]), None, "a field more");
    let already = serde_json::to_vec(&json!({ "phone_number": ["+1"], "type": "text", "message": "Hi Ann" })).unwrap();
    assert_eq!(batching.merge([already.as_slice()]), None, "already an array");
    assert_eq!(batching.merge([b"not json".as_slice()]), None);
    assert_eq!(batching.merge(std::iter::empty()), None);
}
