//! Data-driven checks of JSON request bodies.
//!
//! Each endpoint lists its fields as [`Field`]s (name, JSON type, required or not, allowed
//! values); [`check`] reports every field that is missing or mistyped as a [`Problem`], and each
//! provider words the first (or every) problem in its own error shape. Rules a table cannot say
//! (one of two fields, a digits-only number) are written out by the provider and reported as
//! [`Problem::Invalid`].

use serde_json::Value;

/// The JSON type a field must have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Ty {
    /// A string.
    Str,
    /// `true` or `false`.
    Bool,
    /// Any number.
    Num,
    /// An integer.
    Int,
    /// An object.
    Obj,
    /// An array.
    Arr,
    /// A string or `null`.
    StrOrNull,
    /// A string or a number (Meta's coordinates, AutoKonnect's template id).
    StrOrNum,
    /// A string or an object (WhautoChat's `template`).
    StrOrObj,
}

impl Ty {
    /// Whether `value` has this type.
    pub(super) fn admits(self, value: &Value) -> bool {
        match self {
            Ty::Str => value.is_string(),
            Ty::Bool => value.is_boolean(),
            Ty::Num => value.is_number(),
            Ty::Int => value.is_i64() || value.is_u64(),
            Ty::Obj => value.is_object(),
            Ty::Arr => value.is_array(),
            Ty::StrOrNull => value.is_string() || value.is_null(),
            Ty::StrOrNum => value.is_string() || value.is_number(),
            Ty::StrOrObj => value.is_string() || value.is_object(),
        }
    }

    /// The type's name as JSON Schema spells it (`string`, `object`, …).
    pub(super) fn name(self) -> &'static str {
        match self {
            Ty::Str => "string",
            Ty::Bool => "boolean",
            Ty::Num => "number",
            Ty::Int => "integer",
            Ty::Obj => "object",
            Ty::Arr => "array",
            Ty::StrOrNull => "string,null",
            Ty::StrOrNum => "string,number",
            Ty::StrOrObj => "string,object",
        }
    }
}

/// One field of an object: its name, type, whether it must be there, and which values it takes.
#[derive(Debug, Clone, Copy)]
pub(super) struct Field {
    /// The key.
    pub name: &'static str,
    /// Its JSON type.
    pub ty: Ty,
    /// Whether it must be present.
    pub required: bool,
    /// The only values a string may take (empty: any).
    pub one_of: &'static [&'static str],
    /// Whether an empty string or array is refused.
    pub non_empty: bool,
}

/// A field that must be present.
pub(super) const fn req(name: &'static str, ty: Ty) -> Field {
    Field { name, ty, required: true, one_of: &[], non_empty: false }
}

/// A field that may be left out, but has `ty` when present.
pub(super) const fn opt(name: &'static str, ty: Ty) -> Field {
    Field { name, ty, required: false, one_of: &[], non_empty: false }
}

impl Field {
    /// Restricts a string field to `values`.
    pub(super) const fn one_of(mut self, values: &'static [&'static str]) -> Field {
        self.one_of = values;
        self
    }

    /// Refuses an empty string or array.
    pub(super) const fn non_empty(mut self) -> Field {
        self.non_empty = true;
        self
    }
}

/// Where a value sits in the body: keys and array indexes from the root.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct Path(Vec<Seg>);

#[derive(Debug, Clone, PartialEq, Eq)]
enum Seg {
    Key(String),
    Index(usize),
}

impl Path {
    /// The body itself.
    pub(super) fn root() -> Path {
        Path::default()
    }

    /// The member `key` of the object at this path.
    pub(super) fn key(&self, key: &str) -> Path {
        let mut segs = self.0.clone();
        segs.push(Seg::Key(key.to_string()));
        Path(segs)
    }

    /// Item `index` of the array at this path.
    pub(super) fn index(&self, index: usize) -> Path {
        let mut segs = self.0.clone();
        segs.push(Seg::Index(index));
        Path(segs)
    }

    /// Whether this is the body itself.
    pub(super) fn is_root(&self) -> bool {
        self.0.is_empty()
    }

    /// The path one level up.
    pub(super) fn parent(&self) -> Path {
        Path(self.0[..self.0.len().saturating_sub(1)].to_vec())
    }

    /// The last key, or `""` when the path ends in an index or is the root.
    pub(super) fn last_key(&self) -> &str {
        match self.0.last() {
            Some(Seg::Key(key)) => key,
            _ => "",
        }
    }

    /// JavaScript style: `contact[0].fullName`.
    pub(super) fn dotted(&self) -> String {
        let mut out = String::new();
        for seg in &self.0 {
            match seg {
                Seg::Key(key) if out.is_empty() => out.push_str(key),
                Seg::Key(key) => {
                    out.push('.');
                    out.push_str(key);
                }
                Seg::Index(i) => out.push_str(&format!("[{i}]")),
            }
        }
        out
    }

    /// Graph API style: `contacts[0]['name']['formatted_name']`.
    pub(super) fn bracketed(&self) -> String {
        let mut out = String::new();
        for seg in &self.0 {
            match seg {
                Seg::Key(key) if out.is_empty() => out.push_str(key),
                Seg::Key(key) => out.push_str(&format!("['{key}']")),
                Seg::Index(i) => out.push_str(&format!("[{i}]")),
            }
        }
        out
    }
}

/// What is wrong with one value.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Problem {
    /// A required field is absent.
    Missing(Path),
    /// A field has the wrong JSON type.
    Type(Path, Ty),
    /// A string is not one of the allowed values.
    NotOneOf(Path, &'static [&'static str]),
    /// A string or array that must have content is empty.
    Empty(Path),
    /// A string or array is shorter than `min` or longer than `max`.
    Length {
        /// Where.
        path: Path,
        /// The least allowed.
        min: usize,
        /// The most allowed.
        max: usize,
        /// What was given.
        got: usize,
    },
    /// A key the endpoint does not take.
    Unexpected(Path),
    /// Any other rule, as a sentence about the value at the path.
    Invalid(Path, String),
}

impl Problem {
    /// Where the problem is.
    pub(super) fn path(&self) -> &Path {
        match self {
            Problem::Missing(p)
            | Problem::Type(p, _)
            | Problem::NotOneOf(p, _)
            | Problem::Empty(p)
            | Problem::Length { path: p, .. }
            | Problem::Unexpected(p)
            | Problem::Invalid(p, _) => p,
        }
    }

    /// A plain sentence, naming fields with `name`: `location.latitude is required`.
    pub(super) fn sentence(&self, name: impl Fn(&Path) -> String) -> String {
        let at = |p: &Path| if p.is_root() { "the body".to_string() } else { name(p) };
        match self {
            Problem::Missing(p) => format!("{} is required", at(p)),
            Problem::Type(p, ty) => format!("{} must be of type {}", at(p), ty.name()),
            Problem::NotOneOf(p, values) => format!("{} must be one of: {}", at(p), values.join(", ")),
            Problem::Empty(p) => format!("{} must not be empty", at(p)),
            Problem::Length { path, min, max, .. } => {
                format!("{} must have between {min} and {max} items", at(path))
            }
            Problem::Unexpected(p) => format!("{} is not a known field", at(p)),
            Problem::Invalid(p, text) => format!("{} {text}", at(p)),
        }
    }
}

/// Checks `fields` of the object `value`, which sits at `at`; every problem, in field order.
pub(super) fn check(value: &Value, at: &Path, fields: &[Field]) -> Vec<Problem> {
    let Some(object) = value.as_object() else {
        return vec![Problem::Type(at.clone(), Ty::Obj)];
    };
    let mut problems = Vec::new();
    for field in fields {
        let path = at.key(field.name);
        match object.get(field.name) {
            None if field.required => problems.push(Problem::Missing(path)),
            None => {}
            Some(v) if !field.ty.admits(v) => problems.push(Problem::Type(path, field.ty)),
            Some(v) if !field.one_of.is_empty() && !v.as_str().is_some_and(|s| field.one_of.contains(&s)) => {
                problems.push(Problem::NotOneOf(path, field.one_of))
            }
            Some(v) if field.non_empty && is_empty(v) => problems.push(Problem::Empty(path)),
            Some(_) => {}
        }
    }
    problems
}

/// Every key of the object `value` (at `at`) that is not in `allowed`.
pub(super) fn unexpected(value: &Value, at: &Path, allowed: &[&str]) -> Vec<Problem> {
    let Some(object) = value.as_object() else { return Vec::new() };
    object.keys().filter(|k| !allowed.contains(&k.as_str())).map(|k| Problem::Unexpected(at.key(k))).collect()
}

/// Checks each item of the array `value[key]` with `item`, and its length against
/// `min..=max`. Does nothing when the member is absent or not an array (that is
/// [`check`]'s to report).
pub(super) fn each(
    value: &Value,
    at: &Path,
    key: &str,
    (min, max): (usize, usize),
    mut item: impl FnMut(&Value, &Path) -> Vec<Problem>,
) -> Vec<Problem> {
    let Some(items) = value.get(key).and_then(Value::as_array) else { return Vec::new() };
    let path = at.key(key);
    let mut problems = Vec::new();
    if items.len() < min || items.len() > max {
        problems.push(Problem::Length { path: path.clone(), min, max, got: items.len() });
    }
    for (i, v) in items.iter().enumerate() {
        problems.extend(item(v, &path.index(i)));
    }
    problems
}

/// Checks the object `value[key]` with `fields`, if it is there and an object.
pub(super) fn nested(value: &Value, at: &Path, key: &str, fields: &[Field]) -> Vec<Problem> {
    match value.get(key) {
        Some(inner) if inner.is_object() => check(inner, &at.key(key), fields),
        _ => Vec::new(),
    }
}

fn is_empty(value: &Value) -> bool {
    match value {
        Value::String(s) => s.is_empty(),
        Value::Array(a) => a.is_empty(),
        _ => false,
    }
}

/// Whether `s` is one or more ASCII digits.
pub(super) fn is_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

/// `s` without anything but its digits (`+254 712` → `254712`).
pub(super) fn digits_of(s: &str) -> String {
    s.chars().filter(char::is_ascii_digit).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const FIELDS: [Field; 4] = [
        req("to", Ty::Str).non_empty(),
        req("type", Ty::Str).one_of(&["text", "image"]),
        opt("preview", Ty::Bool),
        opt("count", Ty::Int),
    ];

    #[test]
    fn reports_every_problem_in_field_order() {
        let body = json!({ "to": "", "type": "video", "preview": "yes", "count": 1.5 });
        let problems = check(&body, &Path::root(), &FIELDS);
        let root = Path::root();
        assert_eq!(
            problems,
            [
                Problem::Empty(root.key("to")),
                Problem::NotOneOf(root.key("type"), &["text", "image"]),
                Problem::Type(root.key("preview"), Ty::Bool),
                Problem::Type(root.key("count"), Ty::Int),
            ]
        );
        assert_eq!(check(&json!({ "to": "1", "type": "text" }), &root, &FIELDS), []);
        assert_eq!(check(&json!({}), &root, &FIELDS)[0], Problem::Missing(root.key("to")));
        assert_eq!(check(&json!([]), &root, &FIELDS), [Problem::Type(root, Ty::Obj)]);
    }

    #[test]
    fn paths_print_in_both_styles() {
        let path = Path::root().key("contacts").index(0).key("name").key("formatted_name");
        assert_eq!(path.dotted(), "contacts[0].name.formatted_name");
        assert_eq!(path.bracketed(), "contacts[0]['name']['formatted_name']");
        assert_eq!(path.parent().last_key(), "name");
        assert!(Path::root().is_root());
    }

    #[test]
    fn items_and_unknown_keys() {
        let body = json!({ "rows": [{ "id": "1" }, { "id": 2 }], "extra": true });
        let problems = each(&body, &Path::root(), "rows", (1, 1), |row, at| check(row, at, &[req("id", Ty::Str)]));
        let rows = Path::root().key("rows");
        assert_eq!(
            problems,
            [
                Problem::Length { path: rows.clone(), min: 1, max: 1, got: 2 },
                Problem::Type(rows.index(1).key("id"), Ty::Str)
            ]
        );
        assert_eq!(unexpected(&body, &Path::root(), &["rows"]), [Problem::Unexpected(Path::root().key("extra"))]);
        assert_eq!(Problem::Missing(rows.index(0).key("id")).sentence(Path::dotted), "rows[0].id is required");
    }
}
