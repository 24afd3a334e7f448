//! One recipient of a planned campaign, found the way people name them (`preview --recipient`):
//! by number, written any way the CSV could hold it (`0712 000 018`, `254712000018`), or by
//! CSV line. A row that is not sent says why: suppressed, a duplicate of an earlier line, left
//! out by the filter, or invalid.

use super::{Plan, PlanError};
use crate::phone::{Phone, normalize};
use crate::recipients::{Entry, Origin, Recipient, SkipReason, Skipped, describe};

/// Why no request is shown for the recipient asked for.
#[derive(Debug, thiserror::Error)]
pub enum NotSent {
    /// The row is in the audience's file but is left out.
    #[error("{at} is not sent: {why}")]
    LeftOut {
        /// `line 4 of data.csv`.
        at: String,
        /// Why, in words.
        why: String,
        /// The CSV line whose request goes out instead, for a duplicate.
        instead: Option<u64>,
    },
    /// No row has that number (or id).
    #[error("{who} is not in {source_name}")]
    Absent {
        /// The number as normalised, or the id.
        who: String,
        /// Where the audience comes from.
        source_name: String,
    },
    /// No row starts on that line.
    #[error("{source_name} has no row on line {line}")]
    NoLine {
        /// The line asked for.
        line: u64,
        /// Where the audience comes from.
        source_name: String,
    },
    /// Neither a number nor a line.
    #[error("`{who}` is neither a phone number nor a line of {source_name} ({why})")]
    Unreadable {
        /// As given.
        who: String,
        /// Where the audience comes from.
        source_name: String,
        /// Why it is not a number.
        why: crate::phone::PhoneError,
    },
    /// The audience cannot be read.
    #[error(transparent)]
    Plan(#[from] PlanError),
}

impl NotSent {
    /// What to do about it.
    pub fn help(&self) -> Option<String> {
        match self {
            NotSent::LeftOut { instead: Some(line), .. } => {
                Some(format!("the number's message goes out for line {line}: `--recipient {line}` shows it"))
            }
            NotSent::Absent { .. } | NotSent::NoLine { .. } => {
                Some("`herald preview FILE --format json` lists every recipient with its `csv_line`".into())
            }
            _ => None,
        }
    }
}

/// Who was asked for.
enum Wanted {
    Phone(Phone),
    Id(String),
    Line(u64),
}

impl Plan {
    /// The recipient `who` names (a number or id, or a CSV line), or why none is sent.
    pub fn find(&self, who: &str) -> Result<Recipient, NotSent> {
        let who = who.trim();
        let audience = &self.audience;
        let source_name = audience.csv_path().map_or_else(|| "`recipients`".to_string(), |p| p.display().to_string());
        let wanted = if !audience.by_number() {
            who.parse().map_or_else(|_| Wanted::Id(who.to_string()), Wanted::Line)
        } else {
            match normalize(who, audience.region()) {
                Ok(phone) => Wanted::Phone(phone),
                // `0712000002` is a number written nationally, not line 712,000,002.
                Err(why) => match who.parse() {
                    Ok(line) if !who.starts_with('0') && who.len() < 8 => Wanted::Line(line),
                    _ => return Err(NotSent::Unreadable { who: who.to_string(), source_name, why }),
                },
            }
        };
        let csv_name = audience.csv_path().map(|p| p.display().to_string());
        let mut left_out = None;
        for entry in audience.entries().map_err(PlanError::from)? {
            let (origin, out) = match entry.map_err(PlanError::from)? {
                Entry::Recipient(r) => {
                    if matches(&wanted, r.origin, Some(&r.target.to_string()), audience.region()) {
                        return Ok(r);
                    }
                    continue;
                }
                Entry::Skipped(s) => (s.origin, Out::Skipped(s)),
                Entry::Filtered { origin, raw } => (origin, Out::Filtered(raw)),
                Entry::Ragged { .. } => continue,
            };
            let written = match &out {
                Out::Skipped(s) => Some(s.recipient.as_str()),
                Out::Filtered(raw) => raw.as_deref(),
            };
            if left_out.is_none() && matches(&wanted, origin, written, audience.region()) {
                let at = describe(origin, csv_name.as_deref());
                left_out = Some(out.reason(at, audience.filter.as_deref()));
                // A later row may hold the same number and be sent.
                if let Wanted::Line(_) = wanted {
                    break;
                }
            }
        }
        Err(left_out.unwrap_or(match wanted {
            Wanted::Line(line) => NotSent::NoLine { line, source_name },
            Wanted::Phone(p) => NotSent::Absent { who: p.to_string(), source_name },
            Wanted::Id(id) => NotSent::Absent { who: id, source_name },
        }))
    }
}

/// A row left out.
enum Out {
    Skipped(Skipped),
    /// Its address as written.
    Filtered(Option<String>),
}

impl Out {
    fn reason(self, at: String, filter: Option<&str>) -> NotSent {
        let (why, instead) = match self {
            Out::Filtered(_) => (format!("{} leaves it out", filter.unwrap_or("the filter")), None),
            Out::Skipped(s) => match s.reason {
                SkipReason::Duplicate { first } => {
                    (format!("it is a duplicate of {}", describe(first, None)), first.csv_line())
                }
                SkipReason::Suppressed => (format!("{} is on the suppression list", s.recipient), None),
                _ => (s.message(), None),
            },
        };
        NotSent::LeftOut { at, why, instead }
    }
}

/// Whether the row at `origin` with the address `written` is the one wanted.
fn matches(wanted: &Wanted, origin: Origin, written: Option<&str>, region: Option<rlibphonenumber::Region>) -> bool {
    match wanted {
        Wanted::Line(line) => origin.csv_line() == Some(*line),
        Wanted::Id(id) => written.map(str::trim) == Some(id.as_str()),
        Wanted::Phone(phone) => written.and_then(|w| normalize(w, region).ok()).as_ref() == Some(phone),
    }
}
