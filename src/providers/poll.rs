//! Reading what became of one accepted message by asking the provider, where its docs describe
//! an endpoint for it (Evolution's `POST /chat/findStatusMessage/{instance}`, the Cloud API's
//! `GET /{Phone-Number-ID}/message_history`): the way to receipts when no webhook can reach
//! herald. Like the rest of a provider, a [`StatusPoll`] is pure: it builds the request for a
//! message id and reads the answer into [`StatusEvent`]s; `herald track` does the I/O.

use super::outcome::{Outcome, ProviderError, Response};
use super::{Settings, StatusEvent};
use crate::request::HttpRequest;
use std::time::Duration;

/// A provider's documented way to read one message's status.
#[derive(Debug, Clone, Copy)]
pub struct StatusPoll {
    /// The request asking what became of the message with this id, sent from
    /// [`Settings::account`].
    pub request: fn(&Settings, &str) -> HttpRequest,
    /// Reads the answer to that request for that message id.
    pub read: fn(&str, &Response) -> Polled,
    /// What the provider must be set up to do for the answers to hold anything, for people
    /// (Evolution keeps status updates only with `DATABASE_SAVE_DATA_MESSAGE_UPDATE=true`).
    pub needs: &'static str,
    /// The message id a request asks about, when it is such a poll (what the sandbox
    /// answers): its method, its path after the base URL, its query and its body.
    pub asked: fn(&str, &str, &str, &[u8]) -> Option<String>,
    /// The provider's answer holding these events of the message with this id (what the
    /// sandbox answers); reading it back gives the same statuses.
    pub answer: fn(&str, &[StatusEvent]) -> Vec<u8>,
}

/// What one poll says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Polled {
    /// What the provider has of the message: every status it reports, in any order (none yet:
    /// empty).
    Events(Vec<StatusEvent>),
    /// The provider knows no such message (its history does not reach it, or it was never
    /// stored): nothing to record, the message stays awaited.
    Unknown(ProviderError),
    /// The poll was not answered (throttled, a server error): ask again later, slower, after
    /// `after` when the provider says.
    Again {
        /// Why.
        error: ProviderError,
        /// How long the provider asked to wait.
        after: Option<Duration>,
    },
    /// Every poll would fail the same way (the key refused, no permission, a wrong base URL):
    /// stop polling.
    Stop(ProviderError),
}

impl Polled {
    /// The meaning of a failed poll, from the provider's own reading of the answer as if it
    /// were a send's ([`super::Provider::classify`] or a shared classifier): what would stop a
    /// campaign stops the polling, what would be retried is asked again, and a refusal of this
    /// one request means the provider has nothing for this message.
    pub(crate) fn from_outcome(outcome: Outcome) -> Polled {
        match outcome {
            Outcome::Accepted { .. } => Polled::Events(Vec::new()),
            Outcome::Retry { error, after } | Outcome::Throttled { error, after } => Polled::Again { error, after },
            Outcome::Ambiguous(error) => Polled::Again { error, after: None },
            Outcome::Failed(error) => Polled::Unknown(error),
            Outcome::Stop(error) => Polled::Stop(error),
        }
    }

    /// A 2xx answer that is not of the documented shape: the base URL points elsewhere.
    pub(crate) fn not_documented(provider: &str, r: &Response) -> Polled {
        Polled::Stop(ProviderError::new(
            None,
            format!(
                "the answer is not {provider}'s status answer (HTTP {}: {}); check `provider.base_url`",
                r.status,
                r.text()
            ),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_send_classification_reads_as_a_poll_outcome() {
        let e = || ProviderError::new(Some("4".into()), "limit");
        let after = Some(Duration::from_secs(3));
        assert_eq!(Polled::from_outcome(Outcome::Throttled { error: e(), after }), Polled::Again { error: e(), after });
        assert_eq!(Polled::from_outcome(Outcome::Ambiguous(e())), Polled::Again { error: e(), after: None });
        assert_eq!(Polled::from_outcome(Outcome::Failed(e())), Polled::Unknown(e()));
        assert_eq!(Polled::from_outcome(Outcome::Stop(e())), Polled::Stop(e()));
        let r = Response { status: 200, retry_after: None, body: b"<html>", recipients: 1 };
        let Polled::Stop(stop) = Polled::not_documented("Evolution API", &r) else { panic!("a stop") };
        assert!(stop.message.contains("provider.base_url") && stop.message.contains("<html>"), "{}", stop.message);
    }
}
