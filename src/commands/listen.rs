//! `herald listen`: receives the providers' status webhooks and writes their delivery
//! receipts into the campaign journal, for every campaign in it, until SIGTERM or Ctrl-C
//! (see [`crate::listen`]). It never starts open: at least one provider's secret must be set.
//! It says where it listens and which routes are live, never a secret; on a signal it stops
//! accepting, answers the posts under way once their receipts are committed, and exits 0.

use crate::error::Error;
use crate::exit;
use crate::journal::{Journal, Location};
use crate::listen::{JournalSink, Keys, Listener};
use crate::providers::{ProviderKind, Signing};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

/// The shortest shared secret taken: it may travel in a URL, so it must not be guessable.
pub const SHORTEST_SECRET: usize = 16;

/// What `herald listen` was asked.
#[derive(Debug)]
pub struct Options {
    /// Where to listen.
    pub bind: SocketAddr,
    /// The journal (`None`: `.herald/journal.db` in the working directory).
    pub journal: Option<PathBuf>,
    /// The secrets posts are checked with.
    pub keys: Keys,
    /// How long a receipt matching no recipient is kept before it is swept.
    pub grace: Duration,
}

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
    /// The bound socket cannot be served.
    #[error("cannot serve the listening socket: {0}")]
    Socket(std::io::Error),
    /// The journal's writer thread cannot start.
    #[error("cannot start the journal's writer: {0}")]
    Writer(std::io::Error),
}

impl ListenError {
    /// What to do about it.
    pub fn help(&self) -> Option<String> {
        match self {
            ListenError::NoSecret => Some(
                "set HERALD_CLOUD_API_APP_SECRET and HERALD_CLOUD_API_VERIFY_TOKEN for Meta's Cloud API, and/or \
                 HERALD_WEBHOOK_SECRET (e.g. `openssl rand -hex 16`) for Evolution and FlowIQ; see docs/listen.md"
                    .into(),
            ),
            ListenError::HalfMeta { missing, .. } => {
                Some(format!("set {missing} too (the verify token you give Meta, and the app's App Secret)"))
            }
            ListenError::WeakSecret(_) => Some("make one with `openssl rand -hex 16`".into()),
            ListenError::Bind { .. } => {
                Some("is another process on that port, or is the address not this machine's? pass another --bind, or port 0 to take any free port".into())
            }
            ListenError::Writer(_) | ListenError::Socket(_) => None,
        }
    }
}

/// Runs `herald listen` until a signal.
pub fn run(o: Options, out: &super::Output) -> u8 {
    super::block_on(serve(o)).unwrap_or_else(|e| out.error(&e))
}

/// Refuses keys that leave the listener open or half-configured.
pub(crate) fn check(keys: &Keys) -> Result<(), ListenError> {
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

async fn serve(o: Options) -> Result<u8, Error> {
    check(&o.keys)?;
    let location = match &o.journal {
        Some(path) => Location::parse(path, false)?,
        None => Location::File(PathBuf::from(".herald").join("journal.db")),
    };
    let socket =
        tokio::net::TcpListener::bind(o.bind).await.map_err(|source| ListenError::Bind { addr: o.bind, source })?;
    let addr = socket.local_addr().map_err(|source| ListenError::Bind { addr: o.bind, source })?;
    let mut signals = crate::signals::Signals::install();
    let routes = routes(&o.keys);
    let listener = receive(socket, location.clone(), o.keys, o.grace)?;
    super::print(&format!(
        "herald listen: http://{addr} into the journal {location}; POST {routes}; GET /healthz, /metrics\n"
    ))?;
    signals.next().await;
    eprintln!("herald listen: stopping: answering the posts under way (again to quit at once)");
    tokio::select! {
        () = listener.stop() => Ok(exit::OK),
        _ = signals.next() => Ok(exit::INTERRUPTED),
    }
}

/// Starts a receiver in this process on `socket` (`herald listen`, `send --listen`, the
/// sandbox's own): status webhooks checked with `keys`, their receipts written into the journal
/// at `location` by a writer thread of its own.
pub(crate) fn receive(
    socket: tokio::net::TcpListener,
    location: Location,
    keys: Keys,
    grace: Duration,
) -> Result<Listener, Error> {
    let journal = Journal::open_listener(location)?;
    let sink = JournalSink::start(journal, grace).map_err(ListenError::Writer)?;
    Ok(Listener::start(socket, keys, sink).map_err(ListenError::Socket)?)
}

/// The webhook routes live with `keys`, as a list for the start line.
fn routes(keys: &Keys) -> String {
    let live: Vec<String> = ProviderKind::ALL
        .iter()
        .filter_map(|kind| {
            let webhook = kind.provider().status_webhook()?;
            let id = kind.provider().info().id;
            keys.configured(webhook.signing).then(|| match webhook.signing {
                Signing::Meta => format!("/webhooks/{id} (and Meta's GET handshake)"),
                Signing::SharedSecret => format!("/webhooks/{id}[/<secret>]"),
            })
        })
        .collect();
    live.join(", ")
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
        let shared = Keys { shared: secret(), ..Keys::default() };
        assert!(check(&shared).is_ok());
        assert_eq!(routes(&shared), "/webhooks/communiktor[/<secret>], /webhooks/evolution[/<secret>], /webhooks/flowiq[/<secret>]");
        let meta = Keys { meta_app_secret: secret(), meta_verify_token: secret(), shared: None };
        assert!(check(&meta).is_ok());
        assert_eq!(routes(&meta), "/webhooks/cloud_api (and Meta's GET handshake)");
    }
}
