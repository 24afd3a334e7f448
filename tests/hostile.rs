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
