//! The sending window as `status` shows it: of the recipients not yet attempted, how many are
//! inside their window now and when the others' windows open, grouped by opening.

use crate::error::Error;
use crate::journal::Journal;
use crate::plan::{Plan, Row};
use crate::window::{Clock, local_time};
use jiff::Timestamp;
use std::collections::BTreeMap;

/// Distinct openings kept; the rest are only counted.
const KEPT: usize = 64;

/// Openings listed in the text.
const LISTED: usize = 5;

/// Recipients not yet attempted, by window.
#[derive(Debug, Default)]
pub struct Windows {
    /// The window in words.
    window: String,
    /// When it was judged.
    at: Timestamp,
    /// Inside their window.
    open: usize,
    /// Outside it.
    held: usize,
    /// Held recipients per opening (instant, and the same on their clock).
    opens: BTreeMap<(Timestamp, String), usize>,
    /// Held recipients whose opening is not among those kept.
    more: usize,
}

impl Windows {
    /// Judges every recipient `journal` has no row for (everyone, without a journal) at the
    /// clock's time; `None` when the campaign has no window.
    pub fn of(plan: &Plan, journal: Option<&Journal>, clock: Clock) -> Result<Option<Windows>, Error> {
        let Some(window) = &plan.window else { return Ok(None) };
        let at = clock.now();
        let mut w = Windows { window: window.describe(), at, ..Windows::default() };
        for row in plan.rows()? {
            let Row::Recipient(r) = row? else { continue };
            if let Some(j) = journal
                && j.row(&plan.id, &r.target.to_string())?.is_some()
            {
                continue;
            }
            let Some((opening, zone)) = plan.opening(&r, at) else { continue };
            match opening.opens() {
                None => w.open += 1,
                Some(opens) => {
                    w.held += 1;
                    let key = (opens, local_time(opens, &zone));
                    let kept = w.opens.len();
                    match w.opens.get_mut(&key) {
                        Some(n) => *n += 1,
                        None if kept < KEPT => {
                            w.opens.insert(key, 1);
                        }
                        None => w.more += 1,
                    }
                }
            }
        }
        Ok(Some(w))
    }

    /// Lines for the status text.
    pub fn text(&self) -> String {
        let mut s = format!("window {} · at {}\n", self.window, self.at);
        s.push_str(&format!("  {:<10}{:>8}   (inside their window now)\n", "open", self.open));
        s.push_str(&format!("  {:<10}{:>8}", "held", self.held));
        let listed: Vec<String> =
            self.opens.iter().take(LISTED).map(|((_, local), n)| format!("{n} until {local}")).collect();
        if !listed.is_empty() {
            s.push_str(&format!("   ({}", listed.join("; ")));
            let rest = self.held - self.opens.iter().take(LISTED).map(|(_, n)| n).sum::<usize>();
            if rest > 0 {
                s.push_str(&format!("; {rest} later"));
            }
            s.push(')');
        }
        s.push('\n');
        s
    }

    /// The `window` object of `status --format json`.
    pub fn json(&self) -> serde_json::Value {
        let opens: Vec<serde_json::Value> = self
            .opens
            .iter()
            .map(|((at, local), n)| serde_json::json!({ "at": at.to_string(), "local": local, "recipients": n }))
            .collect();
        serde_json::json!({
            "window": self.window,
            "at": self.at.to_string(),
            "open": self.open,
            "held": self.held,
            "opens": opens,
            "held_later": self.more,
        })
    }
}
