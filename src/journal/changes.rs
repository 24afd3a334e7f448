//! Detects a campaign changed after a partial send: the file's message-shaping sections, and the
//! rendered request of every recipient the journal already knows. Sending on would give part of
//! the audience one message and the rest another, so herald refuses unless `--allow-changed`.

use super::CampaignState;
use std::collections::HashMap;

/// Top-level sections whose change changes what recipients receive.
pub const MESSAGE_SECTIONS: [&str; 4] = ["provider", "message", "metadata", "vars"];

/// What changed since the journal's last run.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Changes {
    /// Campaign-file sections that differ.
    pub sections: Vec<String>,
    /// Recipients whose rendered request differs: recipient and CSV line.
    pub requests: Vec<(String, Option<u64>)>,
}

impl Changes {
    /// Whether anything changed.
    pub fn any(&self) -> bool {
        !self.sections.is_empty() || !self.requests.is_empty()
    }

    /// One sentence for people.
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        if !self.sections.is_empty() {
            parts.push(format!("the campaign file's `{}` changed", self.sections.join("`, `")));
        }
        if let Some((first, line)) = self.requests.first() {
            let at = line.map(|l| format!(" (CSV line {l})")).unwrap_or_default();
            let n = self.requests.len();
            parts.push(format!(
                "the rendered request differs for {n} recipient{} already in the journal, e.g. {first}{at}",
                if n == 1 { "" } else { "s" }
            ));
        }
        parts.join("; ")
    }
}

/// Compares the current campaign (section hashes, and per recipient the request hash) with the
/// journal. Nothing counts as changed for a campaign the journal has never sent.
pub fn detect<'a>(
    state: &CampaignState,
    sections: &HashMap<String, String>,
    requests: impl Iterator<Item = (&'a str, Option<u64>, String)>,
) -> Changes {
    if state.rows.is_empty() {
        return Changes::default();
    }
    let mut changes = Changes::default();
    if let Some(old) = &state.sections {
        for s in MESSAGE_SECTIONS {
            if old.get(s) != sections.get(s) {
                changes.sections.push(s.to_string());
            }
        }
    }
    for (recipient, line, hash) in requests {
        if state.rows.get(recipient).is_some_and(|row| row.request_hash != hash) {
            changes.requests.push((recipient.to_string(), line));
        }
    }
    changes
}
