//! Compiling the campaign's templates and checking that every variable they use exists, before
//! any recipient is rendered.

use super::checks::{Checked, Context};
use crate::campaign::model::CampaignDoc;
use crate::campaign::schema::{display_path, nearest};
use crate::campaign::source::Part;
use crate::diagnostic::{Diagnostic, Diagnostics, Location};
use crate::template::{CompileError, Origin, Templates};
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
    check_variables(&templates.variables(), c, headers, csv_name, ctx, diags).then_some(templates)
}

fn check_variables(
    variables: &[(String, BTreeSet<String>, Origin)],
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
                Origin::Campaign => ctx.source.locate(pointer, Part::Value),
                Origin::File { name, text } => find_in(name, text, v),
            };
            let d = Diagnostic::error(format!("`{}` uses `{v}`, which is {whence}", display_path(pointer)))
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

fn find_in(name: &str, text: &str, var: &str) -> Option<Location> {
    text.lines().enumerate().find_map(|(i, line)| {
        line.find(var)
            .map(|byte| Location::in_source(name, text, i + 1, line[..byte].chars().count() + 1, var.chars().count()))
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
