//! A short fault soak (the long one is `bench/soak.py`): a campaign sent through `herald
//! sandbox`'s faults (500s, 429s with Retry-After, accepted-then-dropped and hung requests)
//! while `herald send` is SIGKILLed at several moments and restarted. Whenever the kills land,
//! nobody may be accepted twice, everyone must end `sent` or `unknown`, and the report must
//! agree with what the sandbox recorded.

use crate::common::*;
use std::collections::HashMap;
use std::io::BufRead;
use std::process::{Child, Stdio};
use std::time::Duration;

const TOKEN: &str = "EAASandboxCloudApiToken";

/// `herald sandbox` with faults, and its Cloud API base URL.
fn sandbox(s: &Scratch) -> (Child, String) {
    let mut child = herald(s.path())
        .args(["sandbox", "--port", "0", "--quiet", "--seed", "3", "--fail-rate", "10%", "--throttle-rate", "5%"])
        .args(["--retry-after", "1", "--drop-rate", "3%", "--hang-rate", "2%", "--record", "accepted.jsonl"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let out = std::io::BufReader::new(child.stdout.take().unwrap());
    let url = out
        .lines()
        .map(Result::unwrap)
        .find_map(|l| l.split_whitespace().skip_while(|w| *w != "cloud_api").nth(2).map(str::to_string))
        .expect("the sandbox printed its addresses");
    (child, url)
}

#[test]
fn kills_under_faults_never_send_twice_or_lose_anyone() {
    let s = Scratch::new();
    let (mut server, url) = sandbox(&s);
    let n = 300;
    let csv: String = (0..n).map(|i| format!("+2547{:08},N{i}\n", 50_000_000 + i)).collect();
    s.write("people.csv", format!("phone,name\n{csv}"));
    s.write(
        "c.yaml",
        format!(
            "version: 1\nid: soak\nprovider:\n  kind: cloud_api\n  base_url: {url}\n  token_env: WA_TOKEN\n  phone_number_id: \"42\"\nrecipients:\n  csv: people.csv\nmessage:\n  type: text\n  text: \"Hi {{{{ name }}}}\"\ndelivery: {{ rate: 1000/s, concurrency: 8, timeout: 300ms, max_attempts: 10, max_failure_rate: 100%, breaker: 100% }}\n"
        ),
    );
    let send = || {
        herald(s.path())
            .args(["send", "c.yaml", "--yes", "--quiet", "--report", "out"])
            .env("WA_TOKEN", TOKEN)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap()
    };
    // Killed after growing spells of work; the last run goes to the end.
    for ms in [50, 150, 300, 500, 800] {
        let mut child = send();
        std::thread::sleep(Duration::from_millis(ms));
        let _ = child.kill();
        child.wait().unwrap();
    }
    let last = send().wait().unwrap();
    assert!(matches!(last.code(), Some(0 | 1)), "the last run ended {last:?}");
    let term = std::process::Command::new("kill").args(["-INT", &server.id().to_string()]).status().unwrap();
    assert!(term.success());
    server.wait().unwrap();
    let mut accepted: HashMap<String, usize> = HashMap::new();
    for line in std::fs::read_to_string(s.path().join("accepted.jsonl")).unwrap().lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        *accepted.entry(v["recipient"].as_str().unwrap().to_string()).or_default() += 1;
    }
    let report = run(s.path(), &["report", "c.yaml", "--format", "csv"]);
    assert_eq!(report.status.code(), Some(0), "{}", stderr(&report));
    let mut rows = csv::Reader::from_reader(report.stdout.as_slice());
    let states: HashMap<String, String> =
        rows.records().map(Result::unwrap).map(|r| (r[0].to_string(), r[2].to_string())).collect();
    assert_eq!(states.len(), n, "the report covers everyone");
    let twice: Vec<_> = accepted.iter().filter(|(_, c)| **c > 1).collect();
    assert!(twice.is_empty(), "accepted twice: {twice:?}");
    for (phone, state) in &states {
        let got = accepted.get(phone).copied().unwrap_or(0);
        match state.as_str() {
            "sent" => assert_eq!(got, 1, "{phone} is sent but the sandbox accepted {got}"),
            "unknown" => assert!(got <= 1, "{phone}"),
            other => panic!("{phone} ended {other}"),
        }
    }
}
