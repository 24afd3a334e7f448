//! Where a finding goes: the campaign file read again for its positions, so each finding points
//! at the YAML key it is about (`/message/template/name` → `c.yaml:14:11`), as `validate`'s do.

use crate::campaign::source::{Part, Source};
use crate::campaign::yaml;
use crate::diagnostic::{Diagnostic, Severity};
use crate::plan::{MAX_CAMPAIGN, Plan, read_at_most};

/// The campaign file as written, for positions.
pub(super) struct Places {
    /// Its text and span map; `None` when it can no longer be read (it changed since it was
    /// validated): findings then have no position.
    source: Option<Source>,
}

impl Places {
    /// The campaign file of `plan`, read again.
    pub(super) fn read(plan: &Plan) -> Places {
        let name = plan.file.display().to_string();
        let text = read_at_most(&plan.file, MAX_CAMPAIGN).ok().and_then(|b| String::from_utf8(b).ok());
        match text.map(yaml::unify_line_breaks).and_then(|t| yaml::parse(&t).ok().map(|p| (t, p))) {
            Some((text, (_, spans))) => Places { source: Some(Source { name, text, spans }) },
            None => Places { source: None },
        }
    }

    /// A finding at `pointer`'s value (or the nearest key that holds it).
    pub(super) fn at(&self, severity: Severity, pointer: &str, message: impl Into<String>) -> Diagnostic {
        Diagnostic::new(severity, message).at(self.source.as_ref().and_then(|s| s.locate(pointer, Part::Value)))
    }
}

#[cfg(test)]
impl Places {
    /// No file: findings have no position (unit tests of the checks).
    pub(super) fn nowhere() -> Places {
        Places { source: None }
    }
}
