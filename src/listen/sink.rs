//! Where a listener puts what it reads: a [`Sink`] stores a post's status events durably
//! before the post is answered, and says how many were news.

use crate::providers::{ProviderKind, StatusEvent};
use std::future::Future;

/// What storing one post's events did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stored {
    /// Events that moved a message forward.
    pub new: usize,
    /// Events already known, or behind what is known (a webhook delivered twice, late).
    pub repeated: usize,
    /// Events about messages the store does not have (another tool's, or not sent by herald).
    pub unknown: usize,
}

/// A store could not take the events; the post is answered 503, so the provider retries.
#[derive(Debug, thiserror::Error)]
#[error("cannot store receipts: {0}")]
pub struct SinkError(#[source] pub Box<dyn std::error::Error + Send + Sync>);

/// Stores status events.
pub trait Sink: Send + Sync + 'static {
    /// Stores `events`, read from one post of `provider`'s, durably.
    fn store(
        &self,
        provider: ProviderKind,
        events: Vec<StatusEvent>,
    ) -> impl Future<Output = Result<Stored, SinkError>> + Send;

    /// The store's own counters, in Prometheus' text format, shown after the listener's.
    fn metrics(&self) -> String {
        String::new()
    }
}
