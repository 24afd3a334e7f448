//! `recipients.where`: the condition compiled and checked against the CSV's columns before the
//! audience is scanned, and the rows on which it fails reported by line, each naming where the
//! expression is (see [`crate::template::condition`]).

use super::checks::Context;
use crate::campaign::model::CampaignDoc;
use crate::campaign::schema::nearest;
use crate::campaign::source::Part;
use crate::diagnostic::{Diagnostic, Diagnostics, Location};
use crate::template::condition::{Condition, ConditionError, SyntaxError};
use crate::template::context::Shared;
use crate::template::numbers::text_vs_number;
use std::collections::BTreeSet;

/// Where the condition is in the campaign file.
pub const POINTER: &str = "/recipients/where";

/// The campaign's condition `source`, compiled for a CSV named `csv_name` with these
/// `headers`; `None` after reporting why it cannot be used.
pub fn compile(
    c: &CampaignDoc,
    source: &str,
    headers: &[String],
    csv_name: &str,
    ctx: &Context,
    diags: &mut Diagnostics,
) -> Option<Condition> {
    let condition = match Condition::compile(source, Shared::new(c, headers)) {
        Ok(condition) => condition,
        Err(e) => {
            diags.push(syntax_error(source, &e, ctx));
            return None;
        }
    };
    let mut known: BTreeSet<&str> = headers.iter().map(String::as_str).collect();
    known.extend(c.vars.keys().map(String::as_str));
    known.insert("campaign");
    let mut ok = true;
    for name in condition.variables().iter().filter(|name| !known.contains(name.as_str())) {
        ok = false;
        let at = locate(source, name, ctx);
        let d = if name == "recipient" {
            let r = &c.recipients;
            let column = r.group_column.as_deref().or(r.contact_column.as_deref());
            let column = column.or(r.phone_column.as_deref()).unwrap_or("phone");
            Diagnostic::error(
                "`recipients.where` cannot use `recipient`: it chooses rows before they become recipients",
            )
            .at(at)
            .help(format!("test the `{column}` column as written instead"))
        } else {
            let d = Diagnostic::error(format!(
                "`recipients.where` uses `{name}`, which is not a column of {csv_name} nor a key of `vars`"
            ))
            .at(at)
            .label(format!("`{name}` is unknown"));
            match nearest(name, known.iter().copied()) {
                Some(n) => d.help(format!("did you mean `{n}`?")),
                None => d.help(format!("columns: {}", headers.join(", "))),
            }
        };
        diags.push(d);
    }
    for found in text_vs_number(source, headers) {
        ok = false;
        diags.push(
            Diagnostic::error(format!(
                "`recipients.where` compares the column `{}` with a number, but CSV cells are text: `{}` compares them as text, not as numbers",
                found.column, found.written
            ))
            .at(locate_at(source, found.at.start, found.column.chars().count(), ctx))
            .label("text compared with a number")
            .help(format!("convert the cell first: `{}`", found.fix)),
        );
    }
    ok.then_some(condition)
}

/// A condition that does not parse, located within the campaign file's string.
pub fn syntax_error(source: &str, e: &SyntaxError, ctx: &Context) -> Diagnostic {
    let at = e.at.and_then(|(line, col)| ctx.source.locate_within(POINTER, line, col, 1));
    let help = if source.contains("{{") {
        "write the expression bare, without {{ }}: `where: \"country == 'KE'\"`"
    } else {
        "`where` is a minijinja (Jinja2) expression over the CSV's columns, e.g. `country == 'KE' and age | int >= 18`"
    };
    Diagnostic::error(format!("`recipients.where` does not parse: {}", e.message))
        .at(at.or_else(|| ctx.source.locate(POINTER, Part::Value)))
        .help(help)
}

/// `c.yaml:9:10`: where the condition is, for problems located elsewhere (at a CSV line).
pub fn position(ctx: &Context) -> String {
    ctx.source
        .locate(POINTER, Part::Value)
        .map_or_else(|| ctx.source.name.clone(), |l| format!("{}:{}:{}", l.file, l.line, l.col.unwrap_or(1)))
}

/// A row on which the condition fails, at its CSV line; `expression` is [`position`].
pub fn row_error(line: u64, why: &ConditionError, csv_name: &str, expression: &str) -> Diagnostic {
    let help = match why {
        ConditionError::Empty(name) => format!(
            "fill it in, or say what an empty cell means: `{name} is defined and …`, or a fallback: `{name} | default(…)`"
        ),
        ConditionError::NotBoolean { .. } => {
            "compare it with something, e.g. `vip == 'yes'` (Jinja counts any text but '' as true)".into()
        }
        ConditionError::Failed(_) => "fix the row, or write the expression so that it holds for every row".into(),
    };
    Diagnostic::error(format!("`recipients.where` ({expression}) fails for line {line} of {csv_name}: {why}"))
        .at(Some(Location::line(csv_name, line as usize)))
        .help(help)
        .group("rows `recipients.where` cannot decide")
}

/// Where `name` first stands as a whole word in the condition, in the campaign file.
fn locate(source: &str, name: &str, ctx: &Context) -> Option<Location> {
    let word = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_');
    let found = source
        .match_indices(name)
        .map(|(i, _)| i)
        .find(|&i| !word(source[..i].chars().next_back()) && !word(source[i + name.len()..].chars().next()));
    match found {
        Some(i) => locate_at(source, i, name.chars().count(), ctx),
        None => ctx.source.locate(POINTER, Part::Value),
    }
}

/// Where byte `at` of the condition is in the campaign file, `len` characters long.
fn locate_at(source: &str, at: usize, len: usize, ctx: &Context) -> Option<Location> {
    let before = source.get(..at).unwrap_or_default();
    let line = before.matches('\n').count();
    let col = before.rsplit('\n').next().unwrap_or("").chars().count() + 1;
    ctx.source.locate_within(POINTER, line, col, len).or_else(|| ctx.source.locate(POINTER, Part::Value))
}
