//! Why a session cannot go on: a refusal before it sends (a changed or look-alike campaign, a
//! canary waiting for `--continue`, …), a wait cancelled, or an error from the journal, the
//! campaign's data, a pass, or the caller's event callback. It carries its own exit code and
//! help; the CLI prints it as it prints its other errors.

use crate::error::Error;
use crate::journal::{JournalError, Location, LookAlike};
use crate::plan::PlanError;
use std::path::PathBuf;

/// Why a session could not do its work.
#[derive(Debug, thiserror::Error)]
pub enum SessionError {
    /// The journal cannot be used.
    #[error(transparent)]
    Journal(#[from] JournalError),
    /// The recipients cannot be read as validated.
    #[error(transparent)]
    Plan(#[from] PlanError),
    /// A pass, or reading who it would send to, failed otherwise (the report cannot be written).
    #[error(transparent)]
    Run(Box<Error>),
    /// The event callback could not write its output.
    #[error("cannot write the output: {0}")]
    Output(#[source] std::io::Error),
    /// `--limit 0`.
    #[error("--limit 0 sends nothing")]
    LimitZero,
    /// The campaign changed after a partial send.
    #[error("campaign `{id}` changed since it was partly sent: {changes}")]
    Changed {
        /// The campaign.
        id: String,
        /// What changed, in words.
        changes: String,
    },
    /// A campaign new to the journal looks like one it has sent under another id.
    #[error("campaign `{id}` is new to the journal, but it looks like {like}; sending it would message them again")]
    LooksSent {
        /// The campaign's id now.
        id: String,
        /// The sent campaign it looks like.
        like: LookAlike,
    },
    /// The journal is missing although this campaign was sent before.
    #[error(
        "no journal at {path}, but {} shows campaign `{id}` was sent before; without its journal herald would message everyone again",
        .report.display()
    )]
    JournalMissing {
        /// Where the journal should be.
        path: Location,
        /// The report of an earlier send.
        report: PathBuf,
        /// The campaign.
        id: String,
    },
    /// A daily cap is counted in the journal.
    #[error(
        "`delivery.daily_cap` needs the journal (the messages of the last 24 hours are counted there); drop --no-journal"
    )]
    CapNeedsJournal,
    /// A canary needs the journal to know it was sent.
    #[error("`delivery.canary` needs the journal (to know the canary went out); drop --no-journal")]
    CanaryNeedsJournal,
    /// The canary went out already; going on needs `--continue`.
    #[error(
        "the canary of `{id}` went out at {at}{}; nothing was sent now. {}, then pass --continue to send to the rest",
        if *.failed { " and failed" } else { "" },
        if *.failed { "Fix the cause" } else { "Check its messages" }
    )]
    CanaryDone {
        /// The campaign.
        id: String,
        /// When the canary run started.
        at: String,
        /// Whether it failed.
        failed: bool,
    },
    /// Interrupted while waiting for `schedule.send_at`, before anything was sent.
    #[error("cancelled before sending; nothing was sent")]
    Cancelled,
    /// Waiting for delivery receipts needs the journal they are written into.
    #[error(
        "waiting for delivery receipts needs the journal (they are written into it): drop --no-journal, or the wait (--wait-receipts, delivery.wait_receipts, delivery.min_delivered)"
    )]
    ReceiptsNeedJournal,
    /// Interrupted while waiting to go on after a clean canary.
    #[error("stopped after the canary; `herald send FILE --continue` sends to the rest")]
    CanaryWaitCancelled,
    /// Interrupted while waiting for held recipients' sending window.
    #[error("stopped while waiting for the sending window; run the same command again to send to those waiting")]
    WindowWaitCancelled,
}

impl From<Error> for SessionError {
    /// A pass's or an inspection's error, by where it came from.
    fn from(e: Error) -> SessionError {
        match e {
            Error::Journal(e) => SessionError::Journal(e),
            Error::Plan(e) => SessionError::Plan(e),
            other => SessionError::Run(Box::new(other)),
        }
    }
}

impl SessionError {
    /// The exit code the session ends with.
    pub fn exit_code(&self) -> u8 {
        match self {
            SessionError::Cancelled | SessionError::WindowWaitCancelled | SessionError::CanaryWaitCancelled => {
                crate::exit::INTERRUPTED
            }
            SessionError::CanaryDone { .. } => crate::exit::WAITING,
            SessionError::Run(e) => e.exit_code(),
            _ => crate::exit::INVALID,
        }
    }

    /// What to do about it, when there is something to say.
    pub fn help(&self) -> Option<String> {
        match self {
            SessionError::JournalMissing { .. } => Some(
                "restore the journal (from a backup, or the CI cache it came from), or pass --new-journal if sending to everyone again is what you want"
                    .into(),
            ),
            SessionError::LooksSent { like, .. } => Some(format!(
                "if it is a new campaign, pass --new-id to send it as one; if the id changed by mistake, put back `id: {}` (a re-run sends only to whoever is left)",
                like.id
            )),
            SessionError::Changed { .. } => Some(
                "sending on would give part of the audience one message and the rest another; undo the change, or pass --allow-changed to send the new version to the remaining recipients"
                    .into(),
            ),
            SessionError::Run(e) => e.help(),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_codes_and_help_follow_the_error_a_pass_failed_with() {
        assert_eq!(SessionError::LimitZero.exit_code(), 2);
        assert_eq!((SessionError::Cancelled.exit_code(), SessionError::WindowWaitCancelled.exit_code()), (130, 130));
        assert_eq!(SessionError::CanaryDone { id: "c".into(), at: "t".into(), failed: true }.exit_code(), 75);
        let changed = SessionError::Changed { id: "c".into(), changes: "the text changed".into() };
        assert!(changed.help().is_some_and(|h| h.contains("--allow-changed")));
        let run = SessionError::from(Error::Report { dir: "out".into(), source: std::io::Error::other("read-only") });
        assert!(matches!(run, SessionError::Run(_)));
        assert!(run.to_string().starts_with("cannot write the report to out"), "{run}");
    }
}
