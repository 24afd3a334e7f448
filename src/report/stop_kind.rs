//! The kind of a stop before reaching everyone, as a stable word: what reports and the journal
//! write, and what the exit code follows. The run's reason for it is [`crate::run::StopReason`].

/// The kind of a stop, as a stable word.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StopKind {
    /// See [`crate::run::StopReason::Provider`].
    Provider,
    /// See [`crate::run::StopReason::Unreachable`].
    Unreachable,
    /// See [`crate::run::StopReason::FailureRate`].
    FailureRate,
    /// See [`crate::run::StopReason::Interrupted`].
    Interrupted,
    /// See [`crate::run::StopReason::Journal`].
    Journal,
    /// See [`crate::run::StopReason::Plan`].
    Plan,
}

impl StopKind {
    /// The word reports and the journal use.
    pub fn as_str(self) -> &'static str {
        match self {
            StopKind::Provider => "provider",
            StopKind::Unreachable => "unreachable",
            StopKind::FailureRate => "failure_rate",
            StopKind::Interrupted => "interrupted",
            StopKind::Journal => "journal",
            StopKind::Plan => "plan",
        }
    }

    /// Reads the word back (`None` for a word this version does not know).
    pub fn parse(word: &str) -> Option<StopKind> {
        [
            StopKind::Provider,
            StopKind::Unreachable,
            StopKind::FailureRate,
            StopKind::Interrupted,
            StopKind::Journal,
            StopKind::Plan,
        ]
        .into_iter()
        .find(|k| k.as_str() == word)
    }

    /// The exit code a run stopped this way ends with.
    pub fn exit_code(self) -> u8 {
        use crate::exit;
        match self {
            StopKind::Provider | StopKind::Unreachable => exit::PROVIDER_STOPPED,
            StopKind::Interrupted => exit::INTERRUPTED,
            StopKind::Journal | StopKind::Plan => exit::INVALID,
            StopKind::FailureRate => exit::FAILURES,
        }
    }
}
