//! Who may be sent to: the journal when there is one (it looks up what earlier runs did and
//! claims before anything leaves), or an open gate that sends to every rendered recipient.

use crate::journal::writer::{Admission, Admitted, Candidate, Handle};
use crate::journal::{JournalError, Policy};
use crate::results::Record;
use std::future::Future;
use std::pin::Pin;

/// The gate of a run.
#[derive(Clone)]
pub enum Gate {
    /// The journal decides and claims.
    Journal(Handle),
    /// No journal: every rendered recipient is sent to, up to the budget.
    Open,
}

impl Gate {
    /// Admits a batch; see [`Handle::admit`]. The batch is handed over at once.
    pub fn admit(
        &self,
        candidates: Vec<Candidate>,
        policy: Policy,
        budget: usize,
    ) -> Pin<Box<dyn Future<Output = Result<Admitted, JournalError>> + Send>> {
        match self {
            Gate::Journal(h) => Box::pin(h.admit(candidates, policy, budget)),
            Gate::Open => {
                let mut left = budget;
                let admitted = candidates
                    .iter()
                    .map(|c| {
                        if c.request_hash.is_some() && left > 0 {
                            left -= 1;
                            Admission::Claimed
                        } else {
                            Admission::Unclaimed
                        }
                    })
                    .collect();
                Box::pin(std::future::ready(Ok(admitted)))
            }
        }
    }

    /// Records final outcomes.
    pub fn done(&self, records: Vec<Record>) {
        if let Gate::Journal(h) = self {
            h.done(records);
        }
    }

    /// Releases claims that surely did not deliver.
    pub fn release(&self, recipients: Vec<String>) {
        if let Gate::Journal(h) = self {
            h.release(recipients);
        }
    }

    /// Rows the run never offered (recipients the campaign no longer lists).
    pub async fn gone(&self) -> Result<Vec<Record>, JournalError> {
        match self {
            Gate::Journal(h) => h.gone().await,
            Gate::Open => Ok(Vec::new()),
        }
    }

    /// Whether request bodies are kept in the journal.
    pub fn keeps_bodies(&self) -> bool {
        matches!(self, Gate::Journal(h) if h.keeps_bodies())
    }
}
