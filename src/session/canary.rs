//! The canary (`delivery.canary`): whether a run starts with it, whether it waits for
//! `--continue`, and what follows a canary pass: the session ends (it failed, stopped, or pauses
//! for `--continue`) or goes on to the rest after its wait.

use super::{Options, PassEnd, SessionError};
use crate::journal::{self, Journal, RunRow, State, Totals};
use crate::plan::{Canary, Plan};
use crate::run::Inspection;

/// How a canary ended the session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CanaryEnd {
    /// No failures, but some of it waits for its sending window: run again to go on.
    Held {
        /// The pass's exit code.
        code: u8,
    },
    /// It stopped before anyone failed; nothing more was sent.
    Stopped {
        /// The pass's exit code.
        code: u8,
    },
    /// Recipients failed or are unknown; nothing more was sent until `--continue`.
    Failed {
        /// How many failed or are unknown.
        failed: usize,
        /// The pass's exit code.
        code: u8,
    },
    /// It went out clean and pauses for `--continue` (exit 75).
    Paused {
        /// The seeds it went to.
        seeds: usize,
        /// Up to how many of the audience it went to.
        count: usize,
    },
}

impl CanaryEnd {
    /// The exit code the session ends with.
    pub fn exit_code(&self) -> u8 {
        match self {
            CanaryEnd::Held { code } | CanaryEnd::Stopped { code } | CanaryEnd::Failed { code, .. } => *code,
            CanaryEnd::Paused { .. } => crate::exit::WAITING,
        }
    }

    /// What herald says about it; `file` is what to run again.
    pub(super) fn line(&self, file: &str) -> String {
        match self {
            CanaryEnd::Held { .. } => format!(
                "the canary had no failures, but some of it waits for its sending window (exit 75: done for now, recipients waiting): run `herald send {file}` again to go on"
            ),
            CanaryEnd::Stopped { code } => format!(
                "the canary stopped (exit {code}) before anyone failed; nothing more was sent. Fix the cause, then run `herald send {file}` again"
            ),
            CanaryEnd::Failed { failed, .. } => format!(
                "the canary failed ({failed} recipient{} failed or unknown); nothing more was sent. Fix the cause, then `herald send {file} --continue` sends to the rest",
                if *failed == 1 { "" } else { "s" }
            ),
            CanaryEnd::Paused { seeds, count } => format!(
                "canary sent ({seeds} seed{}, up to {count} of the audience): check the messages, then `herald send {file} --continue` sends to the rest (exit 75: done for now, recipients waiting)",
                if *seeds == 1 { "" } else { "s" },
            ),
        }
    }
}

/// Whether this run starts with the campaign's canary: not with `--continue`, nor once the
/// canary went out and a run went on after it or nobody is left (an ordinary re-run). Refuses a
/// run while the canary waits for `--continue`, or a canary with no journal to remember it.
pub(super) fn gate(plan: &Plan, journal: Option<&(Journal, Inspection)>, o: &Options) -> Result<bool, SessionError> {
    if plan.canary.is_none() || o.continue_ {
        return Ok(false);
    }
    if o.no_journal {
        return Err(SessionError::CanaryNeedsJournal);
    }
    let Some((j, inspection)) = journal else { return Ok(true) };
    let runs = j.runs(&plan.id)?;
    // Before --continue, the campaign's only rows are the canary's.
    let totals = j.totals(&plan.id)?;
    if let Some(canary) = waiting(plan, &runs, &totals, inspection.selection.to_send) {
        let failed = totals.of(journal::State::Failed) + totals.of(journal::State::Unknown) > 0;
        return Err(SessionError::CanaryDone { id: plan.id.clone(), failed, at: canary.started_at.clone() });
    }
    Ok(sent(plan, &runs, &totals).is_none())
}

/// What follows a canary pass: how it ends the session (it failed, or it pauses for
/// `--continue`: the report's code says which), or `None` to go on after its wait.
pub(super) fn after(c: &Canary, end: &PassEnd, o: &Options) -> Option<CanaryEnd> {
    if end.code == crate::exit::OK {
        return None;
    }
    let clean = end.failed == 0 && end.code == crate::exit::WAITING;
    if clean && !(o.dry_run || c.pause) {
        return Some(CanaryEnd::Held { code: end.code });
    }
    if end.failed == 0 && !clean {
        return Some(CanaryEnd::Stopped { code: end.code });
    }
    if !clean {
        return Some(CanaryEnd::Failed { failed: end.failed, code: end.code });
    }
    Some(CanaryEnd::Paused { seeds: c.seeds.len(), count: c.count })
}

/// The canary run of a campaign that has a canary (`delivery.canary`), once it went out (see
/// [`went_out`]).
pub fn sent<'r>(plan: &Plan, runs: &'r [RunRow], totals: &Totals) -> Option<&'r RunRow> {
    runs.iter().find(|r| went_out(r, totals)).filter(|_| plan.canary.is_some())
}

/// The canary run while it waits for `--continue` (a run without it sends nothing): it went
/// out, no run has gone on after it, and `to_send` recipients are left. Once a run went on, or
/// nobody is left, a re-run is an ordinary one.
pub fn waiting<'r>(plan: &Plan, runs: &'r [RunRow], totals: &Totals, to_send: usize) -> Option<&'r RunRow> {
    let at = runs.iter().position(|r| went_out(r, totals)).filter(|_| plan.canary.is_some())?;
    let gone_on = runs[at + 1..].iter().any(|r| r.mode != crate::run::CANARY);
    (!gone_on && to_send > 0).then(|| &runs[at])
}

/// Whether `run` is a canary that went out: it ended done, failed or paused (exit 0, 1 or 75),
/// or it reached the provider before it stopped (the campaign has sent, failed or unknown rows,
/// which before `--continue` are the canary's). A failed canary did its job: the campaign waits
/// for `--continue`. A canary stopped before anyone got it (the provider refused, an interrupt)
/// is not one: the next plain run sends the canary again.
fn went_out(run: &RunRow, totals: &Totals) -> bool {
    use crate::exit::{FAILURES, OK, WAITING};
    let reached = totals.of(State::Sent) + totals.of(State::Failed) + totals.of(State::Unknown) > 0;
    run.mode == crate::run::CANARY && (matches!(run.exit_code, Some(OK | FAILURES | WAITING)) || reached)
}
