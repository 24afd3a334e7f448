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
        Command::Providers { format } => commands::providers::run(matches!(format, Format::Json)),
    }
}
