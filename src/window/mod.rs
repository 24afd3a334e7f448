//! Sending windows: the hours and days a recipient may be messaged, on their own clock
//! (`schedule.window`). Times are computed from an instant given by the caller (a [`Clock`]'s),
//! never read from the system clock here, so tests can stand at any moment (a DST change,
//! midnight).

mod clock;
pub mod zones;

pub use clock::Clock;

use jiff::civil::{Date, Time, Weekday};
use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan};

/// `schedule.window`, checked.
#[derive(Debug, Clone)]
pub struct Window {
    /// Local time the window opens.
    pub start: Time,
    /// Local time it closes; at or before `start`, the window runs past midnight.
    pub end: Time,
    /// Days a window may open on, Monday first.
    pub days: [bool; 7],
    /// Whose clock.
    pub zone: Zone,
}

/// Whose clock a window follows.
#[derive(Debug, Clone)]
pub enum Zone {
    /// Each recipient's own (see [`zones::resolve`]); `fallback` for those whose zone cannot be
    /// told.
    Recipient {
        /// The campaign's `fallback_timezone`.
        fallback: Option<TimeZone>,
    },
    /// One zone for everybody.
    Fixed(TimeZone),
}

/// Where an instant falls for a recipient.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Opening {
    /// Inside a window that closes then.
    Open {
        /// The window's end.
        closes: Timestamp,
    },
    /// Outside; the next window opens then.
    Closed {
        /// The next window's start.
        opens: Timestamp,
    },
}

impl Opening {
    /// When the recipient may be sent to, or `None` now.
    pub fn opens(self) -> Option<Timestamp> {
        match self {
            Opening::Open { .. } => None,
            Opening::Closed { opens } => Some(opens),
        }
    }
}

impl Window {
    /// Where `now` falls on `tz`'s clock. A window starting in a skipped hour (spring forward)
    /// starts as much later as the clocks jumped (02:30 becomes 03:30); one in a repeated hour
    /// (fall back), at its first pass.
    pub fn opening(&self, now: Timestamp, tz: &TimeZone) -> Opening {
        let today = now.to_zoned(tz.clone()).date();
        // Yesterday's window may still be open past midnight; a week ahead always has a day.
        for offset in -1..=7 {
            let Some(day) = today.checked_add(offset.days()).ok() else { continue };
            if !self.days[weekday_index(day.weekday())] {
                continue;
            }
            let (Some(opens), Some(closes)) = (self.instant(day, self.start, tz), self.close_of(day, tz)) else {
                continue;
            };
            if now < closes {
                return if now >= opens { Opening::Open { closes } } else { Opening::Closed { opens } };
            }
        }
        // Unreachable with at least one day allowed (validation insists); a week on is safe.
        Opening::Closed { opens: now.checked_add(jiff::SignedDuration::from_hours(7 * 24)).unwrap_or(now) }
    }

    /// When the window that opens on `day` closes.
    fn close_of(&self, day: Date, tz: &TimeZone) -> Option<Timestamp> {
        let day = if self.end <= self.start { day.checked_add(1.day()).ok()? } else { day };
        self.instant(day, self.end, tz)
    }

    fn instant(&self, day: Date, time: Time, tz: &TimeZone) -> Option<Timestamp> {
        tz.to_ambiguous_timestamp(day.to_datetime(time)).compatible().ok()
    }

    /// `09:00–20:00 Mon–Fri` as people read it.
    pub fn describe(&self) -> String {
        let days = if self.days.iter().all(|d| *d) {
            "every day".to_string()
        } else {
            const NAMES: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
            NAMES.iter().zip(self.days).filter(|(_, on)| *on).map(|(n, _)| *n).collect::<Vec<_>>().join(", ")
        };
        let zone = match &self.zone {
            Zone::Recipient { .. } => "each recipient's time".to_string(),
            Zone::Fixed(tz) => tz.iana_name().unwrap_or("the fixed zone").to_string(),
        };
        format!("{}–{} {days}, {zone}", self.start.strftime("%H:%M"), self.end.strftime("%H:%M"))
    }
}

/// The clock a recipient is judged by.
#[derive(Debug, Clone)]
pub struct Placed {
    /// Their zone; `None` when it cannot be told and the campaign has no fallback.
    pub zone: Option<TimeZone>,
    /// Set when the zone is the campaign's fallback (or missing): the number's country, or
    /// `None` for a number with no country or an address that is not a number.
    pub fell_back: Option<Option<String>>,
}

impl Window {
    /// The zone `phone` (absent for groups and contacts) is judged by, given the row's
    /// `timezone` cell.
    pub fn place(&self, phone: Option<&crate::phone::Phone>, cell: Option<&str>) -> Result<Placed, zones::BadZone> {
        let fallback = match &self.zone {
            Zone::Fixed(tz) => return Ok(Placed { zone: Some(tz.clone()), fell_back: None }),
            Zone::Recipient { fallback } => fallback.clone(),
        };
        let resolved = match phone {
            Some(phone) => zones::resolve(phone, cell)?,
            None => match cell.map(str::trim).filter(|c| !c.is_empty()) {
                Some(name) => {
                    TimeZone::get(name).map(zones::Resolved::Column).map_err(|_| zones::BadZone(name.to_string()))?
                }
                None => zones::Resolved::Unknown,
            },
        };
        Ok(match resolved {
            zones::Resolved::Column(tz) | zones::Resolved::Country(tz) => Placed { zone: Some(tz), fell_back: None },
            zones::Resolved::Several(country) => Placed { zone: fallback, fell_back: Some(Some(country)) },
            zones::Resolved::Unknown => Placed { zone: fallback, fell_back: Some(None) },
        })
    }
}

/// `opens` on `zone`'s clock, for people: `2026-12-01 09:00 EAT (Africa/Nairobi)`.
pub fn local_time(opens: Timestamp, zone: &TimeZone) -> String {
    let at = opens.to_zoned(zone.clone());
    match zone.iana_name() {
        Some(name) => format!("{} ({name})", at.strftime("%Y-%m-%d %H:%M %Z")),
        None => at.strftime("%Y-%m-%d %H:%M %Z").to_string(),
    }
}

/// An opening in words: `open until 2026-11-30 20:00 EAT (Africa/Nairobi)` or `held until …`.
pub fn describe(opening: Opening, zone: &TimeZone) -> String {
    match opening {
        Opening::Open { closes } => format!("open until {}", local_time(closes, zone)),
        Opening::Closed { opens } => format!("held until {}", local_time(opens, zone)),
    }
}

/// Monday is 0.
pub fn weekday_index(day: Weekday) -> usize {
    day.to_monday_zero_offset() as usize
}

#[cfg(test)]
mod tests;
