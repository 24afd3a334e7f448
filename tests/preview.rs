//! `herald preview`: the exact requests, secrets redacted, CSV values escaped verbatim.

use crate::common::*;
use serde_json::Value;

fn scratch(csv: &str) -> Scratch {
    let s = Scratch::new();
    s.write("data.csv", csv);
    s.write("c.yaml", CAMPAIGN);
    s
}

fn lines(o: &std::process::Output) -> Vec<Value> {
    stdout(o).lines().map(|l| serde_json::from_str(l).expect("each line is JSON")).collect()
}

// spawns: terminal output
#[test]
fn json_lines_follow_the_contract_and_hide_the_secret() {
    let s = scratch("phone,name\n+254712345678,Jane\n0712345679,Bob\n");
    let o = herald(s.path())
        .args(["preview", "c.yaml", "--format", "json"])
        .env("WA_TOKEN", "EAAG-super-secret")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(!stdout(&o).contains("EAAG-super-secret") && !stderr(&o).contains("EAAG-super-secret"));
    let l = lines(&o);
    assert_eq!(l.len(), 2);
    let keys: Vec<&str> = l[0].as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(keys, ["recipient", "csv_line", "method", "url", "headers", "body"]);
    assert_eq!(l[1]["csv_line"], 3);
    assert_eq!(l[1]["recipient"], "+254712345679");
    assert_eq!(l[0]["url"], "https://graph.facebook.com/v23.0/1234567890/messages");
    assert_eq!(l[0]["headers"]["Authorization"], "Bearer ***");
    assert_eq!(l[0]["body"]["text"]["body"], "Hi Jane");
}

// spawns: terminal output
#[test]
fn csv_values_are_data_and_land_escaped_whatever_they_hold() {
    let tricky = "She said \"hi\", then\nleft 😀 {{ 7 * 7 }} {% if x %}\\";
    let mut w = csv::Writer::from_writer(vec![]);
    w.write_record(["phone", "name"]).unwrap();
    w.write_record(["+254712345678", tricky]).unwrap();
    let s = scratch(&String::from_utf8(w.into_inner().unwrap()).unwrap());
    let o = run(s.path(), &["preview", "c.yaml", "--format", "json"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(lines(&o)[0]["body"]["text"]["body"], format!("Hi {tricky}"));
}

// spawns: terminal output
#[test]
fn pretty_view_shows_method_url_headers_and_body_and_a_limit() {
    let s = scratch("phone,name\n+254712345678,Jane\n+254712345679,Bob\n+254712345670,Ann\n");
    let o = run(s.path(), &["preview", "c.yaml", "--limit", "2"]);
    assert_eq!(o.status.code(), Some(0));
    let out = stdout(&o);
    assert!(out.starts_with("── 1/3  +254712345678  (CSV line 2)\nPOST https://graph.facebook.com/v23.0/1234567890/messages\nAuthorization: Bearer ***\nContent-Type: application/json\n"), "{out}");
    assert!(out.contains("\"body\": \"Hi Bob\""));
    assert!(!out.contains("Ann"));
    assert!(stderr(&o).contains("showing 2 of 3 requests; use --limit N to see more"));
}

// spawns: terminal output
#[test]
fn an_invalid_campaign_previews_nothing() {
    let s = scratch("phone,nom\n+254712345678,Jane\n");
    let o = run(s.path(), &["preview", "c.yaml", "--format", "json"]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(stdout(&o), "");
}

// spawns: terminal output — a closed pipe
#[test]
fn a_closed_pipe_ends_quietly() {
    let rows: String = (0..2000).map(|i| format!("+2547{:08}, N{i}\n", 10_000_000 + i)).collect();
    let s = scratch(&format!("phone,name\n{rows}"));
    let o = into_closed_pipe(s.path(), &["preview", "c.yaml", "--format", "json"], 0);
    assert!(!stderr(&o).contains("panicked"), "{}", stderr(&o));
}

// spawns: terminal output
#[test]
fn chat_shows_the_message_as_the_recipient_sees_it_for_one_picked_recipient() {
    let s = Scratch::new();
    s.write("data.csv", "phone,name\n+254712345678,Jane\n+254722000111,Bo\n");
    s.write("c.yaml", CAMPAIGN.replace("text: \"Hi {{ name }}\"", "text: \"Hi {{ name }}\\nSee you\""));
    let o = run(s.path(), &["preview", "c.yaml", "--chat", "--recipient", "3"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(stdout(&o), "── +254722000111  (CSV line 3)\n│ Hi Bo\n│ See you\n\n");
    let by_phone = run(s.path(), &["preview", "c.yaml", "--format", "json", "--recipient", "+254712345678"]);
    let line: serde_json::Value = serde_json::from_str(stdout(&by_phone).trim()).unwrap();
    assert_eq!((line["csv_line"].clone(), line["recipient"].clone()), (2.into(), "+254712345678".into()));
}

// spawns: terminal output
#[test]
fn recipient_takes_the_number_as_people_write_it_and_says_why_a_row_is_not_sent() {
    let s = Scratch::new();
    s.write(
        "data.csv",
        "phone,name,country\n+254712000018,Jane,KE\n+254712000019,Joe,KE\n0712 000 018,Jane again,KE\nabc,Ann,KE\n+254712000020,Bob,UG\n+254712000021,Eve,KE\n",
    );
    s.write("optout.txt", "+254712000021\n");
    let campaign = CAMPAIGN.replace(
        "  default_country: KE\n",
        "  default_country: KE\n  where: \"country == 'KE'\"\n  suppress: [optout.txt]\n",
    );
    s.write("c.yaml", campaign);
    for who in ["0712000018", "254712000018", "+254 712 000 018", "+254712000018", "2"] {
        let o = run(s.path(), &["preview", "c.yaml", "--format", "json", "--recipient", who]);
        assert_eq!(o.status.code(), Some(0), "{who}: {}", stderr(&o));
        let line: serde_json::Value = serde_json::from_str(stdout(&o).trim()).unwrap();
        assert_eq!((line["csv_line"].clone(), line["recipient"].clone()), (2.into(), "+254712000018".into()), "{who}");
    }
    for (who, why) in [
        ("4", "line 4 of data.csv is not sent: it is a duplicate of line 2"),
        ("5", "line 5 of data.csv is not sent: `abc` contains letters"),
        ("6", "line 6 of data.csv is not sent: `recipients.where` leaves it out"),
        ("0712000020", "line 6 of data.csv is not sent: `recipients.where` leaves it out"),
        ("7", "line 7 of data.csv is not sent: +254712000021 is on the suppression list"),
        ("+254712000021", "line 7 of data.csv is not sent: +254712000021 is on the suppression list"),
        ("+254712000099", "+254712000099 is not in data.csv"),
        ("40", "data.csv has no row on line 40"),
        ("+1 nope", "`+1 nope` is neither a phone number nor a line of data.csv"),
    ] {
        for format in ["pretty", "json"] {
            let o = run(s.path(), &["preview", "c.yaml", "--format", format, "--recipient", who]);
            assert_eq!(o.status.code(), Some(2), "{who}: {}", stderr(&o));
            assert_eq!(stdout(&o), "", "{who}");
            let err = stderr(&o);
            assert!(err.contains(&format!("error: {why}")), "{who}: {err}");
            assert!(!err.contains("--limit"), "{who}: {err}");
        }
    }
    // Without a default country a national number cannot be read, and is no line number.
    s.write("c.yaml", CAMPAIGN.replace("  default_country: KE\n", ""));
    let o = run(s.path(), &["preview", "c.yaml", "--recipient", "0712000018"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains(
            "error: `0712000018` is neither a phone number nor a line of data.csv (`0712000018` has no country code"
        ),
        "{}",
        stderr(&o)
    );
}

// spawns: terminal output
#[test]
fn with_several_senders_each_request_names_the_account_it_goes_from() {
    let s = scratch("phone,name\n+254712345678,Jane\n+254712345679,Bob\n+254712345670,Ann\n+254712345671,Eve\n");
    let senders = "  senders:\n    - {phone_number_id: \"111\"}\n    - {phone_number_id: \"222\"}\n";
    s.write("c.yaml", CAMPAIGN.replace("  phone_number_id: \"1234567890\"\n", senders));
    let o = run(s.path(), &["preview", "c.yaml", "--format", "json"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let l = lines(&o);
    let accounts: Vec<&str> = l.iter().map(|l| l["sender"].as_str().unwrap_or_default()).collect();
    for (line, account) in l.iter().zip(&accounts) {
        assert_eq!(line["url"], format!("https://graph.facebook.com/v23.0/{account}/messages"), "{line}");
    }
    assert!(accounts.contains(&"111") && accounts.contains(&"222"), "{accounts:?}");
    let pretty = stdout(&run(s.path(), &["preview", "c.yaml"]));
    assert!(
        pretty.starts_with(&format!("── 1/4  +254712345678  (CSV line 2)  · sender {}\n", accounts[0])),
        "{pretty}"
    );
    // One sender: as before, no `sender`.
    let s = scratch("phone,name\n+254712345678,Jane\n");
    let l = lines(&run(s.path(), &["preview", "c.yaml", "--format", "json"]));
    assert!(l[0].get("sender").is_none(), "{}", l[0]);
}
