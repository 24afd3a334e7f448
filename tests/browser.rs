//! report.html in a real browser: these tests spawn headless Chromium (not herald) on a report
//! written in-process, and read the DOM it rendered. Debian's `chromium` is what they run
//! (scripts/test.sh installs it when missing; `HERALD_CHROMIUM` names another binary). Without
//! it they fail under `CI=true` and, run by hand, say what to install and pass. With
//! `HERALD_SCREENSHOT=FILE.png` the check also saves what Chromium drew, for a look by eye.

use crate::common::Scratch;
use herald::cost::{Billed, Category, Estimate, RateCard};
use herald::providers::Pricing;
use herald::receipts::{Delivery, Receipts};
use herald::report::{About, Basis, Mode, Report, RunInfo, Summary};
use herald::results::{Code, Record, Status};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// How long Chromium may take to start and render, on a loaded 2-core machine.
const RENDER_TIMEOUT: Duration = Duration::from_secs(120);

/// The Chromium binary: `$HERALD_CHROMIUM`, else the first of Debian's and Google's names on
/// the PATH.
fn chromium() -> Option<PathBuf> {
    if let Some(named) = std::env::var_os("HERALD_CHROMIUM") {
        return Some(PathBuf::from(named));
    }
    let path = std::env::var_os("PATH")?;
    ["chromium", "chromium-browser", "google-chrome"]
        .iter()
        .flat_map(|name| std::env::split_paths(&path).map(move |dir| dir.join(name)))
        .find(|p| p.is_file())
}

/// Chromium, or `None` after saying what to install (a failure under `CI=true`).
fn chromium_or_advice() -> Option<PathBuf> {
    let found = chromium();
    if found.is_none() {
        let advice = "report.html's browser check needs Chromium: `sudo apt-get install chromium` (Debian; \
                      scripts/test.sh installs it), or set HERALD_CHROMIUM to a Chromium or Chrome binary";
        assert!(std::env::var("CI").as_deref() != Ok("true"), "{advice}");
        eprintln!("skipped: {advice}");
    }
    found
}

/// The DOM Chromium rendered from `page`, as it serialises it (`--dump-dom`). No script runs on
/// the page, so there is nothing to wait for; the virtual time budget only bounds rendering.
fn rendered_dom(chromium: &Path, page: &Path, profile: &Path) -> String {
    let mut child = Command::new(chromium)
        .args([
            "--headless",
            "--disable-gpu",
            "--no-sandbox",
            "--no-first-run",
            "--disable-dev-shm-usage",
            "--disable-extensions",
            "--virtual-time-budget=5000",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg("--dump-dom")
        .arg(format!("file://{}", page.display()))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("could not start {}: {e}", chromium.display()));
    let started = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if started.elapsed() > RENDER_TIMEOUT {
            child.kill().unwrap();
            panic!("chromium did not render {} within {RENDER_TIMEOUT:?}", page.display());
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let out = child.wait_with_output().unwrap();
    let dom = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(out.status.success() && !dom.is_empty(), "chromium failed: {}", String::from_utf8_lossy(&out.stderr));
    dom
}

/// A record of `phone` in `status`, accepted at 10:00 with `receipts` (delivery, code, words).
fn record(phone: &str, status: Status, receipts: &[(Delivery, Option<&str>, Option<&str>)]) -> Record {
    let at: jiff::Timestamp = "2026-12-01T10:00:00Z".parse().unwrap();
    let mut r = Record::new(phone.into(), Some(2), status);
    r.timestamp = at;
    r.attempts = 1;
    if status == Status::Sent {
        r.message_id = Some(format!("wamid.{phone}"));
        let mut x = Receipts::default();
        for (i, (d, code, words)) in receipts.iter().enumerate() {
            x.add(*d, at + jiff::SignedDuration::from_secs(60 * (i as i64 + 1)), *code, *words);
        }
        // Meta bills what it delivered: a marketing template.
        if x.delivery().is_some_and(|d| d != Delivery::Failed) {
            x.pricing = Some(Pricing { billable: true, category: "marketing".into(), kind: "regular".into() });
        }
        r.receipts = Some(x).filter(|_| !receipts.is_empty());
    } else {
        r.error_code = Some(Code::parse("131051"));
        r.error_message = Some("Unsupported message type".into());
    }
    r
}

/// A report of ten accepted messages (7 delivered, 4 of them read, 2 failed, 1 without a
/// receipt) and one refused, for a campaign whose name tries to inject markup.
fn report() -> Report {
    use Delivery::{Delivered, Failed, Read};
    let mut records = Vec::new();
    for i in 0..4 {
        records.push(record(&format!("+25471234560{i}"), Status::Sent, &[(Delivered, None, None), (Read, None, None)]));
    }
    for i in 0..3 {
        records.push(record(&format!("+1415555267{i}"), Status::Sent, &[(Delivered, None, None)]));
    }
    records.push(record("+254712345690", Status::Sent, &[(Failed, Some("131026"), None)]));
    records.push(record(
        "+4915123456789",
        Status::Sent,
        &[(Failed, Some("131049"), Some("<img src=x onerror=alert(1)>"))],
    ));
    records.push(record("+254712345691", Status::Sent, &[]));
    records.push(record("+254712345692", Status::Failed, &[]));
    let mut summary = Summary::default();
    for r in &records {
        summary.add(r);
    }
    let about = About {
        campaign_id: "december".into(),
        campaign_name: Some("December <script>document.title='owned'</script> sale".into()),
        file: "campaigns/december.yaml".into(),
        file_hash: "cd".repeat(32),
        provider: "cloud_api".into(),
        provider_name: "The Cloud API".into(),
        receipts: true,
        message_type: "template".into(),
        mode: Mode::Sandbox,
        max_failure_rate: 0.5,
        min_delivered: None,
        token_env: "WA_TOKEN".into(),
        senders: vec!["1234".into()],
        cost: Some(cost(&records)),
        pricing_reported: true,
    };
    let run = RunInfo {
        requests: 11,
        finished: 11,
        started_at: "2026-12-01T10:00:00Z".into(),
        duration_ms: 4_000,
        stopped: None,
        senders_stopped: Vec::new(),
        held_until: None,
        canary: None,
        pace: None,
        receipts: None,
    };
    Report::new(about, summary, run)
}

/// The fixture's rate card and the estimate of `records`' countries, as a marketing template.
fn cost(records: &[Record]) -> Basis {
    let card = RateCard::parse(Path::new("meta-rates-usd.csv"), include_bytes!("fixtures/meta-rates-usd.csv")).unwrap();
    let countries = records.iter().map(|r| {
        let code = herald::phone::calling_code(&r.recipient);
        code.and_then(|c| herald::phone::calling_code_regions(c).into_iter().next())
    });
    let estimate = Estimate::of(&card, Billed::Template(Some(Category::Marketing)), countries);
    Basis { card, estimate }
}

/// The text of the first element carrying `attribute` in `dom` (`data-funnel="read"`).
fn text_of(dom: &str, attribute: &str) -> String {
    let at = dom.find(attribute).unwrap_or_else(|| panic!("no {attribute} in the rendered DOM"));
    let from = at + dom[at..].find('>').unwrap() + 1;
    dom[from..from + dom[from..].find('<').unwrap()].to_string()
}

// Spawns headless Chromium, not herald.
#[test]
fn chromium_renders_report_html_with_the_funnels_numbers() {
    let Some(chromium) = chromium_or_advice() else { return };
    let dir = Scratch::new();
    report().write_summaries(&dir.path().join("out")).unwrap();
    let page = dir.path().join("out/report.html");
    let dom = rendered_dom(&chromium, &page, &dir.path().join("profile"));
    let funnel: Vec<(String, String)> = ["accepted", "delivered", "read", "failed", "no_receipt"]
        .iter()
        .map(|k| (text_of(&dom, &format!("data-funnel=\"{k}\"")), text_of(&dom, &format!("data-share=\"{k}\""))))
        .collect();
    let want = [("10", "100.0%"), ("7", "70.0%"), ("4", "40.0%"), ("2", "20.0%"), ("1", "10.0%")];
    assert_eq!(funnel, want.map(|(n, s)| (n.to_string(), s.to_string())), "the funnel as Chromium rendered it");
    assert_eq!(text_of(&dom, "data-failure=\"131026\""), "1");
    assert_eq!(text_of(&dom, "data-failure=\"131049\""), "1");
    assert_eq!(text_of(&dom, "data-count=\"sent\""), "10");
    assert!(dom.contains("<tr data-country=\"+254\"><td>KE (+254)</td>"), "{dom}");
    // The hostile strings are text, not markup: no element came of them, no script ran.
    assert!(!dom.contains("<script") && !dom.contains("<img"), "{dom}");
    assert!(dom.contains("December &lt;script&gt;document.title='owned'&lt;/script&gt; sale"), "{dom}");
    assert!(dom.contains("&lt;img src=x onerror=alert(1)&gt;"), "{dom}");
    assert!(dom.contains("<svg") && dom.contains("data-buckets="), "the chart over time rendered");
    // Eleven recipients estimated (seven in Kenya, three in the US, one in Germany); seven
    // delivered marketing messages billed: four to Kenya at 0.0225, three to the US at 0.0250.
    assert_eq!(text_of(&dom, "data-cost=\"estimate\""), "at most 0.369 USD (an upper bound)");
    assert_eq!(
        text_of(&dom, "data-cost=\"actual\""),
        "0.165 USD for 7 billable messages (marketing 7: 0.165) so far; 1 message still awaits a receipt"
    );
    if let Some(png) = std::env::var_os("HERALD_SCREENSHOT") {
        let status = Command::new(&chromium)
            .args(["--headless", "--disable-gpu", "--no-sandbox", "--hide-scrollbars", "--window-size=1000,2000"])
            .arg(format!("--user-data-dir={}", dir.path().join("profile").display()))
            .arg(format!("--screenshot={}", PathBuf::from(png).display()))
            .arg(format!("file://{}", page.display()))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .unwrap();
        assert!(status.success(), "chromium could not take the screenshot");
    }
}
