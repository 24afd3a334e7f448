//! Status polls, answered as the provider would (Evolution's `findStatusMessage`, the Cloud
//! API's `message_history`): with the events the receipt planner ([`super::receipts::plan()`])
//! has happen to that message by now, so `herald track` against the sandbox reads the same
//! story its webhooks tell. Each message a polling provider accepts is remembered by a hash of
//! its id, with its time in milliseconds (16 bytes, about 40 with the map's own: a million
//! messages take some 40 MB); a message the sandbox never accepted has no events.

use super::receipts::{self, Options};
use crate::providers::ProviderKind;
use crate::providers::imitation::ids::hash;
use jiff::Timestamp;
use serde_json::Value;
use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};

/// What the sandbox knows to answer polls.
#[derive(Debug)]
pub(super) struct Polls {
    options: Options,
    /// Each accepted message of a provider with a status poll, by [`Polls::key`]: when, in
    /// milliseconds since the Unix epoch.
    accepted: Mutex<HashMap<u64, i64>>,
}

impl Polls {
    /// Polls answered with receipts planned by `options`.
    pub(super) fn new(options: Options) -> Polls {
        Polls { options, accepted: Mutex::new(HashMap::new()) }
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<u64, i64>> {
        self.accepted.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A message's key: its provider and id, hashed (ids are unique within a run, and the
    /// planner's draws depend on nothing else).
    fn key(&self, kind: ProviderKind, message_id: &str) -> u64 {
        hash(self.options.seed, &[b"poll", kind.as_str().as_bytes(), message_id.as_bytes()])
    }

    /// Notes that `kind` accepted `message_id` at `at`, when `kind` can be polled.
    pub(super) fn accepted(&self, kind: ProviderKind, message_id: &str, at: Timestamp) {
        if kind.provider().status_poll().is_some() {
            let key = self.key(kind, message_id);
            self.lock().insert(key, at.as_millisecond());
        }
    }

    /// The message id a request to `kind` asks about (its method, path after the base URL,
    /// query and body), when it is a status poll.
    pub(super) fn asked(&self, kind: ProviderKind, request: (&str, &str, &str, &[u8])) -> Option<String> {
        let (method, path, query, body) = request;
        (kind.provider().status_poll()?.asked)(method, path, query, body)
    }

    /// The provider's answer to a poll for `message_id` as of `now` (empty for a message
    /// `kind` cannot be polled for, or never accepted).
    pub(super) fn answer(&self, kind: ProviderKind, message_id: &str, now: Timestamp) -> Value {
        let Some(poll) = kind.provider().status_poll() else { return Value::Null };
        let known = self.lock().get(&self.key(kind, message_id)).copied();
        let events: Vec<_> = match known.and_then(|ms| Timestamp::from_millisecond(ms).ok()) {
            // The answers name no account, so the plan is made without one.
            Some(at) => receipts::plan(kind, message_id, None, at, &self.options, None)
                .events
                .into_iter()
                .filter(|d| d.due <= now)
                .map(|d| d.event)
                .collect(),
            None => Vec::new(),
        };
        serde_json::from_slice(&(poll.answer)(message_id, &events)).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::{MessageStatus, Polled, Response};
    use std::time::Duration;

    fn statuses(polls: &Polls, kind: ProviderKind, id: &str, now: Timestamp) -> Vec<MessageStatus> {
        let poll = kind.provider().status_poll().unwrap();
        let settings = crate::providers::Settings {
            base_url: "http://sandbox".into(),
            account: "106540352242922".into(),
            send_at: None,
            typing: false,
        };
        let request = (poll.request)(&settings, id);
        let (path, query) = request
            .url
            .strip_prefix("http://sandbox")
            .unwrap()
            .split_once('?')
            .unwrap_or((request.url.strip_prefix("http://sandbox").unwrap(), ""));
        let body = if request.body.is_null() { Vec::new() } else { request.body.to_string().into_bytes() };
        let asked = polls.asked(kind, (request.method, path, query, &body)).expect("a poll");
        let answer = polls.answer(kind, &asked, now).to_string().into_bytes();
        match (poll.read)(id, &Response { status: 200, retry_after: None, body: &answer, recipients: 1 }) {
            Polled::Events(events) => events.into_iter().map(|e| e.status).collect(),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_poll_reads_what_the_plan_has_happen_by_now() {
        let options =
            Options { delay: Duration::from_secs(10), read_rate: 1.0, async_fail_rate: 0.0, ..Options::default() };
        let polls = Polls::new(options.clone());
        let accepted: Timestamp = "2026-12-05T10:00:00Z".parse().unwrap();
        for provider in ["cloud_api", "evolution"] {
            let kind = ProviderKind::named(provider).unwrap();
            polls.accepted(kind, "M1", accepted);
            let plan = receipts::plan(kind, "M1", Some("106540352242922"), accepted, &options, None);
            let last = plan.events.last().unwrap().due;
            assert_eq!(statuses(&polls, kind, "M1", accepted), [], "{provider}: nothing at once");
            let all = statuses(&polls, kind, "M1", last);
            let planned: Vec<MessageStatus> = plan.events.iter().map(|d| d.event.status).collect();
            assert_eq!(all, planned, "{provider}: everything once due");
            assert!(all.contains(&MessageStatus::Read));
            assert_eq!(statuses(&polls, kind, "NEVER-ACCEPTED", last), [], "{provider}");
        }
        let flowiq = ProviderKind::named("flowiq").unwrap();
        polls.accepted(flowiq, "M1", accepted);
        assert_eq!(polls.lock().len(), 2, "no poll, nothing kept");
        assert_eq!(polls.asked(flowiq, ("GET", "/x", "", b"")), None);
    }
}
