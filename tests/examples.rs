//! Every shipped example campaign validates, and previews exactly its golden requests.

use crate::common::*;

fn examples() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(root().join("campaigns"))
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n.ends_with(".yaml"))
        .collect();
    names.sort();
    names
}

#[test]
fn there_is_an_example_for_every_provider() {
    let names = examples().join(" ");
    for kind in ["communiktor", "evolution", "whautochat", "autokonnect", "flowiq", "cloud_api"] {
        assert!(names.contains(&format!(".{kind}.yaml")), "no example for {kind}: {names}");
    }
}

#[test]
fn every_example_validates() {
    for name in examples() {
        let o = run(&root(), &["validate", &format!("campaigns/{name}")]);
        assert_eq!(o.status.code(), Some(0), "{name}:\n{}", stderr(&o));
        assert!(stdout(&o).starts_with(&format!("ok: campaigns/{name}: ")), "{}", stdout(&o));
        assert!(!stderr(&o).contains("error"), "{name}: {}", stderr(&o));
    }
}

#[test]
fn every_example_previews_its_golden_requests() {
    for name in examples() {
        let o = run(&root(), &["preview", "--format", "json", &format!("campaigns/{name}")]);
        assert_eq!(o.status.code(), Some(0), "{name}:\n{}", stderr(&o));
        golden(&format!("preview/{}.jsonl", name.trim_end_matches(".yaml")), &stdout(&o));
    }
}
