//! Meta's WhatsApp Cloud API: `POST /{version}/{phone_number_id}/messages` with
//! `Authorization: Bearer`. Errors are Graph API errors, `{"error": {message, type, code,
//! fbtrace_id}}`; success is `MessageResponsePayload` with a `wamid`.

use super::api::{Api, Endpoint, bearer, percent_decode};
use super::ids::{Ids, mix};
use super::meta_body;
use super::reply::Reply;
use super::token;
use super::validate::digits_of;
use crate::providers::ProviderKind;
use hyper::HeaderMap;
use serde_json::{Map, Value, json};
use std::sync::atomic::{AtomicU64, Ordering};

/// The Cloud API imitation.
pub(super) struct CloudApi;

/// A Graph API error; `extra` adds `error_data` and the like.
fn graph_error(status: u16, code: u32, message: &str, extra: Value) -> Reply {
    static TRACE: AtomicU64 = AtomicU64::new(1);
    let mut error = Map::new();
    error.insert("message".into(), message.into());
    error.insert("type".into(), "OAuthException".into());
    error.insert("code".into(), code.into());
    if let Value::Object(extra) = extra {
        error.extend(extra);
    }
    let trace = format!("A{:016X}", mix(TRACE.fetch_add(1, Ordering::Relaxed)));
    error.insert("fbtrace_id".into(), trace.into());
    Reply::json(status, json!({ "error": error }))
}

impl Api for CloudApi {
    fn kind(&self) -> ProviderKind {
        ProviderKind::CloudApi
    }

    fn base_path(&self) -> &'static str {
        "/v23.0"
    }

    fn route(&self, path: &str, _query: &str) -> Option<Endpoint> {
        let mut parts = path.strip_prefix('/')?.split('/');
        let (version, id, messages) = (parts.next()?, parts.next()?, parts.next()?);
        let version_ok = version.strip_prefix('v').is_some_and(|v| {
            v.split_once('.').is_some_and(|(a, b)| super::validate::is_digits(a) && super::validate::is_digits(b))
        });
        (version_ok && !id.is_empty() && messages == "messages" && parts.next().is_none())
            .then(|| Endpoint { name: "messages", account: percent_decode(id) })
    }

    fn authorize(&self, headers: &HeaderMap, reject: bool) -> Result<(), Reply> {
        match bearer(headers) {
            Some(key) if !reject && key == token(self.kind()) => Ok(()),
            _ => Err(graph_error(401, 190, "Invalid OAuth access token.", Value::Null)),
        }
    }

    fn not_found(&self, _method: &str, path: &str) -> Reply {
        graph_error(404, 2500, &format!("Unknown path components: {path}"), Value::Null)
    }

    fn malformed(&self, why: &str) -> Reply {
        graph_error(400, 100, &format!("(#100) {why}"), Value::Null)
    }

    fn server_error(&self) -> Reply {
        graph_error(500, 1, "An unknown error occurred", json!({ "is_transient": true }))
    }

    fn throttled(&self) -> Reply {
        let data = json!({
            "error_data": { "messaging_product": "whatsapp", "details": "Cloud API message throughput has been reached." }
        });
        graph_error(429, 130_429, "(#130429) Rate limit hit", data)
    }

    fn recipient(&self, _: &Endpoint, body: &Value) -> String {
        body.get("to").and_then(Value::as_str).unwrap_or_default().to_string()
    }

    fn validate(&self, _: &Endpoint, body: &Value) -> Result<(), Reply> {
        match meta_body::problems(body).first() {
            None => Ok(()),
            Some(problem) => {
                let details = problem.sentence(|p| p.bracketed());
                let data = json!({ "error_data": { "messaging_product": "whatsapp", "details": details } });
                Err(graph_error(400, 100, &meta_body::message(problem), data))
            }
        }
    }

    fn accept(&self, _: &Endpoint, body: &Value, ids: &Ids) -> (Reply, Option<String>) {
        let to = body.get("to").and_then(Value::as_str).unwrap_or_default();
        let id = ids.wamid();
        let answer = json!({
            "messaging_product": "whatsapp",
            "contacts": [{ "input": to, "wa_id": digits_of(to) }],
            "messages": [{ "id": id, "message_status": "accepted" }],
        });
        (Reply::json(200, answer), Some(id))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_versions_and_error_shapes() {
        assert_eq!(CloudApi.route("/v23.0/106540352242922/messages", "").unwrap().account, "106540352242922");
        assert!(CloudApi.route("/v23.0/106540352242922/messages/x", "").is_none());
        assert!(CloudApi.route("/latest/1/messages", "").is_none());
        let reply = CloudApi.throttled();
        let error = &reply.json_body().unwrap()["error"];
        assert_eq!(
            (reply.status, error["code"].clone(), error["type"].clone()),
            (429, json!(130429), json!("OAuthException"))
        );
        assert!(error["fbtrace_id"].as_str().unwrap().starts_with('A'));
        let reply = CloudApi.validate(&Endpoint::bare("messages"), &json!({ "to": "1" })).unwrap_err();
        assert_eq!(reply.json_body().unwrap()["error"]["code"], 100);
    }
}
