//! End-to-end tests over loopback: requests built by herald's own provider mappings, sent with
//! a real HTTP client to a running sandbox.

mod faults;
mod mappings;
mod rejects;

use super::{Config, Sandbox, token};
use crate::message::{
    ButtonValue, ContactCard, Interactive, InteractiveAction, InteractiveHeader, ListRow, ListSection, Location,
    MediaKind, MediaSource, Message, Reaction, ReplyButton, Template, TemplateButton, TemplateHeader,
};
use crate::providers::testing::{card, commerce_and_flows, media, rich_template};
use crate::providers::{Outgoing, ProviderKind, Settings, Target};
use crate::request::HttpRequest;
use serde_json::Value;
use std::sync::Once;
use std::time::Duration;

/// A plain-HTTP client (reqwest still wants a TLS provider installed to build one).
fn client() -> reqwest::Client {
    client_with_timeout(Duration::from_secs(10))
}

fn client_with_timeout(timeout: Duration) -> reqwest::Client {
    static RING: Once = Once::new();
    RING.call_once(|| {
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
    reqwest::Client::builder().timeout(timeout).build().expect("client")
}

/// A sandbox with `config`.
async fn start(config: Config) -> Sandbox {
    Sandbox::start(config).await.expect("sandbox starts")
}

/// The account each provider's campaign would name.
fn account(kind: ProviderKind) -> &'static str {
    match kind {
        ProviderKind::Communiktor => "my-instance-1",
        ProviderKind::Evolution => "shop",
        ProviderKind::Whautochat => "ws_123",
        ProviderKind::Autokonnect => "123",
        ProviderKind::Flowiq => "acme",
        ProviderKind::CloudApi => "106540352242922",
    }
}

/// The recipient of every test message.
fn to() -> Target {
    crate::providers::testing::to()
}

/// herald's request for `message` to `target`, aimed at the sandbox.
fn build(sandbox: &Sandbox, kind: ProviderKind, target: &Target, message: Message) -> HttpRequest {
    build_at(sandbox, kind, target, message, None)
}

/// herald's request for `message` to `target`, aimed at the sandbox, asking the provider to
/// deliver at `send_at`.
fn build_at(
    sandbox: &Sandbox,
    kind: ProviderKind,
    target: &Target,
    message: Message,
    send_at: Option<jiff::Timestamp>,
) -> HttpRequest {
    let settings = Settings { base_url: sandbox.base_url(kind), account: account(kind).into(), send_at };
    let outgoing =
        Outgoing { message, metadata: None, reply_to: None, mentions: crate::providers::Mentions::default() };
    let mut findings = Vec::new();
    kind.provider().check(&outgoing, &mut findings);
    let errors: Vec<_> = findings.iter().filter(|f| f.severity == crate::providers::Severity::Error).collect();
    assert!(errors.is_empty(), "{kind}: the sample message must pass check: {errors:?}");
    kind.provider().request(&settings, target, &outgoing).expect("supported")
}

/// Sends `request` as herald would, with `secret` joined into the auth header.
async fn send_with(
    client: &reqwest::Client,
    request: &HttpRequest,
    secret: &str,
) -> reqwest::Result<reqwest::Response> {
    let mut builder = client.post(&request.url);
    for header in &request.headers {
        builder = builder.header(header.name, header.with_secret(secret));
    }
    builder.body(request.body.to_string()).send().await
}

/// Sends `request` with the sandbox's token for `kind`; returns the status, `Retry-After` and
/// the JSON body.
async fn send(client: &reqwest::Client, kind: ProviderKind, request: &HttpRequest) -> (u16, Option<String>, Value) {
    let response = send_with(client, request, token(kind)).await.expect("an answer");
    let status = response.status().as_u16();
    let retry_after = response.headers().get("retry-after").map(|v| v.to_str().unwrap().to_string());
    let body = response.json().await.expect("a JSON answer");
    (status, retry_after, body)
}

/// herald's text message to [`to`] for `kind`.
fn text_request(sandbox: &Sandbox, kind: ProviderKind) -> HttpRequest {
    build(sandbox, kind, &to(), Message::Text { body: "Hello from herald".into(), preview_url: Some(false) })
}

/// One message of every type (interactive twice: buttons and list), each filled in enough to
/// pass every provider's `check`. The label names the case in assertion messages.
fn samples(kind: ProviderKind) -> Vec<(&'static str, Message)> {
    let typed = |k: MediaKind, url: &str, mime: &str, caption: Option<&str>| {
        let mut m = media(k, url);
        m.mime_type = Some(mime.into());
        m.caption = caption.map(Into::into);
        Message::Media(m)
    };
    let mut document = media(MediaKind::Document, "https://example.com/invoice.pdf");
    document.mime_type = Some("application/pdf".into());
    document.caption = Some("Invoice May".into());
    document.filename = Some("invoice-may.pdf".into());
    let template = if kind == ProviderKind::Whautochat {
        Template {
            name: Some("welcome".into()),
            id: None,
            language: Some("en".into()),
            header: None,
            body: vec![],
            buttons: vec![],
        }
    } else {
        Template {
            name: Some("order_update".into()),
            id: Some(123),
            language: Some("en_US".into()),
            header: Some(TemplateHeader::Media {
                kind: MediaKind::Image,
                source: MediaSource::Link("https://example.com/header.jpg".into()),
                filename: None,
            }),
            body: vec!["Jane".into(), "20% OFF".into()],
            buttons: vec![
                TemplateButton { index: 0, value: ButtonValue::Url("promo123".into()) },
                TemplateButton { index: 1, value: ButtonValue::QuickReply("STOP".into()) },
            ],
        }
    };
    let buttons = Interactive {
        header: Some("Your order".into()),
        body: "Confirm delivery?".into(),
        footer: Some("Reply to choose".into()),
        action: InteractiveAction::Buttons(vec![
            ReplyButton { id: "yes".into(), title: "Yes".into() },
            ReplyButton { id: "no".into(), title: "No".into() },
        ]),
    };
    let row = |id: &str, title: &str| ListRow {
        id: id.into(),
        title: title.into(),
        description: Some(format!("{title} option")),
    };
    let list = Interactive {
        header: Some("Menu".into()),
        body: "Pick a slot".into(),
        footer: Some("Times are local".into()),
        action: InteractiveAction::List {
            button: "Slots".into(),
            sections: vec![
                ListSection { title: Some("Morning".into()), rows: vec![row("m1", "9:00"), row("m2", "10:00")] },
                ListSection { title: Some("Afternoon".into()), rows: vec![row("a1", "14:00")] },
            ],
        },
    };
    let all = vec![
        ("text", Message::Text { body: "Hello https://example.com".into(), preview_url: Some(true) }),
        ("image", typed(MediaKind::Image, "https://example.com/a.jpg", "image/jpeg", Some("Look"))),
        ("video", typed(MediaKind::Video, "https://example.com/a.mp4", "video/mp4", Some("Watch"))),
        ("audio", typed(MediaKind::Audio, "https://example.com/a.mp3", "audio/mpeg", None)),
        ("voice", typed(MediaKind::Voice, "https://example.com/v.ogg", "audio/ogg", None)),
        ("document", Message::Media(document)),
        (
            "location",
            Message::Location(Location {
                latitude: -1.2921,
                longitude: 36.8219,
                name: Some("Office".into()),
                address: Some("Moi Ave, Nairobi".into()),
            }),
        ),
        (
            "contact",
            Message::Contact(
                ContactCard {
                    first_name: Some("Jane".into()),
                    last_name: Some("Doe".into()),
                    ..card("Jane Doe", "+14155552671")
                }
                .into(),
            ),
        ),
        ("template", Message::Template(template)),
        ("buttons", Message::Interactive(buttons)),
        ("list", Message::Interactive(list)),
        (
            "reaction",
            Message::Reaction(Reaction {
                message_id: "wamid.HBgLMjU0NzEyMzQ1Njc4".into(),
                emoji: "👍".into(),
                from_me: true,
            }),
        ),
    ];
    let mut all = all;
    if matches!(kind, ProviderKind::CloudApi | ProviderKind::Evolution) {
        all.push(("template with money, a date and every button kind", Message::Template(rich_template())));
    }
    if matches!(kind, ProviderKind::CloudApi | ProviderKind::Autokonnect | ProviderKind::Flowiq) {
        let image = InteractiveHeader::Media {
            kind: MediaKind::Image,
            source: MediaSource::Link("https://example.com/sale.jpg".into()),
            filename: None,
        };
        let reply = ReplyButton { id: "buy".into(), title: "Buy".into() };
        let header = Some(image.clone());
        let buttons = Interactive {
            header,
            body: "Back in stock".into(),
            footer: None,
            action: InteractiveAction::Buttons(vec![reply]),
        };
        all.push(("buttons under an image", Message::Interactive(buttons)));
        if kind == ProviderKind::CloudApi {
            let action = InteractiveAction::CtaUrl { label: "Shop now".into(), url: "https://example.com/sale".into() };
            let link = Interactive { header: Some(image), body: "Spring sale".into(), footer: None, action };
            all.push(("link button", Message::Interactive(link)));
        }
    }
    for (interactive, _) in commerce_and_flows() {
        if kind.provider().info().interactive.contains(&interactive.action.kind()) {
            all.push((interactive.action.kind().as_str(), Message::Interactive(interactive)));
        }
    }
    all.into_iter().filter(|(_, m)| kind.provider().supports(m.message_type())).collect()
}
