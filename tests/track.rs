//! `herald track` through the real binary: messages sent to a `herald sandbox` process are
//! polled until every one has its final receipt, the funnel printed, nothing polled twice once
//! final, and the token never shown; a provider with no status endpoint is refused with the
//! way it does report statuses.

use crate::common::*;
use crate::postgres::campaign;
use std::time::{Duration, Instant};

const TOKEN: &str = "EAASandboxCloudApiToken";

fn track(dir: &Scratch, args: &[&str]) -> std::process::Output {
    herald(dir.path()).args(["track", "c.yaml"]).args(args).env("WA_TOKEN", TOKEN).output().unwrap()
}

// spawns: terminal output
#[test]
fn track_polls_the_sandbox_until_every_accepted_message_has_its_final_receipt() {
    let s = Scratch::new();
    let server = sandbox_server(&s, &["--receipt-delay", "200ms", "--async-fail-rate", "30%"]);
    campaign(&s, &server.url, 20, "{ rate: 500/s }");
    let sent = herald(s.path()).args(["send", "c.yaml", "--yes", "--quiet"]).env("WA_TOKEN", TOKEN).output().unwrap();
    assert_eq!(sent.status.code(), Some(0), "{}", stderr(&sent));
    // A provider refusing the polls themselves stops them, exit 3.
    let refusing = sandbox_server(&s, &["--reject-auth"]);
    let yaml = std::fs::read_to_string(s.path().join("c.yaml")).unwrap();
    s.write("c.yaml", yaml.replace(&server.url, &refusing.url));
    let refused = track(&s, &[]);
    assert_eq!(refused.status.code(), Some(3), "{}", stderr(&refused));
    assert!(stderr(&refused).contains("error: The Cloud API refused the status polls: "), "{}", stderr(&refused));
    s.write("c.yaml", yaml);
    let funnel = |o: &std::process::Output| -> serde_json::Value {
        assert_eq!(o.status.code(), Some(0), "{}", stderr(o));
        serde_json::from_slice(&o.stdout).unwrap()
    };
    // The sandbox's receipts come within three times its delay; poll until they all have.
    let deadline = Instant::now() + Duration::from_secs(20);
    let last = loop {
        let polled = track(&s, &["--format", "json"]);
        let json = funnel(&polled);
        assert!(stderr(&polled).contains("polled"), "a progress line: {}", stderr(&polled));
        if json["delivery"]["no_receipt"] == 0 || Instant::now() > deadline {
            break json;
        }
        std::thread::sleep(Duration::from_millis(500));
    };
    let d = &last["delivery"];
    assert_eq!((d["accepted"].as_u64(), d["no_receipt"].as_u64()), (Some(20), Some(0)), "{last}");
    assert_eq!(d["delivered"].as_u64().unwrap() + d["failed"].as_u64().unwrap(), 20, "{last}");
    // Meta's message history words a failure but gives it no code.
    assert!(d["failed"].as_u64() > Some(0), "{last}");
    let words = d["failures"][""]["error"].as_str().unwrap_or_default();
    assert!(words == "Message undeliverable" || words.contains("ecosystem"), "{last}");
    let again = track(&s, &["--format", "json"]);
    assert_eq!(funnel(&again)["polled"], 0, "final messages are not polled again");
    let text = track(&s, &[]);
    assert!(stdout(&text).contains("delivery: 20 accepted · "), "{}", stdout(&text));
    let status = herald(s.path()).args(["status", "c.yaml"]).output().unwrap();
    for o in [&sent, &again, &text, &status, &refused] {
        assert!(!(stdout(o) + &stderr(o)).contains(TOKEN), "the token was printed");
    }
}

// spawns: terminal output
#[test]
fn a_provider_with_no_status_endpoint_points_to_herald_listen_or_says_it_reports_none() {
    let s = Scratch::new();
    s.write("people.csv", "phone\n+254720000001\n");
    let yaml = |kind: &str, key: &str| {
        format!(
            "version: 1\nid: t\nprovider:\n  kind: {kind}\n  token_env: KEY\n  {key}: w\n  base_url: http://127.0.0.1:9\nrecipients:\n  csv: people.csv\nmessage:\n  type: text\n  text: Hi\n"
        )
    };
    s.write("c.yaml", yaml("flowiq", "tenant_id"));
    let flowiq = herald(s.path()).args(["track", "c.yaml"]).env("KEY", "fiq_k").output().unwrap();
    assert_eq!(flowiq.status.code(), Some(2), "{}", stderr(&flowiq));
    let err = stderr(&flowiq);
    assert!(err.contains("error: FlowIQ documents no way to read a message's status"), "{err}");
    assert!(err.contains("it polls evolution and cloud_api") && err.contains("herald listen"), "{err}");
    s.write("c.yaml", yaml("whautochat", "workspace_id"));
    let whautochat = herald(s.path()).args(["track", "c.yaml"]).env("KEY", "k").output().unwrap();
    assert!(stderr(&whautochat).contains("reports no delivery status at all"), "{}", stderr(&whautochat));
}

// spawns: terminal output
#[test]
fn track_reads_evolutions_stored_updates_with_the_instance_key() {
    let s = Scratch::new();
    let server = sandbox_server(&s, &["--receipt-delay", "100ms", "--read-rate", "100%", "--async-fail-rate", "0"]);
    let url = server.url.replace("/cloud_api/v23.0", "/evolution");
    s.write("people.csv", "phone\n+254720000001\n+254720000002\n+254720000003\n");
    s.write(
        "c.yaml",
        format!("version: 1\nid: evo\nprovider:\n  kind: evolution\n  base_url: {url}\n  token_env: EVO_KEY\n  instance: shop\nrecipients:\n  csv: people.csv\nmessage:\n  type: text\n  text: Hi\n"),
    );
    let with_key =
        |args: &[&str]| herald(s.path()).args(args).env("EVO_KEY", "sandbox-evolution-key").output().unwrap();
    let sent = with_key(&["send", "c.yaml", "--yes", "--quiet"]);
    assert_eq!(sent.status.code(), Some(0), "{}", stderr(&sent));
    std::thread::sleep(std::time::Duration::from_millis(800));
    let tracked = with_key(&["track", "c.yaml"]);
    assert_eq!(tracked.status.code(), Some(0), "{}", stderr(&tracked));
    assert!(
        stdout(&tracked).contains("delivery: 3 accepted · 3 delivered · 3 read · 0 failed · 0 no receipt"),
        "{}",
        stdout(&tracked)
    );
}
