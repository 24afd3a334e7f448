//! A send's outcome through the session: every recipient once with a valid report, failures
//! above the threshold, a provider refusing auth. The exit codes as the shell sees them and the
//! prompt stay in `tests/send.rs`.

use super::*;

/// A cloud_api text campaign to `n` recipients (+254710000000 on).
fn campaign(n: usize, delivery: &str) -> String {
    let list: Vec<String> = (0..n).map(|i| format!("\"+2547{:08}\"", 10_000_000 + i)).collect();
    format!(
        "version: 1\nid: send-test\nprovider:\n  kind: cloud_api\n  base_url: http://127.0.0.1:9\n  token_env: WA_TOKEN\n  phone_number_id: \"42\"\nrecipients:\n  list: [{}]\nmessage:\n  type: text\n  text: \"Hello {{{{ recipient }}}}\"\ndelivery: {{ {delivery} }}\n",
        list.join(", ")
    )
}

/// Sends `campaign` in `s` to `memory`.
fn send(s: &Scratch, campaign: &str, memory: &Arc<Memory>) -> Ran {
    let p = crate::engine::plan(s, campaign);
    session(&p, options(s), memory, &Clock::system())
}

#[test]
fn sends_every_recipient_once_and_writes_a_valid_report() {
    let s = Scratch::new();
    let memory = Arc::new(Memory::new(|n, _| ok(n)));
    let ran = send(&s, &campaign(5, "rate: 100/s, concurrency: 3"), &memory);
    assert_eq!(ran.ended().exit_code(), 0);
    let seen = memory.received();
    assert_eq!(seen.len(), 5);
    assert!(seen.iter().all(|r| r.url == "http://127.0.0.1:9/42/messages"));
    assert!(seen.iter().all(|r| r.headers.contains(&("Authorization".into(), format!("Bearer {TOKEN}")))));
    let mut bodies: Vec<String> = seen.iter().map(|r| r.json()["text"]["body"].as_str().unwrap().to_string()).collect();
    bodies.sort();
    assert_eq!(bodies[0], "Hello +254710000000");
    let rows = report_rows(&s);
    assert_eq!(rows.len(), 5);
    assert!(rows.iter().all(|r| &r[2] == "sent" && r[3].starts_with("wamid.") && &r[7] == "1"));
    let summary = report_summary(&s);
    let schema: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(root().join("schemas/report.schema.json")).unwrap()).unwrap();
    let validator = jsonschema::draft202012::new(&schema).unwrap();
    assert!(validator.is_valid(&summary), "{summary:#}");
    assert_eq!(summary["counts"]["sent"], 5);
    assert!(
        ran.summaries[0]
            .starts_with("send-test via cloud_api: 5 sent, 0 failed, 0 unknown, 0 skipped; this run: 5 finished in "),
        "{}",
        ran.summaries[0]
    );
    for f in ["summary.md", "junit.xml"] {
        assert!(s.path().join("out").join(f).exists(), "{f}");
    }
}

#[test]
fn failures_above_the_threshold_exit_one() {
    let s = Scratch::new();
    let memory = Arc::new(Memory::new(|n, _| if n % 2 == 0 { meta_error(400, 131026) } else { ok(n) }));
    let ran = send(&s, &campaign(4, "rate: 100/s, concurrency: 1, max_failure_rate: 10%"), &memory);
    assert_eq!(ran.ended().exit_code(), 1, "{:?}", ran.events);
    assert_eq!(report_summary(&s)["exit_code"], 1);
}

#[test]
fn an_auth_failure_stops_the_campaign_at_once() {
    let s = Scratch::new();
    let memory = Arc::new(Memory::new(|_, _| meta_error(401, 190)));
    let ran = send(&s, &campaign(50, "rate: 100/s, concurrency: 2"), &memory);
    assert_eq!(ran.ended().exit_code(), 3, "{:?}", ran.events);
    let sent = memory.received().len();
    assert!(sent <= 2, "kept sending after the provider refused auth: {sent}");
    let rows = report_rows(&s);
    assert_eq!(rows.len(), 50);
    assert!(rows.iter().filter(|r| &r[2] == "skipped" && &r[5] == "not_sent").count() >= 48);
    assert!(ran.summaries[0].contains("stopped early: the provider refused (190)"), "{}", ran.summaries[0]);
    assert_eq!(report_summary(&s)["stopped"]["reason"], "provider");
}
