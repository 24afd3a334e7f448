//! The account's templates as an aligned table for people (name, language, status, category,
//! parameters, header, buttons) or as one JSON document for scripts, every field read.

use super::Account;
use crate::plan::Plan;
use crate::providers::account::{Button, Param, ParameterFormat, Template};
use serde_json::{Value, json};

/// The table's headings.
const HEADINGS: [&str; 7] = ["NAME", "LANGUAGE", "STATUS", "CATEGORY", "PARAMETERS", "HEADER", "BUTTONS"];

/// The table, then how many templates there are and how many may be sent.
pub(super) fn table(account: &Account) -> String {
    let rows: Vec<[String; 7]> = account.templates.iter().map(row).collect();
    let mut widths = HEADINGS.map(str::len);
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: &[String; 7]| {
        let padded: Vec<String> = cells.iter().zip(widths).map(|(c, w)| format!("{c:<w$}")).collect();
        padded.join("  ").trim_end().to_string() + "\n"
    };
    let mut s = line(&HEADINGS.map(str::to_string));
    rows.iter().for_each(|r| s.push_str(&line(r)));
    let approved = account.templates.iter().filter(|t| t.status.as_str() == "APPROVED").count();
    let n = account.templates.len();
    s.push_str(&format!("{n} template{} · {approved} approved\n", if n == 1 { "" } else { "s" }));
    if let Some(why) = account.partial {
        s.push_str(&format!("the list may be incomplete: {why}\n"));
    }
    s
}

/// One template's cells.
fn row(t: &Template) -> [String; 7] {
    let header = t.header.as_ref().map_or("-".to_string(), |h| h.format.as_str().to_string());
    let buttons: Vec<&str> = t.buttons.iter().map(button_kind).collect();
    [
        t.name.clone(),
        t.language.clone(),
        t.status.as_str().to_string(),
        t.category.clone(),
        parameters(t),
        header,
        if buttons.is_empty() { "-".into() } else { buttons.join(", ") },
    ]
}

/// The parameters a send fills: how many of each part for positional templates (`header 1,
/// body 2`), their names for named ones (`body first_name, order_number`).
fn parameters(t: &Template) -> String {
    let parts = [("header", t.header.as_ref().map(|h| &h.params)), ("body", t.body.as_ref().map(|b| &b.params))];
    let words: Vec<String> = parts
        .into_iter()
        .filter_map(|(part, params)| params.filter(|p| !p.is_empty()).map(|p| (part, p)))
        .map(|(part, params)| match t.parameter_format {
            ParameterFormat::Positional => format!("{part} {}", params.len()),
            ParameterFormat::Named => {
                format!("{part} {}", params.iter().map(|p| p.name.as_str()).collect::<Vec<_>>().join(", "))
            }
        })
        .collect();
    if words.is_empty() { "-".into() } else { words.join("; ") }
}

/// A button's kind as campaigns write it; a URL with a variable is `url{{1}}`.
fn button_kind(b: &Button) -> &str {
    match b {
        Button::QuickReply { .. } => "quick_reply",
        Button::Url { variable: true, .. } => "url{{1}}",
        Button::Url { .. } => "url",
        Button::CopyCode { .. } => "copy_code",
        Button::Flow { .. } => "flow",
        Button::PhoneNumber { .. } => "phone_number",
        Button::Other { kind, .. } => kind,
    }
}

/// Every template, every field, with the campaign and whether the list is whole.
pub(super) fn json(plan: &Plan, account: &Account) -> Value {
    json!({
        "campaign": plan.id,
        "provider": plan.provider.as_str(),
        "partial": account.partial,
        "templates": account.templates.iter().map(template).collect::<Vec<_>>(),
    })
}

/// One template for scripts.
fn template(t: &Template) -> Value {
    let params = |ps: &[Param]| ps.iter().map(|p| json!({"name": p.name, "example": p.example})).collect::<Vec<_>>();
    json!({
        "name": t.name,
        "language": t.language,
        "status": t.status.as_str(),
        "category": t.category,
        "parameter_format": match t.parameter_format {
            ParameterFormat::Positional => "positional",
            ParameterFormat::Named => "named",
        },
        "header": t.header.as_ref().map(|h| json!({
            "format": h.format.as_str(), "text": h.text, "parameters": params(&h.params),
        })),
        "body": t.body.as_ref().map(|b| json!({"text": b.text, "parameters": params(&b.params)})),
        "footer": t.footer,
        "buttons": t.buttons.iter().enumerate().map(|(index, b)| button(index, b)).collect::<Vec<_>>(),
    })
}

/// One button for scripts, with its `index` (its place in the template).
fn button(index: usize, b: &Button) -> Value {
    let mut v = match b {
        Button::QuickReply { text } | Button::Flow { text } | Button::PhoneNumber { text } => json!({"text": text}),
        Button::Url { text, url, variable, example } => {
            json!({"text": text, "url": url, "variable": variable, "example": example})
        }
        Button::CopyCode { example } => json!({"example": example}),
        Button::Other { text, .. } => json!({"text": text}),
    };
    let kind = match b {
        Button::Url { .. } => "url",
        other => button_kind(other),
    };
    v["type"] = json!(kind);
    v["index"] = json!(index);
    v
}
