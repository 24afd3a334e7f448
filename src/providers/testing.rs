//! Shared fixtures for the providers' golden tests, and the [`Fixture`] every registered
//! provider gives in its folder (`providers/<id>/fixture.rs`) for the tests that run over all
//! of them.

use super::{Finding, Outgoing, Provider, ProviderKind, Settings, Target, contract};
use crate::message::{
    BodyParam, ButtonValue, ContactCard, FlowAction, FlowRef, Interactive, InteractiveAction, InteractiveHeader,
    ListRow, ListSection, Location, Media, MediaKind, MediaSource, Message, MessageType, Poll, ProductSection,
    Reaction, ReplyButton, Template, TemplateButton, TemplateHeader, TemplateParam,
};
use crate::phone::Phone;
use crate::request::{HttpRequest, user_agent};
use serde_json::{Value, json};

/// What the tests that run over every registered provider need to know about one of them:
/// samples to send and the shapes of its answers. Each provider implements it in its folder.
pub trait Fixture: Sync {
    /// The account its campaigns name in tests.
    fn account(&self) -> &'static str;

    /// The message types its docs say it sends, in the order of [`MessageType::ALL`]: what
    /// [`Provider::supports`] must say.
    fn documented_types(&self) -> &'static [MessageType];

    /// At least one message of every type the provider claims ([`Provider::supports`]), each
    /// passing its `check`, labelled for assertion messages. Most start from [`samples`].
    fn samples(&self) -> Vec<(&'static str, Message)>;

    /// The recipient [`to`] as the sandbox records it from the body of sample `label`.
    fn recipient(&self, _label: &str) -> &'static str {
        "+254712345678"
    }

    /// The field of its text body that carries the text.
    fn text_field(&self) -> &'static str {
        "text"
    }

    /// Asserts `body` is its documented success answer carrying `id`, to the request body `sent`.
    fn assert_success(&self, status: u16, body: &Value, id: Option<&str>, sent: &Value);

    /// Whether `body` is its documented error shape for `status`.
    fn is_error(&self, status: u16, body: &Value) -> bool;

    /// Asserts `body` is its exact answer to a wrong key (a 401).
    fn assert_unauthorized(&self, body: &Value);

    /// Asserts `failed` and `throttled` are its answers to an internal error and to throttling.
    fn assert_faults(&self, failed: &Value, throttled: &Value);
}

/// The registered provider named `id` in campaigns.
#[track_caller]
pub fn kind(id: &str) -> ProviderKind {
    ProviderKind::named(id).unwrap_or_else(|| panic!("no provider `{id}` is registered"))
}

/// The approved template every provider that takes Meta-style templates is sent in tests.
pub fn order_template() -> Template {
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
}

/// Buttons under an image header, for providers that take media headers.
pub fn buttons_under_an_image() -> Message {
    let reply = ReplyButton { id: "buy".into(), title: "Buy".into() };
    Message::Interactive(Interactive {
        header: Some(sale_image()),
        body: "Back in stock".into(),
        footer: None,
        action: InteractiveAction::Buttons(vec![reply]),
    })
}

/// An image header by public URL.
pub fn sale_image() -> InteractiveHeader {
    InteractiveHeader::Media {
        kind: MediaKind::Image,
        source: MediaSource::Link("https://example.com/sale.jpg".into()),
        filename: None,
    }
}

/// One message of every type (interactive twice: buttons and list, and every commerce and
/// Flow kind `provider` documents), with `template` as the template, each filled in enough to
/// pass every provider's `check`; only the types `provider` supports.
pub fn samples(provider: &dyn Provider, template: Template) -> Vec<(&'static str, Message)> {
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
    let mut all = vec![
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
        ("sticker", Message::Media(media(MediaKind::Sticker, "https://example.com/s.webp"))),
        (
            "poll",
            Message::Poll(Poll { name: "Lunch?".into(), options: vec!["Rice".into(), "Ugali".into()], selectable: 1 }),
        ),
        (
            "reaction",
            Message::Reaction(Reaction {
                message_id: "wamid.HBgLMjU0NzEyMzQ1Njc4".into(),
                emoji: "👍".into(),
                from_me: true,
            }),
        ),
    ];
    for (interactive, _) in commerce_and_flows() {
        if provider.info().interactive.contains(&interactive.action.kind()) {
            all.push((interactive.action.kind().as_str(), Message::Interactive(interactive)));
        }
    }
    all.into_iter().filter(|(_, m)| provider.supports(m.message_type())).collect()
}

/// The base URL of a self-hosted provider (Evolution) in golden tests.
const EXAMPLE_BASE_URL: &str = "https://evo.example.com";

/// The recipient every golden test sends to.
pub fn to() -> Target {
    Target::Phone(Phone::from_e164_unchecked("+254712345678"))
}

/// The provider's default base URL (or an example host) and `account`.
pub fn settings(provider: &dyn Provider, account: &str) -> Settings {
    let base_url = provider.default_base_url().unwrap_or(EXAMPLE_BASE_URL).to_string();
    Settings { base_url, account: account.into(), send_at: None, typing: false }
}

/// A message without metadata.
pub fn out(message: Message) -> Outgoing {
    Outgoing { message, metadata: None, reply_to: None, mentions: crate::providers::Mentions::default() }
}

/// A contact card with only a name and a number.
pub fn card(full_name: &str, phone: &str) -> ContactCard {
    ContactCard {
        full_name: full_name.into(),
        card_name: None,
        first_name: None,
        last_name: None,
        phone: phone.into(),
        organization: None,
        email: None,
        url: None,
        job_title: None,
        address: None,
        note: None,
    }
}

/// A media message with only the URL set.
pub fn media(kind: MediaKind, url: &str) -> Media {
    Media {
        kind,
        source: MediaSource::Link(url.into()),
        caption: None,
        filename: None,
        mime_type: None,
        mime_type_explicit: false,
        view_once: None,
        note: None,
        gif: None,
    }
}

/// What `check` says about `out`.
pub fn findings(provider: &dyn Provider, out: &Outgoing) -> Vec<Finding> {
    let mut findings = Vec::new();
    provider.check(out, &mut findings);
    findings
}

/// Builds the request after asserting that `check` has nothing to say about `out`.
pub fn build_clean(provider: &dyn Provider, settings: &Settings, to: &Target, out: &Outgoing) -> HttpRequest {
    assert_eq!(findings(provider, out), [], "a golden message must pass check");
    provider.build(settings, to, out).expect("a golden message is supported")
}

/// Asserts a JSON POST to `url` with the auth header `(name, redacted value)` and `body`.
#[track_caller]
pub fn assert_request(request: &HttpRequest, url: &str, auth: (&str, &str), body: Value) {
    assert_eq!(request.method, "POST");
    assert_eq!(request.url, url);
    let headers: Vec<(&str, String)> = request.headers.iter().map(|h| (h.name, h.redacted())).collect();
    let expected = vec![
        (auth.0, auth.1.to_string()),
        ("Content-Type", "application/json".to_string()),
        ("User-Agent", user_agent()),
    ];
    assert_eq!(headers, expected);
    assert_eq!(request.body, body);
    assert_meets_contract(request);
}

/// Asserts that `request` (built with [`settings`]) is a documented endpoint of its provider and
/// that its body meets that endpoint's contract.
#[track_caller]
pub fn assert_meets_contract(request: &HttpRequest) {
    let found = ProviderKind::ALL.iter().copied().find_map(|kind| {
        let base = kind.provider().default_base_url().unwrap_or(EXAMPLE_BASE_URL);
        let path = request.url.strip_prefix(base)?;
        contract::find(kind, request.method, path).map(|(c, _)| c)
    });
    let contract = found.unwrap_or_else(|| panic!("no contract for {} {}", request.method, request.url));
    let broken = contract.violations(&request.body);
    assert!(broken.is_empty(), "{} breaks {}: {broken:?}\n{:#}", request.url, contract.title, request.body);
}

/// A template with an uploaded header image, money, a date, and copy-code, Flow and catalog
/// buttons: what providers that pass Meta's components through whole must carry.
pub fn rich_template() -> Template {
    Template {
        name: Some("spring_coupon".into()),
        id: None,
        language: Some("en_US".into()),
        header: Some(TemplateHeader::Media {
            kind: MediaKind::Image,
            source: MediaSource::Id("1203458".into()),
            filename: None,
        }),
        body: vec![
            "Jane".into(),
            TemplateParam::Currency { fallback: "KES 1,250.50".into(), code: "KES".into(), amount_1000: 1_250_500 }
                .into(),
            TemplateParam::DateTime { fallback: "1 March 2027".into() }.into(),
        ],
        buttons: vec![
            TemplateButton { index: 0, value: ButtonValue::CopyCode("SPRING25".into()) },
            TemplateButton {
                index: 1,
                value: ButtonValue::Flow {
                    token: Some("tok-42".into()),
                    data: Some(serde_json::Map::from_iter([("size".to_string(), json!("M"))])),
                },
            },
            TemplateButton { index: 2, value: ButtonValue::Catalog { thumbnail: Some("SKU-1".into()) } },
        ],
    }
}

/// A template whose parameters are named (`parameter_format: NAMED`): a named text header, a
/// named body of text, money and a date, and a URL button.
pub fn named_template() -> Template {
    Template {
        name: Some("order_confirmation".into()),
        id: None,
        language: Some("en_US".into()),
        header: Some(TemplateHeader::Text { text: "Jane".into(), name: Some("first_name".into()) }),
        body: vec![
            BodyParam::named("first_name", "Jane"),
            BodyParam::named(
                "total",
                TemplateParam::Currency { fallback: "$12.50".into(), code: "USD".into(), amount_1000: 12_500 },
            ),
            BodyParam::named("delivery_date", TemplateParam::DateTime { fallback: "1 March 2027".into() }),
        ],
        buttons: vec![TemplateButton { index: 0, value: ButtonValue::Url("A-7".into()) }],
    }
}

/// Meta's `components` for [`named_template`]: every header and body parameter with its
/// `parameter_name`.
pub fn named_components() -> Value {
    json!([
        { "type": "header", "parameters": [{ "type": "text", "parameter_name": "first_name", "text": "Jane" }] },
        { "type": "body", "parameters": [
            { "type": "text", "parameter_name": "first_name", "text": "Jane" },
            { "type": "currency", "parameter_name": "total",
              "currency": { "fallback_value": "$12.50", "code": "USD", "amount_1000": 12_500 } },
            { "type": "date_time", "parameter_name": "delivery_date", "date_time": { "fallback_value": "1 March 2027" } }
        ] },
        { "type": "button", "sub_type": "url", "index": "0", "parameters": [{ "type": "text", "text": "A-7" }] }
    ])
}

/// Meta's `components` for [`rich_template`].
pub fn rich_components() -> Value {
    json!([
        { "type": "header", "parameters": [{ "type": "image", "image": { "id": "1203458" } }] },
        { "type": "body", "parameters": [
            { "type": "text", "text": "Jane" },
            { "type": "currency", "currency": { "fallback_value": "KES 1,250.50", "code": "KES", "amount_1000": 1_250_500 } },
            { "type": "date_time", "date_time": { "fallback_value": "1 March 2027" } }
        ] },
        { "type": "button", "sub_type": "copy_code", "index": "0",
          "parameters": [{ "type": "coupon_code", "coupon_code": "SPRING25" }] },
        { "type": "button", "sub_type": "flow", "index": "1",
          "parameters": [{ "type": "action", "action": { "flow_token": "tok-42", "flow_action_data": { "size": "M" } } }] },
        { "type": "button", "sub_type": "catalog", "index": "2",
          "parameters": [{ "type": "action", "action": { "thumbnail_product_retailer_id": "SKU-1" } }] }
    ])
}

/// A product, a product list, the catalog and a Flow, as Meta's `interactive` objects.
pub fn commerce_and_flows() -> Vec<(Interactive, Value)> {
    let plain = |header: Option<InteractiveHeader>, action| Interactive {
        header,
        body: "Picked for you".into(),
        footer: None,
        action,
    };
    let section = |title: &str, products: &[&str]| ProductSection {
        title: Some(title.into()),
        products: products.iter().map(|p| p.to_string()).collect(),
    };
    let flow = FlowAction {
        flow: FlowRef::Name("signup".into()),
        cta: "Sign up".into(),
        draft: true,
        token: Some("tok-7".into()),
        screen: Some("WELCOME".into()),
        data: Some(serde_json::Map::from_iter([("plan".to_string(), json!("gold"))])),
    };
    vec![
        (
            plain(None, InteractiveAction::Product { catalog_id: "cat-1".into(), product: "SKU-1".into() }),
            json!({ "type": "product", "body": { "text": "Picked for you" },
                    "action": { "catalog_id": "cat-1", "product_retailer_id": "SKU-1" } }),
        ),
        (
            plain(
                Some("Spring picks".into()),
                InteractiveAction::ProductList {
                    catalog_id: "cat-1".into(),
                    sections: vec![section("Shoes", &["SKU-1", "SKU-2"]), section("Bags", &["SKU-9"])],
                },
            ),
            json!({ "type": "product_list", "header": { "type": "text", "text": "Spring picks" },
                    "body": { "text": "Picked for you" },
                    "action": { "catalog_id": "cat-1", "sections": [
                        { "title": "Shoes", "product_items": [{ "product_retailer_id": "SKU-1" }, { "product_retailer_id": "SKU-2" }] },
                        { "title": "Bags", "product_items": [{ "product_retailer_id": "SKU-9" }] }
                    ] } }),
        ),
        (
            plain(None, InteractiveAction::Catalog { thumbnail: "SKU-1".into() }),
            json!({ "type": "catalog_message", "body": { "text": "Picked for you" },
                    "action": { "name": "catalog_message", "parameters": { "thumbnail_product_retailer_id": "SKU-1" } } }),
        ),
        (
            plain(None, InteractiveAction::Flow(flow)),
            json!({ "type": "flow", "body": { "text": "Picked for you" },
                    "action": { "name": "flow", "parameters": {
                        "flow_message_version": "3", "flow_name": "signup", "flow_cta": "Sign up", "mode": "draft",
                        "flow_token": "tok-7", "flow_action": "navigate",
                        "flow_action_payload": { "screen": "WELCOME", "data": { "plan": "gold" } } } } }),
        ),
    ]
}
