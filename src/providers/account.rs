//! Reading the sending account, read-only: the message templates it holds and the state of
//! its sender (status, quality, messaging limit), where the provider's docs describe a way to
//! ask (the Cloud API's `GET /{WABA-ID}/message_templates` and `GET /{Phone-Number-ID}`,
//! Evolution's `GET /template/find/{instance}`). Like the rest of a provider an
//! [`AccountReader`] is pure: it builds the requests and reads the answers into one vocabulary
//! ([`Template`], [`SenderInfo`]); `herald templates` (and the online checks) do the I/O.

use super::Settings;
use super::outcome::{ProviderError, Response};
use crate::request::HttpRequest;

/// A provider's documented way to read its account.
pub trait AccountReader: Sync {
    /// The request for one page of the account's templates: the first when `after` is `None`,
    /// else the page after that cursor. `waba_id` is `provider.waba_id`, for providers that
    /// list templates by business account rather than by the sending account.
    ///
    /// # Errors
    ///
    /// When the campaign lacks an id the request needs ([`AccountError::NeedsWabaId`]).
    fn templates_request(
        &self,
        settings: &Settings,
        waba_id: Option<&str>,
        after: Option<&str>,
    ) -> Result<HttpRequest, AccountError>;

    /// Reads the answer to a templates request.
    ///
    /// # Errors
    ///
    /// The provider's refusal, or an answer not of the documented shape.
    fn read_templates(&self, response: &Response) -> Result<TemplatePage, AccountError>;

    /// The request for the sender's state, when the provider documents one.
    fn sender_request(&self, _settings: &Settings) -> Option<HttpRequest> {
        None
    }

    /// The request to read the sender's state again after `refused`, the refusal of
    /// [`AccountReader::sender_request`], when a narrower one avoids it (a Graph API that does
    /// not know a field asked for); `None` to give up.
    fn sender_retry(&self, _settings: &Settings, _refused: &AccountError) -> Option<HttpRequest> {
        None
    }

    /// Reads the answer to [`AccountReader::sender_request`] (or [`AccountReader::sender_retry`]).
    ///
    /// # Errors
    ///
    /// The provider's refusal, or an answer not of the documented shape.
    fn read_sender(&self, response: &Response) -> Result<SenderInfo, AccountError>;
}

/// One page of templates.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct TemplatePage {
    /// The templates on it.
    pub templates: Vec<Template>,
    /// The cursor of the next page, when there is one.
    pub next: Option<String>,
    /// Why the list may be incomplete though no next page is named (Evolution returns only
    /// Meta's first page); `None` when the pages followed give every template.
    pub partial: Option<&'static str>,
}

/// Why the account could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AccountError {
    /// The campaign names no business account, which the templates list is read from.
    #[error(
        "the campaign names no WhatsApp Business Account: add `provider.waba_id` (the WABA ID from WhatsApp Manager › Account tools › Phone numbers)"
    )]
    NeedsWabaId,
    /// The provider refused the key or its permissions: no read of this account will work.
    #[error(
        "{provider} refused to show the account ({}): check the token in `provider.token_env`; {needs}",
        error_words(.error)
    )]
    Refused {
        /// The provider.
        provider: &'static str,
        /// Its words.
        error: ProviderError,
        /// What the token must be, or be allowed.
        needs: &'static str,
    },
    /// Any other refusal or failure, in the provider's words.
    #[error("{provider} could not show the account ({})", error_words(.error))]
    Failed {
        /// The provider.
        provider: &'static str,
        /// Its words.
        error: ProviderError,
    },
    /// A 2xx answer not of the documented shape: the base URL points elsewhere.
    #[error("the answer is not {provider}'s (HTTP {status}: {text}); check `provider.base_url`")]
    NotDocumented {
        /// The provider.
        provider: &'static str,
        /// The HTTP status.
        status: u16,
        /// The answer, shortened.
        text: String,
    },
}

/// A provider error as `code 190: words`.
fn error_words(e: &ProviderError) -> String {
    match &e.code {
        Some(code) => format!("code {code}: {}", e.message),
        None => e.message.clone(),
    }
}

impl AccountError {
    /// The answer `r` is not the documented shape.
    pub(crate) fn not_documented(provider: &'static str, r: &Response) -> AccountError {
        AccountError::NotDocumented { provider, status: r.status, text: r.text() }
    }
}

/// One message template, in every provider's words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    /// Its name.
    pub name: String,
    /// Its language code (`en_US`).
    pub language: String,
    /// Whether it may be sent.
    pub status: TemplateStatus,
    /// `MARKETING`, `UTILITY`, `AUTHENTICATION`, as the provider writes it.
    pub category: String,
    /// How its parameters are written: `{{1}}` or `{{name}}`.
    pub parameter_format: ParameterFormat,
    /// Its header, when it has one.
    pub header: Option<Header>,
    /// Its body, when it has one.
    pub body: Option<Body>,
    /// Its footer text, when it has one.
    pub footer: Option<String>,
    /// Its buttons, in order (a button's position is its `index` at send time).
    pub buttons: Vec<Button>,
}

impl Template {
    /// Every parameter a send must fill, as `header`/`body` and the parameter.
    pub fn parameters(&self) -> impl Iterator<Item = (&'static str, &Param)> {
        let header = self.header.iter().flat_map(|h| h.params.iter().map(|p| ("header", p)));
        header.chain(self.body.iter().flat_map(|b| b.params.iter().map(|p| ("body", p))))
    }
}

#[cfg(test)]
impl Template {
    /// An approved utility template with nothing but its name and language, for tests.
    pub(crate) fn bare(name: &str, language: &str) -> Template {
        Template {
            name: name.into(),
            language: language.into(),
            status: TemplateStatus::Approved,
            category: "UTILITY".into(),
            parameter_format: ParameterFormat::Positional,
            header: None,
            body: None,
            footer: None,
            buttons: Vec::new(),
        }
    }
}

/// A template's review status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TemplateStatus {
    /// May be sent.
    Approved,
    /// In review.
    Pending,
    /// Refused in review.
    Rejected,
    /// Paused for low quality (a send gets 132015).
    Paused,
    /// Disabled for good (a send gets 132016).
    Disabled,
    /// Any other status, as written.
    Other(String),
}

impl TemplateStatus {
    /// The status as Meta writes it.
    pub fn parse(s: &str) -> TemplateStatus {
        match s.to_ascii_uppercase().as_str() {
            "APPROVED" => TemplateStatus::Approved,
            "PENDING" | "IN_APPEAL" => TemplateStatus::Pending,
            "REJECTED" => TemplateStatus::Rejected,
            "PAUSED" => TemplateStatus::Paused,
            "DISABLED" => TemplateStatus::Disabled,
            _ => TemplateStatus::Other(s.to_string()),
        }
    }

    /// The status as Meta writes it (`APPROVED`).
    pub fn as_str(&self) -> &str {
        match self {
            TemplateStatus::Approved => "APPROVED",
            TemplateStatus::Pending => "PENDING",
            TemplateStatus::Rejected => "REJECTED",
            TemplateStatus::Paused => "PAUSED",
            TemplateStatus::Disabled => "DISABLED",
            TemplateStatus::Other(s) => s,
        }
    }
}

/// How a template's parameters are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParameterFormat {
    /// `{{1}}`, `{{2}}`: sent in order.
    Positional,
    /// `{{first_name}}`: sent with `parameter_name`.
    Named,
}

/// One parameter of a header or body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Param {
    /// Its name: `1`, `2`, … for positional parameters.
    pub name: String,
    /// The example the template was approved with, when it has one.
    pub example: Option<String>,
}

/// A template's header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    /// What it shows.
    pub format: HeaderFormat,
    /// Its text, for a text header.
    pub text: Option<String>,
    /// The parameters of a text header.
    pub params: Vec<Param>,
}

/// What a header shows; a media header needs that media at send time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HeaderFormat {
    /// Text, maybe with one parameter.
    Text,
    /// An image.
    Image,
    /// A video.
    Video,
    /// A document.
    Document,
    /// A location.
    Location,
    /// Any other format, as written.
    Other(String),
}

impl HeaderFormat {
    /// The format as Meta writes it.
    pub fn parse(s: &str) -> HeaderFormat {
        match s.to_ascii_uppercase().as_str() {
            "TEXT" => HeaderFormat::Text,
            "IMAGE" => HeaderFormat::Image,
            "VIDEO" => HeaderFormat::Video,
            "DOCUMENT" => HeaderFormat::Document,
            "LOCATION" => HeaderFormat::Location,
            _ => HeaderFormat::Other(s.to_string()),
        }
    }

    /// The format in lowercase (`image`), as campaigns name media kinds.
    pub fn as_str(&self) -> &str {
        match self {
            HeaderFormat::Text => "text",
            HeaderFormat::Image => "image",
            HeaderFormat::Video => "video",
            HeaderFormat::Document => "document",
            HeaderFormat::Location => "location",
            HeaderFormat::Other(s) => s,
        }
    }
}

/// A template's body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Body {
    /// Its text, with the placeholders.
    pub text: String,
    /// Its parameters, in order.
    pub params: Vec<Param>,
}

/// One button of a template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Button {
    /// A quick reply; a send may give its payload.
    QuickReply {
        /// Its label.
        text: String,
    },
    /// A link; one with a variable needs a `url` button parameter at send time.
    Url {
        /// Its label.
        text: String,
        /// The URL, with `{{1}}` where the variable goes.
        url: String,
        /// Whether the URL has a variable.
        variable: bool,
        /// The example URL the template was approved with, when it has one.
        example: Option<String>,
    },
    /// Copies a coupon code, given at send time.
    CopyCode {
        /// The example code.
        example: Option<String>,
    },
    /// Opens a WhatsApp Flow.
    Flow {
        /// Its label.
        text: String,
    },
    /// Calls a number.
    PhoneNumber {
        /// Its label.
        text: String,
    },
    /// Any other kind, as written (`OTP`, `CATALOG`, …).
    Other {
        /// Its type.
        kind: String,
        /// Its label.
        text: String,
    },
}

/// The state of the sending number.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SenderInfo {
    /// `CONNECTED`, `FLAGGED`, `RESTRICTED`, …, as the provider writes it.
    pub status: Option<String>,
    /// `GREEN`, `YELLOW`, `RED`, `NA`.
    pub quality_rating: Option<String>,
    /// How many unique users the business portfolio's numbers may start conversations with a
    /// day (Meta's `whatsapp_business_manager_messaging_limit`): the limit Meta holds sends to.
    pub portfolio_limit: Option<MessagingLimit>,
    /// The number's own tier (`messaging_limit_tier`), which Meta has deprecated for the
    /// portfolio's limit: known when the portfolio's is not.
    pub messaging_limit: Option<MessagingLimit>,
    /// The number, as shown (`+1 631-555-5555`).
    pub display_number: Option<String>,
    /// The business name verified for it.
    pub verified_name: Option<String>,
}

/// A messaging limit tier.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessagingLimit {
    /// The tier as written (`TIER_1K`).
    pub tier: String,
    /// Unique users a day; `None` for unlimited.
    pub per_day: Option<u64>,
}

impl MessagingLimit {
    /// Meta's tier names (`TIER_250`, `TIER_2K`, `TIER_UNLIMITED`); `None` for an unknown one.
    pub fn parse(tier: &str) -> Option<MessagingLimit> {
        let per_day = match tier.to_ascii_uppercase().as_str() {
            "TIER_UNLIMITED" => None,
            t => {
                let n = t.strip_prefix("TIER_")?;
                let (digits, scale) = match n.strip_suffix('K') {
                    Some(d) => (d, 1_000),
                    None => (n, 1),
                };
                Some(digits.parse::<u64>().ok()?.checked_mul(scale)?)
            }
        };
        Some(MessagingLimit { tier: tier.to_string(), per_day })
    }
}

/// The placeholders in `text`, in order of first appearance and without repeats: `{{1}}` gives
/// `1`, `{{ first_name }}` gives `first_name`. Positional ones are `1..=n` for the highest `n`
/// written, as Meta counts them.
pub fn placeholders(text: &str) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        let after = &rest[start + 2..];
        let Some(end) = after.find("}}") else { break };
        let name = after[..end].trim();
        if !name.is_empty() && !names.iter().any(|n| n == name) {
            names.push(name.to_string());
        }
        rest = &after[end + 2..];
    }
    let highest = names.iter().map(|n| n.parse::<usize>().ok()).collect::<Option<Vec<_>>>();
    match highest {
        Some(numbers) if !numbers.is_empty() => {
            (1..=numbers.into_iter().max().unwrap_or_default()).map(|n| n.to_string()).collect()
        }
        _ => names,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_count_positions_and_keep_names() {
        assert_eq!(placeholders("Hi {{1}}, code {{3}} and {{1}}"), ["1", "2", "3"]);
        assert_eq!(placeholders("Hi {{ first_name }}, {{order}} {{first_name}}"), ["first_name", "order"]);
        assert!(placeholders("no {{ unclosed").is_empty());
        assert!(placeholders("plain").is_empty());
    }

    #[test]
    fn tiers_read_as_users_a_day() {
        let per_day = |t: &str| MessagingLimit::parse(t).map(|l| l.per_day);
        assert_eq!(per_day("TIER_250"), Some(Some(250)));
        assert_eq!(per_day("TIER_2K"), Some(Some(2_000)));
        assert_eq!(per_day("TIER_100K"), Some(Some(100_000)));
        assert_eq!(per_day("TIER_UNLIMITED"), Some(None));
        assert_eq!(per_day("TIER_MANY"), None);
        assert_eq!(TemplateStatus::parse("paused"), TemplateStatus::Paused);
        assert_eq!(TemplateStatus::parse("LIMIT_EXCEEDED").as_str(), "LIMIT_EXCEEDED");
    }
}
