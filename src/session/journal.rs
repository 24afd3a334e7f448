//! The session's journal: opened (read-only for a dry run), a campaign new to it that looks like
//! one it has sent refused, a crashed run settled, and who a run would send to inspected.

use super::{Event, OnEvent, Options, SessionError, tell};
use crate::journal::{self, Journal};
use crate::plan::Plan;
use crate::report;
use crate::run::{self, Inspection};

/// Opens the journal (read-only for a dry run), refuses a campaign new to it that looks like one
/// it has sent (unless `--new-id`), settles a crashed run, and inspects it: who a run would send
/// to, and whether the campaign changed (refused unless `--allow-changed`). Without `create`, a
/// journal not there yet is not created (`None`), as for a dry run.
pub(super) fn open(
    plan: &Plan,
    o: &Options,
    create: bool,
    on_event: OnEvent<'_>,
) -> Result<Option<(Journal, Inspection)>, SessionError> {
    if o.no_journal {
        return Ok(None);
    }
    let path = journal::default_location(&plan.file, o.journal.as_deref(), o.sandbox)?;
    let fresh = !path.exists();
    if !o.dry_run {
        // Reports sit beside the default journal: a chosen path is a deliberate choice.
        let default = o.journal.is_none();
        let check = fresh && default && !o.new_journal;
        if let Some(report) = report::earlier_send(&plan.file, &plan.id, o.sandbox).filter(|_| check) {
            return Err(SessionError::JournalMissing { path, report, id: plan.id.clone() });
        }
    }
    let mut j = if o.dry_run || (fresh && !create) {
        match Journal::open_read(&path)? {
            Some(j) => j,
            None => return Ok(None),
        }
    } else {
        let j = Journal::open(&path, &plan.id)?;
        if let Some(file) = path.file().filter(|_| fresh) {
            tell(on_event, Event::JournalCreated(file))?;
        }
        // A journal path chosen on purpose (--journal, HERALD_JOURNAL) is taken as kept.
        if let Some(ci) = o.ci.filter(|_| o.journal.is_none() && !o.sandbox) {
            tell(on_event, Event::JournalOnRunner { ci, location: &path })?;
        }
        j
    };
    if let Some(like) = journal::look_alike(&j, &plan.id, &plan.source, &plan.sections)?.filter(|_| !o.new_id) {
        if !o.dry_run && !o.sandbox {
            return Err(SessionError::LooksSent { id: plan.id.clone(), like });
        }
        tell(on_event, Event::LooksLike { id: &plan.id, like: &like })?;
    }
    if !o.dry_run {
        let settled = j.settle_crashed(&plan.id)?;
        if settled > 0 {
            tell(on_event, Event::Settled(settled))?;
        }
    }
    let inspection = run::inspect(plan, &mut j, o.policy, false)?;
    for (account, recipients) in inspection.pins.unlisted() {
        tell(on_event, Event::SenderGone { account, recipients })?;
    }
    if let Some((recipients, first)) = super::marketing::recently_messaged(plan, &j)? {
        tell(on_event, Event::MarketedToday { recipients, first })?;
    }
    if inspection.changes.any() {
        let changes = inspection.changes.describe();
        if o.dry_run && !o.allow_changed {
            tell(on_event, Event::Changed { changes, allowed: false })?;
        } else if !o.allow_changed {
            return Err(SessionError::Changed { id: plan.id.clone(), changes });
        } else {
            tell(on_event, Event::Changed { changes, allowed: true })?;
        }
    }
    Ok(Some((j, inspection)))
}
