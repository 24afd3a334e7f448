//! Before a run: what the journal says about the campaign (who would be sent to, who is already
//! final) and whether the campaign changed since it was partly sent, by comparing each known
//! recipient's request hash with the one the campaign renders now. One streaming pass, made
//! only when the journal has rows for the campaign. A recipient the campaign now suppresses but
//! the journal has already is counted once, by the journal.

use super::pins::Pins;
use super::request_hash;
use super::shares::Shares;
use super::transport::wire_body;
use crate::error::Error;
use crate::journal::{Changes, Decision, Journal, Policy, Selection, State};
use crate::plan::{Plan, Row};
use crate::recipients::SkipReason;

/// Hashes rewritten per transaction with `--allow-changed`.
const REBASELINE_CHUNK: usize = 10_000;

/// Recipients looked up in the journal at once.
const LOOKUP_BATCH: usize = 1000;

/// What a run would do, and what changed.
#[derive(Debug, Clone, Default)]
pub struct Inspection {
    /// Who would be sent to, and who is left as the journal has them.
    pub selection: Selection,
    /// What changed since the last run.
    pub changes: Changes,
    /// Rows the journal has for the campaign.
    pub rows: usize,
    /// Rows the campaign skips (invalid, duplicate, suppressed) that the journal has no row
    /// for: a number suppressed after it was sent counts as sent, not as skipped too.
    pub skipped: usize,
    /// Recipients who go from the sender the journal records for them.
    pub pins: Pins,
    /// Each sender's share, as the journal has it (empty when it has no row of the campaign:
    /// see [`Shares::unsent`]).
    pub shares: Shares,
}

impl Inspection {
    /// A campaign no journal knows: everyone is pending.
    pub fn fresh(plan: &Plan, policy: Policy) -> Inspection {
        let n = plan.audience.counts.recipients;
        let selection = Selection { policy, to_send: n, pending: n, ..Selection::default() };
        let skipped = plan.audience.counts.skipped();
        let (changes, pins, shares) = (Changes::default(), Pins::default(), Shares::default());
        Inspection { selection, changes, rows: 0, skipped, pins, shares }
    }
}

/// Inspects `plan` against `journal`. With `rebaseline`, the request hashes of changed
/// recipients are rewritten as the campaign renders them now (`--allow-changed`), so the change
/// is reported once, not on every later run.
pub fn inspect(plan: &Plan, journal: &mut Journal, policy: Policy, rebaseline: bool) -> Result<Inspection, Error> {
    let rows = journal.totals(&plan.id)?.rows();
    if rows == 0 {
        return Ok(Inspection::fresh(plan, policy));
    }
    let mut selection = Selection { policy, ..Selection::default() };
    let mut changes = Changes::of_sections(journal.sections(&plan.id)?.as_ref(), &plan.sections);
    let mut rewrite = Vec::new();
    let mut pins = Pins::default();
    let mut shares = Shares::of(plan);
    let mut batch = Vec::with_capacity(LOOKUP_BATCH);
    let (mut suppressed, mut known) = (Vec::new(), 0);
    let mut planned = plan.rows()?.peekable();
    while planned.peek().is_some() {
        batch.clear();
        while batch.len() < LOOKUP_BATCH {
            match planned.next().transpose()? {
                Some(Row::Recipient(r)) => batch.push((r.target.to_string(), r)),
                Some(Row::Skipped(s)) if matches!(s.reason, SkipReason::Suppressed) => {
                    suppressed.push(s.recipient);
                    if suppressed.len() == LOOKUP_BATCH {
                        known += already_final(journal, &plan.id, &mut suppressed, &mut selection)?;
                    }
                }
                Some(Row::Skipped(_)) => {}
                None => break,
            }
        }
        let keys: Vec<String> = batch.iter().map(|(key, _)| key.clone()).collect();
        let mut rows = journal.rows(&plan.id, &keys)?;
        for (key, r) in batch.drain(..) {
            let row = rows.remove(&key);
            selection.count(row.as_ref());
            let Some(row) = row else {
                let hashed = if plan.senders.len() > 1 { plan.pin(&key) } else { 0 };
                shares.count(plan.senders.get(hashed).map_or("", |s| s.account.as_str()), None);
                continue;
            };
            let csv_line = r.csv_line();
            let again = policy.decide(Some(&row)) == Decision::Send;
            let sender = pins.note(plan, &key, row.record.sender.as_deref(), again);
            let pinned = plan.senders.get(sender).map_or("", |s| s.account.as_str());
            shares.count(row.record.sender.as_deref().unwrap_or(pinned), Some(row.state));
            let send = plan.send_from(r, sender)?;
            let hash = request_hash::of(plan, &send, &wire_body(&send.request.body))?;
            // A journal written before connection settings joined the hash still matches this way.
            if row.request_hash != hash && row.request_hash != request_hash::legacy(plan, &send)? {
                changes.request_changed(key.clone(), csv_line);
                if rebaseline {
                    rewrite.push((key, hash));
                    if rewrite.len() == REBASELINE_CHUNK {
                        journal.rebaseline(&plan.id, &rewrite)?;
                        rewrite.clear();
                    }
                }
            }
        }
    }
    if rebaseline && !rewrite.is_empty() {
        journal.rebaseline(&plan.id, &rewrite)?;
    }
    known += already_final(journal, &plan.id, &mut suppressed, &mut selection)?;
    let skipped = plan.audience.counts.skipped().saturating_sub(known);
    Ok(Inspection { selection, changes, rows, skipped, pins, shares })
}

/// Looks up suppressed recipients (`keys`, emptied): those the journal has are counted there,
/// the sent ones as already sent; returns how many it has.
fn already_final(
    journal: &Journal,
    campaign: &str,
    keys: &mut Vec<String>,
    selection: &mut Selection,
) -> Result<usize, Error> {
    if keys.is_empty() {
        return Ok(0);
    }
    let rows = journal.rows(campaign, keys)?;
    selection.sent += keys.iter().filter(|k| rows.get(*k).is_some_and(|r| r.state == State::Sent)).count();
    keys.clear();
    Ok(rows.len())
}
