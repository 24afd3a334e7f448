//! What makes a command fail as a whole, as one enum with the exit code each case ends with. A
//! failed delivery is not here: it is data (a [`crate::results::Record`]).

use crate::session::SessionError;
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
    /// The built-in sandbox cannot start.
    #[error("cannot start the sandbox: {0}")]
    Sandbox(std::io::Error),
    /// The async runtime cannot start.
    #[error("cannot start the async runtime: {0}")]
    Runtime(std::io::Error),
    /// Output cannot be written (other than to a closed pipe, which ends output quietly).
    #[error("cannot write the output: {0}")]
    Output(std::io::Error),
    /// `HERALD_NOW` is not a time.
    #[error("HERALD_NOW=`{0}` is not a time; write it as RFC 3339 with an offset, e.g. 2026-11-30T22:00:00+03:00")]
    BadNow(String),
    /// Interrupted before anything was sent (while validating).
    #[error("cancelled before sending; nothing was sent")]
    Cancelled,
    /// The send session could not go on (see [`SessionError`]).
    #[error(transparent)]
    Session(SessionError),
}

impl Error {
    /// The exit code the command ends with.
    pub fn exit_code(&self) -> u8 {
        match self {
            Error::Cancelled => crate::exit::INTERRUPTED,
            Error::Session(e) => e.exit_code(),
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
            Error::SandboxPortBusy(_) => {
                Some("pass --port 0 to take any free port (the addresses are printed), or another --port".into())
            }
            Error::Session(e) => e.help(),
            Error::NotSent(e) => e.help(),
            _ => None,
        }
    }
}

impl From<SessionError> for Error {
    /// The session's error at the CLI's edge: what it came from (the journal, the campaign's
    /// data, a pass, output) as the error it was, a refusal or a cancelled wait as itself.
    fn from(e: SessionError) -> Error {
        match e {
            SessionError::Journal(e) => Error::Journal(e),
            SessionError::Plan(e) => Error::Plan(e),
            SessionError::Run(e) => *e,
            SessionError::Output(e) => Error::Output(e),
            other => Error::Session(other),
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
    fn every_error_exits_two_except_a_cancelled_wait() {
        assert_eq!(Error::from(SessionError::LimitZero).exit_code(), 2);
        assert_eq!(Error::MissingToken("WA_TOKEN".into()).exit_code(), 2);
        assert_eq!(Error::Cancelled.exit_code(), 130);
        assert!(Error::MissingToken("WA_TOKEN".into()).help().unwrap().contains("export WA_TOKEN"));
    }
}
