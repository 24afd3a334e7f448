//! Compiling the campaign's templates and checking that every variable they use exists, before
//! any recipient is rendered.

use super::checks::{Checked, Context};
use crate::campaign::model::CampaignDoc;
use crate::campaign::schema::{display_path, nearest};
use crate::campaign::source::Part;
use crate::diagnostic::{Diagnostic, Diagnostics, Location};
use crate::template::{CompileError, Origin, Templates};
use serde_json::Value;
use std::collections::BTreeSet;

/// Names minijinja provides itself.
const BUILTINS: [&str; 6] = ["range", "dict", "namespace", "debug", "loop", "self"];

/// Compiles every template; `None` when one does not parse or uses an unknown variable.
pub fn compile(
    c: &CampaignDoc,
    checked: &Checked,
    headers: &[String],
    csv_name: Option<&str>,
    ctx: &Context,
    diags: &mut Diagnostics,
) -> Option<Templates> {
    let templates = match Templates::compile(&checked.message, c.metadata.as_ref(), checked.text_origin.clone()) {
        Ok(t) => t,
        Err(errors) => {
            diags.extend(errors.iter().map(|e| compile_error(e, ctx)));
            return None;
        }
    };
    let texts = Texts { message: &checked.message, metadata: c.metadata.as_ref() };
    check_variables(&templates.variables(), &texts, c, headers, csv_name, ctx, diags).then_some(templates)
}

/// The campaign's templates as written, to find a variable within one.
struct Texts<'a> {
    message: &'a Value,
    metadata: Option<&'a Value>,
}

impl Texts<'_> {
    /// The text of the template at `pointer` (`/message/…` or `/metadata/…`).
    fn at(&self, pointer: &str) -> Option<&str> {
        let (root, rest) = match pointer.strip_prefix("/message") {
            Some(rest) => (Some(self.message), rest),
            None => (self.metadata, pointer.strip_prefix("/metadata")?),
        };
        root?.pointer(rest)?.as_str()
    }
}

fn check_variables(
    variables: &[(String, BTreeSet<String>, Origin)],
    texts: &Texts,
    c: &CampaignDoc,
    headers: &[String],
    csv_name: Option<&str>,
    ctx: &Context,
    diags: &mut Diagnostics,
) -> bool {
    let mut known: BTreeSet<&str> = headers.iter().map(String::as_str).collect();
    known.extend(c.vars.keys().map(String::as_str));
    known.extend(["campaign", "recipient"]);
    known.extend(BUILTINS);
    let mut ok = true;
    for (pointer, vars, origin) in variables {
        for v in vars.iter().filter(|v| !known.contains(v.as_str())) {
            ok = false;
            let whence = match csv_name {
                Some(csv) => format!("not a column of {csv} nor a key of `vars`"),
                None => {
                    "not a key of `vars` (without a CSV, templates see only `vars`, `campaign` and `recipient`)".into()
                }
            };
            let location = match origin {
                Origin::Campaign => {
                    let within = texts.at(pointer).and_then(|text| find_word(text, v));
                    let within = within
                        .and_then(|(line, col)| ctx.source.locate_within(pointer, line - 1, col, v.chars().count()));
                    within.or_else(|| ctx.source.locate(pointer, Part::Value))
                }
                Origin::File { name, text } => {
                    find_word(text, v).map(|(line, col)| Location::in_source(name, text, line, col, v.chars().count()))
                }
            };
            let d = Diagnostic::error(format!("{} uses `{v}`, which is {whence}", origin.name(pointer)))
                .at(location)
                .label(format!("`{v}` is unknown"));
            diags.push(match nearest(v, known.iter().copied()) {
                Some(n) => d.help(format!("did you mean `{n}`?")),
                None if !headers.is_empty() => d.help(format!("columns: {}", headers.join(", "))),
                None => d,
            });
        }
    }
    ok
}

/// The 1-based line and column where `var` first stands as a whole word in `text`.
fn find_word(text: &str, var: &str) -> Option<(usize, usize)> {
    let word = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_');
    text.lines().enumerate().find_map(|(i, line)| {
        let mut found = line.match_indices(var).map(|(byte, _)| byte);
        let byte =
            found.find(|&b| !word(line[..b].chars().next_back()) && !word(line[b + var.len()..].chars().next()))?;
        Some((i + 1, line[..byte].chars().count() + 1))
    })
}

/// A template syntax error, located in the campaign file or the template file.
pub fn compile_error(e: &CompileError, ctx: &Context) -> Diagnostic {
    let location = match (&e.origin, e.at) {
        (Origin::Campaign, Some((line, col))) => ctx.source.locate_within(&e.pointer, line, col, 1),
        (Origin::Campaign, None) => ctx.source.locate(&e.pointer, Part::Value),
        (Origin::File { name, text }, Some((line, col))) => Some(Location::in_source(name, text, line + 1, col, 1)),
        (Origin::File { name, .. }, None) => Some(Location::line(name, 1)),
    };
    Diagnostic::error(format!("the template in `{}` does not parse: {}", display_path(&e.pointer), e.message))
        .at(location)
        .help("templates use minijinja (Jinja2) syntax: {{ variable }}, {% if … %}…{% endif %}")
}
