//! Renders the message for every recipient and maps it to the provider's request, collecting
//! every template, limit and provider problem with the recipient it concerns.

use super::Send;
use super::audience::{Audience, describe};
use super::checks::{Checked, Context};
use crate::campaign::message_spec::to_message;
use crate::campaign::model::CampaignDoc;
use crate::campaign::schema::{display_path, nearest};
use crate::campaign::source::Part;
use crate::diagnostic::{Diagnostic, Location, Severity};
use crate::providers::{Finding, Outgoing};
use crate::template::{CompileError, Origin, Templates};
use minijinja::Value as Mj;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// Names minijinja provides itself.
const BUILTINS: [&str; 6] = ["range", "dict", "namespace", "debug", "loop", "self"];

/// Renders every recipient; `None` when templates do not compile or use unknown variables.
pub fn render_all(
    c: &CampaignDoc,
    checked: &Checked,
    audience: &Audience,
    ctx: &Context,
    diags: &mut Vec<Diagnostic>,
) -> Option<Vec<Send>> {
    let templates = match Templates::compile(&checked.message, c.metadata.as_ref(), checked.text_origin.clone()) {
        Ok(t) => t,
        Err(errors) => {
            diags.extend(errors.iter().map(|e| compile_error(e, ctx)));
            return None;
        }
    };
    let variables = templates.variables();
    if !check_variables(&variables, c, audience, ctx, diags) {
        return None;
    }
    if diags.iter().any(Diagnostic::is_error) {
        return None;
    }
    let uses: HashMap<String, BTreeSet<String>> = variables.into_iter().map(|(p, v, _)| (p, v)).collect();
    let provider = c.provider.kind.provider();
    let base = base_context(c);
    let mut findings: BTreeMap<(Severity, String, String), (String, usize)> = BTreeMap::new();
    let mut sends = Vec::with_capacity(audience.recipients.len());
    for recipient in &audience.recipients {
        let here = describe(&recipient.origin, audience.csv_name.as_deref());
        let mut vars = base.clone();
        for (h, v) in audience.headers.iter().zip(recipient.values.iter()) {
            if let Some(v) = v {
                vars.insert(h.clone(), Mj::from(v.as_str()));
            }
        }
        vars.insert("recipient".into(), Mj::from(recipient.target.to_string()));
        let (rendered, metadata) = match templates.render(&Mj::from(vars)) {
            Ok(r) => r,
            Err(e) => {
                let empty: Vec<&String> = uses
                    .get(&e.pointer)
                    .into_iter()
                    .flatten()
                    .filter(|v| {
                        audience.headers.iter().zip(recipient.values.iter()).any(|(h, val)| h == *v && val.is_none())
                    })
                    .collect();
                let at = recipient
                    .csv_line()
                    .and_then(|l| audience.csv_name.as_deref().map(|n| Location::line(n, l as usize)));
                let d = if let Some(v) = empty.first() {
                    Diagnostic::error(format!("`{v}` is empty at {here}, and `{}` uses it", display_path(&e.pointer)))
                        .help(format!("fill it in, or give a fallback: {{{{ {v} | default(\"…\") }}}}"))
                } else {
                    Diagnostic::error(format!(
                        "`{}` cannot be rendered for {here}: {}",
                        display_path(&e.pointer),
                        e.message
                    ))
                };
                diags.push(
                    d.at(at.or_else(|| ctx.source.locate(&e.pointer, Part::Value)))
                        .group(format!("rendering `{}`", display_path(&e.pointer))),
                );
                continue;
            }
        };
        let mut found = Vec::new();
        let outgoing = match to_message(&rendered, checked.region) {
            Ok(message) => {
                let out = Outgoing { message, metadata };
                provider.check(&out, &mut found);
                Some(out)
            }
            Err(f) => {
                found = f;
                None
            }
        };
        let blocked = found.iter().any(|f| f.severity == Severity::Error);
        for Finding { severity, pointer, text } in found {
            findings.entry((severity, pointer, text)).or_insert_with(|| (here.clone(), 0)).1 += 1;
        }
        if let (Some(out), false) = (outgoing, blocked) {
            let request = provider.build(&checked.settings, &recipient.target, &out);
            sends.push(Send { recipient: recipient.clone(), request });
        }
    }
    let total = audience.recipients.len();
    for ((severity, pointer, text), (first, n)) in findings {
        let whom = if n == total && total > 1 {
            String::new()
        } else if n == 1 {
            format!(" ({first})")
        } else {
            format!(" ({first} and {} more)", n - 1)
        };
        diags.push(
            ctx.at(severity, &pointer, Part::Value, format!("{text}{whom}"))
                .group(format!("problems with `{}`", display_path(&pointer))),
        );
    }
    Some(sends)
}

fn base_context(c: &CampaignDoc) -> BTreeMap<String, Mj> {
    let mut vars: BTreeMap<String, Mj> =
        c.vars.iter().map(|(k, v)| (k.clone(), Mj::from(minijinja::value::Serde(v)))).collect();
    let campaign: BTreeMap<&str, Mj> =
        [("id", Mj::from(c.id.as_str())), ("name", c.name.as_deref().map_or(Mj::from(()), Mj::from))]
            .into_iter()
            .collect();
    vars.insert("campaign".into(), Mj::from(campaign));
    vars
}

fn check_variables(
    variables: &[(String, BTreeSet<String>, Origin)],
    c: &CampaignDoc,
    audience: &Audience,
    ctx: &Context,
    diags: &mut Vec<Diagnostic>,
) -> bool {
    let mut known: BTreeSet<&str> = audience.headers.iter().map(String::as_str).collect();
    known.extend(c.vars.keys().map(String::as_str));
    known.extend(["campaign", "recipient"]);
    known.extend(BUILTINS);
    let mut ok = true;
    for (pointer, vars, origin) in variables {
        for v in vars.iter().filter(|v| !known.contains(v.as_str())) {
            ok = false;
            let whence = match &audience.csv_name {
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
                None if !audience.headers.is_empty() => d.help(format!("columns: {}", audience.headers.join(", "))),
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
