//! `herald listen`: the receiver of providers' status webhooks. It answers Meta's handshake,
//! checks that each post comes from the provider (Meta's signature; a shared secret for the
//! providers that sign nothing), reads the post's status events with the provider's own reader
//! ([`crate::providers::StatusWebhook`]) and answers 200 only once a [`Sink`] holds them
//! durably, so a provider retries whatever was not stored. A post that fails authentication is
//! answered 401 and never read. `GET /healthz` says it is up; `GET /metrics` counts receipts,
//! refusals and write time in Prometheus text. TLS belongs to the reverse proxy in front.

mod auth;
mod journal_sink;
#[cfg(test)]
mod journal_tests;
mod metrics;
mod routes;
mod server;
mod sink;
mod start;
#[cfg(test)]
mod tests;

pub use auth::{APP_SECRET_ENV, Keys, SECRET_HEADER, SHARED_SECRET_ENV, SIGNATURE_HEADER};
pub use journal_sink::JournalSink;
pub use metrics::{Metrics, Writes};
pub use server::Listener;
pub use sink::{Sink, SinkError, Stored};
pub use start::{ListenError, SHORTEST_SECRET, check, receive};

/// The largest post read: Meta batches statuses, but a megabyte holds thousands of them.
pub const BODY_LIMIT: usize = 1 << 20;
