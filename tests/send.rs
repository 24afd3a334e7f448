//! `herald send` as a process, against a scripted server: each exit code, the report on disk,
//! the prompt and signals (secrets kept out of every output: `secrets.rs`). The engine's
//! behaviour in detail is tested in-process (`engine.rs`).

use crate::common::*;
use crate::server::*;
use std::process::Output;

const TOKEN: &str = "EAAG-test-secret-7f3a";

/// A cloud_api text campaign to `n` recipients at `base_url`.
fn campaign(base_url: &str, n: usize, delivery: &str) -> String {
    let list: Vec<String> = (0..n).map(|i| format!("\"+2547{:08}\"", 10_000_000 + i)).collect();
    format!(
        "version: 1\nid: send-test\nprovider:\n  kind: cloud_api\n  base_url: {base_url}\n  token_env: WA_TOKEN\n  phone_number_id: \"42\"\nrecipients:\n  list: [{}]\nmessage:\n  type: text\n  text: \"Hello {{{{ recipient }}}}\"\ndelivery: {{ {delivery} }}\n",
        list.join(", ")
    )
}

fn send(s: &Scratch, campaign: &str, extra: &[&str]) -> Output {
    s.write("c.yaml", campaign);
    let mut args = vec!["send", "c.yaml", "--yes", "--report", "out"];
    args.extend_from_slice(extra);
    herald(s.path()).args(&args).env("WA_TOKEN", TOKEN).output().unwrap()
}

fn results(s: &Scratch) -> Vec<csv::StringRecord> {
    let mut r = csv::Reader::from_path(s.path().join("out/results.csv")).unwrap();
    r.records().map(Result::unwrap).collect()
}

fn summary(s: &Scratch) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(s.path().join("out/summary.json")).unwrap()).unwrap()
}

// spawns: exit code
#[test]
fn sends_every_recipient_once_and_writes_a_valid_report() {
    let server = Server::start(|n, _| cloud_ok(n));
    let s = Scratch::new();
    let o = send(&s, &campaign(&server.url(), 5, "rate: 100/s, concurrency: 3"), &[]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let seen = server.seen();
    assert_eq!(seen.len(), 5);
    assert!(seen.iter().all(|r| r.path == "/42/messages"));
    assert!(seen.iter().all(|r| r.headers.contains(&("authorization".into(), format!("Bearer {TOKEN}")))));
    let mut bodies: Vec<String> = seen
        .iter()
        .map(|r| {
            serde_json::from_str::<serde_json::Value>(&r.body).unwrap()["text"]["body"].as_str().unwrap().to_string()
        })
        .collect();
    bodies.sort();
    assert_eq!(bodies[0], "Hello +254710000000");
    let rows = results(&s);
    assert_eq!(rows.len(), 5);
    assert!(rows.iter().all(|r| &r[2] == "sent" && r[3].starts_with("wamid.") && &r[7] == "1"));
    let summary = summary(&s);
    let schema: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(root().join("schemas/report.schema.json")).unwrap()).unwrap();
    let validator = jsonschema::draft202012::new(&schema).unwrap();
    assert!(validator.is_valid(&summary), "{summary:#}");
    assert_eq!(summary["counts"]["sent"], 5);
    assert!(
        stdout(&o)
            .starts_with("send-test via cloud_api: 5 sent, 0 failed, 0 unknown, 0 skipped; this run: 5 finished in "),
        "{}",
        stdout(&o)
    );
    for f in ["summary.md", "junit.xml"] {
        assert!(s.path().join("out").join(f).exists(), "{f}");
    }
}

// spawns: exit code
#[test]
fn failures_above_the_threshold_exit_one() {
    let server = Server::start(|n, _| if n % 2 == 0 { cloud_error(400, 131026) } else { cloud_ok(n) });
    let s = Scratch::new();
    let o = send(&s, &campaign(&server.url(), 4, "rate: 100/s, concurrency: 1, max_failure_rate: 10%"), &[]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert_eq!(summary(&s)["exit_code"], 1);
}

// spawns: exit code
#[test]
fn an_auth_failure_stops_the_campaign_at_once() {
    let server = Server::start(|_, _| cloud_error(401, 190));
    let s = Scratch::new();
    let o = send(&s, &campaign(&server.url(), 50, "rate: 100/s, concurrency: 2"), &[]);
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    assert!(server.seen().len() <= 2, "kept sending after the provider refused auth: {}", server.seen().len());
    let rows = results(&s);
    assert_eq!(rows.len(), 50);
    assert!(rows.iter().filter(|r| &r[2] == "skipped" && &r[5] == "not_sent").count() >= 48);
    assert!(stdout(&o).contains("stopped early: the provider refused (190)"), "{}", stdout(&o));
    assert_eq!(summary(&s)["stopped"]["reason"], "provider");
}

// spawns: terminal output — no tty, no prompt
#[test]
fn without_a_terminal_it_needs_yes() {
    let server = Server::start(|n, _| cloud_ok(n));
    let s = Scratch::new();
    s.write("c.yaml", campaign(&server.url(), 1, "rate: 1/s"));
    let o = herald(s.path())
        .args(["send", "c.yaml"])
        .env("WA_TOKEN", TOKEN)
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("there is no terminal to confirm on; pass --yes to send"), "{}", stderr(&o));
    // Keep the server's never-called check honest: now send for real.
    let o = send(&s, &campaign(&server.url(), 1, "rate: 1/s"), &[]);
    assert_eq!(o.status.code(), Some(0));
}

// spawns: exit code
#[test]
fn a_missing_token_is_an_error_before_anything_is_sent() {
    let server = Server::start(|n, _| cloud_ok(n));
    let s = Scratch::new();
    s.write("c.yaml", campaign(&server.url(), 1, "rate: 1/s"));
    let o = run(s.path(), &["send", "c.yaml", "--yes"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("error: environment variable `WA_TOKEN` is not set"), "{}", stderr(&o));
    let o = send(&s, &campaign(&server.url(), 1, "rate: 1/s"), &[]);
    assert_eq!(o.status.code(), Some(0));
}

// spawns: signals
#[test]
fn sigterm_stops_claiming_writes_the_report_and_exits_130() {
    let server = Server::start(|n, _| cloud_ok(n));
    let s = Scratch::new();
    s.write("c.yaml", campaign(&server.url(), 50, "rate: 10/s, concurrency: 1"));
    let child = herald(s.path())
        .args(["send", "c.yaml", "--yes", "--quiet", "--report", "out"])
        .env("WA_TOKEN", TOKEN)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    while server.seen().len() < 3 {
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    terminate(&child);
    let o = child.wait_with_output().unwrap();
    assert_eq!(o.status.code(), Some(130), "{}", stderr(&o));
    let rows = results(&s);
    assert_eq!(rows.len(), 50, "the report covers every recipient");
    let sent = rows.iter().filter(|r| &r[2] == "sent").count();
    assert_eq!(sent, server.seen().len(), "every request that went out is in the report as sent");
    assert!(sent < 50);
    assert_eq!(summary(&s)["stopped"]["reason"], "interrupted");
}

// spawns: signals
#[test]
fn sigterm_while_a_large_list_validates_exits_130_and_sends_nothing() {
    let s = Scratch::new();
    let mut csv = String::from("phone,name\n");
    // Long enough to validate that the signal, sent the moment herald says it validates,
    // lands before validation ends even on a loaded machine.
    for i in 0..300_000 {
        csv.push_str(&format!("+2547{:08},N{i}\n", 10_000_000 + i));
    }
    s.write("people.csv", csv);
    s.write(
        "c.yaml",
        "version: 1\nid: big\nprovider:\n  kind: cloud_api\n  base_url: http://127.0.0.1:9\n  token_env: WA_TOKEN\n  phone_number_id: \"42\"\nrecipients:\n  csv: people.csv\nmessage:\n  type: text\n  text: \"Hi {{ name }}\"\n",
    );
    let mut child = herald(s.path())
        .args(["-v", "send", "c.yaml", "--yes", "--quiet", "--report", "out"])
        .env("WA_TOKEN", TOKEN)
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let (_, mut err) = await_line(&mut child, "validating");
    // A signal from this process, not a `kill` started now: under load starting one can take
    // longer than validating.
    let pid = rustix::process::Pid::from_raw(i32::try_from(child.id()).unwrap()).unwrap();
    rustix::process::kill_process(pid, rustix::process::Signal::TERM).unwrap();
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut err, &mut rest).unwrap();
    assert_eq!(child.wait().unwrap().code(), Some(130), "{rest}");
    // Either it stopped before the run, or the run began and stopped before its first claim.
    let before = rest.contains("cancelled before sending; nothing was sent");
    let at_once = rest.contains("requests=0");
    assert!(before || at_once, "{rest}");
}

// spawns: terminal output — the prompt
#[test]
fn answering_no_at_the_prompt_sends_nothing_and_exits_four() {
    let server = Server::start(|n, _| cloud_ok(n));
    let s = Scratch::new();
    s.write("c.yaml", campaign(&server.url(), 1, "rate: 1/s"));
    // The prompt needs a terminal: util-linux `script` gives herald one.
    let command = format!("{} send c.yaml --report out", env!("CARGO_BIN_EXE_herald"));
    let mut script = std::process::Command::new("script");
    for (k, v) in herald(s.path()).get_envs() {
        match v {
            Some(v) => script.env(k, v),
            None => script.env_remove(k),
        };
    }
    let mut child = script
        .current_dir(s.path())
        .env("WA_TOKEN", TOKEN)
        .args(["-qec", &command, "/dev/null"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::io::Write::write_all(child.stdin.as_mut().unwrap(), b"n\n").unwrap();
    let o = child.wait_with_output().unwrap();
    let shown = stdout(&o);
    assert!(shown.contains("Continue? [y/N] nothing was sent: not confirmed"), "{shown}");
    assert_eq!(o.status.code(), Some(4), "{shown}");
    assert!(server.seen().is_empty(), "a declined send reached the provider");
    let o = send(&s, &campaign(&server.url(), 1, "rate: 1/s"), &[]);
    assert_eq!(o.status.code(), Some(0));
}
