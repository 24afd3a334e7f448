//! The commands behind the CLI, each taking a plain options struct and returning an exit code.
//! They parse, confirm, call the library, print and map errors to exit codes; the work is done
//! in [`crate::plan`], [`crate::run`] and [`crate::report`].

mod chat;
mod ci;
mod gitignore;
pub mod listen;
pub mod preview;
mod progress;
pub mod providers;
pub mod report;
pub mod sandbox;
mod schedule;
pub mod send;
pub mod status;
pub mod templates;
pub mod track;
pub mod validate;
mod windows;

use crate::diagnostic::{Diagnostics, Style};
use crate::error::Error;
use std::io::{IsTerminal, Write};

/// Where and how to print.
#[derive(Debug, Clone, Copy)]
pub struct Output {
    /// Styling for messages on stderr.
    pub style: Style,
}

/// Problems of one kind printed unless `--all-problems`.
pub const PROBLEMS_PER_GROUP: usize = 10;

impl Output {
    /// Colour when forced, else when stderr is a terminal and `NO_COLOR` is unset.
    pub fn detect(force: Option<bool>) -> Output {
        let color = force.unwrap_or_else(|| std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none());
        Output { style: Style { color } }
    }

    /// Prints diagnostics to stderr.
    pub fn diagnostics(&self, diags: &Diagnostics) {
        eprint!("{}", diags.render(self.style));
    }

    /// Prints the closing line for an invalid campaign; `sending` adds that nothing was sent.
    pub fn invalid(&self, file: &std::path::Path, diags: &Diagnostics, sending: bool) {
        let (errors, warnings) = diags.count();
        let mut line = format!("{} is invalid: {errors} error{}", file.display(), plural(errors));
        if warnings > 0 {
            line.push_str(&format!(", {warnings} warning{}", plural(warnings)));
        }
        let tail = if sending { "; nothing was sent" } else { "" };
        eprintln!("{}: {line}{tail}", self.paint_error());
    }

    /// Prints a command's error with what to do about it, and returns its exit code. Output
    /// into a closed pipe (`herald … | head`) is no error: it ends quietly.
    pub fn error(&self, e: &Error) -> u8 {
        if let Error::Output(io) = e
            && io.kind() == std::io::ErrorKind::BrokenPipe
        {
            return crate::exit::OK;
        }
        if !matches!(e, Error::Invalid(_)) {
            eprintln!("{}: {e}", self.paint_error());
            if let Some(help) = e.help() {
                eprintln!("  = help: {help}");
            }
        }
        e.exit_code()
    }

    /// Prints a send session's error like [`Output::error`] and returns its exit code.
    pub fn session_error(&self, e: &crate::session::SessionError) -> u8 {
        use crate::session::SessionError;
        match e {
            SessionError::Run(e) => self.error(e),
            SessionError::Output(io) if io.kind() == std::io::ErrorKind::BrokenPipe => crate::exit::OK,
            _ => {
                eprintln!("{}: {e}", self.paint_error());
                if let Some(help) = e.help() {
                    eprintln!("  = help: {help}");
                }
                e.exit_code()
            }
        }
    }

    fn paint_error(&self) -> &'static str {
        if self.style.color { "\x1b[1;31merror\x1b[0m" } else { "error" }
    }
}

/// Problems kept per group for `--all-problems` (all) or not.
pub fn problems_per_group(all: bool) -> Option<usize> {
    (!all).then_some(PROBLEMS_PER_GROUP)
}

/// Writes `text` to stdout. A closed pipe (`herald … | head`) ends output quietly.
pub fn print(text: &str) -> Result<(), Error> {
    write_out(text).map_err(Error::Output)
}

/// [`print`], with what the OS said when stdout cannot be written.
pub fn write_out(text: &str) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other,
    }
}

/// The clock windows are judged by: `HERALD_NOW` (an RFC 3339 time, to rehearse a send at
/// another hour) or the system's.
pub fn clock() -> Result<crate::window::Clock, Error> {
    match std::env::var("HERALD_NOW") {
        Ok(text) => text.parse().map(crate::window::Clock::fixed).map_err(|_| Error::BadNow(text)),
        Err(_) => Ok(crate::window::Clock::system()),
    }
}

/// Runs an async command to completion. One runtime thread: measured on two cores, the
/// requests of a run cost less CPU there than spread over threads that wake each other, and
/// rendering and the journal have threads of their own.
pub fn block_on<T>(command: impl std::future::Future<Output = Result<T, Error>>) -> Result<T, Error> {
    tokio::runtime::Builder::new_current_thread().enable_all().build().map_err(Error::Runtime)?.block_on(command)
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}
