//! `herald status FILE`: counts per journal state, the delivery funnel of the accepted
//! messages, first and last send, the runs, and what a re-run would do. Reads without the lock,
//! so it works while a send runs.

use super::Output;
use super::windows::Windows;
use crate::error::Error;
use crate::exit;
use crate::journal::{self, Journal, Location, Policy, RunRow, State, Totals};
use crate::plan::{self, Options as PlanOptions, Plan, TokenCheck};
use crate::receipts::Funnel;
use crate::report::{Basis, Cost, Facts, Shown};
use crate::run::{Inspection, Shares};
use crate::session::canary_waiting;
use std::path::{Path, PathBuf};

/// Options for `status`.
#[derive(Clone)]
pub struct Options {
    /// One JSON object instead of the text.
    pub json: bool,
    /// Campaign file.
    pub file: PathBuf,
    /// Read the sandbox journal.
    pub sandbox: bool,
    /// Journal file.
    pub journal: Option<PathBuf>,
    /// Global opt-out lists (`$HERALD_SUPPRESS`, `--suppress`).
    pub opt_out: Vec<crate::plan::OptOutList>,
    /// `$HERALD_RATE_CARD`: the rate card priced by when the campaign names none.
    pub rate_card: Option<PathBuf>,
    /// `--file-root`: the tree the campaign's files must lie in, instead of its repository.
    pub file_root: Option<PathBuf>,
}

/// Runs `status`.
pub fn run(o: &Options, out: &Output) -> u8 {
    status(o, out).unwrap_or_else(|e| out.error(&e))
}

fn status(o: &Options, out: &Output) -> Result<u8, Error> {
    let Some(plan) = load(&o.file, &o.opt_out, o.rate_card.as_deref(), o.file_root.as_deref(), out) else {
        return Ok(exit::INVALID);
    };
    let path = journal::default_location(&o.file, o.journal.as_deref(), o.sandbox)?;
    let clock = super::clock()?;
    let Some(mut j) = Journal::open_read(&path)? else {
        let windows = Windows::of(&plan, None, clock)?;
        let (n, skipped) = (plan.audience.counts.recipients, plan.audience.counts.skipped());
        let shares = Shares::unsent(&plan)?;
        super::print(&if o.json {
            let mut json = unsent(&plan, &path);
            json["by_sender"] = shares.json();
            json["window"] = windows.as_ref().map(Windows::json).into();
            json.to_string() + "\n"
        } else {
            format!(
                "campaign {} · {} · no journal yet at {}\na run would send to {n} recipients ({skipped} skipped by the campaign file)\n{}{}",
                plan.id,
                o.file.display(),
                path,
                if shares.several() { shares.text() } else { String::new() },
                windows.as_ref().map(Windows::text).unwrap_or_default()
            )
        })?;
        return Ok(exit::OK);
    };
    let mut inspection = crate::run::inspect(&plan, &mut j, Policy::default(), false)?;
    if inspection.rows == 0 {
        inspection.shares = Shares::unsent(&plan)?;
    }
    let (totals, runs, senders) = (j.totals(&plan.id)?, j.runs(&plan.id)?, j.senders(&plan.id)?);
    let funnel = j.funnel(&plan.id)?;
    let charges = j.charges(&plan.id)?;
    let windows = Windows::of(&plan, Some(&j), clock)?;
    let seen = Seen {
        plan: &plan,
        totals: &totals,
        inspection: &inspection,
        runs: &runs,
        path: &path,
        senders,
        funnel: &funnel,
        charges: &charges,
    };
    let printed = if o.json {
        let mut json = json(seen);
        json["window"] = windows.as_ref().map(Windows::json).into();
        json.to_string() + "\n"
    } else {
        text(seen) + &windows.as_ref().map(Windows::text).unwrap_or_default()
    };
    super::print(&printed)?;
    Ok(exit::OK)
}

/// Validates a campaign for `status` and `report` (no token needed), with the global opt-out
/// lists so their counts match what `send` does; `None` after printing why it is invalid.
pub fn load(
    file: &Path,
    opt_out: &[plan::OptOutList],
    rate_card: Option<&Path>,
    file_root: Option<&Path>,
    out: &Output,
) -> Option<Plan> {
    let options = PlanOptions {
        token: TokenCheck::Skip,
        opt_out: opt_out.to_vec(),
        rate_card: rate_card.map(Path::to_path_buf),
        file_root: file_root.map(Path::to_path_buf),
        ..PlanOptions::default()
    };
    let v = plan::load(file, options);
    if v.plan.is_none() {
        out.diagnostics(&v.diagnostics);
        out.invalid(file, &v.diagnostics, false);
    }
    v.plan
}

/// What `status` shows: the campaign, what its journal records, and who is sending it now.
#[derive(Clone, Copy)]
pub struct Seen<'a> {
    /// The campaign.
    pub plan: &'a Plan,
    /// Its rows by state.
    pub totals: &'a Totals,
    /// What a re-run would do.
    pub inspection: &'a Inspection,
    /// Its runs, oldest first.
    pub runs: &'a [RunRow],
    /// The journal.
    pub path: &'a Location,
    /// Processes sending it now.
    pub senders: usize,
    /// What the receipts of its accepted messages add up to.
    pub funnel: &'a Funnel,
    /// Its delivered messages Meta reported billable.
    pub charges: &'a crate::cost::Charges,
}

/// The status as one JSON object, for scripts: the journal's counts (also by sender), the
/// delivery funnel, what a re-run would do, how many processes are sending now, and the last
/// run.
pub fn json(seen: Seen<'_>) -> serde_json::Value {
    let Seen { plan, totals, inspection, runs, path, senders, funnel, charges } = seen;
    let basis = Basis::of(plan);
    let last = runs.last().map(|run| {
        serde_json::json!({
            "started_at": run.started_at,
            "finished_at": run.finished_at,
            "mode": run.mode,
            "stopped": run.stopped.as_ref().map(|(kind, why)| serde_json::json!({ "reason": kind, "message": why })),
            "exit_code": run.exit_code,
        })
    });
    let selection = &inspection.selection;
    let waits = canary_waiting(plan, runs, totals, selection.to_send).is_some();
    serde_json::json!({
        "campaign": plan.id,
        "file": plan.file.display().to_string(),
        "journal": path.to_string(),
        "journal_exists": true,
        "running": senders > 0,
        "senders": senders,
        "counts": {
            "sent": totals.of(State::Sent),
            "failed": totals.of(State::Failed),
            "unknown": totals.of(State::Unknown),
            "in_flight": totals.of(State::InFlight),
            "pending": selection.pending,
            "skipped": inspection.skipped,
        },
        "rerun_would_send": if waits { 0 } else { selection.to_send },
        "needs_continue": waits,
        "continue_would_send": selection.to_send,
        "by_sender": inspection.shares.json(),
        "delivery": crate::report::delivery_json(funnel, receipts(plan)),
        "cost": Cost::of(facts(plan, basis.as_ref(), funnel, charges)).json(),
        "changed": inspection.changes.any(),
        "runs": runs.len(),
        "last_run": last,
    })
}

/// The JSON status of a campaign with no journal yet: the shape of [`json`], nothing sent.
fn unsent(plan: &Plan, path: &Location) -> serde_json::Value {
    let counts = &plan.audience.counts;
    let (basis, funnel, charges) = (Basis::of(plan), Funnel::default(), crate::cost::Charges::default());
    serde_json::json!({
        "campaign": plan.id,
        "file": plan.file.display().to_string(),
        "journal": path.to_string(),
        "journal_exists": false,
        "running": false,
        "senders": 0,
        "counts": { "sent": 0, "failed": 0, "unknown": 0, "in_flight": 0, "pending": counts.recipients, "skipped": counts.skipped() },
        "rerun_would_send": counts.recipients,
        "needs_continue": false,
        "continue_would_send": counts.recipients,
        "delivery": crate::report::delivery_json(&funnel, receipts(plan)),
        "cost": Cost::of(facts(plan, basis.as_ref(), &funnel, &charges)).json(),
        "changed": false,
        "runs": 0,
        "last_run": null,
    })
}

/// The facts `plan`'s cost is told from: its rate card and estimate (`basis`), its journal's
/// `funnel` and `charges`.
fn facts<'a>(
    plan: &Plan,
    basis: Option<&'a Basis>,
    funnel: &'a Funnel,
    charges: &'a crate::cost::Charges,
) -> Facts<'a> {
    Facts {
        basis,
        template: plan.message_type == crate::message::MessageType::Template,
        reported: plan.provider.reports_pricing(),
        dry_run: false,
        funnel,
        charges,
    }
}

/// Whether `plan`'s provider documents status events herald can receive.
fn receipts(plan: &Plan) -> bool {
    plan.provider.provider().status_webhook().is_some()
}

/// The status text. Pure, so tests check it.
pub fn text(seen: Seen<'_>) -> String {
    let Seen { plan, totals, inspection, runs, path, senders, funnel, charges } = seen;
    let basis = Basis::of(plan);
    let busy = senders > 0;
    let mut s = format!("campaign {} · {} · journal {path}\n", plan.id, plan.file.display());
    let lines = [
        ("sent", totals.of(State::Sent), String::new()),
        ("failed", totals.of(State::Failed), String::new()),
        (
            "unknown",
            totals.of(State::Unknown),
            if totals.interrupted > 0 {
                format!("{} were in flight when a run stopped", totals.interrupted)
            } else {
                String::new()
            },
        ),
        (
            "in flight",
            totals.of(State::InFlight),
            if busy {
                "a send is running now".into()
            } else {
                "the run stopped; the next run counts them unknown".into()
            },
        ),
        ("pending", inspection.selection.pending, "never attempted".into()),
        ("skipped", inspection.skipped, "invalid, duplicate or suppressed in the campaign".into()),
    ];
    for (name, n, note) in lines {
        if n > 0 || matches!(name, "sent" | "failed" | "pending") {
            let note = if note.is_empty() || n == 0 { String::new() } else { format!("   ({note})") };
            s.push_str(&format!("  {name:<10}{n:>8}{note}\n"));
        }
    }
    if inspection.shares.several() {
        s.push_str(&inspection.shares.text());
    }
    s.push_str(&Shown::of(funnel, receipts(plan), plan.provider.provider().info().name).text());
    s.push_str(&Cost::of(facts(plan, basis.as_ref(), funnel, charges)).text());
    if let (Some(first), Some(last)) = (&totals.first_sent_at, &totals.last_at) {
        s.push_str(&format!("first send {first} · last {last}\n"));
    }
    if let Some(run) = runs.last() {
        let how = match (&run.finished_at, &run.stopped) {
            (None, _) if senders > 1 => format!("running now; {senders} runners are sending the campaign"),
            (None, _) if busy => "running now".to_string(),
            (None, _) => "did not finish (killed?)".to_string(),
            (Some(_), Some((_, why))) => format!("stopped: {why}"),
            (Some(_), None) => "finished".to_string(),
        };
        let code = run.exit_code.map(|c| format!(", exit {c}")).unwrap_or_default();
        s.push_str(&format!(
            "{} run{} · last started {} ({how}{code})\n",
            runs.len(),
            if runs.len() == 1 { "" } else { "s" },
            run.started_at
        ));
    }
    match canary_waiting(plan, runs, totals, inspection.selection.to_send) {
        Some(canary) => s.push_str(&format!(
            "the canary went out at {}; a re-run sends nothing until --continue, which would {}\n",
            canary.started_at,
            inspection.selection.describe()
        )),
        None => s.push_str(&format!("a re-run would {}\n", inspection.selection.describe())),
    }
    if inspection.changes.any() {
        s.push_str(&format!(
            "changed since the last run: {} (a re-run needs --allow-changed)\n",
            inspection.changes.describe()
        ));
    }
    s
}
