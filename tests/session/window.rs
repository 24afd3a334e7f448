//! Sending windows in a session: at 22:00 in Nairobi Kenyan numbers are held, New York (14:00)
//! is sent to; the session waits until 09:00 by its clock and sends to them then, or ends with
//! exit 75 under `--no-wait` and the next run sends to them once. `--ignore-window` sends now.

use super::*;
use jiff::{SignedDuration, Timestamp};
use std::time::Duration;

/// Two Kenyan numbers and one in New York; a 09:00–20:00 weekday window on their clocks.
fn campaign(window: &str, delivery: &str) -> String {
    format!(
        "version: 1\nid: window-test\nprovider:\n  kind: cloud_api\n  base_url: http://127.0.0.1:9\n  token_env: WA_TOKEN\n  phone_number_id: \"42\"\nrecipients:\n  csv: people.csv\nmessage:\n  type: text\n  text: \"Hi {{{{ name }}}}\"\nschedule:\n  window: {window}\n{delivery}"
    )
}

const WEEKDAYS: &str = "{ start: \"09:00\", end: \"20:00\", days: [mon, tue, wed, thu, fri] }";

/// Monday 30 November 2026, 22:00 in Nairobi (14:00 in New York).
fn evening() -> Timestamp {
    "2026-11-30T22:00:00+03:00".parse().unwrap()
}

fn scratch() -> Scratch {
    let s = Scratch::new();
    s.write(
        "people.csv",
        "phone,name,timezone\n+254712345678,Jane,\n+254722000111,Peter,\n+12025550123,Sam,America/New_York\n",
    );
    s
}

#[test]
fn at_ten_at_night_the_session_waits_for_nine_in_nairobi_and_sends_to_the_kenyans_then() {
    let s = scratch();
    let plan = plan_at(&s, &campaign(WEEKDAYS, ""), evening());
    let memory = Arc::new(Memory::new(|n, _| ok(n)));
    let clock = Clock::manual(evening());
    let ran = session(&plan, options(&s), &memory, &clock);
    assert_eq!(ran.ended(), &Outcome::Ran { code: 0 });
    assert_eq!(clock.slept(), [Duration::from_secs(11 * 3600)], "one wait, from 22:00 to 09:00");
    assert_eq!(clock.now(), evening() + SignedDuration::from_hours(11));
    assert!(
        ran.told("waiting until 2026-12-01T06:00:00Z (in 11h00m00s) for the next sending window; Ctrl-C stops"),
        "{:?}",
        ran.events
    );
    assert_eq!(numbers(&memory), ["+12025550123", "+254712345678", "+254722000111"], "New York first, then Kenya");
    assert!(ran.summaries[0].contains("skipped held ×2: outside their sending window until 2026-12-01 09:00 EAT"));
}

#[test]
fn with_no_wait_the_session_ends_75_and_the_next_run_in_the_morning_sends_to_them_once() {
    let s = scratch();
    let plan = plan_at(&s, &campaign(WEEKDAYS, ""), evening());
    let memory = Arc::new(Memory::new(|n, _| ok(n)));
    let no_wait = session::Options { no_wait: true, ..options(&s) };
    let clock = Clock::manual(evening());
    let ran = session(&plan, no_wait.clone(), &memory, &clock);
    assert_eq!(ran.ended(), &Outcome::Ran { code: 75 });
    assert!(clock.slept().is_empty(), "--no-wait does not wait");
    assert_eq!(numbers(&memory), ["+12025550123"], "only New York is inside its window");
    assert!(
        ran.summaries[0]
            .contains("skipped held ×2: outside their sending window until 2026-12-01 09:00 EAT (Africa/Nairobi)"),
        "{}",
        ran.summaries[0]
    );
    assert_eq!(
        (ran.json[0]["held_until"].as_str(), ran.json[0]["exit_code"].as_u64()),
        (Some("2026-12-01T06:00:00Z"), Some(75))
    );
    // Tuesday, 10:00 in Nairobi.
    let morning = Clock::manual(evening() + SignedDuration::from_hours(12));
    let ran = session(&plan, no_wait, &memory, &morning);
    assert_eq!(ran.ended(), &Outcome::Ran { code: 0 });
    let mut everyone = numbers(&memory);
    everyone.sort();
    assert_eq!(everyone, ["+12025550123", "+254712345678", "+254722000111"], "everyone once");
}

#[test]
fn ignore_window_sends_to_everyone_on_a_saturday() {
    let s = scratch();
    s.write("people.csv", "phone,name\n+254712345678,Jane\n+12025550123,Sam\n+12135550123,Lee\n");
    let fallback = WEEKDAYS.replace(" }", ", fallback_timezone: America/Chicago }");
    let saturday: Timestamp = "2026-12-05T12:00:00Z".parse().unwrap();
    let plan = plan_at(&s, &campaign(&fallback, ""), saturday);
    let memory = Arc::new(Memory::new(|n, _| ok(n)));
    let ignore = session::Options { ignore_window: true, ..options(&s) };
    let ran = session(&plan, ignore, &memory, &Clock::manual(saturday));
    assert_eq!(ran.ended(), &Outcome::Ran { code: 0 });
    assert_eq!(memory.received().len(), 3);
}

#[test]
fn an_unpaused_canary_held_by_the_window_says_it_waits_not_that_it_failed() {
    let s = scratch();
    let delivery = "delivery: { canary: { count: 3, pause: false, wait: 1s } }\n";
    let plan = plan_at(&s, &campaign(WEEKDAYS, delivery), evening());
    let memory = Arc::new(Memory::new(|n, _| ok(n)));
    let no_wait = session::Options { no_wait: true, ..options(&s) };
    let ran = session(&plan, no_wait, &memory, &Clock::manual(evening()));
    assert_eq!(ran.ended(), &Outcome::Canary(session::CanaryEnd::Held { code: 75 }));
    assert_eq!(memory.received().len(), 1, "only New York is inside its window");
    assert!(ran.told("the canary had no failures, but some of it waits for its sending window"), "{:?}", ran.events);
    assert!(!ran.told("the canary failed"), "{:?}", ran.events);
}
