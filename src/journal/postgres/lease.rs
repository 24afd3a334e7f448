//! A runner's lease on its claims. Each run holds a lease in `runs.lease_until`, renewed every
//! [`renew`] by a thread of its own with a connection of its own (so a busy writer never
//! delays it), and reckoned by the database's clock (so runners' clocks may differ). Claims of
//! a run whose lease ran out ([`lease`] after its last renewal) are taken for a crash's.

use crate::journal::JournalError;
use postgres::Client;
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::Duration;

/// How long a lease lasts without renewal: `$HERALD_LEASE` seconds (at least 2), else 30.
pub fn lease() -> Duration {
    static LEASE: std::sync::OnceLock<Duration> = std::sync::OnceLock::new();
    *LEASE.get_or_init(|| {
        let secs = std::env::var("HERALD_LEASE").ok().and_then(|s| s.trim().parse::<u64>().ok());
        Duration::from_secs(secs.unwrap_or(30).max(2))
    })
}

/// How often a live runner renews its lease: six chances before it runs out.
pub fn renew() -> Duration {
    lease() / 6
}

/// The SQL interval of [`lease`].
pub fn interval() -> String {
    format!("{} seconds", lease().as_secs())
}

/// A running renewal; dropping it stops renewing (the lease then runs out by itself).
pub struct Heartbeat {
    stop: Option<mpsc::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Heartbeat {
    /// Renews `run`'s lease over `client` `every` so often until dropped; `reconnect` makes a new connection when
    /// the old one broke. A lease that ran out anyway (the process was stopped, the network
    /// gone for longer than the lease) is not revived: other runners may have settled this run's
    /// claims, so its writer's next claim fails instead (see [`JournalError::LeaseLost`]).
    pub fn start(
        client: Client,
        reconnect: impl Fn() -> Result<Client, JournalError> + Send + 'static,
        run: i64,
        every: Duration,
    ) -> Result<Heartbeat, JournalError> {
        let (stop, stopped) = mpsc::channel::<()>();
        let sql = format!(
            "UPDATE runs SET lease_until = now() + interval '{}' WHERE id = $1 AND lease_until > now()",
            interval()
        );
        let mut client = Some(client);
        let thread = std::thread::Builder::new()
            .name("herald-lease".into())
            .spawn(move || {
                while let Err(mpsc::RecvTimeoutError::Timeout) = stopped.recv_timeout(every) {
                    // A missed renewal is retried, on a new connection if need be; six in a row
                    // would let the lease run out.
                    let renewed = match client.as_mut() {
                        Some(c) => c.execute(&sql, &[&run]).map_err(JournalError::from),
                        None => reconnect().and_then(|c| client.insert(c).execute(&sql, &[&run]).map_err(Into::into)),
                    };
                    match renewed {
                        Ok(0) => {
                            tracing::warn!("the journal lease ran out before it could be renewed");
                            return;
                        }
                        Ok(_) => {}
                        Err(e) => {
                            tracing::warn!(error = %e, "cannot renew the journal lease");
                            client = None;
                        }
                    }
                }
            })
            .map_err(|source| JournalError::File { what: "start the lease for", path: "postgres".into(), source })?;
        Ok(Heartbeat { stop: Some(stop), thread: Some(thread) })
    }
}

impl Drop for Heartbeat {
    fn drop(&mut self) {
        drop(self.stop.take());
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}
