//! Why a run stopped before reaching everyone: a reason from the engine, and its stable kind
//! ([`StopKind`], which reports and the journal write).

use super::transport::NetworkFailure;
use crate::journal::JournalError;
use crate::plan::PlanError;
use crate::providers::ProviderError;
use crate::report::StopKind;
use std::fmt;

/// Why a run stopped early.
#[derive(Debug)]
pub enum StopReason {
    /// The provider refused in a way that fails every request (auth, channel, template).
    Provider(ProviderError),
    /// The provider's host could not be reached, attempts exhausted.
    Unreachable(NetworkFailure),
    /// Most recent recipients failed: more than `delivery.breaker` of the last
    /// [`crate::delivery::BREAKER_WINDOW`].
    FailureRate {
        /// The rate observed.
        rate: f64,
        /// The allowed rate.
        max: f64,
    },
    /// Ctrl-C or SIGTERM.
    Interrupted,
    /// The journal could not be written, so nothing more could be sent safely.
    Journal(JournalError),
    /// The recipients could not be read as validated.
    Plan(PlanError),
}

impl StopReason {
    /// Its kind.
    pub fn kind(&self) -> StopKind {
        match self {
            StopReason::Provider(_) => StopKind::Provider,
            StopReason::Unreachable(_) => StopKind::Unreachable,
            StopReason::FailureRate { .. } => StopKind::FailureRate,
            StopReason::Interrupted => StopKind::Interrupted,
            StopReason::Journal(_) => StopKind::Journal,
            StopReason::Plan(_) => StopKind::Plan,
        }
    }
}

impl fmt::Display for StopReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StopReason::Provider(e) => match &e.code {
                Some(code) => write!(f, "the provider refused ({code}): {}", e.message),
                None => write!(f, "the provider refused: {}", e.message),
            },
            StopReason::Unreachable(why) => write!(f, "the provider could not be reached: {why}"),
            StopReason::FailureRate { rate, max } => write!(
                f,
                "{:.0}% of the last recipients failed, above `delivery.breaker` ({:.0}%); check the answers in the report before sending on",
                rate * 100.0,
                max * 100.0
            ),
            StopReason::Interrupted => f.write_str("interrupted"),
            StopReason::Journal(e) => write!(f, "{e}; nothing more was sent"),
            StopReason::Plan(e) => write!(f, "{e}; nothing more was sent"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stop_reasons_read_as_sentences_and_kinds_round_trip() {
        let e = ProviderError::new(Some("190".into()), "Invalid OAuth access token.");
        assert_eq!(StopReason::Provider(e).to_string(), "the provider refused (190): Invalid OAuth access token.");
        let rate = StopReason::FailureRate { rate: 0.62, max: 0.5 };
        assert_eq!(
            rate.to_string(),
            "62% of the last recipients failed, above `delivery.breaker` (50%); check the answers in the report before sending on"
        );
        assert_eq!(StopKind::parse(rate.kind().as_str()), Some(StopKind::FailureRate));
        assert_eq!(StopKind::parse("nonsense"), None);
        assert_eq!(StopKind::Interrupted.exit_code(), 130);
    }
}
