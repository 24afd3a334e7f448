//! Batches through the real binary: what `validate` says about them, and kills at any moment of
//! a batched run never sending to anyone twice. A batched send to the built-in sandbox runs
//! in-process (`session/sandbox.rs`), with the helpers here.

use crate::common::*;

/// An AutoKonnect campaign over `data.csv` with this message text and `delivery`.
pub(crate) fn campaign(base_url: &str, text: &str, delivery: &str) -> String {
    format!(
        "version: 1\nid: batch-test\nprovider:\n  kind: autokonnect\n  base_url: {base_url}\n  token_env: AK_TOKEN\n  channel_id: \"123\"\nrecipients:\n  csv: data.csv\n  default_country: KE\nvars: {{ store: ACME }}\nmessage:\n  type: text\n  text: \"{text}\"\ndelivery: {{ {delivery} }}\n"
    )
}

/// A CSV of `n` numbers with a name each.
pub(crate) fn csv(n: usize) -> String {
    let mut csv = String::from("phone,name\n");
    for i in 0..n {
        csv.push_str(&format!("+2547{:08},Name {i}\n", 30_000_000 + i));
    }
    csv
}

fn validate(yaml: &str) -> std::process::Output {
    let s = Scratch::new();
    s.write("data.csv", csv(3));
    s.write("c.yaml", yaml);
    run(s.path(), &["validate", "c.yaml"])
}

// spawns: terminal output
#[test]
fn validate_says_when_recipients_go_in_batches_and_why_not() {
    let base = "https://app.autokonnect.co.ke";
    // The same message for everyone: batched by default, and the summary says so.
    let o = validate(&campaign(base, "Sale at {{ store }} ({{ campaign.id }})", "rate: 5/s"));
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        stdout(&o)
            .ends_with("provider autokonnect, message text, in batches of up to 100, sends in under a second at 5/s\n"),
        "{}",
        stdout(&o)
    );
    assert!(!stderr(&o).contains("batch"), "{}", stderr(&o));
    let o = validate(&campaign(base, "Sale at {{ store }}", "batch_size: 2"));
    assert!(stdout(&o).contains("in batches of up to 2, sends in"), "{}", stdout(&o));
    let s = Scratch::new();
    s.write("data.csv", csv(3));
    s.write("c.yaml", campaign(base, "Sale at {{ store }}", "batch_size: 2"));
    let o = run(s.path(), &["preview", "c.yaml"]);
    assert!(
        stderr(&o).contains("recipients go out in batches: up to 2 numbers in one request's `phone_number` array; each request is shown here for one recipient"),
        "{}",
        stderr(&o)
    );
    let o = validate(&campaign(base, "Sale at {{ store }}", "batch_size: 1"));
    assert!(!stdout(&o).contains("batches"), "1 turns batching off: {}", stdout(&o));

    // A message using a CSV column: one request each; said only when batch_size asks for more.
    let o = validate(&campaign(base, "Hi {{ name }}", "rate: 5/s"));
    assert!(!stdout(&o).contains("batches") && !stderr(&o).contains("batch"), "{}{}", stdout(&o), stderr(&o));
    let o = validate(&campaign(base, "Hi {{ name }}", "batch_size: 50"));
    assert_eq!(o.status.code(), Some(0));
    let err = stderr(&o);
    assert!(
        err.contains("warning: batching is off: `message.text` uses `name` (a CSV column), so each recipient's message differs; one request per recipient"),
        "{err}"
    );
    assert!(err.contains("c.yaml:15:13"), "points at batch_size: {err}");
    let o = validate(&campaign(base, "Your number: {{ recipient }}", "batch_size: 50"));
    assert!(stderr(&o).contains("uses `recipient` (the recipient's own value)"), "{}", stderr(&o));

    // Another provider: the key does nothing, and says so.
    let cloud = CAMPAIGN.to_string() + "delivery: { batch_size: 10 }\n";
    let o = validate(&cloud);
    assert_eq!(o.status.code(), Some(0));
    assert!(
        stderr(&o).contains(
            "warning: `delivery.batch_size` has no effect on provider `cloud_api`: it sends one request per recipient"
        ),
        "{}",
        stderr(&o)
    );
    let s = Scratch::new();
    s.write("data.csv", csv(3));
    s.write("c.yaml", &cloud);
    assert_eq!(run(s.path(), &["validate", "--strict", "c.yaml"]).status.code(), Some(2));

    // More than AutoKonnect's cap is refused by the schema.
    let o = validate(&campaign(base, "Sale", "batch_size: 1001"));
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
}

/// The numbers of one AutoKonnect body, a lone number as a batch of one.
pub(crate) fn numbers(body: &serde_json::Value) -> Vec<String> {
    match &body["phone_number"] {
        serde_json::Value::Array(all) => all.iter().map(|n| n.as_str().unwrap().to_string()).collect(),
        one => vec![one.as_str().unwrap().to_string()],
    }
}

pub(crate) fn results(dir: &std::path::Path) -> Vec<(String, String, String)> {
    let mut r = csv::Reader::from_path(dir.join("results.csv")).unwrap();
    r.records().map(Result::unwrap).map(|r| (r[0].into(), r[2].into(), r[6].into())).collect()
}

/// Kill `herald send` of a batched campaign with SIGKILL at several points, re-run until it
/// finishes, and check that nobody's number was in two requests and the report agrees with what
/// the server received. The server holds its answers from the chosen request on, so each kill
/// lands where it is aimed.
// spawns: kill
#[test]
fn killing_a_batched_send_at_any_moment_never_sends_twice() {
    use crate::server::{Reply, Server};
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    let n = 60;
    let kill_at = Arc::new(AtomicUsize::new(usize::MAX));
    let hold = kill_at.clone();
    let server = Server::start(move |i, seen| {
        while i + 1 >= hold.load(Ordering::SeqCst) {
            std::thread::sleep(std::time::Duration::from_millis(1));
        }
        let body: serde_json::Value = serde_json::from_str(&seen.body).unwrap();
        let count = numbers(&body).len();
        Reply::Answer(200, format!(r#"{{"message":"Message queued for sending","recipients_count":{count}}}"#), vec![])
    });
    for (trial, at) in [0usize, 1, 2, 4, 7, 11].into_iter().enumerate() {
        let s = Scratch::new();
        s.write("data.csv", csv(n));
        let text = format!("Trial {trial} at {{{{ store }}}}");
        let delivery = "rate: 1000/s, concurrency: 2, batch_size: 5, max_failure_rate: 100%";
        s.write("c.yaml", campaign(&server.url(), &text, delivery));
        let before = server.seen().len();
        kill_at.store(before + at, Ordering::SeqCst);
        let mut child = herald(s.path())
            .args(["send", "c.yaml", "--yes", "--quiet", "--report", "first"])
            .env("AK_TOKEN", "ak-test-key")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        while server.seen().len() < before + at && child.try_wait().unwrap().is_none() {
            std::thread::sleep(std::time::Duration::from_millis(1));
        }
        let _ = child.kill();
        child.wait().unwrap();
        kill_at.store(usize::MAX, Ordering::SeqCst);
        assert!(server.seen().len() >= before + at, "trial {trial}: herald ended before the kill");
        let o = herald(s.path())
            .args(["send", "c.yaml", "--yes", "--quiet", "--report", "out"])
            .env("AK_TOKEN", "ak-test-key")
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(0), "trial {trial}: the re-run failed: {}", stderr(&o));
        let mut received: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
        for seen in server.seen() {
            let body: serde_json::Value = serde_json::from_str(&seen.body).unwrap();
            if body["message"] == format!("Trial {trial} at ACME") {
                for number in numbers(&body) {
                    *received.entry(number).or_default() += 1;
                }
            }
        }
        let rows = results(&s.path().join("out"));
        assert_eq!(rows.len(), n, "trial {trial}: the report misses recipients");
        for (recipient, status, _) in &rows {
            let got = received.get(recipient).copied().unwrap_or(0);
            match status.as_str() {
                "sent" => assert_eq!(got, 1, "trial {trial} (kill at {at}): {recipient} sent but received {got}"),
                "unknown" => assert!(got <= 1, "trial {trial}: {recipient} unknown but received {got}"),
                other => panic!("trial {trial}: {recipient} ended {other}"),
            }
        }
        assert!(received.values().all(|c| *c == 1), "trial {trial}: someone was in two requests: {received:?}");
    }
}
