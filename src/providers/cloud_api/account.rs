//! The Cloud API's account, read (Meta's OpenAPI spec `business-messaging-api` v23.0): the
//! templates from `GET /{WABA-ID}/message_templates?fields=…&limit=100[&after=cursor]`, every
//! page followed while the answer names `paging.next` (by its `paging.cursors.after`, against
//! the campaign's own base URL: Meta's `next` URL points at its own host), and the sender from
//! `GET /{Phone-Number-ID}?fields=status,quality_rating,whatsapp_business_manager_messaging_limit,
//! messaging_limit_tier,display_phone_number,verified_name`. Meta has deprecated
//! `messaging_limit_tier` in favour of the business portfolio's
//! `whatsapp_business_manager_messaging_limit` (`"TIER_2K"`); herald asks for both and, when a
//! Graph API refuses the new field (error 100 naming it), reads again without it.

use super::super::account::{AccountError, AccountReader, MessagingLimit, SenderInfo, TemplatePage};
use super::super::meta;
use super::super::outcome::{Outcome, ProviderError, Response, by_status, message_or_status};
use super::super::{Settings, encode_component};
use super::{INFO, NAME};
use crate::request::HttpRequest;
use serde_json::Value;

/// The Cloud API's account reader.
pub(super) struct Account;

/// Templates asked for a page (Graph API's usual most).
pub(crate) const PAGE: usize = 100;

/// The business portfolio's messaging limit, which Meta asks to read instead of the number's
/// `messaging_limit_tier`.
const PORTFOLIO_LIMIT: &str = "whatsapp_business_manager_messaging_limit";

/// The sender's fields asked for.
pub(crate) const SENDER_FIELDS: &str =
    "status,quality_rating,whatsapp_business_manager_messaging_limit,messaging_limit_tier,display_phone_number,verified_name";

/// The sender's fields a Graph API that does not know [`PORTFOLIO_LIMIT`] answers.
const OLD_SENDER_FIELDS: &str = "status,quality_rating,messaging_limit_tier,display_phone_number,verified_name";

impl AccountReader for Account {
    fn templates_request(
        &self,
        settings: &Settings,
        waba_id: Option<&str>,
        after: Option<&str>,
    ) -> Result<HttpRequest, AccountError> {
        let waba_id = waba_id.filter(|w| !w.is_empty()).ok_or(AccountError::NeedsWabaId)?;
        let mut url = format!(
            "{}/{}/message_templates?fields={}&limit={PAGE}",
            settings.base_url,
            encode_component(waba_id),
            encode_component(meta::templates::FIELDS)
        );
        if let Some(after) = after {
            url.push_str(&format!("&after={}", encode_component(after)));
        }
        Ok(HttpRequest::get(url, INFO.auth))
    }

    fn read_templates(&self, r: &Response) -> Result<TemplatePage, AccountError> {
        let body = answer(r)?;
        let data = body.get("data").and_then(Value::as_array).ok_or_else(|| AccountError::not_documented(NAME, r))?;
        let next = body
            .pointer("/paging/next")
            .and_then(|_| body.pointer("/paging/cursors/after"))
            .and_then(Value::as_str)
            .map(str::to_string);
        Ok(TemplatePage { templates: data.iter().filter_map(meta::templates::template).collect(), next, partial: None })
    }

    fn sender_request(&self, settings: &Settings) -> Option<HttpRequest> {
        Some(sender_fields(settings, SENDER_FIELDS))
    }

    fn sender_retry(&self, settings: &Settings, refused: &AccountError) -> Option<HttpRequest> {
        let error = match refused {
            AccountError::Refused { error, .. } | AccountError::Failed { error, .. } => error,
            AccountError::NeedsWabaId | AccountError::NotDocumented { .. } => return None,
        };
        let unknown_field = error.code.as_deref() == Some("100") && error.message.contains(PORTFOLIO_LIMIT);
        unknown_field.then(|| sender_fields(settings, OLD_SENDER_FIELDS))
    }

    fn read_sender(&self, r: &Response) -> Result<SenderInfo, AccountError> {
        let body = answer(r)?;
        if !body.is_object() {
            return Err(AccountError::not_documented(NAME, r));
        }
        let text = |key: &str| body.get(key).and_then(Value::as_str).map(str::to_string);
        Ok(SenderInfo {
            status: text("status"),
            quality_rating: text("quality_rating"),
            portfolio_limit: text(PORTFOLIO_LIMIT).as_deref().and_then(MessagingLimit::parse),
            messaging_limit: text("messaging_limit_tier").as_deref().and_then(MessagingLimit::parse),
            display_number: text("display_phone_number"),
            verified_name: text("verified_name"),
        })
    }
}

/// `GET /{Phone-Number-ID}?fields=…` with `fields`.
fn sender_fields(settings: &Settings, fields: &str) -> HttpRequest {
    let url = format!("{}/{}?fields={}", settings.base_url, encode_component(&settings.account), encode_component(fields));
    HttpRequest::get(url, INFO.auth)
}

/// The answer's JSON when it is a success; Meta's error read as a send's would be otherwise,
/// a refused token or permission being a refusal of every read.
fn answer(r: &Response) -> Result<Value, AccountError> {
    let body = r.json();
    if r.is_success() && body.get("error").is_none() {
        return Ok(body);
    }
    let outcome = meta::errors::classify(&body, r)
        .unwrap_or_else(|| by_status(r, ProviderError::new(None, message_or_status(r, None))));
    Err(match outcome {
        Outcome::Stop(error) => AccountError::Refused {
            provider: NAME,
            error,
            needs: "it needs the `whatsapp_business_management` permission",
        },
        Outcome::Retry { error, .. }
        | Outcome::Throttled { error, .. }
        | Outcome::Failed(error)
        | Outcome::Ambiguous(error) => AccountError::Failed { provider: NAME, error },
        Outcome::Accepted { .. } => AccountError::not_documented(NAME, r),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn settings() -> Settings {
        Settings {
            base_url: "https://graph.facebook.com/v23.0".into(),
            account: "106540352242922".into(),
            send_at: None,
            typing: false,
        }
    }

    fn read<T>(status: u16, body: &Value, f: impl Fn(&Response) -> T) -> T {
        let bytes = body.to_string().into_bytes();
        f(&Response { status, retry_after: None, body: &bytes, recipients: 1 })
    }

    #[test]
    fn asks_every_page_of_the_wabas_templates_with_the_bearer_token() {
        let r = Account.templates_request(&settings(), Some("102290129340398"), None).unwrap();
        assert_eq!(r.method, "GET");
        assert_eq!(
            r.url,
            "https://graph.facebook.com/v23.0/102290129340398/message_templates\
             ?fields=name%2Clanguage%2Cstatus%2Ccategory%2Cparameter_format%2Ccomponents&limit=100"
        );
        assert_eq!(r.redacted_headers()["Authorization"], json!("Bearer ***"));
        let next = Account.templates_request(&settings(), Some("102290129340398"), Some("MjQZD")).unwrap();
        assert!(next.url.ends_with("&limit=100&after=MjQZD"), "{}", next.url);
        assert_eq!(Account.templates_request(&settings(), None, None), Err(AccountError::NeedsWabaId));
        assert!(AccountError::NeedsWabaId.to_string().contains("`provider.waba_id`"));
    }

    #[test]
    fn a_page_names_the_next_only_when_meta_says_there_is_one() {
        // The spec's example answer, with Meta's paging.
        let page = |next: bool| {
            let mut paging = json!({"cursors": {"before": "MAZDZD", "after": "MjQZD"}});
            if next {
                paging["next"] = json!("https://graph.facebook.com/v23.0/102290129340398/message_templates?after=MjQZD");
            }
            json!({"data": [{"category": "MARKETING", "components": [{"format": "TEXT", "text": "Hello World"},
                {"text": "Welcome and congratulations!!"}, {"text": "WhatsApp Business API Team"}],
                "id": "1192339204654487", "language": "en_US", "name": "hello_world", "status": "APPROVED"}],
                "paging": paging})
        };
        let first = read(200, &page(true), |r| Account.read_templates(r)).unwrap();
        assert_eq!((first.templates[0].name.as_str(), first.next.as_deref()), ("hello_world", Some("MjQZD")));
        assert_eq!(read(200, &page(false), |r| Account.read_templates(r)).unwrap().next, None);
        let odd = read(200, &json!({"id": "1"}), |r| Account.read_templates(r));
        assert!(matches!(odd, Err(AccountError::NotDocumented { .. })), "{odd:?}");
    }

    #[test]
    fn reads_the_numbers_state_from_the_specs_example() {
        let r = Account.sender_request(&settings()).unwrap();
        assert_eq!(
            r.url,
            "https://graph.facebook.com/v23.0/106540352242922\
             ?fields=status%2Cquality_rating%2Cwhatsapp_business_manager_messaging_limit%2Cmessaging_limit_tier\
             %2Cdisplay_phone_number%2Cverified_name"
        );
        let body = json!({"id": "1234567890123456", "display_phone_number": "+1 631-555-5555",
            "verified_name": "Jasper's Market", "status": "CONNECTED", "quality_rating": "GREEN",
            "whatsapp_business_manager_messaging_limit": "TIER_2K", "messaging_limit_tier": "TIER_1K"});
        let sender = read(200, &body, |r| Account.read_sender(r)).unwrap();
        assert_eq!(sender.portfolio_limit, Some(MessagingLimit { tier: "TIER_2K".into(), per_day: Some(2_000) }));
        assert_eq!(sender.messaging_limit, Some(MessagingLimit { tier: "TIER_1K".into(), per_day: Some(1_000) }));
        assert_eq!(
            (sender.status.as_deref(), sender.quality_rating.as_deref(), sender.display_number.as_deref()),
            (Some("CONNECTED"), Some("GREEN"), Some("+1 631-555-5555"))
        );
        assert_eq!(sender.verified_name.as_deref(), Some("Jasper's Market"));
    }

    #[test]
    fn a_graph_api_refusing_the_portfolio_field_is_asked_again_without_it() {
        let unknown = json!({"error": {"message": "(#100) Tried accessing nonexisting field (whatsapp_business_manager_messaging_limit) on node type (WhatsAppBusinessPhoneNumber)",
            "type": "OAuthException", "code": 100}});
        let refused = read(400, &unknown, |r| Account.read_sender(r)).unwrap_err();
        let again = Account.sender_retry(&settings(), &refused).unwrap();
        assert!(again.url.ends_with("?fields=status%2Cquality_rating%2Cmessaging_limit_tier%2Cdisplay_phone_number%2Cverified_name"), "{}", again.url);
        let other = json!({"error": {"message": "(#100) Invalid parameter", "type": "OAuthException", "code": 100}});
        let refused = read(400, &other, |r| Account.read_sender(r)).unwrap_err();
        assert!(Account.sender_retry(&settings(), &refused).is_none(), "only the portfolio field's refusal");
    }

    #[test]
    fn a_refused_token_is_campaign_wide_with_advice() {
        let expired = json!({"error": {"message": "Error validating access token", "type": "OAuthException",
            "code": 190, "fbtrace_id": "A1"}});
        let e = read(401, &expired, |r| Account.read_templates(r)).unwrap_err();
        assert!(matches!(e, AccountError::Refused { .. }), "{e:?}");
        let words = e.to_string();
        assert!(words.contains("code 190") && words.contains("provider.token_env"), "{words}");
        let unknown = json!({"error": {"message": "Unsupported get request.", "type": "GraphMethodException",
            "code": 100, "error_subcode": 33}});
        let e = read(400, &unknown, |r| Account.read_sender(r)).unwrap_err();
        assert!(matches!(e, AccountError::Failed { .. }), "{e:?}");
    }
}
