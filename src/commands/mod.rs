//! The commands behind the CLI, each taking a plain options struct and returning an exit code.

pub mod preview;
pub mod providers;
pub mod report;
pub mod sandbox;
pub mod send;
pub mod status;
pub mod validate;

use crate::diagnostic::{Diagnostic, Style, count, render_all};
use std::io::IsTerminal;

/// Where and how to print.
#[derive(Debug, Clone, Copy)]
pub struct Output {
    /// Styling for messages on stderr.
    pub style: Style,
}

impl Output {
    /// Colour when forced, else when stderr is a terminal and `NO_COLOR` is unset.
    pub fn detect(force: Option<bool>) -> Output {
        let color = force.unwrap_or_else(|| std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none());
        Output { style: Style { color } }
    }

    /// Prints diagnostics to stderr, capped per kind unless `all`.
    pub fn diagnostics(&self, diags: &[Diagnostic], all: bool) {
        eprint!("{}", render_all(diags, self.style, if all { None } else { Some(10) }));
    }

    /// Prints the closing line for an invalid campaign; `sending` adds that nothing was sent.
    pub fn invalid(&self, file: &std::path::Path, diags: &[Diagnostic], sending: bool) {
        let (errors, warnings) = count(diags);
        let mut line = format!("{} is invalid: {errors} error{}", file.display(), plural(errors));
        if warnings > 0 {
            line.push_str(&format!(", {warnings} warning{}", plural(warnings)));
        }
        let red = if self.style.color { "\x1b[1;31merror\x1b[0m" } else { "error" };
        let tail = if sending { "; nothing was sent" } else { "" };
        eprintln!("{red}: {line}{tail}");
    }
}

/// A campaign and what its journal records, for the commands that read the journal.
pub struct JournalView {
    /// The validated campaign.
    pub plan: crate::plan::Plan,
    /// The journal file.
    pub path: std::path::PathBuf,
    /// The journal, opened to read (`None`: there is none yet).
    pub journal: Option<crate::journal::Journal>,
    /// What it records for the campaign.
    pub state: crate::journal::CampaignState,
    /// Its runs.
    pub runs: Vec<crate::journal::RunRow>,
}

/// Validates `file` and reads its journal without locking it; `Err(code)` after printing why.
pub fn journal_view(
    file: &std::path::Path,
    journal: Option<&std::path::Path>,
    sandbox: bool,
    out: &Output,
) -> Result<JournalView, u8> {
    use crate::plan::{Options, TokenCheck};
    let v = crate::plan::load(file, Options { token: TokenCheck::Skip, base_url: None });
    let Some(plan) = v.plan else {
        out.diagnostics(&v.diagnostics, false);
        out.invalid(file, &v.diagnostics, false);
        return Err(crate::exit::INVALID);
    };
    let path = crate::journal::default_path(file, journal, sandbox);
    let fail = |e: String| {
        eprintln!("error: {e}");
        crate::exit::INVALID
    };
    let journal = crate::journal::Journal::open_read(&path).map_err(fail)?;
    let (state, runs) = match &journal {
        Some(j) => (j.load(&plan.id).map_err(fail)?, j.runs(&plan.id).map_err(fail)?),
        None => Default::default(),
    };
    Ok(JournalView { plan, path, journal, state, runs })
}

/// Runs an async command to completion on a new multi-threaded runtime; exit code 2 if the
/// runtime cannot start.
pub fn block_on(command: impl std::future::Future<Output = u8>) -> u8 {
    match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime.block_on(command),
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            crate::exit::INVALID
        }
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}
