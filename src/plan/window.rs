//! `schedule.window` in validation: the window's own settings, then, over every recipient,
//! whose zone could not be told (counted per country, so `validate` can say how many fell back)
//! and which `timezone` cells name no zone.

use super::checks::Context;
use crate::campaign::model::CampaignDoc;
use crate::campaign::source::Part;
use crate::diagnostic::{Diagnostic, Diagnostics, Location, Severity};
use crate::recipients::{Origin, describe};
use crate::window::{Placed, Window, Zone};
use jiff::tz::TimeZone;
use std::collections::BTreeMap;

/// The CSV column holding recipients' own zones.
pub const TIMEZONE_COLUMN: &str = "timezone";

/// Checks `schedule.window`; `None` when there is none or it is wrong (reported).
pub fn check(c: &CampaignDoc, ctx: &Context, diags: &mut Diagnostics) -> Option<Window> {
    let doc = c.schedule.as_ref()?.window.as_ref()?;
    let mut ok = true;
    let mut time = |key: &str, text: &str| match text.parse::<jiff::civil::Time>() {
        Ok(t) => Some(t),
        Err(_) => {
            ok = false;
            diags.push(ctx.at(
                Severity::Error,
                &format!("/schedule/window/{key}"),
                Part::Value,
                format!("`{text}` is not a time of day; write it as HH:MM, e.g. 09:00"),
            ));
            None
        }
    };
    let (start, end) = (time("start", &doc.start), time("end", &doc.end));
    let mut days = [doc.days.is_none(); 7];
    for (i, day) in doc.days.iter().flatten().enumerate() {
        match ["mon", "tue", "wed", "thu", "fri", "sat", "sun"].iter().position(|d| d == day) {
            Some(n) => days[n] = true,
            None => {
                ok = false;
                diags.push(ctx.at(
                    Severity::Error,
                    &format!("/schedule/window/days/{i}"),
                    Part::Value,
                    format!("`{day}` is not a day; write mon, tue, wed, thu, fri, sat or sun"),
                ));
            }
        }
    }
    let mut zone = |key: &str, name: &str| match TimeZone::get(name) {
        Ok(tz) => Some(tz),
        Err(_) => {
            ok = false;
            diags.push(
                ctx.at(
                    Severity::Error,
                    &format!("/schedule/window/{key}"),
                    Part::Value,
                    format!("`{name}` is not a time zone"),
                )
                .help("write an IANA name such as Africa/Nairobi, Europe/London or America/New_York"),
            );
            None
        }
    };
    let fallback = doc.fallback_timezone.as_deref().and_then(|name| zone("fallback_timezone", name));
    let zone = match doc.timezone.as_deref() {
        None | Some("recipient") => Some(Zone::Recipient { fallback }),
        Some(name) => zone("timezone", name).map(Zone::Fixed),
    };
    if doc.fallback_timezone.is_some() && matches!(zone, Some(Zone::Fixed(_))) {
        diags.push(ctx.at(
            Severity::Warning,
            "/schedule/window/fallback_timezone",
            Part::Key,
            "`fallback_timezone` is only used with `timezone: recipient`",
        ));
    }
    let zone = zone?;
    let (start, end) = (start?, end?);
    if start == end {
        diags.push(
            ctx.at(
                Severity::Error,
                "/schedule/window/end",
                Part::Value,
                "the window opens and closes at the same time",
            )
            .help("a window past midnight ends earlier than it starts, e.g. start: \"22:00\", end: \"02:00\""),
        );
        return None;
    }
    ok.then_some(Window { start, end, days, zone })
}

/// Places named per country in [`Zones`]' report; the rest are counted.
const PLACES_SHOWN: usize = 3;

/// What the validation pass learnt about recipients' zones.
#[derive(Debug, Default)]
pub struct Zones {
    /// Recipients on the fallback (or on nothing), per country (`None`: no country): how many,
    /// and where the first few are.
    fell_back: BTreeMap<Option<String>, (usize, Vec<Origin>)>,
    /// Whether there is a fallback.
    missing: bool,
}

impl Zones {
    /// Counts the placement of the recipient from `origin`.
    pub fn add(&mut self, placed: &Placed, origin: Origin) {
        if let Some(country) = &placed.fell_back {
            let (n, places) = self.fell_back.entry(country.clone()).or_default();
            *n += 1;
            if places.len() < PLACES_SHOWN {
                places.push(origin);
            }
            self.missing |= placed.zone.is_none();
        }
    }

    /// Reports recipients whose zone could not be told: an error without a fallback, else a
    /// warning with the count.
    pub fn report(self, has_column: bool, csv_name: Option<&str>, ctx: &Context, diags: &mut Diagnostics) {
        let total: usize = self.fell_back.values().map(|(n, _)| n).sum();
        if total == 0 {
            return;
        }
        let mut counts: Vec<(String, usize, Vec<Origin>)> = self
            .fell_back
            .into_iter()
            .map(|(c, (n, places))| (c.unwrap_or_else(|| "no country".into()), n, places))
            .collect();
        counts.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        let country = |(c, n, places): &(String, usize, Vec<Origin>)| {
            let mut at: Vec<String> = places.iter().map(|o| describe(*o, None)).collect();
            if *n > places.len() {
                at.push("…".into());
            }
            let file = csv_name.filter(|_| places.iter().any(|o| o.csv_line().is_some()));
            format!("{c} ×{n}: {}{}", at.join(", "), file.map(|f| format!(" of {f}")).unwrap_or_default())
        };
        let by_country = counts.iter().map(country).collect::<Vec<_>>().join("; ");
        let whom = format!(
            "{total} recipient{} no time zone of their own ({by_country})",
            if total == 1 { " has" } else { "s have" },
        );
        let column = if has_column {
            format!("fill in their `{TIMEZONE_COLUMN}` cells")
        } else {
            format!("add a `{TIMEZONE_COLUMN}` column (an IANA zone per row)")
        };
        if self.missing {
            diags.push(
                ctx.at(
                    Severity::Error,
                    "/schedule/window",
                    Part::Key,
                    format!("{whom}, so their window cannot be told"),
                )
                .help(format!("{column}, or set `schedule.window.fallback_timezone`")),
            );
        } else {
            diags.push(
                ctx.at(
                    Severity::Warning,
                    "/schedule/window/fallback_timezone",
                    Part::Value,
                    format!("{whom}; they use the fallback zone"),
                )
                .help(format!("to be exact, {column}")),
            );
        }
    }
}

/// A `timezone` cell that names no zone, at its CSV line.
pub fn bad_zone(err: &crate::window::zones::BadZone, line: Option<u64>, csv_name: Option<&str>) -> Diagnostic {
    let at = line.zip(csv_name).map(|(l, n)| Location::line(n, l as usize));
    Diagnostic::error(err.to_string()).at(at).group("unknown time zones")
}
