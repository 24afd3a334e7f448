//! Command-line arguments. clap stays in this file: it turns arguments into the plain option
//! structs the commands take, so the library never sees clap types.

use crate::commands::{self, Output};
use clap::{Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

/// Run WhatsApp campaigns declared in YAML files: validate, preview, send — never twice.
#[derive(Debug, Parser)]
#[command(name = "herald", version, about, long_about = None, propagate_version = true)]
struct Args {
    /// When to colour output.
    #[arg(long, value_enum, default_value_t = Color::Auto, global = true)]
    color: Color,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum Color {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Check campaign files and everything they name; report every problem at once.
    Validate {
        /// Campaign files.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// List every problem instead of the first few of each kind.
        #[arg(long)]
        all_problems: bool,
    },
    /// Show the exact HTTP request herald would send to each recipient (nothing is sent).
    Preview {
        /// Campaign file.
        file: PathBuf,
        /// Show at most N requests (default: 5 for pretty, all for json).
        #[arg(long, value_name = "N")]
        limit: Option<usize>,
        /// Output format: `pretty` for people, `json` (one object per line) for scripts.
        #[arg(long, value_enum, default_value_t = Format::Pretty)]
        format: Format,
        /// List every problem instead of the first few of each kind.
        #[arg(long)]
        all_problems: bool,
    },
    /// Send a campaign: validate, confirm, send with progress, write the report.
    Send {
        /// Campaign file.
        file: PathBuf,
        /// Do everything except the network: render every request and write the report.
        #[arg(long)]
        dry_run: bool,
        /// Send to herald's built-in sandbox on loopback instead of the provider (no account needed).
        #[arg(long)]
        sandbox: bool,
        /// Do not ask for confirmation (required without a terminal, e.g. in CI).
        #[arg(long, short = 'y')]
        yes: bool,
        /// Write the report here [default: reports/<campaign-id>-<timestamp>/].
        #[arg(long, value_name = "DIR")]
        report: Option<PathBuf>,
        /// Send to the first N recipients only (a canary).
        #[arg(long, value_name = "N")]
        limit: Option<usize>,
        /// Send now even if `schedule.send_at` is in the future.
        #[arg(long)]
        now: bool,
        /// No progress output.
        #[arg(long, short = 'q')]
        quiet: bool,
        /// List every validation problem instead of the first few of each kind.
        #[arg(long)]
        all_problems: bool,
    },
    /// Serve the six providers' send endpoints on loopback, as a stand-in for testing.
    Sandbox {
        /// Port to listen on (0: any free port).
        #[arg(long, default_value_t = 8787)]
        port: u16,
        /// Share of requests answered 500 (not processed).
        #[arg(long, value_name = "X", default_value_t = 0.0, value_parser = share)]
        fail_rate: f64,
        /// Share of requests answered 429 with Retry-After (not processed).
        #[arg(long, value_name = "X", default_value_t = 0.0, value_parser = share)]
        throttle_rate: f64,
        /// Delay before every answer, in milliseconds.
        #[arg(long, value_name = "N", default_value_t = 0)]
        latency_ms: u64,
        /// Append every accepted message to this file as a JSON line.
        #[arg(long, value_name = "FILE")]
        record: Option<PathBuf>,
        /// No live count.
        #[arg(long, short = 'q')]
        quiet: bool,
    },
    /// Print which message types each provider can send, and how it authenticates.
    Providers {
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Pretty)]
        format: Format,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum Format {
    Pretty,
    Json,
}

/// Parses the process arguments and runs the command; returns the exit code.
pub fn run() -> u8 {
    let args = Args::parse();
    let out = Output::detect(match args.color {
        Color::Auto => None,
        Color::Always => Some(true),
        Color::Never => Some(false),
    });
    match args.command {
        Command::Validate { files, all_problems } => {
            commands::validate::run(&commands::validate::Options { files, all_problems }, &out)
        }
        Command::Preview { file, limit, format, all_problems } => commands::preview::run(
            &commands::preview::Options { file, limit, json: matches!(format, Format::Json), all_problems },
            &out,
        ),
        Command::Send { file, dry_run, sandbox, yes, report, limit, now, quiet, all_problems } => commands::send::run(
            &commands::send::Options { file, dry_run, sandbox, yes, report, limit, quiet, now, all_problems },
            &out,
        ),
        Command::Sandbox { port, fail_rate, throttle_rate, latency_ms, record, quiet } => {
            let config = crate::sandbox::Config {
                port,
                fail_rate,
                throttle_rate,
                latency: std::time::Duration::from_millis(latency_ms),
                record,
                ..crate::sandbox::Config::default()
            };
            commands::sandbox::run(config, quiet)
        }
        Command::Providers { format } => commands::providers::run(matches!(format, Format::Json)),
    }
}

/// A share between 0 and 1 (`0.1`) or a percentage (`10%`).
fn share(s: &str) -> Result<f64, String> {
    let value = match s.strip_suffix('%') {
        Some(p) => p.trim().parse::<f64>().map(|p| p / 100.0),
        None => s.trim().parse::<f64>(),
    }
    .map_err(|_| format!("`{s}` is not a share such as 0.1 or 10%"))?;
    if (0.0..=1.0).contains(&value) { Ok(value) } else { Err(format!("`{s}` is outside 0–1 (0%–100%)")) }
}
