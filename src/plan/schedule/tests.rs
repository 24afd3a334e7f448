//! `schedule:` checked against a pinned clock: times passed and far ahead, and the mode each
//! provider and message type gets.

use super::super::{Options, ScheduleCheck, TokenCheck, Validation, load};
use crate::campaign::model::ScheduleMode;
use crate::diagnostic::{Diagnostic, Severity};

/// The clock every test reads: 2026-11-29 12:00 UTC.
fn now() -> jiff::Timestamp {
    "2026-11-29T12:00:00Z".parse().unwrap()
}

/// Each provider's `provider:` block.
fn provider(kind: &str) -> String {
    let account = match kind {
        "communiktor" => "instance: shop",
        "evolution" => "instance: shop\n  base_url: https://evo.example.com",
        "whautochat" => "workspace_id: ws_1",
        "autokonnect" => "channel_id: \"1\"",
        "flowiq" => "tenant_id: acme",
        _ => "phone_number_id: \"1\"",
    };
    format!("provider:\n  kind: {kind}\n  token_env: HERALD_TEST_UNSET_TOKEN\n  {account}\n")
}

/// A `message:` block of `type`.
fn message(t: &str) -> &'static str {
    match t {
        "text" => "message: { type: text, text: Hi }\n",
        "image" => "message: { type: image, media: { url: https://example.com/a.jpg } }\n",
        "contact" => "message: { type: contact, contact: { full_name: Jane, phone: \"+254712345678\" } }\n",
        "template" => "message: { type: template, template: { name: welcome, id: 7, language: en } }\n",
        other => panic!("no sample {other} message"),
    }
}

/// Loads a one-recipient campaign with `schedule` under the pinned clock.
fn load_with(kind: &str, t: &str, schedule: &str, check: ScheduleCheck) -> Validation {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("c.yaml");
    let text = format!(
        "version: 1\nid: sched\n{}recipients: {{ list: [\"+254712345678\"] }}\n{}schedule: {schedule}\n",
        provider(kind),
        message(t)
    );
    std::fs::write(&file, text).unwrap();
    let options = Options { token: TokenCheck::Skip, schedule: check, now: Some(now()), ..Options::default() };
    load(&file, options)
}

/// The problems found about `schedule`.
fn about_schedule(v: &Validation) -> Vec<&Diagnostic> {
    v.diagnostics.kept().iter().filter(|d| d.message.contains("schedule")).collect()
}

#[test]
fn a_time_that_has_passed_is_an_error_only_where_a_send_would_refuse_it() {
    let passed = "{ send_at: \"2026-11-27T08:00:00+03:00\" }";
    let v = load_with("cloud_api", "text", passed, ScheduleCheck::Require);
    assert!(v.plan.is_none());
    let [d] = about_schedule(&v)[..] else { panic!("{:?}", v.diagnostics) };
    assert_eq!(
        (d.severity, d.message.as_str()),
        (Severity::Error, "`schedule.send_at` is in the past (2026-11-27 05:00 UTC)")
    );
    assert!(d.help.as_deref().unwrap().contains("--now"), "{d:?}");
    assert_eq!(d.location.as_ref().map(|l| (l.line, l.col)), Some((9, Some(22))));
    // status, report and preview still load it; `send --now` does not mind at all.
    let v = load_with("cloud_api", "text", passed, ScheduleCheck::Warn);
    let plan = v.plan.as_ref().expect("a warning only");
    assert_eq!(plan.schedule.map(|s| s.at), Some("2026-11-27T05:00:00Z".parse().unwrap()));
    assert_eq!(about_schedule(&v).iter().map(|d| d.severity).collect::<Vec<_>>(), [Severity::Warning]);
    let v = load_with("cloud_api", "text", passed, ScheduleCheck::Skip);
    assert!(v.plan.is_some() && about_schedule(&v).is_empty(), "{:?}", v.diagnostics);
}

#[test]
fn a_time_far_ahead_is_a_warning_about_the_year() {
    let cases = [
        ("2028-12-01T09:00:00Z", Some("`schedule.send_at` is 2 years ahead (2028-12-01 09:00 UTC); check the year")),
        ("2027-03-01T09:00:00Z", Some("`schedule.send_at` is 3 months ahead (2027-03-01 09:00 UTC); check the date")),
        ("2027-01-08T09:00:00Z", Some("`schedule.send_at` is 39 days ahead (2027-01-08 09:00 UTC); check the date")),
        ("2026-12-27T11:59:59Z", None),
    ];
    for (at, expected) in cases {
        let v = load_with("cloud_api", "text", &format!("{{ send_at: \"{at}\" }}"), ScheduleCheck::Require);
        assert!(v.plan.is_some(), "{at}: {:?}", v.diagnostics);
        let found: Vec<_> = about_schedule(&v).iter().map(|d| (d.severity, d.message.clone())).collect();
        let expected: Vec<_> = expected.map(|m| (Severity::Warning, m.to_string())).into_iter().collect();
        assert_eq!(found, expected, "{at}");
    }
}

#[test]
fn the_provider_holds_the_messages_where_its_api_can_schedule_them() {
    let ahead = "{ send_at: \"2026-12-01T09:00:00+03:00\" }";
    let cases = [
        ("communiktor", "text", ScheduleMode::Provider),
        ("communiktor", "image", ScheduleMode::Provider),
        ("communiktor", "contact", ScheduleMode::Provider),
        ("whautochat", "text", ScheduleMode::Provider),
        ("whautochat", "image", ScheduleMode::Provider),
        ("whautochat", "template", ScheduleMode::Local),
        ("evolution", "text", ScheduleMode::Local),
        ("autokonnect", "text", ScheduleMode::Local),
        ("flowiq", "text", ScheduleMode::Local),
        ("cloud_api", "text", ScheduleMode::Local),
    ];
    for (kind, t, mode) in cases {
        let v = load_with(kind, t, ahead, ScheduleCheck::Require);
        let plan = v.plan.unwrap_or_else(|| panic!("{kind} {t}: {:?}", v.diagnostics));
        let at = "2026-12-01T06:00:00Z".parse().unwrap();
        assert_eq!(plan.schedule, Some(super::Schedule { at, mode }), "{kind} {t}");
    }
    // `mode: local` is always possible.
    let v =
        load_with("communiktor", "text", "{ send_at: \"2026-12-01T09:00:00Z\", mode: local }", ScheduleCheck::Require);
    assert_eq!(v.plan.and_then(|p| p.schedule).map(|s| s.mode), Some(ScheduleMode::Local));
}

#[test]
fn asking_a_provider_that_cannot_schedule_is_an_error_with_the_way_out() {
    let explicit = "{ send_at: \"2026-12-01T09:00:00Z\", mode: provider }";
    for (kind, t, others) in [
        ("whautochat", "template", "no provider schedules template messages"),
        ("cloud_api", "text", "providers that schedule text messages: communiktor, whautochat"),
    ] {
        let v = load_with(kind, t, explicit, ScheduleCheck::Warn);
        assert!(v.plan.is_none(), "{kind} {t}");
        let d = v.diagnostics.kept().iter().find(|d| d.message.contains("cannot schedule")).expect("the mode error");
        assert_eq!(d.severity, Severity::Error);
        assert_eq!(d.location.as_ref().map(|l| (l.line, l.col)), Some((9, Some(52))), "at /schedule/mode: {d:?}");
        let help = d.help.as_deref().unwrap();
        assert!(help.starts_with("use `mode: local`") && help.contains(others), "{kind} {t}: {help}");
    }
    let v = load_with("whautochat", "template", explicit, ScheduleCheck::Warn);
    let d = v.diagnostics.kept().iter().find(|d| d.message.contains("cannot schedule")).unwrap();
    assert_eq!(d.message, "WhautoChat cannot schedule template messages itself");
}

#[test]
fn a_mode_without_a_time_is_a_warning() {
    let v = load_with("communiktor", "text", "{ mode: provider }", ScheduleCheck::Require);
    let plan = v.plan.as_ref().expect("valid");
    assert_eq!(plan.schedule, None);
    let [d] = about_schedule(&v)[..] else { panic!("{:?}", v.diagnostics) };
    assert_eq!(
        (d.severity, d.message.as_str()),
        (Severity::Warning, "`schedule.mode` has no effect without `send_at`")
    );
}

/// The first recipient's request.
fn first(plan: &super::super::Plan) -> super::super::Send {
    match plan.items().unwrap().next() {
        Some(Ok(super::super::Item::Send(send))) => *send,
        other => panic!("no request: {other:?}"),
    }
}

#[test]
fn the_time_rides_in_each_request_unless_now_and_the_journal_hashes_it_without() {
    let ahead = "{ send_at: \"2026-12-01T09:00:00+03:00\" }";
    let plan = load_with("communiktor", "text", ahead, ScheduleCheck::Require).plan.unwrap();
    assert_eq!(plan.settings().send_at, Some("2026-12-01T06:00:00Z".parse().unwrap()));
    let send = first(&plan);
    assert_eq!(send.request.body["sendsAt"], "2026-12-01T06:00:00Z");
    // `--now`: the same request without the time, which is also what the journal hashes.
    let now = load_with("communiktor", "text", ahead, ScheduleCheck::Skip).plan.unwrap();
    let at_once = first(&now);
    assert_eq!(at_once.request.body.get("sendsAt"), None);
    assert_eq!(now.unscheduled(&at_once).unwrap(), None, "nothing to leave out");
    assert_eq!(plan.unscheduled(&send).unwrap(), Some(at_once.request));
    // `mode: local` waits in herald instead: no time in the request.
    let local = "{ send_at: \"2026-12-01T09:00:00+03:00\", mode: local }";
    let plan = load_with("communiktor", "text", local, ScheduleCheck::Require).plan.unwrap();
    assert_eq!(first(&plan).request.body.get("sendsAt"), None);
}
