//! A contract violation as a plain sentence that names the field JavaScript style
//! (`location.latitude is required`), for the providers whose docs give no wording of their
//! own for body errors.

use super::path::Path;
use crate::providers::contract::{Broken, Violation};
use serde_json::Value;

/// `violation` as one sentence.
pub(crate) fn sentence(violation: &Violation) -> String {
    let path = Path::of(violation);
    let field = if path.is_root() { "the body".to_string() } else { path.dotted() };
    let at = Path::at(&violation.pointer);
    match &violation.kind {
        Broken::Missing { .. } => format!("{field} is required"),
        Broken::MissingOneOf { properties } => {
            let names: Vec<String> = properties.iter().map(|p| at.key(p).dotted()).collect();
            format!("{} is required", names.join(" or "))
        }
        Broken::Unexpected { properties } if properties.len() > 1 => {
            let names: Vec<String> = properties.iter().map(|p| at.key(p).dotted()).collect();
            format!("{} are not known fields", names.join(", "))
        }
        Broken::Unexpected { .. } => format!("{field} is not a known field"),
        Broken::Type { expected } => format!("{field} must be of type {}", expected.join(" or ")),
        Broken::NotAllowed { allowed } => format!("{field} must be one of: {}", listed(allowed, ", ")),
        Broken::TooShort { min: 1 } | Broken::TooFew { min: 1 } => format!("{field} must not be empty"),
        Broken::TooShort { min } => format!("{field} must be at least {min} characters long"),
        Broken::TooLong { max } => format!("{field} must be at most {max} characters long"),
        Broken::TooFew { min } => format!("{field} must have at least {min} items"),
        Broken::TooMany { max } => format!("{field} must have at most {max} items"),
        Broken::Ambiguous => format!("{field} must match exactly one of its forms"),
        Broken::Other => format!("{field} is invalid: {}", violation.message),
    }
}

/// Allowed values for a sentence: strings bare, anything else as JSON, joined by `separator`.
pub(crate) fn listed(values: &[Value], separator: &str) -> String {
    let text: Vec<String> = values.iter().map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_string)).collect();
    text.join(separator)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn said(pointer: &str, kind: Broken) -> String {
        sentence(&Violation { pointer: pointer.into(), kind, message: "\"x\" does not match \"^y$\"".into() })
    }

    #[test]
    fn every_kind_reads_as_a_sentence() {
        assert_eq!(said("/location", Broken::Missing { property: "latitude".into() }), "location.latitude is required");
        assert_eq!(
            said("", Broken::MissingOneOf { properties: vec!["contact".into(), "recepient".into()] }),
            "contact or recepient is required"
        );
        assert_eq!(said("", Broken::Unexpected { properties: vec!["debug".into()] }), "debug is not a known field");
        assert_eq!(
            said("/viewOnce", Broken::Type { expected: vec!["boolean".into()] }),
            "viewOnce must be of type boolean"
        );
        assert_eq!(
            said("/type", Broken::NotAllowed { allowed: vec![json!("text"), json!(1)] }),
            "type must be one of: text, 1"
        );
        assert_eq!(said("/text", Broken::TooShort { min: 1 }), "text must not be empty");
        assert_eq!(said("/rows", Broken::TooMany { max: 10 }), "rows must have at most 10 items");
        assert_eq!(said("", Broken::Type { expected: vec!["object".into()] }), "the body must be of type object");
        assert_eq!(said("/a", Broken::Other), "a is invalid: \"x\" does not match \"^y$\"");
    }
}
