//! herald's manual pages, one per command (`herald.1`, `herald-send.1`, …): clap_mangen's
//! sections from the command line's definition, then what a script's author looks for and
//! `--help` cannot hold: EXIT STATUS, ENVIRONMENT and FILES.

use clap_mangen::Man;
use clap_mangen::roff::{Roff, bold, roman};
use std::io::Write;
use std::path::{Path, PathBuf};

/// An environment variable herald reads, and the commands that read it (empty: every one).
struct Variable {
    name: &'static str,
    commands: &'static [&'static str],
    meaning: &'static str,
}

/// Every variable herald reads.
const ENVIRONMENT: [Variable; 14] = [
    Variable {
        name: "HERALD_JOURNAL",
        commands: &["send", "status", "report", "listen", "track"],
        meaning: "The journal where --journal is not given: a file, or a postgres:// URL shared by every runner.",
    },
    Variable {
        name: "HERALD_SUPPRESS",
        commands: &["validate", "preview", "send", "status", "report", "track"],
        meaning: "Files of numbers never to message, separated by `:` like PATH, on top of the campaign's recipients.suppress and --suppress.",
    },
    Variable {
        name: "HERALD_RATE_CARD",
        commands: &["validate", "preview", "send", "status", "report", "track"],
        meaning: "Meta's rate card CSV, priced by for the cost estimate and delivery.budget when the campaign names no delivery.rate_card (relative to the working directory).",
    },
    Variable {
        name: "HERALD_NOW",
        commands: &["preview", "send", "status"],
        meaning: "The time sending windows are judged by, in RFC 3339 with an offset (2026-11-30T22:00:00+03:00), to rehearse a send at another hour. A send with it does not wait for a window.",
    },
    Variable {
        name: "HERALD_JOURNAL_SYNC",
        commands: &["send"],
        meaning: "`full`: an SQLite journal is synced at every commit, so it survives a power cut or OS crash too.",
    },
    Variable {
        name: "HERALD_LEASE",
        commands: &["send"],
        meaning: "Seconds a runner's lease on a PostgreSQL journal lasts without renewal (at least 2; default 30).",
    },
    Variable {
        name: "PGSSLROOTCERT",
        commands: &["send", "status", "report", "listen", "track"],
        meaning: "A PEM file of CA certificates for a PostgreSQL journal's server (sslmode=require).",
    },
    Variable {
        name: "the variable provider.token_env names",
        commands: &["validate", "preview", "send", "track", "templates"],
        meaning: "The provider's token (WA_TOKEN, …); never printed. validate and preview warn when it is not set.",
    },
    Variable {
        name: "HERALD_CLOUD_API_APP_SECRET",
        commands: &["listen"],
        meaning: "The Meta app's App Secret: every Cloud API webhook post must be signed with it (X-Hub-Signature-256). Never printed.",
    },
    Variable {
        name: "HERALD_CLOUD_API_VERIFY_TOKEN",
        commands: &["listen"],
        meaning: "The verify token given to Meta with the callback URL, checked at its GET handshake. Never printed.",
    },
    Variable {
        name: "HERALD_WEBHOOK_SECRET",
        commands: &["listen"],
        meaning: "The secret (16 characters or more) the other providers send, as header X-Herald-Secret or the last path segment. Never printed.",
    },
    Variable { name: "NO_COLOR", commands: &[], meaning: "No colour, as --color never (when --color is auto)." },
    Variable {
        name: "GITHUB_STEP_SUMMARY",
        commands: &["send"],
        meaning: "A file the run's summary.md is appended to (set by GitHub Actions).",
    },
    Variable {
        name: "CI, GITHUB_ACTIONS, GITLAB_CI, BUILDKITE, CIRCLECI, JENKINS_URL, TF_BUILD",
        commands: &["send"],
        meaning: "Running in CI: send warns when the journal is on the runner's disk, lost with the runner.",
    },
];

/// A file herald reads or writes, and the commands that do.
struct File {
    path: &'static str,
    commands: &'static [&'static str],
    meaning: &'static str,
}

/// Every file herald keeps, beside the campaign file.
const FILES: [File; 4] = [
    File {
        path: ".herald/journal.db",
        commands: &["send", "status", "report", "listen", "track"],
        meaning: "The journal (SQLite): who was sent what, so a re-run never sends twice. --journal or HERALD_JOURNAL moves it. Keep it; add .herald/ to .gitignore.",
    },
    File {
        path: ".herald/sandbox-journal.db",
        commands: &["send", "status", "report"],
        meaning: "The journal of send --sandbox rehearsals (NAME.sandbox.db beside a journal you named); status --sandbox and report --sandbox read it.",
    },
    File {
        path: ".herald/journal.<campaign-id>.lock",
        commands: &["send", "status"],
        meaning: "The campaign's lock: one sender at a time; it holds the sender's process id.",
    },
    File {
        path: ".herald/reports/<campaign-id>-<timestamp>/",
        commands: &["send", "report"],
        meaning: "A run's report (results.csv, summary.json, summary.md, junit.xml, report.html); --report or report --out writes it elsewhere.",
    },
];

/// `root`, built as for its pages: subcommands know their full names, and `help` has none.
fn built(root: clap::Command) -> clap::Command {
    let mut root = root.disable_help_subcommand(true);
    root.build();
    root
}

/// `herald man NAME` for a command herald does not have.
#[derive(Debug, thiserror::Error)]
#[error("no command `{name}`; the commands: {}", .known.join(", "))]
pub struct NoSuchCommand {
    /// The name asked for.
    pub name: String,
    /// The commands there are.
    pub known: Vec<String>,
}

/// The page of herald itself (`command` `None`) or of `herald COMMAND`, as roff.
pub fn page(root: clap::Command, command: Option<&str>) -> Result<Vec<u8>, NoSuchCommand> {
    let root = built(root);
    let cmd = match command {
        None => root,
        Some(name) => match root.find_subcommand(name) {
            Some(sub) => sub.clone(),
            None => {
                let known = root.get_subcommands().map(|c| c.get_name().to_string()).collect();
                return Err(NoSuchCommand { name: name.to_string(), known });
            }
        },
    };
    let mut out = Vec::new();
    // Writing into a Vec cannot fail.
    let _ = render(cmd, command, &mut out);
    Ok(out)
}

/// Writes every page into `dir` (created if need be) and returns their paths.
pub fn write_all(root: clap::Command, dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir)?;
    let root = built(root);
    let commands = std::iter::once((root.clone(), None))
        .chain(root.get_subcommands().map(|c| (c.clone(), Some(c.get_name().to_string()))));
    let mut written = Vec::new();
    for (cmd, name) in commands {
        let path = dir.join(Man::new(cmd.clone()).get_filename());
        let mut file = std::io::BufWriter::new(std::fs::File::create(&path)?);
        render(cmd, name.as_deref(), &mut file)?;
        file.flush()?;
        written.push(path);
    }
    Ok(written)
}

/// clap_mangen's sections, then ours. Its EXTRA (`--help`'s exit codes again) is left out,
/// and its VERSION: the title carries the version.
fn render(cmd: clap::Command, command: Option<&str>, w: &mut dyn Write) -> std::io::Result<()> {
    type Section = fn(&Man, &mut dyn Write) -> std::io::Result<()>;
    let mut sections: Vec<Section> =
        vec![Man::render_name_section, Man::render_synopsis_section, Man::render_description_section];
    if cmd.get_arguments().any(|a| !a.is_hide_set()) {
        sections.push(Man::render_options_section);
    }
    if cmd.has_subcommands() {
        sections.push(Man::render_subcommands_section);
    }
    // Every page comes from herald, the subcommands' too.
    let man = Man::new(cmd).source(format!("herald {}", env!("CARGO_PKG_VERSION")));
    let mut page = Vec::new();
    man.render_title(&mut page)?;
    // Each section comes with roff's preamble: the page keeps the title's.
    let preamble = Roff::default().render();
    for section in sections {
        let mut part = Vec::new();
        section(&man, &mut part)?;
        page.extend_from_slice(part.strip_prefix(preamble.as_bytes()).unwrap_or(&part));
    }
    page.extend_from_slice(ours(command).to_roff().as_bytes());
    w.write_all(&page)
}

/// EXIT STATUS, then the ENVIRONMENT and FILES `command` reads (all of them for herald's page).
fn ours(command: Option<&str>) -> Roff {
    let mut roff = Roff::default();
    roff.control("SH", ["EXIT STATUS"]);
    for &(code, meaning) in crate::exit::of(command) {
        roff.control("TP", []).text([bold(code.to_string())]).text([roman(meaning)]);
    }
    let applies = |commands: &[&str]| command.is_none_or(|c| commands.is_empty() || commands.contains(&c));
    let variables: Vec<_> = ENVIRONMENT.iter().filter(|v| applies(v.commands)).collect();
    if !variables.is_empty() {
        roff.control("SH", ["ENVIRONMENT"]);
        for v in variables {
            roff.control("TP", []).text([bold(v.name)]).text([roman(v.meaning)]);
        }
    }
    let files: Vec<_> = FILES.iter().filter(|f| applies(f.commands)).collect();
    if !files.is_empty() {
        roff.control("SH", ["FILES"]);
        for f in files {
            roff.control("TP", []).text([bold(f.path)]).text([roman(f.meaning)]);
        }
    }
    roff
}
