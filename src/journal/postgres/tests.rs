//! What only a journal shared by several runners does: disjoint claims, a crashed runner's
//! claims read and settled as `unknown` once its lease runs out, a run that lost its lease
//! claiming nothing, and the daily cap and the pacing holding across runners. Against a real
//! PostgreSQL.

use crate::journal::writer::{Admission, Candidate};
use crate::journal::{Journal, Location, Policy, State};
use std::collections::HashMap;
use std::path::Path;
use std::time::{Duration, Instant};

use crate::journal::tests::pg_server;

fn phone(i: usize) -> String {
    format!("+2547{:08}", 20_000_000 + i)
}

fn candidates(range: std::ops::Range<usize>) -> Vec<Candidate> {
    range
        .map(|i| Candidate {
            recipient: phone(i),
            csv_line: Some(i as u64 + 2),
            request_hash: Some([1; 32]),
            body: None,
            sender: None,
        })
        .collect()
}

/// A runner: its own connection to the journal at `url`, with a run of campaign `c` begun.
fn runner(url: &str) -> (Journal, i64) {
    let mut j = Journal::open(Location::parse(Path::new(url), false).unwrap(), "c").unwrap();
    let run =
        j.begin_run("c", &HashMap::from([("message".into(), "m1".into())]), "c.yaml", "send", "cloud_api:42").unwrap();
    (j, run)
}

/// Runs `sql` on the journal's tables (the client must not run on the test's runtime).
fn sql(url: &str, sql: &str) {
    let (url, sql) = (url.to_string(), format!("SET search_path TO herald; {sql}"));
    std::thread::spawn(move || postgres::Client::connect(&url, postgres::NoTls).unwrap().batch_execute(&sql).unwrap())
        .join()
        .unwrap();
}

fn claimed(admitted: &[Admission]) -> usize {
    admitted.iter().filter(|a| **a == Admission::Claimed).count()
}

#[tokio::test(flavor = "multi_thread")]
async fn two_runners_offered_the_same_recipients_claim_each_one_once() {
    let url = pg_server::database();
    let ((a, _), (b, _)) = (runner(&url), runner(&url));
    let reader = Journal::open_read(Location::parse(Path::new(&url), false).unwrap()).unwrap().unwrap();
    assert_eq!((reader.senders("c").unwrap(), a.senders("c").unwrap()), (2, 1), "status counts the live runners");
    let (wa, wb) = (a.writer("c", false).unwrap(), b.writer("c", false).unwrap());
    let (ha, hb) = (wa.handle(), wb.handle());
    let (first, second) = tokio::join!(
        ha.admit(candidates(0..300), Policy::default(), usize::MAX),
        hb.admit(candidates(100..400), Policy::default(), usize::MAX)
    );
    let (first, second) = (first.unwrap(), second.unwrap());
    assert_eq!(claimed(&first) + claimed(&second), 400, "everyone is claimed once");
    let taken = second.iter().filter(|a| matches!(a, Admission::Kept(r) if r.error_message.as_deref().is_some_and(|m| m.contains("another herald runner"))));
    assert_eq!(claimed(&second) + taken.count(), 300);
    drop((ha, hb));
    wa.finish().unwrap();
    wb.finish().unwrap();
    assert_eq!(a.totals("c").unwrap().of(State::InFlight), 400);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_crashed_runners_claims_become_unknown_once_its_lease_ran_out_and_never_before() {
    let url = pg_server::database();
    let (crashed, run) = runner(&url);
    let w = crashed.writer("c", false).unwrap();
    assert_eq!(claimed(&w.handle().admit(candidates(0..10), Policy::default(), usize::MAX).await.unwrap()), 10);
    w.finish().unwrap();
    let (live, _) = runner(&url);
    let w = live.writer("c", false).unwrap();
    let again = w.handle().admit(candidates(0..10), Policy { retry_unknown: true, ..Policy::default() }, 99);
    assert_eq!(claimed(&again.await.unwrap()), 0, "a live runner's claims are never taken");
    w.finish().unwrap();
    assert_eq!(live.totals("c").unwrap().of(State::InFlight), 10);
    // The crashed runner stops renewing (dropped without ending its run): its lease runs out.
    drop(crashed);
    sql(&url, &format!("UPDATE runs SET lease_until = now() - interval '1 second' WHERE id = {run}"));
    let totals = live.totals("c").unwrap();
    assert_eq!((totals.of(State::Unknown), totals.interrupted), (10, 10), "read as unknown before anyone settles");
    let w = live.writer("c", false).unwrap();
    let kept = w.handle().admit(candidates(0..10), Policy::default(), usize::MAX).await.unwrap();
    assert!(kept.iter().all(|a| matches!(a, Admission::Kept(r) if r.status == crate::results::Status::Unknown)));
    w.finish().unwrap();
    let row = live.row("c", &phone(3)).unwrap().unwrap();
    assert_eq!((row.state, row.record.error_code), (State::Unknown, Some(crate::results::Code::Interrupted)));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_runner_whose_lease_ran_out_claims_nothing_more_but_records_what_it_sent() {
    let url = pg_server::database();
    let (j, run) = runner(&url);
    let w = j.writer("c", false).unwrap();
    let h = w.handle();
    assert_eq!(claimed(&h.admit(candidates(0..3), Policy::default(), usize::MAX).await.unwrap()), 3);
    let sent = |i| crate::results::Record::new(phone(i), Some(i as u64 + 2), crate::results::Status::Sent);
    h.done((0..3).map(sent).collect());
    sql(&url, &format!("UPDATE runs SET lease_until = now() - interval '1 second' WHERE id = {run}"));
    // The outcomes ride along with a claim that fails: they are committed all the same.
    let err = h.admit(candidates(3..8), Policy::default(), usize::MAX).await.unwrap_err();
    assert!(matches!(err, crate::journal::JournalError::LeaseLost), "{err}");
    assert!(j.row("c", &phone(3)).unwrap().is_none());
    assert_eq!(j.totals("c").unwrap().of(State::Sent), 3, "the outcomes were lost with the claims");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_daily_cap_holds_across_runners() {
    let url = pg_server::database();
    let ((mut a, _), (mut b, _)) = (runner(&url), runner(&url));
    for j in [&mut a, &mut b] {
        j.share_limits("cloud_api:42", Some(25), 1000.0, 1).unwrap();
    }
    let (wa, wb) = (a.writer("c", false).unwrap(), b.writer("c", false).unwrap());
    let (ha, hb) = (wa.handle(), wb.handle());
    let mut total = 0;
    for i in 0..4 {
        let (x, y) = tokio::join!(
            ha.admit(candidates(i * 20..i * 20 + 10), Policy::default(), usize::MAX),
            hb.admit(candidates(i * 20 + 10..i * 20 + 20), Policy::default(), usize::MAX)
        );
        total += claimed(&x.unwrap()) + claimed(&y.unwrap());
    }
    assert_eq!(total, 25, "each runner alone would have claimed 25");
    drop((ha, hb));
    wa.finish().unwrap();
    wb.finish().unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn runners_of_one_sender_share_its_rate() {
    let url = pg_server::database();
    let ((mut a, _), (mut b, _)) = (runner(&url), runner(&url));
    let sa = a.share_limits("cloud_api:42", None, 50.0, 1).unwrap().unwrap();
    let sb = b.share_limits("cloud_api:42", None, 50.0, 1).unwrap().unwrap();
    let start = Instant::now();
    let each = |s: crate::journal::Slots| async move {
        for _ in 0..15 {
            s.wait().await;
        }
    };
    tokio::join!(each(sa), each(sb));
    // 30 slots at 50/s: the first at once, the last 29 periods later; alone, each would take 14.
    let took = start.elapsed();
    assert!(took >= Duration::from_millis(29 * 20), "{took:?}");
}

#[test]
fn a_journal_that_cannot_be_reached_says_why_without_the_password() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let url = format!("postgres://herald:hunter2@127.0.0.1:{closed}/h");
    let err = Journal::open(Location::parse(Path::new(&url), false).unwrap(), "c").unwrap_err().to_string();
    assert!(err.contains("herald:***@127.0.0.1") && err.contains("refused"), "{err}");
    assert!(!err.contains("hunter2"), "{err}");
    let url = pg_server::database().replace("/t", "/missing_t");
    let err = Journal::open(Location::parse(Path::new(&url), false).unwrap(), "c").unwrap_err().to_string();
    assert!(err.contains("does not exist"), "{err}");
}

#[test]
fn a_reader_of_a_database_no_send_has_written_finds_no_journal_and_creates_nothing() {
    let url = pg_server::database();
    assert!(Journal::open_read(Location::parse(Path::new(&url), false).unwrap()).unwrap().is_none());
    let schemas = std::thread::spawn(move || {
        let mut client = postgres::Client::connect(&url, postgres::NoTls).unwrap();
        client
            .query_one("SELECT COUNT(*) FROM pg_namespace WHERE nspname LIKE 'herald%'", &[])
            .unwrap()
            .get::<_, i64>(0)
    })
    .join()
    .unwrap();
    assert_eq!(schemas, 0, "a reader created herald's schema");
}

#[test]
fn a_journal_before_campaign_files_is_read_as_it_is_and_migrated_by_a_sender() {
    let url = pg_server::database();
    let at = || Location::parse(Path::new(&url), false).unwrap();
    drop(runner(&url));
    // As migration 2 left it.
    sql(
        &url,
        "ALTER TABLE campaigns DROP COLUMN file; DROP TABLE receipts; ALTER TABLE recipients DROP COLUMN sender;
         DROP INDEX recipients_message_id; DELETE FROM migrations WHERE version >= 3;",
    );
    let reader = Journal::open_read(at()).unwrap().unwrap();
    let known = reader.campaigns().unwrap();
    assert_eq!((known.len(), known[0].file.as_deref()), (1, None), "{known:?}");
    drop(reader);
    let (sender, _) = runner(&url);
    assert_eq!(sender.campaigns().unwrap()[0].file.as_deref(), Some("c.yaml"));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_journal_before_each_recipients_sender_is_read_as_it_is_and_migrated_by_a_sender() {
    let url = pg_server::database();
    let at = || Location::parse(Path::new(&url), false).unwrap();
    let (j, _) = runner(&url);
    let writer = j.writer("c", false).unwrap();
    writer.handle().admit(candidates(0..1), Policy::default(), usize::MAX).await.unwrap();
    writer.finish().unwrap();
    drop(j);
    // As migration 4 left it.
    sql(
        &url,
        &format!(
            "{BEFORE_RECEIPT_TIMES} ALTER TABLE recipients DROP COLUMN sender; DELETE FROM migrations WHERE version >= 5;"
        ),
    );
    let reader = Journal::open_read(at()).unwrap().unwrap();
    let row = reader.row("c", &phone(0)).unwrap().unwrap();
    assert_eq!((row.state, row.record.sender), (State::InFlight, None));
    drop(reader);
    let (sender, _) = runner(&url);
    let writer = sender.writer("c", false).unwrap();
    let mut again = candidates(1..2);
    again[0].sender = Some("5678".into());
    writer.handle().admit(again, Policy::default(), usize::MAX).await.unwrap();
    writer.finish().unwrap();
    assert_eq!(sender.row("c", &phone(1)).unwrap().unwrap().record.sender.as_deref(), Some("5678"));
}

/// Takes migration 6 back: one receipt per message, no index by message id.
const BEFORE_RECEIPT_TIMES: &str = "DROP TABLE receipts; DROP INDEX recipients_message_id;
    CREATE TABLE receipts (message_id TEXT PRIMARY KEY, delivery TEXT NOT NULL, at BIGINT NOT NULL, error_code TEXT);";

#[tokio::test(flavor = "multi_thread")]
async fn a_journal_before_receipt_times_is_read_with_no_receipts_and_a_sender_keeps_them_a_time_per_kind() {
    let url = pg_server::database();
    let at = || Location::parse(Path::new(&url), false).unwrap();
    let (j, _) = runner(&url);
    let writer = j.writer("c", false).unwrap();
    let h = writer.handle();
    h.admit(candidates(0..1), Policy::default(), usize::MAX).await.unwrap();
    let mut sent = crate::results::Record::new(phone(0), Some(2), crate::results::Status::Sent);
    sent.message_id = Some("wamid.0".into());
    h.done(vec![sent]);
    drop(h);
    writer.finish().unwrap();
    drop(j);
    // As migration 5 left it, with a receipt.
    sql(
        &url,
        &format!(
            "{BEFORE_RECEIPT_TIMES} INSERT INTO receipts VALUES ('wamid.0', 'failed', 40, '131026');
             DELETE FROM migrations WHERE version >= 6;"
        ),
    );
    let reader = Journal::open_read(at()).unwrap().unwrap();
    assert_eq!(reader.row("c", &phone(0)).unwrap().unwrap().record.receipts, None, "read with no receipts");
    assert_eq!((reader.funnel("c").unwrap().accepted, reader.funnel("c").unwrap().no_receipt), (1, 1));
    drop(reader);
    let (sender, _) = runner(&url);
    let receipts = sender.row("c", &phone(0)).unwrap().unwrap().record.receipts.unwrap();
    let failed = (receipts.failed_at.map(|t| t.as_millisecond()), receipts.error_code.as_deref());
    assert_eq!(failed, (Some(40), Some("131026")));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_journal_before_pricing_is_read_with_no_pricing_and_a_sender_keeps_its_receipts_and_their_pricing() {
    let url = pg_server::database();
    let at = || Location::parse(Path::new(&url), false).unwrap();
    let (mut j, _) = runner(&url);
    let writer = j.writer("c", false).unwrap();
    let h = writer.handle();
    h.admit(candidates(0..1), Policy::default(), usize::MAX).await.unwrap();
    let mut sent = crate::results::Record::new(phone(0), Some(2), crate::results::Status::Sent);
    sent.message_id = Some("wamid.0".into());
    h.done(vec![sent]);
    drop(h);
    writer.finish().unwrap();
    let delivered = crate::journal::Receipt {
        message_id: "wamid.0".into(),
        delivery: crate::journal::Delivery::Delivered,
        at: jiff::Timestamp::from_millisecond(40).unwrap(),
        error_code: None,
        error: None,
        provider: None,
        pricing: None,
    };
    j.record_receipts(std::slice::from_ref(&delivered)).unwrap();
    drop(j);
    // As migration 6 left it.
    sql(
        &url,
        "ALTER TABLE receipts DROP COLUMN billable, DROP COLUMN pricing_category, DROP COLUMN pricing_type;
         DELETE FROM migrations WHERE version >= 7;",
    );
    let reader = Journal::open_read(at()).unwrap().unwrap();
    let receipts = reader.row("c", &phone(0)).unwrap().unwrap().record.receipts.unwrap();
    assert_eq!((receipts.delivered_at.map(|t| t.as_millisecond()), receipts.pricing), (Some(40), None));
    drop(reader);
    let (mut sender, _) = runner(&url);
    let pricing = crate::providers::Pricing { billable: true, category: "marketing".into(), kind: "regular".into() };
    let priced = crate::journal::Receipt { pricing: Some(pricing.clone()), ..delivered };
    sender.record_receipts(&[priced]).unwrap();
    let receipts = sender.row("c", &phone(0)).unwrap().unwrap().record.receipts.unwrap();
    assert_eq!((receipts.delivered_at.map(|t| t.as_millisecond()), receipts.pricing), (Some(40), Some(pricing)));
}

#[test]
fn a_heartbeat_renews_a_live_lease_and_never_revives_one_that_ran_out() {
    use super::lease::Heartbeat;
    let url = pg_server::database();
    let (_live, live) = runner(&url);
    let (_dead, dead) = runner(&url);
    sql(&url, &format!("UPDATE runs SET lease_until = now() + interval '1 second' WHERE id = {live}"));
    sql(&url, &format!("UPDATE runs SET lease_until = now() - interval '1 second' WHERE id = {dead}"));
    let connect = {
        let url = url.clone();
        move || super::connect::connect(&url, "herald", "test")
    };
    let beats: Vec<Heartbeat> = [live, dead]
        .into_iter()
        .map(|run| {
            let connect = connect.clone();
            let client = std::thread::spawn(connect.clone()).join().unwrap().unwrap();
            Heartbeat::start(client, connect, run, Duration::from_millis(50)).unwrap()
        })
        .collect();
    std::thread::sleep(Duration::from_millis(400));
    drop(beats);
    let url2 = url.clone();
    let leases = std::thread::spawn(move || {
        let mut c = postgres::Client::connect(&url2, postgres::NoTls).unwrap();
        let q = "SELECT lease_until > now() + interval '10 seconds' FROM herald.runs WHERE id = $1";
        (c.query_one(q, &[&live]).unwrap().get::<_, bool>(0), c.query_one(q, &[&dead]).unwrap().get::<_, bool>(0))
    })
    .join()
    .unwrap();
    assert_eq!(leases, (true, false), "(live renewed, dead revived)");
}

#[tokio::test(flavor = "multi_thread")]
async fn slots_that_went_by_unused_are_not_spent_in_a_burst() {
    let url = pg_server::database();
    let (mut j, _) = runner(&url);
    let slots = j.share_limits("cloud_api:42", None, 20.0, 1).unwrap().unwrap();
    slots.wait().await;
    // A pause (a retry, a window) lets the rest of the block go by.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let start = Instant::now();
    for _ in 0..4 {
        slots.wait().await;
    }
    let took = start.elapsed();
    assert!(took >= Duration::from_millis(140), "four slots at 20/s came in {took:?}");
}
