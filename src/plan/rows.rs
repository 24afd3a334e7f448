//! The validation pass over every row: each skipped row, each template that cannot be rendered
//! and each provider limit exceeded becomes a problem naming the row. Problems that repeat for
//! many recipients are reported once, with a count; memory stays bounded however many rows
//! have problems.

use super::Plan;
use super::checks::Context;
use super::window::Zones;
use crate::campaign::schema::display_path;
use crate::campaign::source::Part;
use crate::diagnostic::{Diagnostic, Diagnostics, Location, Severity};
use crate::providers::Finding;
use crate::recipients::{Audience, AudienceError, Entry, Recipient, SkipReason, Skipped, describe};
use crate::template::RenderError;
use crate::window::Placed;
use crate::window::zones::BadZone;
use std::collections::BTreeMap;
use std::time::Duration;

/// Distinct provider findings kept for reporting; further distinct ones are only counted.
const MAX_FINDINGS: usize = 256;

/// What rendering a recipient found: the provider's findings and the typing indicator's time
/// before the message (`delivery.typing`), or why it does not render; and the clock their
/// window follows.
type Checked = (Result<(Vec<Finding>, Option<Duration>), RenderError>, Option<Result<Placed, BadZone>>);

/// Rows rendered per chunk on another thread.
const CHUNK: usize = 256;

/// Renders every recipient and reports every problem. Rows are read on this thread and rendered
/// on the others; problems are reported in file order. Returns the typing indicator's time over
/// every recipient (zero without `delivery.typing`).
pub fn check(plan: &Plan, ctx: &Context, diags: &mut Diagnostics) -> Result<Duration, AudienceError> {
    let csv_name = plan.audience.csv_path().map(|p| p.display().to_string());
    let csv_name = csv_name.as_deref();
    let mut findings = Findings::default();
    let mut zones = Zones::default();
    let mut typing = Duration::ZERO;
    let typed = |out: &Option<crate::providers::Outgoing>| {
        out.as_ref().and_then(|o| crate::typing::delay(&o.message)).filter(|_| plan.delivery.typing)
    };
    let mut entries = plan.audience.entries()?;
    let next = || -> Result<Option<Vec<Entry>>, AudienceError> {
        let chunk: Vec<Entry> = entries.by_ref().take(CHUNK).collect::<Result<_, _>>()?;
        Ok((!chunk.is_empty()).then_some(chunk))
    };
    // Messages are rendered, checked and dropped on the worker; only findings come back.
    let render = |chunk: Vec<Entry>| -> Vec<(Entry, Option<Checked>)> {
        chunk
            .into_iter()
            .map(|entry| {
                let found = match &entry {
                    Entry::Recipient(r) => {
                        let rendered = plan.renderer.message(r).map(|m| (typed(&m.outgoing), m.findings));
                        Some((rendered.map(|(typing, findings)| (findings, typing)), plan.placed(r)))
                    }
                    _ => None,
                };
                (entry, found)
            })
            .collect()
    };
    crate::parallel::ordered(next, render, |rendered| {
        for (entry, result) in rendered {
            match (entry, result) {
                (Entry::Ragged { line, fields }, _) => diags.push(ragged(line, fields, &plan.audience, csv_name)),
                (Entry::Skipped(s), _) => skipped(&s, csv_name, ctx, diags),
                (Entry::Recipient(r), Some((found, placed))) => {
                    match found {
                        Ok((found, typed)) => {
                            typing = typing.saturating_add(typed.unwrap_or_default());
                            if !found.is_empty() {
                                findings.add(found, &describe(r.origin, csv_name));
                            }
                        }
                        Err(e) => diags.push(render_error(plan, &r, &e, &describe(r.origin, csv_name), csv_name, ctx)),
                    }
                    match placed {
                        Some(Ok(placed)) => zones.add(&placed, r.origin),
                        Some(Err(bad)) => diags.push(super::window::bad_zone(&bad, r.csv_line(), csv_name)),
                        None => {}
                    }
                }
                (Entry::Filtered { .. } | Entry::Recipient(_), _) => {}
            }
        }
        Ok(())
    })?;
    findings.report(plan.audience.counts.recipients, ctx, diags);
    zones.report(plan.timezone_column.is_some(), csv_name, ctx, diags);
    Ok(typing)
}

/// Reports the rows left out of an audience that has nobody to send to (so nothing to render),
/// each with its line and reason, as [`check`] does when some rows are valid.
pub fn check_skipped(audience: &Audience, ctx: &Context, diags: &mut Diagnostics) -> Result<(), AudienceError> {
    let csv_name = audience.csv_path().map(|p| p.display().to_string());
    let csv_name = csv_name.as_deref();
    for entry in audience.entries()? {
        match entry? {
            Entry::Ragged { line, fields } => diags.push(ragged(line, fields, audience, csv_name)),
            Entry::Skipped(s) => skipped(&s, csv_name, ctx, diags),
            Entry::Recipient(_) | Entry::Filtered { .. } => {}
        }
    }
    Ok(())
}

/// A row with more or fewer fields than the header.
fn ragged(line: u64, fields: usize, audience: &Audience, csv_name: Option<&str>) -> Diagnostic {
    let width = audience.headers().len();
    Diagnostic::warning(format!(
        "line {line} has {fields} field{} but the header has {width}",
        if fields == 1 { "" } else { "s" }
    ))
    .at(csv_name.map(|n| Location::line(n, line as usize)))
    .help("missing cells are empty; extra cells are ignored")
    .group("rows with a wrong number of fields")
}

fn skipped(s: &Skipped, csv_name: Option<&str>, ctx: &Context, diags: &mut Diagnostics) {
    let at = match (s.origin.csv_line(), csv_name) {
        (Some(line), Some(name)) => Some(Location::line(name, line as usize)),
        _ => match s.origin {
            crate::recipients::Origin::ListItem(i) => ctx.source.locate(&format!("/recipients/list/{i}"), Part::Value),
            crate::recipients::Origin::GroupItem(i) => {
                ctx.source.locate(&format!("/recipients/groups/{i}"), Part::Value)
            }
            _ => None,
        },
    };
    let (text, group) = match &s.reason {
        SkipReason::NoPhone | SkipReason::InvalidPhone(_) => {
            (format!("{}; this recipient is skipped", s.message()), "invalid phone numbers")
        }
        SkipReason::NoGroup => (format!("{}; skipped", s.message()), "rows without a group id"),
        SkipReason::NoContact => (format!("{}; skipped", s.message()), "rows without a contact id"),
        SkipReason::Duplicate { first } => (
            format!("{} is a duplicate of {}; it is sent once", s.recipient, describe(*first, None)),
            "duplicate phone numbers",
        ),
        SkipReason::Unreadable => (format!("{}; skipped", s.message()), "unreadable rows"),
        SkipReason::Suppressed => return,
    };
    diags.push(Diagnostic::warning(text).at(at).group(group));
}

fn render_error(
    plan: &Plan,
    r: &Recipient,
    e: &RenderError,
    here: &str,
    csv_name: Option<&str>,
    ctx: &Context,
) -> Diagnostic {
    let headers = plan.audience.headers();
    let empty = plan
        .renderer
        .uses(&e.pointer)
        .find(|v| headers.iter().zip(r.values.iter()).any(|(h, val)| h == *v && val.is_none()));
    let name = plan.renderer.name(&e.pointer);
    let d = match empty {
        Some(v) => Diagnostic::error(format!("`{v}` is empty at {here}, and {name} uses it"))
            // Single quotes, so the hint stays valid pasted into a double-quoted YAML string.
            .help(format!("fill it in, or give a fallback: {{{{ {v} | default('…') }}}}")),
        None => Diagnostic::error(format!("{name} cannot be rendered for {here}: {}", e.message)),
    };
    let at = r.csv_line().and_then(|l| csv_name.map(|n| Location::line(n, l as usize)));
    d.at(at.or_else(|| ctx.source.locate(&e.pointer, Part::Value))).group(format!("rendering {name}"))
}

/// Provider findings, counted per distinct finding with the first recipient it concerns.
#[derive(Default)]
struct Findings {
    seen: BTreeMap<Finding, (String, usize)>,
    /// Findings beyond [`MAX_FINDINGS`] distinct ones: how many, and whether any is an error.
    more: (usize, bool),
}

impl Findings {
    fn add(&mut self, found: Vec<Finding>, here: &str) {
        for f in found {
            if let Some(entry) = self.seen.get_mut(&f) {
                entry.1 += 1;
            } else if self.seen.len() < MAX_FINDINGS {
                self.seen.insert(f, (here.to_string(), 1));
            } else {
                self.more.0 += 1;
                self.more.1 |= f.severity == Severity::Error;
            }
        }
    }

    fn report(self, total: usize, ctx: &Context, diags: &mut Diagnostics) {
        for (Finding { severity, pointer, text }, (first, n)) in self.seen {
            let whom = if n == total && total > 1 {
                String::new()
            } else if n == 1 {
                format!(" ({first})")
            } else {
                format!(" ({first} and {} more)", n - 1)
            };
            diags.push(
                ctx.at(severity, &pointer, Part::Value, format!("{text}{whom}"))
                    .group(format!("problems with `{}`", display_path(&pointer))),
            );
        }
        if self.more.0 > 0 {
            let severity = if self.more.1 { Severity::Error } else { Severity::Warning };
            diags.push(Diagnostic::new(
                severity,
                format!("{} more problems with the rendered messages, of other kinds", self.more.0),
            ));
        }
    }
}
