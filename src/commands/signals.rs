//! Ctrl-C and SIGTERM (what CI sends on cancel): the first stops the run cleanly (no new
//! recipients; requests in flight finish; the report is written), the second quits at once.

use tokio_util::sync::CancellationToken;

/// Watches for signals in the background; the first cancels `token`.
pub fn watch(token: CancellationToken) {
    tokio::spawn(async move {
        if !first_signal().await {
            return;
        }
        eprintln!("\nstopping: no new recipients; waiting for requests in flight (Ctrl-C again to quit now)");
        token.cancel();
        if first_signal().await {
            eprintln!("quit");
            std::process::exit(i32::from(crate::exit::INTERRUPTED));
        }
    });
}

/// Waits for Ctrl-C or SIGTERM; `false` when no handler could be installed.
pub async fn first_signal() -> bool {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            return tokio::select! {
                r = tokio::signal::ctrl_c() => r.is_ok(),
                _ = term.recv() => true,
            };
        }
    }
    tokio::signal::ctrl_c().await.is_ok()
}
