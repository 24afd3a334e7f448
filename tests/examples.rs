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
    for kind in herald::providers::ProviderKind::ALL {
        assert!(names.contains(&format!(".{kind}.yaml")), "no example for {kind}: {names}");
    }
}

// spawns: terminal output
#[test]
fn every_example_validates() {
    for name in examples() {
        let o = run(&root(), &["validate", &format!("campaigns/{name}")]);
        assert_eq!(o.status.code(), Some(0), "{name}:\n{}", stderr(&o));
        assert!(stdout(&o).starts_with(&format!("ok: campaigns/{name}: ")), "{}", stdout(&o));
        assert!(!stderr(&o).contains("error"), "{name}: {}", stderr(&o));
    }
}

// spawns: terminal output
#[test]
fn the_cloud_api_example_shows_its_cost_from_a_rate_card() {
    let o = herald(&root())
        .args(["validate", "campaigns/renewal.cloud_api.yaml"])
        .env("HERALD_RATE_CARD", "tests/fixtures/meta-rates-usd.csv")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        stdout(&o).contains(
            "\nestimate: campaigns/renewal.cloud_api.yaml costs at most 0.008 USD: 2 utility messages to KE at 0.004 \
             (an upper bound: Meta bills only delivered messages; utility messages to recipients with an open \
             customer service window are free)\n"
        ),
        "{}",
        stdout(&o)
    );
}

// spawns: terminal output
#[test]
fn every_example_previews_its_golden_requests() {
    for name in examples() {
        let o = run(&root(), &["preview", "--format", "json", &format!("campaigns/{name}")]);
        assert_eq!(o.status.code(), Some(0), "{name}:\n{}", stderr(&o));
        golden(&format!("preview/{}.jsonl", name.trim_end_matches(".yaml")), &stdout(&o));
    }
}

// spawns: exit code — each example as the docs run it, a rehearsal then a send to the sandbox
#[test]
fn every_example_sends_to_the_sandbox() {
    let s = Scratch::new();
    for name in examples() {
        let file = root().join("campaigns").join(&name);
        let journal = s.path().join(format!("{name}.db"));
        let dry = herald(s.path()).arg("send").arg(&file).args(["--sandbox", "--dry-run"]).output().unwrap();
        assert_eq!(dry.status.code(), Some(0), "{name} --dry-run:\n{}", stderr(&dry));
        let sent = herald(s.path())
            .arg("send")
            .arg(&file)
            .args(["--sandbox", "--yes", "--quiet", "--receipt-delay", "50ms", "--journal"])
            .arg(&journal)
            .arg("--report")
            .arg(s.path().join(&name))
            .output()
            .unwrap();
        assert_eq!(sent.status.code(), Some(0), "{name} --yes:\n{}", stderr(&sent));
    }
}

#[test]
fn the_shipped_campaign_schema_lists_every_registered_provider() {
    // Editors read the checked-in file; herald builds its provider parts from the registry.
    let path = root().join("schemas/campaign.schema.json");
    let shipped = std::fs::read_to_string(&path).unwrap();
    let value: serde_json::Value = serde_json::from_str(&shipped).unwrap();
    let current = serde_json::to_string_pretty(&herald::providers::schema::with_provider_parts(value)).unwrap() + "\n";
    if std::env::var_os("HERALD_BLESS").is_some() {
        std::fs::write(&path, &current).unwrap();
        return;
    }
    assert!(
        shipped == current,
        "schemas/campaign.schema.json's provider parts differ from the registry: \
         rewrite it with `HERALD_BLESS=1 cargo test --test integration examples`"
    );
}
