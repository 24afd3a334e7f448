//! The sending number against the campaign: its status (a restricted or banned number sends
//! nothing), its quality rating (a low one lowers its limit), and its messaging limit — unique
//! users a day, shared by the business portfolio's numbers — against the audience, which the
//! send holds to as its daily cap when `delivery.daily_cap` is unset. Only the portfolio's
//! limit becomes the cap: the number's deprecated tier, when it is all the account gives, is
//! warned about instead.

use super::place::Places;
use crate::diagnostic::{Diagnostic, Severity};
use crate::plan::Plan;
use crate::providers::account::SenderInfo;

/// What the sender's state means for the campaign.
#[derive(Debug, Default)]
pub(super) struct Judged {
    /// Warnings and errors, at the sender's key.
    pub findings: Vec<Diagnostic>,
    /// What was read, for people.
    pub summary: String,
    /// The messaging limit, when the send should hold to it as its daily cap.
    pub daily_cap: Option<usize>,
}

/// Judges `info`, the state of `plan`'s first sender.
pub(super) fn judge(plan: &Plan, info: &SenderInfo, places: &Places) -> Judged {
    let sender = &plan.senders[0];
    let at = format!("{}/{}", sender.pointer, plan.provider.provider().account_key());
    let number = info.display_number.as_deref().unwrap_or(&sender.account);
    let mut judged = Judged::default();
    let mut said = vec![format!("sender {number}")];
    if let Some(status) = &info.status {
        said.push(status.clone());
        if let Some(d) = status_finding(number, status, &at, places) {
            judged.findings.push(d);
        }
    }
    if let Some(quality) = &info.quality_rating {
        said.push(format!("quality {quality}"));
        if quality.eq_ignore_ascii_case("RED") || quality.eq_ignore_ascii_case("YELLOW") {
            let message =
                format!("{number}'s quality rating is {quality}: recipients have been blocking or reporting it");
            judged.findings.push(places.at(Severity::Warning, &at, message).help(
                "send to people who asked for these messages, and pause marketing until it recovers: Meta may lower its messaging limit or restrict it",
            ));
        }
    }
    // The portfolio's limit is the one Meta holds sends to; the number's tier is deprecated.
    let (limit, portfolio) = match (&info.portfolio_limit, &info.messaging_limit) {
        (Some(limit), _) => (limit, true),
        (None, Some(limit)) => (limit, false),
        (None, None) => {
            judged.summary = said.join(", ");
            return judged;
        }
    };
    let tier = match portfolio {
        true => limit.tier.clone(),
        false => format!("{}, the number's deprecated tier", limit.tier),
    };
    let Some(per_day) = limit.per_day else {
        said.push(format!("no messaging limit ({tier})"));
        judged.summary = said.join(", ");
        return judged;
    };
    said.push(format!("messaging limit {per_day} unique users a day ({tier})"));
    let recipients = plan.audience.counts.recipients;
    if recipients > per_day as usize {
        let days = recipients.div_ceil(per_day as usize);
        let message = format!(
            "the campaign has {recipients} recipients, over {number}'s messaging limit of {per_day} unique users a day: it takes {days} days at the limit"
        );
        judged.findings.push(places.at(Severity::Warning, &at, message).help(
            "the limit rises as the business portfolio sends with good quality (WhatsApp Manager › Insights); each run sends up to it and the next continues",
        ));
    }
    if !portfolio {
        let message = format!(
            "the account gives only the number's deprecated messaging limit tier ({}), not the business portfolio's limit: a send does not hold to it as its daily cap",
            limit.tier
        );
        judged.findings.push(places.at(Severity::Warning, &at, message).help(
            "Meta now sets the limit per business portfolio (250, 2,000, 10,000, 100,000 or unlimited unique users a day); set `delivery.daily_cap` to the portfolio's limit from WhatsApp Manager › Insights",
        ));
    } else if plan.senders.len() == 1 && sender.daily_cap.is_none() {
        judged.daily_cap = usize::try_from(per_day).ok();
        said.push("a send holds to it as its daily cap (set `delivery.daily_cap` to choose another)".into());
    }
    judged.summary = said.join(", ");
    judged
}

/// A status a send fails with (an error) or sends under a cloud (a warning); `None` for
/// `CONNECTED`.
fn status_finding(number: &str, status: &str, at: &str, places: &Places) -> Option<Diagnostic> {
    let (severity, what, help) = match status.to_ascii_uppercase().as_str() {
        "CONNECTED" => return None,
        "FLAGGED" => (
            Severity::Warning,
            "is FLAGGED for low quality",
            "its messaging limit drops unless quality recovers within 7 days; send only to people who asked",
        ),
        "RESTRICTED" | "RATE_LIMITED" => (
            Severity::Error,
            "is RESTRICTED: it may not start conversations now",
            "wait until WhatsApp Manager shows it connected again (restrictions last a day or more) and run again",
        ),
        "PENDING" | "UNVERIFIED" => (
            Severity::Warning,
            "is not yet verified",
            "finish its registration and verification in WhatsApp Manager › Phone numbers; sends may fail until it shows CONNECTED",
        ),
        "BANNED" | "DELETED" | "DISCONNECTED" | "MIGRATED" | "UNAVAILABLE" => (
            Severity::Error,
            "cannot send",
            "see the number in WhatsApp Manager › Phone numbers; sends would fail until it shows CONNECTED",
        ),
        _ => (
            Severity::Warning,
            "is not CONNECTED",
            "see the number in WhatsApp Manager › Phone numbers; sends may fail until it shows CONNECTED",
        ),
    };
    Some(places.at(severity, at, format!("{number} {what} (status {status})")).help(help))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn judged(status: &str) -> Option<(Severity, String)> {
        status_finding("+1 555", status, "/provider/phone_number_id", &Places::nowhere())
            .map(|d| (d.severity, d.message))
    }

    #[test]
    fn a_restricted_or_banned_number_stops_a_send_and_a_flagged_one_warns() {
        assert_eq!(judged("CONNECTED"), None);
        assert_eq!(judged("connected"), None);
        let (severity, message) = judged("RESTRICTED").unwrap();
        assert_eq!(
            (severity, message.as_str()),
            (Severity::Error, "+1 555 is RESTRICTED: it may not start conversations now (status RESTRICTED)")
        );
        assert_eq!(judged("BANNED").unwrap().0, Severity::Error);
        assert_eq!(judged("FLAGGED").unwrap().0, Severity::Warning);
        assert_eq!(judged("PENDING").unwrap().0, Severity::Warning);
        assert_eq!(judged("UNVERIFIED").unwrap().0, Severity::Warning);
        let (severity, message) = judged("SOMETHING_NEW").unwrap();
        assert_eq!((severity, message.as_str()), (Severity::Warning, "+1 555 is not CONNECTED (status SOMETHING_NEW)"));
    }
}
