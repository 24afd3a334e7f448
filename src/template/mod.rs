//! Message templates: every string under `message` and `metadata` is a minijinja template,
//! compiled once (named by its JSON pointer) and rendered per recipient in strict mode, so a
//! missing value is an error instead of an empty hole in someone's message. Values from the
//! CSV are data: they are never evaluated as templates. Conditions over CSV rows
//! (`recipients.where`, [`condition`]) run in the same environment over the same
//! [`context`].

pub mod condition;
pub mod context;
pub mod numbers;

use minijinja::{AutoEscape, Environment, UndefinedBehavior};
use serde_json::{Map, Value};
use std::collections::{BTreeMap, BTreeSet};

/// The steps one render or condition may take (minijinja's fuel): far more than any message
/// needs, far less than a loop that would keep herald busy.
pub const FUEL: u64 = 1_000_000;

/// The longest text one template may render to: above every provider's limit on any field, which
/// the provider checks enforce after rendering.
pub const MAX_RENDERED: usize = 256 << 10;

/// The environment every template and condition of a campaign runs in: strict about undefined
/// values, never escaping what it writes, and with limits on recursion and work, so no campaign
/// file can make herald hang.
pub fn environment() -> Environment<'static> {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    // minijinja escapes by the template's name (`.html`, `.json`, …), and ours are named by JSON
    // pointer, so a `metadata` key such as `page.html` would turn `&` into `&amp;`. Requests
    // are JSON, escaped once when serialised: the text must reach them as rendered.
    env.set_auto_escape_callback(|_| AutoEscape::None);
    env.set_recursion_limit(64);
    env.set_fuel(Some(FUEL));
    env
}

/// Where a template's source text lives, for error locations.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// A string in the campaign file at the template's pointer.
    Campaign,
    /// A separate file (`text_file`), with its display name and text.
    File {
        /// The path as shown to users.
        name: String,
        /// The file's text.
        text: String,
    },
}

impl Origin {
    /// How messages name the template at `pointer` from here: `` `message.text` ``, or
    /// ``t.txt (`message.text_file`)``.
    pub fn name(&self, pointer: &str) -> String {
        match self {
            Origin::Campaign => format!("`{}`", crate::campaign::schema::display_path(pointer)),
            Origin::File { name, .. } => format!("{name} (`message.text_file`)"),
        }
    }
}

/// A tree of literals and compiled templates, mirroring the JSON it came from.
#[derive(Debug, Clone)]
enum Node {
    Literal(Value),
    Template(String),
    Object(Vec<(String, Node)>),
    Array(Vec<Node>),
}

/// A template that failed to compile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompileError {
    /// The JSON pointer of the string.
    pub pointer: String,
    /// Where it lives.
    pub origin: Origin,
    /// 0-based line within the template and 1-based column, when known.
    pub at: Option<(usize, usize)>,
    /// What minijinja said.
    pub message: String,
}

/// A render failure for one recipient.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenderError {
    /// The JSON pointer of the template that failed.
    pub pointer: String,
    /// What went wrong.
    pub message: String,
}

/// The compiled `message` and `metadata` of a campaign.
pub struct Templates {
    env: Environment<'static>,
    origins: BTreeMap<String, Origin>,
    message: Node,
    metadata: Option<Node>,
}

/// Pointers whose strings are settings, not text: never templated.
fn is_setting(pointer: &str) -> bool {
    pointer == "/message/type"
        || pointer == "/message/text_file"
        || pointer == "/message/media/mime_type"
        || (pointer.starts_with("/message/template/") && pointer.ends_with("/type"))
}

fn is_template(s: &str) -> bool {
    s.contains("{{") || s.contains("{%") || s.contains("{#")
}

impl Templates {
    /// Compiles every template in `message` (with `text_file` already folded in as `text`,
    /// whose origin is given) and `metadata`. Returns all compile errors at once.
    pub fn compile(
        message: &Value,
        metadata: Option<&Value>,
        text_origin: Origin,
    ) -> Result<Templates, Vec<CompileError>> {
        let mut t = Templates {
            env: environment(),
            origins: BTreeMap::new(),
            message: Node::Literal(Value::Null),
            metadata: None,
        };
        let mut errors = Vec::new();
        t.message = t.build(message, "/message".into(), &text_origin, &mut errors);
        t.metadata = metadata.map(|m| t.build(m, "/metadata".into(), &Origin::Campaign, &mut errors));
        if errors.is_empty() { Ok(t) } else { Err(errors) }
    }

    fn build(&mut self, v: &Value, pointer: String, text_origin: &Origin, errors: &mut Vec<CompileError>) -> Node {
        match v {
            Value::String(s) if is_template(s) && !is_setting(&pointer) => {
                let origin = if pointer == "/message/text" { text_origin.clone() } else { Origin::Campaign };
                if let Err(e) = self.env.add_template_owned(pointer.clone(), s.clone()) {
                    let at = e.line().map(|l| (l - 1, column_of(s, e.range(), l)));
                    let message = e.detail().map_or_else(|| e.kind().to_string(), str::to_string);
                    errors.push(CompileError { pointer, origin, at, message });
                    return Node::Literal(Value::Null);
                }
                self.origins.insert(pointer.clone(), origin);
                Node::Template(pointer)
            }
            Value::Object(m) => Node::Object(
                m.iter()
                    .map(|(k, v)| {
                        let child = format!("{pointer}/{}", crate::campaign::yaml::escape(k));
                        (k.clone(), self.build(v, child, text_origin, errors))
                    })
                    .collect(),
            ),
            Value::Array(a) => Node::Array(
                a.iter()
                    .enumerate()
                    .map(|(i, v)| self.build(v, format!("{pointer}/{i}"), text_origin, errors))
                    .collect(),
            ),
            other => Node::Literal(other.clone()),
        }
    }

    /// Every template with the top-level variables it uses and where it lives.
    pub fn variables(&self) -> Vec<(String, BTreeSet<String>, Origin)> {
        self.origins
            .iter()
            .map(|(name, origin)| {
                let vars = self.env.get_template(name).map(|t| t.undeclared_variables(false)).unwrap_or_default();
                (name.clone(), vars.into_iter().collect(), origin.clone())
            })
            .collect()
    }

    /// Renders `message` and `metadata` for one recipient.
    pub fn render(&self, ctx: &minijinja::Value) -> Result<(Value, Option<Map<String, Value>>), RenderError> {
        let message = self.render_node(&self.message, ctx)?;
        let metadata = match &self.metadata {
            Some(n) => match self.render_node(n, ctx)? {
                Value::Object(m) => Some(m),
                _ => None,
            },
            None => None,
        };
        Ok((message, metadata))
    }

    fn render_node(&self, node: &Node, ctx: &minijinja::Value) -> Result<Value, RenderError> {
        Ok(match node {
            Node::Literal(v) => v.clone(),
            Node::Template(name) => {
                let t = self.env.get_template(name).expect("compiled above");
                let failed = |message| RenderError { pointer: name.clone(), message };
                let mut out = Capped(Vec::new());
                match t.render_captured_to(ctx, &mut out) {
                    Ok(_) => {}
                    Err(_) if out.0.len() > MAX_RENDERED => {
                        return Err(failed(format!("it renders to more than {} KiB", MAX_RENDERED >> 10)));
                    }
                    Err(e) => return Err(failed(describe(&e))),
                }
                // minijinja writes whole strings, so the text is UTF-8; lossy keeps this panic-free.
                Value::String(String::from_utf8(out.0).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into()))
            }
            Node::Object(entries) => Value::Object(
                entries.iter().map(|(k, n)| Ok((k.clone(), self.render_node(n, ctx)?))).collect::<Result<_, _>>()?,
            ),
            Node::Array(items) => {
                Value::Array(items.iter().map(|n| self.render_node(n, ctx)).collect::<Result<_, _>>()?)
            }
        })
    }
}

/// Rendered text, refused past [`MAX_RENDERED`] bytes: it then holds one byte more than that,
/// which tells the refusal from other write errors.
struct Capped(Vec<u8>);

impl std::io::Write for Capped {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.0.len() + buf.len() > MAX_RENDERED {
            self.0.resize(MAX_RENDERED + 1, 0);
            return Err(std::io::Error::other("the rendered text is too long"));
        }
        self.0.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// What went wrong, in minijinja's words, or plainly for a missing value or a loop that ran
/// too long.
fn describe(e: &minijinja::Error) -> String {
    match e.kind() {
        minijinja::ErrorKind::UndefinedError if e.detail().is_none() => "a value it uses is missing".into(),
        minijinja::ErrorKind::OutOfFuel => {
            format!("it takes more than {FUEL} steps (is a loop too long?)")
        }
        _ => e.detail().map_or_else(|| e.kind().to_string(), str::to_string),
    }
}

/// 1-based column of a byte range's start on 1-based line `line`.
fn column_of(source: &str, range: Option<std::ops::Range<usize>>, line: usize) -> usize {
    let Some(range) = range else { return 1 };
    let line_start: usize = source.split_inclusive('\n').take(line - 1).map(str::len).sum();
    source.get(line_start..range.start).map_or(1, |s| s.chars().count() + 1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn ctx(pairs: &[(&str, &str)]) -> minijinja::Value {
        let m: BTreeMap<String, minijinja::Value> =
            pairs.iter().map(|(k, v)| (k.to_string(), minijinja::Value::from(*v))).collect();
        minijinja::Value::from(m)
    }

    #[test]
    fn renders_strings_and_keeps_settings_literal() {
        let msg = json!({"type": "text", "text": "Hi {{ name | title }}", "preview_url": true});
        let t = Templates::compile(&msg, Some(&json!({"c": "{{ id }}"})), Origin::Campaign).unwrap();
        let (out, meta) = t.render(&ctx(&[("name", "jane doe"), ("id", "7")])).unwrap();
        assert_eq!(out, json!({"type": "text", "text": "Hi Jane Doe", "preview_url": true}));
        assert_eq!(meta.unwrap()["c"], "7");
    }

    #[test]
    fn values_are_data_not_templates() {
        let t = Templates::compile(&json!({"text": "{{ v }}"}), None, Origin::Campaign).unwrap();
        let (out, _) = t.render(&ctx(&[("v", "{{ 7 * 7 }} \"q\"\n😀")])).unwrap();
        assert_eq!(out["text"], "{{ 7 * 7 }} \"q\"\n😀");
    }

    #[test]
    fn values_are_never_escaped_whatever_the_key_is_named() {
        // Keys ending like file names once made minijinja HTML- or JSON-escape their values.
        let meta = json!({"page.html": "{{ v }}", "conf.json": "{{ v }}", "a.xml": "{{ v }}", "b.yaml.j2": "{{ v }}"});
        let t = Templates::compile(&json!({"text": "{{ v }}"}), Some(&meta), Origin::Campaign).unwrap();
        let hostile = "<b>&'x' \"q\" \\";
        let (out, meta) = t.render(&ctx(&[("v", hostile)])).unwrap();
        assert_eq!(out["text"], hostile);
        for (key, value) in meta.unwrap() {
            assert_eq!(value, hostile, "{key}");
        }
    }

    #[test]
    fn strict_mode_refuses_missing_values_but_default_works() {
        let t = Templates::compile(&json!({"text": "Hi {{ name }}"}), None, Origin::Campaign).unwrap();
        let e = t.render(&ctx(&[])).unwrap_err();
        assert_eq!(e.pointer, "/message/text");
        let t =
            Templates::compile(&json!({"text": "Hi {{ name | default('there') }}"}), None, Origin::Campaign).unwrap();
        assert_eq!(t.render(&ctx(&[])).unwrap().0["text"], "Hi there");
    }

    #[test]
    fn runaway_templates_stop_with_a_clear_error() {
        let render = |text: &str| {
            let t = Templates::compile(&json!({"text": text}), None, Origin::Campaign).unwrap();
            let started = std::time::Instant::now();
            let e = t.render(&ctx(&[])).unwrap_err();
            assert!(started.elapsed() < std::time::Duration::from_secs(10), "{text}: {:?}", started.elapsed());
            e.message
        };
        let forever = "{% for a in range(100000) %}{% for b in range(100000) %}{% endfor %}{% endfor %}";
        assert_eq!(render(forever), "it takes more than 1000000 steps (is a loop too long?)");
        let huge = "{% for a in range(100) %}{{ 'x' * 1000000 }}{% endfor %}";
        assert_eq!(render(huge), "it renders to more than 256 KiB");
        assert_eq!(render("{{ 'x' * 300000 }}"), "it renders to more than 256 KiB");
        let deep = "{% macro f() %}{{ f() }}{% endmacro %}{{ f() }}";
        assert!(render(deep).contains("recursion"), "{}", render(deep));
        let t = Templates::compile(&json!({"text": "{{ 'x' * 262144 }}"}), None, Origin::Campaign).unwrap();
        assert_eq!(t.render(&ctx(&[])).unwrap().0["text"].as_str().unwrap().len(), MAX_RENDERED);
    }

    #[test]
    fn lists_variables_and_reports_syntax_errors_with_position() {
        let t = Templates::compile(
            &json!({"a": ["x {{ first }}", "{{ second }}{{ campaign.id }}"]}),
            None,
            Origin::Campaign,
        )
        .unwrap();
        let vars: Vec<_> = t.variables().into_iter().map(|(p, v, _)| (p, v.into_iter().collect::<Vec<_>>())).collect();
        assert_eq!(
            vars,
            [
                ("/message/a/0".to_string(), vec!["first".to_string()]),
                ("/message/a/1".to_string(), vec!["campaign".to_string(), "second".to_string()])
            ]
        );
        let e = Templates::compile(&json!({"text": "ok\nHi {{ name }"}), None, Origin::Campaign).err().unwrap();
        assert_eq!(e[0].pointer, "/message/text");
        assert_eq!(e[0].at.map(|a| a.0), Some(1));
    }
}
