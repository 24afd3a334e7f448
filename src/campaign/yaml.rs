//! YAML to JSON with positions: parses a campaign file with saphyr and returns the document as a
//! `serde_json::Value` plus a map from every JSON pointer to where its key and value stand in the
//! file, so that schema and template errors can point at `file:line:col`.
//!
//! The file may be hostile, so the work is bounded: nesting deeper than [`MAX_DEPTH`] is refused
//! before any node is built (building, converting and dropping the tree recurse), and saphyr
//! refuses aliases that would expand past its node budget (a "billion laughs").

use saphyr::{LoadableYamlNode, MarkedYamlOwned, ScalarOwned, YamlDataOwned};
use saphyr_parser::Event;
use serde_json::{Map, Number, Value};
use std::collections::HashMap;

/// A position in the source: line and column, both 1-based, column in characters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Pos {
    /// 1-based line.
    pub line: usize,
    /// 1-based column, in characters.
    pub col: usize,
}

/// A range of source text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Span {
    /// Where it starts.
    pub start: Pos,
    /// Where it ends (exclusive).
    pub end: Pos,
}

/// Where one node of the document stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct NodeSpan {
    /// The key naming this node in its mapping, if it has one.
    pub key: Option<Span>,
    /// The value itself.
    pub value: Span,
}

/// JSON pointer → position of that node.
#[derive(Debug, Clone, Default)]
pub struct SpanMap(HashMap<String, NodeSpan>);

impl SpanMap {
    /// The node at `pointer`, or the nearest ancestor that exists (a missing key points at the
    /// mapping that should hold it).
    pub fn nearest(&self, pointer: &str) -> Option<(&str, NodeSpan)> {
        let mut p = pointer;
        loop {
            if let Some((k, v)) = self.0.get_key_value(p) {
                return Some((k.as_str(), *v));
            }
            if p.is_empty() {
                return None;
            }
            p = &p[..p.rfind('/').unwrap_or(0)];
        }
    }

    /// The node at exactly `pointer`.
    pub fn get(&self, pointer: &str) -> Option<NodeSpan> {
        self.0.get(pointer).copied()
    }
}

/// A YAML problem: where and what.
#[derive(Debug, Clone, PartialEq)]
pub struct YamlError {
    /// Where the problem is.
    pub pos: Pos,
    /// What the problem is.
    pub message: String,
}

/// The deepest nesting of mappings and lists a campaign file may have; a real one needs a
/// handful of levels.
pub const MAX_DEPTH: usize = 64;

/// Parses `source` into JSON and its span map.
pub fn parse(source: &str) -> Result<(Value, SpanMap), YamlError> {
    check_depth(source)?;
    let docs = MarkedYamlOwned::load_from_str(source).map_err(|e| scan_error(&e, source))?;
    let mut docs = docs.into_iter();
    let Some(doc) = docs.next() else {
        return Err(YamlError { pos: Pos { line: 1, col: 1 }, message: "the file is empty".into() });
    };
    if let Some(extra) = docs.next() {
        return Err(YamlError {
            pos: pos(&extra.span.start),
            message: "the file holds more than one YAML document (`---`); a campaign file holds one".into(),
        });
    }
    let mut spans = SpanMap::default();
    let lines: Vec<&str> = source.split('\n').collect();
    let start = Span { start: Pos { line: 1, col: 1 }, end: Pos { line: 1, col: 1 } };
    let value = convert(&doc, String::new(), None, start, &lines, &mut spans)?;
    Ok((value, spans))
}

/// Walks the parser's events, without building anything, and refuses nesting deeper than
/// [`MAX_DEPTH`].
fn check_depth(source: &str) -> Result<(), YamlError> {
    let mut depth = 0usize;
    for event in saphyr_parser::Parser::new_from_str(source) {
        let (event, span) = event.map_err(|e| scan_error(&e, source))?;
        match event {
            Event::SequenceStart(..) | Event::MappingStart(..) => {
                depth += 1;
                if depth > MAX_DEPTH {
                    return Err(YamlError {
                        pos: pos(&span.start),
                        message: format!(
                            "the file nests mappings and lists more than {MAX_DEPTH} levels deep; a campaign needs a handful"
                        ),
                    });
                }
            }
            Event::SequenceEnd | Event::MappingEnd => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    Ok(())
}

fn scan_error(e: &saphyr_parser::ScanError, source: &str) -> YamlError {
    let at = Pos { line: e.marker().line(), col: e.marker().col() + 1 };
    let line = source.split('\n').nth(at.line.saturating_sub(1)).unwrap_or("");
    let info = e.info();
    if info.contains("duplicated key") {
        let message = "this key appears twice in the same mapping; keep one".into();
        return YamlError { pos: at, message };
    }
    // The parser's words, then what usually causes them: the same words come from different
    // mistakes, so the line itself tells which.
    if info.contains("mapping values are not allowed")
        && let Some(key) = deep_key(line, at.col)
    {
        let indent = line.chars().count() - line.trim_start().chars().count();
        return YamlError {
            pos: Pos { line: at.line, col: indent + 1 },
            message: format!(
                "invalid YAML: {info}; check this line's indentation: `{key}` stands deeper than the key above it, \
                 so YAML reads it as more of that key's value; the keys of one mapping line up under each other"
            ),
        };
    }
    let hint = if let Some(quote) = template_hint(line) {
        format!("; {quote}")
    } else if info.contains("alias expansion") {
        "; write the values out instead of repeating aliases (`*name`)".into()
    } else if info.contains("tabs disallowed") {
        "; indent with spaces: YAML does not allow tabs for indentation".into()
    } else if info.contains("mapping values are not allowed") {
        "; a value holding `: ` must be quoted, e.g. text: \"Hello: world\"".into()
    } else if info.contains("did not find expected key") {
        "; check this line's indentation: the keys of one mapping line up under each other".into()
    } else {
        String::new()
    };
    YamlError { pos: at, message: format!("invalid YAML: {info}{hint}") }
}

/// `text` with each lone CR turned into LF. YAML ends a line at CR, LF or CRLF, but `str::lines`
/// and editors' line numbers only at LF and CRLF: without this, a file saved with classic-Mac
/// line ends would show as one line, its CRs echoed to the terminal, and no error would point
/// at the right line. A line break is never content in YAML, so the document means the same.
pub fn unify_line_breaks(text: String) -> String {
    if !text.contains('\r') {
        return text;
    }
    text.replace("\r\n", "\n").replace('\r', "\n")
}

/// The key of `line` when the `:` at `col` is the one ending it: a key YAML found inside a
/// value, because the line stands deeper than the key above it. A `:` further on is in the
/// value, which wants quoting instead.
fn deep_key(line: &str, col: usize) -> Option<&str> {
    let key = line.trim_start();
    let colon = key.find(':')?;
    let indent = line.chars().count() - key.chars().count();
    let key = &key[..colon];
    let plain = !key.is_empty() && !key.contains(char::is_whitespace) && !key.starts_with(['-', '"', '\'']);
    (plain && indent + key.chars().count() + 1 == col).then_some(key)
}

/// What to do when the unquoted value on `line` (`key: value` or `- value`) starts with `{{`:
/// YAML reads a template such as `{{ first_name }}, welcome` as a mapping.
fn template_hint(line: &str) -> Option<String> {
    let item = line.trim_start();
    let (lead, value) = match item.strip_prefix("- ") {
        Some(value) if !value.trim_start().starts_with('{') => value.split_once(": ")?,
        Some(value) => ("-", value),
        None => item.split_once(": ")?,
    };
    let value = value.trim();
    if !value.starts_with("{{") {
        return None;
    }
    let lead = if lead == "-" { "- ".to_string() } else { format!("{lead}: ") };
    let example = if value.contains(['"', '\\']) || value.contains(" #") {
        "text: \"{{ first_name }}, welcome\"".to_string()
    } else {
        format!("{lead}\"{value}\"")
    };
    Some(format!(
        "a value that starts with `{{{{` is read as a YAML mapping, not a template: quote the whole value, as in {example}"
    ))
}

fn pos(m: &saphyr::Marker) -> Pos {
    Pos { line: m.line(), col: m.col() + 1 }
}

fn span(s: &saphyr_parser::Span) -> Span {
    Span { start: pos(&s.start), end: pos(&s.end) }
}

/// Escapes one JSON-pointer segment.
pub fn escape(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}

/// Where `node` stands. saphyr ends a flow collection where its closing bracket starts, but the
/// bracket is part of the value: a caret under `[a, b]` covers all of it.
fn value_span(node: &MarkedYamlOwned, lines: &[&str]) -> Span {
    let mut s = span(&node.span);
    if matches!(node.data, YamlDataOwned::Sequence(_) | YamlDataOwned::Mapping(_)) {
        let at = |p: Pos| lines.get(p.line.checked_sub(1)?)?.chars().nth(p.col.checked_sub(1)?);
        let closes = match at(s.start) {
            Some('[') => at(s.end) == Some(']'),
            Some('{') => at(s.end) == Some('}'),
            _ => false,
        };
        if closes {
            s.end.col += 1;
        }
    }
    s
}

/// Converts `node`, recording its span and its children's. `parent` is the span of the node
/// holding it, for a node saphyr gives no position (a value with a custom tag, `!t x`).
fn convert(
    node: &MarkedYamlOwned,
    pointer: String,
    key: Option<Span>,
    parent: Span,
    lines: &[&str],
    spans: &mut SpanMap,
) -> Result<Value, YamlError> {
    let mut value = value_span(node, lines);
    // saphyr's "no position" is line 0: point at the key naming the value, else its parent.
    if value.start.line == 0 {
        value = key.unwrap_or(parent);
    }
    spans.0.insert(pointer.clone(), NodeSpan { key, value });
    let err = |message: String| YamlError { pos: value.start, message };
    Ok(match &node.data {
        YamlDataOwned::Value(s) => {
            scalar(s).ok_or_else(|| err("infinite or NaN numbers are not allowed here".into()))?
        }
        YamlDataOwned::Representation(s, _, _) => Value::String(s.clone()),
        YamlDataOwned::Tagged(_, inner) => return convert(inner, pointer, key, parent, lines, spans),
        YamlDataOwned::Sequence(items) => {
            let mut out = Vec::with_capacity(items.len());
            for (i, item) in items.iter().enumerate() {
                out.push(convert(item, format!("{pointer}/{i}"), None, value, lines, spans)?);
            }
            Value::Array(out)
        }
        YamlDataOwned::Mapping(entries) => {
            let mut out = Map::with_capacity(entries.len());
            for (k, v) in entries {
                let name = match &k.data {
                    YamlDataOwned::Value(ScalarOwned::String(s)) => s.clone(),
                    YamlDataOwned::Value(ScalarOwned::Integer(i)) => i.to_string(),
                    YamlDataOwned::Value(ScalarOwned::Boolean(b)) => b.to_string(),
                    _ => {
                        let at = if k.span.start.line() == 0 { value.start } else { pos(&k.span.start) };
                        let line = lines.get(at.line.saturating_sub(1)).copied().unwrap_or("");
                        let hint = template_hint(line).map(|h| format!("; {h}")).unwrap_or_default();
                        return Err(YamlError {
                            pos: at,
                            message: format!("a key must be a plain word such as `name`{hint}"),
                        });
                    }
                };
                let child = format!("{pointer}/{}", escape(&name));
                let key = Some(span(&k.span)).filter(|k| k.start.line > 0);
                let item = convert(v, child, key, value, lines, spans)?;
                out.insert(name, item);
            }
            Value::Object(out)
        }
        YamlDataOwned::Alias(_) => {
            return Err(err("YAML aliases (`*name`) are not supported; write the value out".into()));
        }
        YamlDataOwned::BadValue => return Err(err("this value cannot be read".into())),
    })
}

/// A scalar as JSON; `None` for an infinite or NaN number, which JSON cannot hold.
fn scalar(s: &ScalarOwned) -> Option<Value> {
    Some(match s {
        ScalarOwned::Null => Value::Null,
        ScalarOwned::Boolean(b) => Value::Bool(*b),
        ScalarOwned::Integer(i) => Value::Number((*i).into()),
        ScalarOwned::FloatingPoint(f) => Value::Number(Number::from_f64(f.into_inner())?),
        ScalarOwned::String(s) => Value::String(s.clone()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_pointers_to_key_and_value_positions() {
        let src = "version: 1\nprovider:\n  kind: cloud_api\n  list: [a, \"b\"]\n";
        let (v, spans) = parse(src).unwrap();
        assert_eq!(v["provider"]["kind"], "cloud_api");
        let kind = spans.get("/provider/kind").unwrap();
        assert_eq!(kind.key.unwrap().start, Pos { line: 3, col: 3 });
        assert_eq!(kind.value.start, Pos { line: 3, col: 9 });
        assert_eq!(spans.get("/provider/list/1").unwrap().value.start.line, 4);
        assert_eq!(spans.nearest("/provider/missing").unwrap().0, "/provider");
    }

    #[test]
    fn keeps_types_and_strings() {
        let (v, _) = parse("a: 1\nb: 1.5\nc: true\nd: ~\ne: 2026-12-01T09:00:00+03:00\nf: '007'\n").unwrap();
        assert_eq!(v["a"], 1);
        assert_eq!(v["b"], 1.5);
        assert_eq!(v["c"], true);
        assert!(v["d"].is_null());
        assert_eq!(v["e"], "2026-12-01T09:00:00+03:00");
        assert_eq!(v["f"], "007");
    }

    #[test]
    fn reports_syntax_errors_with_position() {
        let e = parse("a: 1\nb: [1, 2\n").unwrap_err();
        assert!(e.pos.line >= 2, "{e:?}");
        let e = parse("a: 1\na: 2\n").unwrap_err();
        assert_eq!(e.pos.line, 2);
        assert!(e.message.contains("twice"));
        assert!(parse("").unwrap_err().message.contains("empty"));
        assert!(parse("a: 1\n---\nb: 2\n").unwrap_err().message.contains("more than one"));
    }

    #[test]
    fn the_line_tells_which_mistake_a_parser_error_comes_from() {
        let e = parse("a:\n  b: 1\n   c: 2\n").unwrap_err();
        assert_eq!(e.pos, Pos { line: 3, col: 4 });
        assert!(e.message.contains("`c` stands deeper than the key above it"), "{e:?}");
        let e = parse("a:\n  b: x: y\n").unwrap_err();
        assert!(e.message.contains("must be quoted"), "{e:?}");
        let e = parse("a:\n  - {{ name }}, hi\n").unwrap_err();
        assert!(e.message.contains("as in - \"{{ name }}, hi\""), "{e:?}");
        let e = parse("a: {{ name }}, \"hi\"\n").unwrap_err();
        assert!(e.message.contains("as in text: \"{{ first_name }}, welcome\""), "{e:?}");
        let e = parse("a: {b: 1\n").unwrap_err();
        assert!(!e.message.contains("template"), "a broken flow mapping is not a template: {e:?}");
    }

    #[test]
    fn deep_nesting_and_alias_bombs_are_refused_quickly() {
        let deep = format!("{}1\n", "- ".repeat(20_000));
        let e = parse(&deep).unwrap_err();
        assert!(e.message.contains("more than 64 levels deep"), "{e:?}");
        assert_eq!(e.pos, Pos { line: 1, col: 129 });
        let flow = format!("x: {}{}\n", "{a: ".repeat(20_000), "}".repeat(20_000));
        assert!(parse(&flow).is_err());
        let mut bomb = String::from("a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
        for i in 1..10 {
            bomb.push_str(&format!("a{i}: &a{i} [{}]\n", vec![format!("*a{}", i - 1); 10].join(", ")));
        }
        let e = parse(&bomb).unwrap_err();
        assert!(e.message.contains("billion-laughs") && e.message.contains("instead of repeating aliases"), "{e:?}");
        let (v, _) = parse("a: &x {b: 1}\nc: *x\n").unwrap();
        assert_eq!(v["c"]["b"], 1, "a small alias is still read");
        assert!(parse(&format!("{}1\n", "- ".repeat(MAX_DEPTH))).is_ok());
    }

    #[test]
    fn flow_collections_span_their_closing_bracket() {
        let src = "a: [1, {k: v}]\nb: {}\nc: [x,\n  y]\n";
        let (_, spans) = parse(src).unwrap();
        let end = |p: &str| spans.get(p).unwrap().value.end;
        assert_eq!(end("/a"), Pos { line: 1, col: 15 });
        assert_eq!(end("/a/1"), Pos { line: 1, col: 14 });
        assert_eq!(end("/b"), Pos { line: 2, col: 6 });
        assert_eq!(end("/c"), Pos { line: 4, col: 5 });
    }

    #[test]
    fn lone_carriage_returns_become_line_feeds() {
        let text = unify_line_breaks("a: 1\rb:\r  - x\r\nc: 2\r".to_string());
        assert_eq!(text, "a: 1\nb:\n  - x\nc: 2\n");
        assert_eq!(parse(&text).unwrap().1.get("/b/0").unwrap().value.start, Pos { line: 3, col: 5 });
    }

    #[test]
    fn values_with_custom_tags_point_at_their_key() {
        // saphyr gives such values line 0, which once underflowed `Source::locate_within`.
        let (_, spans) = parse("a: !t x\nb:\n  - ! y\n").unwrap();
        assert_eq!(spans.get("/a").unwrap().value.start, Pos { line: 1, col: 1 });
        assert_eq!(spans.get("/b/0").unwrap().value.start, Pos { line: 3, col: 3 });
        let (_, spans) = parse("! x").unwrap();
        assert_eq!(spans.get("").unwrap().value.start, Pos { line: 1, col: 1 });
    }

    #[test]
    fn pointer_segments_are_escaped() {
        let (_, spans) = parse("\"a/b\": 1\n\"c~d\": 2\n").unwrap();
        assert!(spans.get("/a~1b").is_some());
        assert!(spans.get("/c~0d").is_some());
    }

    proptest::proptest! {
        #[test]
        fn every_scalar_key_gets_a_span_on_its_line(keys in proptest::collection::btree_set("[a-z]{1,8}", 1..8)) {
            // `null`, `true` and `false` are not words to YAML, and a key must be one.
            proptest::prop_assume!(!keys.iter().any(|k| matches!(k.as_str(), "null" | "true" | "false")));
            let src: String = keys.iter().map(|k| format!("{k}: v\n")).collect();
            let (_, spans) = parse(&src).unwrap();
            for (i, k) in keys.iter().enumerate() {
                let s = spans.get(&format!("/{k}")).unwrap();
                proptest::prop_assert_eq!(s.key.unwrap().start, Pos { line: i + 1, col: 1 });
            }
        }

        #[test]
        fn never_panics_on_garbage(src in "\\PC{0,60}") {
            let _ = parse(&src);
        }
    }
}
