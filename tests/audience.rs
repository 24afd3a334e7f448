//! The audience a marketer means, as `herald` prints it: global opt-out lists
//! (`$HERALD_SUPPRESS`, `--suppress`) counted by `validate` and named when missing;
//! `recipients.where` counted, and pointed at where it fails. What reaches the provider and the
//! report runs in-process (`session/audience.rs`), with the helpers here.

use crate::common::*;
use crate::server::*;
use std::process::Output;

const TOKEN: &str = "EAAG-test-secret-audience";

/// A cloud_api text campaign over `data.csv` at `base_url`.
pub(crate) fn campaign(base_url: &str) -> String {
    format!(
        "version: 1\nid: audience-test\nprovider:\n  kind: cloud_api\n  base_url: {base_url}\n  token_env: WA_TOKEN\n  phone_number_id: \"42\"\nrecipients:\n  csv: data.csv\n  default_country: KE\nmessage:\n  type: text\n  text: \"Hi {{{{ name }}}}\"\ndelivery: {{ rate: 80/s }}\n"
    )
}

/// Three people: Jane, Joe and Ann.
pub(crate) const PEOPLE: &str = "phone,name\n+254712345678,Jane\n+254712345679,Joe\n+254712345670,Ann\n";

/// `herald send c.yaml --yes --report out …` in `s`, with `HERALD_SUPPRESS` set when given.
fn send(s: &Scratch, env: Option<&str>, extra: &[&str]) -> Output {
    let mut c = herald(s.path());
    c.args(["send", "c.yaml", "--yes", "--report", "out"]).args(extra).env("WA_TOKEN", TOKEN);
    if let Some(lists) = env {
        c.env("HERALD_SUPPRESS", lists);
    }
    c.output().unwrap()
}

// spawns: terminal output
#[test]
fn validate_counts_globally_suppressed_numbers_and_flag_paths_follow_the_working_directory() {
    let s = Scratch::new();
    s.write("campaigns/data.csv", PEOPLE);
    s.write("campaigns/c.yaml", campaign("https://graph.facebook.com/v23.0"));
    // Beside the working directory, not the campaign.
    s.write("optout.txt", "+254712345679\n0712 345 670\nnot a number\n");
    let o = run(s.path(), &["validate", "campaigns/c.yaml", "--suppress", "optout.txt"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("1 recipient to send, 2 skipped (0 invalid, 0 duplicate, 2 suppressed)"),
        "{}",
        stdout(&o)
    );
    assert!(stderr(&o).contains("warning: suppression list line 3:"), "{}", stderr(&o));
    assert!(stderr(&o).contains("--> optout.txt:3"), "{}", stderr(&o));
}

// spawns: terminal output
#[test]
fn a_missing_global_list_is_an_error_naming_it_and_where_it_came_from_and_nothing_is_sent() {
    let server = Server::start(|n, _| cloud_ok(n));
    let s = Scratch::new();
    s.write("data.csv", PEOPLE);
    s.write("c.yaml", campaign(&server.url()));
    s.write("here.txt", "+254712345679\n");
    let o = send(&s, Some("here.txt:gone.txt"), &[]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(err.contains("error: cannot read gone.txt: no such file (an opt-out list from $HERALD_SUPPRESS)"), "{err}");
    assert!(err.contains("nothing was sent"), "{err}");
    let o = send(&s, None, &["--suppress", "missing.csv"]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(err.contains("error: cannot read missing.csv: no such file (an opt-out list from --suppress)"), "{err}");
    assert!(server.seen().is_empty(), "a request left although an opt-out list is missing");
    // Keep the server's never-called check honest: with the lists readable, it sends.
    let o = send(&s, Some("here.txt"), &[]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(server.numbers(), ["+254712345670", "+254712345678"]);
}

// spawns: terminal output
#[test]
fn a_global_list_beside_an_audience_of_groups_is_one_warning() {
    let s = Scratch::new();
    s.write("optout.txt", "+254712345679\n");
    s.write(
        "c.yaml",
        "version: 1\nid: g\nprovider:\n  kind: cloud_api\n  token_env: WA_TOKEN\n  phone_number_id: \"42\"\nrecipients:\n  groups: [\"g1\", \"g2\"]\nmessage:\n  type: text\n  text: hi\n",
    );
    let o = herald(s.path()).args(["validate", "c.yaml"]).env("HERALD_SUPPRESS", "optout.txt").output().unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let err = stderr(&o);
    assert_eq!(err.matches("do not apply to groups").count(), 1, "{err}");
    assert!(err.contains("optout.txt (from $HERALD_SUPPRESS)"), "{err}");
    let o = run(s.path(), &["validate", "c.yaml"]);
    assert!(!stderr(&o).contains("do not apply to groups"), "{}", stderr(&o));
}

/// People with a country, an age and tags.
pub(crate) const MARKET: &str = "\
phone,name,country,age,tags
+254712345678,Jane,KE,30,vip
+254712345679,Joe,UG,40,vip
+254712345670,Ann,KE,16,vip
+254712345671,Bob,KE,52,
+254712345672,Eve,ke,25,vip
";

/// [`campaign`] with these lines added under `recipients:`.
pub(crate) fn with_recipients(base_url: &str, lines: &str) -> String {
    campaign(base_url).replace("  csv: data.csv\n", &format!("  csv: data.csv\n{lines}"))
}

// spawns: terminal output
#[test]
fn a_where_that_does_not_parse_points_at_the_spot() {
    let s = Scratch::new();
    s.write("data.csv", MARKET);
    s.write("c.yaml", with_recipients("https://graph.facebook.com/v23.0", "  where: \"country == 'KE' age\"\n"));
    let o = run(s.path(), &["validate", "c.yaml"]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(err.contains("error: `recipients.where` does not parse: unexpected input after expression"), "{err}");
    assert!(err.contains("--> c.yaml:10:27"), "{err}");
    // A misspelt column is caught before any row is read, with the nearest one.
    s.write("c.yaml", with_recipients("https://graph.facebook.com/v23.0", "  where: \"contry == 'KE'\"\n"));
    let o = run(s.path(), &["validate", "c.yaml"]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(err.contains("`recipients.where` uses `contry`, which is not a column of data.csv"), "{err}");
    assert!(err.contains("--> c.yaml:10:11") && err.contains("help: did you mean `country`?"), "{err}");
}

// spawns: terminal output
#[test]
fn a_where_that_fails_on_a_row_names_the_expression_and_the_csv_line() {
    let s = Scratch::new();
    s.write("data.csv", MARKET.replace("Ann,KE,16", "Ann,KE,sixteen").replace("Bob,KE,52", "Bob,KE,"));
    s.write("c.yaml", with_recipients("https://graph.facebook.com/v23.0", "  where: \"age | int >= 18\"\n"));
    let o = run(s.path(), &["validate", "c.yaml"]);
    assert_eq!(o.status.code(), Some(2));
    golden("errors/where_rows.txt", &stderr(&o));
}

// spawns: terminal output
#[test]
fn where_needs_a_csv() {
    let s = Scratch::new();
    let campaign = with_recipients("https://graph.facebook.com/v23.0", "")
        .replace("  csv: data.csv\n", "  list: [\"+254712345678\"]\n  where: \"true\"\n")
        .replace("{{ name }}", "there");
    s.write("c.yaml", campaign);
    let o = run(s.path(), &["validate", "c.yaml"]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(err.contains("error: `recipients.where` needs a CSV: it tests each row's columns"), "{err}");
    assert!(err.contains("or drop `where` and list only the numbers you mean"), "{err}");
}

// spawns: terminal output
#[test]
fn where_comparing_a_column_with_a_number_is_an_error_at_the_comparison() {
    // CSV cells are text: `age > 18` once kept every row and `age == 30` nobody, silently.
    let s = Scratch::new();
    s.write("data.csv", MARKET);
    for (condition, col, fix) in [
        ("age > 18", 11, "age | int > 18"),
        ("country == 'KE' and age == 30", 31, "age | int == 30"),
        ("18 <= age", 17, "18 <= age | int"),
        ("age >= 17.5", 11, "age | float >= 17.5"),
    ] {
        s.write("c.yaml", with_recipients("https://graph.facebook.com/v23.0", &format!("  where: \"{condition}\"\n")));
        let o = run(s.path(), &["validate", "c.yaml"]);
        assert_eq!(o.status.code(), Some(2), "{condition}: {}", stderr(&o));
        let err = stderr(&o);
        assert!(err.contains("error: `recipients.where` compares the column `age` with a number"), "{err}");
        assert!(err.contains(&format!("--> c.yaml:10:{col}")), "{condition}: {err}");
        assert!(err.contains(&format!("`{fix}`")), "{condition}: {err}");
    }
    // Converted, or compared with text, it is what the person meant.
    for condition in ["age | int > 18", "age == '30'", "age | float >= 17.5 and name != 'x'"] {
        s.write("c.yaml", with_recipients("https://graph.facebook.com/v23.0", &format!("  where: \"{condition}\"\n")));
        let o = run(s.path(), &["validate", "c.yaml"]);
        assert_eq!(o.status.code(), Some(0), "{condition}: {}", stderr(&o));
    }
}

// spawns: terminal output
#[test]
fn validate_says_how_many_rows_the_filter_kept_and_warns_when_it_keeps_all_or_none() {
    let s = Scratch::new();
    s.write("data.csv", MARKET);
    let validate = |condition: &str| {
        s.write("c.yaml", with_recipients("https://graph.facebook.com/v23.0", &format!("  where: \"{condition}\"\n")));
        run(s.path(), &["validate", "c.yaml"])
    };
    let o = validate("age | int >= 18");
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).contains("1 left out by the filter (it kept 4 of 5 rows)"), "{}", stdout(&o));
    assert!(!stderr(&o).contains("keeps every row"), "{}", stderr(&o));
    let o = validate("age | int >= 0");
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).contains("0 left out by the filter (it kept 5 of 5 rows)"), "{}", stdout(&o));
    let err = stderr(&o);
    assert!(err.contains("warning: `recipients.where` keeps every row (5 of 5)"), "{err}");
    assert!(err.contains("--> c.yaml:10:10"), "{err}");
    let o = validate("age | int > 100");
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("warning: `recipients.where` leaves out every row (5 of 5)"), "{}", stderr(&o));
    let o = run(s.path(), &["validate", "c.yaml", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(stdout(&o).trim()).unwrap();
    assert!(v["problems"].to_string().contains("leaves out every row"), "{v}");
}
