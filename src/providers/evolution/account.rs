//! Evolution API's account, read: `GET /template/find/{instance}` (v2 source, 2.3.6:
//! `template.router.ts`, `TemplateService.find`). On a Cloud-API instance Evolution asks Meta for
//! `GET /{businessId}/message_templates` with the instance's token and answers `200` with the
//! `data` array of Meta's answer: the first page only, as it follows no `paging` and asks no
//! `limit` (Graph API's default page is 25), so a full page may leave templates out. When Meta
//! refuses (a WhatsApp-Web instance has no business account to ask for), the array it would
//! pass on does not exist and the answer is `200` with an empty body. Errors before Meta: `401`
//! for the key, `404` for an instance that does not exist (its global error shape), `400` with
//! `{message, details: {whatsapp_code, …}}` for anything thrown on the way. Evolution documents
//! no read of the sender's state.

use super::super::account::{AccountError, AccountReader, SenderInfo, TemplatePage};
use super::super::meta;
use super::super::outcome::{ProviderError, Response, message_or_status};
use super::super::{Settings, encode_component};
use super::{INFO, NAME, evolution_messages};
use crate::request::HttpRequest;
use serde_json::Value;

/// Evolution API's account reader.
pub(super) struct Account;

/// Graph API's default page, all Evolution passes on: a list this long may have been cut.
const META_DEFAULT_PAGE: usize = 25;

/// Why a full first page may not be the whole list.
const FIRST_PAGE_ONLY: &str = "Evolution API passes on only the first page of Meta's list (25 templates); the rest are not shown, and `herald templates` on the Cloud API itself reads every page";

impl AccountReader for Account {
    fn templates_request(
        &self,
        settings: &Settings,
        _waba_id: Option<&str>,
        _after: Option<&str>,
    ) -> Result<HttpRequest, AccountError> {
        let url = format!("{}/template/find/{}", settings.base_url, encode_component(&settings.account));
        Ok(HttpRequest::get(url, INFO.auth))
    }

    fn read_templates(&self, r: &Response) -> Result<TemplatePage, AccountError> {
        if r.is_success() && r.body.iter().all(u8::is_ascii_whitespace) {
            let words = "an empty answer: Meta refused the instance's template list (only instances connected to the Cloud API have templates; check the instance's token and business id)";
            return Err(AccountError::Failed { provider: NAME, error: ProviderError::new(None, words) });
        }
        let body = r.json();
        if !r.is_success() {
            return Err(refusal(r, &body));
        }
        let data = body.as_array().ok_or_else(|| AccountError::not_documented(NAME, r))?;
        let partial = (data.len() >= META_DEFAULT_PAGE).then_some(FIRST_PAGE_ONLY);
        Ok(TemplatePage { templates: data.iter().filter_map(meta::templates::template).collect(), next: None, partial })
    }

    fn read_sender(&self, r: &Response) -> Result<SenderInfo, AccountError> {
        Err(AccountError::not_documented(NAME, r))
    }
}

/// A refusal: the key (`401`) refuses every read; anything else in Evolution's words, with
/// Meta's code when it relays one.
fn refusal(r: &Response, body: &Value) -> AccountError {
    let relayed = body.get("details").filter(|d| d.get("whatsapp_code").is_some());
    let code = relayed.and_then(|d| match d.get("whatsapp_code") {
        Some(Value::Number(n)) => Some(n.to_string()),
        Some(Value::String(s)) => Some(s.clone()),
        _ => None,
    });
    let words = match body.get("message").and_then(Value::as_str) {
        Some(m) if relayed.is_some() => m.to_string(),
        _ => {
            let messages = evolution_messages(body);
            message_or_status(r, (!messages.is_empty()).then(|| messages.join("; ")))
        }
    };
    let error = ProviderError::new(code, words);
    match r.status {
        401 | 403 => AccountError::Refused {
            provider: NAME,
            error,
            needs: "it holds the instance's key or the server's global API key",
        },
        _ => AccountError::Failed { provider: NAME, error },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn read(status: u16, body: &str) -> Result<TemplatePage, AccountError> {
        Account.read_templates(&Response { status, retry_after: None, body: body.as_bytes(), recipients: 1 })
    }

    #[test]
    fn asks_the_instance_s_route_with_the_key() {
        let settings =
            Settings { base_url: "http://evo.example".into(), account: "my shop".into(), send_at: None, typing: false };
        let r = Account.templates_request(&settings, None, None).unwrap();
        assert_eq!(r.url, "http://evo.example/template/find/my%20shop");
        assert_eq!(r.method, "GET");
        assert_eq!(r.headers[0].name, "apikey");
        assert!(Account.sender_request(&settings).is_none());
    }

    #[test]
    fn reads_meta_s_data_array_and_says_when_a_full_page_may_be_cut() {
        let one = json!([{"name": "promo", "language": "en", "status": "APPROVED", "category": "MARKETING",
                          "components": [{"type": "BODY", "text": "Hi {{1}}"}]}]);
        let page = read(200, &one.to_string()).unwrap();
        assert_eq!((page.templates.len(), page.next, page.partial), (1, None, None));
        assert_eq!(page.templates[0].body.as_ref().unwrap().params.len(), 1);
        let full: Vec<Value> = (0..25).map(|i| json!({"name": format!("t{i}"), "language": "en", "status": "APPROVED"})).collect();
        assert_eq!(read(200, &Value::from(full).to_string()).unwrap().partial, Some(FIRST_PAGE_ONLY));
        assert!(matches!(read(200, "{\"data\": []}"), Err(AccountError::NotDocumented { .. })));
    }

    #[test]
    fn refusals_in_evolution_s_words_and_meta_s_code() {
        let e = read(200, "").unwrap_err().to_string();
        assert!(e.starts_with("Evolution API could not show the account (an empty answer: Meta refused"), "{e}");
        let key = json!({"status": 401, "error": "Unauthorized", "response": {"message": "Unauthorized"}});
        assert!(matches!(read(401, &key.to_string()), Err(AccountError::Refused { .. })));
        let missing = json!({"status": 404, "error": "Not Found", "response": {"message": ["The \"shop\" instance does not exist"]}});
        assert_eq!(
            read(404, &missing.to_string()).unwrap_err().to_string(),
            "Evolution API could not show the account (The \"shop\" instance does not exist)"
        );
        let relayed = json!({"status": 400, "error": "Bad Request", "message": "Invalid OAuth access token.",
                             "details": {"whatsapp_error": "Invalid OAuth access token.", "whatsapp_code": 190,
                                         "context": "template_find", "type": "whatsapp_api_error"}});
        assert_eq!(
            read(400, &relayed.to_string()).unwrap_err().to_string(),
            "Evolution API could not show the account (code 190: Invalid OAuth access token.)"
        );
    }
}
