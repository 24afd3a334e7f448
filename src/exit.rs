//! Exit codes: stable, documented in the README, so CI can tell every outcome apart.

/// Finished; failures (if any) within `delivery.max_failure_rate`.
pub const OK: u8 = 0;
/// Finished or stopped with failures above `delivery.max_failure_rate`.
pub const FAILURES: u8 = 1;
/// The campaign is invalid, or the command line is wrong.
pub const INVALID: u8 = 2;
/// Stopped by the provider: authentication refused, channel disconnected, host unreachable.
pub const PROVIDER_STOPPED: u8 = 3;
/// Asked to confirm at the prompt, the answer was not yes: nothing was sent.
pub const DECLINED: u8 = 4;
/// Done for now: recipients are waiting (outside their sending window, beyond the daily cap,
/// or after a paused canary). The next run continues with them. (`EX_TEMPFAIL`.)
pub const WAITING: u8 = 75;
/// Interrupted (Ctrl-C).
pub const INTERRUPTED: u8 = 130;
