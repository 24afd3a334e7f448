//! Benchmark: the end of a large send with the SQLite journal. It feeds the journal's writer
//! as a run does (batches of claims, each batch's outcomes riding along with the next), in a
//! random recipient order, then times what the run's end adds after its last request: the
//! writer's finish, which folds what is left of the run's log into the keyed rows, and the
//! run's close. Not a test: it prints numbers.
//!
//! Usage: `cargo bench --locked --bench fold -- [ROWS] [--rate N]` (rows: default 1,000,000;
//! `10M`, `500k` work). Without `--rate` it feeds the writer as fast as it takes batches; with
//! it, N recipients a second, as a send at that speed does. The journal goes into `$TMPDIR`;
//! the disk's speed matters.

use herald::journal::writer::{Admission, Candidate};
use herald::journal::{Journal, Policy};
use herald::results::{Record, Status};
use std::collections::HashMap;
use std::time::Instant;

/// Recipients a run offers the journal at once.
const BATCH: usize = 1000;

/// `--rate N`: recipients a second (`None`: as fast as the writer goes).
fn rate() -> Option<f64> {
    let args: Vec<String> = std::env::args().collect();
    let at = args.iter().position(|a| a == "--rate")?;
    args.get(at + 1).and_then(|r| r.parse().ok())
}

fn rows() -> usize {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let value = |a: &&String| {
        !a.starts_with('-') && args.iter().position(|b| b == "--rate").is_none_or(|r| args.get(r + 1) != Some(*a))
    };
    let arg = args.iter().find(value).cloned().unwrap_or_else(|| "1M".into());
    let (digits, scale) = match arg.to_ascii_lowercase() {
        a if a.ends_with('m') => (a.trim_end_matches('m').to_string(), 1_000_000),
        a if a.ends_with('k') => (a.trim_end_matches('k').to_string(), 1_000),
        a => (a, 1),
    };
    digits.parse::<usize>().map(|n| n * scale).unwrap_or_else(|_| panic!("rows: a number like 10M, not {arg}"))
}

/// The `i`th recipient: a bijection of 0..10⁸, so the order is random-looking, never sorted.
fn phone(i: usize) -> String {
    format!("+2547{:08}", (i * 7_919 + 12_345) % 100_000_000)
}

fn main() {
    let n = rows();
    let dir = tempfile::tempdir().expect("a temporary folder");
    let path = dir.path().join("journal.db");
    let runtime = tokio::runtime::Runtime::new().expect("a runtime");
    let mut journal = Journal::open(path.as_path(), "bench").expect("the journal opens");
    let sections = HashMap::from([("message".to_string(), "m".to_string())]);
    let run = journal.begin_run("bench", &sections, "bench.yaml", "send", "cloud_api:1").expect("a run");
    let writer = journal.writer("bench", false).expect("a writer");
    let handle = writer.handle();
    let started = Instant::now();
    let mut sent: Vec<Record> = Vec::new();
    let rate = rate();
    for first in (0..n).step_by(BATCH) {
        if let Some(rate) = rate {
            let due = started + std::time::Duration::from_secs_f64(first as f64 / rate);
            std::thread::sleep(due.saturating_duration_since(Instant::now()));
        }
        let batch: Vec<Candidate> = (first..n.min(first + BATCH))
            .map(|i| Candidate {
                recipient: phone(i),
                csv_line: Some(i as u64 + 2),
                request_hash: Some([(i % 251) as u8; 32]),
                body: None,
                sender: None,
            })
            .collect();
        // The previous batch's outcomes ride along with this one's claims.
        handle.done(std::mem::take(&mut sent));
        let admitted = runtime.block_on(handle.admit(batch.clone(), Policy::default(), usize::MAX)).expect("claims");
        assert!(admitted.iter().all(|a| *a == Admission::Claimed));
        sent = batch
            .into_iter()
            .map(|c| {
                let mut r = Record::new(c.recipient, c.csv_line, Status::Sent);
                r.message_id = Some(format!("wamid.HBgLMjU0NzEyMzQ1Njc4FQIAERgS{first:012}"));
                r.http_status = Some(200);
                r.attempts = 1;
                r.latency_ms = Some(120);
                r
            })
            .collect();
    }
    handle.done(sent);
    let fed = started.elapsed();
    drop(handle);
    let last_request = Instant::now();
    let stats = writer.finish().expect("the writer finishes");
    journal.end_run(run, None, 0).expect("the run closes");
    let end = last_request.elapsed();
    let size = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
    println!(
        "rows {n}  fed in {:.2} s ({:.0} rows/s, {} commits, {} fold steps)  end of run {:.2} s  journal {:.0} MB",
        fed.as_secs_f64(),
        n as f64 / fed.as_secs_f64(),
        stats.commits,
        stats.folds,
        end.as_secs_f64(),
        size as f64 / 1e6
    );
}
