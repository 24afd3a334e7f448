//! How long a campaign takes to send at its rate, as `validate` says it: the requests (a batch
//! is one) over `delivery.rate`, or the days the daily cap spreads the audience over. A floor:
//! a provider slower to answer than the concurrency allows, or throttling, makes it longer.

use crate::delivery::rate_text;
use std::time::Duration;

/// `sends in about 1m03s at 80/s`, `sends in under a second at 80/s`, or
/// `sends over 3 days at the daily cap of 1000`.
pub(super) fn sending_time(recipients: usize, batch: usize, rate_per_sec: f64, daily_cap: Option<usize>) -> String {
    if let Some(cap) = daily_cap.filter(|&cap| cap > 0 && recipients > cap) {
        return format!("sends over {} days at the daily cap of {cap}", recipients.div_ceil(cap));
    }
    let rate = rate_text(rate_per_sec);
    let seconds = recipients.div_ceil(batch.max(1)) as f64 / rate_per_sec;
    match Duration::try_from_secs_f64(seconds) {
        Ok(d) if d < Duration::from_secs(1) => format!("sends in under a second at {rate}"),
        Ok(d) => format!("sends in about {} at {rate}", crate::clock::format(d)),
        Err(_) => format!("sends at {rate}"),
    }
}

#[cfg(test)]
mod tests {
    use super::sending_time;

    #[test]
    fn the_time_is_the_requests_over_the_rate_or_the_days_the_cap_takes() {
        assert_eq!(sending_time(2, 1, 80.0, None), "sends in under a second at 80/s");
        assert_eq!(sending_time(5_040, 1, 80.0, None), "sends in about 1m03s at 80/s");
        assert_eq!(sending_time(10_000, 1, 100.0 / 60.0, None), "sends in about 1h40m00s at 100/m");
        // A batch of 100 recipients is one request.
        assert_eq!(sending_time(10_000, 100, 10.0, None), "sends in about 10s at 10/s");
        assert_eq!(sending_time(2_500, 1, 80.0, Some(1_000)), "sends over 3 days at the daily cap of 1000");
        assert_eq!(sending_time(1_000, 1, 80.0, Some(1_000)), "sends in about 12s at 80/s");
    }
}
