//! The per-user marketing cap (Meta's 131049, "healthy ecosystem engagement"): Meta holds back
//! marketing templates to people who got too many lately, so a marketing template to
//! recipients this sender messaged in the last 24 hours (by any other campaign in the journal)
//! is at risk. Told once the journal is open, before the prompt, with how many and the first.

use crate::cost::{Billed, Category};
use crate::journal::Journal;
use crate::plan::{Plan, Row};
use crate::recipients::describe;

/// How many of `plan`'s recipients another campaign of its senders messaged in the last 24
/// hours, and the first of them; `None` when none did or the template is not marketing.
pub(super) fn recently_messaged(plan: &Plan, j: &Journal) -> Result<Option<(usize, String)>, super::SessionError> {
    if plan.billed != Billed::Template(Some(Category::Marketing)) {
        return Ok(None);
    }
    let since = jiff::Timestamp::now() - jiff::SignedDuration::from_hours(24);
    let mut messaged = std::collections::HashSet::new();
    for s in &plan.senders {
        messaged.extend(j.messaged_since(&format!("{}:{}", plan.provider, s.account), &plan.id, since)?);
    }
    if messaged.is_empty() {
        return Ok(None);
    }
    let csv_name = plan.audience.csv_path().map(|p| p.display().to_string());
    let (mut count, mut first) = (0, None);
    for row in plan.rows()? {
        let Row::Recipient(r) = row? else { continue };
        if messaged.contains(&r.target.to_string()) {
            count += 1;
            first.get_or_insert_with(|| describe(r.origin, csv_name.as_deref()));
        }
    }
    Ok(first.map(|first| (count, first)))
}
