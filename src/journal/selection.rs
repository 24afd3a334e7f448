//! What a (re-)run does with each recipient, given the journal: send the ones with no final
//! state; keep the rest as they are, unless told to retry failed or unknown ones. A recipient
//! the provider accepted and later reported failed counts as failed, resent as its provider's
//! docs allow ([`Later`]).

use super::resend::Later;
use super::{Row, State};
use crate::providers::ResendRule;
use crate::results::Record;

/// Which final states a run sends to again.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Policy {
    /// Resend recipients that failed.
    pub retry_failed: bool,
    /// Resend recipients whose fate is unknown (incl. crashed in flight).
    pub retry_unknown: bool,
    /// The provider's rules for messages it accepted and later reported failed
    /// ([`crate::providers::Provider::resend_rules`]); empty: resend every one.
    pub resend_rules: &'static [ResendRule],
}

/// The decision for one recipient.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Send to them in this run.
    Send,
    /// Leave them as the journal records them.
    Keep,
}

impl Policy {
    /// Decides for a recipient with this journal `row` (`None`: never attempted).
    pub fn decide(self, row: Option<&Row>) -> Decision {
        let send = match row.map(|r| r.state) {
            None => true,
            Some(State::Sent) => self.retry_failed && self.later(row) == Some(Later::Resend),
            Some(State::Failed) => self.retry_failed,
            Some(State::Unknown | State::InFlight) => self.retry_unknown,
        };
        if send { Decision::Send } else { Decision::Keep }
    }

    /// What may be done with a row whose message was accepted and later reported failed, now;
    /// `None` for any other row.
    pub fn later(self, row: Option<&Row>) -> Option<Later> {
        let row = row.filter(|r| r.state == State::Sent)?;
        Later::of(row.record.receipts.as_ref(), self.resend_rules, jiff::Timestamp::now())
    }

    /// The record of a row this run keeps: with `--retry-failed`, a message that failed after
    /// acceptance and is not resent says why, and when it may be.
    pub fn kept(self, row: Row) -> Record {
        let note = if self.retry_failed { self.later(Some(&row)).and_then(|l| l.note()) } else { None };
        let mut record = row.record;
        if note.is_some() {
            record.error_message = note;
        }
        record
    }
}

/// What a run does over the whole audience, counted.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Selection {
    /// The policy counted with.
    pub policy: Policy,
    /// Recipients to send to.
    pub to_send: usize,
    /// Never attempted.
    pub pending: usize,
    /// Already sent.
    pub sent: usize,
    /// Failed before.
    pub failed: usize,
    /// Fate unknown.
    pub unknown: usize,
    /// Accepted, then reported failed (not counted as sent).
    pub failed_later: usize,
    /// Of those, the ones the provider's docs say never to resend.
    pub never: usize,
    /// Of those, the ones not to resend yet, and the first time one may be.
    pub held: (usize, Option<jiff::Timestamp>),
}

impl Selection {
    /// Counts one recipient with this journal `row`; returns the decision.
    pub fn count(&mut self, row: Option<&Row>) -> Decision {
        match (row.map(|r| r.state), self.policy.later(row)) {
            (None, _) => self.pending += 1,
            (Some(State::Sent), Some(later)) => {
                self.failed_later += 1;
                match later {
                    Later::Resend => {}
                    Later::Never { .. } => self.never += 1,
                    Later::Hold { from, .. } => {
                        self.held.0 += 1;
                        self.held.1 = Some(self.held.1.map_or(from, |t| t.min(from)));
                    }
                }
            }
            (Some(State::Sent), None) => self.sent += 1,
            (Some(State::Failed), _) => self.failed += 1,
            (Some(State::Unknown | State::InFlight), _) => self.unknown += 1,
        }
        let decision = self.policy.decide(row);
        if decision == Decision::Send {
            self.to_send += 1;
        }
        decision
    }

    /// What the run does, as a sentence.
    pub fn describe(&self) -> String {
        self.describe_within(None)
    }

    /// What the run does when at most `limit.0` may be sent to, for the reason `limit.1`
    /// (`--limit 5`, the canary).
    pub fn describe_within(&self, limit: Option<(usize, &str)>) -> String {
        let n = self.to_send;
        let mut parts = vec![match limit.filter(|(max, _)| *max < n) {
            Some((max, why)) => format!("send to {max} of the {n} recipients left ({why})"),
            None => format!("send to {n} recipient{}", if n == 1 { "" } else { "s" }),
        }];
        if self.sent > 0 {
            parts.push(format!("skip {} already sent", self.sent));
        }
        parts.extend(self.describe_failed_later());
        for (count, retry, what) in
            [(self.failed, self.policy.retry_failed, "failed"), (self.unknown, self.policy.retry_unknown, "unknown")]
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

    /// What the run does with messages accepted and later reported failed.
    fn describe_failed_later(&self) -> Vec<String> {
        let n = self.failed_later;
        if n == 0 {
            return Vec::new();
        }
        if !self.policy.retry_failed {
            return vec![format!(
                "leave {n} that failed after acceptance as they are (--retry-failed resends those their provider allows)"
            )];
        }
        let (held, from) = self.held;
        let mut parts = Vec::new();
        if n > self.never + held {
            parts.push(format!("resend {} that failed after acceptance", n - self.never - held));
        }
        if self.never > 0 {
            parts.push(format!("leave {} the provider's docs say never to resend", self.never));
        }
        if let Some(from) = from.filter(|_| held > 0) {
            parts.push(format!(
                "hold {held} until the provider allows a resend (from {})",
                from.strftime("%Y-%m-%d %H:%M UTC")
            ));
        }
        parts
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::ProviderKind;
    use crate::receipts::{Delivery, Receipts};
    use crate::results::Status;
    use jiff::{SignedDuration, Timestamp};

    fn row(state: State, receipts: Option<Receipts>) -> Row {
        let record = Record { receipts, ..Record::new("+254700000001".into(), Some(2), Status::Sent) };
        Row { state, request_hash: vec![0; 32], record }
    }

    fn failed(code: &str, hours_ago: i64) -> Option<Receipts> {
        let mut r = Receipts::default();
        r.add(Delivery::Failed, Timestamp::now() - SignedDuration::from_hours(hours_ago), Some(code), None);
        Some(r)
    }

    #[test]
    fn follows_states_and_flags() {
        let mut s = Selection::default();
        let rows = [State::Sent, State::Failed, State::Unknown, State::InFlight].map(|state| row(state, None));
        s.count(None);
        for r in &rows {
            s.count(Some(r));
        }
        assert_eq!((s.to_send, s.pending, s.sent, s.failed, s.unknown), (1, 1, 1, 1, 2));
        assert_eq!(
            s.describe(),
            "send to 1 recipient, skip 1 already sent, leave 1 failed as they are (--retry-failed resends them), leave 2 unknown as they are (--retry-unknown resends them)"
        );
        let policy = Policy { retry_failed: true, retry_unknown: true, ..Policy::default() };
        let mut retry = Selection { policy, ..Selection::default() };
        for r in &rows[..3] {
            retry.count(Some(r));
        }
        assert_eq!(retry.describe(), "send to 2 recipients, skip 1 already sent, resend 1 failed, resend 1 unknown");
        assert_eq!(
            retry.describe_within(Some((1, "--limit 1"))),
            "send to 1 of the 2 recipients left (--limit 1), skip 1 already sent, resend 1 failed, resend 1 unknown"
        );
        assert_eq!(retry.describe_within(Some((5, "--limit 5"))), retry.describe());
    }

    #[test]
    fn a_failure_after_acceptance_is_resent_as_the_providers_docs_allow() {
        let meta = ProviderKind::named("cloud_api").unwrap().provider().resend_rules();
        let mut read = Receipts::default();
        read.add(Delivery::Read, Timestamp::now(), None, None);
        let rows = [
            row(State::Sent, Some(read)),
            row(State::Sent, failed("131026", 1)),
            row(State::Sent, failed("131049", 1)),
            row(State::Sent, failed("131049", 30)),
            row(State::Sent, failed("131000", 1)),
        ];
        let count = |policy: Policy| {
            let mut s = Selection { policy, ..Selection::default() };
            let decisions: Vec<Decision> = rows.iter().map(|r| s.count(Some(r))).collect();
            (s, decisions)
        };
        let (plain, decisions) = count(Policy { resend_rules: meta, ..Policy::default() });
        assert!(decisions.iter().all(|d| *d == Decision::Keep));
        assert_eq!((plain.sent, plain.failed_later), (1, 4));
        assert_eq!(
            plain.describe(),
            "send to 0 recipients, skip 1 already sent, leave 4 that failed after acceptance as they are (--retry-failed resends those their provider allows)"
        );
        let policy = Policy { retry_failed: true, resend_rules: meta, ..Policy::default() };
        let (retry, decisions) = count(policy);
        use Decision::{Keep, Send};
        assert_eq!(decisions, [Keep, Keep, Keep, Send, Send], "131026 never, 131049 a day after, other codes now");
        let from = (Timestamp::now() + SignedDuration::from_hours(23)).strftime("%Y-%m-%d %H:%M UTC").to_string();
        assert_eq!(
            retry.describe(),
            format!(
                "send to 2 recipients, skip 1 already sent, resend 2 that failed after acceptance, leave 1 the provider's docs say never to resend, hold 1 until the provider allows a resend (from {from})"
            )
        );
        let held = policy.kept(rows[2].clone());
        assert!(held.error_message.as_deref().is_some_and(|m| m.contains("131049") && m.contains(&from)), "{held:?}");
        assert_eq!(Policy::default().kept(rows[2].clone()).error_message, None, "a note only when retrying");
        let never = policy.kept(rows[1].clone());
        assert!(never.error_message.as_deref().is_some_and(|m| m.starts_with("not resent: ") && m.contains("131026")));
        let everything = Policy { retry_failed: true, ..Policy::default() };
        assert!(
            rows[1..].iter().all(|r| everything.decide(Some(r)) == Send),
            "without a table every failure is resent"
        );
    }
}
