//! Each sender's share of a campaign as the journal has it, for `herald status`: per account,
//! the recipients sent, failed, unknown (in flight counted too) and still pending. A recipient
//! the journal has counts under the account it records for them; one it has not yet, under the
//! account their hash pins them to. Accounts, never tokens.

use crate::error::Error;
use crate::journal::State;
use crate::plan::{Plan, Row};

/// One account's share.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Share {
    /// The account (phone number id, instance, …).
    pub account: String,
    /// Recipients sent.
    pub sent: usize,
    /// Recipients failed.
    pub failed: usize,
    /// Recipients unknown, or in flight.
    pub unknown: usize,
    /// Recipients never attempted.
    pub pending: usize,
}

/// Every sender's share: the campaign's accounts in its file's order, then any other account
/// the journal recorded (one the file no longer lists).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Shares(Vec<Share>);

impl Shares {
    /// A share per account of `plan`, nothing counted yet.
    pub fn of(plan: &Plan) -> Shares {
        Shares(plan.senders.iter().map(|s| Share { account: s.account.clone(), ..Share::default() }).collect())
    }

    /// The shares of a campaign the journal has no row of: each recipient pending under the
    /// account their hash pins them to. One pass over the campaign's rows.
    pub fn unsent(plan: &Plan) -> Result<Shares, Error> {
        let mut shares = Shares::of(plan);
        if let [one] = shares.0.as_mut_slice() {
            one.pending = plan.audience.counts.recipients;
            return Ok(shares);
        }
        for row in plan.rows()? {
            if let Row::Recipient(r) = row? {
                let index = plan.pin(&r.target.to_string());
                if let Some(share) = shares.0.get_mut(index) {
                    share.pending += 1;
                }
            }
        }
        Ok(shares)
    }

    /// Counts one recipient under `account` in `state` (`None`: pending).
    pub fn count(&mut self, account: &str, state: Option<State>) {
        let at = match self.0.iter().position(|s| s.account == account) {
            Some(at) => at,
            None => {
                self.0.push(Share { account: account.to_string(), ..Share::default() });
                self.0.len() - 1
            }
        };
        let share = &mut self.0[at];
        match state {
            None => share.pending += 1,
            Some(State::Sent) => share.sent += 1,
            Some(State::Failed) => share.failed += 1,
            Some(State::Unknown | State::InFlight) => share.unknown += 1,
        }
    }

    /// The shares, in order.
    pub fn iter(&self) -> impl Iterator<Item = &Share> {
        self.0.iter()
    }

    /// Whether they are worth a table: more than one account.
    pub fn several(&self) -> bool {
        self.0.len() > 1
    }

    /// The shares as JSON: `[{account, sent, failed, unknown, pending}]`.
    pub fn json(&self) -> serde_json::Value {
        self.0
            .iter()
            .map(|s| {
                serde_json::json!({
                    "account": s.account,
                    "sent": s.sent,
                    "failed": s.failed,
                    "unknown": s.unknown,
                    "pending": s.pending,
                })
            })
            .collect()
    }

    /// The shares as a small table, one line per account, under a heading.
    pub fn text(&self) -> String {
        let w = self.0.iter().map(|s| s.account.chars().count() + 2).max().unwrap_or(0).max(10);
        let mut s = format!("  {:<w$}{:>8}{:>8}{:>8}{:>8}\n", "sender", "sent", "failed", "unknown", "pending");
        for share in &self.0 {
            let Share { account, sent, failed, unknown, pending } = share;
            s.push_str(&format!("  {account:<w$}{sent:>8}{failed:>8}{unknown:>8}{pending:>8}\n"));
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_by_account_and_keeps_one_the_file_no_longer_lists() {
        let mut shares = Shares(vec![Share { account: "111".into(), ..Share::default() }]);
        shares.count("111", Some(State::Sent));
        shares.count("111", Some(State::InFlight));
        shares.count("999", Some(State::Failed));
        shares.count("111", None);
        let got: Vec<_> = shares.iter().map(|s| (s.account.as_str(), s.sent, s.failed, s.unknown, s.pending)).collect();
        assert_eq!(got, [("111", 1, 0, 1, 1), ("999", 0, 1, 0, 0)]);
        assert!(shares.several());
        assert_eq!(
            shares.json()[1],
            serde_json::json!({"account": "999", "sent": 0, "failed": 1, "unknown": 0, "pending": 0})
        );
    }
}
