//! Properties over input spaces too large for examples: any CSV value reaches the request body
//! as exactly that string in valid JSON, the span recorded for each JSON pointer of a campaign
//! file points at that value's text, and E.164 normalisation is idempotent. Case counts stay
//! small so `cargo test` stays fast; `tests/fuzz.rs` runs the long versions.

use crate::common::Scratch;
use crate::common::kind;
use herald::campaign::yaml::{self, Pos};
use herald::phone::{normalize, parse_region};
use herald::plan::{self, Item, Options, TokenCheck};
use herald::providers::ProviderKind;
use proptest::prelude::*;
use serde_json::Value;

/// Pieces hostile to CSV, JSON, templates and terminals.
pub const HOSTILE: [&str; 22] = [
    "\"",
    "\"\"",
    ",",
    ";",
    "\t",
    "\n",
    "\r\n",
    "\r",
    "\0",
    "\\",
    "'",
    "\u{200f}",
    "\u{202e}",
    "\u{feff}",
    "\u{2028}",
    "😀",
    "👨\u{200d}👩\u{200d}👧",
    "{{ name }}",
    "{% if x %}",
    "{#",
    "<b>&amp;</b>",
    "é",
];

/// A CSV value: arbitrary text, hostile pieces strung together, or a long run of them.
pub fn value() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => "\\PC{0,60}",
        2 => any::<String>(),
        4 => prop::collection::vec(prop::sample::select(&HOSTILE[..]), 0..40).prop_map(|p| p.concat()),
        1 => long(),
    ]
}

/// A value of 9,000 to 10,000 characters.
fn long() -> impl Strategy<Value = String> {
    ("[a-z😀\"\n{}%]{1,8}", 9_000..10_000usize).prop_map(|(unit, n)| unit.chars().cycle().take(n).collect())
}

/// A value that is not empty once read (cells are trimmed, and an empty one is no value).
fn present() -> impl Strategy<Value = String> {
    value().prop_filter("a value", |v| !v.trim().is_empty())
}

/// A campaign of `kind` sending the text `{{ name }}` to a CSV with `name` (and the value in
/// `metadata` too, for the provider that sends it).
pub fn text_campaign(kind: ProviderKind) -> String {
    let key = kind.provider().account_key();
    let metadata = if kind.as_str() == "communiktor" { "metadata: { m: \"{{ name }}\" }\n" } else { "" };
    format!(
        "version: 1\nid: props\nprovider:\n  kind: {kind}\n  base_url: http://127.0.0.1:9\n  token_env: T\n  \
         {key}: \"42\"\nrecipients:\n  csv: data.csv\nmessage:\n  type: text\n  text: \"{{{{ name }}}}\"\n{metadata}"
    )
}

/// Writes `values` as the `name` column of `data.csv`, one row each with its own number.
pub fn write_csv(s: &Scratch, values: &[String]) {
    let mut w = csv::Writer::from_writer(vec![]);
    w.write_record(["phone", "name"]).unwrap();
    for (i, v) in values.iter().enumerate() {
        w.write_record([format!("+2547{:08}", 10_000_000 + i).as_str(), v]).unwrap();
    }
    s.write("data.csv", w.into_inner().unwrap());
}

/// A failed case, saying why.
pub fn fail(why: impl std::fmt::Display) -> TestCaseError {
    TestCaseError::fail(why.to_string())
}

/// Each request's body of the campaign `c.yaml` in `s` as it goes on the wire, read back as JSON.
pub fn bodies(s: &Scratch) -> Result<Vec<Value>, TestCaseError> {
    let v = plan::load(&s.path().join("c.yaml"), Options { token: TokenCheck::Skip, ..Options::default() });
    let plan = v.plan.ok_or_else(|| fail(v.diagnostics.render(herald::diagnostic::Style { color: false })))?;
    let mut out = Vec::new();
    for item in plan.items().map_err(fail)? {
        if let Item::Send(send) = item.map_err(fail)? {
            let wire = serde_json::to_vec(&send.request.body).map_err(fail)?;
            let text = std::str::from_utf8(&wire).map_err(fail)?;
            out.push(serde_json::from_str(text).map_err(fail)?);
        }
    }
    Ok(out)
}

/// A value a text message can carry on every provider (Meta's limit is 4096 characters).
fn within_meta_limits() -> impl Strategy<Value = String> {
    present().prop_filter("4096 characters", |v| v.chars().count() <= 4096)
}

/// Every string in a JSON document.
fn strings(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::String(s) => out.push(s.clone()),
        Value::Array(a) => a.iter().for_each(|v| strings(v, out)),
        Value::Object(m) => m.values().for_each(|v| strings(v, out)),
        _ => {}
    }
}

/// Cells are trimmed when read (a stray space is not part of a name) and an empty one is no
/// value, so what a template sees of `v` is this.
fn as_read(v: &str) -> &str {
    v.trim()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn any_csv_value_reaches_the_body_exactly(values in prop::collection::vec(present(), 1..5)) {
        let s = Scratch::new();
        s.write("c.yaml", text_campaign(kind("communiktor")));
        write_csv(&s, &values);
        let bodies = bodies(&s)?;
        prop_assert_eq!(bodies.len(), values.len());
        for (body, v) in bodies.iter().zip(&values) {
            prop_assert_eq!(body["text"].as_str(), Some(as_read(v)));
            prop_assert_eq!(body["metadata"]["m"].as_str(), Some(as_read(v)));
        }
    }

    #[test]
    fn every_provider_carries_the_value_exactly(v in within_meta_limits()) {
        let s = Scratch::new();
        write_csv(&s, std::slice::from_ref(&v));
        for &kind in ProviderKind::ALL {
            s.write("c.yaml", text_campaign(kind));
            let bodies = bodies(&s).map_err(|e| fail(format!("{kind}: {e}")))?;
            let mut found = Vec::new();
            strings(&bodies[0], &mut found);
            prop_assert!(found.iter().any(|s| s == as_read(&v)), "{kind}: {found:?}");
        }
    }
}

/// A YAML scalar as written, and the JSON it stands for.
#[derive(Debug, Clone)]
struct Scalar {
    text: String,
    value: Value,
}

/// A node of a generated campaign-shaped document.
#[derive(Debug, Clone)]
enum Node {
    Scalar(Scalar),
    /// A `|` block scalar: its lines.
    Block(Vec<String>),
    Seq(Vec<Node>, bool),
    Map(Vec<(Scalar, Node)>, bool),
}

fn double_quoted(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\0' => out.push_str("\\0"),
            c if c.is_control() || c == '\u{feff}' || c == '\u{2028}' || c == '\u{2029}' || c == '\u{85}' => {
                out.push_str(&format!("\\u{:04x}", c as u32))
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn scalar() -> impl Strategy<Value = Scalar> {
    let text = prop::collection::vec(prop::sample::select(&HOSTILE[..]), 0..6).prop_map(|p| p.concat());
    prop_oneof![
        "w[a-z0-9]{0,8}".prop_map(|w| Scalar { text: w.clone(), value: Value::String(w) }),
        "w[a-z]{0,4}( [a-z]{1,4}){1,3}".prop_map(|w| Scalar { text: w.clone(), value: Value::String(w) }),
        any::<i32>().prop_map(|n| Scalar { text: n.to_string(), value: n.into() }),
        any::<bool>().prop_map(|b| Scalar { text: b.to_string(), value: b.into() }),
        Just(Scalar { text: "~".into(), value: Value::Null }),
        prop_oneof![text.clone(), "\\PC{0,12}"]
            .prop_map(|s| Scalar { text: double_quoted(&s), value: Value::String(s) }),
        "[^'\\p{C}\\u{2028}\\u{2029}]{0,12}"
            .prop_map(|s| Scalar { text: format!("'{}'", s.replace('\'', "''")), value: Value::String(s) }),
    ]
}

fn key() -> impl Strategy<Value = Scalar> {
    prop_oneof![
        "k[a-z0-9_]{0,6}".prop_map(|k| Scalar { text: k.clone(), value: Value::String(k) }),
        "[a-z/~é😀 ]{1,6}".prop_map(|k| Scalar { text: double_quoted(&k), value: Value::String(k) }),
    ]
}

fn node() -> impl Strategy<Value = Node> {
    let leaf = prop_oneof![
        4 => scalar().prop_map(Node::Scalar),
        1 => prop::collection::vec("[a-zA-Z0-9{}%#:]([a-zA-Z0-9{}%#: ]{0,10}[a-z])?", 1..4).prop_map(Node::Block),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            (prop::collection::vec(inner.clone(), 0..4), any::<bool>())
                .prop_map(|(items, flow)| Node::Seq(items, flow)),
            (prop::collection::vec((key(), inner), 0..4), any::<bool>())
                .prop_map(|(entries, flow)| Node::Map(entries, flow)),
        ]
    })
}

/// The entries of a mapping with its keys made unique, as YAML requires, all the way down.
fn unique(entries: Vec<(Scalar, Node)>) -> Vec<(Scalar, Node)> {
    let mut seen = std::collections::HashSet::new();
    entries.into_iter().filter(|(k, _)| seen.insert(k.value.clone())).map(|(k, v)| (k, unique_within(v))).collect()
}

fn unique_within(n: Node) -> Node {
    match n {
        Node::Map(entries, flow) => Node::Map(unique(entries), flow),
        Node::Seq(items, flow) => Node::Seq(items.into_iter().map(unique_within).collect(), flow),
        other => other,
    }
}

/// What the span of one pointer should be.
struct Expected {
    pointer: String,
    /// Where its key starts, and the key as written.
    key: Option<(Pos, String)>,
    /// Where its value starts.
    start: Pos,
    /// The value as written, when it is on one line.
    text: Option<String>,
}

/// Writes a document, recording what each pointer's key and value should span.
struct Writer {
    text: String,
    line: usize,
    col: usize,
    newline: &'static str,
    expected: Vec<Expected>,
}

impl Writer {
    fn pos(&self) -> Pos {
        Pos { line: self.line, col: self.col }
    }

    fn push(&mut self, s: &str) {
        self.text.push_str(s);
        self.col += s.chars().count();
    }

    fn newline(&mut self) {
        self.text.push_str(self.newline);
        self.line += 1;
        self.col = 1;
    }

    /// Writes `n` on the current line.
    fn flow(&mut self, n: &Node, pointer: &str, key: Option<(Pos, String)>) -> Value {
        let (start, from) = (self.pos(), self.text.len());
        let value = match n {
            Node::Scalar(s) => {
                self.push(&s.text);
                s.value.clone()
            }
            // A block scalar cannot stand in a flow collection: null instead.
            Node::Block(_) => {
                self.push("~");
                Value::Null
            }
            Node::Seq(items, _) => {
                self.push("[");
                let mut out = Vec::new();
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        self.push(", ");
                    }
                    out.push(self.flow(item, &format!("{pointer}/{i}"), None));
                }
                self.push("]");
                Value::Array(out)
            }
            Node::Map(entries, _) => {
                self.push("{");
                let mut out = serde_json::Map::new();
                for (i, (k, v)) in entries.iter().enumerate() {
                    if i > 0 {
                        self.push(", ");
                    }
                    let name = k.value.as_str().unwrap_or_default().to_string();
                    let at = self.pos();
                    self.push(&k.text);
                    self.push(": ");
                    let child = format!("{pointer}/{}", yaml::escape(&name));
                    out.insert(name, self.flow(v, &child, Some((at, k.text.clone()))));
                }
                self.push("}");
                Value::Object(out)
            }
        };
        let text = Some(self.text[from..].to_string());
        self.expected.push(Expected { pointer: pointer.into(), key, start, text });
        value
    }

    /// Writes `n` as the value of `pointer`, the cursor just after `key: ` or `- `.
    fn value(&mut self, n: &Node, pointer: &str, key: Option<(Pos, String)>, indent: usize) -> Value {
        let block = |w: &mut Writer| {
            w.newline();
            let start = Pos { line: w.line, col: indent + 1 };
            w.expected.push(Expected { pointer: pointer.into(), key: key.clone(), start, text: None });
        };
        let value = match n {
            Node::Block(lines) => {
                self.push("|");
                block(self);
                let mut value = String::new();
                for (i, l) in lines.iter().enumerate() {
                    if i > 0 {
                        self.newline();
                    }
                    self.push(&" ".repeat(indent));
                    self.push(l);
                    value.push_str(l);
                    value.push('\n');
                }
                Value::String(value)
            }
            Node::Seq(items, false) if !items.is_empty() => {
                block(self);
                let mut out = Vec::new();
                for (i, item) in items.iter().enumerate() {
                    self.push(&" ".repeat(indent));
                    self.push("- ");
                    out.push(self.value(item, &format!("{pointer}/{i}"), None, indent + 2));
                }
                return Value::Array(out);
            }
            Node::Map(entries, false) if !entries.is_empty() => {
                block(self);
                return Value::Object(self.entries(entries, pointer, indent));
            }
            _ => self.flow(n, pointer, key),
        };
        self.newline();
        value
    }

    fn entries(&mut self, entries: &[(Scalar, Node)], pointer: &str, indent: usize) -> serde_json::Map<String, Value> {
        let mut out = serde_json::Map::new();
        for (k, v) in entries {
            self.push(&" ".repeat(indent));
            let name = k.value.as_str().unwrap_or_default().to_string();
            let at = self.pos();
            self.push(&k.text);
            self.push(": ");
            let child = format!("{pointer}/{}", yaml::escape(&name));
            out.insert(name, self.value(v, &child, Some((at, k.text.clone())), indent + 2));
        }
        out
    }
}

/// `len` characters of `text` from `pos`, on one line.
fn text_at(text: &str, pos: Pos, len: usize) -> String {
    let line = text.split('\n').nth(pos.line - 1).unwrap_or("");
    line.chars().skip(pos.col - 1).take(len).collect()
}

fn end_of(start: Pos, text: &str) -> Pos {
    Pos { line: start.line, col: start.col + text.chars().count() }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn every_pointer_spans_the_text_of_its_key_and_value(
        entries in prop::collection::vec((key(), node()), 1..6),
        crlf in any::<bool>(),
    ) {
        let entries = unique(entries);
        let newline = if crlf { "\r\n" } else { "\n" };
        let mut w = Writer { text: String::new(), line: 1, col: 1, newline, expected: vec![] };
        let want = Value::Object(w.entries(&entries, "", 0));
        let (got, spans) = yaml::parse(&w.text).map_err(|e| fail(format!("{e:?} in\n{}", w.text)))?;
        prop_assert_eq!(&got, &want, "{}", w.text);
        for Expected { pointer, key, start, text } in &w.expected {
            let span = spans.get(pointer).ok_or_else(|| fail(format!("no span for {pointer}")))?;
            if let Some((at, key_text)) = key {
                let k = span.key.ok_or_else(|| fail(format!("no key span for {pointer}")))?;
                prop_assert_eq!((k.start, k.end), (*at, end_of(*at, key_text)), "key of {} in\n{}", pointer, w.text);
                prop_assert_eq!(&text_at(&w.text, k.start, key_text.chars().count()), key_text);
            }
            prop_assert_eq!(span.value.start, *start, "value of {} in\n{}", pointer, w.text);
            if let Some(text) = text {
                prop_assert_eq!(span.value.end, end_of(*start, text), "end of {} in\n{}", pointer, w.text);
                prop_assert_eq!(&text_at(&w.text, *start, text.chars().count()), text);
            }
        }
    }
}

/// Countries whose numbers are written in many ways, and none.
const REGIONS: [Option<&str>; 8] =
    [None, Some("KE"), Some("US"), Some("GB"), Some("DE"), Some("IN"), Some("BR"), Some("NG")];

/// Something shaped like a phone number as people type it.
fn phoneish() -> impl Strategy<Value = String> {
    let prefix = prop::sample::select(&["", "+", "00", "0", "+0", " +", "(0"][..]);
    let sep = prop::sample::select(&["", "", " ", "-", ".", "(", ")", "/", "\u{a0}"][..]);
    (prefix, prop::collection::vec(("[0-9]{1,4}", sep), 1..6))
        .prop_map(|(p, parts)| parts.iter().fold(p.to_string(), |acc, (d, s)| format!("{acc}{d}{s}")))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn normalising_the_e164_form_again_changes_nothing(
        raw in prop_oneof![phoneish(), "\\+[1-9][0-9]{6,14}"],
        region in prop::sample::select(&REGIONS[..]),
    ) {
        if let Ok(p) = normalize(&raw, region.and_then(parse_region)) {
            prop_assert!(p.e164().starts_with('+') && p.digits().bytes().all(|b| b.is_ascii_digit()), "{}", p);
            // E.164 says 15 digits; libphonenumber takes German numbers of up to 17. The key holds 19.
            prop_assert!(p.digits().len() <= 17 && !p.digits().starts_with('0'), "{}", p);
            prop_assert_eq!(herald::phone::Phone::from_key(p.key()), p.clone());
            for again in REGIONS {
                let twice = normalize(p.e164(), again.and_then(parse_region));
                prop_assert_eq!(twice, Ok(p.clone()), "{} read in {:?}", raw, region);
            }
        }
    }

    #[test]
    fn normalising_never_panics(raw in prop_oneof![any::<String>(), phoneish().prop_map(|p| p + &"9".repeat(40))]) {
        for region in REGIONS {
            let _ = normalize(&raw, region.and_then(parse_region));
        }
    }
}
