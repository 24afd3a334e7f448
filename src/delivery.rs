//! Delivery limits: how fast, how many at once, how persistently. Parsed from the campaign's
//! human units (`20/s`, `30s`, `2%`) into plain numbers.

use crate::campaign::model::DeliveryDoc;
use crate::providers::DEFAULT_RATE;
use serde_json::Value;
use std::time::Duration;

/// Resolved delivery settings.
#[derive(Debug, Clone, PartialEq)]
pub struct Delivery {
    /// Requests started per second.
    pub rate_per_sec: f64,
    /// How many requests may start back to back after an idle spell.
    pub burst: u32,
    /// The most requests in flight at once. The rate sets how many are (rate × latency); this
    /// only caps it.
    pub concurrency: usize,
    /// Attempts per recipient for retryable failures.
    pub max_attempts: u32,
    /// Per-request timeout.
    pub timeout: Duration,
    /// The gate: failure share (0.0–1.0) of the campaign above which `send` exits 1.
    pub max_failure_rate: f64,
    /// The breaker: failure share (0.0–1.0) of the last [`BREAKER_WINDOW`] finished recipients
    /// above which the run stops claiming, so a broken campaign does not burn the list.
    pub breaker: f64,
    /// Whether to resend requests whose outcome is unknown.
    pub retry_ambiguous: bool,
    /// At most this many messages from the sender in any 24 hours, counted in the journal.
    pub daily_cap: Option<usize>,
    /// Recipients one request may carry where the provider takes several numbers in one and
    /// the message is the same for all (1: one request per recipient). The plan decides
    /// whether it applies ([`crate::plan::Plan::batch`]).
    pub batch_size: usize,
    /// `delivery.jitter`: a random pause between one sender's messages, as a person leaves
    /// (`src/run/jitter.rs`); `None` sends at the rate alone.
    pub jitter: Option<Pause>,
    /// `delivery.typing`: the provider shows "typing…" before each message, for a time scaled
    /// to its text ([`crate::typing`]); only where the provider documents it.
    pub typing: bool,
    /// `delivery.min_delivered`: the share (0.0–1.0) of accepted messages the provider must
    /// report delivered (or read) once the receipts are in, or `send` exits 1.
    pub min_delivered: Option<f64>,
    /// `delivery.wait_receipts`: how long `send` keeps the run open after its last request for
    /// every accepted message to get a final receipt (`None`: it does not wait, unless
    /// `min_delivered` asks, which waits [`DEFAULT_WAIT_RECEIPTS`]).
    pub wait_receipts: Option<Duration>,
}

/// How long `send` waits for receipts when `delivery.min_delivered` is set and no wait is.
pub const DEFAULT_WAIT_RECEIPTS: Duration = Duration::from_secs(15 * 60);

/// A pause drawn uniformly between `min` and `max` (equal for a fixed pause).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pause {
    /// The shortest pause.
    pub min: Duration,
    /// The longest pause.
    pub max: Duration,
}

impl Pause {
    /// The longest pause `delivery.jitter` may ask for.
    pub const LONGEST: Duration = Duration::from_secs(3600);

    /// The pause for `x` uniform in [0, 1).
    pub fn at(&self, x: f64) -> Duration {
        self.min + (self.max - self.min).mul_f64(x.clamp(0.0, 1.0))
    }

    /// The pause on average.
    pub fn mean(&self) -> Duration {
        (self.min + self.max) / 2
    }

    /// `2s..8s`, or `5s` for a fixed pause.
    pub fn text(&self) -> String {
        let show = |d: Duration| {
            if d.subsec_millis() == 0 { crate::clock::format(d) } else { format!("{}ms", d.as_millis()) }
        };
        if self.min == self.max { show(self.min) } else { format!("{}..{}", show(self.min), show(self.max)) }
    }
}

/// A `delivery:` value that cannot be used: where it is (a JSON pointer), and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{pointer}: {message}")]
pub struct FieldError {
    /// The value's JSON pointer, e.g. `/delivery/rate`.
    pub pointer: String,
    /// What is wrong with it.
    pub message: String,
}

impl FieldError {
    fn new(pointer: impl Into<String>, message: impl Into<String>) -> FieldError {
        FieldError { pointer: pointer.into(), message: message.into() }
    }
}

/// The most requests in flight by default: enough for 1,000 requests a second at 2 s each with
/// a long tail (about 2,230 in flight), and only used when the rate and latency need it.
pub const DEFAULT_CONCURRENCY: usize = 4096;

/// Recipients per request by default, where batching applies.
pub const DEFAULT_BATCH_SIZE: usize = 100;

impl Default for Delivery {
    fn default() -> Delivery {
        Delivery {
            rate_per_sec: DEFAULT_RATE,
            burst: 1,
            concurrency: DEFAULT_CONCURRENCY,
            max_attempts: 5,
            timeout: Duration::from_secs(30),
            max_failure_rate: 0.10,
            breaker: 0.50,
            retry_ambiguous: false,
            daily_cap: None,
            batch_size: DEFAULT_BATCH_SIZE,
            jitter: None,
            typing: false,
            min_delivered: None,
            wait_receipts: None,
        }
    }
}

impl Delivery {
    /// Resolves `delivery:`, with `default_rate` (the provider's) when it gives no `rate`, or
    /// says every value that cannot be used.
    pub fn from_doc(doc: &DeliveryDoc, default_rate: f64) -> Result<Delivery, Vec<FieldError>> {
        let d = Delivery { rate_per_sec: default_rate, ..Delivery::default() };
        let mut errors: Vec<FieldError> = Vec::new();
        let mut field =
            |name: &str, v: &Option<Value>, parse: fn(&Value) -> Option<f64>, default: f64, what: &str| match v {
                None => default,
                Some(v) => {
                    let share = matches!(name, "max_failure_rate" | "breaker" | "min_delivered");
                    parse(v).filter(|n| n.is_finite() && (*n > 0.0 || share)).unwrap_or_else(|| {
                        errors
                            .push(FieldError::new(format!("/delivery/{name}"), format!("`{}` is not {what}", show(v))));
                        default
                    })
                }
            };
        let rate_per_sec = field("rate", &doc.rate, parse_rate, d.rate_per_sec, "a rate above zero such as `20/s`");
        let timeout =
            field("timeout", &doc.timeout, parse_seconds, d.timeout.as_secs_f64(), "a duration such as `30s`");
        let share = "a share such as `5%` or `0.05`";
        let max_failure_rate = field("max_failure_rate", &doc.max_failure_rate, parse_share, d.max_failure_rate, share);
        let breaker = field("breaker", &doc.breaker, parse_share, d.breaker, share);
        let min_delivered =
            doc.min_delivered.as_ref().map(|v| field("min_delivered", &Some(v.clone()), parse_share, 0.0, share));
        let wait_receipts = doc
            .wait_receipts
            .as_ref()
            .map(|v| field("wait_receipts", &Some(v.clone()), parse_seconds, 0.0, "a duration such as `15m`"));
        if !(1.0 / 86_400.0..=1_000_000.0).contains(&rate_per_sec) {
            errors.push(FieldError::new("/delivery/rate", "the rate must be between one a day and 1,000,000/s"));
        }
        if !(0.001..=3_600.0).contains(&timeout) {
            errors.push(FieldError::new("/delivery/timeout", "the timeout must be between 1ms and 1h"));
        }
        let shares = [("max_failure_rate", max_failure_rate), ("breaker", breaker)];
        for (name, value) in shares.into_iter().chain(min_delivered.map(|m| ("min_delivered", m))) {
            if !(0.0..=1.0).contains(&value) {
                errors.push(FieldError::new(
                    format!("/delivery/{name}"),
                    "a share must be between 0% and 100% (0 and 1)",
                ));
            }
        }
        if wait_receipts.is_some_and(|w| !(0.0..=86_400.0).contains(&w)) {
            errors.push(FieldError::new("/delivery/wait_receipts", "the wait for receipts must be between 0s and 24h"));
        }
        let jitter = doc.jitter.as_ref().and_then(|v| {
            parse_pause(v).map_err(|e| errors.push(FieldError::new("/delivery/jitter", e.to_string()))).ok()
        });
        if errors.is_empty() {
            Ok(Delivery {
                rate_per_sec,
                burst: doc.burst.unwrap_or(d.burst),
                concurrency: doc.concurrency.unwrap_or(d.concurrency),
                max_attempts: doc.max_attempts.unwrap_or(d.max_attempts),
                timeout: Duration::from_secs_f64(timeout),
                max_failure_rate,
                breaker,
                retry_ambiguous: doc.retry_ambiguous.unwrap_or(false),
                daily_cap: doc.daily_cap,
                batch_size: doc.batch_size.unwrap_or(d.batch_size),
                jitter,
                typing: doc.typing.unwrap_or(false),
                min_delivered,
                wait_receipts: wait_receipts.map(Duration::from_secs_f64),
            })
        } else {
            Err(errors)
        }
    }

    /// `20/s`-style text for summaries.
    pub fn rate_text(&self) -> String {
        rate_text(self.rate_per_sec)
    }
}

/// `20/s`-style text for a rate per second: in the unit that makes it a whole number
/// (`100/m`, not `1.67/s`), else in `/s` down to one a second, `/m`, then `/h`.
pub fn rate_text(per_sec: f64) -> String {
    let whole = |n: f64| n >= 1.0 && (n - n.round()).abs() < 1e-6;
    if let Some((n, unit)) =
        [(per_sec, "s"), (per_sec * 60.0, "m"), (per_sec * 3600.0, "h")].into_iter().find(|(n, _)| whole(*n))
    {
        return format!("{}/{unit}", n.round());
    }
    if per_sec >= 1.0 {
        format!("{}/s", trim(per_sec))
    } else if per_sec * 60.0 >= 1.0 {
        format!("{}/m", trim(per_sec * 60.0))
    } else {
        format!("{}/h", trim(per_sec * 3600.0))
    }
}

fn trim(n: f64) -> String {
    let s = format!("{n:.2}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

fn show(v: &Value) -> String {
    v.as_str().map_or_else(|| v.to_string(), str::to_string)
}

pub(crate) fn parse_rate(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => {
            let (n, unit) = s.trim().split_once('/')?;
            let n: f64 = n.trim().parse().ok()?;
            Some(match unit.trim() {
                "s" => n,
                "m" => n / 60.0,
                "h" => n / 3600.0,
                _ => return None,
            })
        }
        _ => None,
    }
}

/// Seconds in `30s`, `500ms`, `2m`, `1h` or a bare number of seconds.
pub fn parse_seconds(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => {
            let s = s.trim();
            let (num, scale) = if let Some(n) = s.strip_suffix("ms") {
                (n, 0.001)
            } else if let Some(n) = s.strip_suffix('s') {
                (n, 1.0)
            } else if let Some(n) = s.strip_suffix('m') {
                (n, 60.0)
            } else if let Some(n) = s.strip_suffix('h') {
                (n, 3600.0)
            } else {
                return None;
            };
            num.trim().parse::<f64>().ok().map(|n| n * scale)
        }
        _ => None,
    }
}

/// Why a `delivery.jitter` value is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
enum PauseError {
    /// Not a duration or a range of two.
    #[error("`{0}` is not a pause such as `2s..8s` (drawn between the two) or `5s`")]
    NotAPause(String),
    /// The longer bound first.
    #[error("`{0}` runs backwards: write the shortest pause first, such as `2s..8s`")]
    Backwards(String),
    /// Nothing, or more than [`Pause::LONGEST`].
    #[error("`{0}`: the longest pause must be above zero and at most 1h")]
    OutOfRange(String),
}

/// `delivery.jitter`: `2s..8s` (a pause drawn between the two) or one duration (a fixed pause).
fn parse_pause(v: &Value) -> Result<Pause, PauseError> {
    let duration = |v: &Value| {
        parse_seconds(v).filter(|s| s.is_finite() && *s >= 0.0).and_then(|s| Duration::try_from_secs_f64(s).ok())
    };
    let written = show(v);
    let (min, max) = match written.split_once("..") {
        Some((min, max)) => (duration(&Value::from(min)), duration(&Value::from(max))),
        None => (duration(v), duration(v)),
    };
    let (Some(min), Some(max)) = (min, max) else { return Err(PauseError::NotAPause(written)) };
    if min > max {
        return Err(PauseError::Backwards(written));
    }
    if max.is_zero() || max > Pause::LONGEST {
        return Err(PauseError::OutOfRange(written));
    }
    Ok(Pause { min, max })
}

/// A share, unambiguously: `5%` is five percent and a bare number is a fraction (`0.05`), so
/// `2` (200%) is refused rather than read as 2%.
pub(crate) fn parse_share(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => match s.trim().strip_suffix('%') {
            Some(percent) => percent.trim().parse::<f64>().ok().map(|n| n / 100.0),
            None => s.trim().parse::<f64>().ok(),
        },
        _ => None,
    }
}

/// Finished recipients the breaker looks back over.
pub const BREAKER_WINDOW: usize = 50;

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn parses_human_units() {
        let doc = DeliveryDoc {
            rate: Some(json!("120/m")),
            timeout: Some(json!("500ms")),
            max_failure_rate: Some(json!("2%")),
            concurrency: Some(8),
            batch_size: Some(250),
            ..DeliveryDoc::default()
        };
        let d = Delivery::from_doc(&doc, DEFAULT_RATE).unwrap();
        assert_eq!(d.batch_size, 250);
        assert_eq!(d.rate_per_sec, 2.0);
        assert_eq!(d.timeout, Duration::from_millis(500));
        assert_eq!(d.max_failure_rate, 0.02);
        assert_eq!(d.concurrency, 8);
        assert_eq!(d.rate_text(), "2/s");
        assert_eq!(Delivery::from_doc(&DeliveryDoc::default(), DEFAULT_RATE).unwrap(), Delivery::default());
    }

    #[test]
    fn the_delivery_gate_is_a_share_and_the_wait_a_duration() {
        let doc = DeliveryDoc {
            min_delivered: Some(json!("95%")),
            wait_receipts: Some(json!("15m")),
            ..DeliveryDoc::default()
        };
        let d = Delivery::from_doc(&doc, DEFAULT_RATE).unwrap();
        assert_eq!((d.min_delivered, d.wait_receipts), (Some(0.95), Some(Duration::from_secs(900))));
        let d = Delivery::from_doc(&DeliveryDoc::default(), DEFAULT_RATE).unwrap();
        assert_eq!((d.min_delivered, d.wait_receipts), (None, None), "no gate, no wait unless asked");
        let bad = DeliveryDoc {
            min_delivered: Some(json!("120%")),
            wait_receipts: Some(json!("2d")),
            ..DeliveryDoc::default()
        };
        let errors: Vec<String> =
            Delivery::from_doc(&bad, DEFAULT_RATE).unwrap_err().iter().map(ToString::to_string).collect();
        assert_eq!(errors.len(), 2, "{errors:?}");
        assert!(
            errors.iter().any(|e| e.contains("wait_receipts")) && errors.iter().any(|e| e.contains("min_delivered"))
        );
    }

    #[test]
    fn shares_are_percentages_or_fractions_never_guessed() {
        let share = |v: serde_json::Value| {
            let doc = DeliveryDoc { max_failure_rate: Some(v), ..DeliveryDoc::default() };
            Delivery::from_doc(&doc, DEFAULT_RATE).map(|d| d.max_failure_rate)
        };
        assert_eq!(share(json!("2%")), Ok(0.02));
        assert_eq!(share(json!(0.02)), Ok(0.02));
        assert_eq!(share(json!("0.02")), Ok(0.02));
        assert!(share(json!(2)).is_err(), "2 could mean 2% or 200%");
        let d = Delivery::default();
        assert_eq!((d.max_failure_rate, d.breaker), (0.10, 0.50));
    }

    #[test]
    fn refuses_zero_rates_and_silly_percentages() {
        let doc =
            DeliveryDoc { rate: Some(json!("0/s")), max_failure_rate: Some(json!(150)), ..DeliveryDoc::default() };
        let e = Delivery::from_doc(&doc, DEFAULT_RATE).unwrap_err();
        assert_eq!(
            e.iter().map(|e| e.pointer.as_str()).collect::<Vec<_>>(),
            ["/delivery/rate", "/delivery/max_failure_rate"]
        );
    }

    #[test]
    fn jitter_is_a_range_or_one_pause() {
        let jitter = |v: serde_json::Value| {
            let doc = DeliveryDoc { jitter: Some(v), ..DeliveryDoc::default() };
            Delivery::from_doc(&doc, DEFAULT_RATE).map(|d| d.jitter).map_err(|e| e[0].to_string())
        };
        let secs = Duration::from_secs;
        assert_eq!(jitter(json!("2s..8s")), Ok(Some(Pause { min: secs(2), max: secs(8) })));
        assert_eq!(jitter(json!("500ms .. 1m")), Ok(Some(Pause { min: Duration::from_millis(500), max: secs(60) })));
        assert_eq!(jitter(json!("5s")), Ok(Some(Pause { min: secs(5), max: secs(5) })));
        assert_eq!(jitter(json!(3)), Ok(Some(Pause { min: secs(3), max: secs(3) })));
        assert_eq!(Delivery::default().jitter, None);
        let err = jitter(json!("8s..2s")).unwrap_err();
        assert!(err.starts_with("/delivery/jitter: `8s..2s` runs backwards"), "{err}");
        assert!(jitter(json!("0s")).unwrap_err().contains("above zero"));
        assert!(jitter(json!("2s..2h")).unwrap_err().contains("at most 1h"));
        assert!(jitter(json!("soon")).unwrap_err().contains("is not a pause such as `2s..8s`"));
        let pause = Pause { min: secs(2), max: secs(8) };
        assert_eq!((pause.at(0.0), pause.at(0.5), pause.mean()), (secs(2), secs(5), secs(5)));
        assert_eq!(
            (pause.text(), Pause { min: Duration::from_millis(1500), ..pause }.text()),
            ("2s..8s".into(), "1500ms..8s".into())
        );
    }

    #[test]
    fn slow_rates_read_naturally() {
        let d = Delivery { rate_per_sec: 0.5, ..Delivery::default() };
        assert_eq!(d.rate_text(), "30/m");
        assert_eq!(rate_text(100.0 / 60.0), "100/m");
        assert_eq!(
            (rate_text(80.0), rate_text(2.5), rate_text(1.0 / 7.0)),
            ("80/s".into(), "150/m".into(), "8.57/m".into())
        );
    }
}
