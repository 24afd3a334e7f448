//! Bad input of every kind gets a clear message and never a panic.

use crate::common::*;

fn check(campaign: &str, csv: &[u8]) -> (Option<i32>, String, String) {
    let s = Scratch::new();
    s.write("data.csv", csv);
    s.write("c.yaml", campaign);
    let o = run(s.path(), &["validate", "c.yaml"]);
    let err = stderr(&o);
    assert!(!err.contains("panicked"), "{err}");
    (o.status.code(), stdout(&o), err)
}

const CSV: &[u8] = b"phone,name\n+254712345678,Jane\n";

// spawns: terminal output
#[test]
fn malformed_yaml_points_at_the_spot() {
    let (code, _, err) = check("version: 1\nid: [unclosed\n", CSV);
    assert_eq!(code, Some(2));
    assert!(err.contains("--> c.yaml:3:1") || err.contains("--> c.yaml:2:"), "{err}");
    let (code, _, err) = check("version: 1\nversion: 1\n", CSV);
    assert_eq!(code, Some(2));
    assert!(err.contains("this key appears twice") && err.contains("c.yaml:2:1"), "{err}");
    let (code, _, err) = check("", CSV);
    assert_eq!(code, Some(2));
    assert!(err.contains("the file is empty"), "{err}");
    let (code, _, err) = check("- just\n- a list\n", CSV);
    assert_eq!(code, Some(2));
    assert!(err.contains("must be a mapping, not a list"), "{err}");
}

// spawns: terminal output
#[test]
fn a_missing_or_binary_campaign_file_is_named() {
    let s = Scratch::new();
    let o = run(s.path(), &["validate", "nope.yaml"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("error: cannot read nope.yaml: no such file"));
    s.write("bin.yaml", b"\xff\xfe\x00binary");
    let o = run(s.path(), &["validate", "bin.yaml"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("bin.yaml is not valid UTF-8"));
}

// spawns: terminal output
#[test]
fn wrong_types_and_unknown_keys_are_explained() {
    let (code, _, err) = check(&CAMPAIGN.replace("phone_number_id: \"1234567890\"", "phone_number_id: [1]"), CSV);
    assert_eq!(code, Some(2));
    assert!(err.contains("`provider.phone_number_id` must be a whole number or a string, not a list"), "{err}");
    let (_, _, err) = check(&CAMPAIGN.replace("  default_country: KE", "  default_contry: KE"), CSV);
    assert!(
        err.contains("unknown key `default_contry` in `recipients`") && err.contains("did you mean `default_country`?"),
        "{err}"
    );
    let (_, _, err) = check(&CAMPAIGN.replace("version: 1", "version: 1\ntoken: abc"), CSV);
    assert!(err.contains("secrets do not belong in campaign files"), "{err}");
}

// spawns: terminal output
#[test]
fn missing_files_are_reported_at_the_key_naming_them() {
    let c = CAMPAIGN
        .replace("csv: data.csv", "csv: nope.csv\n  suppress: [gone.txt]")
        .replace("  text: \"Hi {{ name }}\"", "  text_file: none.j2");
    let (code, _, err) = check(&c, CSV);
    assert_eq!(code, Some(2));
    assert!(
        err.contains("cannot read ./nope.csv: no such file") || err.contains("cannot read nope.csv: no such file"),
        "{err}"
    );
    assert!(err.contains("gone.txt: no such file"), "{err}");
    let (_, _, err) = check(&CAMPAIGN.replace("  text: \"Hi {{ name }}\"", "  text_file: none.j2"), CSV);
    assert!(err.contains("none.j2: no such file") && err.contains("c.yaml:12:14"), "{err}");
    let (_, _, err) = check(&c, CSV);
    assert!(err.contains("c.yaml:13:14"), "{err}");
}

// spawns: terminal output
#[test]
fn csv_quirks_are_read_correctly() {
    let csv =
        "\u{feff}phone,name\r\n+254712345678,\"Doe, Jane\"\r\n\r\n+254712345679,\"two\r\nlines\"\r\n,\r\n,Bob\r\n";
    let (code, out, err) = check(CAMPAIGN, csv.as_bytes());
    assert_eq!(code, Some(0), "{err}");
    assert!(out.contains("2 recipients to send, 1 skipped (1 invalid"), "a row of commas is blank: {out}");
    assert!(err.contains("this row has no phone number; this recipient is skipped\n --> data.csv:7"), "{err}");
}

// spawns: terminal output
#[test]
fn ragged_and_non_utf8_rows_are_reported_by_line() {
    let mut csv = b"phone,name,extra\n+254712345678,Jane\n+254712345679,Bob,x,y\n".to_vec();
    csv.extend_from_slice(b"+254712345670,\xe9t\xe9,x\n");
    let (code, out, err) = check(CAMPAIGN, &csv);
    assert_eq!(code, Some(0), "{err}");
    assert!(err.contains("line 2 has 2 fields but the header has 3") && err.contains("data.csv:2"), "{err}");
    assert!(err.contains("line 3 has 4 fields but the header has 3"), "{err}");
    assert!(err.contains("line 4 is not valid UTF-8") && err.contains("data.csv:4"), "{err}");
    assert!(out.contains("2 recipients to send, 1 skipped (1 invalid"), "{out}");
    let (code, _, err) = check(CAMPAIGN, b"");
    assert_eq!(code, Some(2));
    assert!(err.contains("the file is empty"), "{err}");
}

// spawns: terminal output
#[test]
fn phone_numbers_in_every_shape() {
    let csv = "phone,name\n+254 712 345 678,a\n0712-345-679,b\n(0712) 345 670,c\n00254712345671,d\n0712345672,e\nCALL-ME,f\n12,g\n";
    let (code, out, err) = check(CAMPAIGN, csv.as_bytes());
    assert_eq!(code, Some(0), "{err}");
    assert!(out.contains("5 recipients to send, 2 skipped (2 invalid"), "{out}");
    assert!(err.contains("`CALL-ME` contains letters") && err.contains("data.csv:7"), "{err}");
    let (_, out, err) = check(&CAMPAIGN.replace("  default_country: KE\n", ""), csv.as_bytes());
    assert!(out.contains("2 recipients to send"), "{out}");
    assert!(err.contains("has no country code"), "{err}");
}

// spawns: terminal output
#[test]
fn a_hundred_thousand_rows_validate_and_problems_are_capped() {
    let mut csv = String::from("phone,name\n");
    for i in 0..100_000u32 {
        csv.push_str(&format!("+2547{:08},N{i}\n", 10_000_000 + i));
    }
    for i in 0..30 {
        csv.push_str(&format!("bad{i},x\n"));
    }
    let (code, out, err) = check(CAMPAIGN, csv.as_bytes());
    assert_eq!(code, Some(0), "{err}");
    assert!(out.contains("100000 recipients to send, 30 skipped (30 invalid"), "{out}");
    assert!(err.contains("… and 20 more like this (invalid phone numbers); run with --all-problems"), "{err}");
}

// spawns: terminal output
#[test]
fn absurd_delivery_values_are_errors_not_panics() {
    let (code, _, err) =
        check(&format!("{CAMPAIGN}delivery: {{ timeout: 99999999999999999999999s, rate: 1/h }}\n"), CSV);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("the timeout must be between 1ms and 1h"), "{err}");
    let (code, _, err) = check(&format!("{CAMPAIGN}delivery: {{ rate: 0.000000001 }}\n"), CSV);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("the rate must be between one a day"), "{err}");
}

// spawns: terminal output
#[test]
fn a_jitter_that_is_no_pause_is_pointed_at() {
    let (code, _, err) = check(&format!("{CAMPAIGN}delivery:\n  jitter: 8s..2s\n"), CSV);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("error: `8s..2s` runs backwards: write the shortest pause first"), "{err}");
    assert!(err.contains("--> c.yaml:14:11"), "{err}");
    let (code, _, err) = check(&format!("{CAMPAIGN}delivery:\n  jitter: a while\n"), CSV);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("`a while` is not a valid `delivery.jitter`") && err.contains("c.yaml:14:11"), "{err}");
    let (code, _, err) = check(&format!("{CAMPAIGN}delivery:\n  jitter: 2s..8s\n"), CSV);
    assert_eq!(code, Some(0), "{err}");
}

// spawns: terminal output
#[test]
fn plain_http_to_a_remote_host_is_an_error_unless_allowed() {
    let with =
        |url: &str| CAMPAIGN.replace("  token_env: WA_TOKEN", &format!("  base_url: {url}\n  token_env: WA_TOKEN"));
    for url in ["http://wa.example.com/v23.0", "http://10.0.0.1:8080"] {
        let (code, _, err) = check(&with(url), CSV);
        assert_eq!(code, Some(2), "{url}: {err}");
        assert!(err.contains("error: `base_url` uses http:// to a host other than this machine"), "{url}: {err}");
        assert!(err.contains("--> c.yaml:5:13") && err.contains("provider.allow_insecure: true"), "{url}: {err}");
    }
    // Not loopback in disguise: the host is wa.example.com, and the part before `@` a user name.
    let (code, _, err) = check(&with("http://127.0.0.1@wa.example.com"), CSV);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("error: `base_url` holds a user name or password"), "{err}");
    for url in
        ["http://127.0.0.1:8080", "http://127.9.9.9", "http://localhost:8080/x", "http://[::1]:80", "https://x.example"]
    {
        let (code, _, err) = check(&with(url), CSV);
        assert_eq!(code, Some(0), "{url}: {err}");
        assert!(!err.contains("unencrypted"), "{url}: {err}");
    }
    let allowed = with("http://wa.example.com").replace("  token_env:", "  allow_insecure: true\n  token_env:");
    let (code, _, err) = check(&allowed, CSV);
    assert_eq!(code, Some(0), "{err}");
    assert!(err.contains("warning: `base_url` uses http:// to a host other than this machine"), "{err}");
    assert!(err.contains("(allowed by `provider.allow_insecure`)"), "{err}");
    let needless = with("https://wa.example.com").replace("  token_env:", "  allow_insecure: true\n  token_env:");
    let (code, _, err) = check(&needless, CSV);
    assert_eq!(code, Some(0), "{err}");
    assert!(err.contains("warning: `allow_insecure` has no effect here"), "{err}");
}

// spawns: terminal output
#[test]
fn a_file_with_classic_mac_line_ends_points_at_the_right_line() {
    let (code, _, err) = check(&CAMPAIGN.replace('\n', "\r").replace("kind: cloud_api", "kind: nope"), CSV);
    assert_eq!(code, Some(2));
    assert!(err.contains("--> c.yaml:4:9\n  |\n4 |   kind: nope\n"), "{err}");
    assert!(!err.contains('\r'), "a CR echoed to the terminal rewrites the line: {err:?}");
}

// spawns: terminal output
#[test]
fn credentials_in_base_url_are_refused_without_being_echoed() {
    for url in ["https://user:Pa55w0rd@wa.example.com/v23.0", "https://wa.example.com/v23.0?key=Pa55w0rd"] {
        let c = CAMPAIGN.replace("  token_env: WA_TOKEN", &format!("  base_url: \"{url}\"\n  token_env: WA_TOKEN"));
        let (code, out, err) = check(&c, CSV);
        assert_eq!(code, Some(2), "{err}");
        assert!(err.contains("`base_url` holds a") && err.contains("--> c.yaml:5:13"), "{err}");
        assert!(!err.contains("Pa55w0rd") && !out.contains("Pa55w0rd"), "{err}");
    }
}

// spawns: terminal output
#[test]
fn when_every_row_is_invalid_each_still_gets_its_line_numbered_reason() {
    // Once only "no recipients to send to: 1 invalid" was said, whatever the flags.
    for (csv, reason) in [
        (&b"phone,name\n+254712345678,\xe9t\xe9\n"[..], "line 2 is not valid UTF-8"),
        (&b"phone,name\nabc,Jane\n\n+25471,Bob\n"[..], "`abc`"),
    ] {
        let s = Scratch::new();
        s.write("data.csv", csv);
        s.write("c.yaml", CAMPAIGN);
        for flags in [&[][..], &["--all-problems"]] {
            let o = run(s.path(), &[&["validate", "c.yaml"][..], flags].concat());
            assert_eq!(o.status.code(), Some(2));
            let err = stderr(&o);
            assert!(err.contains("no recipients to send to"), "{err}");
            assert!(err.contains(reason) && err.contains("--> data.csv:2"), "{err}");
        }
        let o = run(s.path(), &["validate", "c.yaml", "--format", "json"]);
        let v: serde_json::Value = serde_json::from_str(stdout(&o).trim()).unwrap();
        let problems = v["problems"].to_string();
        assert!(problems.contains(reason) && problems.contains("data.csv"), "{problems}");
        let o = run(s.path(), &["preview", "c.yaml"]);
        assert!(stderr(&o).contains(reason), "{}", stderr(&o));
    }
}

// spawns: terminal output
#[test]
fn a_header_only_csv_says_the_file_has_no_rows() {
    let (code, _, err) = check(CAMPAIGN, b"phone,name\n");
    assert_eq!(code, Some(2));
    assert!(err.contains("error: data.csv has no rows: only the header line"), "{err}");
    assert!(err.contains("--> c.yaml:8:8"), "{err}");
    assert!(!err.contains("no recipients to send to"), "{err}");
}
