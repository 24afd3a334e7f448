//! `herald send --sandbox` and `herald sandbox` as processes: the fault flags, exit codes and
//! printed summaries of a rehearsal (the README's first command's funnel, the delivery gate),
//! and a busy port. Sends to the sandbox (every example, every
//! provider × message type, faults, a refused token, a provider stop in the reports) run
//! in-process in `session/sandbox.rs`, with the helpers here.

use crate::common::*;
use herald::providers::ProviderKind;
use herald::sandbox::{Config, Sandbox};

/// Runs `f` with a sandbox started on a runtime of its own.
pub(crate) fn with_sandbox<T>(config: Config, f: impl FnOnce(&Sandbox) -> T) -> T {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let sandbox = rt.block_on(Sandbox::start(config)).unwrap();
    let out = f(&sandbox);
    rt.block_on(sandbox.shutdown());
    out
}

const TOKEN_ENV: &str = "HERALD_TEST_TOKEN";

pub(crate) fn campaign(
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
pub(crate) fn message(t: &str) -> &'static str {
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
    assert!(!stderr(&refused).contains("is not set"), "no token is needed for the sandbox: {}", stderr(&refused));
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

// spawns: terminal output — the README's first command, with its receipts
#[test]
fn the_readme_s_first_command_prints_the_funnel_summary_json_tells() {
    let s = Scratch::new();
    let file = root().join("campaigns/spring-sale.cloud_api.yaml");
    let o = herald(s.path())
        .args(["send"])
        .arg(&file)
        .args(["--sandbox", "--yes", "--journal", "j.db", "--report", "out", "--receipt-delay", "50ms"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let printed = stdout(&o);
    let line = printed.lines().find(|l| l.starts_with("delivery: ")).unwrap_or_else(|| panic!("{printed}"));
    let d = &report_summary(&s)["delivery"];
    let (accepted, delivered, read, failed) = (
        d["accepted"].as_u64().unwrap(),
        d["delivered"].as_u64().unwrap(),
        d["read"].as_u64().unwrap(),
        d["failed"].as_u64().unwrap(),
    );
    assert!(accepted > 0 && delivered > 0, "{d:#}");
    assert!(line.starts_with(&format!("delivery: {accepted} accepted → {delivered} delivered (")), "{line}\n{d:#}");
    assert!(line.contains(&format!(" → {read} read (")) && line.contains(&format!("; {failed} failed (")), "{line}");
    assert_eq!(d["wait"]["ended"], "complete", "{d:#}");
}

// spawns: exit code — the delivery gate
#[test]
fn send_sandbox_below_min_delivered_exits_1_saying_too_few_were_delivered() {
    let s = Scratch::new();
    let list: Vec<String> = (0..100).map(|i| format!("+2547{:08}", 70_000_000 + i)).collect();
    s.write("c.yaml", campaign(kind("cloud_api"), "http://127.0.0.1:9", "1", &list, message("text"), "rate: 80/s"));
    let o = herald(s.path())
        .args(["send", "c.yaml", "--sandbox", "--yes", "--quiet", "--report", "out", "--journal", "j.db"])
        .args(["--receipt-delay", "50ms", "--min-delivered", "99%", "--async-fail-rate", "20%"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let d = &report_summary(&s)["delivery"];
    let (accepted, delivered) = (d["accepted"].as_u64().unwrap(), d["delivered"].as_u64().unwrap());
    assert!(delivered < accepted, "{d:#}");
    let share = delivered as f64 / accepted as f64 * 100.0;
    let exit = format!(
        "exit 1: {delivered} of {accepted} accepted messages ({share:.1}%) were reported delivered, below `delivery.min_delivered` (99.0%)"
    );
    assert!(stderr(&o).contains(&exit), "{}", stderr(&o));
    let md = std::fs::read_to_string(s.path().join("out/summary.md")).unwrap();
    let verdict = md.lines().find(|l| l.starts_with("> ")).unwrap_or_default();
    assert!(verdict.starts_with("> **Exit 1, too few delivered:**"), "{md}");
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

// spawns: terminal output
#[test]
fn with_webhooks_the_sandbox_says_where_it_posts_and_which_secret_is_missing() {
    let s = Scratch::new();
    let mut child = herald(s.path())
        .args(["sandbox", "--port", "0", "--quiet", "--webhooks", "http://127.0.0.1:9/", "--read-rate", "80%"])
        .args(["--webhooks", "http://127.0.0.1:10"])
        .env_remove("HERALD_CLOUD_API_APP_SECRET")
        .env("HERALD_WEBHOOK_SECRET", "s3cret")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let (warning, _) = await_line(&mut child, "warning:");
    terminate(&child);
    let out = child.wait_with_output().unwrap();
    assert_eq!(
        warning.trim_end(),
        "warning: $HERALD_CLOUD_API_APP_SECRET is not set: Cloud API receipts go unsigned, and a listener refuses them"
    );
    let banner = stdout(&out);
    let line = banner.lines().find(|l| l.trim_start().starts_with("receipts")).expect("a receipts line");
    let posts = "POST http://127.0.0.1:9/webhooks/<provider>, http://127.0.0.1:10/webhooks/<provider> (each event to one of them)";
    assert!(line.contains(&format!("{posts}; totals at GET http://127.0.0.1:")), "{line}");
    assert!(!banner.contains("s3cret"), "the secret is not printed");
    // A delay that is not one is refused before anything starts.
    let o = run(s.path(), &["sandbox", "--port", "0", "--webhooks", "http://x", "--receipt-delay", "soon"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("`soon` is not a time such as 2s, 500ms or 1m"), "{}", stderr(&o));
}

// spawns: exit code — a provider stop on a template the account lacks
#[test]
fn a_send_of_a_template_the_account_lacks_stops_at_the_first_answer() {
    let s = Scratch::new();
    let list: Vec<String> = (0..5).map(|i| format!("+2547123456{i:02}")).collect();
    let french = "  type: template\n  template: { name: vip_renewal, language: fr }";
    s.write("c.yaml", campaign(kind("cloud_api"), "http://127.0.0.1:9", "1", &list, french, "concurrency: 1"));
    let send = |extra: &[&str]| {
        let mut args = vec!["send", "c.yaml", "--sandbox", "--yes", "--no-receipts", "--report", "out"];
        args.extend_from_slice(extra);
        herald(s.path()).args(&args).output().unwrap()
    };
    let o = send(&[]);
    assert_eq!(o.status.code(), Some(3), "{}{}", stdout(&o), stderr(&o));
    let printed = stdout(&o) + &stderr(&o);
    assert!(printed.contains("132001") && printed.contains("does not exist in fr"), "{printed}");
    assert!(stdout(&o).contains("0 sent, 0 failed, 0 unknown, 5 skipped"), "{printed}");
    assert_eq!(report_summary(&s)["requests"], 1, "one request, then the stop: {printed}");
    // With a file, the account holds only its templates: `promo` is checked too, and passes
    // once the file holds it as sent.
    let promo = "  type: template\n  template: { name: promo, language: en, body: [\"{{ recipient }}\"] }";
    s.write("c.yaml", campaign(kind("cloud_api"), "http://127.0.0.1:9", "1", &list, promo, "concurrency: 1"));
    s.write("empty.json", "[]");
    let o = send(&["--templates", "empty.json", "--journal", "empty.db"]);
    assert_eq!(o.status.code(), Some(3), "{}{}", stdout(&o), stderr(&o));
    assert!((stdout(&o) + &stderr(&o)).contains("template name (promo) does not exist in en"), "{}", stdout(&o));
    s.write(
        "promo.json",
        r#"[{"name": "promo", "language": "en", "status": "APPROVED", "components": [{"type": "BODY", "text": "Hi {{1}}"}]}]"#,
    );
    let o = send(&["--templates", "promo.json", "--journal", "promo.db"]);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
}
