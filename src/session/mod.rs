//! The send session as a library call: everything `herald send` does after the campaign is
//! validated and before the summary is printed. It opens and settles the journal (refusing a
//! changed or look-alike campaign), gates the canary and `--continue`, waits for
//! `schedule.send_at`, runs the pass(es) through [`crate::run::run`], waits for a held
//! recipient's window and sends again, and waits after a clean canary. It prints nothing: what
//! happens is told to an event callback ([`Event`]), and it returns a typed [`Outcome`] with the
//! exit code.
//!
//! A caller that asks for confirmation opens the session first ([`Session::open`]: the journal,
//! who would be sent to, [`Session::count`]), then [`Session::run`]s it; [`run`] does both.

mod canary;
mod error;
mod events;
mod journal;
mod marketing;
mod receipts;
mod waits;

pub use canary::{CanaryEnd, sent as canary_sent, waiting as canary_waiting};
pub use error::SessionError;
pub use events::Event;
pub use receipts::{ReceiptsWait, Settled, progress_line};

use crate::journal::{Journal, Policy};
use crate::plan::Plan;
use crate::report::{self, Mode};
use crate::run::{self, Inspection, Tally, transport::Transport};
use crate::secret::Tokens;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// Where a session's events go. An error from it (output that cannot be written) ends the
/// session with [`SessionError::Output`], except for progress, which cannot stop a run.
pub type OnEvent<'f> = &'f mut (dyn FnMut(Event<'_>) -> std::io::Result<()> + Send);

/// What a session does, as `herald send`'s flags say it. Its `Debug` hides a journal URL's
/// password.
#[derive(Clone, Default)]
pub struct Options {
    /// The campaign file as the user named it (for what to run again).
    pub file: PathBuf,
    /// Render and report, send nothing.
    pub dry_run: bool,
    /// Send to the built-in sandbox: its own journal, no waits for windows or `send_at`.
    pub sandbox: bool,
    /// Sending was confirmed beforehand (`--yes`): the journal is created when the session opens.
    pub confirmed: bool,
    /// First N recipients only.
    pub limit: Option<usize>,
    /// Go on after the campaign's canary.
    pub continue_: bool,
    /// End with [`crate::exit::WAITING`] instead of waiting for held recipients' windows.
    pub no_wait: bool,
    /// Ignore `schedule.send_at`.
    pub now: bool,
    /// Send to recipients outside `schedule.window` too.
    pub ignore_window: bool,
    /// Journal file or URL chosen on purpose (`--journal`, `HERALD_JOURNAL`); else the default
    /// beside the campaign. The session does not read `HERALD_JOURNAL`: the caller resolves it.
    pub journal: Option<PathBuf>,
    /// The CI service running the session (`GitHub Actions`, …), to warn that a default journal
    /// on its runner's disk is lost with the runner (the command line detects it).
    pub ci: Option<&'static str>,
    /// Send without a journal.
    pub no_journal: bool,
    /// Start a journal although reports show the campaign was sent before.
    pub new_journal: bool,
    /// Send a campaign new to the journal although it looks like one it has sent.
    pub new_id: bool,
    /// Continue although the campaign changed since the last run.
    pub allow_changed: bool,
    /// Whom to send to again: failed, unknown.
    pub policy: Policy,
    /// Store request bodies in the journal.
    pub keep_bodies: bool,
    /// Report folder (else the default one; none for a dry run).
    pub report: Option<PathBuf>,
    /// After the last pass, wait for delivery receipts and report them (`None`: no wait).
    pub receipts: Option<ReceiptsWait>,
}

impl std::fmt::Debug for Options {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let journal = self.journal.as_ref().map(|p| crate::journal::redact(&p.to_string_lossy()));
        f.debug_struct("Options")
            .field("file", &self.file)
            .field("dry_run", &self.dry_run)
            .field("sandbox", &self.sandbox)
            .field("confirmed", &self.confirmed)
            .field("limit", &self.limit)
            .field("continue_", &self.continue_)
            .field("no_wait", &self.no_wait)
            .field("now", &self.now)
            .field("ignore_window", &self.ignore_window)
            .field("journal", &journal)
            .field("ci", &self.ci)
            .field("no_journal", &self.no_journal)
            .field("new_journal", &self.new_journal)
            .field("new_id", &self.new_id)
            .field("allow_changed", &self.allow_changed)
            .field("policy", &self.policy)
            .field("keep_bodies", &self.keep_bodies)
            .field("report", &self.report)
            .field("receipts", &self.receipts)
            .finish()
    }
}

/// What a session sends with.
pub struct Deps<T> {
    /// Where requests go (HTTP, nowhere for a dry run, memory in tests).
    pub transport: Arc<T>,
    /// The provider's tokens: one per sender, or one for them all.
    pub tokens: Tokens,
    /// What time it is (windows are judged by it) and how the session waits: the system's,
    /// `HERALD_NOW`'s fixed instant (windows judged then; no wait for them), or a manual clock
    /// in tests (its waits move it on at once).
    pub clock: crate::window::Clock,
    /// Ctrl-C and SIGTERM.
    pub cancel: CancellationToken,
}

/// How a session ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The last pass ended with this exit code (0 done, 1 failures, 75 recipients waiting, …).
    Ran {
        /// Its exit code.
        code: u8,
    },
    /// The canary ended the session.
    Canary(CanaryEnd),
}

impl Outcome {
    /// The exit code the session ends with.
    pub fn exit_code(&self) -> u8 {
        match self {
            Outcome::Ran { code } => *code,
            Outcome::Canary(end) => end.exit_code(),
        }
    }
}

/// A session opened: its journal, who a run would send to, whether it starts with the canary.
pub struct Session {
    /// The validated campaign.
    plan: Arc<Plan>,
    /// What to do.
    options: Options,
    /// The journal and what it said, unless there is none (yet).
    journal: Option<(Journal, Inspection)>,
    /// Who a run would send to.
    inspection: Inspection,
    /// Recipients the first pass would send to.
    count: usize,
    /// Whether the first pass is the canary.
    canary: bool,
}

/// Opens and runs a session in one call, without a confirmation between.
pub async fn run<T: Transport>(
    plan: Arc<Plan>,
    options: Options,
    deps: Deps<T>,
    mut on_event: impl FnMut(Event<'_>) -> std::io::Result<()> + Send,
) -> Result<Outcome, SessionError> {
    let session = Session::open(plan, options, &mut on_event)?;
    session.run(deps, &mut on_event).await
}

impl Session {
    /// Opens the journal (without creating it unless `confirmed` or a dry run would not need it),
    /// inspects who a run would send to, refuses what cannot go ahead (`--limit 0` with
    /// recipients left, a cap without a journal, a canary waiting for `--continue`) and tells
    /// what the journal says.
    pub fn open(plan: Arc<Plan>, options: Options, on_event: OnEvent<'_>) -> Result<Session, SessionError> {
        let o = &options;
        // A send still to be confirmed does not create its journal yet: a refusal, or `n` at the
        // prompt, leaves nothing behind.
        let journal = journal::open(&plan, o, o.confirmed, on_event)?;
        let inspection = match journal.as_ref() {
            Some((_, inspection)) => inspection.clone(),
            None => Inspection::fresh(&plan, o.policy),
        };
        let mut count = o.limit.unwrap_or(usize::MAX).min(inspection.selection.to_send);
        if o.limit == Some(0) && inspection.selection.to_send > 0 {
            return Err(SessionError::LimitZero);
        }
        if plan.delivery.daily_cap.is_some() && o.no_journal {
            return Err(SessionError::CapNeedsJournal);
        }
        if o.receipts.is_some() && o.no_journal && !o.dry_run {
            return Err(SessionError::ReceiptsNeedJournal);
        }
        let mut within = o.limit.map(|n| (n, format!("--limit {n}")));
        let canary = canary::gate(&plan, journal.as_ref(), o)?;
        if let Some(c) = plan.canary.as_ref().filter(|_| canary) {
            count = count.min(c.count) + c.seeds.len();
            within = Some((c.count.min(o.limit.unwrap_or(usize::MAX)), "the canary".into()));
        }
        // Said once the run is sure to go ahead this far, with what limits it.
        if let Some((j, inspection)) = journal.as_ref().filter(|(_, i)| i.rows > 0) {
            let would = if o.dry_run { "a real run would " } else { "" };
            let what = inspection.selection.describe_within(within.as_ref().map(|(n, why)| (*n, why.as_str())));
            tell(on_event, Event::Journal { location: j.location(), would: format!("{would}{what}") })?;
        }
        Ok(Session { plan, options, journal, inspection, count, canary })
    }

    /// Recipients the first pass would send to (the canary's, when it starts with one).
    pub fn count(&self) -> usize {
        self.count
    }

    /// Runs the session: creates the journal if it is not there yet, takes a changed campaign
    /// as the new baseline, waits for `send_at`, sends, and after a canary or a pass that left
    /// recipients held for their window, waits and sends again.
    pub async fn run<T: Transport>(self, deps: Deps<T>, on_event: OnEvent<'_>) -> Result<Outcome, SessionError> {
        let Session { plan, options: o, mut journal, mut inspection, mut count, canary } = self;
        let policy = o.policy;
        if journal.is_none() && !o.dry_run {
            journal = journal::open(&plan, &o, true, on_event)?;
            if let Some((_, now)) = &journal {
                inspection = now.clone();
            }
        }
        if let Some((j, inspection)) = journal.as_mut().filter(|(_, i)| i.changes.any() && !o.dry_run) {
            // Confirmed: the new version becomes the baseline, so the change is reported once.
            *inspection = run::inspect(&plan, j, policy, true)?;
        }
        if let Some(at) = if count > 0 { waits::send_at(&plan, &o, &deps.clock, on_event)? } else { None } {
            // The journal's lock is not held while waiting for `send_at`, so other campaigns in
            // this folder can send; it is taken again, and who is left looked up again, at the time.
            drop(journal.take());
            waits::until(at, &deps.clock, &deps.cancel, on_event).await?;
            journal = journal::open(&plan, &o, true, on_event)?;
            if let Some((_, now)) = &journal {
                inspection = now.clone();
                count = o.limit.unwrap_or(usize::MAX).min(inspection.selection.to_send);
            }
        }
        let mut canary = canary;
        loop {
            let pinned = Arc::new(inspection.pins.clone());
            let pass = Pass { count, expected: inspection.selection.to_send, canary, pinned };
            let end = send_pass(&plan, &o, journal.as_mut().map(|(j, _)| j), &deps, pass, on_event).await?;
            let (code, held_until) = (end.code, end.held_until);
            if let Some(c) = plan.canary.as_ref().filter(|_| canary) {
                if let Some(end) = canary::after(c, &end, &o) {
                    let file = format!("{}{}", o.file.display(), if o.sandbox { " --sandbox" } else { "" });
                    tell(on_event, Event::CanaryEnded { end: &end, file })?;
                    return Ok(Outcome::Canary(end));
                }
                waits::after_canary(c.wait, &deps.clock, &deps.cancel, on_event).await?;
                canary = false;
                if let Some((j, now)) = journal.as_mut() {
                    *now = run::inspect(&plan, j, policy, false)?;
                    inspection = now.clone();
                    count = o.limit.unwrap_or(usize::MAX).min(inspection.selection.to_send);
                }
                continue;
            }
            let Some(opens) = held_until.filter(|_| code == crate::exit::WAITING && waits_for_window(&o, &deps.clock))
            else {
                let journal = journal.as_ref().map(|(j, _)| j);
                return Ok(Outcome::Ran { code: receipted(&plan, &o, journal, end, &deps.cancel, on_event).await? });
            };
            // As for `send_at`, the campaign's lock is not held while waiting.
            drop(journal.take());
            waits::window(opens, &deps.clock, &deps.cancel, on_event).await?;
            journal = journal::open(&plan, &o, true, on_event)?;
            if let Some((_, now)) = &journal {
                inspection = now.clone();
                count = o.limit.unwrap_or(usize::MAX).min(inspection.selection.to_send);
            }
        }
    }
}

/// Tells `on_event` of `event`; output it cannot write ends the session.
fn tell(on_event: OnEvent<'_>, event: Event<'_>) -> Result<(), SessionError> {
    on_event(event).map_err(SessionError::Output)
}

/// After the last pass: waits for delivery receipts when asked, rebuilds its report with them
/// and judges the delivery gate; the session's exit code. A pass that did not end clean keeps
/// its own code (a stop, failures, recipients waiting); a clean one fails on the gate.
async fn receipted(
    plan: &Arc<Plan>,
    o: &Options,
    journal: Option<&Journal>,
    end: PassEnd,
    cancel: &CancellationToken,
    on_event: OnEvent<'_>,
) -> Result<u8, SessionError> {
    let (Some(wait), Some(journal), Some(pass)) = (o.receipts.as_ref(), journal, end.report) else {
        return Ok(end.code);
    };
    let (report_dir, mode) = (end.report_dir.as_deref(), pass.about.mode);
    let received = match receipts::wait(journal, &plan.id, wait, cancel, on_event).await {
        Ok((waited, how)) => {
            let waited = report::Waited { waited, ended: how };
            receipts::report(plan, journal, &pass, waited, report_dir).await.map(|r| (how, r))
        }
        Err(e) => Err(e),
    };
    let (how, (report, written)) = match received {
        Ok(received) => received,
        Err(e) => {
            // The receipts cannot be read: the pass's own report stands, said with the error.
            let error = match e {
                SessionError::Journal(e) => crate::error::Error::Journal(e),
                SessionError::Run(e) => *e,
                other => return Err(other),
            };
            tell(on_event, Event::Receipted { report: &pass, report_dir, mode, error: Some(&error) })?;
            return Ok(if end.code == crate::exit::OK { error.exit_code() } else { end.code });
        }
    };
    tell(on_event, Event::Receipted { report: &report, report_dir, mode, error: written.as_ref() })?;
    // A pass that did not end clean keeps its code; a clean one ends on the gate, or 130 when
    // Ctrl-C cut the wait short.
    Ok(match (end.code, how) {
        (crate::exit::OK, report::WaitEnd::Interrupted) => crate::exit::INTERRUPTED,
        (crate::exit::OK, _) => report.exit_code,
        (code, _) => code,
    })
}

/// Whether the session waits for a held recipient's window and sends again: rehearsals (a dry
/// run, the sandbox, a fixed HERALD_NOW) and --no-wait do not; without a journal a second pass
/// would message the first pass's recipients again.
fn waits_for_window(o: &Options, clock: &crate::window::Clock) -> bool {
    !(o.no_wait || o.dry_run || o.no_journal || o.sandbox || clock.is_fixed())
}

/// One pass over the audience.
struct Pass {
    /// Recipients it would send to, as the journal says (`--limit` applied).
    count: usize,
    /// Recipients to send to, without the limit.
    expected: usize,
    /// Run the campaign's canary.
    canary: bool,
    /// Recipients who go from the sender the journal records for them.
    pinned: Arc<run::Pins>,
}

/// How a pass ended.
struct PassEnd {
    /// Its exit code.
    code: u8,
    /// When the first recipient held outside their window may be sent to.
    held_until: Option<jiff::Timestamp>,
    /// Failed and unknown recipients in its report.
    failed: usize,
    /// Its report (`None` for a canary, whose report is its own).
    report: Option<report::Report>,
    /// Where its report was written.
    report_dir: Option<PathBuf>,
}

/// Sends once over the audience, tells its progress and result; says how it ended.
async fn send_pass<T: Transport>(
    plan: &Arc<Plan>,
    o: &Options,
    journal: Option<&mut Journal>,
    deps: &Deps<T>,
    pass: Pass,
    on_event: OnEvent<'_>,
) -> Result<PassEnd, SessionError> {
    let mode = if o.dry_run {
        Mode::DryRun
    } else if o.sandbox {
        Mode::Sandbox
    } else {
        Mode::Send
    };
    let started = jiff::Timestamp::now();
    // A dry run writes nothing unless asked to.
    let report_dir = match (&o.report, o.dry_run) {
        (Some(dir), _) => Some(dir.clone()),
        (None, true) => None,
        (None, false) => Some(report::default_dir(&plan.file, &plan.id, started)),
    };
    let run_options = run::Options {
        mode,
        limit: o.limit,
        policy: o.policy,
        keep_bodies: o.keep_bodies,
        expected: Some(pass.expected),
        report_dir: report_dir.clone(),
        window: (!o.ignore_window).then(|| deps.clock.clone()),
        canary: pass.canary,
        pinned: pass.pinned,
    };
    tell(on_event, Event::PassStarting(pass.count))?;
    // Progress cannot stop a run: what the callback says to it is not an error of the run.
    let mut show = |t: &Tally, elapsed: Duration| {
        let _ = on_event(Event::Progress(t, elapsed));
    };
    let (transport, tokens, cancel) = (deps.transport.clone(), deps.tokens.clone(), deps.cancel.clone());
    let has_journal = journal.is_some();
    let outcome = run::run(plan.clone(), &run_options, journal, transport, tokens, cancel, &mut show).await;
    tell(on_event, Event::PassOver)?;
    let outcome = outcome?;
    let report = &outcome.report;
    // Receipts are waited for after the last pass: not after a canary, nor before a window's.
    let again =
        report.exit_code == crate::exit::WAITING && report.run.held_until.is_some() && waits_for_window(o, &deps.clock);
    let receipts_follow = o.receipts.is_some()
        && !pass.canary
        && !again
        && has_journal
        && mode != Mode::DryRun
        && report.count(crate::results::Status::Sent) > 0;
    tell(on_event, Event::Passed { outcome: &outcome, report_dir: report_dir.as_deref(), mode, receipts_follow })?;
    let failed = report.count(crate::results::Status::Failed) + report.count(crate::results::Status::Unknown);
    let kept = receipts_follow.then(|| report.clone());
    Ok(PassEnd { code: report.exit_code, held_until: report.run.held_until, failed, report: kept, report_dir })
}

#[cfg(test)]
mod tests {
    use super::Options;

    #[test]
    fn options_printed_for_debugging_hide_the_journal_password() {
        let o = Options { journal: Some("postgres://herald:s3cret@db:5432/h".into()), ..Options::default() };
        let printed = format!("{o:?}");
        assert!(!printed.contains("s3cret") && printed.contains("herald:***@db"), "{printed}");
    }
}
