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
fn renew() -> Duration {
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
    /// Renews `run`'s lease over `client` until dropped.
    pub fn start(mut client: Client, run: i64) -> Result<Heartbeat, JournalError> {
        let (stop, stopped) = mpsc::channel::<()>();
        let sql = format!("UPDATE runs SET lease_until = now() + interval '{}' WHERE id = $1", interval());
        let thread = std::thread::Builder::new()
            .name("herald-lease".into())
            .spawn(move || {
                while let Err(mpsc::RecvTimeoutError::Timeout) = stopped.recv_timeout(renew()) {
                    // A missed renewal is retried; six in a row would let the lease run out,
                    // which makes this run's open claims `unknown`: never resent, so still safe.
                    if let Err(e) = client.execute(&sql, &[&run]) {
                        tracing::warn!(error = %e, "cannot renew the journal lease");
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
