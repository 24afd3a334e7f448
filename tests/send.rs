//! `herald send` as a process, against a scripted server: the prompt, a missing token, SIGTERM
//! and the exit codes the shell sees (secrets kept out of every output: `secrets.rs`). What a
//! send does and its outcome are tested in-process (`session/send.rs`, `engine.rs`).

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
    assert!(!stderr(&o).contains("created the journal"), "{}", stderr(&o));
    assert!(!s.path().join(".herald").exists(), "a refused send left a journal behind");
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
    let rows = report_rows(&s);
    assert_eq!(rows.len(), 50, "the report covers every recipient");
    let sent = rows.iter().filter(|r| &r[2] == "sent").count();
    assert_eq!(sent, server.seen().len(), "every request that went out is in the report as sent");
    assert!(sent < 50);
    assert_eq!(report_summary(&s)["stopped"]["reason"], "interrupted");
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
