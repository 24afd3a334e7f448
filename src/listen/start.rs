//! Starting a receiver ([`receive`]), and why a listener will not start: with no provider's secret it would have no route (and must
//! never be an open receiver), with half of Meta's pair no working one, with a short shared
//! secret a guessable one; and what to do about each, for `herald listen`.

use super::Keys;
use crate::providers::Signing;
use std::net::SocketAddr;

/// The shortest shared secret taken: it may travel in a URL, so it must not be guessable.
pub const SHORTEST_SECRET: usize = 16;

/// Why `herald listen` will not start.
#[derive(Debug, thiserror::Error)]
pub enum ListenError {
    /// No provider's secret is set: every route would be off (or, worse, open).
    #[error("no webhook secret is set, so no provider could post receipts")]
    NoSecret,
    /// Half of Meta's pair.
    #[error("{set} is set but {missing} is not: the Cloud API route needs both")]
    HalfMeta {
        /// The variable set.
        set: &'static str,
        /// The one missing.
        missing: &'static str,
    },
    /// A shared secret short enough to guess.
    #[error("HERALD_WEBHOOK_SECRET is {0} characters long; it must be at least {SHORTEST_SECRET}")]
    WeakSecret(usize),
    /// The address cannot be listened on.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// What the OS said.
        source: std::io::Error,
    },
    /// `herald listen` with a journal file that does not exist: a listener never creates one,
    /// or a lost journal would come back empty and the next send would message everyone again.
    #[error("there is no journal at {0}")]
    NoJournal(std::path::PathBuf),
    /// The bound socket cannot be served.
    #[error("cannot serve the listening socket: {0}")]
    Socket(std::io::Error),
    /// The journal's writer thread cannot start.
    #[error("cannot start the journal's writer: {0}")]
    Writer(std::io::Error),
    /// The journal cannot be opened for receipts.
    #[error(transparent)]
    Journal(#[from] crate::journal::JournalError),
}

impl ListenError {
    /// What to do about it.
    pub fn help(&self) -> Option<String> {
        match self {
            ListenError::NoSecret => Some(
                "set HERALD_CLOUD_API_APP_SECRET and HERALD_CLOUD_API_VERIFY_TOKEN for Meta's Cloud API, and/or \
                 HERALD_WEBHOOK_SECRET (e.g. `openssl rand -hex 16`) for Evolution, FlowIQ and Communiktor; see docs/listen.md"
                    .into(),
            ),
            ListenError::HalfMeta { missing, .. } => {
                Some(format!("set {missing} too (the verify token you give Meta, and the app's App Secret)"))
            }
            ListenError::WeakSecret(_) => Some("make one with `openssl rand -hex 16`".into()),
            ListenError::Bind { .. } => {
                Some("is another process on that port, or is the address not this machine's? pass another --bind, or port 0 to take any free port".into())
            }
            ListenError::NoJournal(_) => Some(
                "herald listen writes receipts into the journal a send keeps: point --journal (or HERALD_JOURNAL) at it, with --sandbox for the sandbox's; the first send creates it"
                    .into(),
            ),
            ListenError::Writer(_) | ListenError::Socket(_) => None,
            ListenError::Journal(_) => None,
        }
    }
}

/// Refuses keys that leave the listener open or half-configured.
pub fn check(keys: &Keys) -> Result<(), ListenError> {
    match (&keys.meta_app_secret, &keys.meta_verify_token) {
        (Some(_), None) => {
            return Err(ListenError::HalfMeta {
                set: "HERALD_CLOUD_API_APP_SECRET",
                missing: "HERALD_CLOUD_API_VERIFY_TOKEN",
            });
        }
        (None, Some(_)) => {
            return Err(ListenError::HalfMeta {
                set: "HERALD_CLOUD_API_VERIFY_TOKEN",
                missing: "HERALD_CLOUD_API_APP_SECRET",
            });
        }
        _ => {}
    }
    if let Some(shared) = &keys.shared
        && shared.expose().chars().count() < SHORTEST_SECRET
    {
        return Err(ListenError::WeakSecret(shared.expose().chars().count()));
    }
    if !keys.configured(Signing::Meta) && !keys.configured(Signing::SharedSecret) {
        return Err(ListenError::NoSecret);
    }
    Ok(())
}

/// Starts a receiver in this process on `socket` (`herald listen`, `send --listen`, the one
/// `send --sandbox` rehearses receipts with): status webhooks checked with `keys`, their
/// receipts written into the journal at `location` by a writer thread of its own; receipts
/// matching no recipient are swept after `grace`.
pub fn receive(
    socket: tokio::net::TcpListener,
    location: crate::journal::Location,
    keys: Keys,
    grace: std::time::Duration,
) -> Result<super::Listener, ListenError> {
    let journal = crate::journal::Journal::open_listener(location)?;
    let sink = super::JournalSink::start(journal, grace).map_err(ListenError::Writer)?;
    super::Listener::start(socket, keys, sink).map_err(ListenError::Socket)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secret::Secret;

    #[test]
    fn a_listener_never_starts_open_or_half_configured() {
        let secret = || Some(Secret::new("0123456789abcdef"));
        assert!(matches!(check(&Keys::default()), Err(ListenError::NoSecret)));
        let half = Keys { meta_app_secret: secret(), ..Keys::default() };
        assert!(matches!(check(&half), Err(ListenError::HalfMeta { missing: "HERALD_CLOUD_API_VERIFY_TOKEN", .. })));
        let weak = Keys { shared: Some(Secret::new("s3cret")), ..Keys::default() };
        assert!(matches!(check(&weak), Err(ListenError::WeakSecret(6))));
        assert!(check(&Keys { shared: secret(), ..Keys::default() }).is_ok());
        assert!(check(&Keys { meta_app_secret: secret(), meta_verify_token: secret(), shared: None }).is_ok());
    }
}
