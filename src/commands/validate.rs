//! `herald validate FILE...`: every problem in every file, then one summary line per valid file.

use super::Output;
use crate::exit;
use crate::plan::{self, Options as PlanOptions};
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
}

/// Runs `validate`; exit 0 when every file is valid, 2 otherwise.
pub fn run(o: &Options, out: &Output) -> u8 {
    let mut code = exit::OK;
    for file in &o.files {
        let options = PlanOptions {
            problems_per_group: super::problems_per_group(o.all_problems),
            strict: o.strict,
            ..PlanOptions::default()
        };
        let v = plan::load(file, options);
        out.diagnostics(&v.diagnostics);
        match v.plan {
            Some(plan) => {
                if let Err(e) = super::print(&format!("ok: {}\n", plan.summary())) {
                    return out.error(&e);
                }
            }
            None => {
                out.invalid(file, &v.diagnostics, false);
                code = exit::INVALID;
            }
        }
    }
    code
}
