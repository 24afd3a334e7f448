//! The built-in sandbox: a stand-in for all six providers' send endpoints on `127.0.0.1`.
//!
//! It lets a new user run the whole product with no provider account, and gives herald's
//! integration tests a realistic server that can misbehave on purpose. Each provider lives
//! under its own prefix followed by its real path (`/cloud_api/v23.0/{phone_number_id}/messages`,
//! `/evolution/message/sendText/{instance}`, …). Like the real APIs it checks the auth header,
//! checks the body against the endpoint's contract (the JSON Schema written from the provider's
//! docs, [`crate::providers::contract`]) and refuses what breaks it in that provider's error
//! shape and words, answers success with the documented success body, and records what it
//! accepted.
//!
//! Faults are injected per [`Config`]: 500s and 429s (not processed), dropped or held
//! connections (accepted first), deterministic "first N attempts" failures per recipient, a
//! fixed latency, and refused credentials. Random faults are seeded and keyed by recipient and
//! attempt number, so a run is reproducible however requests interleave.

mod faults;
mod latency;
mod ledger;
mod polls;
pub mod receipts;
mod serve;
mod server;
pub mod templates_file;
mod throughput;

pub use crate::providers::imitation::templates::Templates;
pub use crate::providers::imitation::token;
pub use latency::{Latency, LatencyError};
pub use ledger::{Accepted, Attempt, Stats};
pub use serve::serve_forever;
pub use throughput::{Throughput, ThroughputError};

use crate::providers::ProviderKind;
use crate::providers::imitation::{api, ids};
use server::Shared;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::AtomicU64;
use std::time::Instant;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// How the sandbox behaves. Rates are shares of requests in `0.0..=1.0`.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// Port on `127.0.0.1`; 0 picks any free port.
    pub port: u16,
    /// Share answered 500 without being processed (nothing recorded).
    pub fail_rate: f64,
    /// Share answered 429 with `Retry-After: retry_after_secs` without being processed.
    pub throttle_rate: f64,
    /// The `Retry-After` value on injected 429s, in seconds.
    pub retry_after_secs: u64,
    /// The throughput each provider account is held to; requests above it get the provider's
    /// throttling answer with `Retry-After` saying when the next one passes.
    pub throughput: Throughput,
    /// The delay before answering every request: fixed, or drawn seeded from a long tail.
    pub latency: Latency,
    /// Share accepted and recorded, then cut off: the connection closes without a response.
    pub drop_rate: f64,
    /// Share accepted and recorded, then never answered (held until shutdown).
    pub hang_rate: f64,
    /// Each recipient's first N attempts get a 500 (not processed).
    pub fail_first: u32,
    /// Each recipient's next N attempts, after `fail_first`, get a 429 with `Retry-After`.
    pub throttle_first: u32,
    /// Answer every request with the provider's authentication error.
    pub reject_auth: bool,
    /// Share of recipients refused for good in the provider's own words (Meta 131026, a number
    /// not on WhatsApp, …), on every attempt.
    pub refuse_rate: f64,
    /// Seeds the random faults and the message ids, so runs repeat.
    pub seed: u64,
    /// Append each accepted message to this file as one JSON line ([`Accepted`]).
    pub record: Option<PathBuf>,
    /// Keep every accepted message and attempt in memory, for [`Sandbox::accepted`] and
    /// [`Sandbox::attempts`]. Off for long runs, which keep counts (and the record file) only.
    pub retain: bool,
    /// Answer every request on a provider's route with that provider's success, checking and
    /// recording nothing: a sink for benchmarks.
    pub canned: bool,
    /// Post each accepted message's status events (delivered, read, failed) to a receiver, as
    /// the provider would ([`receipts`]); `None`: no receipts.
    pub receipts: Option<receipts::Webhooks>,
    /// What becomes of accepted messages, for answering status polls (`herald track`): the
    /// options of `receipts` when it posts them too, so polls and posts tell one story.
    pub polls: receipts::Options,
    /// The templates the imitated account holds (listed, and template sends checked against
    /// them): the built-in set, or a file's ([`templates_file::load`]).
    pub templates: Arc<Templates>,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            port: 0,
            fail_rate: 0.0,
            throttle_rate: 0.0,
            retry_after_secs: 1,
            throughput: Throughput::Unlimited,
            latency: Latency::default(),
            drop_rate: 0.0,
            hang_rate: 0.0,
            fail_first: 0,
            throttle_first: 0,
            reject_auth: false,
            refuse_rate: 0.0,
            seed: 0,
            record: None,
            retain: true,
            canned: false,
            receipts: None,
            polls: receipts::Options::default(),
            templates: Arc::new(Templates::built_in()),
        }
    }
}

/// A running sandbox. Dropping it stops the server in the background (the record file is
/// flushed when the last connection has closed); [`Sandbox::shutdown`] stops it and waits.
#[derive(Debug)]
pub struct Sandbox {
    addr: SocketAddr,
    stop: watch::Sender<bool>,
    server: Option<JoinHandle<()>>,
    shared: Arc<Shared>,
}

impl Sandbox {
    /// Binds `127.0.0.1:config.port` and starts serving in the background.
    ///
    /// # Errors
    ///
    /// When the port cannot be bound, the record file cannot be opened for appending, or the
    /// client posting receipts cannot be built.
    pub async fn start(config: Config) -> std::io::Result<Sandbox> {
        let ledger = ledger::Ledger::new(config.record.as_deref(), config.retain)?;
        let poll_options = config.receipts.as_ref().map_or_else(|| config.polls.clone(), |w| w.options.clone());
        let receipts =
            config.receipts.clone().map(receipts::Emitter::start).transpose().map_err(std::io::Error::other)?;
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, config.port)).await?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared {
            started: Instant::now(),
            latency: config.latency,
            seed: config.seed,
            answered: AtomicU64::new(0),
            retry_after_secs: config.retry_after_secs,
            reject_auth: config.reject_auth,
            canned: config.canned,
            faults: faults::Faults::new(&config),
            buckets: throughput::Buckets::new(config.throughput),
            ids: ids::Ids::new(config.seed),
            ledger,
            receipts,
            polls: polls::Polls::new(poll_options),
            templates: config.templates,
        });
        let (stop, stopped) = watch::channel(false);
        let server = tokio::spawn(server::accept_loop(listener, shared.clone(), stopped));
        Ok(Sandbox { addr, stop, server: Some(server), shared })
    }

    /// The address the sandbox listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The `base_url` a campaign of this kind uses to reach the sandbox, e.g.
    /// `http://127.0.0.1:PORT/cloud_api/v23.0`.
    pub fn base_url(&self, kind: ProviderKind) -> String {
        base_url_at(self.addr, kind)
    }

    /// The templates its account holds.
    pub fn templates(&self) -> &Templates {
        &self.shared.templates
    }

    /// Counts so far.
    pub fn stats(&self) -> Stats {
        self.shared.ledger.stats()
    }

    /// The receipts poster, when [`Config::receipts`] asked for one: its totals, and
    /// [`receipts::Emitter::settled`] to wait until every planned event was posted.
    pub fn receipts(&self) -> Option<&receipts::Emitter> {
        self.shared.receipts.as_ref()
    }

    /// Whether the receipts poster has posted (or given up on) every event it planned so far;
    /// true without one. A closure of its own, for a wait that outlives this borrow.
    pub fn receipts_settled(&self) -> Arc<dyn Fn() -> bool + Send + Sync> {
        let shared = self.shared.clone();
        Arc::new(move || shared.receipts.as_ref().is_none_or(|e| e.totals().pending == 0))
    }

    /// Every accepted message, in order.
    pub fn accepted(&self) -> Vec<Accepted> {
        self.shared.ledger.accepted()
    }

    /// Every request that reached a provider's endpoint, accepted or not, in order of
    /// completion, with its arrival time (for checking retry timing).
    pub fn attempts(&self) -> Vec<Attempt> {
        self.shared.ledger.attempts()
    }

    /// Stops accepting connections, ends held and open connections, waits for the server to
    /// finish and flushes the record file.
    pub async fn shutdown(mut self) {
        self.stop.send_replace(true);
        if let Some(server) = self.server.take() {
            let _ = server.await;
        }
        let _ = self.shared.ledger.flush();
    }

    /// Writes buffered record lines to the record file (the live display does this).
    fn flush_record(&self) -> std::io::Result<()> {
        self.shared.ledger.flush()
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        self.stop.send_replace(true);
    }
}

/// The `base_url` a campaign of this kind uses to reach a sandbox listening at `addr`.
pub fn base_url_at(addr: SocketAddr, kind: ProviderKind) -> String {
    format!("http://{addr}/{}{}", kind.as_str(), api::api(kind).base_path())
}

#[cfg(test)]
mod tests;
