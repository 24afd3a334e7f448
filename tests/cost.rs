//! The cost estimate: `validate` prices the audience from Meta's rate card, `delivery.budget`
//! refuses a campaign that may cost more, and a bad card is an error at the key naming it.

use crate::common::*;
use crate::server::{Server, cloud_ok};

const CARD: &str = include_str!("fixtures/meta-rates-usd.csv");

/// A Cloud API template campaign to three Kenyan numbers and one Indian, with `delivery` added.
fn campaign(base_url: &str, message: &str, delivery: &str) -> String {
    format!(
        "version: 1\nid: cost-test\nprovider:\n  kind: cloud_api\n  base_url: {base_url}\n  token_env: WA_TOKEN\n  phone_number_id: \"42\"\nrecipients:\n  list: [\"+254712345678\", \"+254712345679\", \"+254712345670\", \"+919812345678\"]\nmessage:\n{message}\ndelivery:\n{delivery}\n"
    )
}

const MARKETING: &str = "  type: template\n  category: marketing\n  template: { name: promo, language: en }";

fn scratch() -> Scratch {
    let s = Scratch::new();
    s.write("rates/meta-usd.csv", CARD);
    s
}

// spawns: terminal output
#[test]
fn validate_prints_the_estimate_from_the_campaigns_rate_card() {
    let s = scratch();
    s.write("c.yaml", campaign("https://graph.facebook.com/v23.0", MARKETING, "  rate_card: rates/meta-usd.csv"));
    let o = run(s.path(), &["validate", "c.yaml"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    // 3 × 0.0225 (Rest of Africa) + 1 × 0.0107 (India) = 0.0782, rounded up to cents.
    let out = stdout(&o);
    assert!(
        out.contains(
            "\nestimate: c.yaml costs at most 0.0782 USD: 3 marketing messages to KE at 0.0225, \
             1 marketing message to IN at 0.0107 (an upper bound: Meta bills only delivered messages)\n"
        ),
        "{out}"
    );
    let json = stdout(&run(s.path(), &["validate", "c.yaml", "--format", "json"]));
    let v: serde_json::Value = serde_json::from_str(json.trim()).unwrap();
    assert_eq!(v["estimate"]["currency"], "USD");
    assert_eq!(v["estimate"]["at_most"], 0.0782);
    assert_eq!(v["estimate"]["category"], "marketing");
}

// spawns: terminal output
#[test]
fn the_card_may_come_from_the_environment_and_the_category_prices_it() {
    let s = scratch();
    let utility = MARKETING.replace("marketing", "utility");
    s.write("c.yaml", campaign("https://graph.facebook.com/v23.0", &utility, "  rate: 10/s"));
    let o =
        herald(s.path()).args(["validate", "c.yaml"]).env("HERALD_RATE_CARD", "rates/meta-usd.csv").output().unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("estimate: c.yaml costs at most 0.0134 USD: 3 utility messages to KE at 0.004"),
        "{}",
        stdout(&o)
    );
    // Without a card, no estimate and no complaint.
    let o = run(s.path(), &["validate", "c.yaml"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(!stdout(&o).contains("estimate"), "{}", stdout(&o));
}

// spawns: exit code
#[test]
fn a_budget_below_the_estimate_is_an_error_at_the_key_and_send_refuses() {
    let server = Server::start(|n, _| cloud_ok(n));
    let s = scratch();
    let over = campaign(&server.url(), MARKETING, "  rate_card: rates/meta-usd.csv\n  budget: 0.05 USD");
    s.write("c.yaml", &over);
    let o = run(s.path(), &["validate", "c.yaml"]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(
        err.contains("error: the estimate, at most 0.0782 USD, is above the budget of 0.05 USD\n  --> c.yaml:16:11"),
        "{err}"
    );
    let o = herald(s.path()).args(["send", "c.yaml", "--yes"]).env("WA_TOKEN", "t0k3n-never-printed").output().unwrap();
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(server.seen().is_empty(), "a campaign over budget sent a request");
    // Under the budget it validates, and sends.
    s.write("c.yaml", over.replace("0.05 USD", "250 USD"));
    let o = run(s.path(), &["validate", "c.yaml"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    // The confirmation says what it costs.
    let o = herald(s.path())
        .args(["send", "c.yaml"])
        .env("WA_TOKEN", "t0k3n-never-printed")
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains(", costing at most 0.0782 USD (an upper bound), but there is no terminal"),
        "{}",
        stderr(&o)
    );
    let o = herald(s.path()).args(["send", "c.yaml", "--yes"]).env("WA_TOKEN", "t0k3n-never-printed").output().unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(server.seen().len(), 4);
}

// spawns: exit code
#[test]
fn budget_mistakes_are_errors_at_the_key() {
    let s = scratch();
    let check = |delivery: &str, wanted: &str| {
        s.write("c.yaml", campaign("https://graph.facebook.com/v23.0", MARKETING, delivery));
        let o = run(s.path(), &["validate", "c.yaml"]);
        assert_eq!(o.status.code(), Some(2), "{delivery}");
        assert!(stderr(&o).contains(wanted), "{delivery}:\n{}", stderr(&o));
    };
    check(
        "  rate_card: rates/meta-usd.csv\n  budget: 250 EUR",
        "error: the budget is in EUR but the rate card rates/meta-usd.csv is in USD\n  --> c.yaml:16:11",
    );
    check(
        "  budget: 250 USD",
        "error: `delivery.budget` needs a rate card to check the estimate against\n  --> c.yaml:15:3",
    );
    // A card without the markets of some recipients: the budget cannot vouch for them.
    s.write("rates/small.csv", "Market,Currency,Marketing,Utility,Authentication\nIndia,USD,0.01,0.01,0.01\n");
    s.write(
        "c.yaml",
        campaign("https://graph.facebook.com/v23.0", MARKETING, "  rate_card: rates/small.csv\n  budget: 1 USD"),
    );
    let o = run(s.path(), &["validate", "c.yaml"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        stderr(&o).contains(
            "warning: 3 recipients are not priced, so the budget does not cover them: the rate card has no marketing rate for their market\n  --> c.yaml:16:11"
        ),
        "{}",
        stderr(&o)
    );
}

// spawns: exit code
#[test]
fn a_bad_card_is_an_error_at_the_key_naming_the_file() {
    let s = scratch();
    let check = |delivery: &str, wanted: &str| {
        s.write("c.yaml", campaign("https://graph.facebook.com/v23.0", MARKETING, delivery));
        let o = run(s.path(), &["validate", "c.yaml"]);
        assert_eq!(o.status.code(), Some(2), "{delivery}");
        assert!(stderr(&o).contains(wanted), "{delivery}:\n{}", stderr(&o));
    };
    check("  rate_card: rates/nope.csv", "  --> c.yaml:15:14");
    check("  rate_card: rates/nope.csv", "rates/nope.csv");
    s.write("rates/bad.csv", "Market,Currency,Marketing,Utility,Authentication\nIndia,USD,cheap,0.1,0.1\n");
    check(
        "  rate_card: rates/bad.csv",
        "error: rates/bad.csv:2: `cheap` is not a rate (Marketing of India); rates are decimals such as 0.0225, or n/a\n  --> c.yaml:15:14",
    );
    // From the environment: the variable is named.
    s.write("c.yaml", campaign("https://graph.facebook.com/v23.0", MARKETING, "  rate: 10/s"));
    let o = herald(s.path()).args(["validate", "c.yaml"]).env("HERALD_RATE_CARD", "rates/nope.csv").output().unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("$HERALD_RATE_CARD"), "{}", stderr(&o));
}

// spawns: terminal output
#[test]
fn a_category_on_a_message_that_is_not_a_template_is_a_warning() {
    let s = scratch();
    let text = "  type: text\n  category: marketing\n  text: hi";
    s.write("c.yaml", campaign("https://graph.facebook.com/v23.0", text, "  rate_card: rates/meta-usd.csv"));
    let o = run(s.path(), &["validate", "c.yaml"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stderr(&o).contains("warning: `message.category` is ignored for a text message"), "{}", stderr(&o));
    assert!(stdout(&o).contains("estimate: c.yaml costs nothing: non-template messages are free"), "{}", stdout(&o));
}

// spawns: terminal output — the estimate beside what Meta billed, in every report
#[test]
fn a_sandbox_send_shows_the_actual_cost_beside_the_estimate_and_status_and_report_rebuild_it() {
    let s = scratch();
    let utility = MARKETING.replace("marketing", "utility");
    s.write("c.yaml", campaign("https://graph.facebook.com/v23.0", &utility, "  rate_card: rates/meta-usd.csv"));
    let o = herald(s.path())
        .args(["send", "c.yaml", "--sandbox", "--yes", "--journal", "j.db", "--report", "out"])
        .args(["--receipt-delay", "50ms", "--async-fail-rate", "0"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    // 3 × 0.004 (Rest of Africa, utility) + 1 × 0.0014 (India) = 0.0134: every message delivered.
    let line = "cost: estimate at most 0.0134 USD (an upper bound) · actual 0.0134 USD for 4 billable messages (utility 4: 0.0134)\n";
    assert!(stdout(&o).contains(line), "{}", stdout(&o));
    let cost = &report_summary(&s)["cost"];
    assert_eq!((cost["currency"].as_str(), cost["estimate"]["at_most"].as_f64()), (Some("USD"), Some(0.0134)));
    let actual = &cost["actual"];
    assert_eq!((actual["status"].as_str(), actual["amount"].as_f64()), (Some("complete"), Some(0.0134)), "{cost}");
    assert_eq!((actual["billable_messages"].as_u64(), actual["unpriced"].as_u64()), (Some(4), Some(0)));
    assert_eq!(actual["by_category"]["utility"]["messages"], 4);
    let md = std::fs::read_to_string(s.path().join("out/summary.md")).unwrap();
    assert!(md.contains("| estimate | at most 0.0134 USD (an upper bound) |\n| actual | 0.0134 USD for 4"), "{md}");
    let status = run(s.path(), &["status", "c.yaml", "--sandbox", "--journal", "j.db"]);
    assert!(stdout(&status).contains(line), "{}", stdout(&status));
    let json = run(s.path(), &["status", "c.yaml", "--sandbox", "--journal", "j.db", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(stdout(&json).trim()).unwrap();
    assert_eq!(&v["cost"], cost, "status tells what summary.json tells");
    let rebuilt = run(s.path(), &["report", "c.yaml", "--sandbox", "--journal", "j.db", "--out", "rebuilt"]);
    assert_eq!(rebuilt.status.code(), Some(0), "{}", stderr(&rebuilt));
    let again: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(s.path().join("rebuilt/summary.json")).unwrap()).unwrap();
    assert_eq!(&again["cost"], cost, "herald report rebuilds it");
}

// spawns: terminal output — Meta bills the template's category, not the campaign's
#[test]
fn a_sandbox_send_bills_the_account_template_s_category_not_the_declared_one() {
    let s = scratch();
    let utility = MARKETING.replace("marketing", "utility");
    s.write("c.yaml", campaign("https://graph.facebook.com/v23.0", &utility, "  rate_card: rates/meta-usd.csv"));
    s.write(
        "account.json",
        r#"[{"name": "promo", "language": "en", "status": "APPROVED", "category": "MARKETING",
             "components": [{"type": "BODY", "text": "Spring sale: 20% off"}]}]"#,
    );
    let o = herald(s.path())
        .args(["send", "c.yaml", "--sandbox", "--templates", "account.json", "--yes", "--journal", "j.db"])
        .args(["--report", "out", "--receipt-delay", "50ms", "--async-fail-rate", "0"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    let cost = &report_summary(&s)["cost"];
    // Estimated as declared (utility): 3 × 0.004 (Rest of Africa) + 1 × 0.0014 (India).
    assert_eq!(cost["estimate"]["at_most"].as_f64(), Some(0.0134), "{cost}");
    // Billed as the account's template is (marketing): 3 × 0.0225 + 1 × 0.0107.
    let actual = &cost["actual"];
    assert_eq!((actual["status"].as_str(), actual["amount"].as_f64()), (Some("complete"), Some(0.0782)), "{cost}");
    assert_eq!(actual["by_category"]["marketing"]["messages"], 4, "{cost}");
    assert_eq!(actual["by_category"].get("utility"), None, "{cost}");
    let line = "cost: estimate at most 0.0134 USD (an upper bound) · actual 0.0782 USD for 4 billable messages (marketing 4: 0.0782)";
    assert!(stdout(&o).contains(line), "{}", stdout(&o));
}

// spawns: terminal output
#[test]
fn without_a_rate_card_a_template_send_says_once_how_to_add_one() {
    let s = scratch();
    s.write("c.yaml", campaign("https://graph.facebook.com/v23.0", MARKETING, "  rate: 10/s"));
    let o = herald(s.path())
        .args(["send", "c.yaml", "--sandbox", "--yes", "--journal", "j.db", "--report", "out", "--no-receipts"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    assert_eq!(out.matches("no rate card").count(), 1, "{out}");
    assert!(out.contains("set `delivery.rate_card` (or $HERALD_RATE_CARD) to Meta's CSV rate card"), "{out}");
    assert_eq!(report_summary(&s)["cost"], serde_json::Value::Null);
}

// spawns: terminal output — Meta's block on marketing templates to US numbers
#[test]
fn a_marketing_template_to_us_numbers_is_a_warning_with_the_count_and_the_first_row() {
    let s = scratch();
    s.write("people.csv", "phone\n+254712345678\n+1 415 555 2671\n+14155552672\n+1 416 555 0100\n");
    let yaml = |category: &str| {
        format!(
            "version: 1\nid: us-test\nprovider:\n  kind: cloud_api\n  token_env: WA_TOKEN\n  phone_number_id: \"42\"\nrecipients:\n  csv: people.csv\nmessage:\n  type: template\n  category: {category}\n  template: {{ name: promo, language: en }}\n"
        )
    };
    s.write("c.yaml", yaml("marketing"));
    let o = run(s.path(), &["validate", "c.yaml"]);
    assert_eq!(o.status.code(), Some(0), "a warning, not an error: {}", stderr(&o));
    let err = stderr(&o);
    // +1 416 is Canada: Meta's block is on US numbers.
    assert!(
        err.contains(
            "warning: 2 recipients have US (+1) numbers, and Meta has not delivered marketing templates to US numbers since 1 April 2025; the first is line 3 of people.csv"
        ),
        "{err}"
    );
    assert!(err.contains("c.yaml:11:13"), "at `message.category`: {err}");
    let prompt =
        herald(s.path()).args(["send", "c.yaml", "--sandbox"]).stdin(std::process::Stdio::null()).output().unwrap();
    assert!(
        stderr(&prompt).contains("warning: 2 recipients have US (+1) numbers"),
        "before the prompt: {}",
        stderr(&prompt)
    );
    s.write("c.yaml", yaml("utility"));
    let o = run(s.path(), &["validate", "c.yaml"]);
    assert!(!stderr(&o).contains("US (+1)"), "{}", stderr(&o));
}

// spawns: terminal output — the 131049 risk, from the journal
#[test]
fn a_marketing_template_to_people_the_sender_messaged_today_is_a_warning_with_the_count() {
    let s = scratch();
    let yaml = |id: &str, category: &str, list: &str| {
        format!(
            "version: 1\nid: {id}\nprovider:\n  kind: cloud_api\n  token_env: WA_TOKEN\n  phone_number_id: \"42\"\nrecipients:\n  list: [{list}]\nmessage:\n  type: template\n  category: {category}\n  template: {{ name: promo, language: en }}\n"
        )
    };
    let send = |file: &str| {
        herald(s.path())
            .args(["send", file, "--sandbox", "--yes", "--journal", "j.db", "--no-receipts"])
            .output()
            .unwrap()
    };
    s.write("order.yaml", yaml("order", "utility", "\"+254712345671\", \"+254712345672\""));
    let first = send("order.yaml");
    assert_eq!(first.status.code(), Some(0), "{}", stderr(&first));
    assert!(!stderr(&first).contains("24 hours"), "a utility template: {}", stderr(&first));
    s.write("promo.yaml", yaml("promo", "marketing", "\"+254712345670\", \"+254712345671\", \"+254712345672\""));
    let promo = send("promo.yaml");
    assert_eq!(promo.status.code(), Some(0), "a warning, not a refusal: {}", stderr(&promo));
    assert!(
        stderr(&promo).contains(
            "warning: 2 recipients of this marketing template were messaged by the same sender in the last 24 hours (the first is recipients.list[1])"
        ),
        "{}",
        stderr(&promo)
    );
    assert!(stderr(&promo).contains("131049"), "{}", stderr(&promo));
    let again = send("promo.yaml");
    assert!(!stderr(&again).contains("24 hours"), "its own messages are the journal's to skip: {}", stderr(&again));
}
