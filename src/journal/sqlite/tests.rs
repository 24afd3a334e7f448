//! What only a file journal does: the run's log folded by the campaign's owner and read by
//! others, a crash's log folded on the next open, campaigns sharing a file each folding their
//! own rows, and a writer failing on a full disk.

use crate::journal::tests::{candidate, open, outcome, phone};
use crate::journal::writer::OUTCOME_DELAY;
use crate::journal::{Journal, JournalError, Location, Policy, State};
use crate::results::{Code, Status};
use std::collections::HashMap;

/// A connection of its own to an SQLite journal's file, to reach under the journal.
fn conn(j: &Journal) -> rusqlite::Connection {
    match j.location() {
        Location::File(path) => rusqlite::Connection::open(path).unwrap(),
        Location::Postgres { .. } => unreachable!("an SQLite journal"),
    }
}

#[tokio::test]
async fn outcomes_riding_along_with_a_claim_that_fails_are_still_committed() {
    let (_dir, j) = open();
    let writer = j.writer("c", false).unwrap();
    let h = writer.handle();
    h.admit((0..4).map(candidate).collect(), Policy::default(), 4).await.unwrap();
    h.done((0..3).map(|i| outcome(i, Status::Sent)).collect());
    h.release(vec![phone(3)]);
    // The next batch's claims fail, as a full disk would make them.
    conn(&j)
        .execute_batch(&format!(
            "CREATE TRIGGER full_disk BEFORE INSERT ON pending WHEN NEW.recipient = '{}'
             BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END;",
            phone(6)
        ))
        .unwrap();
    let err = h.admit((4..8).map(candidate).collect(), Policy::default(), 4).await.err().unwrap();
    assert!(err.to_string().contains("database or disk is full"), "{err}");
    drop(h);
    let stats = writer.finish().unwrap();
    assert_eq!(stats.claimed, 4, "the failed batch's claims are not counted");
    let totals = j.totals("c").unwrap();
    assert_eq!((totals.of(State::Sent), totals.of(State::InFlight)), (3, 0), "the outcomes were committed");
    assert!(j.row("c", &phone(3)).unwrap().is_none(), "the release was committed");
    assert!(j.row("c", &phone(4)).unwrap().is_none(), "no claim of the failed batch is left");
}

#[test]
fn bodies_are_kept_only_when_asked_and_secrets_never() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (dir, j) = open();
    let writer = j.writer("c", true).unwrap();
    let mut c = candidate(0);
    c.body = Some(r#"{"text":"kept body"}"#.into());
    rt.block_on(writer.handle().admit(vec![c], Policy::default(), 1)).unwrap();
    writer.finish().unwrap();
    drop(j);
    let bytes = std::fs::read(dir.path().join("j.db")).unwrap();
    assert!(String::from_utf8_lossy(&bytes).contains("kept body"));
}

#[test]
fn what_a_crash_left_pending_is_folded_when_the_journal_is_next_opened() {
    let (dir, j) = open();
    let path = dir.path().join("j.db");
    drop(j);
    // A run killed after one outcome and one bare claim: its log, as it was left.
    rusqlite::Connection::open(&path)
        .unwrap()
        .execute_batch(&format!(
            "INSERT INTO pending (campaign, recipient, csv_line, state, request_hash, message_id, attempts, first_sent_at, updated_at)
             VALUES (1, '{}', 2, 'sent', x'00', 'wamid.1', 1, 1, 2), (1, '{}', 3, 'in_flight', x'01', NULL, 0, 1, 1);",
            phone(0),
            phone(1)
        ))
        .unwrap();
    let reader = Journal::open_read(&path).unwrap().unwrap();
    assert_eq!(reader.row("c", &phone(1)).unwrap().unwrap().state, State::InFlight, "readers see the log");
    drop(reader);
    let mut j = Journal::open(&path, "c").unwrap();
    let pending: i64 = conn(&j).query_row("SELECT COUNT(*) FROM pending", [], |r| r.get(0)).unwrap();
    assert_eq!(pending, 0);
    assert_eq!(j.settle_crashed("c").unwrap(), 1);
    let sent = j.row("c", &phone(0)).unwrap().unwrap();
    assert_eq!((sent.state, sent.record.message_id.as_deref()), (State::Sent, Some("wamid.1")));
    assert_eq!(j.row("c", &phone(1)).unwrap().unwrap().record.error_code, Some(Code::Interrupted));
}

#[test]
fn campaigns_sharing_a_journal_send_side_by_side_and_fold_only_their_own_rows() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("j.db");
    let sections = HashMap::from([("message".into(), "m1".into())]);
    let mut a = Journal::open(&path, "a").unwrap();
    a.begin_run("a", &sections, "c.yaml", "send", "cloud_api:42").unwrap();
    assert!(matches!(Journal::open(&path, "a"), Err(JournalError::Busy { .. })), "one sender per campaign");
    let mut b = Journal::open(&path, "b").unwrap();
    b.begin_run("b", &sections, "c.yaml", "send", "cloud_api:42").unwrap();
    // `a`'s run is under way: a claim of it sits in `pending`.
    conn(&a)
        .execute(
            "INSERT INTO pending (campaign, recipient, csv_line, state, request_hash, attempts, first_sent_at, updated_at)
             VALUES ((SELECT id FROM campaigns WHERE name = 'a'), ?1, 2, 'in_flight', x'00', 0, 1, 1)",
            [phone(0)],
        )
        .unwrap();
    drop(b);
    let b = Journal::open(&path, "b").unwrap();
    assert_eq!(
        (a.senders("b").unwrap(), b.senders("a").unwrap(), a.senders("a").unwrap()),
        (1, 1, 0),
        "each sees the other sending"
    );
    let pending: i64 = conn(&b).query_row("SELECT COUNT(*) FROM pending", [], |r| r.get(0)).unwrap();
    assert_eq!(pending, 1, "b folded a's claim out from under it");
    assert_eq!(b.row("a", &phone(0)).unwrap(), None, "only a folds a's rows");
    drop(a);
    let mut a = Journal::open(&path, "a").unwrap();
    assert_eq!(a.settle_crashed("a").unwrap(), 1);
    assert_eq!(a.row("a", &phone(0)).unwrap().unwrap().state, State::Unknown);
}

#[tokio::test]
async fn a_writer_that_failed_says_why_not_just_that_it_stopped() {
    let (_dir, j) = open();
    let writer = j.writer("c", false).unwrap();
    let h = writer.handle();
    h.admit((0..2).map(candidate).collect(), Policy::default(), 2).await.unwrap();
    conn(&j)
        .execute_batch(
            "CREATE TRIGGER full_disk BEFORE UPDATE ON pending BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END;",
        )
        .unwrap();
    h.done(vec![outcome(0, Status::Sent)]);
    // Flushed on its own after a moment, or with the next claims: the next call says what happened.
    let err = h.admit((2..4).map(candidate).collect(), Policy::default(), 2).await.err().unwrap();
    assert!(err.to_string().contains("database or disk is full"), "{err}");
    drop(h);
    let finished = writer.finish().err().map(|e| e.to_string()).unwrap_or_default();
    assert!(finished.is_empty() || finished.contains("database or disk is full"), "{finished}");
}

#[tokio::test]
async fn the_log_is_folded_as_the_run_goes_leaving_claims_in_flight_and_other_campaigns_rows() {
    let (_dir, j) = open();
    // Campaign `b` shares the journal; a claim of its run sits in the log.
    conn(&j)
        .execute_batch(&format!(
            "INSERT INTO campaigns (name, sections, created_at, updated_at) VALUES ('b', '{{}}', 'a', 'a');
             INSERT INTO pending (campaign, recipient, csv_line, state, request_hash, attempts, first_sent_at, updated_at)
             VALUES ((SELECT id FROM campaigns WHERE name = 'b'), '{}', 2, 'sent', x'00', 1, 1, 1);",
            phone(0)
        ))
        .unwrap();
    let writer = j.writer("c", false).unwrap();
    let h = writer.handle();
    h.admit((0..10).map(candidate).collect(), Policy::default(), usize::MAX).await.unwrap();
    h.done((0..10).map(|i| outcome(i, Status::Sent)).collect());
    // The outcomes ride along with the next batch, whose claims stay in flight; they are more
    // than the log's bound (a handful, in the tests), so they are folded as the run goes.
    h.admit((10..15).map(candidate).collect(), Policy::default(), usize::MAX).await.unwrap();
    let count = |table: &str, campaign: &str| -> i64 {
        let sql = format!("SELECT COUNT(*) FROM {table} WHERE campaign = (SELECT id FROM campaigns WHERE name = ?1)");
        conn(&j).query_row(&sql, [campaign], |r| r.get(0)).unwrap()
    };
    let started = std::time::Instant::now();
    while count("recipients", "c") < 10 && started.elapsed() < std::time::Duration::from_secs(5) {
        tokio::time::sleep(OUTCOME_DELAY / 10).await;
    }
    assert_eq!(count("recipients", "c"), 10, "the final rows were folded while the run went on");
    assert_eq!(count("pending", "c"), 5, "claims in flight stay in the log");
    assert_eq!(count("pending", "b"), 1, "another campaign's rows are its own to fold");
    assert_eq!(j.totals("c").unwrap().of(State::InFlight), 5);
    let reader = Journal::open_read(j.location()).unwrap().unwrap();
    assert_eq!(reader.row("c", &phone(3)).unwrap().unwrap().state, State::Sent);
    assert_eq!(reader.row("c", &phone(12)).unwrap().unwrap().state, State::InFlight);
    drop(h);
    let stats = writer.finish().unwrap();
    assert!(stats.folds >= 1, "{stats:?}");
    assert_eq!(count("pending", "c"), 0);
}

#[tokio::test]
async fn a_fold_step_that_fails_leaves_the_run_recording_its_outcomes() {
    let (_dir, j) = open();
    // Every fold into the keyed rows fails, as on a full disk.
    conn(&j)
        .execute_batch(
            "CREATE TRIGGER no_room BEFORE INSERT ON recipients BEGIN SELECT RAISE(ABORT, 'disk full'); END;",
        )
        .unwrap();
    let writer = j.writer("c", false).unwrap();
    let h = writer.handle();
    h.admit((0..10).map(candidate).collect(), Policy::default(), usize::MAX).await.unwrap();
    h.done((0..10).map(|i| outcome(i, Status::Sent)).collect());
    // The outcomes ride along with these claims, past the log's bound: a step is tried, and fails.
    h.admit((10..15).map(candidate).collect(), Policy::default(), usize::MAX).await.unwrap();
    h.done((10..15).map(|i| outcome(i, Status::Sent)).collect());
    let more = h.admit((15..16).map(candidate).collect(), Policy::default(), usize::MAX).await;
    assert!(more.is_ok(), "the writer stopped after a failed step: {more:?}");
    drop(h);
    let end = writer.finish();
    assert!(end.is_err(), "the end's fold cannot fold either, and says so");
    let states: Vec<(String, i64)> = conn(&j)
        .prepare("SELECT state, COUNT(*) FROM pending GROUP BY state ORDER BY state")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(states, [("in_flight".to_string(), 1), ("sent".to_string(), 15)]);
}
