//! Checks a campaign against `schemas/campaign.schema.json` and words each violation for
//! people: where it is, what is wrong, and (for a mistyped key) the nearest valid key.

use super::source::{Part, Source};
use crate::diagnostic::Diagnostic;
use jsonschema::error::{TypeKind, ValidationErrorKind};
use serde_json::Value;
use std::sync::LazyLock;

/// The campaign schema, as shipped in `schemas/`.
pub const CAMPAIGN_SCHEMA: &str = include_str!("../../schemas/campaign.schema.json");

/// The shipped schema with its provider parts built from the registry (the same as shipped,
/// unless a test registers a provider of its own).
static SCHEMA: LazyLock<Value> = LazyLock::new(|| {
    let shipped = serde_json::from_str(CAMPAIGN_SCHEMA).expect("the shipped schema is valid JSON");
    crate::providers::schema::with_provider_parts(shipped)
});

static VALIDATOR: LazyLock<jsonschema::Validator> =
    LazyLock::new(|| jsonschema::draft202012::new(&SCHEMA).expect("the shipped schema compiles"));

/// Every schema violation in `doc`, as diagnostics pointing into `source`.
pub fn check(doc: &Value, source: &Source) -> Vec<Diagnostic> {
    let mut out: Vec<(String, Diagnostic)> = Vec::new();
    for err in VALIDATOR.iter_errors(doc) {
        let pointer = err.instance_path().as_str().to_string();
        for d in describe(err.kind(), &pointer, err.instance(), source) {
            out.push((pointer.clone(), d));
        }
    }
    out.sort_by_key(|(_, d)| d.location.as_ref().map(|l| (l.line, l.col)));
    out.dedup_by(|a, b| a.1 == b.1);
    out.into_iter().map(|(_, d)| d).collect()
}

fn describe(kind: &ValidationErrorKind, pointer: &str, instance: &Value, source: &Source) -> Vec<Diagnostic> {
    let here = display_path(pointer);
    let at_value = source.locate(pointer, Part::Value);
    let help = description(pointer);
    let with_help = |d: Diagnostic| match &help {
        Some(h) => d.help(h.clone()),
        None => d,
    };
    if pointer == "/provider/token_env" {
        // `$WA_TOKEN` or `${WA_TOKEN}`, as a shell would write it: the name is plain to see.
        let name = instance.as_str().and_then(|v| v.strip_prefix('$')).map(|v| v.trim_start_matches('{'));
        let name = name.map(|v| v.trim_end_matches('}')).filter(|v| is_env_name(v));
        let help = match name {
            Some(name) => format!("drop the `$`: write `token_env: {name}`; herald reads the variable itself"),
            None => "store the secret in an environment variable and write only the variable's name here".into(),
        };
        return vec![hide_source(
            Diagnostic::error("`provider.token_env` must be the name of an environment variable, such as WA_TOKEN")
                .at(at_value)
                .help(help),
        )];
    }
    if let (ValidationErrorKind::Pattern { .. }, "/recipients/default_country", Some(written)) =
        (kind, pointer, instance.as_str())
        && let Some(code) = super::countries::code_for(written)
    {
        return vec![
            Diagnostic::error(format!("`{written}` is not a valid `{here}`"))
                .at(at_value)
                .help(format!("did you mean `{code}`? write `default_country: {code}`")),
        ];
    }
    match kind {
        ValidationErrorKind::AdditionalProperties { unexpected } => {
            unexpected.iter().map(|key| unknown_key(pointer, key, source)).collect()
        }
        ValidationErrorKind::Required { property } => {
            let name = property.as_str().unwrap_or_default();
            let child = format!("{pointer}/{name}");
            let what = if pointer.is_empty() { "the campaign".to_string() } else { format!("`{here}`") };
            let d = Diagnostic::error(format!("missing `{name}` in {what}"))
                .at(source.locate(pointer, Part::Key))
                .label(format!("add `{name}:` here"));
            vec![match description(&child) {
                Some(h) => d.help(h),
                None => d,
            }]
        }
        ValidationErrorKind::Type { kind } => {
            let expected = match kind {
                TypeKind::Single(t) => article(&t.to_string()),
                TypeKind::Multiple(ts) => {
                    let names: Vec<String> = ts.iter().map(|t| article(&t.to_string())).collect();
                    names.join(" or ")
                }
            };
            let found = article(json_type(instance));
            let mut d = Diagnostic::error(format!("`{here}` must be {expected}, not {found}"))
                .at(at_value)
                .label(format!("this is {found}"));
            if expected.contains("string") && instance.is_number() {
                d = d.help("wrap the value in quotes to make it text");
            } else if let Some(h) = help {
                d = d.help(h);
            }
            vec![d]
        }
        ValidationErrorKind::Enum { options } => {
            let names: Vec<&str> = options.as_array().into_iter().flatten().filter_map(Value::as_str).collect();
            let given = instance.as_str().unwrap_or_default();
            let d = Diagnostic::error(format!("`{}` is not a valid `{here}`", value_text(instance)))
                .at(at_value)
                .label(format!("expected one of: {}", names.join(", ")));
            vec![match nearest(given, names.iter().copied()) {
                Some(n) => d.help(format!("did you mean `{n}`?")),
                None => d,
            }]
        }
        ValidationErrorKind::Constant { expected_value } => {
            let d = Diagnostic::error(format!("`{here}` must be {expected_value}"))
                .at(at_value)
                .label(format!("found {}", typed_text(instance)));
            // `"1"` where 1 is wanted: the quotes make it text.
            vec![if instance.is_string() && !expected_value.is_string() {
                d.help(format!("remove the quotes: `{here}: {expected_value}`"))
            } else {
                d
            }]
        }
        ValidationErrorKind::Pattern { .. } => vec![with_help(
            Diagnostic::error(format!("`{}` is not a valid `{here}`", value_text(instance))).at(at_value),
        )],
        ValidationErrorKind::MinItems { limit } => {
            vec![Diagnostic::error(format!("`{here}` needs at least {limit} item{}", plural(*limit))).at(at_value)]
        }
        ValidationErrorKind::Minimum { limit } => vec![with_help(
            Diagnostic::error(format!("`{here}` is too small ({}; the minimum is {limit})", value_text(instance)))
                .at(at_value),
        )],
        ValidationErrorKind::ExclusiveMinimum { limit } => vec![with_help(
            Diagnostic::error(format!("`{here}` must be more than {limit} (found {})", value_text(instance)))
                .at(at_value),
        )],
        ValidationErrorKind::Maximum { limit } => vec![with_help(
            Diagnostic::error(format!("`{here}` is too large ({}; the maximum is {limit})", value_text(instance)))
                .at(at_value),
        )],
        other => vec![with_help(Diagnostic::error(format!("`{here}` is invalid: {}", other_text(other))).at(at_value))],
    }
}

/// Whether `name` is what `token_env` takes: a variable name such as `WA_TOKEN`.
fn is_env_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

fn other_text(kind: &ValidationErrorKind) -> String {
    format!("{kind:?}").split_whitespace().collect::<Vec<_>>().join(" ")
}

fn unknown_key(parent: &str, key: &str, source: &Source) -> Diagnostic {
    let pointer = format!("{parent}/{}", super::yaml::escape(key));
    let valid = valid_keys(parent);
    let within =
        if parent.is_empty() { "at the top level".to_string() } else { format!("in `{}`", display_path(parent)) };
    let d = Diagnostic::error(format!("unknown key `{key}` {within}")).at(source.locate(&pointer, Part::Key));
    if crate::secret::is_secret_key(key) {
        return hide_source(d)
            .label("secrets do not belong in campaign files")
            .help("put the secret in an environment variable and name the variable in `provider.token_env`");
    }
    match nearest(key, valid.iter().map(String::as_str)) {
        Some(n) => d.label("not a known key").help(format!("did you mean `{n}`?")),
        None => d.label("not a known key").help(format!("valid keys here: {}", valid.join(", "))),
    }
}

/// Drops the echoed source line, for lines that may hold a secret.
pub fn hide_source(mut d: Diagnostic) -> Diagnostic {
    if let Some(loc) = &mut d.location {
        loc.source_line = None;
    }
    d
}

/// The keys the schema allows in the object at `pointer`.
pub fn valid_keys(pointer: &str) -> Vec<String> {
    schema_at(pointer)
        .and_then(|s| s.get("properties"))
        .and_then(Value::as_object)
        .map(|p| p.keys().cloned().collect())
        .unwrap_or_default()
}

/// The schema's description of the value at `pointer`.
fn description(pointer: &str) -> Option<String> {
    schema_at(pointer)?.get("description")?.as_str().map(str::to_string)
}

/// Walks the schema along an instance pointer.
fn schema_at(pointer: &str) -> Option<&'static Value> {
    let mut node: &Value = &SCHEMA;
    for seg in pointer.split('/').skip(1) {
        let seg = seg.replace("~1", "/").replace("~0", "~");
        node = if let Some(p) = node.get("properties").and_then(|p| p.get(&seg)) {
            p
        } else if let Some(items) = node.get("items") {
            items
        } else {
            node.get("additionalProperties").filter(|v| v.is_object())?
        };
    }
    Some(node)
}

/// The closest candidate to `given` if it is close enough to be a plausible typo.
pub fn nearest<'a>(given: &str, candidates: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    candidates
        .map(|c| (strsim::jaro_winkler(given, c), c))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c)
}

/// `/provider/kind` → `provider.kind`; `/message/interactive/buttons/0` → `message.interactive.buttons[0]`.
pub fn display_path(pointer: &str) -> String {
    let mut out = String::new();
    for seg in pointer.split('/').skip(1) {
        if seg.chars().all(|c| c.is_ascii_digit()) && !seg.is_empty() {
            out.push_str(&format!("[{seg}]"));
        } else {
            if !out.is_empty() {
                out.push('.');
            }
            out.push_str(&seg.replace("~1", "/").replace("~0", "~"));
        }
    }
    out
}

fn json_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "list",
        Value::Object(_) => "mapping",
    }
}

fn article(t: &str) -> String {
    let t = match t {
        "object" => "mapping",
        "array" => "list",
        "integer" => "whole number",
        other => other,
    };
    if t == "null" { "empty".into() } else { format!("a {t}") }
}

/// A value as the user wrote it, with quotes when it is text, so `"1"` reads as a string.
fn typed_text(v: &Value) -> String {
    match v {
        Value::String(s) => format!("the text \"{s}\""),
        other => other.to_string(),
    }
}

fn value_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn plural(n: u64) -> &'static str {
    if n == 1 { "" } else { "s" }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::campaign::yaml;

    fn problems(text: &str) -> Vec<Diagnostic> {
        let (doc, spans) = yaml::parse(text).unwrap();
        check(&doc, &Source { name: "c.yaml".into(), text: text.into(), spans })
    }

    const GOOD: &str = "version: 1\nid: x\nprovider:\n  kind: cloud_api\n  token_env: T\n  phone_number_id: \"1\"\nrecipients:\n  list: [\"+254712345678\"]\nmessage:\n  type: text\n  text: hi\n";

    #[test]
    fn the_shipped_schema_accepts_a_minimal_campaign() {
        assert_eq!(problems(GOOD), vec![]);
    }

    #[test]
    fn suggests_the_nearest_key_for_a_typo() {
        assert!(problems(&GOOD.replace("  token_env: T", "  token_env: T\n  waba_id: \"102290129340398\"")).is_empty());
        let d = problems(&GOOD.replace("  token_env", "  bse_url: https://x\n  token_env"));
        assert_eq!(d.len(), 1, "{d:?}");
        assert_eq!(d[0].message, "unknown key `bse_url` in `provider`");
        assert_eq!(d[0].help.as_deref(), Some("did you mean `base_url`?"));
        assert_eq!(d[0].location.as_ref().unwrap().line, 5);
    }

    #[test]
    fn refuses_literal_secrets_by_key() {
        let d = problems(&GOOD.replace("  token_env: T", "  token_env: T\n  token: abc"));
        assert!(d[0].help.as_deref().unwrap().contains("environment variable"));
    }

    #[test]
    fn words_wrong_types_enums_and_missing_keys() {
        let d = problems(&GOOD.replace("kind: cloud_api", "kind: cloud-api"));
        assert_eq!(d[0].message, "`cloud-api` is not a valid `provider.kind`");
        assert_eq!(d[0].help.as_deref(), Some("did you mean `cloud_api`?"));
        let d = problems(&GOOD.replace("phone_number_id: \"1\"", "instance: \"1\""));
        assert!(d.iter().any(|d| d.message == "missing `phone_number_id` in `provider`"), "{d:?}");
        let d = problems(&GOOD.replace("id: x", "id: [x]"));
        assert_eq!(d[0].message, "`id` must be a string, not a list");
        let d = problems(&GOOD.replace("type: text", "type: image"));
        assert_eq!(d[0].message, "missing `media` in `message`");
    }

    #[test]
    fn small_mistakes_come_with_the_fix() {
        let with = |country: &str| GOOD.replace("  list:", &format!("  default_country: {country}\n  list:"));
        for written in ["ke", "Kenya", "KEN"] {
            let d = problems(&with(written));
            assert_eq!(d.len(), 1, "{d:?}");
            assert_eq!(d[0].message, format!("`{written}` is not a valid `recipients.default_country`"));
            assert_eq!(d[0].help.as_deref(), Some("did you mean `KE`? write `default_country: KE`"), "{written}");
        }
        let d = problems(&GOOD.replace("token_env: T", "token_env: $WA_TOKEN"));
        assert_eq!(d.len(), 1, "{d:?}");
        let help = d[0].help.as_deref().unwrap();
        assert!(help.starts_with("drop the `$`: write `token_env: WA_TOKEN`"), "{help}");
        let d = problems(&GOOD.replace("token_env: T", "token_env: \"${WA_TOKEN}\""));
        assert!(d[0].help.as_deref().unwrap().starts_with("drop the `$`: write `token_env: WA_TOKEN`"), "{d:?}");
        let d = problems(&GOOD.replace("token_env: T", "token_env: EAAG-abc.def"));
        assert!(!d[0].help.as_deref().unwrap().contains("EAAG"), "{d:?}");
    }

    #[test]
    fn paths_read_like_yaml() {
        assert_eq!(display_path("/message/interactive/buttons/0/title"), "message.interactive.buttons[0].title");
        assert_eq!(display_path(""), "");
    }
}
