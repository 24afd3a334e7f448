//! Which sender a recipient the journal already has goes from again. The journal records the
//! account each recipient was sent from; a re-run (`--retry-failed`, `--retry-unknown`) sends
//! from that account rather than the one their hash picks now, so adding a sender to
//! `provider.senders` later does not move an earlier recipient (nor their reply thread). A
//! recorded account the campaign no longer lists cannot be kept: those recipients go from their
//! hash's sender, and [`Pins::unlisted`] counts them for a warning.

use crate::plan::Plan;
use std::collections::{BTreeMap, HashMap};

/// Recipients whose sender is the journal's, not their hash's.
#[derive(Debug, Clone, Default)]
pub struct Pins {
    /// Recipient key → index in [`Plan::senders`], where it differs from the hash's.
    moved: HashMap<String, usize>,
    /// Accounts the journal records that the campaign no longer lists → recipients it would
    /// send to again that were sent from them.
    unlisted: BTreeMap<String, usize>,
}

impl Pins {
    /// The sender `recipient` (their key) goes from, when it is not their hash's.
    pub fn of(&self, recipient: &str) -> Option<usize> {
        self.moved.get(recipient).copied()
    }

    /// Whether every recipient goes from their hash's sender.
    pub fn is_empty(&self) -> bool {
        self.moved.is_empty()
    }

    /// Accounts the journal sent from that the campaign no longer lists, each with how many of
    /// the recipients this run would send to again were sent from it.
    pub fn unlisted(&self) -> impl Iterator<Item = (&str, usize)> {
        self.unlisted.iter().map(|(account, n)| (account.as_str(), *n))
    }

    /// Notes that the journal records `recorded` as the account `recipient` went from (`again`:
    /// the run would send to them again); returns the index of the sender their request
    /// goes from.
    pub(super) fn note(&mut self, plan: &Plan, recipient: &str, recorded: Option<&str>, again: bool) -> usize {
        let hashed = if plan.senders.len() > 1 { plan.pin(recipient) } else { 0 };
        let Some(account) = recorded else { return hashed };
        match plan.sender_index(account) {
            Some(kept) => {
                if kept != hashed {
                    self.moved.insert(recipient.to_string(), kept);
                }
                kept
            }
            None => {
                if again {
                    *self.unlisted.entry(account.to_string()).or_default() += 1;
                }
                hashed
            }
        }
    }
}
