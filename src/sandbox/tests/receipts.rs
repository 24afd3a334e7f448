//! The sandbox's receipts over loopback, into a real [`crate::listen::Listener`] storing in
//! memory: every provider that reports statuses posts them in its own shape (Meta's signed),
//! the events read back fold to exactly the truth the sandbox planned, posts spread over
//! several receivers as a load balancer spreads them, and a receiver that refuses a post has
//! it retried, then counted refused.

use super::*;
use crate::listen::{Keys, Listener, Sink, SinkError, Stored};
use crate::providers::{StatusEvent, correlation};
use crate::receipts::{Delivery, Funnel, Receipts};
use crate::sandbox::receipts::{Options, Webhooks};
use crate::secret::Secret;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

/// Keeps every event it is given, by provider.
#[derive(Clone, Default)]
struct Memory(Arc<Mutex<Vec<(&'static str, StatusEvent)>>>);

impl Sink for Memory {
    async fn store(&self, provider: ProviderKind, events: Vec<StatusEvent>) -> Result<Stored, SinkError> {
        let n = events.len();
        self.0.lock().unwrap().extend(events.into_iter().map(|e| (provider.as_str(), e)));
        Ok(Stored { new: n, ..Stored::default() })
    }
}

/// A listener on loopback with Meta's App Secret `app_secret` and the shared secret `s3cret`.
async fn listener(app_secret: &str, sink: Memory) -> Listener {
    let keys = Keys {
        meta_app_secret: Some(Secret::new(app_secret)),
        meta_verify_token: Some(Secret::new("verify-me")),
        shared: Some(Secret::new("s3cret")),
    };
    let socket = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    Listener::start(socket, keys, sink).unwrap()
}

/// A sandbox posting receipts to `listeners`, signing Meta's with `app_secret`.
async fn sandbox_posting_to(listeners: &[&Listener], app_secret: &str, options: Options) -> Sandbox {
    let webhooks = Webhooks {
        urls: listeners.iter().map(|l| format!("http://{}/", l.addr())).collect(),
        options,
        app_secret: Some(Secret::new(app_secret)),
        shared_secret: Some(Secret::new("s3cret")),
        connections: 8,
    };
    start(Config { receipts: Some(webhooks), ..Config::default() }).await
}

/// Sends `n` text messages through `kind`, each to its own number, as herald builds them
/// (Communiktor's with herald's id in `metadata`).
async fn send_texts(sandbox: &Sandbox, kind: ProviderKind, n: usize) {
    let client = client();
    for i in 0..n {
        let target = Target::Phone(crate::phone::Phone::from_e164_unchecked(format!("+2547120{i:05}")));
        let metadata = correlation::tag(kind, "receipts-test", &target.to_string(), None, &mut Vec::new());
        let message = Message::Text { body: "Hello from herald".into(), preview_url: Some(false) };
        let outgoing = Outgoing { message, metadata, reply_to: None, mentions: crate::providers::Mentions::default() };
        let settings = Settings {
            base_url: sandbox.base_url(kind),
            account: kind.fixture().account().into(),
            send_at: None,
            typing: false,
        };
        let request = kind.provider().request(&settings, &target, &outgoing).expect("supported");
        let (status, _, body) = send(&client, kind, &request).await;
        assert!((200..300).contains(&status), "{kind}: {status} {body}");
    }
}

/// Waits until every planned event was posted or given up on.
async fn settled(sandbox: &Sandbox) {
    let emitter = sandbox.receipts().expect("receipts are on");
    tokio::time::timeout(Duration::from_secs(30), emitter.settled()).await.expect("every receipt posted in time");
}

#[tokio::test]
async fn every_provider_s_receipts_reach_a_listener_and_fold_to_the_planned_truth() {
    let sink = Memory::default();
    let listener = listener("app-secret", sink.clone()).await;
    let options = Options {
        seed: 3,
        delay: Duration::from_millis(20),
        read_rate: 0.6,
        async_fail_rate: 0.2,
        duplicate_rate: 0.2,
        reorder: true,
    };
    let sandbox = sandbox_posting_to(&[&listener], "app-secret", options).await;
    for &kind in ProviderKind::ALL {
        send_texts(&sandbox, kind, 40).await;
    }
    settled(&sandbox).await;
    let totals = sandbox.receipts().unwrap().totals();
    let stored = sink.0.lock().unwrap().clone();
    assert_eq!((totals.posted, totals.refused, totals.pending), (stored.len() as u64, 0, 0));
    // What the listener read, folded per message as the journal folds it.
    let mut messages: BTreeMap<(&str, String), Receipts> = BTreeMap::new();
    for (provider, e) in &stored {
        let r = messages.entry((*provider, e.message_id.clone())).or_default();
        let delivery = match e.status {
            crate::providers::MessageStatus::Sent => continue,
            crate::providers::MessageStatus::Delivered => Delivery::Delivered,
            crate::providers::MessageStatus::Read => Delivery::Read,
            crate::providers::MessageStatus::Failed => Delivery::Failed,
        };
        let error = e.error.as_ref();
        r.add(delivery, e.at.unwrap(), error.and_then(|e| e.code.as_deref()), error.map(|e| e.message.as_str()));
    }
    let mut read_back = Funnel::default();
    messages.values().for_each(|r| read_back.add(Some(r)));
    assert_eq!(read_back, totals.planned, "the listener's funnel is the sandbox's truth");
    assert_eq!(totals.planned.accepted, 4 * 40, "Communiktor, Evolution, FlowIQ and the Cloud API report statuses");
    assert!(read_back.failures.contains_key("131026") || read_back.failures.contains_key("131049"));
    let providers: std::collections::BTreeSet<&str> = stored.iter().map(|(p, _)| *p).collect();
    assert_eq!(providers.into_iter().collect::<Vec<_>>(), ["cloud_api", "communiktor", "evolution", "flowiq"]);
    let distinct: std::collections::HashSet<_> =
        stored.iter().map(|(p, e)| (*p, e.message_id.clone(), e.status as u8)).collect();
    assert!(stored.len() > distinct.len(), "some events came twice");
    // Communiktor's are matched by herald's id, as herald recorded it.
    let ours = correlation::id("receipts-test", "+254712000000");
    assert!(stored.iter().any(|(p, e)| *p == "communiktor" && e.message_id == ours));
    // The totals are served too.
    let served: Value =
        client().get(format!("http://{}/_receipts", sandbox.addr())).send().await.unwrap().json().await.unwrap();
    assert_eq!(served, totals.to_json());
    assert_eq!(served["planned"]["accepted"], 160);
    let stats: Value =
        client().get(format!("http://{}/_stats", sandbox.addr())).send().await.unwrap().json().await.unwrap();
    assert_eq!(stats["receipts"], served);
    sandbox.shutdown().await;
}

#[tokio::test]
async fn posts_spread_over_several_receivers_event_by_event() {
    let (one, two) = (Memory::default(), Memory::default());
    let (first, second) = (listener("app-secret", one.clone()).await, listener("app-secret", two.clone()).await);
    let options = Options { delay: Duration::from_millis(10), duplicate_rate: 0.0, ..Options::default() };
    let sandbox = sandbox_posting_to(&[&first, &second], "app-secret", options).await;
    send_texts(&sandbox, kind_named("cloud_api"), 60).await;
    settled(&sandbox).await;
    let totals = sandbox.receipts().unwrap().totals();
    let (one, two) = (one.0.lock().unwrap().clone(), two.0.lock().unwrap().clone());
    assert_eq!((totals.posted, totals.refused), ((one.len() + two.len()) as u64, 0));
    assert!(one.len() > 20 && two.len() > 20, "posts were not spread: {} and {}", one.len(), two.len());
    // Event by event: some messages have events at both receivers.
    let ids = |events: &[(&str, StatusEvent)]| -> std::collections::HashSet<String> {
        events.iter().map(|(_, e)| e.message_id.clone()).collect()
    };
    assert!(ids(&one).intersection(&ids(&two)).next().is_some(), "each message kept to one receiver");
    sandbox.shutdown().await;
}

#[tokio::test]
async fn posts_a_receiver_refuses_are_retried_then_counted_refused() {
    // The listener knows another App Secret: Meta's signatures do not verify.
    let sink = Memory::default();
    let listener = listener("another-secret", sink.clone()).await;
    let options = Options { delay: Duration::ZERO, duplicate_rate: 0.0, ..Options::default() };
    let sandbox = sandbox_posting_to(&[&listener], "app-secret", options).await;
    send_texts(&sandbox, kind_named("cloud_api"), 2).await;
    send_texts(&sandbox, kind_named("evolution"), 1).await;
    settled(&sandbox).await;
    let totals = sandbox.receipts().unwrap().totals();
    let stored = sink.0.lock().unwrap().clone();
    assert!(stored.iter().all(|(p, _)| *p == "evolution"), "no unsigned post was stored: {stored:?}");
    assert_eq!(totals.posted, stored.len() as u64);
    assert!(totals.refused >= 4, "each Meta message has `sent` and an ending: {totals:?}");
    sandbox.shutdown().await;
}

#[tokio::test]
async fn without_webhooks_there_are_no_receipts() {
    let sandbox = start(Config::default()).await;
    assert!(sandbox.receipts().is_none());
    let response = client().get(format!("http://{}/_receipts", sandbox.addr())).send().await.unwrap();
    assert_eq!(response.status().as_u16(), 404);
    sandbox.shutdown().await;
}

fn kind_named(id: &str) -> ProviderKind {
    crate::providers::testing::kind(id)
}
