//! Whose clock a recipient lives by: a zone written beside them in the CSV, else the one time
//! zone of their number's country. Countries whose zones all keep the same time (Argentina,
//! Germany with Büsingen) count as one zone; those whose zones differ (the US, Brazil,
//! Russia) need the CSV column or the campaign's fallback.

use crate::phone::Phone;
use jiff::tz::TimeZone;
use std::collections::HashMap;
use std::sync::OnceLock;

/// A recipient's zone, and how it was found.
#[derive(Debug, Clone)]
pub enum Resolved {
    /// From the CSV's `timezone` column.
    Column(TimeZone),
    /// The only zone of the number's country.
    Country(TimeZone),
    /// The number's country has zones that keep different times; the two-letter country.
    Several(String),
    /// The number belongs to no country with a zone (a satellite or international service).
    Unknown,
}

/// Why a `timezone` cell cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a time zone; write an IANA name such as Africa/Nairobi or America/New_York")]
pub struct BadZone(pub String);

/// The zone of a recipient: the `timezone` cell when there is one, else the number's country.
pub fn resolve(phone: &Phone, cell: Option<&str>) -> Result<Resolved, BadZone> {
    if let Some(name) = cell.map(str::trim).filter(|n| !n.is_empty()) {
        return TimeZone::get(name).map(Resolved::Column).map_err(|_| BadZone(name.to_string()));
    }
    let Some(country) = phone.region() else { return Ok(Resolved::Unknown) };
    Ok(match countries().get(country.as_str()) {
        Some(Some(zone)) => Resolved::Country(zone.clone()),
        Some(None) => Resolved::Several(country),
        None => Resolved::Unknown,
    })
}

/// Every country's zone, or `None` for a country whose zones keep different times.
fn countries() -> &'static HashMap<&'static str, Option<TimeZone>> {
    static COUNTRIES: OnceLock<HashMap<&'static str, Option<TimeZone>>> = OnceLock::new();
    COUNTRIES.get_or_init(|| {
        let mut names: HashMap<&str, Vec<&str>> = HashMap::new();
        for line in include_str!("zone.tab").lines().filter(|l| !l.starts_with('#')) {
            if let Some((country, zone)) = line.split_once('\t') {
                names.entry(country).or_default().push(zone);
            }
        }
        names
            .into_iter()
            .map(|(country, zones)| {
                let zones: Vec<TimeZone> = zones.iter().filter_map(|z| TimeZone::get(z).ok()).collect();
                let one = zones.first().filter(|first| zones.iter().all(|z| same_clock(first, z))).cloned();
                (country, one)
            })
            .collect()
    })
}

/// Whether two zones show the same time through a year, summer and winter (sampled on the
/// 1st and 15th of every month of this year and the next).
fn same_clock(a: &TimeZone, b: &TimeZone) -> bool {
    let year = jiff::Zoned::now().year();
    (year..=year + 1).all(|y| {
        (1..=12).all(|m| {
            [1, 15].iter().all(|&d| {
                jiff::civil::date(y, m, d).to_zoned(TimeZone::UTC).is_ok_and(|at| {
                    let at = at.timestamp();
                    a.to_offset(at) == b.to_offset(at)
                })
            })
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn zone_of(number: &str, cell: Option<&str>) -> Resolved {
        resolve(&Phone::from_e164_unchecked(number), cell).unwrap()
    }

    fn name(r: &Resolved) -> Option<&str> {
        match r {
            Resolved::Column(z) | Resolved::Country(z) => z.iana_name(),
            _ => None,
        }
    }

    #[test]
    fn a_country_with_one_clock_needs_no_column() {
        assert_eq!(name(&zone_of("+254712345678", None)), Some("Africa/Nairobi"));
        assert_eq!(name(&zone_of("+919876543210", None)), Some("Asia/Kolkata"));
        assert_eq!(name(&zone_of("+4915123456789", None)), Some("Europe/Berlin"), "Büsingen keeps Berlin's time");
    }

    #[test]
    fn a_country_with_several_clocks_needs_the_column() {
        assert!(matches!(zone_of("+12025550123", None), Resolved::Several(c) if c == "US"));
        assert!(matches!(zone_of("+5511987654321", None), Resolved::Several(c) if c == "BR"));
        let r = zone_of("+12025550123", Some("America/New_York"));
        assert!(matches!(r, Resolved::Column(_)) && name(&r) == Some("America/New_York"));
    }

    #[test]
    fn a_misspelt_zone_is_an_error() {
        let err = resolve(&Phone::from_e164_unchecked("+254712345678"), Some("Africa/Nairobbi")).unwrap_err();
        assert!(err.to_string().contains("Africa/Nairobbi"), "{err}");
    }
}
