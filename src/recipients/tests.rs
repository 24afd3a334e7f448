//! The scan with a `where` condition: rows judged on the workers come back in file order, with
//! the rows the condition cannot decide handed over by line, and left out.

use super::*;
use crate::campaign::model::CampaignDoc;
use crate::template::context::Shared;

/// A condition over a CSV with these headers.
fn condition(source: &str, headers: &[String]) -> Arc<Condition> {
    let campaign: CampaignDoc = serde_json::from_value(serde_json::json!({
        "version": 1, "id": "c", "provider": {"kind": "cloud_api", "token_env": "T"},
        "recipients": {"csv": "x.csv"}, "message": {"type": "text"}
    }))
    .unwrap();
    Arc::new(Condition::compile(source, Shared::new(&campaign, headers)).unwrap())
}

#[test]
fn the_condition_keeps_rows_over_many_chunks_and_reports_failures_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("x.csv");
    // Every row's age is its number; every 500th row's age is not a number.
    let mut text = String::from("phone,age,tags\n");
    for i in 0..3000u64 {
        let age = if i % 500 == 499 { "n/a".to_string() } else { (i % 100).to_string() };
        let tags = if i % 10 == 0 { "staff" } else { "" };
        text.push_str(&format!("+2547{:08},{age},{tags}\n", 10_000_000 + i));
    }
    std::fs::write(&path, text).unwrap();
    let headers: Arc<[String]> = Arc::from(["phone".to_string(), "age".into(), "tags".into()]);
    let mut filter = Filter::new(&[], &["staff".to_string()]);
    filter.condition = Some(condition("age | int >= 18", &headers));
    let source = Source::Csv { path, headers, phone: 0, tags: Some(2) };
    let mut failed = Vec::new();
    let audience =
        Audience::scan(source, Address::Phone, filter, None, &HashSet::new(), |line, why| failed.push((line, why)))
            .unwrap();
    let lines: Vec<u64> = failed.iter().map(|(line, _)| *line).collect();
    assert_eq!(lines, [501, 1001, 1501, 2001, 2501, 3001], "failures come by line, in file order");
    assert!(failed.iter().all(|(_, why)| matches!(why, ConditionError::Failed(_))));
    // Of each 100 rows, ages 18–99 pass, less the staff rows (ages 0, 10, …, 90: 8 of them ≥ 18).
    let n = audience.counts;
    assert_eq!((n.recipients, n.undecided), (30 * (82 - 8) - 6, 6));
    assert_eq!(n.filtered, 3000 - n.recipients - n.undecided);
    // Later passes read the verdicts back without evaluating anything again.
    let entries: Vec<Entry> = audience.entries().unwrap().map(Result::unwrap).collect();
    let kept = entries.iter().filter(|e| matches!(e, Entry::Recipient(_))).count();
    assert_eq!(kept, n.recipients);
    assert_eq!(entries.len(), 3000);
}
