//! `herald listen`: receives the providers' status webhooks and writes their delivery
//! receipts into the campaign journal, for every campaign in it, until SIGTERM or Ctrl-C
//! (see [`crate::listen`]). It never starts open: at least one provider's secret must be set.
//! It says where it listens and which routes are live, never a secret; on a signal it stops
//! accepting, answers the posts under way once their receipts are committed, and exits 0.

use crate::error::Error;
use crate::exit;
use crate::journal::Location;
use crate::listen::{Keys, ListenError, check, receive};
use crate::providers::{ProviderKind, Signing};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

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
    /// Into the sandbox journal.
    pub sandbox: bool,
}

/// Runs `herald listen` until a signal.
pub fn run(o: Options, out: &super::Output) -> u8 {
    super::block_on(serve(o)).unwrap_or_else(|e| out.error(&e))
}

async fn serve(o: Options) -> Result<u8, Error> {
    check(&o.keys)?;
    let location = match &o.journal {
        Some(path) => Location::parse(path, o.sandbox)?,
        None => crate::journal::default_in(std::path::Path::new(""), o.sandbox),
    };
    if let Location::File(path) = &location
        && !path.exists()
    {
        return Err(ListenError::NoJournal(path.clone()).into());
    }
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
    fn the_start_line_names_the_live_routes_only() {
        let secret = || Some(Secret::new("0123456789abcdef"));
        let shared = Keys { shared: secret(), ..Keys::default() };
        assert_eq!(
            routes(&shared),
            "/webhooks/communiktor[/<secret>], /webhooks/evolution[/<secret>], /webhooks/flowiq[/<secret>]"
        );
        let meta = Keys { meta_app_secret: secret(), meta_verify_token: secret(), shared: None };
        assert_eq!(routes(&meta), "/webhooks/cloud_api (and Meta's GET handshake)");
    }
}
