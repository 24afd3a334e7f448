//! Problems found in a campaign, and how they print: rustc-style, with the file, line and
//! column, the offending line with a caret under the spot, and what to do about it.

use std::collections::HashMap;
use std::fmt::Write as _;

/// How serious a problem is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// The campaign cannot be sent as written.
    Error,
    /// It can be sent, but something is dropped, skipped or unusual.
    Warning,
}

/// Where a problem is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    /// The file as the user named it (relative paths stay relative).
    pub file: String,
    /// 1-based line.
    pub line: usize,
    /// 1-based column, when the problem is at a spot within the line.
    pub col: Option<usize>,
    /// How many characters the caret underlines (at least one).
    pub len: usize,
    /// The text of that line, shown under the location.
    pub source_line: Option<String>,
}

impl Location {
    /// A location at `line:col` of `source`, underlining `len` characters.
    pub fn in_source(file: &str, source: &str, line: usize, col: usize, len: usize) -> Location {
        Location {
            file: file.to_string(),
            line,
            col: Some(col),
            len: len.max(1),
            source_line: source.lines().nth(line.saturating_sub(1)).map(str::to_string),
        }
    }

    /// A whole line of a file, such as a CSV record.
    pub fn line(file: &str, line: usize) -> Location {
        Location { file: file.to_string(), line, col: None, len: 1, source_line: None }
    }
}

/// One problem.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// What is wrong, in one line.
    pub message: String,
    /// Where, when it is somewhere in particular.
    pub location: Option<Location>,
    /// A short note printed beside the caret.
    pub label: Option<String>,
    /// What to do about it.
    pub help: Option<String>,
    /// Problems with the same group (e.g. one per invalid CSV row) are capped when printed.
    pub group: Option<String>,
}

impl Diagnostic {
    /// An error with no location yet.
    pub fn error(message: impl Into<String>) -> Diagnostic {
        Diagnostic::new(Severity::Error, message)
    }

    /// A warning with no location yet.
    pub fn warning(message: impl Into<String>) -> Diagnostic {
        Diagnostic::new(Severity::Warning, message)
    }

    /// A problem of the given severity.
    pub fn new(severity: Severity, message: impl Into<String>) -> Diagnostic {
        Diagnostic { severity, message: message.into(), location: None, label: None, help: None, group: None }
    }

    /// Sets where the problem is.
    pub fn at(mut self, location: Option<Location>) -> Diagnostic {
        self.location = location;
        self
    }

    /// Sets the note beside the caret.
    pub fn label(mut self, label: impl Into<String>) -> Diagnostic {
        self.label = Some(label.into());
        self
    }

    /// Sets what to do about it.
    pub fn help(mut self, help: impl Into<String>) -> Diagnostic {
        self.help = Some(help.into());
        self
    }

    /// Groups it with similar problems for capped printing.
    pub fn group(mut self, group: impl Into<String>) -> Diagnostic {
        self.group = Some(group.into());
        self
    }

    /// Whether this is an error.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// Styling for the terminal: plain text, or ANSI colours.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Style {
    /// Whether to emit ANSI colour codes.
    pub color: bool,
}

impl Style {
    fn paint(self, code: &str, text: &str) -> String {
        if self.color { format!("\x1b[{code}m{text}\x1b[0m") } else { text.to_string() }
    }
}

/// Renders one diagnostic.
pub fn render(d: &Diagnostic, style: Style) -> String {
    let (word, code) = match d.severity {
        Severity::Error => ("error", "1;31"),
        Severity::Warning => ("warning", "1;33"),
    };
    let mut out = format!("{}: {}\n", style.paint(code, word), style.paint("1", &d.message));
    let mut labelled = false;
    let gutter = " ".repeat(d.location.as_ref().map_or(1, |l| l.line.to_string().len()));
    if let Some(loc) = &d.location {
        let arrow = style.paint("1;34", "-->");
        match loc.col {
            Some(col) => writeln!(out, "{gutter}{arrow} {}:{}:{}", loc.file, loc.line, col),
            None => writeln!(out, "{gutter}{arrow} {}:{}", loc.file, loc.line),
        }
        .ok();
        if let Some(text) = &loc.source_line {
            let bar = style.paint("1;34", "|");
            writeln!(out, "{gutter} {bar}").ok();
            writeln!(out, "{} {bar} {}", style.paint("1;34", &loc.line.to_string()), text).ok();
            if let Some(col) = loc.col {
                let pad: String =
                    text.chars().take(col.saturating_sub(1)).map(|c| if c == '\t' { '\t' } else { ' ' }).collect();
                let carets = style.paint(code, &"^".repeat(loc.len));
                let label = d.label.as_deref().map(|l| format!(" {l}")).unwrap_or_default();
                writeln!(out, "{gutter} {bar} {pad}{carets}{}", style.paint(code, &label)).ok();
                labelled = true;
            }
        }
    }
    if let (Some(label), false) = (&d.label, labelled) {
        writeln!(out, "{gutter} = {label}").ok();
    }
    if let Some(help) = &d.help {
        writeln!(out, "{gutter} = {}: {help}", style.paint("1", "help")).ok();
    }
    out
}

/// Every problem found in a campaign, kept in bounded memory: problems of one group (say, one
/// per invalid CSV row) are kept up to a cap and only counted after it, so a million bad rows
/// cost no more than ten.
#[derive(Debug, Clone, Default)]
pub struct Diagnostics {
    kept: Vec<Diagnostic>,
    per_group: Option<usize>,
    groups: HashMap<String, usize>,
    errors: usize,
    warnings: usize,
}

impl Diagnostics {
    /// A collector keeping at most `per_group` problems of each group (all when `None`).
    pub fn new(per_group: Option<usize>) -> Diagnostics {
        Diagnostics { per_group, ..Diagnostics::default() }
    }

    /// Adds a problem.
    pub fn push(&mut self, d: Diagnostic) {
        if d.is_error() {
            self.errors += 1;
        } else {
            self.warnings += 1;
        }
        if let Some(group) = &d.group {
            let n = self.groups.entry(group.clone()).or_default();
            *n += 1;
            if self.per_group.is_some_and(|max| *n > max) {
                return;
            }
        }
        self.kept.push(d);
    }

    /// Makes every warning an error (`--strict`).
    pub fn promote_warnings(&mut self) {
        for d in &mut self.kept {
            d.severity = Severity::Error;
        }
        self.errors += self.warnings;
        self.warnings = 0;
    }

    /// The kept problems as JSON objects (`severity`, `message`, `file`, `line`, `col`, `help`),
    /// for `--format json`.
    pub fn to_json(&self) -> Vec<serde_json::Value> {
        self.kept
            .iter()
            .map(|d| {
                let at = d.location.as_ref();
                serde_json::json!({
                    "severity": if d.is_error() { "error" } else { "warning" },
                    "message": d.message,
                    "file": at.map(|l| l.file.clone()),
                    "line": at.map(|l| l.line),
                    "col": at.and_then(|l| l.col),
                    "help": d.help,
                })
            })
            .collect()
    }

    /// Whether any problem is an error.
    pub fn has_errors(&self) -> bool {
        self.errors > 0
    }

    /// How many errors and warnings were found, kept or not.
    pub fn count(&self) -> (usize, usize) {
        (self.errors, self.warnings)
    }

    /// The problems kept, in order.
    pub fn kept(&self) -> &[Diagnostic] {
        &self.kept
    }

    /// Orders the kept problems.
    pub fn sort_by_key<K: Ord>(&mut self, key: impl FnMut(&Diagnostic) -> K) {
        self.kept.sort_by_key(key);
    }

    /// Renders the kept problems, then for each capped group a line saying how many more there
    /// were.
    pub fn render(&self, style: Style) -> String {
        let mut out = String::new();
        for d in &self.kept {
            out.push_str(&render(d, style));
            out.push('\n');
        }
        if let Some(max) = self.per_group {
            let mut hidden: Vec<(&str, usize)> =
                self.groups.iter().filter(|(_, n)| **n > max).map(|(g, n)| (g.as_str(), n - max)).collect();
            hidden.sort();
            for (group, n) in hidden {
                let more = style.paint("1", &format!("… and {n} more like this ({group})"));
                writeln!(out, "{more}; run with --all-problems to list every one\n").ok();
            }
        }
        out
    }
}

impl Extend<Diagnostic> for Diagnostics {
    fn extend<I: IntoIterator<Item = Diagnostic>>(&mut self, iter: I) {
        for d in iter {
            self.push(d);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PLAIN: Style = Style { color: false };

    #[test]
    fn renders_like_rustc() {
        let src = "provider:\n  bse_url: https://x\n";
        let d = Diagnostic::error("unknown key `bse_url` in `provider`")
            .at(Some(Location::in_source("c.yaml", src, 2, 3, 7)))
            .label("not a provider setting")
            .help("did you mean `base_url`?");
        assert_eq!(
            render(&d, PLAIN),
            "error: unknown key `bse_url` in `provider`\n --> c.yaml:2:3\n  |\n2 |   bse_url: https://x\n  |   ^^^^^^^ not a provider setting\n  = help: did you mean `base_url`?\n"
        );
    }

    #[test]
    fn renders_a_line_location_without_caret() {
        let d = Diagnostic::warning("invalid phone").at(Some(Location::line("data/x.csv", 12)));
        assert_eq!(render(&d, PLAIN), "warning: invalid phone\n  --> data/x.csv:12\n");
    }

    #[test]
    fn caps_groups_and_says_how_many_were_hidden() {
        let warnings = (0..5).map(|i| Diagnostic::warning(format!("w{i}")).group("invalid phone numbers"));
        let mut capped = Diagnostics::new(Some(2));
        capped.extend(warnings.clone());
        capped.push(Diagnostic::error("e"));
        let out = capped.render(PLAIN);
        assert!(out.contains("w0") && out.contains("w1") && !out.contains("w2") && out.contains("error: e"));
        assert!(out.contains("… and 3 more like this (invalid phone numbers)"));
        assert_eq!(capped.kept().len(), 3, "only the cap is kept");
        assert_eq!(capped.count(), (1, 5));
        assert!(capped.has_errors());
        let mut all = Diagnostics::new(None);
        all.extend(warnings);
        assert!(all.render(PLAIN).contains("w4"));
        assert!(!all.has_errors());
    }

    #[test]
    fn colour_only_when_asked() {
        let d = Diagnostic::error("x");
        assert!(render(&d, Style { color: true }).contains("\x1b["));
        assert!(!render(&d, PLAIN).contains("\x1b["));
    }
}
