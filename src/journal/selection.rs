//! What a (re-)run does with each recipient, given the journal: send the ones with no final
//! state; keep the rest as they are, unless told to retry failed or unknown ones.

use super::State;

/// Which final states a run sends to again.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Policy {
    /// Resend recipients that failed.
    pub retry_failed: bool,
    /// Resend recipients whose fate is unknown (incl. crashed in flight).
    pub retry_unknown: bool,
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
    /// Decides for a recipient in `state` (`None`: never attempted).
    pub fn decide(self, state: Option<State>) -> Decision {
        let send = match state {
            None => true,
            Some(State::Sent) => false,
            Some(State::Failed) => self.retry_failed,
            Some(State::Unknown | State::InFlight) => self.retry_unknown,
        };
        if send { Decision::Send } else { Decision::Keep }
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
}

impl Selection {
    /// Counts one recipient in `state`; returns the decision.
    pub fn count(&mut self, state: Option<State>) -> Decision {
        match state {
            None => self.pending += 1,
            Some(State::Sent) => self.sent += 1,
            Some(State::Failed) => self.failed += 1,
            Some(State::Unknown | State::InFlight) => self.unknown += 1,
        }
        let decision = self.policy.decide(state);
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
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn follows_states_and_flags() {
        let mut s = Selection::default();
        for state in [None, Some(State::Sent), Some(State::Failed), Some(State::Unknown), Some(State::InFlight)] {
            s.count(state);
        }
        assert_eq!((s.to_send, s.pending, s.sent, s.failed, s.unknown), (1, 1, 1, 1, 2));
        assert_eq!(
            s.describe(),
            "send to 1 recipient, skip 1 already sent, leave 1 failed as they are (--retry-failed resends them), leave 2 unknown as they are (--retry-unknown resends them)"
        );
        let mut retry =
            Selection { policy: Policy { retry_failed: true, retry_unknown: true }, ..Selection::default() };
        for state in [Some(State::Sent), Some(State::Failed), Some(State::Unknown)] {
            retry.count(state);
        }
        assert_eq!(retry.describe(), "send to 2 recipients, skip 1 already sent, resend 1 failed, resend 1 unknown");
        assert_eq!(
            retry.describe_within(Some((1, "--limit 1"))),
            "send to 1 of the 2 recipients left (--limit 1), skip 1 already sent, resend 1 failed, resend 1 unknown"
        );
        assert_eq!(retry.describe_within(Some((5, "--limit 5"))), retry.describe());
    }
}
