//! Durations and times as people read them in summaries, notes and progress lines.

use std::time::Duration;

/// `2026-12-01 06:00 UTC`, with the seconds when they are not zero.
pub fn time(at: jiff::Timestamp) -> String {
    let format = if at.as_second() % 60 == 0 { "%Y-%m-%d %H:%M UTC" } else { "%Y-%m-%d %H:%M:%S UTC" };
    at.strftime(format).to_string()
}

/// `1h02m03s`, `4m05s`, `6s`.
pub fn format(d: Duration) -> String {
    let s = d.as_secs();
    match (s / 3600, s / 60 % 60, s % 60) {
        (0, 0, sec) => format!("{sec}s"),
        (0, m, sec) => format!("{m}m{sec:02}s"),
        (h, m, sec) => format!("{h}h{m:02}m{sec:02}s"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hours_minutes_seconds() {
        assert_eq!(format(Duration::from_secs(3723)), "1h02m03s");
        assert_eq!(format(Duration::from_secs(245)), "4m05s");
        assert_eq!(format(Duration::from_millis(6900)), "6s");
    }

    #[test]
    fn times_are_utc_to_the_minute_or_second() {
        let at: jiff::Timestamp = "2026-12-01T09:00:00+03:00".parse().unwrap();
        assert_eq!(time(at), "2026-12-01 06:00 UTC");
        let at: jiff::Timestamp = "2026-12-01T09:00:07.250+03:00".parse().unwrap();
        assert_eq!(time(at), "2026-12-01 06:00:07 UTC");
    }
}
