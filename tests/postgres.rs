//! The PostgreSQL journal through the real binary, against a real PostgreSQL (see
//! [`crate::pg_server`]): a send reads back and never prints the URL's password, and three
//! senders, each SIGKILLed at random and restarted, never message anyone twice and reach
//! everyone. Two clones sharing the journal run in-process: `session/postgres.rs`.

use crate::common::*;
use crate::pg_server;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

const TOKEN: &str = "EAASandboxCloudApiToken";

/// A campaign of `n` recipients sent to the sandbox at `url`, written into `dir`.
pub(crate) fn campaign(dir: &Scratch, url: &str, n: usize, delivery: &str) {
    let csv: String = (0..n).map(|i| format!("+2547{:08},N{i}\n", 30_000_000 + i)).collect();
    dir.write("people.csv", format!("phone,name\n{csv}"));
    dir.write(
        "c.yaml",
        format!(
            "version: 1\nid: shared\nprovider:\n  kind: cloud_api\n  base_url: {url}\n  token_env: WA_TOKEN\n  phone_number_id: \"42\"\nrecipients:\n  csv: people.csv\nmessage:\n  type: text\n  text: \"Hi {{{{ name }}}}\"\ndelivery: {delivery}\n"
        ),
    );
}

/// `herald args…` in `dir` with the journal at `journal`.
fn with_journal(dir: &Scratch, journal: &str, args: &[&str]) -> std::process::Output {
    herald(dir.path()).args(args).env("HERALD_JOURNAL", journal).env("WA_TOKEN", TOKEN).output().unwrap()
}

// spawns: terminal output
#[test]
fn a_send_reads_back_from_postgres_and_never_prints_the_password() {
    let journal = pg_server::database();
    assert!(journal.contains(":secret-pw@"));
    let s = Scratch::new();
    let mut server = sandbox_server(&s, &[]);
    campaign(&s, &server.url, 20, "{ rate: 500/s }");
    let first = with_journal(&s, &journal, &["send", "c.yaml", "--yes", "--report", "out"]);
    assert_eq!(first.status.code(), Some(0), "{}", stderr(&first));
    let again = with_journal(&s, &journal, &["send", "c.yaml", "--yes", "--report", "again"]);
    assert!(stderr(&again).contains("send to 0 recipients, skip 20 already sent"), "{}", stderr(&again));
    let status = with_journal(&s, &journal, &["status", "c.yaml"]);
    assert!(stdout(&status).contains("postgres://herald:***@127.0.0.1"), "{}", stdout(&status));
    let counts: Vec<_> = stdout(&status).lines().map(|l| l.split_whitespace().collect::<Vec<_>>().join(" ")).collect();
    assert!(counts.contains(&"sent 20".to_string()), "{}", stdout(&status));
    let report = with_journal(&s, &journal, &["report", "c.yaml", "--format", "csv"]);
    terminate(&server.child);
    server.child.wait().unwrap();
    assert_report_agrees(&s, &report.stdout, 20);
    let mut printed = [first, again, status, report].map(|o| stdout(&o) + &stderr(&o)).concat();
    for file in walk(s.path()) {
        printed += &String::from_utf8_lossy(&std::fs::read(file).unwrap());
    }
    assert!(!printed.contains("secret-pw"), "the password was printed");
}

/// Every file under `dir`.
fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .flat_map(|e| if e.path().is_dir() { walk(&e.path()) } else { vec![e.path()] })
        .collect()
}

/// A small deterministic generator for kill times.
struct Lcg(u64);

impl Lcg {
    fn below(&mut self, n: u64) -> u64 {
        self.0 = self.0.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) % n
    }
}

/// One sender's loop: start `herald send`, kill it at a random moment (at most `kills` times),
/// restart, until a run ends by itself and the journal has nobody pending or in flight.
fn sender(dir: &std::path::Path, journal: &str, seed: u64, kills: usize) -> usize {
    let mut rng = Lcg(seed);
    let (mut killed, started) = (0, Instant::now());
    for attempt in 0.. {
        assert!(started.elapsed() < Duration::from_secs(240), "sender {seed} did not finish");
        let mut child: Child = herald(dir)
            .args(["send", "c.yaml", "--yes", "--quiet", "--report", &format!("out-{seed}-{attempt}")])
            .env("HERALD_JOURNAL", journal)
            .env("HERALD_LEASE", "3")
            .env("WA_TOKEN", TOKEN)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let deadline = Instant::now() + Duration::from_millis(100 + rng.below(900));
        while child.try_wait().unwrap().is_none() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(10));
        }
        if killed < kills && child.try_wait().unwrap().is_none() {
            child.kill().unwrap();
            child.wait().unwrap();
            killed += 1;
            continue;
        }
        let code = child.wait().unwrap().code();
        assert!(matches!(code, Some(0 | 1)), "sender {seed} ended {code:?}");
        let status = herald(dir).args(["status", "c.yaml", "--format", "json"]).env("HERALD_JOURNAL", journal).output();
        let json: serde_json::Value = serde_json::from_slice(&status.unwrap().stdout).unwrap();
        if json["counts"]["pending"] == 0 && json["counts"]["in_flight"] == 0 {
            return killed;
        }
        // Others are still sending, or a killed run's lease has not run out yet.
        std::thread::sleep(Duration::from_millis(300));
    }
    unreachable!()
}

// spawns: kill
#[test]
fn three_senders_killed_at_random_never_send_twice_and_reach_everyone() {
    let journal = pg_server::database();
    let s = Scratch::new();
    let faults =
        ["--seed", "5", "--fail-rate", "5%", "--throttle-rate", "5%", "--retry-after", "1", "--hang-rate", "1%"];
    let mut server = sandbox_server(&s, &faults);
    let n = 3000;
    campaign(
        &s,
        &server.url,
        n,
        "{ rate: 3000/s, concurrency: 8, timeout: 300ms, max_attempts: 10, max_failure_rate: 100%, breaker: 100% }",
    );
    let killed: usize = std::thread::scope(|scope| {
        let (dir, journal) = (s.path(), journal.as_str());
        let senders: Vec<_> = (1..=3).map(|seed| scope.spawn(move || sender(dir, journal, seed * 7919, 4))).collect();
        senders.into_iter().map(|h| h.join().unwrap()).sum()
    });
    assert!(killed >= 3, "the senders were killed {killed} times");
    let report = with_journal(&s, &journal, &["report", "c.yaml", "--format", "csv"]);
    assert_eq!(report.status.code(), Some(0), "{}", stderr(&report));
    terminate(&server.child);
    server.child.wait().unwrap();
    assert_report_agrees(&s, &report.stdout, n);
}
