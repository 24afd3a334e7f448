//! `herald sandbox`: run the sandbox in the foreground, print where each provider lives and
//! its token, and show a live count until Ctrl-C.

use super::{Config, Sandbox, Stats, Templates, token};
use crate::listen::{APP_SECRET_ENV, SHARED_SECRET_ENV};
use crate::providers::ProviderKind;
use std::io::{self, IsTerminal, Write};
use std::time::Duration;

/// How often the live count is redrawn (and the record file flushed), at most.
const REDRAW: Duration = Duration::from_millis(200);

/// Starts the sandbox, prints its address, one line per provider with the `base_url` and
/// token to use, the templates its accounts hold and where its counts are served (`GET /_stats`), then (unless `quiet`) redraws `accepted N · rejected N · faults N` on stderr
/// until Ctrl-C or SIGTERM, and shuts down.
///
/// # Errors
///
/// When the sandbox cannot start (port taken, record file not writable), Ctrl-C cannot be
/// watched, or stdout is closed.
pub async fn serve_forever(config: Config, quiet: bool) -> io::Result<()> {
    let sandbox = Sandbox::start(config).await?;
    let mut stdout = io::stdout();
    stdout.write_all(banner(&sandbox).as_bytes())?;
    stdout.flush()?;
    for warning in secret_warnings(&sandbox) {
        eprintln!("{warning}");
    }
    // Ctrl-C or SIGTERM (what a CI job's cleanup sends) ends it with the record file flushed.
    let mut signals = crate::signals::Signals::install();
    let stopped = signals.next();
    tokio::pin!(stopped);
    let mut tick = tokio::time::interval(REDRAW);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    // On a terminal the line is rewritten in place; into a file or pipe only the final count
    // is written, so logs do not fill with five lines a second.
    let terminal = io::stderr().is_terminal();
    let mut shown: Option<Stats> = None;
    let result = loop {
        tokio::select! {
            watched = &mut stopped => break if watched { Ok(()) } else { Err(io::Error::other("cannot watch Ctrl-C")) },
            _ = tick.tick() => {
                let _ = sandbox.flush_record();
                let stats = sandbox.stats();
                if !quiet && terminal && shown.as_ref() != Some(&stats) {
                    eprint!("\r\x1b[2K{}", count_line(&stats));
                    shown = Some(stats);
                }
            }
        }
    };
    if !quiet {
        eprintln!("{}{}", if terminal { "\r\x1b[2K" } else { "" }, count_line(&sandbox.stats()));
    }
    sandbox.shutdown().await;
    result
}

/// The start-up text: the address, each provider's `base_url` and token, then the stats URL.
fn banner(sandbox: &Sandbox) -> String {
    let mut out = format!("herald sandbox listening on http://{}\n", sandbox.addr());
    for &kind in ProviderKind::ALL {
        out.push_str(&format!(
            "  {:<12} base_url {:<44} token {}\n",
            kind.as_str(),
            sandbox.base_url(kind),
            token(kind)
        ));
    }
    out.push_str(&format!("  {:<12} {}\n", "templates", templates_line(sandbox.templates())));
    out.push_str(&format!("  {:<12} GET http://{}/_stats (counts, and per second)\n", "stats", sandbox.addr()));
    if let Some(emitter) = sandbox.receipts() {
        let w = emitter.webhooks();
        let urls: Vec<String> =
            w.urls.iter().map(|u| format!("{}/webhooks/<provider>", u.trim_end_matches('/'))).collect();
        let spread = if urls.len() > 1 { " (each event to one of them)" } else { "" };
        out.push_str(&format!(
            "  {:<12} POST {}{spread}; totals at GET http://{}/_receipts\n",
            "receipts",
            urls.join(", "),
            sandbox.addr()
        ));
    }
    out
}

/// What the accounts' templates are and which template sends are checked against them.
fn templates_line(templates: &Templates) -> String {
    let (origin, checked) = match templates.file() {
        Some(file) => (format!("from {}", file.display()), "every template send is checked"),
        None => ("built in".to_string(), "template sends naming them are checked"),
    };
    format!("{} {origin}, in the Cloud API and Evolution accounts ({checked})", templates.len())
}

/// Warnings about the receipts' secrets: a post without its secret is refused by a listener.
fn secret_warnings(sandbox: &Sandbox) -> Vec<String> {
    let Some(w) = sandbox.receipts().map(super::receipts::Emitter::webhooks) else { return Vec::new() };
    [
        (w.app_secret.is_none(), APP_SECRET_ENV, "Cloud API receipts go unsigned"),
        (w.shared_secret.is_none(), SHARED_SECRET_ENV, "the other providers' receipts carry no secret"),
    ]
    .into_iter()
    .filter(|(missing, ..)| *missing)
    .map(|(_, env, what)| format!("warning: ${env} is not set: {what}, and a listener refuses them"))
    .collect()
}

/// The live count line.
fn count_line(stats: &Stats) -> String {
    format!("accepted {} · rejected {} · faults {}", stats.accepted, stats.rejected, stats.faults)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn banner_names_every_provider_with_its_base_url_and_token() {
        let sandbox = Sandbox::start(Config::default()).await.unwrap();
        let text = banner(&sandbox);
        let port = sandbox.addr().port();
        assert!(text.starts_with(&format!("herald sandbox listening on http://127.0.0.1:{port}\n")));
        assert!(text.contains(&format!("http://127.0.0.1:{port}/cloud_api/v23.0")));
        assert!(text.contains("fiq_sandbox_key"));
        assert!(
            text.ends_with(&format!("  stats        GET http://127.0.0.1:{port}/_stats (counts, and per second)\n"))
        );
        assert!(text.contains("\n  templates    5 built in, in the Cloud API and Evolution accounts (template sends naming them are checked)\n"), "{text}");
        assert_eq!(text.lines().count(), 3 + ProviderKind::ALL.len());
        sandbox.shutdown().await;
        let file = Templates::whole_account(Vec::new()).from_file(std::path::Path::new("acct.json"));
        let sandbox =
            Sandbox::start(Config { templates: std::sync::Arc::new(file), ..Config::default() }).await.unwrap();
        assert!(banner(&sandbox).contains("\n  templates    0 from acct.json, in the Cloud API and Evolution accounts (every template send is checked)\n"));
        let stats = Stats { accepted: 1234, rejected: 3, faults: 12, ..Stats::default() };
        assert_eq!(count_line(&stats), "accepted 1234 · rejected 3 · faults 12");
        sandbox.shutdown().await;
    }
}
