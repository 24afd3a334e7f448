//! No import circle between the top-level modules of `src/` (issue 18, docs/architecture.md).
//!
//! Every `crate::…` and `super::…` path in non-test code is read (comments, strings and
//! character literals stripped first) and resolved to the top-level module it names; those
//! edges make a graph that must have no cycle. Test code — files declared `#[cfg(test)] mod x;`
//! and items under `#[cfg(test)]` — is not counted: a test may reach across layers to set up
//! what it checks, and nothing it imports ships.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// One token of Rust source, with its line.
#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Ident(String),
    Colons,
    Punct(char),
}

/// Rust source as tokens, without comments, string, byte-string, raw-string or char literals.
fn tokens(src: &str) -> Vec<(Tok, usize)> {
    let c: Vec<char> = src.chars().collect();
    let at = |i: usize| c.get(i).copied().unwrap_or('\0');
    let (mut out, mut i, mut line) = (Vec::new(), 0, 1);
    // Skips a quoted literal starting at the quote `i`, honouring backslash escapes.
    let quoted = |mut i: usize, q: char, line: &mut usize| {
        i += 1;
        while i < c.len() && c[i] != q {
            if c[i] == '\\' {
                i += 1;
            }
            if at(i) == '\n' {
                *line += 1;
            }
            i += 1;
        }
        i + 1
    };
    while i < c.len() {
        let ch = c[i];
        if ch == '\n' {
            line += 1;
            i += 1;
        } else if ch.is_whitespace() {
            i += 1;
        } else if ch == '/' && at(i + 1) == '/' {
            while i < c.len() && c[i] != '\n' {
                i += 1;
            }
        } else if ch == '/' && at(i + 1) == '*' {
            let mut depth = 0;
            loop {
                if i >= c.len() {
                    break;
                } else if c[i] == '/' && at(i + 1) == '*' {
                    depth += 1;
                    i += 2;
                } else if c[i] == '*' && at(i + 1) == '/' {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    line += usize::from(c[i] == '\n');
                    i += 1;
                }
            }
        } else if ch == '"' {
            i = quoted(i, '"', &mut line);
        } else if ch == '\'' {
            if at(i + 1) == '\\' || at(i + 2) == '\'' {
                i = quoted(i, '\'', &mut line);
            } else {
                i += 1; // a lifetime or label: its name lexes as an identifier
            }
        } else if ch.is_alphabetic() || ch == '_' {
            // Literal prefixes: b"…", c"…", b'…', r"…", r#"…"#, br#"…"#, cr"…".
            let mut j = i;
            if matches!(c[j], 'b' | 'c') && matches!(at(j + 1), '"' | '\'' | 'r') {
                j += 1;
            }
            if matches!(c[j], '"' | '\'') {
                i = quoted(j, c[j], &mut line);
                continue;
            }
            if c[j] == 'r' && matches!(at(j + 1), '"' | '#') {
                let mut k = j + 1;
                while at(k) == '#' {
                    k += 1;
                }
                if at(k) == '"' {
                    let close: String = std::iter::once('"').chain(std::iter::repeat_n('#', k - j - 1)).collect();
                    let rest: String = c[k + 1..].iter().collect();
                    let len = rest.find(&close).map_or(rest.len(), |n| n + close.len());
                    line += rest[..len].matches('\n').count();
                    i = k + 1 + rest[..len].chars().count();
                    continue;
                }
                if k > j + 1 {
                    i = k; // a raw identifier, r#type: lex the name after it
                    continue;
                }
            }
            let start = i;
            while i < c.len() && (c[i].is_alphanumeric() || c[i] == '_') {
                i += 1;
            }
            out.push((Tok::Ident(c[start..i].iter().collect()), line));
        } else if ch.is_ascii_digit() {
            while i < c.len() && (c[i].is_alphanumeric() || c[i] == '_') {
                i += 1;
            }
        } else if ch == ':' && at(i + 1) == ':' {
            out.push((Tok::Colons, line));
            i += 2;
        } else {
            out.push((Tok::Punct(ch), line));
            i += 1;
        }
    }
    out
}

/// What one file's non-test code says: the top-level modules it names, with a line for each,
/// and the child modules it declares `#[cfg(test)] mod x;`.
#[derive(Debug, Default, PartialEq)]
struct Scan {
    uses: Vec<(String, usize)>,
    test_children: Vec<String>,
}

fn is(t: Option<&(Tok, usize)>, want: &Tok) -> bool {
    t.is_some_and(|(t, _)| t == want)
}

fn ident(t: Option<&(Tok, usize)>) -> Option<&str> {
    match t {
        Some((Tok::Ident(s), _)) => Some(s),
        _ => None,
    }
}

/// Scans the source of the module at `module` (its path below the crate root).
fn scan(src: &str, module: &[String]) -> Scan {
    let t = tokens(src);
    let mut out = Scan::default();
    let mut inline: Vec<(String, usize)> = Vec::new(); // inline `mod x {` and the depth inside it
    let (mut depth, mut i) = (0usize, 0usize);
    let open = |p: &Tok| matches!(p, Tok::Punct('{' | '(' | '['));
    let close = |p: &Tok| matches!(p, Tok::Punct('}' | ')' | ']'));
    while i < t.len() {
        // `#[cfg(test)]` or `#![cfg(test)]`: skip the item it marks (or the rest of the file).
        let bang = usize::from(is(t.get(i + 1), &Tok::Punct('!')));
        let cfg_test = [
            Tok::Punct('#'),
            Tok::Punct('['),
            Tok::Ident("cfg".into()),
            Tok::Punct('('),
            Tok::Ident("test".into()),
            Tok::Punct(')'),
            Tok::Punct(']'),
        ];
        if is(t.get(i), &cfg_test[0])
            && cfg_test[1..].iter().enumerate().all(|(k, want)| is(t.get(i + 1 + bang + k), want))
        {
            if bang == 1 {
                return Scan::default();
            }
            i += 1 + cfg_test.len() - 1;
            let mut d = 0usize;
            let mut words: Vec<String> = Vec::new();
            while let Some((tok, _)) = t.get(i) {
                i += 1;
                if open(tok) {
                    d += 1;
                } else if close(tok) {
                    d = d.saturating_sub(1);
                    if d == 0 && matches!(tok, Tok::Punct('}')) {
                        break;
                    }
                } else if d == 0 && *tok == Tok::Punct(';') {
                    if let [.., m, name] = words.as_slice()
                        && m == "mod"
                    {
                        let mut child: Vec<String> = inline.iter().map(|(n, _)| n.clone()).collect();
                        child.push(name.clone());
                        out.test_children.push(child.join("/"));
                    }
                    break;
                } else if let (0, Tok::Ident(w)) = (d, tok) {
                    words.push(w.clone());
                }
            }
            continue;
        }
        let (tok, line) = &t[i];
        match tok {
            Tok::Ident(m) if m == "mod" && is(t.get(i + 2), &Tok::Punct('{')) => {
                depth += 1;
                inline.push((ident(t.get(i + 1)).unwrap_or_default().to_string(), depth));
                i += 3;
                continue;
            }
            Tok::Punct('{') => depth += 1,
            Tok::Punct('}') => {
                if inline.last().is_some_and(|(_, d)| *d == depth) {
                    inline.pop();
                }
                depth = depth.saturating_sub(1);
            }
            Tok::Ident(w) if (w == "crate" || w == "super") && !is(t.get(i.wrapping_sub(1)), &Tok::Colons) => {
                // How far up the path climbs: `crate` to the root, each `super` one level.
                let here = module.len() + inline.len();
                let mut j = i;
                let mut up = 0;
                if w == "crate" {
                    up = here;
                    j += 1;
                } else {
                    while ident(t.get(j)) == Some("super") && is(t.get(j + 1), &Tok::Colons) {
                        up += 1;
                        j += 2;
                    }
                    j = j.wrapping_sub(1);
                }
                if up == here && is(t.get(j), &Tok::Colons) {
                    j += 1;
                    if let Some(name) = ident(t.get(j)) {
                        out.uses.push((name.to_string(), *line));
                    } else if is(t.get(j), &Tok::Punct('{')) {
                        // A group: the first name of each of its items.
                        let mut d = 0;
                        let mut first = true;
                        while let Some((tok, line)) = t.get(j) {
                            match tok {
                                Tok::Punct('{') => d += 1,
                                Tok::Punct('}') => d -= 1,
                                Tok::Punct(',') if d == 1 => first = true,
                                Tok::Ident(name) if d == 1 && first => {
                                    out.uses.push((name.clone(), *line));
                                    first = false;
                                }
                                _ => {}
                            }
                            if d == 0 {
                                break;
                            }
                            j += 1;
                        }
                    }
                }
            }
            _ => {}
        }
        i += 1;
    }
    out
}

/// The module path of a file below `src/`: `providers/meta/mod.rs` and `providers/meta.rs`
/// are both `providers::meta`.
fn module_of(rel: &Path) -> Vec<String> {
    let mut parts: Vec<String> = rel.iter().map(|p| p.to_string_lossy().into_owned()).collect();
    let last = parts.pop().unwrap_or_default();
    let stem = last.trim_end_matches(".rs");
    if stem != "mod" {
        parts.push(stem.to_string());
    }
    parts
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Edges between top-level modules of `src/`, each with the first `file:line` that makes it.
fn graph(src: &Path) -> BTreeMap<(String, String), String> {
    let top: BTreeSet<String> = scan_mods(&std::fs::read_to_string(src.join("lib.rs")).unwrap());
    let mut files = Vec::new();
    rust_files(src, &mut files);
    files.sort();
    let scans: Vec<(PathBuf, Vec<String>, Scan)> = files
        .into_iter()
        .filter_map(|f| {
            let rel = f.strip_prefix(src).unwrap().to_path_buf();
            let module = module_of(&rel);
            (!module.is_empty() && module != ["main"])
                .then(|| (rel, module.clone(), scan(&std::fs::read_to_string(&f).unwrap(), &module)))
        })
        .collect();
    let test_only: BTreeSet<String> = scans
        .iter()
        .flat_map(|(_, m, s)| s.test_children.iter().map(move |c| format!("{}/{c}", m.join("/"))))
        .collect();
    let mut edges = BTreeMap::new();
    for (rel, module, s) in &scans {
        let path = module.join("/");
        if test_only.iter().any(|t| path == *t || path.starts_with(&format!("{t}/"))) {
            continue;
        }
        for (name, line) in &s.uses {
            if top.contains(name) && *name != module[0] {
                edges
                    .entry((module[0].clone(), name.clone()))
                    .or_insert_with(|| format!("src/{}:{line}", rel.display()));
            }
        }
    }
    edges
}

/// The modules `lib.rs` declares.
fn scan_mods(lib: &str) -> BTreeSet<String> {
    let t = tokens(lib);
    (0..t.len())
        .filter(|&i| ident(t.get(i)) == Some("mod") && is(t.get(i + 2), &Tok::Punct(';')))
        .filter_map(|i| ident(t.get(i + 1)).map(str::to_string))
        .collect()
}

/// Every elementary cycle, each starting at its alphabetically first module.
fn cycles(edges: &BTreeMap<(String, String), String>) -> BTreeSet<Vec<String>> {
    let mut next: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (a, b) in edges.keys() {
        next.entry(a).or_default().push(b);
    }
    fn walk<'a>(next: &BTreeMap<&'a str, Vec<&'a str>>, path: &mut Vec<&'a str>, out: &mut BTreeSet<Vec<String>>) {
        let (start, here) = (path[0], *path.last().unwrap());
        for &n in next.get(here).into_iter().flatten() {
            if n == start {
                out.insert(path.iter().map(|s| s.to_string()).collect());
            } else if n > start && !path.contains(&n) {
                path.push(n);
                walk(next, path, out);
                path.pop();
            }
        }
    }
    let mut out = BTreeSet::new();
    for &start in next.keys() {
        walk(&next, &mut vec![start], &mut out);
    }
    out
}

/// The cycles (at most `MAX` of them, then a count) and once each edge they use, with its example.
fn show(found: &BTreeSet<Vec<String>>, edges: &BTreeMap<(String, String), String>) -> String {
    const MAX: usize = 30;
    let mut s = String::from("error: import circles between top-level modules of src/:\n");
    let mut used = BTreeSet::new();
    for (k, c) in found.iter().enumerate() {
        if k < MAX {
            s += &format!("  {} → {}\n", c.join(" → "), c[0]);
        }
        used.extend((0..c.len()).map(|k| (c[k].clone(), c[(k + 1) % c.len()].clone())));
    }
    if found.len() > MAX {
        s += &format!("  … and {} more\n", found.len() - MAX);
    }
    s += "the imports they are made of (one example each):\n";
    for e in &used {
        s += &format!("  {} → {}: {}\n", e.0, e.1, edges[e]);
    }
    s
}

#[test]
fn no_import_circle_between_top_level_modules() {
    let edges = graph(&crate::common::root().join("src"));
    let found = cycles(&edges);
    assert!(
        found.is_empty(),
        "{}break a circle by moving what both sides share into the lower module (docs/architecture.md)",
        show(&found, &edges)
    );
}

fn strings(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

fn names(s: &Scan) -> Vec<&str> {
    s.uses.iter().map(|(n, _)| n.as_str()).collect()
}

#[test]
fn the_scan_is_not_fooled_by_comments_strings_or_doc_examples() {
    let src = r####"
//! ```
//! use crate::doc_example;
//! ```
/* use crate::block_comment; /* nested */ crate::still_comment::x */
/// crate::doc_comment::f()
const A: &str = "use crate::string::x; \" crate::escaped::y";
const B: &str = r#"crate::raw::z "# ;
const C: &[u8] = br##"crate::raw_bytes::w"##;
const D: char = '"'; const E: char = '\''; fn f<'a>(x: &'a str) {}
use crate::real::thing;
"####;
    assert_eq!(names(&scan(src, &strings(&["here"]))), ["real"]);
}

#[test]
fn the_scan_reads_groups_super_paths_and_inline_modules() {
    let src = "use crate::{a::X, b, c::{d, e}};\nfn f() { crate::g::h(); super::i::j(); }\n\
               mod inner { use super::super::k; use super::same; }\npub(crate) fn l() {}";
    let s = scan(src, &strings(&["here"]));
    assert_eq!(names(&s), ["a", "b", "c", "g", "i", "k"]);
    assert_eq!(s.uses.iter().map(|(_, l)| *l).collect::<Vec<_>>(), [1, 1, 1, 2, 2, 3]);
    // One level down, `super` stays inside the top-level module.
    assert_eq!(names(&scan("use super::sibling; use super::super::other;", &strings(&["top", "child"]))), ["other"]);
}

#[test]
fn the_scan_skips_test_code() {
    let src = "#[cfg(test)]\nmod tests { use crate::a; fn f() { crate::b::c(); } }\n\
               #[cfg(test)]\n#[allow(dead_code)]\npub(crate) mod testing;\n\
               #[cfg(test)]\nfn helper(x: [u8; 2]) -> u8 { crate::d::e() }\n\
               use crate::kept;";
    let s = scan(src, &strings(&["here"]));
    assert_eq!(names(&s), ["kept"]);
    assert_eq!(s.test_children, ["testing"]);
    assert_eq!(scan("#![cfg(test)]\nuse crate::a;", &strings(&["here"])), Scan::default());
}

#[test]
fn cycles_are_listed_once_from_their_first_module() {
    let edges: BTreeMap<(String, String), String> = [("a", "b"), ("b", "a"), ("b", "c"), ("c", "a"), ("c", "d")]
        .iter()
        .map(|(a, b)| ((a.to_string(), b.to_string()), String::new()))
        .collect();
    let want: BTreeSet<Vec<String>> = [strings(&["a", "b"]), strings(&["a", "b", "c"])].into_iter().collect();
    assert_eq!(cycles(&edges), want);
}
