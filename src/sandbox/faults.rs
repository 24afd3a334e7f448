//! Fault injection: which attempts get a 500 or a 429 instead of being processed, which
//! recipients are refused for good, and which accepted messages are then dropped or left
//! hanging.
//!
//! Decisions depend only on the seed, the provider, the recipient and which attempt for that
//! recipient this is, never on arrival order, so a concurrent run with the same seed and the
//! same recipients meets the same faults.

use super::Config;
use crate::providers::ProviderKind;
use crate::providers::imitation::ids::{hash, unit};

/// What happens to an attempt before it is processed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Before {
    /// Validate it and, if valid, accept it.
    Process,
    /// Answer 500 without processing.
    Fail,
    /// Answer 429 with `Retry-After` without processing.
    Throttle,
    /// Refuse this recipient for good, in the provider's own words.
    Refuse,
}

/// What happens to an accepted message's answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum After {
    /// Send the success answer.
    Answer,
    /// Close the connection without answering.
    Drop,
    /// Never answer; hold the connection until shutdown.
    Hang,
}

/// The fault settings of one run.
#[derive(Debug, Clone)]
pub(super) struct Faults {
    fail_rate: f64,
    throttle_rate: f64,
    drop_rate: f64,
    hang_rate: f64,
    fail_first: u32,
    throttle_first: u32,
    refuse_rate: f64,
    seed: u64,
}

impl Faults {
    /// The faults `config` asks for.
    pub(super) fn new(config: &Config) -> Faults {
        Faults {
            fail_rate: config.fail_rate,
            throttle_rate: config.throttle_rate,
            drop_rate: config.drop_rate,
            hang_rate: config.hang_rate,
            fail_first: config.fail_first,
            throttle_first: config.throttle_first,
            refuse_rate: config.refuse_rate,
            seed: config.seed,
        }
    }

    /// Whether any fault is configured (only then do attempts need counting per recipient).
    pub(super) fn any(&self) -> bool {
        self.fail_first > 0
            || self.throttle_first > 0
            || [self.fail_rate, self.throttle_rate, self.drop_rate, self.hang_rate, self.refuse_rate]
                .iter()
                .any(|r| *r > 0.0)
    }

    /// The fate of attempt `n` (counting from 1) for `recipient`: first the deterministic
    /// `fail_first` 500s, then the `throttle_first` 429s, then the seeded random rates.
    pub(super) fn before(&self, kind: ProviderKind, recipient: &str, n: u32) -> Before {
        if n <= self.fail_first {
            return Before::Fail;
        }
        if n - self.fail_first <= self.throttle_first {
            return Before::Throttle;
        }
        // A refused recipient is refused on every attempt: it is the number, not the moment.
        if self.draw(b"refuse", kind, recipient, 0) < self.refuse_rate {
            return Before::Refuse;
        }
        let u = self.draw(b"before", kind, recipient, n);
        if u < self.fail_rate {
            Before::Fail
        } else if u < self.fail_rate + self.throttle_rate {
            Before::Throttle
        } else {
            Before::Process
        }
    }

    /// Whether the answer to accepted attempt `n` for `recipient` is sent, dropped or held.
    pub(super) fn after(&self, kind: ProviderKind, recipient: &str, n: u32) -> After {
        let u = self.draw(b"after", kind, recipient, n);
        if u < self.drop_rate {
            After::Drop
        } else if u < self.drop_rate + self.hang_rate {
            After::Hang
        } else {
            After::Answer
        }
    }

    fn draw(&self, stage: &[u8], kind: ProviderKind, recipient: &str, n: u32) -> f64 {
        unit(hash(self.seed, &[stage, kind.as_str().as_bytes(), recipient.as_bytes(), &n.to_le_bytes()]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::testing::kind;

    fn faults(config: Config) -> Faults {
        Faults::new(&config)
    }

    #[test]
    fn first_attempts_fail_then_throttle_then_pass() {
        let f = faults(Config { fail_first: 2, throttle_first: 1, ..Config::default() });
        let kind = kind("cloud_api");
        let got: Vec<_> = (1..=5).map(|n| f.before(kind, "+254712345678", n)).collect();
        assert_eq!(got, [Before::Fail, Before::Fail, Before::Throttle, Before::Process, Before::Process]);
        assert_eq!(f.after(kind, "+254712345678", 4), After::Answer);
    }

    #[test]
    fn random_faults_follow_the_seed_and_the_rates() {
        let config = Config { fail_rate: 0.2, throttle_rate: 0.3, drop_rate: 0.1, hang_rate: 0.1, ..Config::default() };
        let run = |seed| {
            let f = faults(Config { seed, ..config.clone() });
            (0..1000)
                .map(|i| {
                    (f.before(kind("evolution"), &i.to_string(), 1), f.after(kind("evolution"), &i.to_string(), 1))
                })
                .collect::<Vec<_>>()
        };
        let a = run(1);
        assert_eq!(a, run(1));
        assert_ne!(a, run(2));
        let count = |want: Before| a.iter().filter(|(b, _)| *b == want).count();
        assert!((150..250).contains(&count(Before::Fail)), "{}", count(Before::Fail));
        assert!((250..350).contains(&count(Before::Throttle)), "{}", count(Before::Throttle));
        let drops = a.iter().filter(|(_, x)| *x == After::Drop).count();
        assert!((60..140).contains(&drops), "{drops}");
    }

    #[test]
    fn a_refused_recipient_is_refused_on_every_attempt() {
        let f = faults(Config { refuse_rate: 0.5, ..Config::default() });
        let refused: Vec<String> =
            (0..200).map(|i| i.to_string()).filter(|r| f.before(kind("cloud_api"), r, 1) == Before::Refuse).collect();
        assert!((60..140).contains(&refused.len()), "{}", refused.len());
        for r in &refused {
            assert!((2..6).all(|n| f.before(kind("cloud_api"), r, n) == Before::Refuse), "{r}");
        }
    }

    #[test]
    fn no_rates_means_no_faults() {
        let f = faults(Config::default());
        for n in 1..100 {
            assert_eq!(f.before(kind("flowiq"), "x", n), Before::Process);
            assert_eq!(f.after(kind("flowiq"), "x", n), After::Answer);
        }
    }
}
