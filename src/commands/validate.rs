//! `herald validate FILE...`: every problem in every file, then one summary line per valid file.

use super::Output;
use crate::exit;
use crate::plan::{self, Options as PlanOptions, ScheduleCheck};
use std::path::PathBuf;

/// Options for `validate`.
#[derive(Debug, Clone)]
pub struct Options {
    /// Campaign files.
    pub files: Vec<PathBuf>,
    /// Print every problem.
    pub all_problems: bool,
    /// Warnings count as errors.
    pub strict: bool,
    /// One JSON object per file on stdout instead of the summary lines.
    pub json: bool,
    /// Global opt-out lists (`$HERALD_SUPPRESS`, `--suppress`).
    pub opt_out: Vec<crate::plan::OptOutList>,
    /// `$HERALD_RATE_CARD`: the rate card priced by when the campaign names none.
    pub rate_card: Option<PathBuf>,
    /// `--file-root`: the tree the campaign's files must lie in, instead of its repository.
    pub file_root: Option<PathBuf>,
}

/// Runs `validate`; exit 0 when every file is valid, 2 otherwise.
pub fn run(o: &Options, out: &Output) -> u8 {
    let mut code = exit::OK;
    for file in &o.files {
        let options = PlanOptions {
            problems_per_group: super::problems_per_group(o.all_problems),
            strict: o.strict,
            opt_out: o.opt_out.clone(),
            rate_card: o.rate_card.clone(),
            file_root: o.file_root.clone(),
            // A campaign whose time has passed would be refused by `send`: CI should hear now.
            schedule: ScheduleCheck::Require,
            ..PlanOptions::default()
        };
        let v = plan::load(file, options);
        if v.plan.is_none() {
            code = exit::INVALID;
        }
        if o.json {
            if let Err(e) = super::print(&(json(file, &v).to_string() + "\n")) {
                return out.error(&e);
            }
            continue;
        }
        out.diagnostics(&v.diagnostics);
        match v.plan {
            Some(plan) => {
                let estimate =
                    plan.estimate.as_ref().map(|e| format!("estimate: {} {}\n", file.display(), e.sentence()));
                if let Err(e) = super::print(&format!("ok: {}\n{}", plan.summary(), estimate.unwrap_or_default())) {
                    return out.error(&e);
                }
            }
            None => out.invalid(file, &v.diagnostics, false),
        }
    }
    code
}

/// One file's verdict for `--format json`: whether it is valid, its audience counts, provider and
/// message type, and every problem with its place.
fn json(file: &std::path::Path, v: &plan::Validation) -> serde_json::Value {
    let (errors, warnings) = v.diagnostics.count();
    let audience = v.plan.as_ref().map(|p| {
        let c = p.audience.counts;
        serde_json::json!({
            "recipients": c.recipients,
            "invalid": c.invalid,
            "duplicate": c.duplicate,
            "suppressed": c.suppressed,
            "filtered": c.filtered,
            "kept_by_filter": p.audience.filter.is_some().then_some(c.kept()),
            "rows": c.rows(),
        })
    });
    serde_json::json!({
        "file": file.display().to_string(),
        "valid": v.plan.is_some(),
        "errors": errors,
        "warnings": warnings,
        "provider": v.plan.as_ref().map(|p| p.provider.as_str()),
        "message_type": v.plan.as_ref().map(|p| p.message_type.as_str()),
        "audience": audience,
        "estimate": v.plan.as_ref().and_then(|p| p.estimate.as_ref()).map(|e| serde_json::json!({
            "currency": e.currency.code(),
            "at_most": e.total.as_f64(),
            "category": e.category.as_str(),
            "unpriced": e.unpriced,
        })),
        "problems": v.diagnostics.to_json(),
    })
}
