//! `herald send` against the built-in sandbox: every example, every provider × message type,
//! and a faulty run that still reaches every recipient exactly once.

use crate::common::*;
use herald::providers::ProviderKind;
use herald::sandbox::{Config, Sandbox, token};
use std::collections::HashMap;

/// Runs `f` with a sandbox started on a runtime of its own.
fn with_sandbox<T>(config: Config, f: impl FnOnce(&Sandbox) -> T) -> T {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let sandbox = rt.block_on(Sandbox::start(config)).unwrap();
    let out = f(&sandbox);
    rt.block_on(sandbox.shutdown());
    out
}

const TOKEN_ENV: &str = "HERALD_TEST_TOKEN";

fn campaign(
    kind: ProviderKind,
    base_url: &str,
    account: &str,
    list: &[String],
    message: &str,
    delivery: &str,
) -> String {
    let key = kind.provider().account_key();
    format!(
        "version: 1\nid: sandbox-test\nprovider:\n  kind: {kind}\n  base_url: {base_url}\n  token_env: {TOKEN_ENV}\n  {key}: \"{account}\"\nrecipients:\n  list: [{}]\nmessage:\n{message}\ndelivery: {{ {delivery} }}\n",
        list.iter().map(|p| format!("\"{p}\"")).collect::<Vec<_>>().join(", ")
    )
}

/// A message block per type, valid for every provider that supports the type.
fn message(t: &str) -> &'static str {
    match t {
        "text" => "  type: text\n  text: \"Hi {{ recipient }} — \\\"quoted\\\" {{ campaign.id }}\"",
        "image" => "  type: image\n  media: { url: \"https://cdn.example.com/a.jpg\", caption: Look }",
        "video" => "  type: video\n  media: { url: \"https://cdn.example.com/a.mp4\", caption: Watch }",
        "audio" => "  type: audio\n  media: { url: \"https://cdn.example.com/a.mp3\" }",
        "voice" => "  type: voice\n  media: { url: \"https://cdn.example.com/a.ogg\" }",
        "document" => {
            "  type: document\n  media: { url: \"https://cdn.example.com/a.pdf\", caption: Invoice, filename: a.pdf }"
        }
        "location" => {
            "  type: location\n  location: { latitude: -1.28, longitude: 36.82, name: Shop, address: Main St }"
        }
        "contact" => {
            "  type: contact\n  contact: { full_name: Ann Doe, first_name: Ann, last_name: Doe, phone: \"+254712000000\" }"
        }
        "template" => "  type: template\n  template: { name: promo, id: 42, language: en_US }",
        "interactive" => {
            "  type: interactive\n  interactive:\n    header: Hello\n    body: Pick one\n    footer: Thanks\n    buttons: [{ id: a, title: Yes }, { id: b, title: No }]"
        }
        "sticker" => "  type: sticker\n  media: { url: \"https://cdn.example.com/s.webp\" }",
        "poll" => "  type: poll\n  poll: { name: Lunch?, options: [Rice, Ugali, Chapati], selectable_count: 1 }",
        "reaction" => "  type: reaction\n  reaction: { message_id: wamid.ABC, emoji: \"👍\" }",
        other => panic!("{other}"),
    }
}

// spawns: exit code
#[test]
fn every_example_sends_through_the_sandbox() {
    for entry in std::fs::read_dir(root().join("campaigns")).unwrap() {
        let name = entry.unwrap().file_name().into_string().unwrap();
        if !name.ends_with(".yaml") {
            continue;
        }
        let out = Scratch::new();
        let report = out.path().join("r");
        // A journal of its own: the test must leave no state in the source tree.
        let journal = out.path().join("j.db");
        let args = ["--sandbox", "--yes", "--report", report.to_str().unwrap(), "--journal", journal.to_str().unwrap()];
        let o = herald(&root()).arg("send").arg(format!("campaigns/{name}")).args(args).output().unwrap();
        assert_eq!(o.status.code(), Some(0), "{name}: {}", stderr(&o));
        let summary: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(report.join("summary.json")).unwrap()).unwrap();
        assert_eq!(summary["mode"], "sandbox");
        assert_eq!(summary["counts"]["failed"], 0, "{name}: {summary:#}");
        assert!(summary["counts"]["sent"].as_u64().unwrap() >= 1, "{name}");
        assert!(!stderr(&o).contains("is not set"), "no token is needed for the sandbox: {}", stderr(&o));
    }
}

// spawns: exit code
#[test]
fn every_provider_and_message_type_is_accepted() {
    let recipient = "+254712345678".to_string();
    with_sandbox(Config::default(), |sandbox| {
        let mut expected = 0;
        for &kind in ProviderKind::ALL {
            for t in herald::message::MessageType::ALL {
                if !kind.provider().supports(t) {
                    continue;
                }
                let s = Scratch::new();
                let msg = message(t.as_str());
                s.write(
                    "c.yaml",
                    campaign(
                        kind,
                        &sandbox.base_url(kind),
                        "acct-1",
                        std::slice::from_ref(&recipient),
                        msg,
                        "rate: 100/s",
                    ),
                );
                let o = herald(s.path())
                    .args(["send", "c.yaml", "--yes", "--report", "r"])
                    .env(TOKEN_ENV, token(kind))
                    .output()
                    .unwrap();
                assert_eq!(o.status.code(), Some(0), "{kind} × {t}: {}{}", stdout(&o), stderr(&o));
                expected += 1;
                assert_eq!(sandbox.accepted().len(), expected, "{kind} × {t} not accepted: {}", stdout(&o));
            }
        }
    });
}

// spawns: exit code
#[test]
fn a_faulty_provider_still_gets_every_message_exactly_once() {
    let list: Vec<String> = (0..200).map(|i| format!("+2547{:08}", 20_000_000 + i)).collect();
    let config = Config { fail_rate: 0.10, throttle_rate: 0.05, retry_after_secs: 0, seed: 7, ..Config::default() };
    with_sandbox(config, |sandbox| {
        let kind = kind("cloud_api");
        let s = Scratch::new();
        let delivery = "rate: 500/s, concurrency: 8, max_attempts: 8";
        s.write("c.yaml", campaign(kind, &sandbox.base_url(kind), "99", &list, message("text"), delivery));
        let o = herald(s.path())
            .args(["send", "c.yaml", "--yes", "--report", "r"])
            .env(TOKEN_ENV, token(kind))
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
        let mut per_recipient: HashMap<String, usize> = HashMap::new();
        for a in sandbox.accepted() {
            *per_recipient.entry(a.recipient).or_default() += 1;
        }
        assert_eq!(per_recipient.len(), 200, "someone was never reached");
        assert!(per_recipient.values().all(|n| *n == 1), "someone got two messages");
        let stats = sandbox.stats();
        assert!(stats.faults > 0, "the run met no faults: {stats:?}");
        let summary: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(s.path().join("r/summary.json")).unwrap()).unwrap();
        assert_eq!(summary["counts"]["sent"], 200);
        assert!(summary["requests"].as_u64().unwrap() > 200, "no retries happened");
    });
}

// spawns: exit code
#[test]
fn the_sandbox_refusing_auth_stops_the_run_with_exit_three() {
    with_sandbox(Config { reject_auth: true, ..Config::default() }, |sandbox| {
        let kind = kind("evolution");
        let list: Vec<String> = (0..20).map(|i| format!("+2547{:08}", 30_000_000 + i)).collect();
        let s = Scratch::new();
        s.write(
            "c.yaml",
            campaign(kind, &sandbox.base_url(kind), "inst", &list, message("text"), "rate: 100/s, concurrency: 2"),
        );
        let o = herald(s.path())
            .args(["send", "c.yaml", "--yes", "--report", "r"])
            .env(TOKEN_ENV, token(kind))
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(3), "{}{}", stdout(&o), stderr(&o));
        assert!(sandbox.stats().received <= 2, "{:?}", sandbox.stats());
    });
}

// spawns: exit code
#[test]
fn send_sandbox_rehearses_failure_paths_from_the_command_line() {
    let s = Scratch::new();
    let list: Vec<String> = (0..6).map(|i| format!("+2547123456{i:02}")).collect();
    s.write("c.yaml", campaign(kind("cloud_api"), "http://127.0.0.1:9", "1", &list, message("text"), "rate: 100/s"));
    let send = |extra: &[&str]| {
        let mut args = vec!["send", "c.yaml", "--sandbox", "--yes", "--quiet", "--report", "out", "--journal", "j.db"];
        args.extend_from_slice(extra);
        herald(s.path()).args(&args).output().unwrap()
    };
    let refused = send(&["--refuse-rate", "100%"]);
    assert_eq!(refused.status.code(), Some(1), "{}", stderr(&refused));
    assert!(stdout(&refused).contains("failed 131026 ×6"), "{}", stdout(&refused));
    let s2 = Scratch::new();
    s2.write("c.yaml", std::fs::read_to_string(s.path().join("c.yaml")).unwrap());
    let auth = herald(s2.path())
        .args(["send", "c.yaml", "--sandbox", "--yes", "--quiet", "--report", "out", "--reject-auth"])
        .output()
        .unwrap();
    assert_eq!(auth.status.code(), Some(3), "{}", stderr(&auth));
    assert!(stdout(&auth).contains("skipped not_sent ×6"), "{}", stdout(&auth));
    let nowhere = herald(s2.path()).args(["send", "c.yaml", "--yes", "--fail-rate", "10%"]).output().unwrap();
    assert_eq!(nowhere.status.code(), Some(2));
    assert!(stderr(&nowhere).contains("only apply with --sandbox"), "{}", stderr(&nowhere));
}

// spawns: terminal output
#[test]
fn a_busy_port_says_to_pick_another_or_port_zero() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    let o = run(&root(), &["sandbox", "--quiet", "--port", &port]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    let first = format!("error: cannot start the sandbox: port {port} on 127.0.0.1 is already in use\n");
    assert!(err.starts_with(&first), "{err}");
    assert!(
        err.contains("= help: pass --port 0 to take any free port (the addresses are printed), or another --port"),
        "{err}"
    );
}

// spawns: exit code
#[test]
fn a_provider_stop_fails_the_junit_report_and_leads_the_markdown() {
    let s = Scratch::new();
    let list: Vec<String> = (0..5).map(|i| format!("+2547123456{i:02}")).collect();
    s.write("c.yaml", campaign(kind("cloud_api"), "http://127.0.0.1:9", "1", &list, message("text"), "rate: 100/s"));
    let o = herald(s.path())
        .args(["send", "c.yaml", "--sandbox", "--yes", "--quiet", "--report", "out", "--reject-auth"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("this run sent nothing: the run stopped (the provider refused (190): "),
        "why nothing was sent: {}",
        stdout(&o)
    );
    let junit = std::fs::read_to_string(s.path().join("out/junit.xml")).unwrap();
    assert!(junit.contains("<testsuites name=\"herald\" tests=\"3\" failures=\"1\" skipped=\"1\""), "{junit}");
    assert!(
        junit.contains(
            "<testcase classname=\"sandbox-test\" name=\"run outcome\">\n      <failure message=\"exit 3, stopped by the provider: the provider refused (190): "
        ),
        "{junit}"
    );
    assert!(junit.contains("to do: fix what the provider refused (the key in `HERALD_TEST_TOKEN`"), "{junit}");
    let md = std::fs::read_to_string(s.path().join("out/summary.md")).unwrap();
    assert!(
        md.lines()
            .nth(2)
            .unwrap_or_default()
            .starts_with("> **Exit 3, stopped by the provider:** the provider refused (190)"),
        "{md}"
    );
}
