//! Golden requests for the Cloud API, written from Meta's OpenAPI spec and message pages.

use super::*;
use crate::message::{
    ButtonValue, ContactCard, Interactive, InteractiveAction, InteractiveHeader, ListRow, ListSection, Location,
    MediaKind, MediaSource, ProductSection, Reaction, ReplyButton, Template, TemplateButton, TemplateHeader,
};
use crate::providers::Severity;
use crate::providers::testing::{
    assert_request, build_clean, card, commerce_and_flows, findings, media, named_components, named_template, out,
    rich_components, rich_template, settings, to,
};
use serde_json::{Map, json};

const URL: &str = "https://graph.facebook.com/v23.0/106540352242922/messages";
const AUTH: (&str, &str) = ("Authorization", "Bearer ***");

fn send(message: Message) -> HttpRequest {
    build_clean(&CloudApi, &settings(&CloudApi, "106540352242922"), &to(), &out(message))
}

#[test]
fn text() {
    let request = send(Message::Text { body: "Hello https://example.com".into(), preview_url: Some(true) });
    let body = json!({
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": "+254712345678",
        "type": "text",
        "text": { "body": "Hello https://example.com", "preview_url": true }
    });
    assert_request(&request, URL, AUTH, body);
}

#[test]
fn image_video_and_document_carry_captions() {
    let mut image = media(MediaKind::Image, "https://example.com/a.jpg");
    image.caption = Some("Look".into());
    let body = json!({
        "messaging_product": "whatsapp", "recipient_type": "individual", "to": "+254712345678",
        "type": "image", "image": { "link": "https://example.com/a.jpg", "caption": "Look" }
    });
    assert_request(&send(Message::Media(image)), URL, AUTH, body);

    let video = media(MediaKind::Video, "https://example.com/a.mp4");
    let body = json!({
        "messaging_product": "whatsapp", "recipient_type": "individual", "to": "+254712345678",
        "type": "video", "video": { "link": "https://example.com/a.mp4" }
    });
    assert_request(&send(Message::Media(video)), URL, AUTH, body);

    let mut document = media(MediaKind::Document, "https://example.com/i.pdf");
    document.caption = Some("Invoice".into());
    document.filename = Some("invoice.pdf".into());
    let body = json!({
        "messaging_product": "whatsapp", "recipient_type": "individual", "to": "+254712345678",
        "type": "document",
        "document": { "link": "https://example.com/i.pdf", "caption": "Invoice", "filename": "invoice.pdf" }
    });
    assert_request(&send(Message::Media(document)), URL, AUTH, body);
}

#[test]
fn audio_and_voice() {
    let body = json!({
        "messaging_product": "whatsapp", "recipient_type": "individual", "to": "+254712345678",
        "type": "audio", "audio": { "link": "https://example.com/a.mp3" }
    });
    assert_request(&send(Message::Media(media(MediaKind::Audio, "https://example.com/a.mp3"))), URL, AUTH, body);

    let mut voice = media(MediaKind::Voice, "https://example.com/v.ogg");
    voice.mime_type = Some("audio/ogg".into());
    let body = json!({
        "messaging_product": "whatsapp", "recipient_type": "individual", "to": "+254712345678",
        "type": "audio", "audio": { "link": "https://example.com/v.ogg" }
    });
    assert_request(&send(Message::Media(voice)), URL, AUTH, body);
}

#[test]
fn location_coordinates_are_strings_as_the_spec_types_them() {
    let location = Location { latitude: -1.2921, longitude: 36.8219, name: Some("Office".into()), address: None };
    let body = json!({
        "messaging_product": "whatsapp", "recipient_type": "individual", "to": "+254712345678",
        "type": "location", "location": { "latitude": "-1.2921", "longitude": "36.8219", "name": "Office" }
    });
    assert_request(&send(Message::Location(location)), URL, AUTH, body);
}

#[test]
fn contact() {
    let card = ContactCard {
        first_name: Some("Jane".into()),
        last_name: Some("Doe".into()),
        organization: Some("ACME".into()),
        email: Some("jane@example.com".into()),
        url: Some("https://example.com".into()),
        job_title: Some("Buyer".into()),
        ..card("Jane Doe", "+14155552671")
    };
    let body = json!({
        "messaging_product": "whatsapp", "recipient_type": "individual", "to": "+254712345678",
        "type": "contacts",
        "contacts": [{
            "name": { "formatted_name": "Jane Doe", "first_name": "Jane", "last_name": "Doe" },
            "phones": [{ "phone": "+14155552671", "wa_id": "14155552671" }],
            "emails": [{ "email": "jane@example.com" }],
            "urls": [{ "url": "https://example.com" }],
            "org": { "company": "ACME", "title": "Buyer" }
        }]
    });
    assert_request(&send(Message::Contact(card.into())), URL, AUTH, body);
}

#[test]
fn template_with_an_uploaded_header_money_a_date_and_every_button_kind() {
    let template = rich_template();
    let body = json!({
        "messaging_product": "whatsapp", "recipient_type": "individual", "to": "+254712345678",
        "type": "template",
        "template": {
            "name": "spring_coupon",
            "language": { "policy": "deterministic", "code": "en_US" },
            "components": rich_components()
        }
    });
    assert_request(&send(Message::Template(template)), URL, AUTH, body);
}

#[test]
fn template_with_a_location_header() {
    let place = Location { latitude: -1.2921, longitude: 36.8219, name: Some("Office".into()), address: None };
    let template = Template {
        name: Some("pickup_ready".into()),
        id: None,
        language: Some("en".into()),
        header: Some(TemplateHeader::Location(place)),
        body: vec![],
        buttons: vec![],
    };
    let request = send(Message::Template(template));
    let header = &request.body["template"]["components"][0];
    assert_eq!(
        header,
        &json!({ "type": "header", "parameters": [
            { "type": "location", "location": { "latitude": -1.2921, "longitude": 36.8219, "name": "Office" } }
        ] })
    );
    super::super::testing::assert_meets_contract(&request);
}

#[test]
fn template_with_every_component() {
    let template = Template {
        name: Some("order_ready".into()),
        id: None,
        language: Some("en_US".into()),
        header: Some(TemplateHeader::Media {
            kind: MediaKind::Document,
            source: MediaSource::Link("https://example.com/r.pdf".into()),
            filename: Some("r.pdf".into()),
        }),
        body: vec!["Jane".into(), "#42".into()],
        buttons: vec![
            TemplateButton { index: 0, value: ButtonValue::Url("track/42".into()) },
            TemplateButton { index: 1, value: ButtonValue::QuickReply("STOP".into()) },
        ],
    };
    let body = json!({
        "messaging_product": "whatsapp", "recipient_type": "individual", "to": "+254712345678",
        "type": "template",
        "template": {
            "name": "order_ready",
            "language": { "policy": "deterministic", "code": "en_US" },
            "components": [
                { "type": "header", "parameters": [
                    { "type": "document", "document": { "link": "https://example.com/r.pdf", "filename": "r.pdf" } }
                ] },
                { "type": "body", "parameters": [{ "type": "text", "text": "Jane" }, { "type": "text", "text": "#42" }] },
                { "type": "button", "sub_type": "url", "index": "0", "parameters": [{ "type": "text", "text": "track/42" }] },
                { "type": "button", "sub_type": "quick_reply", "index": "1",
                  "parameters": [{ "type": "payload", "payload": "STOP" }] }
            ]
        }
    });
    assert_request(&send(Message::Template(template)), URL, AUTH, body);
}

#[test]
fn a_named_template_sends_each_parameter_with_its_parameter_name() {
    let request = send(Message::Template(named_template()));
    let body = json!({
        "messaging_product": "whatsapp", "recipient_type": "individual", "to": "+254712345678",
        "type": "template",
        "template": {
            "name": "order_confirmation",
            "language": { "policy": "deterministic", "code": "en_US" },
            "components": named_components()
        }
    });
    assert_request(&request, URL, AUTH, body);
}

#[test]
fn the_contract_takes_parameter_name_as_meta_writes_it_and_only_where_it_does() {
    let (contract, _) = crate::providers::contract::find(crate::providers::testing::kind("cloud_api"), "POST", "/106540352242922/messages").unwrap();
    let with = |components: serde_json::Value| {
        json!({ "messaging_product": "whatsapp", "to": "1", "type": "template",
            "template": { "name": "t", "language": { "policy": "deterministic", "code": "en" }, "components": components } })
    };
    assert_eq!(contract.violations(&with(named_components())), []);
    let body = |parameter: serde_json::Value| with(json!([{ "type": "body", "parameters": [parameter] }]));
    for refused in [
        json!({ "type": "text", "parameter_name": "First Name", "text": "Jane" }),
        json!({ "type": "text", "parameter_name": "", "text": "Jane" }),
        json!({ "type": "text", "parameter_name": 1, "text": "Jane" }),
    ] {
        assert_ne!(contract.violations(&body(refused.clone())), [], "{refused}");
    }
    let button = with(json!([{ "type": "button", "sub_type": "url", "index": "0",
        "parameters": [{ "type": "text", "parameter_name": "code", "text": "A-7" }] }]));
    assert_ne!(contract.violations(&button), [], "a button's parameter is positional");
}

#[test]
fn template_without_parameters_sends_no_components() {
    let template = Template {
        name: Some("hello_world".into()),
        id: None,
        language: Some("en_US".into()),
        header: Some(TemplateHeader::Media {
            kind: MediaKind::Image,
            source: MediaSource::Link("https://example.com/h.jpg".into()),
            filename: None,
        }),
        body: vec![],
        buttons: vec![],
    };
    let request = send(Message::Template(template.clone()));
    assert_eq!(
        request.body["template"]["components"],
        json!([{ "type": "header", "parameters": [{ "type": "image", "image": { "link": "https://example.com/h.jpg" } }] }])
    );
    let bare = Template { header: None, ..template };
    assert_eq!(
        send(Message::Template(bare)).body["template"],
        json!({ "name": "hello_world", "language": { "policy": "deterministic", "code": "en_US" } })
    );
}

#[test]
fn interactive_buttons() {
    let interactive = Interactive {
        header: Some("Delivery".into()),
        body: "When should we come?".into(),
        footer: Some("Reply to choose".into()),
        action: InteractiveAction::Buttons(vec![
            ReplyButton { id: "am".into(), title: "Morning".into() },
            ReplyButton { id: "pm".into(), title: "Afternoon".into() },
        ]),
    };
    let body = json!({
        "messaging_product": "whatsapp", "recipient_type": "individual", "to": "+254712345678",
        "type": "interactive",
        "interactive": {
            "type": "button",
            "header": { "type": "text", "text": "Delivery" },
            "body": { "text": "When should we come?" },
            "footer": { "text": "Reply to choose" },
            "action": { "buttons": [
                { "type": "reply", "reply": { "id": "am", "title": "Morning" } },
                { "type": "reply", "reply": { "id": "pm", "title": "Afternoon" } }
            ] }
        }
    });
    assert_request(&send(Message::Interactive(interactive)), URL, AUTH, body);
}

#[test]
fn interactive_list() {
    let interactive = Interactive {
        header: None,
        body: "Pick a size".into(),
        footer: None,
        action: InteractiveAction::List {
            button: "Sizes".into(),
            sections: vec![ListSection {
                title: Some("Pizza".into()),
                rows: vec![
                    ListRow { id: "s".into(), title: "Small".into(), description: Some("25 cm".into()) },
                    ListRow { id: "l".into(), title: "Large".into(), description: None },
                ],
            }],
        },
    };
    let body = json!({
        "messaging_product": "whatsapp", "recipient_type": "individual", "to": "+254712345678",
        "type": "interactive",
        "interactive": {
            "type": "list",
            "body": { "text": "Pick a size" },
            "action": {
                "button": "Sizes",
                "sections": [{ "title": "Pizza", "rows": [
                    { "id": "s", "title": "Small", "description": "25 cm" },
                    { "id": "l", "title": "Large" }
                ] }]
            }
        }
    });
    assert_request(&send(Message::Interactive(interactive)), URL, AUTH, body);
}

#[test]
fn reaction() {
    let reaction = Reaction { message_id: "wamid.HBgL".into(), emoji: "👍".into(), from_me: true };
    let body = json!({
        "messaging_product": "whatsapp", "recipient_type": "individual", "to": "+254712345678",
        "type": "reaction", "reaction": { "message_id": "wamid.HBgL", "emoji": "👍" }
    });
    assert_request(&send(Message::Reaction(reaction)), URL, AUTH, body);
}

#[test]
fn template_needs_a_name_and_ignores_an_id() {
    let template =
        Template { name: None, id: Some(7), language: Some("en".into()), header: None, body: vec![], buttons: vec![] };
    let found = findings(&CloudApi, &out(Message::Template(template)));
    let got: Vec<_> = found.iter().map(|f| (f.severity, f.pointer.as_str())).collect();
    assert_eq!(got, [(Severity::Error, "/message/template/name"), (Severity::Warning, "/message/template/id")]);
}

#[test]
fn fields_it_cannot_carry_are_warned_about() {
    let mut audio = media(MediaKind::Audio, "https://example.com/a.mp3");
    audio.caption = Some("Listen".into());
    audio.filename = Some("a.mp3".into());
    audio.mime_type = Some("audio/mpeg".into());
    audio.mime_type_explicit = true;
    audio.view_once = Some(true);
    let outgoing = Outgoing {
        message: Message::Media(audio),
        metadata: Some(Map::new()),
        reply_to: None,
        mentions: crate::providers::Mentions::default(),
    };
    let found = findings(&CloudApi, &outgoing);
    assert!(found.iter().all(|f| f.severity == Severity::Warning));
    let pointers: Vec<_> = found.iter().map(|f| f.pointer.as_str()).collect();
    assert_eq!(
        pointers,
        [
            "/metadata",
            "/message/media/caption",
            "/message/media/filename",
            "/message/media/mime_type",
            "/message/media/view_once"
        ]
    );
    assert!(found[0].text.contains("does not store metadata"));
}

#[test]
fn a_voice_note_that_is_not_ogg_is_warned_about() {
    let mut voice = media(MediaKind::Voice, "https://example.com/v.mp3");
    voice.mime_type = Some("audio/mpeg".into());
    let found = findings(&CloudApi, &out(Message::Media(voice)));
    assert_eq!(found.len(), 1);
    assert_eq!((found[0].severity, found[0].pointer.as_str()), (Severity::Warning, "/message/media/url"));
}

#[test]
fn meta_limits_apply() {
    let found = findings(&CloudApi, &out(Message::Text { body: "x".repeat(4097), preview_url: None }));
    assert_eq!(found, [Finding::error("/message/text", "The text is 4097 characters long; the limit is 4096")]);
}

#[test]
fn a_link_button_with_an_image_header_and_buttons_under_an_uploaded_document() {
    let image = InteractiveHeader::Media {
        kind: MediaKind::Image,
        source: MediaSource::Link("https://example.com/sale.jpg".into()),
        filename: None,
    };
    let link = Interactive {
        header: Some(image),
        body: "Spring sale: 20% off".into(),
        footer: Some("Ends Sunday".into()),
        action: InteractiveAction::CtaUrl { label: "Shop now".into(), url: "https://example.com/sale".into() },
    };
    let body = json!({
        "messaging_product": "whatsapp", "recipient_type": "individual", "to": "+254712345678",
        "type": "interactive",
        "interactive": {
            "type": "cta_url",
            "header": { "type": "image", "image": { "link": "https://example.com/sale.jpg" } },
            "body": { "text": "Spring sale: 20% off" },
            "footer": { "text": "Ends Sunday" },
            "action": { "name": "cta_url", "parameters": { "display_text": "Shop now", "url": "https://example.com/sale" } }
        }
    });
    assert_request(&send(Message::Interactive(link)), URL, AUTH, body);
    let document = InteractiveHeader::Media {
        kind: MediaKind::Document,
        source: MediaSource::Id("5512".into()),
        filename: Some("terms.pdf".into()),
    };
    let buttons = Interactive {
        header: Some(document),
        body: "Do you accept?".into(),
        footer: None,
        action: InteractiveAction::Buttons(vec![ReplyButton { id: "y".into(), title: "Yes".into() }]),
    };
    let request = send(Message::Interactive(buttons));
    assert_eq!(
        request.body["interactive"]["header"],
        json!({ "type": "document", "document": { "id": "5512", "filename": "terms.pdf" } })
    );
    super::super::testing::assert_meets_contract(&request);
}

#[test]
fn a_list_header_is_text_only_and_link_urls_are_http() {
    let pointers = |interactive| {
        findings(&CloudApi, &out(Message::Interactive(interactive))).into_iter().map(|f| f.pointer).collect::<Vec<_>>()
    };
    let image =
        InteractiveHeader::Media { kind: MediaKind::Image, source: MediaSource::Id("1".into()), filename: None };
    let row = ListRow { id: "1".into(), title: "One".into(), description: None };
    let list = Interactive {
        header: Some(image),
        body: "Pick".into(),
        footer: None,
        action: InteractiveAction::List {
            button: "Open".into(),
            sections: vec![ListSection { title: None, rows: vec![row] }],
        },
    };
    assert_eq!(pointers(list), ["/message/interactive/header"]);
    let link = Interactive {
        header: None,
        body: "Pick".into(),
        footer: None,
        action: InteractiveAction::CtaUrl { label: "A label over twenty chars".into(), url: "ftp://x".into() },
    };
    assert_eq!(pointers(link), ["/message/interactive/cta_url/display_text", "/message/interactive/cta_url/url"]);
}

#[test]
fn products_the_catalog_and_flows() {
    for (interactive, expected) in commerce_and_flows() {
        let body = json!({
            "messaging_product": "whatsapp", "recipient_type": "individual", "to": "+254712345678",
            "type": "interactive", "interactive": expected,
        });
        assert_request(&send(Message::Interactive(interactive)), URL, AUTH, body);
    }
}

#[test]
fn product_rules_are_checked_before_sending() {
    let pointers = |interactive| {
        findings(&CloudApi, &out(Message::Interactive(interactive))).into_iter().map(|f| f.pointer).collect::<Vec<_>>()
    };
    let product = Interactive {
        header: Some("No header allowed".into()),
        body: "b".into(),
        footer: None,
        action: InteractiveAction::Product { catalog_id: "c".into(), product: "p".into() },
    };
    assert_eq!(pointers(product), ["/message/interactive/header"]);
    let many = ProductSection { title: None, products: (0..31).map(|n| format!("SKU-{n}")).collect() };
    let list = Interactive {
        header: None,
        body: "b".into(),
        footer: None,
        action: InteractiveAction::ProductList { catalog_id: "c".into(), sections: vec![many.clone(), many] },
    };
    assert_eq!(
        pointers(list),
        [
            "/message/interactive/header",
            "/message/interactive/product_list/sections",
            "/message/interactive/product_list/sections/0/title",
            "/message/interactive/product_list/sections/1/title"
        ]
    );
}

#[test]
fn a_file_name_on_an_image_header_is_warned_about_and_not_sent() {
    let image = InteractiveHeader::Media {
        kind: MediaKind::Image,
        source: MediaSource::Link("https://example.com/a.jpg".into()),
        filename: Some("a.jpg".into()),
    };
    let buttons = Message::Interactive(Interactive {
        header: Some(image),
        body: "b".into(),
        footer: None,
        action: InteractiveAction::Buttons(vec![ReplyButton { id: "y".into(), title: "Yes".into() }]),
    });
    let found: Vec<_> =
        findings(&CloudApi, &out(buttons.clone())).into_iter().map(|f| (f.severity, f.pointer)).collect();
    assert_eq!(found, [(Severity::Warning, "/message/interactive/header/filename".to_string())]);
    let request = CloudApi.build(&settings(&CloudApi, "106540352242922"), &to(), &out(buttons)).unwrap();
    assert_eq!(
        request.body["interactive"]["header"],
        json!({ "type": "image", "image": { "link": "https://example.com/a.jpg" } })
    );
    super::super::testing::assert_meets_contract(&request);
}
