//! `herald validate FILE...`: every problem in every file, then one summary line per valid file.
//! With `--online`, each valid file is also checked against its live account
//! ([`crate::preflight`]), read-only.

use super::Output;
use crate::error::Error;
use crate::exit;
use crate::plan::{self, Endpoint, Options as PlanOptions, ScheduleCheck};
use crate::preflight::Preflight;
use crate::secret::Secret;
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
    /// `--online`: check each valid file against its live account too.
    pub online: bool,
    /// With `online`: read the built-in sandbox's account instead.
    pub sandbox: bool,
    /// With `sandbox`: the templates its account holds (`--templates FILE`), else the built-in set.
    pub sandbox_templates: Option<PathBuf>,
}

/// Runs `validate`; exit 0 when every file is valid, 2 otherwise.
pub fn run(o: &Options, out: &Output) -> u8 {
    super::block_on(validate(o, out)).unwrap_or_else(|e| out.error(&e))
}

async fn validate(o: &Options, out: &Output) -> Result<u8, Error> {
    let sandbox = match o.sandbox {
        true => Some(super::sandbox::start(o.sandbox_templates.as_deref(), crate::sandbox::Config::default()).await?),
        false => None,
    };
    let endpoint = sandbox.as_ref().map_or(Endpoint::Campaign, |s| Endpoint::Sandbox(s.addr()));
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
            endpoint,
            // The sandbox's account is read with its own token.
            token: if o.sandbox { plan::TokenCheck::Skip } else { plan::TokenCheck::Warn },
            ..PlanOptions::default()
        };
        let mut v = plan::load(file, options);
        let token = v.plan.as_ref().filter(|_| o.online).map(|plan| plan_token(plan, sandbox.is_some()));
        let online = match token {
            Some(token) => Some(online(&mut v, token, sandbox.as_ref(), o.strict).await),
            None => None,
        };
        if v.plan.is_none() {
            code = exit::INVALID;
        }
        if o.json {
            super::print(&(json(file, &v, online.as_ref()).to_string() + "\n"))?;
            continue;
        }
        out.diagnostics(&v.diagnostics);
        let checked =
            online.iter().flat_map(|p| &p.checked).map(|line| format!("account: {}: {line}\n", file.display()));
        let checked: String = checked.collect();
        match v.plan {
            Some(plan) => {
                let estimate =
                    plan.estimate.as_ref().map(|e| format!("estimate: {} {}\n", file.display(), e.sentence()));
                super::print(&format!("ok: {}\n{}{checked}", plan.summary(), estimate.unwrap_or_default()))?;
            }
            None => {
                super::print(&checked)?;
                out.invalid(file, &v.diagnostics, false);
            }
        }
    }
    Ok(code)
}

/// The token the account is read with: the sandbox's, or the campaign's from its variable.
fn plan_token(plan: &plan::Plan, sandbox: bool) -> Option<Secret> {
    match sandbox {
        true => Some(Secret::new(crate::providers::imitation::token(plan.provider))),
        false => Secret::from_env(&plan.token_env),
    }
}

/// Checks `v`'s plan against its account (`sandbox`'s, when given), adding the findings to its problems; an error makes
/// the file invalid.
async fn online(
    v: &mut plan::Validation,
    token: Option<Secret>,
    sandbox: Option<&crate::sandbox::Sandbox>,
    strict: bool,
) -> Preflight {
    let Some(plan) = &v.plan else { return Preflight::default() };
    let found = crate::preflight::check(plan, token.as_ref(), sandbox.map(crate::sandbox::Sandbox::templates)).await;
    found.findings.iter().cloned().for_each(|d| v.diagnostics.push(d));
    if let (Some(category), Some(plan)) = (found.category, v.plan.as_mut())
        && let Err(e) = plan.bill_as_account(category)
    {
        v.diagnostics.push(crate::diagnostic::Diagnostic::new(crate::diagnostic::Severity::Error, e.to_string()));
    }
    if strict {
        v.diagnostics.promote_warnings();
    }
    if v.diagnostics.has_errors() {
        v.plan = None;
    }
    found
}

/// One file's verdict for `--format json`: whether it is valid, its audience counts, provider and
/// message type, and every problem with its place.
fn json(file: &std::path::Path, v: &plan::Validation, online: Option<&Preflight>) -> serde_json::Value {
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
    let mut verdict = serde_json::json!({
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
    });
    if let Some(p) = online {
        verdict["account"] = serde_json::json!({"checked": p.checked, "daily_cap": p.daily_cap});
    }
    verdict
}
