//! The delivery gate: after its last pass a session waits for delivery receipts (written into
//! the journal by a receiver beside it: here a thread recording them as `herald listen` would),
//! rebuilds its report with them, and fails below `delivery.min_delivered`; a wait with no
//! receipts ends when its time is up, and the gate fails then too.

use super::*;
use herald::journal::{Delivery, Receipt};
use std::time::Duration;

/// `n` recipients through the Cloud API, with `delivery` settings.
fn campaign(n: usize, delivery: &str) -> String {
    let list: Vec<String> = (0..n).map(|i| format!("\"+2547{:08}\"", 50_000_000 + i)).collect();
    format!(
        "version: 1\nid: receipts-test\nprovider:\n  kind: cloud_api\n  base_url: http://127.0.0.1:9\n  token_env: WA_TOKEN\n  phone_number_id: \"42\"\nrecipients:\n  list: [{}]\nmessage:\n  type: text\n  text: \"Hi\"\ndelivery: {{ rate: 100/s, {delivery} }}\n",
        list.join(", ")
    )
}

/// A receiver beside the session: once the journal at `journal` has `n` accepted messages of
/// the campaign, records for them, in order, the receipts `fates` gives (`None`: none).
fn receiver(
    journal: std::path::PathBuf,
    n: usize,
    fates: Vec<Option<(Delivery, Option<&'static str>)>>,
) -> std::thread::JoinHandle<()> {
    std::thread::spawn(move || {
        let deadline = std::time::Instant::now() + Duration::from_secs(30);
        let awaiting = loop {
            assert!(std::time::Instant::now() < deadline, "the session never sent");
            if let Ok(j) = Journal::open_listener(Location::from(journal.as_path()))
                && let Ok(a) = j.awaiting("receipts-test", None, 100)
                && a.len() == n
            {
                break a;
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        let at: jiff::Timestamp = "2026-12-01T10:00:00Z".parse().unwrap();
        let receipts: Vec<Receipt> = awaiting
            .iter()
            .zip(&fates)
            .filter_map(|(a, fate)| fate.map(|(delivery, code)| (a, delivery, code)))
            .map(|(a, delivery, code)| Receipt {
                message_id: a.message_id.clone(),
                delivery,
                at,
                error_code: code.map(str::to_string),
                error: None,
                provider: None,
                pricing: None,
            })
            .collect();
        let mut j = Journal::open_listener(Location::from(journal.as_path())).unwrap();
        j.record_receipts(&receipts).unwrap();
    })
}

fn accepting() -> Arc<Memory> {
    Arc::new(Memory::new(|n, _| ok(n)))
}

/// Three of four accepted messages delivered (one read), one failed with 131026.
fn three_of_four() -> Vec<Option<(Delivery, Option<&'static str>)>> {
    vec![
        Some((Delivery::Delivered, None)),
        Some((Delivery::Read, None)),
        Some((Delivery::Delivered, None)),
        Some((Delivery::Failed, Some("131026"))),
    ]
}

fn waiting(s: &Scratch, max: Duration) -> session::Options {
    session::Options { receipts: Some(session::ReceiptsWait { max, settled: None }), ..options(s) }
}

#[test]
fn the_gate_waits_for_the_receipts_and_fails_below_min_delivered() {
    let s = Scratch::new();
    let p = plan_at(&s, &campaign(4, "min_delivered: 80%"), jiff::Timestamp::now());
    let listener = receiver(s.path().join("journal.db"), 4, three_of_four());
    let ran = session(&p, waiting(&s, Duration::from_secs(60)), &accepting(), &Clock::system());
    listener.join().unwrap();
    assert_eq!(ran.ended().exit_code(), 1, "75% delivered is below 80%: {:?}", ran.events);
    assert!(ran.told("passed, exit 0") && ran.told("receipted, exit 1"), "{:?}", ran.events);
    let last = ran.summaries.last().unwrap();
    assert!(last.contains("delivery: 4 accepted → 3 delivered (75.0%) → 1 read (25.0%); 1 failed (25.0%)"), "{last}");
    let d = &ran.json.last().unwrap()["delivery"];
    assert_eq!((d["delivered"].as_u64(), d["min_delivered"].as_f64()), (Some(3), Some(0.8)));
    assert_eq!(d["wait"]["ended"], "complete", "{d:#}");
    // The report folder is the rebuilt one: results.csv carries the receipts, summary.json the gate.
    let written: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(s.path().join("out/summary.json")).unwrap()).unwrap();
    assert_eq!(written["delivery"], *d);
    let mut csv = csv::Reader::from_path(s.path().join("out/results.csv")).unwrap();
    let deliveries: Vec<String> = csv.records().map(|r| r.unwrap()[11].to_string()).collect();
    assert_eq!(deliveries.iter().filter(|d| d.as_str() == "failed").count(), 1, "{deliveries:?}");
    assert!(std::fs::read_to_string(s.path().join("out/report.html")).unwrap().contains("131026"));
}

#[test]
fn the_gate_passes_at_or_above_min_delivered() {
    let s = Scratch::new();
    let p = plan_at(&s, &campaign(4, "min_delivered: 75%"), jiff::Timestamp::now());
    let listener = receiver(s.path().join("journal.db"), 4, three_of_four());
    let ran = session(&p, waiting(&s, Duration::from_secs(60)), &accepting(), &Clock::system());
    listener.join().unwrap();
    assert_eq!(ran.ended().exit_code(), 0, "{:?}", ran.events);
}

#[test]
fn a_wait_with_receipts_missing_ends_when_its_time_is_up_and_the_gate_fails() {
    let s = Scratch::new();
    let p = plan_at(&s, &campaign(4, "min_delivered: 50%"), jiff::Timestamp::now());
    let fates = vec![Some((Delivery::Delivered, None)), None, None, None];
    let listener = receiver(s.path().join("journal.db"), 4, fates);
    let ran = session(&p, waiting(&s, Duration::from_secs(2)), &accepting(), &Clock::system());
    listener.join().unwrap();
    assert_eq!(ran.ended().exit_code(), 1, "{:?}", ran.events);
    let d = &ran.json.last().unwrap()["delivery"];
    assert_eq!((d["delivered"].as_u64(), d["no_receipt"].as_u64()), (Some(1), Some(3)), "{d:#}");
    assert_eq!(d["wait"]["ended"], "timed_out");
    assert!(d["wait"]["waited_ms"].as_u64().unwrap() >= 2000);
}

#[test]
fn without_a_journal_there_is_nothing_to_wait_on() {
    let s = Scratch::new();
    let p = plan_at(&s, &campaign(1, "min_delivered: 50%"), jiff::Timestamp::now());
    let o = session::Options { no_journal: true, journal: None, ..waiting(&s, Duration::from_secs(1)) };
    let ran = session(&p, o, &accepting(), &Clock::system());
    assert!(matches!(ran.error(), SessionError::ReceiptsNeedJournal), "{:?}", ran.events);
}
