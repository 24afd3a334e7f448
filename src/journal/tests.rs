//! Journal round trips: batched claims, outcomes and releases through the writer thread, the
//! policy on re-runs, crash settling, and rows a campaign no longer lists. Those that hold for
//! both backends run against SQLite and a real PostgreSQL.

use super::writer::{Admission, Candidate};
use super::*;
use crate::results::{Code, Record, Status};

pub(super) fn phone(i: usize) -> String {
    format!("+2547{:08}", 10_000_000 + i)
}

pub(super) fn candidate(i: usize) -> Candidate {
    Candidate {
        recipient: phone(i),
        csv_line: Some(i as u64 + 2),
        request_hash: Some([i as u8; 32]),
        body: None,
        sender: Some(format!("{}", 100 + i % 2)),
    }
}

pub(super) fn outcome(i: usize, status: Status) -> Record {
    let mut r = Record::new(phone(i), Some(i as u64 + 2), status);
    r.attempts = 1;
    if status == Status::Failed {
        r.error_code = Some(Code::Provider("131026".into()));
        r.error_message = Some("not on WhatsApp".into());
    }
    r
}

#[path = "../../tests/pg_server.rs"]
pub(super) mod pg_server;

/// A journal backend under test.
#[derive(Clone, Copy)]
enum Backend {
    Sqlite,
    Postgres,
}

/// Runs a test against both backends.
macro_rules! both {
    ($name:ident) => {
        mod $name {
            #[tokio::test(flavor = "multi_thread")]
            async fn sqlite() {
                super::$name(super::Backend::Sqlite).await;
            }

            #[tokio::test(flavor = "multi_thread")]
            async fn postgres() {
                super::$name(super::Backend::Postgres).await;
            }
        }
    };
}

/// A fresh journal's place (and the folder holding an SQLite one).
fn place(backend: Backend) -> (tempfile::TempDir, Location) {
    let dir = tempfile::tempdir().unwrap();
    let at = match backend {
        Backend::Sqlite => Location::File(dir.path().join("j.db")),
        Backend::Postgres => Location::parse(Path::new(&pg_server::database()), false).unwrap(),
    };
    (dir, at)
}

/// A journal in which campaign `c` has begun a run.
fn open_in(backend: Backend) -> (tempfile::TempDir, Journal, i64) {
    let (dir, at) = place(backend);
    let mut j = Journal::open(&at, "c").unwrap();
    let run =
        j.begin_run("c", &HashMap::from([("message".into(), "m1".into())]), "c.yaml", "send", "cloud_api:42").unwrap();
    (dir, j, run)
}

/// An SQLite journal in which campaign `c` has begun a run.
pub(super) fn open() -> (tempfile::TempDir, Journal) {
    let (dir, j, _) = open_in(Backend::Sqlite);
    (dir, j)
}

both!(claims_are_committed_in_batches_and_outcomes_ride_along);
async fn claims_are_committed_in_batches_and_outcomes_ride_along(backend: Backend) {
    let (_dir, mut j, run) = open_in(backend);
    let writer = j.writer("c", false).unwrap();
    let h = writer.handle();
    let first = h.admit((0..50).map(candidate).collect(), Policy::default(), 30).await.unwrap();
    assert_eq!(first.iter().filter(|a| **a == Admission::Claimed).count(), 30, "the budget caps claims");
    assert_eq!(first[30..].iter().filter(|a| **a == Admission::Unclaimed).count(), 20);
    assert_eq!(j.totals("c").unwrap().of(State::InFlight), 30, "claims are durable when admit returns");
    h.done((0..20).map(|i| outcome(i, Status::Sent)).collect());
    h.done(vec![outcome(20, Status::Failed)]);
    h.release(vec![phone(21)]);
    let more = h.admit((50..60).map(candidate).collect(), Policy::default(), 10).await.unwrap();
    assert!(more.iter().all(|a| *a == Admission::Claimed));
    drop(h);
    let stats = writer.finish().unwrap();
    assert_eq!(stats.claimed, 40);
    assert!(stats.commits <= 3, "outcomes rode along with the second batch: {stats:?}");
    let totals = j.totals("c").unwrap();
    assert_eq!((totals.of(State::Sent), totals.of(State::Failed), totals.of(State::InFlight)), (20, 1, 18));
    assert!(j.row("c", &phone(21)).unwrap().is_none(), "a released first claim leaves no row");
    // The run ends with claims left in flight, as a writer that failed leaves them.
    j.end_run(run, None, 1).unwrap();
    assert_eq!(j.settle_crashed("c").unwrap(), 18);
    let settled = j.row("c", &phone(25)).unwrap().unwrap();
    assert_eq!((settled.state, settled.record.error_code), (State::Unknown, Some(Code::Interrupted)));
    let failed = j.row("c", &phone(20)).unwrap().unwrap();
    assert_eq!(failed.record.error_message.as_deref(), Some("not on WhatsApp"));
    assert_eq!(failed.request_hash, [20; 32]);
    assert_eq!(j.runs("c").unwrap().len(), 1);
    assert_eq!(j.sections("c").unwrap().unwrap()["message"], "m1");
}

both!(a_rerun_keeps_final_rows_unless_told_to_retry_and_restores_released_retries);
async fn a_rerun_keeps_final_rows_unless_told_to_retry_and_restores_released_retries(backend: Backend) {
    let (_dir, mut j, run) = open_in(backend);
    let writer = j.writer("c", false).unwrap();
    let h = writer.handle();
    h.admit((0..4).map(candidate).collect(), Policy::default(), usize::MAX).await.unwrap();
    h.done(vec![outcome(0, Status::Sent), outcome(1, Status::Failed), outcome(2, Status::Unknown)]);
    drop(h);
    writer.finish().unwrap();
    j.end_run(run, None, 1).unwrap();
    j.settle_crashed("c").unwrap();
    j.begin_run("c", &HashMap::from([("message".into(), "m1".into())]), "c.yaml", "send", "cloud_api:42").unwrap();

    let writer = j.writer("c", false).unwrap();
    let h = writer.handle();
    let kept = h.admit((0..5).map(candidate).collect(), Policy::default(), usize::MAX).await.unwrap();
    assert!(matches!(&kept[0], Admission::Kept(r) if r.status == Status::Sent));
    assert!(matches!(&kept[1], Admission::Kept(r) if r.status == Status::Failed));
    assert!(matches!(&kept[2], Admission::Kept(r) if r.status == Status::Unknown));
    assert!(matches!(&kept[3], Admission::Kept(r) if r.error_code == Some(Code::Interrupted)));
    assert_eq!(kept[4], Admission::Claimed, "never attempted");
    let retry = Policy { retry_failed: true, retry_unknown: false, ..Policy::default() };
    let again = h.admit(vec![candidate(1)], retry, usize::MAX).await.unwrap();
    assert_eq!(again, [Admission::Claimed]);
    h.release(vec![phone(1)]);
    let gone = h.gone().await.unwrap();
    assert!(gone.is_empty(), "{gone:?}");
    drop(h);
    writer.finish().unwrap();
    assert_eq!(j.row("c", &phone(1)).unwrap().unwrap().state, State::Failed, "a released retry is failed again");
}

both!(each_recipients_sender_is_recorded_with_the_claim_and_read_back);
async fn each_recipients_sender_is_recorded_with_the_claim_and_read_back(backend: Backend) {
    let (_dir, j, _) = open_in(backend);
    let writer = j.writer("c", false).unwrap();
    let h = writer.handle();
    h.admit((0..3).map(candidate).collect(), Policy::default(), usize::MAX).await.unwrap();
    h.done(vec![outcome(0, Status::Sent), outcome(1, Status::Failed)]);
    // Committed with the next batch: a reader sees the send under way with its senders.
    h.admit(vec![candidate(3)], Policy::default(), usize::MAX).await.unwrap();
    let reader = Journal::open_read(j.location()).unwrap().unwrap();
    let sender = |j: &Journal, i| j.row("c", &phone(i)).unwrap().unwrap().record.sender;
    assert_eq!((sender(&reader, 0), sender(&reader, 2)), (Some("100".into()), Some("100".into())));
    drop(reader);
    drop(h);
    writer.finish().unwrap();
    let senders: Vec<_> = (0..4).map(|i| sender(&j, i)).collect();
    assert_eq!(senders, [Some("100"), Some("101"), Some("100"), Some("101")].map(|s| s.map(String::from)));
}

both!(rows_the_campaign_no_longer_lists_are_found);
async fn rows_the_campaign_no_longer_lists_are_found(backend: Backend) {
    let (_dir, j, _) = open_in(backend);
    let writer = j.writer("c", false).unwrap();
    let h = writer.handle();
    h.admit((0..3).map(candidate).collect(), Policy::default(), usize::MAX).await.unwrap();
    h.done((0..3).map(|i| outcome(i, Status::Sent)).collect());
    drop(h);
    writer.finish().unwrap();
    let writer = j.writer("c", false).unwrap();
    let h = writer.handle();
    h.admit(vec![candidate(1), candidate(7)], Policy::default(), 0).await.unwrap();
    let gone: Vec<String> = h.gone().await.unwrap().into_iter().map(|r| r.recipient).collect();
    assert_eq!(gone, [phone(0), phone(2)]);
}

#[test]
fn the_request_hash_ignores_connection_settings_but_not_the_message() {
    let a = request_hash("POST", "https://x/42/messages", "https://x", "42", b"{\"a\":1}");
    assert_eq!(crate::hex::encode(&a).len(), 64);
    // Another host, another account: the same message.
    assert_eq!(request_hash("POST", "http://127.0.0.1:9/77/messages", "http://127.0.0.1:9", "77", b"{\"a\":1}"), a);
    let body_account = |account: &str| {
        request_hash(
            "POST",
            "https://c/messages/text",
            "https://c",
            account,
            format!(r#"{{"instance":"{account}","text":"hi"}}"#).as_bytes(),
        )
    };
    assert_eq!(body_account("shop-1"), body_account("shop-2"));
    assert_ne!(request_hash("POST", "https://x/42/messages", "https://x", "42", b"{\"a\":2}"), a);
    // Journals written before kept the account in the hash; that form is still recognised.
    assert_ne!(legacy_request_hash("POST", "https://x/42/messages", "https://x", b"{\"a\":1}"), a);
}

both!(a_reader_sees_a_send_under_way_and_never_folds_it);
async fn a_reader_sees_a_send_under_way_and_never_folds_it(backend: Backend) {
    let (_dir, j, _) = open_in(backend);
    let writer = j.writer("c", false).unwrap();
    let h = writer.handle();
    h.admit((0..3).map(candidate).collect(), Policy::default(), usize::MAX).await.unwrap();
    h.done(vec![outcome(0, Status::Sent)]);
    // The outcome is committed with the next batch.
    h.admit(vec![candidate(3)], Policy::default(), usize::MAX).await.unwrap();

    let reader = Journal::open_read(j.location()).unwrap().unwrap();
    let totals = reader.totals("c").unwrap();
    assert_eq!((totals.of(State::Sent), totals.of(State::InFlight)), (1, 3));
    assert_eq!(reader.row("c", &phone(0)).unwrap().unwrap().state, State::Sent);
    assert_eq!(reader.row("c", &phone(3)).unwrap().unwrap().state, State::InFlight);
    let looker = reader.writer("c", false).unwrap();
    let seen = looker.handle().admit(vec![candidate(0), candidate(9)], Policy::default(), 0).await.unwrap();
    assert!(matches!(&seen[0], Admission::Kept(r) if r.status == Status::Sent));
    assert_eq!(seen[1], Admission::Unclaimed);
    let gone: Vec<String> = looker.handle().gone().await.unwrap().into_iter().map(|r| r.recipient).collect();
    assert_eq!(gone, [phone(1), phone(2), phone(3)], "rows of the send under way count as listed before");
    looker.finish().unwrap();

    // The reader's writer left the log alone: the send's outcomes still land.
    h.done(vec![outcome(1, Status::Sent)]);
    drop(h);
    writer.finish().unwrap();
    let totals = j.totals("c").unwrap();
    assert_eq!((totals.of(State::Sent), totals.of(State::InFlight)), (2, 2));
}

/// A receipt for message `id`, `ms` milliseconds into the Unix epoch; a failure with Meta's
/// 131047 and its words.
fn receipt(id: &str, delivery: Delivery, ms: i64) -> Receipt {
    let failed = delivery == Delivery::Failed;
    Receipt {
        message_id: id.into(),
        delivery,
        at: from_millis(ms),
        error_code: failed.then(|| "131047".to_string()),
        error: failed.then(|| "Re-engagement message".to_string()),
        provider: None,
        pricing: None,
    }
}

/// Meta's pricing of a message in `category`.
fn priced(category: &str, billable: bool) -> Option<crate::providers::Pricing> {
    Some(crate::providers::Pricing { billable, category: category.into(), kind: "regular".into() })
}

both!(a_message_keeps_the_first_pricing_reported_and_its_rows_carry_it);
async fn a_message_keeps_the_first_pricing_reported_and_its_rows_carry_it(backend: Backend) {
    let (_dir, mut j, _) = open_in(backend);
    sent(&j, 3).await;
    let with = |id: &str, delivery, ms, pricing| Receipt { pricing, ..receipt(id, delivery, ms) };
    let first = [
        with("wamid.0", Delivery::Delivered, 10, None),
        with("wamid.1", Delivery::Delivered, 10, priced("marketing", true)),
    ];
    assert_eq!(counts(j.record_receipts(&first).unwrap()), (2, 0, 0));
    let late = [
        with("wamid.0", Delivery::Delivered, 10, priced("utility", true)),
        with("wamid.1", Delivery::Read, 20, priced("service", false)),
        with("wamid.1", Delivery::Read, 20, priced("service", false)),
    ];
    assert_eq!(counts(j.record_receipts(&late).unwrap()), (2, 1, 0), "a pricing not known yet is news");
    let got = |j: &Journal, i: usize| j.row("c", &phone(i)).unwrap().unwrap().record.receipts.unwrap().pricing;
    assert_eq!(got(&j, 0), priced("utility", true), "the first pricing reported, though after the delivery");
    assert_eq!(got(&j, 1), priced("marketing", true), "a later one changes nothing");
    let reader = Journal::open_read(j.location()).unwrap().unwrap();
    let rows = reader.rows("c", &[phone(1)]).unwrap();
    assert_eq!(rows[&phone(1)].record.receipts.as_ref().unwrap().pricing, priced("marketing", true));
    let mut billed = crate::cost::Charges::default();
    billed.count(&phone(0), "utility".into());
    billed.count(&phone(1), "marketing".into());
    assert_eq!(reader.charges("c").unwrap(), billed, "the billable messages, for `herald status`");
}

/// Campaign `c` of a journal with `n` recipients sent, message `wamid.<i>` each (recipient
/// `n` is claimed and never answered).
async fn sent(j: &Journal, n: usize) {
    let writer = j.writer("c", false).unwrap();
    let h = writer.handle();
    h.admit((0..=n).map(candidate).collect(), Policy::default(), usize::MAX).await.unwrap();
    h.done(
        (0..n)
            .map(|i| {
                let mut r = outcome(i, Status::Sent);
                r.message_id = Some(format!("wamid.{i}"));
                r
            })
            .collect(),
    );
    drop(h);
    writer.finish().unwrap();
}

/// Recorded as (new, repeated, unknown).
fn counts(r: Recorded) -> (usize, usize, usize) {
    (r.new, r.repeated, r.unknown)
}

both!(receipts_fold_forward_once_each_in_any_order_and_ride_on_the_rows);
async fn receipts_fold_forward_once_each_in_any_order_and_ride_on_the_rows(backend: Backend) {
    let (_dir, mut j, _) = open_in(backend);
    // The provider's receipt for the fourth message outruns the answer to its request.
    assert_eq!(counts(j.record_receipts(&[receipt("wamid.3", Delivery::Delivered, 5)]).unwrap()), (0, 0, 1));
    sent(&j, 4).await;
    let first = [
        receipt("wamid.0", Delivery::Delivered, 10),
        receipt("wamid.1", Delivery::Read, 20),
        receipt("wamid.2", Delivery::Failed, 30),
        receipt("wamid.3", Delivery::Delivered, 6),
        receipt("wamid.0", Delivery::Delivered, 10),
    ];
    assert_eq!(counts(j.record_receipts(&first).unwrap()), (3, 2, 0), "the same kind again is no news");
    let late = [
        receipt("wamid.0", Delivery::Read, 40),
        receipt("wamid.1", Delivery::Delivered, 15),
        receipt("wamid.2", Delivery::Delivered, 50),
        receipt("wamid.2", Delivery::Failed, 60),
        receipt("wamid.1", Delivery::Read, 20),
    ];
    assert_eq!(counts(j.record_receipts(&late).unwrap()), (3, 2, 0));
    let got = |j: &Journal, i: usize| j.row("c", &phone(i)).unwrap().unwrap().record.receipts;
    let at = |ms: i64| Some(from_millis(ms));
    let zero = got(&j, 0).unwrap();
    assert_eq!((zero.delivery(), zero.delivered_at, zero.read_at), (Some(Delivery::Read), at(10), at(40)));
    let one = got(&j, 1).unwrap();
    assert_eq!((one.delivered_at, one.read_at), (at(15), at(20)), "a delivery reported after the read is kept");
    let two = got(&j, 2).unwrap();
    assert_eq!((two.delivery(), two.conflict(), two.failed_at), (Some(Delivery::Failed), true, at(30)));
    assert_eq!((two.error_code.as_deref(), two.error.as_deref()), (Some("131047"), Some("Re-engagement message")));
    assert_eq!(got(&j, 3).unwrap().delivered_at, at(5), "the first report stands");
    assert_eq!(got(&j, 4), None, "no answer, no message id");
    let reader = Journal::open_read(j.location()).unwrap().unwrap();
    let rows = reader.rows("c", &[phone(0), phone(2)]).unwrap();
    assert_eq!(rows[&phone(0)].record.receipts, Some(zero), "a reader sees them, in a batch too");
    assert_eq!(rows[&phone(2)].record.receipts, Some(two));
}

both!(receipts_matching_no_recipient_are_kept_through_the_grace_then_swept);
async fn receipts_matching_no_recipient_are_kept_through_the_grace_then_swept(backend: Backend) {
    let (_dir, mut j, _) = open_in(backend);
    let early = [receipt("wamid.0", Delivery::Delivered, 10), receipt("wamid.other", Delivery::Read, 10)];
    assert_eq!(counts(j.record_receipts(&early).unwrap()), (0, 0, 2));
    let now = jiff::Timestamp::now();
    assert_eq!(j.sweep_receipts(now - GRACE).unwrap(), 0, "within the grace, both are kept");
    sent(&j, 1).await;
    assert!(j.row("c", &phone(0)).unwrap().unwrap().record.receipts.is_some(), "the early one found its row");
    assert_eq!(j.sweep_receipts(now + std::time::Duration::from_secs(1)).unwrap(), 1, "only the stranger goes");
    assert!(j.row("c", &phone(0)).unwrap().unwrap().record.receipts.is_some());
    assert_eq!(j.sweep_receipts(now + std::time::Duration::from_secs(1)).unwrap(), 0, "a matched one stays matched");
    assert_eq!(counts(j.record_receipts(&[receipt("wamid.other", Delivery::Read, 10)]).unwrap()), (0, 0, 1));
    assert_eq!(counts(j.record_receipts(&[receipt("wamid.0", Delivery::Delivered, 10)]).unwrap()), (0, 1, 0));
}

both!(the_funnel_and_the_messages_awaiting_a_receipt_are_counted_by_the_journal);
async fn the_funnel_and_the_messages_awaiting_a_receipt_are_counted_by_the_journal(backend: Backend) {
    let (_dir, mut j, _) = open_in(backend);
    assert_eq!(j.funnel("c").unwrap(), crate::receipts::Funnel::default());
    sent(&j, 7).await;
    let mut held = receipt("wamid.4", Delivery::Failed, 45);
    held.error_code = Some("131049".into());
    held.error = None;
    let mut no_code = receipt("wamid.6", Delivery::Failed, 46);
    (no_code.error_code, no_code.error) = (None, None);
    j.record_receipts(&[
        receipt("wamid.0", Delivery::Delivered, 10),
        receipt("wamid.1", Delivery::Read, 20),
        receipt("wamid.2", Delivery::Failed, 30),
        receipt("wamid.2", Delivery::Delivered, 31),
        held,
        no_code,
        receipt("wamid.elsewhere", Delivery::Read, 20),
    ])
    .unwrap();
    let funnel = j.funnel("c").unwrap();
    let mut expected = crate::receipts::Funnel::default();
    for i in 0..7 {
        expected.add(j.row("c", &phone(i)).unwrap().unwrap().record.receipts.as_ref());
    }
    assert_eq!(funnel, expected, "the database counts as the fold does");
    assert_eq!((funnel.accepted, funnel.delivered, funnel.read, funnel.failed), (7, 2, 1, 3));
    assert_eq!((funnel.no_receipt, funnel.conflicts), (2, 1));
    let codes: Vec<(&str, usize, Option<&str>)> =
        funnel.failures.iter().map(|(c, f)| (c.as_str(), f.count, f.error.as_deref())).collect();
    assert_eq!(codes, [("", 1, None), ("131047", 1, Some("Re-engagement message")), ("131049", 1, None)]);

    let awaiting = |after: Option<&str>| -> Vec<String> {
        j.awaiting("c", after, 1).unwrap().into_iter().map(|a| a.message_id).collect()
    };
    assert_eq!(awaiting(None), ["wamid.3"], "a page of one");
    assert_eq!(awaiting(Some(&phone(3))), ["wamid.5"], "the next page, after the last one's recipient");
    assert!(awaiting(Some(&phone(5))).is_empty(), "the unanswered recipient has no message to await");
    let first = &j.awaiting("c", None, 10).unwrap()[0];
    assert_eq!((first.recipient.as_str(), first.sender.as_deref()), (phone(3).as_str(), Some("101")));
    let reader = Journal::open_read(j.location()).unwrap().unwrap();
    assert_eq!(reader.funnel("c").unwrap(), funnel);
}

both!(retry_failed_resends_a_failure_reported_after_acceptance_as_the_provider_allows);
async fn retry_failed_resends_a_failure_reported_after_acceptance_as_the_provider_allows(backend: Backend) {
    let (_dir, mut j, run) = open_in(backend);
    sent(&j, 4).await;
    let now = jiff::Timestamp::now();
    let failed = |i: usize, code: &str, hours_ago: i64| Receipt {
        message_id: format!("wamid.{i}"),
        delivery: Delivery::Failed,
        at: now - jiff::SignedDuration::from_hours(hours_ago),
        error_code: Some(code.into()),
        error: Some("from the provider".into()),
        provider: None,
        pricing: None,
    };
    let delivered = Receipt { delivery: Delivery::Delivered, error_code: None, error: None, ..failed(3, "", 0) };
    j.record_receipts(&[failed(0, "131026", 1), failed(1, "131049", 1), failed(2, "131049", 25), delivered]).unwrap();
    j.end_run(run, None, 1).unwrap();
    j.settle_crashed("c").unwrap();
    j.begin_run("c", &HashMap::from([("message".into(), "m1".into())]), "c.yaml", "send", "cloud_api:42").unwrap();

    let meta = crate::providers::ProviderKind::named("cloud_api").unwrap().provider().resend_rules();
    let writer = j.writer("c", false).unwrap();
    let h = writer.handle();
    let plain =
        h.admit((0..4).map(candidate).collect(), Policy { resend_rules: meta, ..Policy::default() }, usize::MAX);
    let plain = plain.await.unwrap();
    assert!(
        plain.iter().all(|a| matches!(a, Admission::Kept(r) if r.status == Status::Sent && r.error_message.is_none())),
        "without --retry-failed they stay sent: {plain:?}"
    );
    let retry = Policy { retry_failed: true, resend_rules: meta, ..Policy::default() };
    let admitted = h.admit((0..4).map(candidate).collect(), retry, usize::MAX).await.unwrap();
    let note = |a: &Admission| match a {
        Admission::Kept(r) => r.error_message.clone().unwrap_or_default(),
        other => format!("{other:?}"),
    };
    assert!(note(&admitted[0]).starts_with("not resent: ") && note(&admitted[0]).contains("(131026)"), "{admitted:?}");
    assert!(note(&admitted[1]).contains("(131049); --retry-failed resends it from "), "{admitted:?}");
    assert_eq!(admitted[2], Admission::Claimed, "a day after Meta's marketing cap held it back");
    assert!(matches!(&admitted[3], Admission::Kept(r) if r.error_message.is_none()), "delivered stays sent");
    h.release(vec![phone(2)]);
    drop(h);
    writer.finish().unwrap();
}

both!(receipts_of_a_send_under_way_are_known_and_counted_by_a_reader);
async fn receipts_of_a_send_under_way_are_known_and_counted_by_a_reader(backend: Backend) {
    let (_dir, mut j, _) = open_in(backend);
    let writer = j.writer("c", false).unwrap();
    let h = writer.handle();
    h.admit((0..3).map(candidate).collect(), Policy::default(), usize::MAX).await.unwrap();
    let answered = |i: usize| {
        let mut r = outcome(i, Status::Sent);
        r.message_id = Some(format!("wamid.{i}"));
        r
    };
    h.done(vec![answered(0), answered(1)]);
    // The outcomes are committed with the next batch, into SQLite's log, not folded yet.
    h.admit(vec![candidate(3)], Policy::default(), usize::MAX).await.unwrap();
    let known = j.record_receipts(&[receipt("wamid.0", Delivery::Read, 10)]).unwrap();
    assert_eq!(counts(known), (1, 0, 0), "a message of the send under way is known");
    let reader = Journal::open_read(j.location()).unwrap().unwrap();
    let funnel = reader.funnel("c").unwrap();
    assert_eq!((funnel.accepted, funnel.read, funnel.no_receipt), (2, 1, 1));
    let awaiting: Vec<String> = reader.awaiting("c", None, 10).unwrap().into_iter().map(|a| a.message_id).collect();
    assert_eq!(awaiting, ["wamid.1"]);
    assert!(reader.row("c", &phone(0)).unwrap().unwrap().record.receipts.is_some());
    drop(h);
    writer.finish().unwrap();
}

/// The message of `e` and of every error under it.
fn chain(e: &JournalError) -> String {
    let mut text = e.to_string();
    let mut cause = std::error::Error::source(e);
    while let Some(c) = cause {
        text = format!("{text} / {c}");
        cause = c.source();
    }
    text
}

both!(a_failed_query_says_it_was_reading_the_journal);
async fn a_failed_query_says_it_was_reading_the_journal(backend: Backend) {
    let (_dir, j, _) = open_in(backend);
    let drop = "ALTER TABLE runs RENAME TO runs_gone";
    match j.location() {
        Location::File(path) => rusqlite::Connection::open(path).unwrap().execute_batch(drop).unwrap(),
        Location::Postgres { url, .. } => {
            let (url, sql) = (url.clone(), format!("SET search_path TO herald; {drop}"));
            std::thread::spawn(move || {
                ::postgres::Client::connect(&url, ::postgres::NoTls).unwrap().batch_execute(&sql)
            })
            .join()
            .unwrap()
            .unwrap();
        }
    }
    let err = j.runs("c").err().unwrap();
    assert!(matches!(err, JournalError::Read(_)), "{err:?}");
    assert!(err.to_string().starts_with("cannot read the journal: "), "{err}");
    assert!(err.to_string().contains("runs"), "the driver's reason: {err}");
    assert!(!chain(&err).contains("secret-pw"), "{}", chain(&err));
}

#[test]
fn a_journal_that_cannot_be_reached_is_named_without_its_password() {
    let url = "postgres://herald:s3cret-pw@127.0.0.1:1/nowhere?connect_timeout=2";
    let err = Journal::open(Location::parse(Path::new(url), false).unwrap(), "c").err().unwrap();
    assert!(matches!(err, JournalError::Open { source: Driver::Postgres(_), .. }), "{err:?}");
    let text = err.to_string();
    assert!(text.starts_with("cannot connect to the journal postgres://herald:***@127.0.0.1:1/nowhere"), "{text}");
    assert!(!chain(&err).contains("s3cret-pw"), "{}", chain(&err));
    let dir = tempfile::tempdir().unwrap();
    let err = Journal::open(Location::File(dir.path().to_path_buf()), "c").err().unwrap();
    assert!(matches!(err, JournalError::Open { source: Driver::Sqlite(_), .. }), "{err:?}");
    assert!(err.to_string().starts_with("cannot open the journal "), "{err}");
}

both!(a_resend_forgets_the_receipts_of_the_message_it_replaces_even_under_the_same_id);
async fn a_resend_forgets_the_receipts_of_the_message_it_replaces_even_under_the_same_id(backend: Backend) {
    let (_dir, mut j, run) = open_in(backend);
    sent(&j, 1).await;
    let failed = Receipt {
        message_id: "wamid.0".into(),
        delivery: Delivery::Failed,
        at: jiff::Timestamp::now(),
        error_code: None,
        error: None,
        provider: None,
        pricing: None,
    };
    j.record_receipts(std::slice::from_ref(&failed)).unwrap();
    j.end_run(run, None, 1).unwrap();
    j.begin_run("c", &HashMap::from([("message".into(), "m1".into())]), "c.yaml", "send", "communiktor:i").unwrap();
    let writer = j.writer("c", false).unwrap();
    let h = writer.handle();
    let retry = Policy { retry_failed: true, ..Policy::default() };
    assert_eq!(h.admit(vec![candidate(0)], retry, usize::MAX).await.unwrap(), vec![Admission::Claimed]);
    // Communiktor's id is herald's own, the same for the resend.
    let mut again = outcome(0, Status::Sent);
    again.message_id = Some("wamid.0".into());
    h.done(vec![again]);
    drop(h);
    writer.finish().unwrap();
    let row = j.row("c", &phone(0)).unwrap().unwrap();
    assert_eq!(row.record.receipts, None, "the old failure is not the new message's: {row:?}");
    assert_eq!(j.funnel("c").unwrap().failed, 0);
}

both!(a_receipt_from_another_providers_route_is_counted_never_written);
async fn a_receipt_from_another_providers_route_is_counted_never_written(backend: Backend) {
    let (_dir, mut j, _) = open_in(backend);
    sent(&j, 1).await;
    let from = |provider: &str| Receipt {
        provider: crate::providers::ProviderKind::named(provider),
        ..receipt("wamid.0", Delivery::Failed, 10)
    };
    // The campaign sends through the Cloud API: a FlowIQ post naming its wamid is a forgery.
    assert_eq!(counts(j.record_receipts(&[from("flowiq")]).unwrap()), (0, 0, 1));
    assert_eq!(j.row("c", &phone(0)).unwrap().unwrap().record.receipts, None, "nothing written");
    assert_eq!(counts(j.record_receipts(&[from("cloud_api")]).unwrap()), (1, 0, 0));
    assert_eq!(j.funnel("c").unwrap().failed, 1);
}

both!(the_recipients_another_campaign_of_the_sender_messaged_lately_are_known);
async fn the_recipients_another_campaign_of_the_sender_messaged_lately_are_known(backend: Backend) {
    let (_dir, mut j, _) = open_in(backend);
    sent(&j, 3).await;
    let hour_ago = jiff::Timestamp::now() - jiff::SignedDuration::from_hours(1);
    let messaged = |j: &Journal, sender: &str, campaign: &str, since| {
        let mut v: Vec<String> = j.messaged_since(sender, campaign, since).unwrap().into_iter().collect();
        v.sort();
        v
    };
    // The fourth is in flight: it may have been messaged.
    assert_eq!(messaged(&j, "cloud_api:42", "promo", hour_ago), [phone(0), phone(1), phone(2), phone(3)]);
    assert_eq!(messaged(&j, "cloud_api:4", "promo", hour_ago), Vec::<String>::new(), "another sender");
    assert_eq!(messaged(&j, "cloud_api:42", "c", hour_ago), Vec::<String>::new(), "the campaign's own");
    let later = jiff::Timestamp::now() + jiff::SignedDuration::from_hours(1);
    assert_eq!(messaged(&j, "cloud_api:42", "promo", later), Vec::<String>::new(), "not since then");
    // A campaign of two senders (`provider.senders`) counts for each.
    j.begin_run("two", &HashMap::new(), "two.yaml", "send", "cloud_api:7 cloud_api:42").unwrap();
    assert_eq!(messaged(&j, "cloud_api:7", "c", hour_ago), Vec::<String>::new(), "`two` sent nothing");
}
