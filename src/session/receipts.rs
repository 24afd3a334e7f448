//! After the last pass: the wait for delivery receipts (`--wait-receipts`,
//! `delivery.wait_receipts`, `delivery.min_delivered`), and the report rebuilt from the journal
//! with what they said. Receipts reach the journal from a receiver — `herald listen` beside the
//! send, or this process's own (`send --listen`, the sandbox's) — and the wait reads the
//! journal's funnel once a tick until every accepted message has a final receipt (delivered,
//! read or failed), the receiver says nothing more is coming, or the time is up. Ctrl-C or
//! SIGTERM ends the wait early; the report is written all the same.

use super::{Event, OnEvent, SessionError, tell};
use crate::journal::Journal;
use crate::plan::Plan;
use crate::receipts::Funnel;
use crate::report::{self, Report, WaitEnd};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// How often the journal's funnel is read while waiting.
const TICK: Duration = Duration::from_millis(500);

/// Says whether the receiver has nothing more to deliver (the sandbox: every receipt it planned
/// was posted), so the wait need not run out its time for receipts that will never come.
pub type Settled = Arc<dyn Fn() -> bool + Send + Sync>;

/// The wait for receipts a session does after its last pass.
#[derive(Clone)]
pub struct ReceiptsWait {
    /// The longest wait.
    pub max: Duration,
    /// Ends the wait once true, whether or not every message has a final receipt; `None`:
    /// the wait ends when every accepted message has one.
    pub settled: Option<Settled>,
}

impl std::fmt::Debug for ReceiptsWait {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReceiptsWait").field("max", &self.max).field("settled", &self.settled.is_some()).finish()
    }
}

/// Waits for receipts of `campaign` in `journal` as `wait` says, telling the funnel once a
/// tick; returns how long it waited and how it ended.
pub(super) async fn wait(
    journal: &Journal,
    campaign: &str,
    wait: &ReceiptsWait,
    cancel: &CancellationToken,
    on_event: OnEvent<'_>,
) -> Result<(Duration, WaitEnd), SessionError> {
    let started = tokio::time::Instant::now();
    loop {
        let funnel = journal.funnel(campaign)?;
        let waited = started.elapsed();
        let done = match &wait.settled {
            Some(settled) => settled() || funnel.no_receipt == 0,
            None => funnel.no_receipt == 0,
        };
        if done {
            return Ok((waited, WaitEnd::Complete));
        }
        if waited >= wait.max {
            return Ok((waited, WaitEnd::TimedOut));
        }
        let left = wait.max - waited;
        tell(on_event, Event::AwaitingReceipts { funnel: &funnel, left })?;
        tokio::select! {
            biased;
            () = cancel.cancelled() => return Ok((started.elapsed(), WaitEnd::Interrupted)),
            () = tokio::time::sleep(left.min(TICK)) => {}
        }
    }
}

/// The pass's report rebuilt from the journal once the receipts are in: every record with its
/// receipts (`results.csv` rewritten in `report_dir`), the run facts of the pass, and the
/// delivery gate judged.
pub(super) async fn report(
    plan: &Arc<Plan>,
    journal: &Journal,
    pass: &Report,
    waited: report::Waited,
    report_dir: Option<&Path>,
) -> Result<(Report, Option<crate::error::Error>), SessionError> {
    let writer = match report_dir {
        Some(dir) => report::Writer::in_dir(dir),
        None => report::Writer::new(None),
    };
    let writer = writer.map_err(|source| match report_dir {
        Some(dir) => crate::error::Error::Report { dir: dir.to_path_buf(), source },
        None => crate::error::Error::Output(source),
    })?;
    let summary = crate::run::rebuild(plan.clone(), journal, writer).await?;
    let mut run = pass.run.clone();
    run.receipts = Some(waited);
    let report = Report::new(pass.about.clone(), summary, run);
    let written = report_dir.and_then(|dir| {
        let written = report.write_summaries(dir);
        written.err().map(|source| crate::error::Error::Report { dir: dir.to_path_buf(), source })
    });
    Ok((report, written))
}

/// The funnel as one progress line: how many of the accepted messages have a final receipt.
pub fn progress_line(funnel: &Funnel, left: Duration) -> String {
    let last = funnel.accepted - funnel.no_receipt;
    format!(
        "waiting for receipts: {last} of {} accepted have one (delivered {}, read {}, failed {}); {} left, Ctrl-C stops waiting",
        funnel.accepted,
        funnel.delivered,
        funnel.read,
        funnel.failed,
        crate::clock::format(left)
    )
}
