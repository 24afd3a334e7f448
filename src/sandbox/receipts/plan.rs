//! The receipt planner: what becomes of one accepted message, decided by a seeded hash of its
//! id (no shared random state, so the order messages arrive in changes nothing).
//!
//! A message is handed to WhatsApp (`sent`, where the provider reports it) soon after it was
//! accepted, delivered after about [`Options::delay`], then read after about as long again
//! with probability [`Options::read_rate`]; or, with probability
//! [`Options::async_fail_rate`], it fails in one of the provider's own ways instead
//! ([`StatusWebhook::failures`]: Meta's 131026 and 131049, Evolution's `ERROR`, …). Like real
//! providers, the posts are imperfect: with [`Options::reorder`] some `read`s are posted before
//! their `delivered`, Meta sends only `read` when both happen at once, and with
//! [`Options::duplicate_rate`] an event is posted a second time. Each event keeps the time it
//! happened ([`StatusEvent::at`], whole seconds as Meta's timestamps are) apart from the time it
//! is posted ([`Due::due`]).

use crate::providers::imitation::ids::{hash, unit};
use crate::providers::{MessageStatus, Pricing, ProviderError, ProviderKind, StatusEvent, StatusWebhook};
use crate::receipts::{Delivery, Receipts};
use std::time::Duration;

/// Share of read messages whose `read` is posted before their `delivered`, when reordering.
const REORDER_SHARE: f64 = 0.1;

/// Share of read messages delivered and read at the same moment (Meta then posts only `read`).
const READ_AT_ONCE_SHARE: f64 = 0.2;

/// `sent` comes after this share of the delay (spread like the others).
const SENT_SHARE: f64 = 0.1;

/// How the sandbox's receipts behave. Rates are shares of messages (duplicates: of events) in
/// `0.0..=1.0`.
#[derive(Debug, Clone, PartialEq)]
pub struct Options {
    /// Seeds every decision, so runs repeat.
    pub seed: u64,
    /// The mean time from accepted to delivered, and from delivered to read; each draw is
    /// spread evenly between half and one and a half times it.
    pub delay: Duration,
    /// Share of delivered messages that are then read.
    pub read_rate: f64,
    /// Share of accepted messages that fail afterwards.
    pub async_fail_rate: f64,
    /// Share of events posted twice.
    pub duplicate_rate: f64,
    /// Whether some `read`s are posted before their `delivered`.
    pub reorder: bool,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            seed: 0,
            delay: Duration::from_secs(2),
            read_rate: 0.6,
            async_fail_rate: 0.02,
            duplicate_rate: 0.02,
            reorder: true,
        }
    }
}

/// One status event and when it is posted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Due {
    /// When the provider posts it (at or after the event's own time).
    pub due: jiff::Timestamp,
    /// The event, as the provider's post says it.
    pub event: StatusEvent,
}

/// What a message ends as: the truth its receipts fold to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ending {
    /// Delivered, read or failed.
    pub delivery: Delivery,
    /// Why, for a failure: the provider's code and words.
    pub error: Option<ProviderError>,
}

/// Every status event one message gets, and what it ends as.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    /// The events in the order they are posted, duplicates included.
    pub events: Vec<Due>,
    /// What the message ends as; `None` when the provider reports no status.
    pub ending: Option<Ending>,
}

impl Plan {
    /// The message's receipts once every event has been posted.
    pub fn receipts(&self) -> Receipts {
        let mut r = Receipts::default();
        for Due { event, .. } in &self.events {
            let delivery = match event.status {
                MessageStatus::Sent => continue,
                MessageStatus::Delivered => Delivery::Delivered,
                MessageStatus::Read => Delivery::Read,
                MessageStatus::Failed => Delivery::Failed,
            };
            let at = event.at.unwrap_or(jiff::Timestamp::UNIX_EPOCH);
            let error = event.error.as_ref();
            r.add(delivery, at, error.and_then(|e| e.code.as_deref()), error.map(|e| e.message.as_str()));
        }
        r
    }
}

/// The status events `kind` posts for message `message_id` of `account` (the phone number id,
/// the instance) that it accepted at `accepted`, each but a failure with the message's
/// `pricing` where the provider reports one; none when it reports no status.
pub fn plan(
    kind: ProviderKind,
    message_id: &str,
    account: Option<&str>,
    accepted: jiff::Timestamp,
    options: &Options,
    pricing: Option<&Pricing>,
) -> Plan {
    let Some(webhook) = kind.provider().status_webhook() else {
        return Plan { events: Vec::new(), ending: None };
    };
    let draw = Draw { seed: options.seed, kind, message_id };
    let gap = |stage: &[u8], share: f64| options.delay.mul_f64(share * (0.5 + draw.unit(stage)));
    let event = |status, at: jiff::Timestamp, error: Option<ProviderError>| StatusEvent {
        message_id: message_id.to_string(),
        account: account.map(str::to_string),
        status,
        at: Some(whole_second(at)),
        pricing: pricing.filter(|_| error.is_none()).cloned(),
        error,
    };
    // (when it happened, when it is posted, what)
    let mut happened: Vec<(jiff::Timestamp, jiff::Timestamp, StatusEvent)> = Vec::new();
    let mut push = |at: jiff::Timestamp, due: jiff::Timestamp, e: StatusEvent| happened.push((at, due, e));
    let sent_at = later(accepted, gap(b"sent", SENT_SHARE));
    if webhook.reports_sent {
        push(sent_at, sent_at, event(MessageStatus::Sent, sent_at, None));
    }
    let done_at = later(sent_at, gap(b"done", 1.0));
    let ending = if let Some(failure) = failure(&webhook, &draw, options) {
        let error = failure.error();
        push(done_at, done_at, event(MessageStatus::Failed, done_at, Some(error.clone())));
        Ending { delivery: Delivery::Failed, error: Some(error) }
    } else if draw.unit(b"read") < options.read_rate {
        let at_once = draw.unit(b"at-once") < READ_AT_ONCE_SHARE;
        let read_at = if at_once { done_at } else { later(done_at, gap(b"read", 1.0)) };
        push(read_at, read_at, event(MessageStatus::Read, read_at, None));
        if !(at_once && webhook.read_alone) {
            // Reordered: the `delivered` is posted a little after the `read`.
            let reordered = options.reorder && draw.unit(b"reorder") < REORDER_SHARE;
            let due = if reordered { later(read_at, gap(b"late", SENT_SHARE)) } else { done_at };
            push(done_at, due, event(MessageStatus::Delivered, done_at, None));
        }
        Ending { delivery: Delivery::Read, error: None }
    } else {
        push(done_at, done_at, event(MessageStatus::Delivered, done_at, None));
        Ending { delivery: Delivery::Delivered, error: None }
    };
    let mut events: Vec<Due> = Vec::with_capacity(happened.len() + 1);
    for (n, (_, due, e)) in happened.into_iter().enumerate() {
        let stage = [b'd', b'u', b'p', n as u8];
        if draw.unit(&stage) < options.duplicate_rate {
            let again = [b'a', b'g', b'a', b'i', b'n', n as u8];
            events.push(Due { due: later(due, gap(&again, 1.0)), event: e.clone() });
        }
        events.push(Due { due, event: e });
    }
    events.sort_by_key(|d| d.due);
    Plan { events, ending: Some(ending) }
}

/// The failure this message meets, if it fails.
fn failure(webhook: &StatusWebhook, draw: &Draw, options: &Options) -> Option<&'static crate::providers::AsyncFailure> {
    let failures = webhook.failures;
    if failures.is_empty() || draw.unit(b"fail") >= options.async_fail_rate {
        return None;
    }
    let which = (draw.unit(b"which") * failures.len() as f64) as usize;
    failures.get(which.min(failures.len() - 1))
}

/// Seeded draws about one message.
struct Draw<'a> {
    seed: u64,
    kind: ProviderKind,
    message_id: &'a str,
}

impl Draw<'_> {
    /// A number in `[0, 1)` for decision `stage` about this message.
    fn unit(&self, stage: &[u8]) -> f64 {
        unit(hash(self.seed, &[b"receipt", stage, self.kind.as_str().as_bytes(), self.message_id.as_bytes()]))
    }
}

/// `t` plus `d`, or the last representable time.
fn later(t: jiff::Timestamp, d: Duration) -> jiff::Timestamp {
    jiff::SignedDuration::try_from(d).ok().and_then(|d| t.checked_add(d).ok()).unwrap_or(jiff::Timestamp::MAX)
}

/// `t` without its fraction of a second, as Meta's timestamps say it.
fn whole_second(t: jiff::Timestamp) -> jiff::Timestamp {
    jiff::Timestamp::from_second(t.as_second()).unwrap_or(t)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::testing::kind;

    fn accepted() -> jiff::Timestamp {
        "2026-12-05T10:00:00.250Z".parse().unwrap()
    }

    /// Plans for `n` messages of one account (FlowIQ's posts name none).
    fn plans(provider: &str, n: usize, options: &Options) -> Vec<Plan> {
        let account = (provider != "flowiq").then_some("106540352242922");
        (0..n).map(|i| plan(kind(provider), &format!("wamid.{i}"), account, accepted(), options, None)).collect()
    }

    fn statuses(p: &Plan) -> Vec<MessageStatus> {
        p.events.iter().map(|d| d.event.status).collect()
    }

    #[test]
    fn the_same_id_and_seed_give_the_same_plan_and_another_seed_another() {
        let options = Options::default();
        assert_eq!(plans("cloud_api", 500, &options), plans("cloud_api", 500, &options));
        assert_ne!(plans("cloud_api", 500, &options), plans("cloud_api", 500, &Options { seed: 1, ..options.clone() }));
        let alone = plan(kind("cloud_api"), "wamid.7", Some("106540352242922"), accepted(), &options, None);
        assert_eq!(alone, plans("cloud_api", 8, &options).swap_remove(7), "a plan does not depend on the others");
    }

    #[test]
    fn every_status_but_a_failure_carries_the_message_s_pricing() {
        let options = Options { async_fail_rate: 0.5, ..Options::default() };
        let pricing = Pricing { billable: true, category: "utility".into(), kind: "regular".into() };
        let all: Vec<Plan> = (0..50)
            .map(|i| plan(kind("cloud_api"), &format!("wamid.{i}"), None, accepted(), &options, Some(&pricing)))
            .collect();
        let events = all.iter().flat_map(|p| &p.events);
        let (failed, others): (Vec<_>, Vec<_>) = events.partition(|d| d.event.status == MessageStatus::Failed);
        assert!(!failed.is_empty() && !others.is_empty());
        assert!(failed.iter().all(|d| d.event.pricing.is_none()), "Meta bills no failed message");
        assert!(others.iter().all(|d| d.event.pricing.as_ref() == Some(&pricing)));
    }

    #[test]
    fn rates_hold_over_ten_thousand_messages() {
        let options = Options { read_rate: 0.6, async_fail_rate: 0.1, duplicate_rate: 0.05, ..Options::default() };
        let all = plans("cloud_api", 10_000, &options);
        let ended = |d: Delivery| all.iter().filter(|p| p.ending.as_ref().map(|e| e.delivery) == Some(d)).count();
        let (failed, read, delivered) = (ended(Delivery::Failed), ended(Delivery::Read), ended(Delivery::Delivered));
        assert_eq!(failed + read + delivered, 10_000);
        assert!((900..1100).contains(&failed), "failed {failed}");
        assert!((5150..5650).contains(&read), "read {read} of about 9,000 × 0.6");
        let events: usize = all.iter().map(|p| p.events.len()).sum();
        let distinct: usize =
            all.iter().map(|p| statuses(p).into_iter().collect::<std::collections::HashSet<_>>().len()).sum();
        let share = (events - distinct) as f64 / distinct as f64;
        assert!((0.04..0.06).contains(&share), "duplicates {share}");
        let codes: Vec<_> = all.iter().filter_map(|p| p.ending.as_ref()?.error.as_ref()?.code.clone()).collect();
        let c26 = codes.iter().filter(|c| *c == "131026").count();
        assert_eq!(codes.len(), failed);
        assert!((400..600).contains(&c26) && codes.iter().all(|c| c == "131026" || c == "131049"), "{c26}");
    }

    #[test]
    fn every_plan_folds_to_its_ending_and_posts_nothing_before_it_happens() {
        for provider in ["cloud_api", "evolution", "flowiq"] {
            for p in plans(provider, 2000, &Options { async_fail_rate: 0.1, ..Options::default() }) {
                let ending = p.ending.clone().unwrap();
                let r = p.receipts();
                assert_eq!((r.delivery(), r.conflict()), (Some(ending.delivery), false), "{p:?}");
                assert_eq!(r.error_code, ending.error.as_ref().and_then(|e| e.code.clone()));
                assert_eq!(statuses(&p).first(), Some(&MessageStatus::Sent), "{provider} reports `sent` first");
                assert!(p.events.windows(2).all(|w| w[0].due <= w[1].due), "posted in order");
                assert!(
                    p.events.iter().all(|d| d.event.at.is_some_and(|at| at <= d.due && at >= whole_second(accepted())))
                );
                let at = |s| p.events.iter().find(|d| d.event.status == s).and_then(|d| d.event.at);
                assert!(at(MessageStatus::Delivered) <= at(MessageStatus::Read).or(at(MessageStatus::Delivered)));
            }
        }
    }

    #[test]
    fn some_reads_come_before_their_delivery_and_meta_sometimes_sends_read_alone() {
        let read_first = |p: &Plan| {
            let s = statuses(p);
            let pos = |x| s.iter().position(|y| *y == x);
            matches!((pos(MessageStatus::Read), pos(MessageStatus::Delivered)), (Some(r), Some(d)) if r < d)
        };
        let read_alone = |p: &Plan| {
            let s = statuses(p);
            s.contains(&MessageStatus::Read) && !s.contains(&MessageStatus::Delivered)
        };
        let options = Options { duplicate_rate: 0.0, ..Options::default() };
        let meta = plans("cloud_api", 2000, &options);
        let reordered = meta.iter().filter(|p| read_first(p)).count();
        assert!((50..200).contains(&reordered), "{reordered} of about 1,200 reads");
        assert!(meta.iter().filter(|p| read_alone(p)).count() > 100);
        let evolution = plans("evolution", 2000, &options);
        assert!(!evolution.iter().any(read_alone), "only Meta leaves out a delivery read at once");
        let ordered = plans("cloud_api", 2000, &Options { reorder: false, ..options });
        assert!(!ordered.iter().any(read_first));
    }

    #[test]
    fn each_provider_fails_in_its_own_words_and_those_without_statuses_get_none() {
        let options = Options { async_fail_rate: 1.0, ..Options::default() };
        let error = |provider| plans(provider, 1, &options)[0].ending.clone().unwrap().error.unwrap();
        assert_eq!(
            error("evolution"),
            ProviderError::new(None, "Evolution reported the message failed; it gives no reason")
        );
        assert_eq!(error("flowiq").code, None);
        assert!(error("cloud_api").code.is_some());
        assert_eq!(statuses(&plans("communiktor", 1, &options)[0]), [MessageStatus::Failed], "it reports no `sent`");
        for provider in ["whautochat", "autokonnect"] {
            assert_eq!(plans(provider, 1, &options)[0], Plan { events: Vec::new(), ending: None });
        }
    }

    #[test]
    fn the_events_read_back_from_the_providers_own_posts_are_the_plan() {
        let options = Options { async_fail_rate: 0.2, duplicate_rate: 0.1, ..Options::default() };
        for provider in ["cloud_api", "evolution", "flowiq", "communiktor"] {
            let webhook = kind(provider).provider().status_webhook().unwrap();
            for p in plans(provider, 300, &options) {
                for Due { event, .. } in &p.events {
                    let back = (webhook.read)(&(webhook.post)(std::slice::from_ref(event))).unwrap();
                    assert_eq!(back, std::slice::from_ref(event), "{provider}");
                }
            }
        }
    }
}
