//! Sessions against the built-in sandbox, in-process: the real HTTP transport
//! (`herald::run::Http`) to a `herald::sandbox::Sandbox` on a loopback port. Every example,
//! every provider × message type, a faulty provider that still gets every message exactly once,
//! a refused token stopping the run, and AutoKonnect batches in few requests. `herald send --sandbox`'s flags, exit codes and printed
//! summaries stay in `tests/sandbox.rs`.

use super::*;
use crate::sandbox::{campaign, message, with_sandbox};
use herald::plan::Endpoint;
use herald::providers::ProviderKind;
use herald::run::Http;
use herald::sandbox::{Config, Sandbox, token};
use std::collections::HashMap;
use std::path::Path;

/// The account (phone number id, instance, …) the campaigns name; the sandbox takes any.
const ACCOUNT: &str = "acct-1";

/// The campaign at `path` validated as `herald send` validates it, its requests going to
/// `endpoint`.
fn load(path: &Path, endpoint: Endpoint) -> Arc<Plan> {
    let v = plan::load(path, PlanOptions { token: TokenCheck::Skip, endpoint, ..PlanOptions::default() });
    let plain = herald::diagnostic::Style { color: false };
    Arc::new(v.plan.unwrap_or_else(|| panic!("{}: {}", path.display(), v.diagnostics.render(plain))))
}

/// Sends `plan` over HTTP with the sandbox's token for its provider, journal and report in `s`
/// (a rehearsal's options when `rehearsal`, as `--sandbox` gives).
fn send(plan: &Arc<Plan>, s: &Scratch, rehearsal: bool) -> Ran {
    let http = Http::new(plan.delivery.timeout, plan.delivery.concurrency).unwrap();
    let deps = Deps {
        transport: Arc::new(http),
        tokens: Secret::new(token(plan.provider)).into(),
        clock: Clock::system(),
        cancel: CancellationToken::new(),
    };
    session_with(plan, session::Options { sandbox: rehearsal, ..options(s) }, deps)
}

/// A campaign of `kind` at the sandbox, to `list`, written as `c.yaml` in `s` and validated.
fn at_sandbox(
    s: &Scratch,
    sandbox: &Sandbox,
    kind: ProviderKind,
    list: &[String],
    message: &str,
    delivery: &str,
) -> Arc<Plan> {
    let yaml = campaign(kind, &sandbox.base_url(kind), ACCOUNT, list, message, delivery);
    load(&s.write("c.yaml", yaml), Endpoint::Campaign)
}

#[test]
fn every_example_sends_through_the_sandbox() {
    with_sandbox(Config::default(), |sandbox| {
        for entry in std::fs::read_dir(root().join("campaigns")).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_none_or(|e| e != "yaml") {
                continue;
            }
            // Journal and report of its own: the test leaves no state in the source tree.
            let s = Scratch::new();
            let plan = load(&path, Endpoint::Sandbox(sandbox.addr()));
            let ran = send(&plan, &s, true);
            assert_eq!(ran.ended().exit_code(), 0, "{}: {:?}", path.display(), ran.events);
            let summary = report_summary(&s);
            assert_eq!(summary["mode"], "sandbox");
            assert_eq!(summary["counts"]["failed"], 0, "{}: {summary:#}", path.display());
            assert!(summary["counts"]["sent"].as_u64().unwrap() >= 1, "{}", path.display());
        }
    });
}

#[test]
fn every_provider_and_message_type_is_accepted() {
    let recipient = "+254712345678".to_string();
    with_sandbox(Config::default(), |sandbox| {
        let mut expected = 0;
        for &kind in ProviderKind::ALL {
            for t in herald::message::MessageType::ALL {
                if !kind.provider().supports(t) {
                    continue;
                }
                let s = Scratch::new();
                let plan =
                    at_sandbox(&s, sandbox, kind, std::slice::from_ref(&recipient), message(t.as_str()), "rate: 100/s");
                let ran = send(&plan, &s, false);
                assert_eq!(ran.ended().exit_code(), 0, "{kind} × {t}: {:?}", ran.summaries);
                expected += 1;
                assert_eq!(sandbox.accepted().len(), expected, "{kind} × {t} not accepted: {:?}", ran.summaries);
            }
        }
    });
}

#[test]
fn a_faulty_provider_still_gets_every_message_exactly_once() {
    let list: Vec<String> = (0..200).map(|i| format!("+2547{:08}", 20_000_000 + i)).collect();
    let config = Config { fail_rate: 0.10, throttle_rate: 0.05, retry_after_secs: 0, seed: 7, ..Config::default() };
    with_sandbox(config, |sandbox| {
        let s = Scratch::new();
        let delivery = "rate: 500/s, concurrency: 8, max_attempts: 8";
        let plan = at_sandbox(&s, sandbox, kind("cloud_api"), &list, message("text"), delivery);
        let ran = send(&plan, &s, false);
        assert_eq!(ran.ended().exit_code(), 0, "{:?}", ran.summaries);
        let mut per_recipient: HashMap<String, usize> = HashMap::new();
        for a in sandbox.accepted() {
            *per_recipient.entry(a.recipient).or_default() += 1;
        }
        assert_eq!(per_recipient.len(), 200, "someone was never reached");
        assert!(per_recipient.values().all(|n| *n == 1), "someone got two messages");
        let stats = sandbox.stats();
        assert!(stats.faults > 0, "the run met no faults: {stats:?}");
        let summary = report_summary(&s);
        assert_eq!(summary["counts"]["sent"], 200);
        assert!(summary["requests"].as_u64().unwrap() > 200, "no retries happened");
    });
}

#[test]
fn the_sandbox_refusing_auth_stops_the_run_at_once() {
    with_sandbox(Config { reject_auth: true, ..Config::default() }, |sandbox| {
        let list: Vec<String> = (0..20).map(|i| format!("+2547{:08}", 30_000_000 + i)).collect();
        let s = Scratch::new();
        let plan = at_sandbox(&s, sandbox, kind("evolution"), &list, message("text"), "rate: 100/s, concurrency: 2");
        let ran = send(&plan, &s, false);
        assert_eq!(ran.ended().exit_code(), 3, "{:?}", ran.summaries);
        assert!(sandbox.stats().received <= 2, "{:?}", sandbox.stats());
    });
}

#[test]
fn a_batched_campaign_sends_through_the_sandbox_in_few_requests() {
    use crate::batch::send::{campaign, csv, numbers, results};
    // `send --sandbox`: 250 recipients in three requests, everyone sent once.
    with_sandbox(Config::default(), |sandbox| {
        let s = Scratch::new();
        s.write("data.csv", csv(250));
        let yaml = campaign("https://app.autokonnect.co.ke", "Sale at {{ store }}", "rate: 50/s");
        let ran = send(&load(&s.write("c.yaml", yaml), Endpoint::Sandbox(sandbox.addr())), &s, true);
        assert_eq!(ran.ended().exit_code(), 0, "{:?}", ran.summaries);
        let summary = report_summary(&s);
        let counted = (summary["counts"]["sent"].as_u64(), summary["requests"].as_u64());
        assert_eq!(counted, (Some(250), Some(3)), "{summary:#}");
        let rows = results(&s.path().join("out"));
        assert_eq!(rows.len(), 250);
        let queued = rows.iter().filter(|r| r.2 == "queued for 100 recipients").count();
        assert_eq!(queued, 200, "the sandbox counted the array");
    });
    // Its own batch size, and the bodies the sandbox accepted.
    with_sandbox(Config::default(), |sandbox| {
        let s = Scratch::new();
        s.write("data.csv", csv(250));
        let kind = kind("autokonnect");
        let yaml = campaign(&sandbox.base_url(kind), "Sale at {{ store }}", "rate: 50/s, batch_size: 120");
        let ran = send(&load(&s.write("c.yaml", yaml), Endpoint::Campaign), &s, false);
        assert_eq!(ran.ended().exit_code(), 0, "{:?}", ran.summaries);
        let accepted = sandbox.accepted();
        let mut sizes: Vec<usize> = accepted.iter().map(|a| numbers(&a.body).len()).collect();
        sizes.sort_unstable();
        assert_eq!(sizes, [10, 120, 120]);
        let mut all: Vec<String> = accepted.iter().flat_map(|a| numbers(&a.body)).collect();
        all.sort();
        all.dedup();
        assert_eq!(all.len(), 250, "everyone in exactly one request");
        assert!(accepted.iter().all(|a| a.body["message"] == "Sale at ACME" && a.path.ends_with("/123/messages")));
    });
}

#[test]
fn a_provider_stop_fails_the_junit_report_and_leads_the_markdown() {
    // `send --sandbox --reject-auth`.
    with_sandbox(Config { reject_auth: true, ..Config::default() }, |sandbox| {
        let s = Scratch::new();
        let list: Vec<String> = (0..5).map(|i| format!("+2547123456{i:02}")).collect();
        let yaml = campaign(kind("cloud_api"), "http://127.0.0.1:9", "1", &list, message("text"), "rate: 100/s");
        let ran = send(&load(&s.write("c.yaml", yaml), Endpoint::Sandbox(sandbox.addr())), &s, true);
        assert_eq!(ran.ended().exit_code(), 3, "{:?}", ran.summaries);
        let why = "this run sent nothing: the run stopped (the provider refused (190): ";
        assert!(ran.summaries[0].contains(why), "why nothing was sent: {}", ran.summaries[0]);
        let junit = std::fs::read_to_string(s.path().join("out/junit.xml")).unwrap();
        assert!(junit.contains("<testsuites name=\"herald\" tests=\"3\" failures=\"1\" skipped=\"1\""), "{junit}");
        assert!(
            junit.contains(
                "<testcase classname=\"sandbox-test\" name=\"run outcome\">\n      <failure message=\"exit 3, stopped by the provider: the provider refused (190): "
            ),
            "{junit}"
        );
        assert!(junit.contains("to do: fix what the provider refused (the key in `HERALD_TEST_TOKEN`"), "{junit}");
        let md = std::fs::read_to_string(s.path().join("out/summary.md")).unwrap();
        let lead = "> **Exit 3, stopped by the provider:** the provider refused (190)";
        assert!(md.lines().nth(2).unwrap_or_default().starts_with(lead), "{md}");
    });
}

#[test]
fn communiktor_messages_are_recorded_by_the_id_herald_put_in_their_metadata() {
    // Communiktor's webhooks name no message id but echo `metadata`: herald adds its own id
    // there and records it, so a receipt finds its message.
    let list: Vec<String> = (0..3).map(|i| format!("+2547123457{i:02}")).collect();
    with_sandbox(Config::default(), |sandbox| {
        let s = Scratch::new();
        let plan = at_sandbox(&s, sandbox, kind("communiktor"), &list, message("text"), "rate: 100/s");
        let ran = send(&plan, &s, false);
        assert_eq!(ran.ended().exit_code(), 0, "{:?}", ran.summaries);
        let sent: HashMap<String, String> = sandbox
            .accepted()
            .iter()
            .map(|a| (format!("+{}", a.recipient), a.body["metadata"]["herald_id"].as_str().unwrap().to_string()))
            .collect();
        let rows = report_rows(&s);
        let column = csv::Reader::from_path(s.path().join("out/results.csv"))
            .unwrap()
            .headers()
            .unwrap()
            .iter()
            .position(|h| h == "message_id")
            .unwrap();
        assert_eq!(rows.len(), 3);
        for row in rows {
            assert_eq!(Some(&row[column]), sent.get(&row[0]).map(String::as_str), "{row:?}");
            assert_eq!(row[column].len(), 32);
        }
    });
}
