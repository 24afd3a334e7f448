//! Sending windows as the binary shows them: `HERALD_NOW` fixes the clock `preview`, `send`
//! and `status` judge windows by and what they print of them (exit 75 with `--no-wait`),
//! `validate` names a bad or missing zone, and SIGTERM while waiting for a window exits 130.
//! What a session does with windows is tested in-process (`tests/session/window.rs`).

use crate::common::*;
use crate::server::*;
use std::process::Output;

const TOKEN: &str = "EAAG-window-secret";

/// Two Kenyan numbers and one in New York; a 09:00–20:00 weekday window on their clocks.
fn campaign(base_url: &str, window: &str) -> String {
    format!(
        "version: 1\nid: window-test\nprovider:\n  kind: cloud_api\n  base_url: {base_url}\n  token_env: WA_TOKEN\n  phone_number_id: \"42\"\nrecipients:\n  csv: people.csv\nmessage:\n  type: text\n  text: \"Hi {{{{ name }}}}\"\nschedule:\n  window: {window}\n"
    )
}

const WEEKDAYS: &str = "{ start: \"09:00\", end: \"20:00\", days: [mon, tue, wed, thu, fri] }";

fn scratch(base_url: &str, window: &str) -> Scratch {
    let s = Scratch::new();
    s.write(
        "people.csv",
        "phone,name,timezone\n+254712345678,Jane,\n+254722000111,Peter,\n+12025550123,Sam,America/New_York\n",
    );
    s.write("c.yaml", campaign(base_url, window));
    s
}

fn at(s: &Scratch, when: &str, args: &[&str]) -> Output {
    herald(s.path()).args(args).env("WA_TOKEN", TOKEN).env("HERALD_NOW", when).output().unwrap()
}

/// Monday 30 November 2026, 22:00 in Nairobi (14:00 in New York).
const EVENING: &str = "2026-11-30T22:00:00+03:00";

// spawns: terminal output
#[test]
fn herald_now_sets_the_clock_preview_send_and_status_print_the_window_by() {
    let server = Server::start(|n, _| cloud_ok(n));
    let s = scratch(&server.url(), WEEKDAYS);
    let preview = at(&s, EVENING, &["preview", "c.yaml", "--chat"]);
    assert!(
        stdout(&preview)
            .contains("+254712345678  (CSV line 2)  · window held until 2026-12-01 09:00 EAT (Africa/Nairobi)"),
        "{}",
        stdout(&preview)
    );
    assert!(stdout(&preview).contains("window open until 2026-11-30 20:00 EST (America/New_York)"));
    let o = at(&s, EVENING, &["send", "c.yaml", "--yes", "--quiet", "--no-wait", "--report", "out"]);
    assert_eq!(o.status.code(), Some(75), "{}", stderr(&o));
    assert_eq!(server.seen().len(), 1, "only New York is inside its window");
    assert!(
        stderr(&o).contains("2 recipients are outside their sending window; the first window opens at 2026-12-01T06:00:00Z; run the same command then"),
        "{}",
        stderr(&o)
    );
    let status = at(&s, EVENING, &["status", "c.yaml"]);
    assert!(
        stdout(&status).contains("  held             2   (2 until 2026-12-01 09:00 EAT (Africa/Nairobi))"),
        "{}",
        stdout(&status)
    );
}

// spawns: terminal output
#[test]
fn a_missing_zone_is_an_error_until_a_fallback() {
    let s = scratch("http://127.0.0.1:9", WEEKDAYS);
    s.write("people.csv", "phone,name\n+254712345678,Jane\n+12025550123,Sam\n+12135550123,Lee\n");
    let o = run(s.path(), &["validate", "c.yaml"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o)
            .contains("error: 2 recipients have no time zone of their own (US ×2: line 3, line 4 of people.csv), so their window cannot be told"),
        "{}",
        stderr(&o)
    );
    assert!(
        stderr(&o)
            .contains("add a `timezone` column (an IANA zone per row), or set `schedule.window.fallback_timezone`")
    );
    let fallback = WEEKDAYS.replace(" }", ", fallback_timezone: America/Chicago }");
    s.write("c.yaml", campaign("http://127.0.0.1:9", &fallback));
    let o = run(s.path(), &["validate", "c.yaml"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        stderr(&o).contains(
            "2 recipients have no time zone of their own (US ×2: line 3, line 4 of people.csv); they use the fallback zone"
        ),
        "{}",
        stderr(&o)
    );
}

// spawns: terminal output
#[test]
fn a_bad_zone_names_its_csv_line_and_a_bad_window_its_key() {
    let s = scratch("http://127.0.0.1:9", "{ start: \"09:00\", end: \"09:00\", timezone: Mars/Olympus }");
    s.write("people.csv", "phone,name,timezone\n+254712345678,Jane,Africa/Nairobbi\n");
    let o = run(s.path(), &["validate", "c.yaml"]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(err.contains("error: `Mars/Olympus` is not a time zone"), "{err}");
    let s = scratch("http://127.0.0.1:9", WEEKDAYS);
    s.write("people.csv", "phone,name,timezone\n+254712345678,Jane,Africa/Nairobbi\n");
    let o = run(s.path(), &["validate", "c.yaml"]);
    assert!(stderr(&o).contains("error: `Africa/Nairobbi` is not a time zone"), "{}", stderr(&o));
    assert!(stderr(&o).contains("people.csv:2"), "{}", stderr(&o));
    let s = scratch("http://127.0.0.1:9", "{ start: \"09:00\", end: \"09:00\" }");
    let o = run(s.path(), &["validate", "c.yaml"]);
    assert!(stderr(&o).contains("the window opens and closes at the same time"), "{}", stderr(&o));
}

// spawns: signals
#[test]
fn a_send_waiting_for_a_window_stops_on_sigterm_with_130_and_sends_nothing_more() {
    // A window two to three hours from now, on UTC: closed for everyone now.
    let now = jiff::Timestamp::now().to_zoned(jiff::tz::TimeZone::UTC);
    let hour = |h: i64| (now.hour() as i64 + h).rem_euclid(24);
    let window = format!("{{ start: \"{:02}:00\", end: \"{:02}:00\", timezone: UTC }}", hour(2), hour(3));
    // Port 9 (discard): were anything sent, the run would record a failed connection.
    let s = scratch("http://127.0.0.1:9", &window);
    let mut child = herald(s.path())
        .args(["send", "c.yaml", "--yes", "--quiet", "--report", "out"])
        .env("WA_TOKEN", TOKEN)
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let (line, _stderr) = await_line(&mut child, "waiting until");
    assert!(line.contains("for the next sending window"), "{line}");
    terminate(&child);
    assert_eq!(child.wait().unwrap().code(), Some(130));
    let csv = std::fs::read_to_string(s.path().join("out/results.csv")).unwrap();
    assert_eq!(csv.matches(",held,").count(), 3, "{csv}");
}
