//! The sandbox's Dummy: `POST /inboxes/{inbox}/send` with `X-Dummy-Key`; every error is
//! `{"ok": false, "error": "…"}`.

use crate::providers::contract::Violation;
use crate::providers::imitation::api::{Api, Endpoint, key_matches, percent_decode};
use crate::providers::imitation::ids::Ids;
use crate::providers::imitation::plain::sentence;
use crate::providers::imitation::reply::Reply;
use hyper::HeaderMap;
use serde_json::{Value, json};

/// The Dummy imitation.
pub(crate) struct Dummy;

fn error(status: u16, message: &str) -> Reply {
    Reply::json(status, json!({ "ok": false, "error": message }))
}

impl Api for Dummy {
    fn token(&self) -> &'static str {
        "sandbox-dummy-key"
    }

    fn route(&self, path: &str, _query: &str) -> Option<Endpoint> {
        let inbox = path.strip_prefix("/inboxes/")?.strip_suffix("/send")?;
        (!inbox.is_empty() && !inbox.contains('/')).then(|| Endpoint { name: "send", account: percent_decode(inbox) })
    }

    fn authorize(&self, headers: &HeaderMap, reject: bool) -> Result<(), Reply> {
        match !reject && key_matches(headers, "x-dummy-key", self.token()) {
            true => Ok(()),
            false => Err(error(401, "bad key")),
        }
    }

    fn not_found(&self, method: &str, path: &str) -> Reply {
        error(404, &format!("no route {method} {path}"))
    }

    fn malformed(&self, why: &str) -> Reply {
        error(400, why)
    }

    fn server_error(&self) -> Reply {
        error(500, "boom")
    }

    fn throttled(&self) -> Reply {
        error(429, "slow down")
    }

    fn refused(&self, recipient: &str) -> Reply {
        error(400, &format!("{recipient} has no inbox"))
    }

    fn recipient(&self, _: &Endpoint, body: &Value) -> String {
        body.get("to").and_then(Value::as_str).unwrap_or_default().to_string()
    }

    fn invalid(&self, _: &Endpoint, violations: &[Violation]) -> Reply {
        match violations.first() {
            Some(first) => error(400, &sentence(first)),
            None => self.malformed("invalid body"),
        }
    }

    fn accept(&self, _: &Endpoint, _: &Value, ids: &Ids) -> (Reply, Option<String>) {
        let id = ids.uuid();
        (Reply::json(200, json!({ "ok": true, "id": id })), Some(id))
    }
}
