//! Progress on stderr, drawn from one place: an indicatif bar on a terminal, a plain line every
//! few seconds otherwise (CI logs), nothing with `--quiet`. Workers never print.

use crate::run::Tally;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::time::{Duration, Instant};

/// How often a plain progress line is printed without a terminal.
const PLAIN_EVERY: Duration = Duration::from_secs(5);

/// The progress text: counts, rate and ETA. Pure, so tests check it.
pub fn line(t: &Tally, elapsed: Duration) -> String {
    let secs = elapsed.as_secs_f64().max(1e-3);
    let rate = t.finished() as f64 / secs;
    let left = t.total.saturating_sub(t.finished());
    let eta = if rate > 0.0 && left > 0 {
        format!(" · eta {}", crate::clock::format(Duration::from_secs_f64(left as f64 / rate)))
    } else {
        String::new()
    };
    let mut s = format!("{}/{} · sent {} · failed {} · unknown {}", t.finished(), t.total, t.sent, t.failed, t.unknown);
    if t.retrying > 0 {
        s.push_str(&format!(" · retrying {}", t.retrying));
    }
    s.push_str(&format!(" · {rate:.1}/s{eta}"));
    if let Some(short) = t.pace.short() {
        s.push_str(&format!(" · {short}"));
    }
    s
}

/// Where progress goes.
pub enum Progress {
    /// A bar on a terminal.
    Bar(ProgressBar),
    /// Plain lines, at most one per [`PLAIN_EVERY`].
    Plain(Instant),
    /// Nothing.
    Quiet,
}

impl Progress {
    /// Chooses by `quiet` and whether stderr is a terminal.
    pub fn new(total: usize, quiet: bool) -> Progress {
        if quiet {
            Progress::Quiet
        } else if std::io::stderr().is_terminal() {
            let bar = ProgressBar::with_draw_target(Some(total as u64), ProgressDrawTarget::stderr_with_hz(10));
            bar.set_style(
                ProgressStyle::with_template("{bar:30.green/dim} {msg}").expect("valid template").progress_chars("█▉ "),
            );
            Progress::Bar(bar)
        } else {
            Progress::Plain(Instant::now())
        }
    }

    /// Shows the latest counts.
    pub fn update(&mut self, t: &Tally, elapsed: Duration) {
        match self {
            Progress::Bar(bar) => {
                bar.set_position(t.finished() as u64);
                bar.set_message(line(t, elapsed));
            }
            Progress::Plain(last) if last.elapsed() >= PLAIN_EVERY => {
                eprintln!("progress: {}", line(t, elapsed));
                *last = Instant::now();
            }
            _ => {}
        }
    }

    /// Removes the bar.
    pub fn finish(&self) {
        if let Progress::Bar(bar) = self {
            bar.finish_and_clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shows_counts_rate_and_eta() {
        let t = Tally { sent: 40, failed: 1, unknown: 1, retrying: 2, requests: 45, ..Tally::of(100) };
        assert_eq!(
            line(&t, Duration::from_secs(10)),
            "42/100 · sent 40 · failed 1 · unknown 1 · retrying 2 · 4.2/s · eta 13s"
        );
        let done = Tally { total: 2, sent: 2, ..Tally::default() };
        assert_eq!(line(&done, Duration::from_secs(1)), "2/2 · sent 2 · failed 0 · unknown 0 · 2.0/s");
    }
}
