//! What makes a command fail as a whole, as one enum with the exit code each case ends with. A
//! failed delivery is not here: it is data (a [`crate::results::Record`]).

use std::path::PathBuf;

/// Why a command could not do its work.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The campaign has errors (printed as diagnostics before this).
    #[error("{} is invalid", .0.display())]
    Invalid(PathBuf),
    /// The provider's token is not in the environment.
    #[error("environment variable `{0}` is not set; nothing was sent")]
    MissingToken(String),
    /// The token holds characters an HTTP header cannot carry.
    #[error("environment variable `{0}` holds characters an HTTP header cannot carry; nothing was sent")]
    TokenNotHeader(String),
    /// Sending needs a confirmation and there is no terminal to ask on.
    #[error("about to {0}, but there is no terminal to confirm on; pass --yes to send")]
    NoTerminal(String),
    /// Sandbox fault options without `--sandbox`.
    #[error("fault options (--fail-rate, --refuse-rate, --reject-auth, …) only apply with --sandbox")]
    FaultsNeedSandbox,
    /// `herald report` before any send (of its kind: real, or `--sandbox` rehearsals).
    #[error(
        "no journal at {path}: campaign `{id}` has not been {} yet",
        if *.sandbox { "rehearsed with --sandbox" } else { "sent" }
    )]
    NoJournal {
        /// Where the journal would be.
        path: crate::journal::Location,
        /// The campaign.
        id: String,
        /// Whether the sandbox's journal was asked for.
        sandbox: bool,
        /// The journal of the other kind, when it has runs of this campaign.
        other: Option<crate::journal::Location>,
    },
    /// The journal cannot be used.
    #[error(transparent)]
    Journal(#[from] crate::journal::JournalError),
    /// The recipients cannot be read as validated.
    #[error(transparent)]
    Plan(#[from] crate::plan::PlanError),
    /// `preview --recipient` names nobody who is sent to.
    #[error(transparent)]
    NotSent(#[from] crate::plan::NotSent),
    /// The report cannot be written.
    #[error("cannot write the report to {}: {source}", .dir.display())]
    Report {
        /// The report folder.
        dir: PathBuf,
        /// What the OS said.
        source: std::io::Error,
    },
    /// `herald man NAME` for no command of that name.
    #[error("`herald {name}` is no command, so it has no manual page; the commands: {known}")]
    NoPage {
        /// The name asked for.
        name: String,
        /// The commands there are.
        known: String,
    },
    /// The manual pages cannot be written.
    #[error("cannot write the manual pages to {}: {source}", .dir.display())]
    ManPages {
        /// The folder.
        dir: PathBuf,
        /// What the OS said.
        source: std::io::Error,
    },
    /// The HTTP client cannot start.
    #[error(transparent)]
    Client(#[from] ClientError),
    /// The sandbox's port is taken (by another sandbox, usually).
    #[error("cannot start the sandbox: port {0} on 127.0.0.1 is already in use")]
    SandboxPortBusy(u16),
    /// The sandbox's latency options contradict each other.
    #[error(transparent)]
    Latency(#[from] crate::sandbox::LatencyError),
    /// The built-in sandbox cannot start.
    #[error("cannot start the sandbox: {0}")]
    Sandbox(std::io::Error),
    /// The sandbox's `--templates` file cannot be served.
    #[error(transparent)]
    SandboxTemplates(#[from] crate::sandbox::templates_file::TemplatesFileError),
    /// The async runtime cannot start.
    #[error("cannot start the async runtime: {0}")]
    Runtime(std::io::Error),
    /// Output cannot be written (other than to a closed pipe, which ends output quietly).
    #[error("cannot write the output: {0}")]
    Output(std::io::Error),
    /// `herald listen` cannot start.
    #[error(transparent)]
    Listen(#[from] crate::listen::ListenError),
    /// `herald track` for a provider whose docs describe no way to read a message's status.
    #[error(
        "{provider} documents no way to read a message's status, so `herald track` cannot poll it; it polls {pollable}"
    )]
    NoPoll {
        /// The provider, for people.
        provider: &'static str,
        /// The providers it polls.
        pollable: String,
        /// Whether the provider reports statuses on a webhook (`herald listen` receives them).
        webhook: bool,
    },
    /// The provider refused the status polls for every message (the key, a permission).
    #[error("{provider} refused the status polls: {error}")]
    PollRefused {
        /// The provider, for people.
        provider: &'static str,
        /// Its words.
        error: String,
        /// What it needs for polls to work.
        needs: &'static str,
    },
    /// `herald templates` for a provider whose docs describe no way to list its templates.
    #[error(
        "{provider} documents no way to list an account's templates, so `herald templates` cannot read them; it reads {readable}"
    )]
    NoAccount {
        /// The provider, for people.
        provider: &'static str,
        /// The providers it reads.
        readable: String,
    },
    /// The account's templates could not be read.
    #[error(transparent)]
    Account(#[from] crate::providers::account::AccountError),
    /// `herald templates --scaffold NAME` names no template of the account.
    #[error("the account has no template `{name}`{}", .language.as_ref().map(|l| format!(" in {l}")).unwrap_or_default())]
    UnknownTemplate {
        /// The name asked for.
        name: String,
        /// The language asked for (`--language`).
        language: Option<String>,
        /// The account's templates closest to it, as `name (language)`.
        close: Vec<String>,
    },
    /// `HERALD_NOW` is not a time.
    #[error("HERALD_NOW=`{0}` is not a time; write it as RFC 3339 with an offset, e.g. 2026-11-30T22:00:00+03:00")]
    BadNow(String),
}

impl Error {
    /// The exit code the command ends with.
    pub fn exit_code(&self) -> u8 {
        match self {
            Error::PollRefused { .. } => crate::exit::PROVIDER_STOPPED,
            Error::Account(e) if !matches!(e, crate::providers::account::AccountError::NeedsWabaId) => {
                crate::exit::PROVIDER_STOPPED
            }
            _ => crate::exit::INVALID,
        }
    }

    /// What to do about it, when there is something to say.
    pub fn help(&self) -> Option<String> {
        match self {
            Error::MissingToken(var) => {
                Some(format!("set it before sending: `export {var}=…` (or use `herald send --sandbox`)"))
            }
            Error::TokenNotHeader(var) => {
                Some(format!("set `{var}` to the token alone, with no line break or non-ASCII character in it"))
            }
            Error::NoJournal { id, sandbox: false, other: Some(other), .. } => Some(format!(
                "campaign `{id}` was only rehearsed with `send --sandbox` (journal {other}): add --sandbox to report those runs"
            )),
            Error::NoJournal { id, sandbox: true, other: Some(other), .. } => Some(format!(
                "campaign `{id}` was sent for real, not rehearsed (journal {other}): drop --sandbox to report those runs"
            )),
            Error::NoJournal { other: None, .. } => Some(
                "if it was sent from another machine or in CI, point --journal (or HERALD_JOURNAL) at that journal"
                    .into(),
            ),
            Error::Latency(_) => {
                Some("give --latency-ms the median delay and --latency-p99-ms one at or above it".into())
            }
            Error::SandboxPortBusy(_) => {
                Some("pass --port 0 to take any free port (the addresses are printed), or another --port".into())
            }
            Error::NotSent(e) => e.help(),
            Error::SandboxTemplates(e) => Some(e.help()),
            Error::Listen(e) => e.help(),
            Error::NoPoll { webhook: true, .. } => {
                Some("receive its statuses as they happen with `herald listen` (see docs/track.md)".into())
            }
            Error::NoPoll { webhook: false, .. } => {
                Some("it reports no delivery status at all, so herald can show only what it accepted".into())
            }
            Error::NoAccount { .. } => {
                Some("validate and send still check the campaign against the provider's documented shapes".into())
            }
            Error::UnknownTemplate { close, .. } if close.is_empty() => {
                Some("`herald templates FILE` lists the account's templates".into())
            }
            Error::UnknownTemplate { close, .. } => Some(format!(
                "closest: {}; `herald templates FILE` lists them all",
                close.iter().map(|c| format!("`{c}`")).collect::<Vec<_>>().join(", ")
            )),
            Error::PollRefused { needs, .. } => Some(format!(
                "{needs}; the receipts recorded so far are kept, and `herald listen` receives them by webhook"
            )),
            _ => None,
        }
    }
}

/// Why the HTTP client cannot start.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The TLS configuration was refused.
    #[error("cannot set up TLS: {0}")]
    Tls(#[from] rustls::Error),
    /// reqwest refused the configuration.
    #[error("cannot start the HTTP client: {0}")]
    Client(#[from] reqwest::Error),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_command_error_exits_two_with_what_to_do() {
        assert_eq!(Error::MissingToken("WA_TOKEN".into()).exit_code(), 2);
        assert!(Error::MissingToken("WA_TOKEN".into()).help().unwrap().contains("export WA_TOKEN"));
    }
}
