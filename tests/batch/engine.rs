//! Batches in-process: `herald::run::run` against the in-memory provider with a real journal.
//! N recipients with batch size B go out in ceil(N/B) requests whose arrays hold everyone
//! exactly once; each recipient ends with its batch's outcome; re-runs, retries and stops send
//! a batch only to the recipients still owed the message.

use crate::common::*;
use crate::engine::{TOKEN, journal, options, plan, send};
use herald::journal::{Policy, State};
use herald::run::memory::{Memory, Received, Reply};
use herald::run::{self, StopKind};
use herald::secret::Secret;
use serde_json::Value;
use std::collections::{BTreeSet, HashMap};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

const ID: &str = "batch-engine";

/// The `i`th listed number.
fn number(i: usize) -> String {
    format!("+2547{:08}", 50_000_000 + i)
}

/// An AutoKonnect campaign of one message for everyone, to `n` listed numbers.
fn campaign(n: usize, delivery: &str) -> String {
    let list: Vec<String> = (0..n).map(|i| format!("\"{}\"", number(i))).collect();
    format!(
        "version: 1\nid: {ID}\nprovider:\n  kind: autokonnect\n  base_url: http://127.0.0.1:9\n  token_env: AK\n  channel_id: \"123\"\nrecipients:\n  list: [{}]\nvars: {{ store: ACME }}\nmessage:\n  type: text\n  text: \"Sale at {{{{ store }}}}\"\ndelivery: {{ {delivery} }}\n",
        list.join(", ")
    )
}

/// The numbers one request carried, a lone number as a batch of one.
fn carried(r: &Received) -> Vec<String> {
    match &r.json()["phone_number"] {
        Value::Array(numbers) => numbers.iter().map(|n| n.as_str().unwrap().to_string()).collect(),
        Value::String(one) => vec![one.clone()],
        other => panic!("no phone_number: {other}"),
    }
}

/// AutoKonnect's success, queued for every number the request carried.
fn queued(r: &Received) -> Reply {
    let n = carried(r).len();
    Reply::answer(200, format!(r#"{{"message":"Message queued for sending","recipients_count":{n}}}"#))
}

/// Every number in every request received, in order.
fn all_carried(memory: &Memory) -> Vec<String> {
    memory.received().iter().flat_map(carried).collect()
}

/// `results.csv` rows as (recipient, status, error code, error message), every row kept.
fn rows(dir: &Path) -> Vec<(String, String, String, String)> {
    let mut r = csv::Reader::from_path(dir.join("results.csv")).unwrap();
    r.records().map(Result::unwrap).map(|r| (r[0].into(), r[2].into(), r[5].into(), r[6].into())).collect()
}

/// Asserts that no number is in two requests.
#[track_caller]
fn nobody_twice(numbers: &[String]) {
    let unique: BTreeSet<&String> = numbers.iter().collect();
    assert_eq!(unique.len(), numbers.len(), "someone was in two requests");
}

#[test]
fn n_recipients_go_in_ceil_n_over_b_requests_and_each_ends_with_its_batchs_answer() {
    let s = Scratch::new();
    let p = plan(&s, &campaign(250, "rate: 100/s, concurrency: 2, batch_size: 100"));
    assert_eq!(p.batch, 100);
    let memory = Arc::new(Memory::new(|_, r| queued(r)));
    let outcome = send(&p, &options(&s), Some(&mut journal(&s, ID)), &memory);
    assert_eq!(outcome.report.exit_code, 0);
    let mut sizes: Vec<usize> = memory.received().iter().map(|r| carried(r).len()).collect();
    sizes.sort_unstable();
    assert_eq!(sizes, [50, 100, 100], "ceil(250/100) requests");
    let numbers = all_carried(&memory);
    nobody_twice(&numbers);
    assert_eq!(numbers.iter().collect::<BTreeSet<_>>(), (0..250).map(number).collect::<BTreeSet<_>>().iter().collect());
    let first = &memory.received()[0];
    assert_eq!(first.url, "http://127.0.0.1:9/api/v1/whatsapp/123/messages");
    assert_eq!(first.json()["message"], "Sale at ACME");
    assert!(first.headers.contains(&("Authorization".into(), format!("Bearer {TOKEN}"))));
    let out = s.path().join("out");
    let rows = rows(&out);
    assert_eq!(rows.len(), 250, "one row per recipient");
    assert_eq!(rows.iter().map(|r| &r.0).collect::<BTreeSet<_>>().len(), 250);
    assert!(rows.iter().all(|r| r.1 == "sent"), "{rows:?}");
    let by_batch: HashMap<usize, usize> = rows.iter().fold(HashMap::new(), |mut m, r| {
        let n = if r.3 == "queued for 100 recipients" { 100 } else { 50 };
        *m.entry(n).or_default() += 1;
        m
    });
    assert_eq!(by_batch, HashMap::from([(100, 200), (50, 50)]), "each row carries its batch's answer");
    assert_eq!((outcome.tally.sent, outcome.tally.requests, outcome.report.run.requests), (250, 3, 3));
    assert_eq!(journal(&s, ID).totals(ID).unwrap().of(State::Sent), 250);
}

#[test]
fn a_batch_answered_with_an_error_fails_all_its_members_and_a_retry_resends_only_them() {
    let s = Scratch::new();
    let p = plan(&s, &campaign(40, "rate: 100/s, concurrency: 1, batch_size: 10, max_failure_rate: 100%"));
    let not_supported = r#"{"code":"invalid_type","message":"Message type is not supported"}"#;
    let memory = Arc::new(Memory::new(move |n, r| match n {
        1 => Reply::answer(400, not_supported),
        2 => Reply::answer(500, r#"{"code":"internal_error","message":"Internal server error"}"#),
        3 => Reply::answer(200, r#"{"message":"Message queued for sending","recipients_count":7}"#),
        _ => queued(r),
    }));
    let mut j = journal(&s, ID);
    let outcome = send(&p, &options(&s), Some(&mut j), &memory);
    assert!(outcome.stopped.is_none());
    let received = memory.received();
    assert_eq!(received.len(), 4);
    let status: HashMap<String, (String, String)> =
        rows(&s.path().join("out")).into_iter().map(|r| (r.0, (r.1, r.2))).collect();
    let ended = |request: usize| -> BTreeSet<(String, String)> {
        carried(&received[request]).iter().map(|n| status[n].clone()).collect()
    };
    assert_eq!(ended(0), BTreeSet::from([("sent".into(), String::new())]));
    assert_eq!(ended(1), BTreeSet::from([("failed".into(), "invalid_type".into())]), "the batch's error, for all");
    assert_eq!(ended(2), BTreeSet::from([("unknown".into(), "internal_error".into())]), "it may have queued them");
    assert_eq!(ended(3), BTreeSet::from([("unknown".into(), "partial_batch".into())]), "7 of 10, unnamed");

    // --retry-failed: one request, holding exactly the failed batch's members.
    let o = run::Options {
        policy: Policy { retry_failed: true, retry_unknown: false, ..Policy::default() },
        ..options(&s)
    };
    send(&p, &o, Some(&mut j), &memory);
    let received = memory.received();
    assert_eq!(received.len(), 5);
    assert_eq!(carried(&received[4]), carried(&received[1]), "only the failed members, none already sent");
    let totals = j.totals(ID).unwrap();
    assert_eq!((totals.of(State::Sent), totals.of(State::Unknown)), (20, 20));
}

#[test]
fn a_rerun_after_a_partial_run_batches_only_the_remaining_recipients() {
    let s = Scratch::new();
    let p = plan(&s, &campaign(250, "rate: 100/s, batch_size: 100"));
    let memory = Arc::new(Memory::new(|_, r| queued(r)));
    let mut j = journal(&s, ID);
    // `--limit` counts recipients, not requests.
    let canary = run::Options { limit: Some(150), ..options(&s) };
    send(&p, &canary, Some(&mut j), &memory);
    let first: Vec<usize> = memory.received().iter().map(|r| carried(r).len()).collect();
    assert_eq!(first, [100, 50]);
    let out = s.path().join("out");
    assert_eq!(rows(&out).iter().filter(|r| r.1 == "skipped" && r.2 == "pending").count(), 100);
    let outcome = send(&p, &options(&s), Some(&mut j), &memory);
    assert_eq!(outcome.report.exit_code, 0);
    let received = memory.received();
    assert_eq!(received.len(), 3, "the remaining 100 in one request");
    assert_eq!(carried(&received[2]), (150..250).map(number).collect::<Vec<_>>());
    nobody_twice(&all_carried(&memory));
    assert_eq!(rows(&out).iter().filter(|r| r.1 == "sent").count(), 250, "the report covers both runs");
    send(&p, &options(&s), Some(&mut j), &memory);
    assert_eq!(memory.received().len(), 3, "nobody is left");
}

/// Runs `plan` and cancels it (as Ctrl-C does) once the provider has received `after` requests.
fn send_and_stop(
    s: &Scratch,
    p: &Arc<herald::plan::Plan>,
    j: &mut herald::journal::Journal,
    memory: &Arc<Memory>,
    after: usize,
) -> run::Outcome {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let cancel = CancellationToken::new();
    let (m, c) = (memory.clone(), cancel.clone());
    rt.block_on(async {
        tokio::spawn(async move {
            while m.received().len() < after {
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
            c.cancel();
        });
        run::run(p.clone(), &options(s), Some(j), memory.clone(), Secret::new(TOKEN).into(), cancel, &mut |_, _| {})
            .await
    })
    .unwrap()
}

#[test]
fn a_stop_mid_run_releases_whole_batches_and_never_sends_to_anyone_twice() {
    let s = Scratch::new();
    let p = plan(&s, &campaign(300, "rate: 20/s, burst: 2, concurrency: 2, timeout: 60s, batch_size: 10"));
    // The first two requests get no answer for a while; the stop comes while they are out and
    // more batches are claimed behind them.
    let memory = Arc::new(Memory::new(|n, r| if n < 2 { Reply::Hang(Duration::from_secs(2)) } else { queued(r) }));
    let mut j = journal(&s, ID);
    let outcome = send_and_stop(&s, &p, &mut j, &memory, 2);
    assert_eq!(outcome.report.exit_code, 130);
    assert_eq!(memory.received().len(), 2, "nothing more left after the stop");
    let totals = j.totals(ID).unwrap();
    assert_eq!(totals.of(State::Unknown), 20, "the two batches out when it stopped may have arrived");
    assert_eq!(totals.of(State::InFlight), 0, "every claim whose request never left was released");
    assert_eq!(totals.rows(), 20);
    let out = s.path().join("out");
    assert_eq!(rows(&out).iter().filter(|r| r.1 == "skipped" && r.2 == "not_sent").count(), 280);
    // The re-run sends to the rest, never to the unknown two batches.
    let outcome = send(&p, &options(&s), Some(&mut j), &memory);
    assert_eq!(outcome.report.exit_code, 0, "20 unknown of 300 is within the 10% gate");
    let numbers = all_carried(&memory);
    nobody_twice(&numbers);
    assert_eq!(numbers.len(), 300, "everyone in exactly one request");
    assert_eq!(memory.received().len(), 2 + 28);
}

#[test]
fn a_stop_while_a_batch_waits_to_retry_releases_every_member() {
    let s = Scratch::new();
    let p = plan(&s, &campaign(25, "rate: 100/s, concurrency: 1, batch_size: 25"));
    let memory = Arc::new(Memory::new(|n, r| {
        if n == 0 {
            let throttled = r#"{"code":"rate_limited","message":"Too many requests"}"#.to_string();
            Reply::Answer { status: 429, body: throttled, retry_after: Some(Duration::from_secs(30)) }
        } else {
            queued(r)
        }
    }));
    let mut j = journal(&s, ID);
    let outcome = send_and_stop(&s, &p, &mut j, &memory, 1);
    assert_eq!(outcome.stopped.map(|s| s.kind()), Some(StopKind::Interrupted));
    assert_eq!(j.totals(ID).unwrap().rows(), 0, "the throttled batch's claims were all released");
    send(&p, &options(&s), Some(&mut j), &memory);
    let received = memory.received();
    assert_eq!(
        (received.len(), carried(&received[1]).len()),
        (2, 25),
        "the re-run sent the batch the provider never took"
    );
    assert_eq!(j.totals(ID).unwrap().of(State::Sent), 25);
}
