//! The poster: each accepted message's planned status events wait in one time-ordered queue
//! (memory grows with the events still to post, not with the audience) and, when due, are
//! posted as the provider posts them ([`crate::providers::StatusWebhook::post`], so the bytes
//! are the provider's) to `URL/webhooks/<provider>`, the route `herald listen` serves — with
//! several URLs, each event to one of them by a hash of its message id and place, as a load
//! balancer spreads posts over listeners, so one message's events may reach different ones: Meta's
//! signed with `X-Hub-Signature-256` from the App Secret, the others carrying the shared
//! secret in `X-Herald-Secret`. At most [`Webhooks::connections`] posts are in flight; a post
//! that fails or is not answered 2xx is retried after a growing pause, as providers retry,
//! and given up on (counted `refused`) after [`RETRIES`] retries.

use super::plan::{Options, plan};
use super::tally::{Tally, Totals};
use crate::cost::Category;
use crate::listen::{SECRET_HEADER, SIGNATURE_HEADER};
use crate::providers::imitation::ids::hash;
use crate::providers::imitation::templates::Templates;
use crate::providers::{ProviderKind, Signing, StatusEvent, signature};
use crate::secret::Secret;
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{Notify, Semaphore, mpsc};
use tokio::task::JoinHandle;
use tokio::time::Instant;

/// Retries of a post before it is given up on.
pub const RETRIES: u32 = 3;

/// The pause before the first retry; each next one doubles it.
const FIRST_RETRY: Duration = Duration::from_millis(200);

/// How long one post may take.
const POST_TIMEOUT: Duration = Duration::from_secs(10);

/// Where and how the sandbox posts receipts.
#[derive(Debug, Clone, PartialEq)]
pub struct Webhooks {
    /// The receivers' base URLs (`http://127.0.0.1:8080`); each post goes to
    /// `URL/webhooks/<provider>` of one of them, chosen per event by a seeded hash.
    pub urls: Vec<String>,
    /// What becomes of messages, and when.
    pub options: Options,
    /// Meta's App Secret, to sign Cloud API posts (`HERALD_CLOUD_API_APP_SECRET`); unsigned
    /// without it.
    pub app_secret: Option<Secret>,
    /// The shared secret the other providers' posts carry (`HERALD_WEBHOOK_SECRET`); none
    /// without it.
    pub shared_secret: Option<Secret>,
    /// Posts in flight at most.
    pub connections: usize,
}

/// Why the poster cannot start.
#[derive(Debug, thiserror::Error)]
pub enum EmitterError {
    /// The HTTP client cannot be built (no TLS configuration).
    #[error("cannot build the HTTP client that posts receipts: {0}")]
    Client(String),
}

/// A client for the posts: rustls with the bundled web roots (a receiver may be behind TLS),
/// no redirects, a timeout.
fn client(connections: usize) -> Result<reqwest::Client, EmitterError> {
    let fail = |e: &dyn std::fmt::Display| EmitterError::Client(e.to_string());
    let mut roots = rustls::RootCertStore::empty();
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let tls = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| fail(&e))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    reqwest::Client::builder()
        .tls_backend_preconfigured(tls)
        .redirect(reqwest::redirect::Policy::none())
        .timeout(POST_TIMEOUT)
        .pool_max_idle_per_host(connections.max(1))
        .user_agent(crate::request::user_agent())
        .build()
        .map_err(|e| fail(&e))
}

/// One event waiting for its time.
#[derive(Debug)]
struct Queued {
    due: Instant,
    /// Arrival order, so equal times keep it.
    seq: u64,
    kind: ProviderKind,
    event: StatusEvent,
    /// Which of [`Webhooks::urls`] it goes to.
    to: usize,
}

impl PartialEq for Queued {
    fn eq(&self, other: &Queued) -> bool {
        (self.due, self.seq) == (other.due, other.seq)
    }
}
impl Eq for Queued {}
impl PartialOrd for Queued {
    fn partial_cmp(&self, other: &Queued) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Queued {
    fn cmp(&self, other: &Queued) -> std::cmp::Ordering {
        (self.due, self.seq).cmp(&(other.due, other.seq))
    }
}

/// A running poster. Dropping it stops posting.
#[derive(Debug)]
pub struct Emitter {
    webhooks: Webhooks,
    queue: mpsc::UnboundedSender<Queued>,
    tally: Arc<Tally>,
    settled: Arc<Notify>,
    task: JoinHandle<()>,
    seq: std::sync::atomic::AtomicU64,
    category: std::sync::OnceLock<Category>,
}

impl Emitter {
    /// Starts posting to `webhooks.urls` (on the current Tokio runtime).
    ///
    /// # Errors
    ///
    /// When the HTTP client cannot be built.
    pub fn start(webhooks: Webhooks) -> Result<Emitter, EmitterError> {
        let client = client(webhooks.connections)?;
        let (queue, incoming) = mpsc::unbounded_channel();
        let tally = Arc::new(Tally::default());
        let settled = Arc::new(Notify::new());
        let poster =
            Arc::new(Poster { client, webhooks: webhooks.clone(), tally: tally.clone(), settled: settled.clone() });
        let task = tokio::spawn(schedule(incoming, poster));
        let seq = std::sync::atomic::AtomicU64::new(0);
        Ok(Emitter { webhooks, queue, tally, settled, task, seq, category: std::sync::OnceLock::new() })
    }

    /// Bills the campaign's template messages the account does not hold as `category`
    /// (`message.category`) in the pricing Meta's statuses carry (one it holds is billed in its
    /// own category); until then (or for a campaign that declares none) they are billed as
    /// marketing. Only the first call counts: one campaign runs in a sandbox.
    pub fn bill_templates_as(&self, category: Category) {
        let _ = self.category.set(category);
    }

    /// Plans the receipts of a message `kind` accepted just now with request `body`, with id
    /// `message_id`, from `account` (whose templates are `templates`), and queues their posts.
    pub fn accepted(
        &self,
        kind: ProviderKind,
        message_id: &str,
        account: Option<&str>,
        body: &serde_json::Value,
        templates: &Templates,
    ) {
        let (now, clock) = (jiff::Timestamp::now(), Instant::now());
        let pricing = super::billing::pricing(kind, body, self.category.get().copied(), templates);
        let plan = plan(kind, message_id, account, now, &self.webhooks.options, pricing.as_ref());
        if plan.ending.is_none() {
            return;
        }
        self.tally.planned(&plan.receipts(), plan.events.len());
        for (place, due) in plan.events.into_iter().enumerate() {
            let after = now.duration_until(due.due).unsigned_abs();
            let seq = self.seq.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let to = self.receiver(message_id, place);
            let queued = Queued { due: clock + after, seq, kind, event: due.event, to };
            if self.queue.send(queued).is_err() {
                // The poster has stopped: the event is not going to be posted.
                self.tally.done(false);
            }
        }
    }

    /// Which receiver the event at `place` among a message's posts goes to: a seeded hash of
    /// the message id and the place, so one message's events spread too.
    fn receiver(&self, message_id: &str, place: usize) -> usize {
        let urls = self.webhooks.urls.len().max(1) as u64;
        let h = hash(self.webhooks.options.seed, &[message_id.as_bytes(), &(place as u64).to_le_bytes()]);
        (h % urls) as usize
    }

    /// Where and how it posts.
    pub fn webhooks(&self) -> &Webhooks {
        &self.webhooks
    }

    /// The totals so far.
    pub fn totals(&self) -> Totals {
        self.tally.totals()
    }

    /// Resolves once every event planned so far has been posted or given up on.
    pub async fn settled(&self) {
        loop {
            let notified = self.settled.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            if self.tally.pending() == 0 {
                return;
            }
            notified.await;
        }
    }
}

impl Drop for Emitter {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// What each post needs.
struct Poster {
    client: reqwest::Client,
    webhooks: Webhooks,
    tally: Arc<Tally>,
    settled: Arc<Notify>,
}

/// Holds queued events until they are due, then posts them, at most
/// [`Webhooks::connections`] at a time.
async fn schedule(mut incoming: mpsc::UnboundedReceiver<Queued>, poster: Arc<Poster>) {
    let mut waiting: BinaryHeap<Reverse<Queued>> = BinaryHeap::new();
    let slots = Arc::new(Semaphore::new(poster.webhooks.connections.max(1)));
    let mut open = true;
    while open || !waiting.is_empty() {
        let next = waiting.peek().map(|Reverse(q)| q.due);
        tokio::select! {
            got = incoming.recv(), if open => match got {
                Some(q) => waiting.push(Reverse(q)),
                None => open = false,
            },
            () = sleep_until(next) => {
                while let Some(q) = pop_due(&mut waiting) {
                    let Ok(slot) = slots.clone().acquire_owned().await else { return };
                    let poster = poster.clone();
                    tokio::spawn(async move {
                        let posted = poster.post(q.kind, &q.event, q.to).await;
                        drop(slot);
                        if poster.tally.done(posted) == 0 {
                            poster.settled.notify_waiters();
                        }
                    });
                }
            }
        }
    }
}

/// The earliest waiting event, if it is due.
fn pop_due(waiting: &mut BinaryHeap<Reverse<Queued>>) -> Option<Queued> {
    let next = waiting.peek_mut().filter(|q| q.0.due <= Instant::now())?;
    Some(std::collections::binary_heap::PeekMut::pop(next).0)
}

/// Sleeps until `at`, or forever when nothing waits.
async fn sleep_until(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

impl Poster {
    /// Posts one event as `kind` posts it to receiver `to`, retrying; whether it was answered
    /// 2xx.
    async fn post(&self, kind: ProviderKind, event: &StatusEvent, to: usize) -> bool {
        let Some(webhook) = kind.provider().status_webhook() else { return false };
        let Some(base) = self.webhooks.urls.get(to) else { return false };
        let body = (webhook.post)(std::slice::from_ref(event));
        let url = format!("{}/webhooks/{}", base.trim_end_matches('/'), kind.as_str());
        let mut request = self.client.post(url).header(reqwest::header::CONTENT_TYPE, "application/json");
        match webhook.signing {
            Signing::Meta => {
                if let Some(secret) = &self.webhooks.app_secret {
                    request = request.header(SIGNATURE_HEADER, signature::sign(secret.expose().as_bytes(), &body));
                }
            }
            Signing::SharedSecret => {
                if let Some(secret) = &self.webhooks.shared_secret {
                    request = request.header(SECRET_HEADER, secret.expose());
                }
            }
        }
        let Some(request) = request.body(body).build().ok() else { return false };
        let mut pause = FIRST_RETRY;
        for retry in 0..=RETRIES {
            let Some(attempt) = request.try_clone() else { return false };
            if self.client.execute(attempt).await.is_ok_and(|r| r.status().is_success()) {
                return true;
            }
            if retry < RETRIES {
                tokio::time::sleep(pause).await;
                pause *= 2;
                self.tally.retry();
            }
        }
        false
    }
}
