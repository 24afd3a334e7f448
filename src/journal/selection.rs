//! What a (re-)run does with each recipient, given the journal: send the ones with no final
//! state; keep the rest as they are, unless told to retry failed or unknown ones.

use super::{CampaignState, State};
use crate::plan::Plan;
use crate::results::Record;

/// The decision for a run.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    /// Indices into `plan.sends` to send now.
    pub to_send: Vec<usize>,
    /// Recipients already final (or left alone), as the journal records them.
    pub done: Vec<Record>,
    /// Never attempted.
    pub pending: usize,
    /// Already sent.
    pub sent: usize,
    /// Failed before; resent only with `--retry-failed`.
    pub failed: usize,
    /// Fate unknown (incl. crashed in flight); resent only with `--retry-unknown`.
    pub unknown: usize,
    /// Whether failed recipients are resent.
    pub retry_failed: bool,
    /// Whether unknown recipients are resent.
    pub retry_unknown: bool,
}

/// Decides who to send to.
pub fn select(plan: &Plan, state: &CampaignState, retry_failed: bool, retry_unknown: bool) -> Selection {
    let mut s = Selection { retry_failed, retry_unknown, ..Selection::default() };
    let mut in_plan = std::collections::HashSet::new();
    for (i, send) in plan.sends.iter().enumerate() {
        let key = send.recipient.target.to_string();
        let resend = match state.rows.get(&key).map(|r| r.state) {
            None => {
                s.pending += 1;
                true
            }
            Some(State::Sent) => {
                s.sent += 1;
                false
            }
            Some(State::Failed) => {
                s.failed += 1;
                retry_failed
            }
            Some(State::Unknown | State::InFlight) => {
                s.unknown += 1;
                retry_unknown
            }
        };
        if resend {
            s.to_send.push(i);
        } else if let Some(row) = state.rows.get(&key) {
            s.done.push(row.record.clone());
        }
        in_plan.insert(key);
    }
    // Recipients the journal knows but the campaign no longer lists still belong in reports.
    let mut gone: Vec<Record> =
        state.rows.iter().filter(|(k, _)| !in_plan.contains(*k)).map(|(_, r)| r.record.clone()).collect();
    gone.sort_by(|a, b| a.recipient.cmp(&b.recipient));
    s.done.extend(gone);
    s
}

impl Selection {
    /// What the run does, as a sentence.
    pub fn describe(&self) -> String {
        let n = self.to_send.len();
        let mut parts = vec![format!("send to {n} recipient{}", if n == 1 { "" } else { "s" })];
        if self.sent > 0 {
            parts.push(format!("skip {} already sent", self.sent));
        }
        for (count, retry, what) in
            [(self.failed, self.retry_failed, "failed"), (self.unknown, self.retry_unknown, "unknown")]
        {
            if count > 0 {
                parts.push(if retry {
                    format!("resend {count} {what}")
                } else {
                    format!("leave {count} {what} as they are (--retry-{what} resends them)")
                });
            }
        }
        parts.join(", ")
    }
}
