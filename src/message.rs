//! The rendered, provider-neutral message: what one recipient receives, after every template
//! has been rendered. Providers map this to their own request bodies.

use serde::Deserialize;
use std::fmt;

/// The `message.type` of a campaign: what kind of WhatsApp message it sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MessageType {
    /// Plain text.
    Text,
    /// An image with an optional caption.
    Image,
    /// A video with an optional caption.
    Video,
    /// An audio file.
    Audio,
    /// A push-to-talk voice note.
    Voice,
    /// A document (PDF, …) with an optional file name.
    Document,
    /// A sticker (a WebP image).
    Sticker,
    /// A map pin.
    Location,
    /// A contact card.
    Contact,
    /// A pre-approved template (WABA providers).
    Template,
    /// Buttons, a list, a link button, products, the catalog or a Flow.
    Interactive,
    /// A poll.
    Poll,
    /// An emoji reaction to an earlier message.
    Reaction,
}

impl MessageType {
    /// Every type, in the order the support matrix prints them.
    pub const ALL: [MessageType; 13] = [
        MessageType::Text,
        MessageType::Image,
        MessageType::Video,
        MessageType::Audio,
        MessageType::Voice,
        MessageType::Document,
        MessageType::Sticker,
        MessageType::Location,
        MessageType::Contact,
        MessageType::Template,
        MessageType::Interactive,
        MessageType::Poll,
        MessageType::Reaction,
    ];

    /// The name used in campaign files.
    pub fn as_str(self) -> &'static str {
        match self {
            MessageType::Text => "text",
            MessageType::Image => "image",
            MessageType::Video => "video",
            MessageType::Audio => "audio",
            MessageType::Voice => "voice",
            MessageType::Document => "document",
            MessageType::Sticker => "sticker",
            MessageType::Location => "location",
            MessageType::Contact => "contact",
            MessageType::Template => "template",
            MessageType::Interactive => "interactive",
            MessageType::Poll => "poll",
            MessageType::Reaction => "reaction",
        }
    }
}

impl MessageType {
    /// The kind of media a media type carries (`None` for the other types).
    pub fn media_kind(self) -> Option<MediaKind> {
        Some(match self {
            MessageType::Image => MediaKind::Image,
            MessageType::Video => MediaKind::Video,
            MessageType::Audio => MediaKind::Audio,
            MessageType::Voice => MediaKind::Voice,
            MessageType::Document => MediaKind::Document,
            MessageType::Sticker => MediaKind::Sticker,
            _ => return None,
        })
    }
}

impl fmt::Display for MessageType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One rendered message.
#[derive(Debug, Clone, PartialEq)]
pub enum Message {
    /// Plain text; `preview_url` is `None` when the campaign does not say.
    Text {
        /// The text.
        body: String,
        /// Whether to render a link preview.
        preview_url: Option<bool>,
    },
    /// Image, video, audio, voice note, document or sticker.
    Media(Media),
    /// A map pin.
    Location(Location),
    /// One or more contact cards.
    Contact(Contacts),
    /// A pre-approved template.
    Template(Template),
    /// Buttons, a list, a link button, products, the catalog or a Flow.
    Interactive(Interactive),
    /// A poll.
    Poll(Poll),
    /// An emoji reaction.
    Reaction(Reaction),
}

/// A poll: a question and the options recipients pick from.
#[derive(Debug, Clone, PartialEq)]
pub struct Poll {
    /// The question.
    pub name: String,
    /// The options, in order.
    pub options: Vec<String>,
    /// How many options one recipient may pick: 1 for a single choice, 0 for any number.
    pub selectable: u8,
}

impl Message {
    /// The campaign-level type this message is.
    pub fn message_type(&self) -> MessageType {
        match self {
            Message::Text { .. } => MessageType::Text,
            Message::Media(m) => m.kind.message_type(),
            Message::Location(_) => MessageType::Location,
            Message::Contact(_) => MessageType::Contact,
            Message::Template(_) => MessageType::Template,
            Message::Interactive(_) => MessageType::Interactive,
            Message::Poll(_) => MessageType::Poll,
            Message::Reaction(_) => MessageType::Reaction,
        }
    }
}

/// Which kind of media a [`Media`] message carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MediaKind {
    /// A picture.
    Image,
    /// A video clip.
    Video,
    /// An audio file, shown as an attachment.
    Audio,
    /// A voice note (push-to-talk).
    Voice,
    /// Any other file.
    Document,
    /// A sticker.
    Sticker,
}

impl MediaKind {
    /// The message type for this media kind.
    pub fn message_type(self) -> MessageType {
        match self {
            MediaKind::Image => MessageType::Image,
            MediaKind::Video => MessageType::Video,
            MediaKind::Audio => MessageType::Audio,
            MediaKind::Voice => MessageType::Voice,
            MediaKind::Document => MessageType::Document,
            MediaKind::Sticker => MessageType::Sticker,
        }
    }
}

/// A media message, by public URL or (where the provider takes one) uploaded media id.
#[derive(Debug, Clone, PartialEq)]
pub struct Media {
    /// What kind of media.
    pub kind: MediaKind,
    /// Where the provider gets the file.
    pub source: MediaSource,
    /// Caption shown under the media.
    pub caption: Option<String>,
    /// File name shown for documents.
    pub filename: Option<String>,
    /// MIME type: the one the campaign gives, else one inferred from the URL's extension.
    pub mime_type: Option<String>,
    /// Whether the campaign gave `mime_type` itself (providers that treat it as optional
    /// send it only then).
    pub mime_type_explicit: bool,
    /// Disappears after one view (instance providers only).
    pub view_once: Option<bool>,
    /// A video sent as a round video note (Communiktor `asNote`, Evolution `sendPtv`).
    pub note: Option<bool>,
    /// A video shown as a looping GIF, without sound (Communiktor `asGif`).
    pub gif: Option<bool>,
}

impl Media {
    /// The public URL, when the media is given by one.
    pub fn link(&self) -> Option<&str> {
        match &self.source {
            MediaSource::Link(url) => Some(url),
            MediaSource::Id(_) => None,
        }
    }
}

/// A map pin.
#[derive(Debug, Clone, PartialEq)]
pub struct Location {
    /// Latitude in decimal degrees.
    pub latitude: f64,
    /// Longitude in decimal degrees.
    pub longitude: f64,
    /// Name of the place.
    pub name: Option<String>,
    /// Address of the place.
    pub address: Option<String>,
}

/// The cards of a contact message: one (`message.contact`) or several (`message.contacts`).
#[derive(Debug, Clone, PartialEq)]
pub struct Contacts {
    /// The cards, never empty.
    pub cards: Vec<ContactCard>,
    /// Given as the list `message.contacts` (so findings point into it).
    pub listed: bool,
}

impl Contacts {
    /// The campaign pointer of card `i`: `/message/contact`, or `/message/contacts/{i}`.
    pub fn pointer(&self, i: usize) -> String {
        if self.listed { format!("/message/contacts/{i}") } else { "/message/contact".to_string() }
    }
}

impl From<ContactCard> for Contacts {
    fn from(card: ContactCard) -> Contacts {
        Contacts { cards: vec![card], listed: false }
    }
}

/// A contact card.
#[derive(Debug, Clone, PartialEq)]
pub struct ContactCard {
    /// Full display name.
    pub full_name: String,
    /// The card's title in the chat, where the provider shows one apart from the name
    /// (Communiktor's `name`; `full_name` when not set).
    pub card_name: Option<String>,
    /// Given name, where the provider has a field for it.
    pub first_name: Option<String>,
    /// Family name, where the provider has a field for it.
    pub last_name: Option<String>,
    /// The contact's phone number, normalised to E.164 (`+14155552671`).
    pub phone: String,
    /// Company.
    pub organization: Option<String>,
    /// E-mail address.
    pub email: Option<String>,
    /// Web page.
    pub url: Option<String>,
    /// Job title.
    pub job_title: Option<String>,
    /// Postal address, as one line.
    pub address: Option<String>,
    /// A note on the card.
    pub note: Option<String>,
}

/// A template message (WABA providers).
#[derive(Debug, Clone, PartialEq)]
pub struct Template {
    /// Template name (Cloud API, Evolution, WhautoChat).
    pub name: Option<String>,
    /// Numeric template id (AutoKonnect).
    pub id: Option<u64>,
    /// Language code such as `en_US` (the Cloud API and Evolution need it).
    pub language: Option<String>,
    /// Header parameter, if the template has a variable header.
    pub header: Option<TemplateHeader>,
    /// Body parameters, in order: positional (`{{1}}`, `{{2}}`, …) when none has a name, else
    /// each with the name it fills (`{{first_name}}`, a `parameter_format: NAMED` template).
    pub body: Vec<BodyParam>,
    /// Button parameters, each for the button at its index in the approved template.
    pub buttons: Vec<TemplateButton>,
}

impl Template {
    /// Whether the parameters are named (`{{first_name}}`, sent with `parameter_name`) rather
    /// than positional: the body's or the text header's have names. A campaign never mixes
    /// the two (the campaign reader refuses it).
    pub fn is_named(&self) -> bool {
        self.body.iter().any(|p| p.name.is_some())
            || matches!(&self.header, Some(TemplateHeader::Text { name: Some(_), .. }))
    }
}

/// One template body parameter: its value and, in a template whose parameters are named, the
/// name it fills.
#[derive(Debug, Clone, PartialEq)]
pub struct BodyParam {
    /// The `{{name}}` it fills (`first_name`), or `None` for a positional parameter.
    pub name: Option<String>,
    /// Its value.
    pub value: TemplateParam,
}

impl BodyParam {
    /// The parameter filling `{{name}}`.
    pub fn named(name: &str, value: impl Into<TemplateParam>) -> BodyParam {
        BodyParam { name: Some(name.to_string()), value: value.into() }
    }
}

impl BodyParam {
    /// Its campaign pointer, given it is parameter `n` of the body: by name when named
    /// (`/message/template/body/first_name`), else by position (`/message/template/body/0`).
    pub fn pointer(&self, n: usize) -> String {
        match &self.name {
            Some(name) => format!("/message/template/body/{name}"),
            None => format!("/message/template/body/{n}"),
        }
    }

    /// The placeholder it fills, as the template writes it: `{{first_name}}`, or `{{n+1}}`
    /// for parameter `n` of a positional body.
    pub fn placeholder(&self, n: usize) -> String {
        match &self.name {
            Some(name) => format!("{{{{{name}}}}}"),
            None => format!("{{{{{}}}}}", n + 1),
        }
    }
}

impl From<TemplateParam> for BodyParam {
    fn from(value: TemplateParam) -> BodyParam {
        BodyParam { name: None, value }
    }
}

impl From<&str> for BodyParam {
    fn from(text: &str) -> BodyParam {
        TemplateParam::from(text).into()
    }
}

/// The variable part of a template header.
#[derive(Debug, Clone, PartialEq)]
pub enum TemplateHeader {
    /// A text parameter.
    Text {
        /// The text.
        text: String,
        /// The `{{name}}` it fills in a template whose parameters are named; `None` when
        /// positional (`{{1}}`).
        name: Option<String>,
    },
    /// An image, video or document.
    Media {
        /// Image, video or document.
        kind: MediaKind,
        /// Where the provider gets it.
        source: MediaSource,
        /// File name shown to the recipient (documents).
        filename: Option<String>,
    },
    /// A place.
    Location(Location),
}

/// Where a provider gets a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MediaSource {
    /// A public URL it downloads.
    Link(String),
    /// The id of media uploaded to the provider beforehand.
    Id(String),
}

/// The value of one template body parameter.
#[derive(Debug, Clone, PartialEq)]
pub enum TemplateParam {
    /// Text.
    Text(String),
    /// An amount of money.
    Currency {
        /// What WhatsApp shows (the Cloud API always shows it).
        fallback: String,
        /// ISO 4217 code.
        code: String,
        /// The amount times 1000.
        amount_1000: i64,
    },
    /// A date and time.
    DateTime {
        /// What WhatsApp shows (the Cloud API always shows it).
        fallback: String,
    },
}

impl TemplateParam {
    /// What WhatsApp shows for it: the text, or the fallback of an amount or a date.
    pub fn shown(&self) -> &str {
        match self {
            TemplateParam::Text(text)
            | TemplateParam::Currency { fallback: text, .. }
            | TemplateParam::DateTime { fallback: text } => text,
        }
    }
}

impl From<&str> for TemplateParam {
    fn from(text: &str) -> TemplateParam {
        TemplateParam::Text(text.to_string())
    }
}

/// The variable part of one template button.
#[derive(Debug, Clone, PartialEq)]
pub struct TemplateButton {
    /// The button's position in the approved template (0–9).
    pub index: u8,
    /// Its parameter.
    pub value: ButtonValue,
}

/// A template button's parameter, by the button's kind.
#[derive(Debug, Clone, PartialEq)]
pub enum ButtonValue {
    /// A URL button's dynamic suffix.
    Url(String),
    /// A quick-reply button's payload.
    QuickReply(String),
    /// A copy-code button's coupon code.
    CopyCode(String),
    /// A Flow button's token and first-screen data.
    Flow {
        /// The token the Flow's endpoint receives.
        token: Option<String>,
        /// Data for the Flow's first screen.
        data: Option<serde_json::Map<String, serde_json::Value>>,
    },
    /// A catalog button's thumbnail product.
    Catalog {
        /// The retailer id of the product shown as the thumbnail.
        thumbnail: Option<String>,
    },
}

/// Reply buttons, a list menu or a link button.
#[derive(Debug, Clone, PartialEq)]
pub struct Interactive {
    /// Header: text or media.
    pub header: Option<InteractiveHeader>,
    /// Body text.
    pub body: String,
    /// Footer text.
    pub footer: Option<String>,
    /// Buttons or list.
    pub action: InteractiveAction,
}

/// An interactive message's header.
#[derive(Debug, Clone, PartialEq)]
pub enum InteractiveHeader {
    /// Text.
    Text(String),
    /// An image, video or document.
    Media {
        /// Image, video or document.
        kind: MediaKind,
        /// Where the provider gets it.
        source: MediaSource,
        /// File name shown (documents).
        filename: Option<String>,
    },
}

impl InteractiveHeader {
    /// The header's text, when it is text.
    pub fn text(&self) -> Option<&str> {
        match self {
            InteractiveHeader::Text(text) => Some(text),
            InteractiveHeader::Media { .. } => None,
        }
    }
}

impl From<&str> for InteractiveHeader {
    fn from(text: &str) -> InteractiveHeader {
        InteractiveHeader::Text(text.to_string())
    }
}

/// What the recipient can tap.
#[derive(Debug, Clone, PartialEq)]
pub enum InteractiveAction {
    /// Up to three reply buttons.
    Buttons(Vec<ReplyButton>),
    /// A list menu opened by a button.
    List {
        /// Label of the button that opens the list.
        button: String,
        /// Sections of rows.
        sections: Vec<ListSection>,
    },
    /// One button that opens a web page.
    CtaUrl {
        /// The button's label.
        label: String,
        /// The page it opens.
        url: String,
    },
    /// One product from a catalog.
    Product {
        /// The catalog.
        catalog_id: String,
        /// The product's retailer id (SKU).
        product: String,
    },
    /// Several products from a catalog, in sections.
    ProductList {
        /// The catalog.
        catalog_id: String,
        /// Titled groups of products.
        sections: Vec<ProductSection>,
    },
    /// A button that opens the business's catalog.
    Catalog {
        /// The retailer id of the product shown as the thumbnail.
        thumbnail: String,
    },
    /// A button that opens a WhatsApp Flow.
    Flow(FlowAction),
}

impl InteractiveAction {
    /// Which kind of interactive message this is.
    pub fn kind(&self) -> InteractiveKind {
        match self {
            InteractiveAction::Buttons(_) => InteractiveKind::Buttons,
            InteractiveAction::List { .. } => InteractiveKind::List,
            InteractiveAction::CtaUrl { .. } => InteractiveKind::CtaUrl,
            InteractiveAction::Product { .. } => InteractiveKind::Product,
            InteractiveAction::ProductList { .. } => InteractiveKind::ProductList,
            InteractiveAction::Catalog { .. } => InteractiveKind::Catalog,
            InteractiveAction::Flow(_) => InteractiveKind::Flow,
        }
    }
}

/// The kinds of interactive message, as campaigns name them (the key under `interactive`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum InteractiveKind {
    /// Reply buttons.
    Buttons,
    /// A list menu.
    List,
    /// A link button.
    CtaUrl,
    /// One product.
    Product,
    /// A product list.
    ProductList,
    /// A catalog button.
    Catalog,
    /// A Flow button.
    Flow,
}

impl InteractiveKind {
    /// Every kind, in the order tables print them.
    pub const ALL: [InteractiveKind; 7] = [
        InteractiveKind::Buttons,
        InteractiveKind::List,
        InteractiveKind::CtaUrl,
        InteractiveKind::Product,
        InteractiveKind::ProductList,
        InteractiveKind::Catalog,
        InteractiveKind::Flow,
    ];

    /// The campaign key (`buttons`, `cta_url`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            InteractiveKind::Buttons => "buttons",
            InteractiveKind::List => "list",
            InteractiveKind::CtaUrl => "cta_url",
            InteractiveKind::Product => "product",
            InteractiveKind::ProductList => "product_list",
            InteractiveKind::Catalog => "catalog",
            InteractiveKind::Flow => "flow",
        }
    }
}

/// One section of a product list.
#[derive(Debug, Clone, PartialEq)]
pub struct ProductSection {
    /// Its title (required when there are several).
    pub title: Option<String>,
    /// The products' retailer ids.
    pub products: Vec<String>,
}

/// The Flow a button opens.
#[derive(Debug, Clone, PartialEq)]
pub struct FlowAction {
    /// Which Flow: by id or by name.
    pub flow: FlowRef,
    /// The button's label.
    pub cta: String,
    /// Whether a draft Flow is sent (for testing) rather than the published one.
    pub draft: bool,
    /// The token the Flow's endpoint receives.
    pub token: Option<String>,
    /// The screen it opens on (a `navigate` Flow), with that screen's data.
    pub screen: Option<String>,
    /// Data for that screen.
    pub data: Option<serde_json::Map<String, serde_json::Value>>,
}

/// How a Flow is named.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FlowRef {
    /// Its id.
    Id(String),
    /// Its name.
    Name(String),
}

/// One reply button.
#[derive(Debug, Clone, PartialEq)]
pub struct ReplyButton {
    /// Payload returned when tapped.
    pub id: String,
    /// Label.
    pub title: String,
}

/// One section of a list menu.
#[derive(Debug, Clone, PartialEq)]
pub struct ListSection {
    /// Section heading.
    pub title: Option<String>,
    /// Rows.
    pub rows: Vec<ListRow>,
}

/// One row of a list menu.
#[derive(Debug, Clone, PartialEq)]
pub struct ListRow {
    /// Payload returned when chosen.
    pub id: String,
    /// Label.
    pub title: String,
    /// Second line.
    pub description: Option<String>,
}

/// A reaction to an earlier message.
#[derive(Debug, Clone, PartialEq)]
pub struct Reaction {
    /// Id of the message reacted to (a `wamid` on Meta-based providers).
    pub message_id: String,
    /// One emoji, or empty to remove a reaction.
    pub emoji: String,
    /// Whether the message reacted to was sent by us (Evolution needs to know).
    pub from_me: bool,
}
