//! The audience through the session: global opt-out lists (`$HERALD_SUPPRESS`, `--suppress`)
//! keep numbers out of the requests and show in the report as `suppressed`, `recipients.where`
//! sends to the rows it keeps, and an opted-out row is never rendered. What `validate` prints
//! and where a bad list or filter is pointed at stay in `tests/audience.rs`.

use super::*;
use crate::audience::{MARKET, PEOPLE, campaign, with_recipients};
use herald::plan::{NamedBy, OptOutList};

/// `c.yaml` in `s` validated with the global opt-out lists `opt_out` (as `(path, named by)`).
fn load(s: &Scratch, yaml: &str, opt_out: &[(&str, NamedBy)]) -> herald::plan::Validation {
    let path = s.write("c.yaml", yaml);
    let opt_out = opt_out.iter().map(|(p, by)| OptOutList { path: s.path().join(p), named_by: *by }).collect();
    plan::load(&path, PlanOptions { token: TokenCheck::Skip, opt_out, ..PlanOptions::default() })
}

/// The plan of a campaign that must be valid.
fn valid(v: herald::plan::Validation) -> Arc<Plan> {
    let plain = herald::diagnostic::Style { color: false };
    Arc::new(v.plan.unwrap_or_else(|| panic!("invalid test campaign: {}", v.diagnostics.render(plain))))
}

/// Sends `plan` in `s` to a provider that accepts everything; the numbers it got, sorted.
fn send(s: &Scratch, plan: &Arc<Plan>) -> Vec<String> {
    let memory = Arc::new(Memory::new(|n, _| ok(n)));
    assert_eq!(session(plan, options(s), &memory, &Clock::system()).ended().exit_code(), 0);
    let mut sent = numbers(&memory);
    sent.sort();
    sent
}

/// `(phone, status, error_code)` of every row of `out/results.csv`, sorted.
fn results(s: &Scratch) -> Vec<(String, String, String)> {
    let mut r = csv::Reader::from_path(s.path().join("out/results.csv")).unwrap();
    let mut rows: Vec<_> =
        r.records().map(Result::unwrap).map(|r| (r[0].to_string(), r[2].to_string(), r[5].to_string())).collect();
    rows.sort();
    rows
}

#[test]
fn global_opt_out_lists_from_the_environment_and_the_flag_both_keep_numbers_out() {
    let s = Scratch::new();
    s.write("data.csv", PEOPLE);
    s.write("lists/company.txt", "# the company-wide opt-outs\n+254712345679\n");
    s.write("crm.csv", "name,phone\nAnn,+254712345670\n");
    let lists = [("lists/company.txt", NamedBy::Env), ("crm.csv", NamedBy::Flag)];
    let plan = valid(load(&s, &campaign("http://127.0.0.1:9"), &lists));
    assert_eq!(send(&s, &plan), ["+254712345678"]);
    assert_eq!(
        results(&s),
        [
            ("+254712345670".into(), "skipped".into(), "suppressed".into()),
            ("+254712345678".into(), "sent".into(), String::new()),
            ("+254712345679".into(), "skipped".into(), "suppressed".into()),
        ]
    );
    // `report` plans the same audience when given the same lists.
    let rows = report(&plan, Location::from(&s.path().join("journal.db")), &s.path().join("rebuilt"));
    assert_eq!(rows.iter().filter(|r| &r[2] == "skipped" && &r[5] == "suppressed").count(), 2, "{rows:?}");
}

#[test]
fn where_keeps_the_rows_it_holds_for_and_combines_with_tags() {
    let s = Scratch::new();
    s.write("data.csv", MARKET);
    let lines = "  where: \"country | upper == market and age | int >= 18\"\n  tags: [vip]\n";
    let yaml = with_recipients("http://127.0.0.1:9", lines).replace("message:", "vars: { market: KE }\nmessage:");
    let plan = valid(load(&s, &yaml, &[]));
    let kept = "2 recipients to send, 0 skipped (0 invalid, 0 duplicate, 0 suppressed), 3 left out by the filter";
    assert!(plan.summary().contains(kept), "{}", plan.summary());
    assert_eq!(send(&s, &plan), ["+254712345672", "+254712345678"]);
    // Rows the filter leaves out are nobody's: not in the report.
    assert_eq!(results(&s).len(), 2);
}

#[test]
fn an_opted_out_row_is_never_rendered_so_its_broken_cells_cannot_fail_the_campaign() {
    let s = Scratch::new();
    // Joe's name is empty: rendering "Hi {{ name }}" for him would be an error.
    s.write("data.csv", "phone,name\n+254712345678,Jane\n+254712345679,\n");
    s.write("optout.txt", "+254712345679\n");
    let yaml = campaign("http://127.0.0.1:9");
    assert!(load(&s, &yaml, &[]).plan.is_none(), "without the list, Joe's row is rendered and fails");
    let plan = valid(load(&s, &yaml, &[("optout.txt", NamedBy::Flag)]));
    assert_eq!(send(&s, &plan), ["+254712345678"]);
}
