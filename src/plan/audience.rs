//! Builds the audience: reads the CSV (or the list, or the provider tags), applies the tag
//! filters and the suppression list, normalises and de-duplicates phone numbers, and says which
//! line of which file every skipped recipient came from.

use super::checks::{Checked, Context};
use crate::campaign::model::CampaignDoc;
use crate::campaign::source::Part;
use crate::diagnostic::{Diagnostic, Location, Severity};
use crate::phone::{Phone, normalize};
use crate::providers::Target;
use crate::recipients::{Origin, Recipient, Skipped, SkippedRow, read_csv, read_suppression};
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

/// The audience and the CSV columns templates may use.
pub struct Audience {
    /// Column names (empty without a CSV).
    pub headers: Vec<String>,
    /// The CSV's display name, for locations.
    pub csv_name: Option<String>,
    /// Who will be sent to.
    pub recipients: Vec<Recipient>,
    /// Who will not, by reason.
    pub skipped: Skipped,
    /// Who will not, one by one.
    pub skipped_rows: Vec<SkippedRow>,
}

/// Builds the audience, or `None` when a file it needs cannot be used.
pub fn build(c: &CampaignDoc, checked: &Checked, ctx: &Context, diags: &mut Vec<Diagnostic>) -> Option<Audience> {
    let suppressed = suppression(c, checked, ctx, diags);
    let mut a = Audience {
        headers: vec![],
        csv_name: None,
        recipients: vec![],
        skipped: Skipped::default(),
        skipped_rows: vec![],
    };
    let mut seen: HashMap<Phone, String> = HashMap::new();
    let mut admit = |a: &mut Audience,
                     raw: Option<&str>,
                     origin: Origin,
                     values: Arc<[Option<String>]>,
                     at: &dyn Fn() -> Option<Location>,
                     diags: &mut Vec<Diagnostic>| {
        let here = match &origin {
            Origin::CsvLine(l) => format!("line {l}"),
            other => describe(other, None),
        };
        let phone = match raw.map(|r| normalize(r, checked.region)) {
            None => Err("this row has no phone number".to_string()),
            Some(Ok(p)) => Ok(p),
            Some(Err(why)) => Err(why),
        };
        let csv_line = match origin {
            Origin::CsvLine(l) => Some(l),
            _ => None,
        };
        let skip = |a: &mut Audience, recipient: String, code: &'static str, reason: String| {
            a.skipped_rows.push(SkippedRow { recipient, csv_line, code, reason });
        };
        match phone {
            Err(why) => {
                a.skipped.invalid += 1;
                skip(a, raw.unwrap_or_default().to_string(), "invalid_phone", why.clone());
                diags.push(
                    Diagnostic::warning(format!("{why}; this recipient is skipped"))
                        .at(at())
                        .group("invalid phone numbers"),
                );
            }
            Ok(p) if suppressed.contains(&p) => {
                a.skipped.suppressed += 1;
                skip(a, p.to_string(), "suppressed", "on the suppression list".into());
            }
            Ok(p) => {
                if let Some(first) = seen.get(&p) {
                    a.skipped.duplicate += 1;
                    skip(a, p.to_string(), "duplicate", format!("duplicate of {first}"));
                    diags.push(
                        Diagnostic::warning(format!("{p} is a duplicate of {first}; it is sent once"))
                            .at(at())
                            .group("duplicate phone numbers"),
                    );
                } else {
                    seen.insert(p.clone(), here);
                    a.recipients.push(Recipient { target: Target::Phone(p), origin, values });
                }
            }
        }
    };
    let r = &c.recipients;
    if let Some(csv) = &r.csv {
        let path = ctx.path(csv);
        let name = path.display().to_string();
        let table = match read_csv(&path) {
            Ok(t) => t,
            Err(why) => {
                diags.push(
                    ctx.at(Severity::Error, "/recipients/csv", Part::Value, why)
                        .help("paths are relative to the campaign file's folder"),
                );
                return None;
            }
        };
        let phone_col =
            column(&table.headers, r.phone_column.as_deref().unwrap_or("phone"), "phone_column", &name, ctx, diags);
        let filtering = !r.tags.is_empty() || !r.exclude_tags.is_empty();
        let tags_col = if filtering {
            column(&table.headers, r.tags_column.as_deref().unwrap_or("tags"), "tags_column", &name, ctx, diags)
        } else {
            Some(0)
        };
        let (phone_col, tags_col) = (phone_col?, tags_col?);
        for (line, why) in &table.bad_rows {
            a.skipped.invalid += 1;
            a.skipped_rows.push(SkippedRow {
                recipient: String::new(),
                csv_line: Some(*line),
                code: "unreadable_row",
                reason: format!("line {line} {why}"),
            });
            diags.push(
                Diagnostic::warning(format!("line {line} {why}; skipped"))
                    .at(Some(Location::line(&name, *line as usize)))
                    .group("unreadable rows"),
            );
        }
        for (line, n) in &table.ragged {
            diags.push(
                Diagnostic::warning(format!(
                    "line {line} has {n} field{} but the header has {}",
                    if *n == 1 { "" } else { "s" },
                    table.headers.len()
                ))
                .at(Some(Location::line(&name, *line as usize)))
                .help("missing cells are empty; extra cells are ignored")
                .group("rows with a wrong number of fields"),
            );
        }
        a.csv_name = Some(name.clone());
        let keep = |tags: Option<&String>| {
            let tags: HashSet<String> = tags
                .map(|t| t.split([';', ',']).map(|s| s.trim().to_lowercase()).filter(|s| !s.is_empty()).collect())
                .unwrap_or_default();
            let any = |wanted: &[String]| wanted.iter().any(|w| tags.contains(&w.to_lowercase()));
            (r.tags.is_empty() || any(&r.tags)) && !any(&r.exclude_tags)
        };
        for row in table.rows {
            if filtering && !keep(row.values[tags_col].as_ref()) {
                a.skipped.filtered += 1;
                continue;
            }
            let line = row.line;
            let raw = row.values[phone_col].clone();
            let at = || Some(Location::line(&name, line as usize));
            admit(&mut a, raw.as_deref(), Origin::CsvLine(line), row.values.into(), &at, diags);
        }
        a.headers = table.headers;
    } else if let Some(list) = &r.list {
        for (i, raw) in list.iter().enumerate() {
            let at = || ctx.source.locate(&format!("/recipients/list/{i}"), Part::Value);
            admit(&mut a, Some(raw), Origin::ListItem(i), Arc::from([]), &at, diags);
        }
    } else if let Some(tags) = &r.provider_tags {
        a.recipients.push(Recipient {
            target: Target::Tags(tags.clone()),
            origin: Origin::ProviderTags,
            values: Arc::from([]),
        });
    }
    Some(a)
}

/// `line 7 of data/x.csv`, `recipients.list[2]`, `the provider's tags`.
pub fn describe(origin: &Origin, csv_name: Option<&str>) -> String {
    match origin {
        Origin::CsvLine(l) => format!("line {l} of {}", csv_name.unwrap_or("the CSV")),
        Origin::ListItem(i) => format!("recipients.list[{i}]"),
        Origin::ProviderTags => "the provider's contact tags".into(),
    }
}

fn column(
    headers: &[String],
    wanted: &str,
    key: &str,
    file: &str,
    ctx: &Context,
    diags: &mut Vec<Diagnostic>,
) -> Option<usize> {
    if let Some(i) = headers.iter().position(|h| h == wanted) {
        return Some(i);
    }
    let pointer = if ctx.source.spans.get(&format!("/recipients/{key}")).is_some() {
        format!("/recipients/{key}")
    } else {
        "/recipients/csv".into()
    };
    let d = ctx.at(Severity::Error, &pointer, Part::Value, format!("{file} has no `{wanted}` column"));
    let d = match crate::campaign::schema::nearest(wanted, headers.iter().map(String::as_str)) {
        Some(n) => d.help(format!("did you mean `{n}`? set `recipients.{key}: {n}`")),
        None => d.help(format!("its columns are: {}; name the right one with `recipients.{key}`", headers.join(", "))),
    };
    diags.push(d);
    None
}

/// Every suppressed number. An unreadable list is an error (so nothing is sent), but the rest of
/// the audience is still checked.
fn suppression(c: &CampaignDoc, checked: &Checked, ctx: &Context, diags: &mut Vec<Diagnostic>) -> HashSet<Phone> {
    let mut all = HashSet::new();
    let column = c.recipients.phone_column.as_deref().unwrap_or("phone");
    for (i, file) in c.recipients.suppress.iter().enumerate() {
        let pointer = if ctx.source.spans.get("/recipients/suppress/0").is_some() {
            format!("/recipients/suppress/{i}")
        } else {
            "/recipients/suppress".into()
        };
        let path = ctx.path(file);
        match read_suppression(&path, column, checked.region) {
            Ok(s) => {
                for (line, why) in s.invalid {
                    diags.push(
                        Diagnostic::warning(format!(
                            "suppression list line {line}: {why}; this entry cannot match anyone"
                        ))
                        .at(Some(Location::line(&path.display().to_string(), line as usize)))
                        .group("unreadable suppression entries"),
                    );
                }
                all.extend(s.numbers);
            }
            Err(why) => {
                diags.push(ctx.at(Severity::Error, &pointer, Part::Value, why).help(
                    "paths are relative to the campaign file's folder; without the list herald cannot honour opt-outs",
                ));
            }
        }
    }
    all
}
