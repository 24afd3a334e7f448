//! Hostile campaign files, as a pull request could bring them: files named outside the
//! repository, YAML bombs, huge CSV fields and runaway templates. Each is a clear error, quickly,
//! never a panic. Every input is generated here, in a temp folder.

use crate::common::*;

/// A scratch folder holding a repository (`repo/`, with a `.git` folder) with the campaign in
/// `repo/campaigns/`, its recipients in `repo/data.csv`, and a file outside the repository.
fn repository(campaign: &str) -> Scratch {
    let s = Scratch::new();
    s.write("repo/.git/HEAD", "ref: refs/heads/main\n");
    s.write("repo/data.csv", "phone,name\n+254712345678,Jane\n");
    s.write("repo/campaigns/c.yaml", campaign);
    s.write("outside.csv", "phone,name\n+254712345679,Bob\n");
    s
}

fn validate(s: &Scratch, args: &[&str]) -> (Option<i32>, String, String) {
    let o = run(s.path(), &[&["validate", "repo/campaigns/c.yaml"], args].concat());
    let err = stderr(&o);
    assert!(!err.contains("panicked"), "{err}");
    (o.status.code(), stdout(&o), err)
}

// spawns: terminal output
#[test]
fn a_campaign_names_files_anywhere_in_its_repository_and_nowhere_else() {
    let inside = CAMPAIGN.replace("csv: data.csv", "csv: ../data.csv");
    let (code, _, err) = validate(&repository(&inside), &[]);
    assert_eq!(code, Some(0), "{err}");

    let c = inside
        .replace("csv: ../data.csv", "csv: ../../outside.csv\n  suppress: [../../outside.csv]")
        .replace("  text: \"Hi {{ name }}\"", "  text_file: ../../../../../../../../etc/passwd");
    let s = repository(&c);
    let (code, _, err) = validate(&s, &[]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("error: `../../outside.csv` is outside the campaign's repository ("), "{err}");
    assert!(err.contains("--> repo/campaigns/c.yaml:8:8"), "{err}");
    assert!(err.contains("--> repo/campaigns/c.yaml:9:14"), "{err}");
    assert!(err.contains("error: `../../../../../../../../etc/passwd` is outside the campaign's repository"), "{err}");
    assert!(err.contains("leads to /etc/passwd") && err.contains("--> repo/campaigns/c.yaml:13:14"), "{err}");
    assert!(err.contains("allow another tree with --file-root DIR"), "{err}");
    assert!(!err.contains("root:x:0"), "nothing of the file is shown: {err}");

    // The operator may allow a wider tree.
    let c = inside.replace("csv: ../data.csv", "csv: ../../outside.csv");
    let s = repository(&c);
    assert_eq!(validate(&s, &[]).0, Some(2));
    let (code, _, err) = validate(&s, &["--file-root", "."]);
    assert_eq!(code, Some(0), "{err}");
    let (code, _, err) = validate(&s, &["--file-root", "nope"]);
    assert_eq!(code, Some(2));
    assert!(err.contains("error: cannot use --file-root nope: no such file"), "{err}");
}

// spawns: terminal output
#[test]
fn a_missing_file_outside_is_still_just_missing_and_global_lists_are_the_operators() {
    let c = CAMPAIGN.replace("csv: data.csv", "csv: ../../gone.csv");
    let (code, _, err) = validate(&repository(&c), &["--suppress", "outside.csv"]);
    assert_eq!(code, Some(2));
    assert!(err.contains("gone.csv: no such file") && !err.contains("is outside"), "{err}");
    let c = CAMPAIGN.replace("csv: data.csv", "csv: ../data.csv");
    let (code, out, err) = validate(&repository(&c), &["--suppress", "outside.csv"]);
    assert_eq!(code, Some(0), "an opt-out list from the command line may lie anywhere: {err}");
    assert!(out.contains("1 recipient to send"), "{out}");
}

#[cfg(unix)]
// spawns: terminal output
#[test]
fn a_link_that_leads_out_of_the_repository_is_refused() {
    let c = CAMPAIGN.replace("csv: data.csv", "csv: link.csv");
    let s = repository(&c);
    std::os::unix::fs::symlink(s.path().join("outside.csv"), s.path().join("repo/campaigns/link.csv")).unwrap();
    let (code, _, err) = validate(&s, &[]);
    assert_eq!(code, Some(2));
    assert!(err.contains("`link.csv` is outside the campaign's repository"), "{err}");
    assert!(err.contains("leads to ") && err.contains("outside.csv"), "{err}");
}

// spawns: terminal output
#[test]
fn without_a_repository_the_campaigns_folder_is_the_root() {
    let s = Scratch::new();
    let above = s.path().ancestors().find(|d| d.join(".git").exists());
    assert!(above.is_none(), "the temp folder must lie outside any git work tree, not in {above:?}");
    s.write("c/c.yaml", CAMPAIGN.replace("csv: data.csv", "csv: ../data.csv"));
    s.write("data.csv", "phone,name\n+254712345678,Jane\n");
    let o = run(s.path(), &["preview", "c/c.yaml"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("`../data.csv` is outside the campaign's folder ("), "{}", stderr(&o));
    let o = run(s.path(), &["preview", "c/c.yaml", "--file-root", "."]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
}

/// Validates `campaign` over `csv` in a scratch folder, asserting it ends within seconds.
fn validate_quickly(campaign: &str, csv: &[u8]) -> (Option<i32>, String, String) {
    let s = Scratch::new();
    s.write("data.csv", csv);
    s.write("c.yaml", campaign);
    let started = std::time::Instant::now();
    let o = run(s.path(), &["validate", "c.yaml"]);
    assert!(started.elapsed() < std::time::Duration::from_secs(20), "took {:?}", started.elapsed());
    let err = stderr(&o);
    assert!(!err.contains("panicked") && !err.contains("overflow"), "{err}");
    (o.status.code(), stdout(&o), err)
}

const CSV: &[u8] = b"phone,name\n+254712345678,Jane\n";

// spawns: terminal output
#[test]
fn yaml_alias_bombs_and_deep_nesting_are_refused() {
    let mut bomb = format!("{CAMPAIGN}vars:\n  a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
    for i in 1..10 {
        bomb.push_str(&format!("  a{i}: &a{i} [{}]\n", vec![format!("*a{}", i - 1); 10].join(", ")));
    }
    let (code, _, err) = validate_quickly(&bomb, CSV);
    assert_eq!(code, Some(2));
    assert!(err.contains("possible billion-laughs attack") && err.contains("--> c.yaml:"), "{err}");

    let deep = format!("{CAMPAIGN}vars:\n  x:\n    {}1\n", "- ".repeat(20_000));
    let (code, _, err) = validate_quickly(&deep, CSV);
    assert_eq!(code, Some(2));
    assert!(err.contains("more than 64 levels deep") && err.contains("--> c.yaml:15:"), "{err}");
    let flow = format!("{CAMPAIGN}vars: {{x: {}{}}}\n", "[".repeat(20_000), "]".repeat(20_000));
    let (code, _, err) = validate_quickly(&flow, CSV);
    assert_eq!(code, Some(2));
    assert!(err.contains("--> c.yaml:13:"), "{err}");
}

// spawns: terminal output
#[test]
fn a_60_mb_csv_field_is_refused_without_reading_it_whole() {
    let mut csv = b"phone,name\n+254712345678,Jane\n+254712345679,\"".to_vec();
    csv.resize(csv.len() + (60 << 20), b'x');
    let (code, _, err) = validate_quickly(CAMPAIGN, &csv);
    assert_eq!(code, Some(2));
    assert!(err.contains("the record starting on line 3 is longer than 1 MiB"), "{err}");
    assert!(err.contains("--> c.yaml:8:8"), "{err}");
}

// spawns: terminal output
#[test]
fn templates_that_run_forever_or_grow_huge_are_stopped() {
    let forever = "{% for a in range(100000) %}{% for b in range(100000) %}{% endfor %}{% endfor %}Hi";
    let (code, _, err) = validate_quickly(&CAMPAIGN.replace("Hi {{ name }}", forever), CSV);
    assert_eq!(code, Some(2));
    assert!(
        err.contains("`message.text` cannot be rendered for line 2 of data.csv: it takes more than 1000000 steps"),
        "{err}"
    );
    let huge = "{% for a in range(100000) %}{{ 'x' * 100000 }}{% endfor %}";
    let (code, _, err) = validate_quickly(&CAMPAIGN.replace("Hi {{ name }}", huge), CSV);
    assert_eq!(code, Some(2));
    assert!(err.contains("cannot be rendered for line 2 of data.csv: it renders to more than 256 KiB"), "{err}");
}

// spawns: terminal output
#[test]
fn media_links_are_checked_per_recipient_after_rendering() {
    let c =
        CAMPAIGN.replace("  type: text\n  text: \"Hi {{ name }}\"", "  type: image\n  media: {url: \"{{ link }}\"}");
    let csv = b"phone,link\n+254712345678,https://cdn.example/a.jpg\n+254712345679,file:///etc/passwd\n";
    let (code, _, err) = validate_quickly(&c, csv);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("the media URL `file:///etc/passwd` is not an http:// or https:// address"), "{err}");
    assert!(err.contains("(line 3 of data.csv)") && err.contains("--> c.yaml:12:"), "{err}");
}

// spawns: terminal output
#[test]
fn a_huge_campaign_file_or_text_file_is_refused() {
    let big = format!("{CAMPAIGN}vars:\n  pad: \"{}\"\n", "x".repeat(5 << 20));
    let (code, _, err) = validate_quickly(&big, CSV);
    assert_eq!(code, Some(2));
    assert!(err.contains("error: c.yaml is larger than 4 MiB"), "{err}");
    let s = Scratch::new();
    s.write("data.csv", CSV);
    s.write("t.txt", "x".repeat(2 << 20));
    s.write("c.yaml", CAMPAIGN.replace("  text: \"Hi {{ name }}\"", "  text_file: t.txt"));
    let o = run(s.path(), &["validate", "c.yaml"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("t.txt is larger than 1 MiB") && stderr(&o).contains("--> c.yaml:12:14"),
        "{}",
        stderr(&o)
    );
}
