//! Detects a campaign changed after a partial send: the file's message-shaping sections, and the
//! rendered request of every recipient the journal already knows. Sending on would give part of
//! the audience one message and the rest another, so herald refuses unless `--allow-changed`.

use super::CampaignState;
use crate::plan::Plan;

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

/// Compares the current campaign (section hashes, and the request hash of every recipient the
/// journal already knows) with the journal. Nothing counts as changed for a campaign the journal
/// has never sent, and only known recipients are hashed.
pub fn detect(state: &CampaignState, plan: &Plan) -> Changes {
    if state.rows.is_empty() {
        return Changes::default();
    }
    let mut changes = Changes::default();
    if let Some(old) = &state.sections {
        for s in MESSAGE_SECTIONS {
            if old.get(s) != plan.sections.get(s) {
                changes.sections.push(s.to_string());
            }
        }
    }
    for send in &plan.sends {
        let key = send.recipient.target.to_string();
        let changed = state
            .rows
            .get(&key)
            .is_some_and(|row| row.request_hash != super::request_hash(&send.request, &plan.settings.base_url));
        if changed {
            changes.requests.push((key, send.recipient.csv_line()));
        }
    }
    changes
}
