//! The sandbox's imitation of the Cloud API account (see [`super::account`]): `GET
//! /{version}/{WABA-ID}/message_templates` lists the account's [`Templates`] in Meta's own shape
//! (the built-in set, or `herald sandbox --templates FILE`'s), [`PAGE`] a page with Meta's
//! `paging` (`cursors`, and `next` while more follow) so paging is exercised whatever `limit`
//! asks; `GET /{version}/{Phone-Number-ID}` answers the number's fields as the spec's example
//! does, with the business portfolio's messaging limit (`TIER_2K`).

use crate::providers::imitation::api::{is_digits, query_param};
use crate::providers::imitation::reply::Reply;
use crate::providers::imitation::templates::Templates;
use serde_json::{Value, json};

/// Templates a page: fewer than any `limit` herald asks, so every listing is paged.
const PAGE: usize = 2;

/// The answer to a read of the account at `path` (after the base path) with `query`, when it
/// is one.
pub(super) fn answer(method: &str, path: &str, query: &str, templates: &Templates) -> Option<Reply> {
    if method != "GET" {
        return None;
    }
    let mut parts = path.strip_prefix('/')?.split('/');
    let (id, edge) = (parts.next()?, parts.next());
    if !is_digits(id) || parts.next().is_some() {
        return None;
    }
    match edge {
        Some("message_templates") => Some(page(id, query, templates.listed())),
        None => Some(Reply::json(200, sender(id))),
        Some(_) => None,
    }
}

/// One page of `all`, from the cursor in `after` (a position, as text).
fn page(waba_id: &str, query: &str, all: &[Value]) -> Reply {
    let start = query_param(query, "after").and_then(|a| a.parse::<usize>().ok()).unwrap_or(0).min(all.len());
    let end = (start + PAGE).min(all.len());
    let mut paging = json!({"cursors": {"before": start.to_string(), "after": end.to_string()}});
    if end < all.len() {
        paging["next"] = json!(format!("https://graph.facebook.com/v23.0/{waba_id}/message_templates?after={end}"));
    }
    Reply::json(200, json!({"data": all[start..end], "paging": paging}))
}

/// The number's fields, as the spec's `verified_account_number` example gives them, with the
/// business portfolio's messaging limit Meta asks to read instead of the deprecated tier.
fn sender(id: &str) -> Value {
    json!({"id": id, "display_phone_number": "+1 631-555-5555", "verified_name": "Herald Sandbox",
           "status": "CONNECTED", "quality_rating": "GREEN",
           "whatsapp_business_manager_messaging_limit": "TIER_2K", "messaging_limit_tier": "TIER_1K"})
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::account::{AccountReader, TemplatePage};
    use crate::providers::{Response, Settings};

    fn read(reply: &Reply) -> TemplatePage {
        let body = reply.json_body().unwrap().to_string().into_bytes();
        super::super::account::Account
            .read_templates(&Response { status: reply.status, retry_after: None, body: &body, recipients: 1 })
            .unwrap()
    }

    #[test]
    fn every_page_followed_gives_every_builtin_template_once() {
        let settings =
            Settings { base_url: "http://sandbox".into(), account: "1".into(), send_at: None, typing: false };
        let (mut names, mut after, mut pages) = (Vec::new(), None, 0);
        loop {
            let r = super::super::account::Account.templates_request(&settings, Some("102"), after.as_deref()).unwrap();
            let (path, query) = r.url.strip_prefix("http://sandbox").unwrap().split_once('?').unwrap();
            let page = read(&answer("GET", path, query, &Templates::built_in()).unwrap());
            names.extend(page.templates.into_iter().map(|t| t.name));
            pages += 1;
            match page.next {
                Some(next) => after = Some(next),
                None => break,
            }
        }
        assert_eq!(names, ["hello_world", "vip_renewal", "order_confirmation", "spring_sale", "winter_sale"]);
        assert_eq!(pages, 3);
        let built_in = Templates::built_in();
        assert!(answer("POST", "/102/message_templates", "", &built_in).is_none());
        assert!(answer("GET", "/102/messages", "", &built_in).is_none());
        let number = answer("GET", "/106540352242922", "fields=status", &built_in).unwrap();
        assert_eq!(number.json_body().unwrap()["whatsapp_business_manager_messaging_limit"], "TIER_2K");
    }
}
