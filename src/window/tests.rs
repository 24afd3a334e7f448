//! Windows at the awkward moments: evenings, weekends, past midnight, and both DST changes.

use super::*;

fn window(start: &str, end: &str, days: &[usize], zone: &str) -> (Window, TimeZone) {
    let tz = TimeZone::get(zone).unwrap();
    let mut on = [false; 7];
    days.iter().for_each(|d| on[*d] = true);
    let w =
        Window { start: start.parse().unwrap(), end: end.parse().unwrap(), days: on, zone: Zone::Fixed(tz.clone()) };
    (w, tz)
}

/// An instant written as local time in `tz`.
fn at(local: &str, tz: &TimeZone) -> Timestamp {
    tz.to_ambiguous_timestamp(local.parse().unwrap()).compatible().unwrap()
}

const WEEKDAYS: &[usize] = &[0, 1, 2, 3, 4];

#[test]
fn ten_at_night_waits_for_nine_the_next_morning() {
    let (w, tz) = window("09:00", "20:00", WEEKDAYS, "Africa/Nairobi");
    // 2026-11-30 is a Monday.
    let opening = w.opening(at("2026-11-30T22:00", &tz), &tz);
    assert_eq!(opening, Opening::Closed { opens: "2026-12-01T06:00:00Z".parse().unwrap() });
    let opening = w.opening(at("2026-11-30T10:30", &tz), &tz);
    assert_eq!(opening, Opening::Open { closes: "2026-11-30T17:00:00Z".parse().unwrap() });
    assert_eq!(
        w.opening(at("2026-11-30T20:00", &tz), &tz).opens(),
        Some(at("2026-12-01T09:00", &tz)),
        "the end is out"
    );
    assert_eq!(w.opening(at("2026-11-30T09:00", &tz), &tz).opens(), None, "the start is in");
}

#[test]
fn the_days_filter_skips_the_weekend() {
    let (w, tz) = window("09:00", "20:00", WEEKDAYS, "Africa/Nairobi");
    let monday = Some(at("2026-12-07T09:00", &tz));
    assert_eq!(w.opening(at("2026-12-04T21:00", &tz), &tz).opens(), monday, "Friday night");
    assert_eq!(w.opening(at("2026-12-05T12:00", &tz), &tz).opens(), monday, "Saturday noon");
    let (sundays, tz) = window("10:00", "12:00", &[6], "Africa/Nairobi");
    assert_eq!(sundays.opening(at("2026-12-07T11:00", &tz), &tz).opens(), Some(at("2026-12-13T10:00", &tz)));
}

#[test]
fn a_window_past_midnight_belongs_to_the_day_it_opens() {
    let (w, tz) = window("22:00", "02:00", &[4], "Europe/London");
    // Friday 2026-12-04 22:00 to Saturday 02:00; Saturday itself is not a sending day.
    let open = w.opening(at("2026-12-05T01:00", &tz), &tz);
    assert_eq!(open, Opening::Open { closes: at("2026-12-05T02:00", &tz) });
    assert_eq!(w.opening(at("2026-12-05T03:00", &tz), &tz).opens(), Some(at("2026-12-11T22:00", &tz)));
}

#[test]
fn spring_forward_opens_after_the_gap_and_keeps_local_nine() {
    // New York skips 02:00–03:00 on Sunday 2026-03-08.
    let (w, tz) = window("02:30", "04:00", &[0, 1, 2, 3, 4, 5, 6], "America/New_York");
    let opens = w.opening(at("2026-03-08T01:00", &tz), &tz).opens().unwrap();
    assert_eq!(opens, "2026-03-08T07:30:00Z".parse().unwrap(), "03:30 EDT, as far past 02:00 as 02:30 was");
    let (w, tz) = window("09:00", "20:00", &[0, 1, 2, 3, 4, 5, 6], "America/New_York");
    let saturday = w.opening(at("2026-03-06T21:00", &tz), &tz).opens().unwrap();
    let sunday = w.opening(at("2026-03-07T21:00", &tz), &tz).opens().unwrap();
    assert_eq!(saturday, "2026-03-07T14:00:00Z".parse().unwrap(), "09:00 EST");
    assert_eq!(sunday, "2026-03-08T13:00:00Z".parse().unwrap(), "09:00 EDT");
}

#[test]
fn fall_back_opens_on_the_first_pass_of_the_repeated_hour() {
    // New York repeats 01:00–02:00 on Sunday 2026-11-01.
    let (w, tz) = window("01:30", "03:00", &[6], "America/New_York");
    let opens = w.opening(at("2026-11-01T00:00", &tz), &tz).opens().unwrap();
    assert_eq!(opens, "2026-11-01T05:30:00Z".parse().unwrap(), "01:30 EDT, not EST");
}

#[test]
fn one_instant_is_open_in_one_zone_and_closed_in_another() {
    let (w, nairobi) = window("09:00", "20:00", &[0, 1, 2, 3, 4, 5, 6], "Africa/Nairobi");
    let la = TimeZone::get("America/Los_Angeles").unwrap();
    let now: Timestamp = "2026-12-01T10:00:00Z".parse().unwrap();
    assert!(w.opening(now, &nairobi).opens().is_none(), "13:00 in Nairobi");
    assert_eq!(w.opening(now, &la).opens(), Some("2026-12-01T17:00:00Z".parse().unwrap()), "02:00 in LA");
}

#[test]
fn described_for_people() {
    let (w, _) = window("09:00", "20:00", WEEKDAYS, "Africa/Nairobi");
    assert_eq!(w.describe(), "09:00–20:00 Mon, Tue, Wed, Thu, Fri, Africa/Nairobi");
}
