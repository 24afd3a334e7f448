//! Ctrl-C and SIGTERM (what CI sends on cancel): the first stops the run cleanly (no new
//! recipients; requests in flight finish; the report is written), the second quits at once.
//! Handlers are installed when [`Signals::install`] is called, not when first awaited, so a
//! signal sent right after herald says it is waiting is never missed.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use tokio_util::sync::CancellationToken;

/// Installed signal handlers.
pub struct Signals {
    #[cfg(unix)]
    streams: Option<(tokio::signal::unix::Signal, tokio::signal::unix::Signal)>,
}

impl Signals {
    /// Installs the handlers now (inside the runtime).
    pub fn install() -> Signals {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            let streams = signal(SignalKind::interrupt()).ok().zip(signal(SignalKind::terminate()).ok());
            Signals { streams }
        }
        #[cfg(not(unix))]
        Signals {}
    }

    /// Waits for Ctrl-C or SIGTERM; `false` when no handler could be installed.
    pub async fn next(&mut self) -> bool {
        #[cfg(unix)]
        if let Some((int, term)) = &mut self.streams {
            return tokio::select! {
                r = int.recv() => r.is_some(),
                r = term.recv() => r.is_some(),
            };
        }
        tokio::signal::ctrl_c().await.is_ok()
    }
}

/// Whether Ctrl-C or SIGTERM has arrived since [`watch`] began: set by the signal handler the
/// moment the signal arrives, so work that blocked the runtime (validating a large list) sees
/// it at once, not when the runtime gets round to waking the watcher.
#[derive(Debug, Clone)]
pub struct Arrived(Arc<AtomicBool>);

impl Arrived {
    /// Whether a signal has arrived.
    pub fn get(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }
}

/// Watches for signals in the background; the first cancels `token`. The returned flag is
/// set the instant one arrives.
pub fn watch(token: CancellationToken) -> Arrived {
    let arrived = Arc::new(AtomicBool::new(false));
    #[cfg(unix)]
    for signal in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        // Not registered, the flag stays false: the watcher below still cancels `token`.
        let _ = signal_hook::flag::register(signal, arrived.clone());
    }
    let mut signals = Signals::install();
    tokio::spawn(async move {
        if !signals.next().await {
            return;
        }
        eprintln!("\nstopping: no new recipients; waiting for requests in flight (Ctrl-C again to quit now)");
        token.cancel();
        if signals.next().await {
            eprintln!("quit");
            std::process::exit(i32::from(crate::exit::INTERRUPTED));
        }
    });
    Arrived(arrived)
}
