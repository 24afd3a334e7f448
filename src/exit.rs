//! Exit codes: stable, documented in docs/exit-codes.md, so CI can tell every outcome apart.

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

/// Every exit code and what it means, in order: for `--help` and the manual pages.
pub const MEANINGS: [(u8, &str); 7] = [
    (OK, "done: valid, shown, or sent with failures within delivery.max_failure_rate"),
    (FAILURES, "sent, with failed + unknown above delivery.max_failure_rate, or the breaker stopped it"),
    (INVALID, "invalid campaign or command line, missing token, journal busy or unusable: nothing sent"),
    (PROVIDER_STOPPED, "stopped by the provider: authentication refused, channel disconnected, host down"),
    (DECLINED, "the prompt was not answered yes; nothing was sent"),
    (WAITING, "done for now, recipients waiting (window, daily cap, canary): run again to go on"),
    (INTERRUPTED, "interrupted (Ctrl-C or SIGTERM); the report covers what happened"),
];

/// The codes of every command but `send`.
const OTHERS: [(u8, &str); 2] =
    [(OK, "done"), (INVALID, "invalid campaign, journal or command line; the problems are printed")];

/// The codes of `track`, which the provider may stop.
const TRACK: [(u8, &str); 3] = [
    (OK, "done"),
    (INVALID, "invalid campaign, journal or command line; the problems are printed"),
    (PROVIDER_STOPPED, "the provider refused the status polls (the key, a permission); receipts so far are kept"),
];

/// The codes of `templates`, which the provider may refuse.
const TEMPLATES: [(u8, &str); 3] = [
    (OK, "done"),
    (INVALID, "invalid campaign or command line, no provider.waba_id, unknown template"),
    (PROVIDER_STOPPED, "the provider refused to show the account (token, permission) or is unreachable"),
];

/// The codes `herald COMMAND` may end with (`None`: herald as a whole, every code).
pub fn of(command: Option<&str>) -> &'static [(u8, &'static str)] {
    match command {
        None | Some("send") => &MEANINGS,
        Some("track") => &TRACK,
        Some("templates") => &TEMPLATES,
        _ => &OTHERS,
    }
}

/// The `Exit status:` text that ends `--help`.
pub fn help(command: Option<&str>) -> String {
    let mut text = String::from("Exit status:\n");
    for (code, meaning) in of(command) {
        text.push_str(&format!("  {code:<4} {meaning}\n"));
    }
    text
}

#[cfg(test)]
mod tests {
    #[test]
    fn send_may_end_with_every_code_and_validate_with_two() {
        assert_eq!(super::of(Some("send")).len(), super::MEANINGS.len());
        assert_eq!(super::of(Some("validate")).iter().map(|(c, _)| *c).collect::<Vec<_>>(), [0, 2]);
        assert!(super::help(None).contains("\n  75   done for now"));
    }
}
