//! What a session tells its caller as it goes: notes about the journal, the `send_at` and
//! window waits, each pass's progress and result, and the canary's end. The session never
//! prints; the CLI turns these into the lines on stderr (see [`Event::line`]) and the summaries.

use super::CanaryEnd;
use crate::journal::{Location, LookAlike};
use crate::report::Mode;
use crate::run::{Outcome as PassOutcome, Tally};
use jiff::Timestamp;
use std::path::Path;
use std::time::Duration;

/// One thing that happened in a session, in the order it happened.
#[derive(Debug)]
pub enum Event<'a> {
    /// The session created its journal, a file at this path (the CLI may note `.gitignore`).
    JournalCreated(&'a Path),
    /// The journal was created on a CI runner's disk (`ci` names the CI system).
    JournalOnRunner {
        /// The CI system.
        ci: &'static str,
        /// The journal.
        location: &'a Location,
    },
    /// A campaign new to the journal looks like one it has sent (a rehearsal goes on).
    LooksLike {
        /// The campaign's id.
        id: &'a str,
        /// The campaign it looks like.
        like: &'a LookAlike,
    },
    /// Recipients in flight when an earlier run stopped are now `unknown`.
    Settled(usize),
    /// Recipients the run sends to again were sent from an account the campaign no longer
    /// lists in `provider.senders`: they go from their hash's sender instead.
    SenderGone {
        /// The account.
        account: &'a str,
        /// How many.
        recipients: usize,
    },
    /// A marketing template goes to recipients the same sender messaged in the last 24 hours
    /// (Meta may hold it back: 131049).
    MarketedToday {
        /// How many.
        recipients: usize,
        /// The first of them, as the file names it (`line 3 of people.csv`).
        first: String,
    },
    /// The campaign changed since the last run; a dry run goes on (`allowed` false) or
    /// `--allow-changed` let it (`allowed` true).
    Changed {
        /// What changed, in words.
        changes: String,
        /// Whether `--allow-changed` was given.
        allowed: bool,
    },
    /// What the journal says a run would do, once it is sure to go ahead this far.
    Journal {
        /// The journal.
        location: &'a Location,
        /// Who a run would send to, and what limits it, in words.
        would: String,
    },
    /// `schedule.send_at` has passed; sending now (`--now`).
    SendAtPassed(String),
    /// The provider schedules: each request carries the time (`now`: `--now` sends at once).
    SendAtByProvider {
        /// The time, as people read it.
        when: String,
        /// The provider's name.
        provider: &'static str,
        /// Whether `--now` overrides it.
        now: bool,
    },
    /// `schedule.send_at` is ahead, but this run sends now (`--now`, a dry run or the sandbox).
    SendAtNow {
        /// The time, as people read it.
        when: String,
        /// Whether `--now` is why.
        now: bool,
    },
    /// Still waiting for `schedule.send_at` (`at`), at `now`; sent about once a second.
    Countdown {
        /// The time waited for.
        at: Timestamp,
        /// The time now.
        now: Timestamp,
    },
    /// The wait for `schedule.send_at` is over (done or cancelled).
    CountdownOver,
    /// A pass over the audience starts, to send to about `count` recipients.
    PassStarting(usize),
    /// A pass's counts so far, and how long it has run.
    Progress(&'a Tally, Duration),
    /// A pass stopped sending (its result follows unless it failed as a whole).
    PassOver,
    /// A pass's result: its report and where the report was written.
    Passed {
        /// The pass's outcome (report and report error).
        outcome: &'a PassOutcome,
        /// The report folder, if one was written.
        report_dir: Option<&'a Path>,
        /// How it sent.
        mode: Mode,
        /// The session waits for delivery receipts next and tells the report again with them
        /// ([`Event::Receipted`]).
        receipts_follow: bool,
    },
    /// The canary ended the session.
    CanaryEnded {
        /// How.
        end: &'a CanaryEnd,
        /// The command to run again: the file, with `--sandbox` when sandboxed.
        file: String,
    },
    /// A clean canary: waiting `.0` before sending to the rest.
    CanaryWait(Duration),
    /// Waiting for delivery receipts: the funnel so far, and the longest wait left.
    AwaitingReceipts {
        /// The campaign's funnel in the journal now.
        funnel: &'a crate::receipts::Funnel,
        /// The time left.
        left: Duration,
    },
    /// The receipts are in (or the wait is over): the report rebuilt with them, and where.
    Receipted {
        /// The report, its delivery funnel and gate judged.
        report: &'a crate::report::Report,
        /// Its folder, rewritten with the receipts.
        report_dir: Option<&'a Path>,
        /// How it sent.
        mode: Mode,
        /// Why the folder could not be rewritten, if so.
        error: Option<&'a crate::error::Error>,
    },
    /// Waiting until `opens` (in `wait`) for a held recipient's sending window.
    WindowWait {
        /// When the first window opens.
        opens: Timestamp,
        /// How long that is from now.
        wait: Duration,
    },
}

impl Event<'_> {
    /// The line to print on stderr for an event that is one line, as herald prints it.
    /// `None` for what the caller draws its own way (progress, countdown, results).
    pub fn line(&self) -> Option<String> {
        let s = match self {
            Event::JournalOnRunner { ci, location } => format!(
                "warning: running in CI ({ci}) with the journal on this runner's disk ({}): it is lost with the runner, and a re-run on a fresh one would message everyone again. Keep it: set HERALD_JOURNAL (or --journal) to a postgres:// URL (a database that outlives the runner, shared by every job that sends), or cache or upload `{}` between jobs (after herald exits it is one whole file)",
                location, location
            ),
            Event::LooksLike { id, like } => format!(
                "warning: campaign `{id}` is new to the journal, but it looks like {like}; a real send would refuse unless --new-id"
            ),
            Event::MarketedToday { recipients, first } => format!(
                "warning: {recipients} recipient{s} of this marketing template {were} messaged by the same sender in the last 24 hours (the first is {first}); Meta may hold {them} back to keep a \"healthy ecosystem engagement\" (error 131049, not billed). Send later, or leave {them} out",
                s = if *recipients == 1 { "" } else { "s" },
                were = if *recipients == 1 { "was" } else { "were" },
                them = if *recipients == 1 { "it" } else { "them" },
            ),
            Event::Settled(settled) => format!(
                "note: {settled} recipient{} were in flight when an earlier run stopped; they are now `unknown` (the provider may or may not have them) and are not resent unless --retry-unknown",
                if *settled == 1 { "" } else { "s" }
            ),
            Event::SenderGone { account, recipients } => format!(
                "warning: {recipients} recipient{s} to send to again {was} sent from sender `{account}`, which `provider.senders` no longer lists; {they} now go from another sender (their replies may come to a new number). Put `{account}` back in the list to keep {them} on it",
                s = if *recipients == 1 { "" } else { "s" },
                was = if *recipients == 1 { "was" } else { "were" },
                they = if *recipients == 1 { "it" } else { "they" },
                them = if *recipients == 1 { "it" } else { "them" },
            ),
            Event::Changed { changes, allowed: false } => {
                format!("warning: {changes}; a real run would refuse to send unless --allow-changed")
            }
            Event::Changed { changes, allowed: true } => format!("note: {changes} (--allow-changed)"),
            Event::Journal { location, would } => format!("journal {location}: {would}"),
            Event::SendAtPassed(when) => format!("note: schedule.send_at ({when}) has passed; sending now (--now)"),
            Event::SendAtByProvider { when, provider, now: true } => {
                format!("note: schedule.send_at is {when}; sending now, without asking {provider} to wait (--now)")
            }
            Event::SendAtByProvider { when, provider, now: false } => {
                format!("note: each request asks {provider} to deliver at {when} (`schedule.mode: provider`)")
            }
            Event::SendAtNow { when, now } => format!(
                "note: schedule.send_at is {when}; sending now ({})",
                if *now { "--now" } else { "dry run or sandbox" }
            ),
            Event::CanaryEnded { end, file } => end.line(file),
            Event::CanaryWait(wait) => format!(
                "the canary had no failures; going on in {} (Ctrl-C stops; `--continue` sends to the rest later)",
                crate::clock::format(*wait)
            ),
            Event::WindowWait { opens, wait } => format!(
                "waiting until {opens} (in {}) for the next sending window; Ctrl-C stops (the next run continues), --no-wait exits instead",
                crate::clock::format(*wait)
            ),
            Event::JournalCreated(_)
            | Event::Countdown { .. }
            | Event::CountdownOver
            | Event::PassStarting(_)
            | Event::Progress(..)
            | Event::PassOver
            | Event::Passed { .. }
            | Event::AwaitingReceipts { .. }
            | Event::Receipted { .. } => return None,
        };
        Some(s)
    }
}
