//! Several senders in one run: a sender the provider refuses stops its own share while the
//! others go on, and its recipients' records say what to fix.

use super::*;

impl Engine<'_> {
    /// The provider refused `sender`'s account: its share stops, the others go on; when no
    /// sender is left, the campaign stops.
    pub(super) fn stop_sender(&mut self, sender: usize, error: ProviderError) {
        self.stop_tx[sender].send_replace(true);
        if self.senders_stopped[sender].is_none() {
            let account = &self.plan.senders[sender].account;
            tracing::warn!(sender = %account, why = %error.message, "sender stopped; the others go on");
            self.senders_stopped[sender] = Some(error.clone());
        }
        if self.senders_stopped.iter().all(Option::is_some) {
            self.stop(StopReason::Provider(error));
        }
    }

    /// The record of a recipient of a sender the provider refused.
    pub(super) fn sender_stopped_record(
        &self,
        sender: usize,
        recipient: String,
        csv_line: Option<u64>,
    ) -> Option<Record> {
        let why = StopReason::Provider(self.senders_stopped.get(sender)?.clone()?);
        let account = &self.plan.senders[sender].account;
        let mut r = Record::skipped(recipient, csv_line, Code::NotSent, sender_advice(account, &why));
        r.sender = Some(account.clone());
        Some(r)
    }

    /// The account a recipient not sent in this run is pinned to: their request's, else the
    /// one the journal recorded for them, else their hash's.
    pub(super) fn pinned_account(&self, c: &Candidate) -> Option<String> {
        let index = || self.setup.pinned.of(&c.recipient).unwrap_or_else(|| self.plan.pin(&c.recipient));
        c.sender.clone().or_else(|| self.account(index()))
    }

    /// The account of the sender at `index`, as the journal records it.
    pub(super) fn account(&self, index: usize) -> Option<String> {
        self.plan.senders.get(index).map(|s| s.account.clone())
    }

    /// The record of `job` when its sender sends no more in this run: the provider refused
    /// it, or its daily cap is reached.
    pub(super) fn beyond_sender(&self, job: &Job) -> Option<Record> {
        if let Some(r) = self.sender_stopped_record(job.sender, job.recipient.clone(), job.csv_line) {
            return Some(r);
        }
        let (0, frees) = (*self.caps.get(job.sender)?)? else { return None };
        let cap = self.plan.senders[job.sender].daily_cap.unwrap_or(0);
        let mut r = LimitReason::DailyCap { cap, frees }.record(job.recipient.clone(), job.csv_line);
        r.sender = Some(self.plan.senders[job.sender].account.clone());
        Some(r)
    }
}

/// Why a recipient of a refused sender was not sent, and what to do: fix the account, then a
/// re-run sends them from it (their claims were released).
pub(super) fn sender_advice(account: &str, why: &StopReason) -> String {
    format!(
        "not sent: the provider refused sender `{account}` ({why}); the other senders went on. Fix that \
         account (reconnect the instance, renew its token) and run the campaign again: it sends to these"
    )
}
