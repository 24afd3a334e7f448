//! End to end on loopback, as issue 20 asks: a session sends a campaign over HTTP to an
//! in-process sandbox that posts each accepted message's status events (late, duplicated, out
//! of order, some failing after a 200) to receivers started with `herald::listen::receive` on
//! the campaign's journal, exactly as `herald listen` runs; the session waits until the sandbox
//! has posted everything. On SQLite, on PostgreSQL, and with two listeners on one PostgreSQL
//! journal taking the posts event by event, the journal's funnel must equal what the sandbox
//! planned, to the message and the failure code, and summary.json must say the same; and so
//! for Evolution's, FlowIQ's and Communiktor's own webhooks.

use super::*;
use crate::pg_server;
use crate::sandbox::{campaign, message};
use herald::listen::Keys;
use herald::providers::ProviderKind;
use herald::receipts::Funnel;
use herald::run::Http;
use herald::sandbox::receipts::{Options as ReceiptOptions, Totals, Webhooks};
use herald::sandbox::{Config, Sandbox, token};
use std::path::PathBuf;
use std::time::Duration;

/// What the sandbox does to receipts: duplicates, reordering and asynchronous failures on, a
/// short delay so the run stays fast.
fn imperfect() -> ReceiptOptions {
    ReceiptOptions {
        seed: 20,
        delay: Duration::from_millis(50),
        read_rate: 0.6,
        async_fail_rate: 0.03,
        duplicate_rate: 0.05,
        reorder: true,
    }
}

/// What a run proved: the journal's funnel, the sandbox's totals, the summary.json written,
/// and each listener's `/metrics` text.
struct Proof {
    funnel: Funnel,
    totals: Totals,
    summary: serde_json::Value,
    metrics: Vec<String>,
}

/// Sends `n` recipients of a `kind` campaign to a sandbox posting receipts to `listeners`
/// receivers on the journal at `journal` (a file or a PostgreSQL URL), waiting for them all.
fn end_to_end(kind: ProviderKind, n: usize, journal: PathBuf, listeners: usize) -> Proof {
    let s = Scratch::new();
    let location = Location::parse(&journal, false).unwrap();
    let keys = || Keys {
        meta_app_secret: Some(Secret::new("app-secret-of-the-e2e")),
        meta_verify_token: Some(Secret::new("verify-token-of-the-e2e")),
        shared: Some(Secret::new("shared-secret-of-the-e2e")),
    };
    let rt = tokio::runtime::Runtime::new().unwrap();
    let receivers: Vec<_> = (0..listeners)
        .map(|_| {
            rt.block_on(async {
                let socket = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
                herald::listen::receive(socket, location.clone(), keys(), herald::journal::GRACE).unwrap()
            })
        })
        .collect();
    let webhooks = Webhooks {
        urls: receivers.iter().map(|r| format!("http://{}", r.addr())).collect(),
        options: imperfect(),
        app_secret: keys().meta_app_secret,
        shared_secret: keys().shared,
        connections: 16,
    };
    let config = Config { retain: false, receipts: Some(webhooks), ..Config::default() };
    let sandbox = rt.block_on(Sandbox::start(config)).unwrap();
    let list: Vec<String> = (0..n).map(|i| format!("+2547{:08}", 60_000_000 + i)).collect();
    let delivery = "rate: 5000/s, concurrency: 16";
    let yaml = campaign(kind, &sandbox.base_url(kind), "acct-1", &list, message("text"), delivery);
    let plan = plan_at(&s, &yaml, jiff::Timestamp::now());
    let http = Http::new(plan.delivery.timeout, plan.delivery.concurrency).unwrap();
    let deps = Deps {
        transport: Arc::new(http),
        tokens: Secret::new(token(plan.provider)).into(),
        clock: Clock::system(),
        cancel: CancellationToken::new(),
    };
    // Generous: the wait ends as soon as the sandbox has posted everything it planned.
    let wait = session::ReceiptsWait { max: Duration::from_secs(600), settled: Some(sandbox.receipts_settled()) };
    let options = session::Options { journal: Some(journal.clone()), receipts: Some(wait), ..options(&s) };
    let ran = session_with(&plan, options, deps);
    assert_eq!(ran.ended().exit_code(), 0, "{:?}", ran.summaries);
    assert!(ran.told("receipted, exit 0"), "the session did not wait for receipts: {:?}", ran.events);
    let totals = sandbox.receipts().expect("a poster").totals();
    let metrics = receivers.iter().map(|r| r.metrics().render()).collect();
    for r in receivers {
        rt.block_on(r.stop());
    }
    rt.block_on(sandbox.shutdown());
    let funnel = Journal::open_read(&location).unwrap().expect("a journal").funnel("sandbox-test").unwrap();
    Proof { funnel, totals, summary: report_summary(&s), metrics }
}

impl Proof {
    /// The journal holds exactly what the sandbox planned, every post got through, duplicates
    /// really were posted, and summary.json tells the same funnel.
    fn holds(&self, n: usize) {
        let (f, t) = (&self.funnel, &self.totals);
        assert_eq!((t.refused, t.pending), (0, 0), "{t:?}");
        assert_eq!(f.accepted, n, "{f:?}");
        assert_eq!(*f, t.planned, "the journal's funnel is not the sandbox's ledger");
        assert!(t.posted > f.accepted as u64, "no duplicates or second events were posted: {t:?}");
        assert!(f.delivered > 0 && f.read > 0 && f.failed > 0, "{f:?}");
        let d = &self.summary["delivery"];
        let said = (d["accepted"].as_u64(), d["delivered"].as_u64(), d["read"].as_u64(), d["failed"].as_u64());
        let counted = (f.accepted as u64, f.delivered as u64, f.read as u64, f.failed as u64);
        assert_eq!(said, (Some(counted.0), Some(counted.1), Some(counted.2), Some(counted.3)), "{d:#}");
        assert_eq!(d["no_receipt"], 0, "{d:#}");
        let mut by_code: Vec<(String, u64)> = d["failures"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| (x["code"].as_str().unwrap_or_default().to_string(), x["count"].as_u64().unwrap()))
            .collect();
        by_code.sort();
        let planned: Vec<(String, u64)> = t.planned.failures.iter().map(|(c, x)| (c.clone(), x.count as u64)).collect();
        assert_eq!(by_code, planned, "{d:#}");
        assert_eq!(d["wait"]["ended"], "complete", "{d:#}");
    }

    /// How many status events each listener read, from its `/metrics`.
    fn read_per_listener(&self) -> Vec<u64> {
        let read = |text: &str| -> u64 {
            let lines = text.lines().filter(|l| l.starts_with("herald_receipts_total{"));
            lines.filter_map(|l| l.rsplit(' ').next()?.parse::<u64>().ok()).sum()
        };
        self.metrics.iter().map(|m| read(m)).collect()
    }
}

#[test]
fn ten_thousand_through_the_sandbox_with_receipts_land_in_sqlite_exactly() {
    let s = Scratch::new();
    let proof = end_to_end(kind("cloud_api"), 10_000, s.path().join("journal.db"), 1);
    proof.holds(10_000);
    assert!(proof.funnel.failures.contains_key("131026") && proof.funnel.failures.contains_key("131049"));
}

#[test]
fn ten_thousand_through_the_sandbox_with_receipts_land_in_postgres_exactly() {
    let proof = end_to_end(kind("cloud_api"), 10_000, PathBuf::from(pg_server::database()), 1);
    proof.holds(10_000);
}

#[test]
fn two_listeners_behind_the_sandbox_share_one_postgres_journal_exactly() {
    let proof = end_to_end(kind("cloud_api"), 10_000, PathBuf::from(pg_server::database()), 2);
    proof.holds(10_000);
    let read = proof.read_per_listener();
    assert!(read.iter().all(|n| *n > 1_000), "both listeners took posts: {read:?}");
    // A post retried after a slow or 503 answer may have been read the first time too, as with
    // a provider's own retries: every post is read, and at most the retries twice.
    let (read, t) = (read.iter().sum::<u64>(), &proof.totals);
    assert!(read >= t.posted && read <= t.posted + t.retried, "every post was read by one of them: {read} read, {t:?}");
}

/// Each provider's own webhook shape, end to end: its ids (Communiktor's is herald's own
/// `metadata.herald_id`, echoed back), its statuses and its failures.
fn vendor(id: &str) {
    let s = Scratch::new();
    let proof = end_to_end(kind(id), 2_000, s.path().join("journal.db"), 1);
    proof.holds(2_000);
}

#[test]
fn evolution_s_messages_update_events_land_exactly() {
    vendor("evolution");
}

#[test]
fn flowiq_s_message_events_land_exactly() {
    vendor("flowiq");
}

#[test]
fn communiktor_s_events_matched_by_herald_s_own_id_land_exactly() {
    vendor("communiktor");
}
