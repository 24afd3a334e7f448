//! `herald listen` through the real binary: signed Cloud API statuses and an Evolution
//! `messages.update` with the shared secret land in an SQLite journal beside a running send's
//! lock; hostile posts (bad signature, oversized, malformed) are refused and nothing of them
//! is written or logged; a duplicate counts once; an unknown message's receipt is swept; a
//! post under way when SIGTERM comes is answered and kept, and the process exits 0. Then two
//! listeners share one PostgreSQL journal.

use crate::common::*;
use crate::pg_server;
use herald::journal::writer::Candidate;
use herald::journal::{Journal, Location, Policy};
use herald::results::{Record, Status};
use std::collections::HashMap;
use std::io::{BufRead, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Stdio};
use std::time::Duration;

const APP_SECRET: &str = "meta-app-secret-for-tests";
const VERIFY_TOKEN: &str = "verify-token-for-tests";
const SHARED: &str = "shared-secret-0123456789";

/// A journal at `at` in which campaign `c` sent `ids`, one recipient each; the journal stays
/// open (a `send` holding the campaign's lock).
fn journal(at: &Location, ids: &[&str]) -> Journal {
    let mut j = Journal::open(at, "c").unwrap();
    j.begin_run("c", &HashMap::new(), "c.yaml", "send", "cloud_api:1").unwrap();
    let writer = j.writer("c", false).unwrap();
    let h = writer.handle();
    let phone = |i: usize| format!("+2547{:08}", 40_000_000 + i);
    let candidates = (0..ids.len()).map(|i| Candidate {
        recipient: phone(i),
        csv_line: None,
        request_hash: Some([0; 32]),
        body: None,
        sender: None,
    });
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    runtime.block_on(h.admit(candidates.collect(), Policy::default(), usize::MAX)).unwrap();
    let outcomes = ids.iter().enumerate().map(|(i, id)| {
        let mut r = Record::new(phone(i), None, Status::Sent);
        r.message_id = Some(id.to_string());
        r
    });
    h.done(outcomes.collect());
    drop(h);
    writer.finish().unwrap();
    j
}

/// `herald listen` on a free port with every secret set; its address.
fn listen(dir: &Scratch, journal: &str, grace: &str) -> (Child, String) {
    let mut child = herald(dir.path())
        .args(["listen", "--bind", "127.0.0.1:0", "--journal", journal, "--unknown-grace", grace])
        .env("HERALD_CLOUD_API_APP_SECRET", APP_SECRET)
        .env("HERALD_CLOUD_API_VERIFY_TOKEN", VERIFY_TOKEN)
        .env("HERALD_WEBHOOK_SECRET", SHARED)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    assert!(line.contains("/webhooks/cloud_api") && line.contains("/webhooks/evolution"), "{line}");
    for secret in [APP_SECRET, VERIFY_TOKEN, SHARED] {
        assert!(!line.contains(secret), "a secret in {line}");
    }
    let addr = line.split("http://").nth(1).and_then(|r| r.split_whitespace().next()).unwrap().to_string();
    (child, addr)
}

/// Writes a request's head (declaring `length` bytes of body) and `body`.
fn request(addr: &str, path: &str, headers: &[(&str, &str)], length: usize, body: &[u8]) -> TcpStream {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    let mut head = format!("POST {path} HTTP/1.1\r\nHost: herald\r\nConnection: close\r\nContent-Length: {length}\r\n");
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    s.write_all(head.as_bytes()).unwrap();
    s.write_all(body).unwrap();
    s
}

/// The status code of the answer on `s`.
fn answer(mut s: TcpStream) -> u16 {
    let mut text = String::new();
    let _ = s.read_to_string(&mut text);
    text.split_whitespace().nth(1).and_then(|c| c.parse().ok()).unwrap_or(0)
}

fn post(addr: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> u16 {
    answer(request(addr, path, headers, body.len(), body))
}

/// Meta's post of `statuses` (`(wamid, status)`), and its signature.
fn meta(statuses: &[(&str, &str)]) -> (Vec<u8>, String) {
    let statuses: Vec<serde_json::Value> = statuses
        .iter()
        .map(|(id, status)| {
            let mut s = serde_json::json!({"id": id, "status": status, "timestamp": "1750000000", "recipient_id": "254700000000"});
            if *status == "failed" {
                s["errors"] = serde_json::json!([{"code": 131049, "title": "This message was not delivered to maintain healthy ecosystem engagement."}]);
            }
            s
        })
        .collect();
    let body = serde_json::json!({"object": "whatsapp_business_account", "entry": [{"id": "1", "changes": [{"field": "messages",
        "value": {"messaging_product": "whatsapp", "metadata": {"display_phone_number": "1", "phone_number_id": "1"}, "statuses": statuses}}]}]})
    .to_string()
    .into_bytes();
    let signature = herald::providers::signature::sign(APP_SECRET.as_bytes(), &body);
    (body, signature)
}

fn signed(addr: &str, statuses: &[(&str, &str)]) -> u16 {
    let (body, signature) = meta(statuses);
    post(addr, "/webhooks/cloud_api", &[("X-Hub-Signature-256", &signature)], &body)
}

/// The message ids the journal file at `path` holds receipts for.
fn stored(path: &std::path::Path) -> Vec<String> {
    let c = rusqlite::Connection::open(path).unwrap();
    let mut s = c.prepare("SELECT message_id FROM receipts ORDER BY message_id").unwrap();
    s.query_map([], |r| r.get(0)).unwrap().map(Result::unwrap).collect()
}

// spawns: signals
#[test]
fn listen_writes_signed_and_secret_posts_refuses_hostile_ones_and_stops_on_sigterm() {
    let s = Scratch::new();
    let path = s.path().join("journal.db");
    let at = Location::File(path.clone());
    let sending = journal(&at, &["wamid.0", "wamid.1", "wamid.2", "EVOKEY1"]);
    let (mut child, addr) = listen(&s, path.to_str().unwrap(), "1s");

    assert_eq!(signed(&addr, &[("wamid.0", "sent"), ("wamid.0", "delivered"), ("wamid.1", "read")]), 200);
    assert_eq!(signed(&addr, &[("wamid.0", "delivered")]), 200, "a duplicate is taken, and counts once");
    assert_eq!(signed(&addr, &[("wamid.2", "failed"), ("wamid.elsewhere", "read")]), 200);
    let evolution = r#"{"event":"messages.update","instance":"shop","data":{"keyId":"EVOKEY1","fromMe":true,"status":"READ"},"apikey":"EVO-APIKEY-NEVER-KEPT","server_url":"http://evo"}"#;
    assert_eq!(post(&addr, "/webhooks/evolution", &[("X-Herald-Secret", SHARED)], evolution.as_bytes()), 200);

    // Hostile posts.
    let (body, signature) = meta(&[("wamid.1", "failed")]);
    let tampered = String::from_utf8(body).unwrap().replace("wamid.1", "wamid.0");
    assert_eq!(post(&addr, "/webhooks/cloud_api", &[("X-Hub-Signature-256", &signature)], tampered.as_bytes()), 401);
    assert_eq!(post(&addr, "/webhooks/cloud_api", &[], tampered.as_bytes()), 401, "no signature");
    assert_eq!(post(&addr, "/webhooks/evolution", &[("X-Herald-Secret", "guess")], evolution.as_bytes()), 401);
    assert_eq!(post(&addr, &format!("/webhooks/flowiq/{SHARED}x"), &[], b"{}"), 401);
    assert_eq!(answer(request(&addr, "/webhooks/cloud_api", &[], 2 << 20, b"")), 413, "a 2 MB body");
    let malformed = b"{\"object\": \"whatsapp_business_account\", \"entry\": [";
    let signature = herald::providers::signature::sign(APP_SECRET.as_bytes(), malformed);
    assert_eq!(post(&addr, "/webhooks/cloud_api", &[("X-Hub-Signature-256", &signature)], malformed), 400);

    let funnel = sending.funnel("c").unwrap();
    // Evolution's post names a message of this Cloud API campaign: another provider's route
    // cannot write onto it (counted unknown, never stored).
    assert_eq!((funnel.accepted, funnel.delivered, funnel.read, funnel.failed), (4, 2, 1, 1), "{funnel:?}");
    assert_eq!(funnel.failures["131049"].count, 1);
    let zero = sending.row("c", "+254740000000").unwrap().unwrap().record.receipts.unwrap();
    assert_eq!(zero.read_at, None, "the tampered post changed nothing");
    let mut metrics = String::new();
    TcpStream::connect(&addr)
        .and_then(|mut c| {
            c.write_all(b"GET /metrics HTTP/1.1\r\nHost: herald\r\nConnection: close\r\n\r\n")?;
            c.read_to_string(&mut metrics)
        })
        .unwrap();
    for line in [
        r#"herald_receipts_stored_total{provider="cloud_api",outcome="new"} 3"#,
        r#"herald_receipts_stored_total{provider="cloud_api",outcome="repeated"} 1"#,
        r#"herald_receipts_stored_total{provider="cloud_api",outcome="unknown"} 1"#,
        r#"herald_receipts_stored_total{provider="evolution",outcome="unknown"} 1"#,
        r#"herald_refused_posts_total{provider="cloud_api",reason="bad_signature"} 1"#,
        r#"herald_refused_posts_total{provider="cloud_api",reason="too_large"} 1"#,
        r#"herald_malformed_posts_total{provider="cloud_api"} 1"#,
    ] {
        assert!(metrics.contains(line), "{line} in {metrics}");
    }

    // The unknown message's receipt goes after the grace; the others stay.
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while stored(&path).contains(&"wamid.elsewhere".to_string()) && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(200));
    }
    assert_eq!(stored(&path), ["wamid.0", "wamid.1", "wamid.2"], "nor the other provider's post");

    // A post under way when SIGTERM comes is answered, and kept; an idle kept-alive connection
    // does not hold the exit.
    let mut idle = TcpStream::connect(&addr).unwrap();
    idle.write_all(b"GET /healthz HTTP/1.1\r\nHost: herald\r\n\r\n").unwrap();
    let (body, signature) = meta(&[("wamid.1", "delivered")]);
    let mut late =
        request(&addr, "/webhooks/cloud_api", &[("X-Hub-Signature-256", &signature)], body.len(), &body[..10]);
    std::thread::sleep(Duration::from_millis(300));
    terminate(&child);
    std::thread::sleep(Duration::from_millis(300));
    late.write_all(&body[10..]).unwrap();
    assert_eq!(answer(late), 200);
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(0));
    let delivered = sending.row("c", "+254740000001").unwrap().unwrap().record.receipts.unwrap().delivered_at;
    assert!(delivered.is_some(), "the post answered during the stop is in the journal");
    let mut logs = String::new();
    child.stderr.take().unwrap().read_to_string(&mut logs).unwrap();
    assert!(logs.contains("refused a post") && logs.contains("bad_signature"), "{logs}");
    assert_eq!(logs.matches("refused a post").count(), 6, "one line per refused post: {logs}");
    let kept = std::fs::read(&path).unwrap();
    for secret in [APP_SECRET, VERIFY_TOKEN, SHARED, "EVO-APIKEY-NEVER-KEPT"] {
        assert!(!logs.contains(secret) && !metrics.contains(secret), "{secret} leaked");
        assert!(memchr::memmem::find(&kept, secret.as_bytes()).is_none(), "{secret} stored");
    }
}

// spawns: signals
#[test]
fn two_listeners_share_one_postgresql_journal() {
    let s = Scratch::new();
    let url = pg_server::database();
    let at = Location::parse(std::path::Path::new(&url), false).unwrap();
    let ids: Vec<String> = (0..40).map(|i| format!("wamid.pg{i}")).collect();
    let sending = journal(&at, &ids.iter().map(String::as_str).collect::<Vec<_>>());
    let (mut a, addr_a) = listen(&s, &url, "10m");
    let (mut b, addr_b) = listen(&s, &url, "10m");
    let threads: Vec<_> = ids
        .chunks(4)
        .enumerate()
        .map(|(n, chunk)| {
            let chunk: Vec<String> = chunk.to_vec();
            let (first, second) =
                if n % 2 == 0 { (addr_a.clone(), addr_b.clone()) } else { (addr_b.clone(), addr_a.clone()) };
            std::thread::spawn(move || {
                let delivered: Vec<(&str, &str)> = chunk.iter().map(|id| (id.as_str(), "delivered")).collect();
                let read: Vec<(&str, &str)> = chunk.iter().map(|id| (id.as_str(), "read")).collect();
                // Both listeners get every receipt: a provider retrying through a load balancer.
                [signed(&first, &read), signed(&second, &delivered), signed(&second, &read), signed(&first, &delivered)]
            })
        })
        .collect();
    for t in threads {
        assert_eq!(t.join().unwrap(), [200; 4]);
    }
    let funnel = sending.funnel("c").unwrap();
    assert_eq!((funnel.accepted, funnel.delivered, funnel.read, funnel.no_receipt), (40, 40, 40, 0), "{funnel:?}");
    for child in [&mut a, &mut b] {
        terminate(child);
        assert_eq!(child.wait().unwrap().code(), Some(0));
    }
}

// spawns: exit code
#[test]
fn a_listener_never_creates_a_journal_a_lost_one_would_come_back_empty() {
    let s = Scratch::new();
    let o = herald(s.path())
        .env("HERALD_WEBHOOK_SECRET", "0123456789abcdef0123")
        .args(["listen", "--journal", "gone.db"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains("error: there is no journal at gone.db") && err.contains("the first send creates it"),
        "{err}"
    );
    assert!(!s.path().join("gone.db").exists(), "nothing was created");
}
