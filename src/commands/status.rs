//! `herald status FILE`: counts per journal state, first and last send, the runs, and what a
//! re-run would do. Reads without the lock, so it works while a send runs.

use super::Output;
use crate::exit;
use crate::journal::{self, State};
use crate::plan;
use std::collections::BTreeMap;
use std::path::Path;

/// Runs `status`.
pub fn run(file: &Path, journal_path: Option<&Path>, sandbox: bool, out: &Output) -> u8 {
    let v = match super::journal_view(file, journal_path, sandbox, out) {
        Ok(v) => v,
        Err(code) => return code,
    };
    match &v.journal {
        Some(j) => print!("{}", text(&v.plan, &v.state, &v.runs, &v.path, j.busy())),
        None => {
            println!("campaign {} · {} · no journal yet at {}", v.plan.id, file.display(), v.path.display());
            let (n, skipped) = (v.plan.sends.len(), v.plan.skipped.total());
            println!("a run would send to {n} recipients ({skipped} skipped by the campaign file)");
        }
    }
    exit::OK
}

/// The status text. Pure, so tests check it.
pub fn text(
    plan: &plan::Plan,
    state: &journal::CampaignState,
    runs: &[journal::RunRow],
    path: &Path,
    busy: bool,
) -> String {
    let mut counts: BTreeMap<State, usize> = BTreeMap::new();
    for row in state.rows.values() {
        *counts.entry(row.state).or_default() += 1;
    }
    let selection = journal::select(plan, state, false, false);
    let mut s = format!("campaign {} · {} · journal {}\n", plan.id, plan.file.display(), path.display());
    let interrupted = state.rows.values().filter(|r| r.record.error_code.as_deref() == Some("interrupted")).count();
    let lines = [
        ("sent", counts.get(&State::Sent).copied().unwrap_or(0), String::new()),
        ("failed", counts.get(&State::Failed).copied().unwrap_or(0), String::new()),
        (
            "unknown",
            counts.get(&State::Unknown).copied().unwrap_or(0),
            if interrupted > 0 { format!("{interrupted} were in flight when a run stopped") } else { String::new() },
        ),
        (
            "in flight",
            counts.get(&State::InFlight).copied().unwrap_or(0),
            if busy {
                "a send is running now".into()
            } else {
                "the run stopped; the next run counts them unknown".into()
            },
        ),
        ("pending", selection.pending, "never attempted".into()),
        ("skipped", plan.skipped.total(), "invalid, duplicate or suppressed in the campaign".into()),
    ];
    for (name, n, note) in lines {
        if n > 0 || matches!(name, "sent" | "failed" | "pending") {
            let note = if note.is_empty() || n == 0 { String::new() } else { format!("   ({note})") };
            s.push_str(&format!("  {name:<10}{n:>8}{note}\n"));
        }
    }
    let first = state.rows.values().map(|r| r.first_sent_at.as_str()).min();
    let last = state.rows.values().map(|r| r.record.timestamp.as_str()).max();
    if let (Some(first), Some(last)) = (first, last) {
        s.push_str(&format!("first send {first} · last {last}\n"));
    }
    if let Some(run) = runs.last() {
        let how = match (&run.finished_at, &run.stopped) {
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
    let changes = journal::detect(state, plan);
    s.push_str(&format!("a re-run would {}\n", selection.describe()));
    if changes.any() {
        s.push_str(&format!("changed since the last run: {} (a re-run needs --allow-changed)\n", changes.describe()));
    }
    s
}
