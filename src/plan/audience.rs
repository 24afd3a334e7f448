//! Builds the campaign's audience: resolves the CSV's columns, reads the suppression lists and
//! scans every row (see [`crate::recipients`]), reporting at the key that names each file.

use super::checks::{Checked, Context};
use super::filter;
use super::opt_out::{self, NamedBy};
use crate::campaign::model::CampaignDoc;
use crate::campaign::source::Part;
use crate::diagnostic::{Diagnostic, Diagnostics, Location, Severity};
use crate::phone::{Phone, normalize};
use crate::providers::Bulk;
use crate::recipients::{Address, Audience, CsvError, CsvReader, Filter, Source, read_suppression};
use std::collections::HashSet;
use std::path::Path;
use std::sync::Arc;

/// Scans the audience, or `None` when a file it needs cannot be used.
pub fn build(c: &CampaignDoc, checked: &Checked, ctx: &Context, diags: &mut Diagnostics) -> Option<Audience> {
    let suppressed = suppression(c, checked, ctx, diags);
    let r = &c.recipients;
    let mut select = Filter::new(&r.tags, &r.exclude_tags);
    let source = if let Some(csv) = &r.csv {
        let path = ctx.file("/recipients/csv", csv, diags)?;
        let name = path.display().to_string();
        let reader = match CsvReader::open(&path) {
            Ok(reader) => reader,
            Err(why) => {
                diags.push(
                    ctx.at(Severity::Error, "/recipients/csv", Part::Value, why.to_string())
                        .help("paths are relative to the campaign file's folder"),
                );
                return None;
            }
        };
        let headers = reader.headers();
        let phone = match (&r.group_column, &r.contact_column) {
            (Some(group), _) => column(headers, group, "group_column", &name, ctx, diags),
            (None, Some(contact)) => column(headers, contact, "contact_column", &name, ctx, diags),
            (None, None) => {
                column(headers, r.phone_column.as_deref().unwrap_or("phone"), "phone_column", &name, ctx, diags)
            }
        };
        let tags = if select.by_tags() {
            column(headers, r.tags_column.as_deref().unwrap_or("tags"), "tags_column", &name, ctx, diags).map(Some)
        } else {
            Some(None)
        };
        if let Some(source) = &r.condition {
            select.condition = Some(Arc::new(filter::compile(c, source, headers, &name, ctx, diags)?));
        }
        Source::Csv { headers: headers.into(), phone: phone?, tags: tags?, path }
    } else if let Some(tags) = &r.provider_tags {
        Source::ProviderTags(Bulk { tags: tags.clone(), numbers: bulk_numbers(c, checked, ctx, diags)? })
    } else if let Some(list) = r.list.as_ref().or(r.groups.as_ref()) {
        Source::List(Arc::from(list.as_slice()))
    } else {
        return None;
    };
    let of_groups = r.groups.is_some() || (r.csv.is_some() && r.group_column.is_some());
    let address = match (of_groups, r.csv.is_some() && r.contact_column.is_some()) {
        (true, _) => Address::Group,
        (false, true) => Address::Contact,
        (false, false) => Address::Phone,
    };
    let csv_name = r.csv.as_deref().map(|csv| ctx.path(csv).display().to_string()).unwrap_or_default();
    let expression = filter::position(ctx);
    let failed = |line, why| diags.push(filter::row_error(line, &why, &csv_name, &expression));
    match Audience::scan(source, address, select, checked.region, &suppressed, failed) {
        Ok(audience) => Some(audience),
        Err(why) => {
            diags.push(ctx.at(Severity::Error, "/recipients/csv", Part::Value, why.to_string()));
            None
        }
    }
}

/// Errors for an audience that cannot be right: nobody left to send to, or more invalid rows than
/// `recipients.max_invalid` allows.
pub fn judge_counts(c: &CampaignDoc, audience: &Audience, ctx: &Context, diags: &mut Diagnostics) {
    let n = audience.counts;
    judge_filter(c, audience, ctx, diags);
    if let (Some(path), 0) = (audience.csv_path(), n.rows()) {
        diags.push(
            ctx.at(
                Severity::Error,
                "/recipients/csv",
                Part::Value,
                format!("{} has no rows: only the header line (`{}`)", path.display(), audience.headers().join(",")),
            )
            .help("add one row per recipient below the header line"),
        );
        return;
    }
    // Rows `where` could not decide about are errors of their own; whether anyone would be left
    // is unknown until they are fixed.
    if n.recipients == 0 && n.undecided == 0 {
        let mut d = ctx.at(
            Severity::Error,
            "/recipients",
            Part::Key,
            format!(
                "no recipients to send to: {} invalid, {} duplicate, {} suppressed, {} left out by the filter",
                n.invalid, n.duplicate, n.suppressed, n.filtered
            ),
        );
        if n.invalid > 0 && c.recipients.default_country.is_none() {
            d = d.help("numbers written without a country code need `recipients.default_country` (KE, US, …)");
        }
        diags.push(d);
    }
    let rows = n.recipients + n.invalid + n.duplicate + n.suppressed;
    if let (Some(max), true) = (c.recipients.max_invalid.as_ref(), rows > 0) {
        let share = n.invalid as f64 / rows as f64;
        match crate::delivery::parse_share(max).filter(|m| (0.0..=1.0).contains(m)) {
            Some(max) if share > max => diags.push(ctx.at(
                Severity::Error,
                "/recipients/max_invalid",
                Part::Value,
                format!(
                    "{:.1}% of the rows are invalid ({} of {rows}), above the {:.1}% allowed",
                    share * 100.0,
                    n.invalid,
                    max * 100.0
                ),
            )),
            Some(_) => {}
            None => diags.push(ctx.at(
                Severity::Error,
                "/recipients/max_invalid",
                Part::Value,
                "`max_invalid` is a share such as `5%` or `0.05`",
            )),
        }
    }
}

/// A warning for a filter that keeps every row or none: a typo'd condition would otherwise
/// message the whole list, or nobody, without a word.
fn judge_filter(c: &CampaignDoc, audience: &Audience, ctx: &Context, diags: &mut Diagnostics) {
    let n = audience.counts;
    if audience.filter.is_none() || n.rows() == 0 || n.undecided > 0 {
        return;
    }
    let r = &c.recipients;
    let (pointer, name) = match (&r.condition, r.tags.is_empty()) {
        (Some(_), _) => (filter::POINTER, "`recipients.where`"),
        (None, false) => ("/recipients/tags", "`recipients.tags`"),
        (None, true) => ("/recipients/exclude_tags", "`recipients.exclude_tags`"),
    };
    let (what, help) = if n.filtered == 0 {
        ("keeps every row", "a filter that keeps everyone filters nothing: check it says what you mean")
    } else if n.kept() == 0 {
        ("leaves out every row", "check it against a few rows of the CSV: `herald preview --recipient LINE`")
    } else {
        return;
    };
    diags.push(
        ctx.at(Severity::Warning, pointer, Part::Value, format!("{name} {what} ({} of {})", n.rows(), n.rows()))
            .help(help),
    );
}

/// The numbers listed beside provider tags, normalised; an invalid one is an error (they all go
/// in one request, so none can be skipped on its own).
fn bulk_numbers(c: &CampaignDoc, checked: &Checked, ctx: &Context, diags: &mut Diagnostics) -> Option<Vec<Phone>> {
    let mut numbers = Vec::new();
    let mut ok = true;
    for (i, raw) in c.recipients.list.iter().flatten().enumerate() {
        match normalize(raw, checked.region) {
            Ok(phone) if !numbers.contains(&phone) => numbers.push(phone),
            Ok(_) => {}
            Err(why) => {
                ok = false;
                diags.push(ctx.at(
                    Severity::Error,
                    &format!("/recipients/list/{i}"),
                    Part::Value,
                    format!("`{raw}`: {why}"),
                ));
            }
        }
    }
    ok.then_some(numbers)
}

fn column(
    headers: &[String],
    wanted: &str,
    key: &str,
    file: &str,
    ctx: &Context,
    diags: &mut Diagnostics,
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

/// Every suppressed number, as compact keys: the campaign's lists and the global ones. An
/// unreadable list is an error (so nothing is sent), but the rest of the audience is still
/// checked.
fn suppression(c: &CampaignDoc, checked: &Checked, ctx: &Context, diags: &mut Diagnostics) -> HashSet<u64> {
    let mut all = HashSet::new();
    let column = c.recipients.phone_column.as_deref().unwrap_or("phone");
    for (i, file) in c.recipients.suppress.iter().enumerate() {
        let pointer = if ctx.source.spans.get("/recipients/suppress/0").is_some() {
            format!("/recipients/suppress/{i}")
        } else {
            "/recipients/suppress".into()
        };
        let Some(path) = ctx.file(&pointer, file, diags) else { continue };
        if let Err(why) = read_list(&path, column, checked, &mut all, diags) {
            diags.push(ctx.at(Severity::Error, &pointer, Part::Value, why.to_string()).help(
                "paths are relative to the campaign file's folder; without the list herald cannot honour opt-outs",
            ));
        }
    }
    for list in &ctx.options.opt_out {
        if let Err(why) = read_list(&list.path, opt_out::PHONE_COLUMN, checked, &mut all, diags) {
            let help = match list.named_by {
                NamedBy::Env => format!(
                    "${} names files of numbers never to message, separated by `:`; fix or unset it. Without the list herald cannot honour opt-outs",
                    opt_out::ENV
                ),
                NamedBy::Flag => "--suppress paths are relative to the working directory; without the list herald cannot honour opt-outs".into(),
            };
            diags.push(Diagnostic::error(format!("{why} (an opt-out list from {})", list.named_by)).help(help));
        }
    }
    all
}

/// Adds the numbers of one suppression list to `all`, warning about lines that hold none.
fn read_list(
    path: &Path,
    column: &str,
    checked: &Checked,
    all: &mut HashSet<u64>,
    diags: &mut Diagnostics,
) -> Result<(), CsvError> {
    let s = read_suppression(path, column, checked.region)?;
    for (line, why) in s.invalid {
        diags.push(
            Diagnostic::warning(format!("suppression list line {line}: {why}; this entry cannot match anyone"))
                .at(Some(Location::line(&path.display().to_string(), line as usize)))
                .group("unreadable suppression entries"),
        );
    }
    all.extend(s.keys);
    Ok(())
}
