//! The checks against the live account through the real binary: `validate --online --sandbox`
//! catches each mismatch between a campaign and the sandbox account's templates with its own
//! message at the campaign's key (unknown name, wrong language, PAUSED, DISABLED, parameter
//! counts positional and named, a missing media header, a URL button without its parameter, a
//! body too long for some recipient); the example Cloud API campaigns pass; `send` stops a
//! mismatched campaign before its first request, and `--offline` skips the checks.

use crate::common::*;

const TOKEN: &str = "EAASandboxCloudApiToken";

/// A Cloud API campaign of the sandbox's business account, sending `template` (the lines under
/// `template:`) to people.csv; `base_url` under `provider:` when given.
fn campaign(s: &Scratch, base_url: Option<&str>, template: &str) {
    let base_url = base_url.map(|u| format!("  base_url: {u}\n")).unwrap_or_default();
    s.write(
        "c.yaml",
        format!(
            "version: 1\nid: t\nprovider:\n  kind: cloud_api\n  token_env: WA_TOKEN\n  phone_number_id: \"42\"\n  waba_id: \"102290129340398\"\n{base_url}recipients:\n  csv: people.csv\nmessage:\n  type: template\n  template:\n{template}"
        ),
    );
}

/// `validate --online --sandbox` on c.yaml.
fn online(s: &Scratch) -> std::process::Output {
    herald(s.path()).args(["validate", "c.yaml", "--online", "--sandbox"]).output().unwrap()
}

/// Runs the check on `template` for one recipient and returns its stderr, having checked that
/// the campaign is invalid.
fn refused(template: &str) -> String {
    let s = Scratch::new();
    s.write("people.csv", "phone,name\n+254720000001,Amina\n");
    campaign(&s, None, template);
    let out = online(&s);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("error: c.yaml is invalid"), "{err}");
    err
}

const RENEWAL: &str = "    name: vip_renewal\n    language: en_US\n    header: { type: text, text: Amina }\n";

const ORDER: &str = "    name: order_confirmation\n    language: en_US\n";
const ORDER_HEADER: &str = "    header: { type: image, url: \"https://shop.example.com/a.jpg\" }\n";
const ORDER_BODY: &str = "    body: { first_name: \"{{ name }}\", order_number: \"860198\" }\n";
const ORDER_BUTTON: &str = "    buttons: [{ type: url, index: 0, text: \"860198\" }]\n";

// spawns: terminal output
#[test]
fn an_unknown_template_name_is_an_error_at_the_name_with_the_closest_ones() {
    // The sandbox's built-in set is not the whole account (other names are not checked): a
    // file of the account's templates is.
    let s = Scratch::new();
    s.write("people.csv", "phone,name\n+254720000001,Amina\n");
    s.write(
        "account.json",
        r#"[{"name": "vip_renewal", "language": "en_US", "status": "APPROVED", "components": []}]"#,
    );
    campaign(&s, None, "    name: vip_renewel\n    language: en_US\n    body: [a, b]\n");
    let out = herald(s.path())
        .args(["validate", "c.yaml", "--online", "--sandbox", "--templates", "account.json"])
        .output()
        .unwrap();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("error: the account has no template `vip_renewel`\n  --> c.yaml:13:11"), "{err}");
    assert!(err.contains("did you mean `vip_renewal (en_US)`?"), "{err}");
    assert!(err.contains("Meta error 132001"), "{err}");
}

// spawns: terminal output
#[test]
fn a_template_not_in_the_campaign_s_language_lists_the_languages_it_has() {
    let err = refused("    name: vip_renewal\n    language: fr\n    body: [a, b]\n");
    assert!(
        err.contains("error: the account's template `vip_renewal` is not in `fr`: it has en_US\n  --> c.yaml:14:15"),
        "{err}"
    );
    assert!(err.contains("132001"), "{err}");
}

// spawns: terminal output
#[test]
fn a_paused_template_is_an_error_naming_132015() {
    let err = refused(
        "    name: spring_sale\n    language: en_US\n    body: [a, b]\n    buttons: [{ type: copy_code, code: SPRING20 }]\n",
    );
    assert!(err.contains("error: `spring_sale (en_US)` is PAUSED: Meta paused it for low quality"), "{err}");
    assert!(err.contains("Meta error 132015 (template is paused)"), "{err}");
    assert_eq!(err.matches("error: ").count(), 2, "the one problem and the verdict: {err}");
}

// spawns: terminal output
#[test]
fn a_disabled_template_is_an_error_naming_132016() {
    let err = refused("    name: winter_sale\n    language: en_US\n    body: [a]\n");
    assert!(err.contains("error: `winter_sale (en_US)` is DISABLED"), "{err}");
    assert!(err.contains("create a new template") && err.contains("132016"), "{err}");
}

// spawns: terminal output
#[test]
fn a_positional_body_with_a_parameter_too_many_quotes_the_template() {
    let err = refused(&format!("{RENEWAL}    body: [a, b, c]\n"));
    assert!(
        err.contains(
            "error: `vip_renewal (en_US)` body: \"Dear {{1}}, your VIP membership {{2}} renews …\" has 2 parameters; the campaign gives 3\n  --> c.yaml:16:11"
        ),
        "{err}"
    );
    assert!(err.contains("give exactly 2 body parameters in order; a send would get Meta error 132000"), "{err}");
}

// spawns: terminal output
#[test]
fn a_named_body_short_of_a_parameter_or_with_a_stray_one_names_them() {
    let err = refused(&format!("{ORDER}{ORDER_HEADER}    body: {{ first_name: a }}\n{ORDER_BUTTON}"));
    assert!(
        err.contains(
            "error: `order_confirmation (en_US)` body: \"Thank you, {{first_name}}! Your order …\" needs `order_number`; the campaign does not give it\n  --> c.yaml:16:11"
        ),
        "{err}"
    );
    assert!(err.contains("add `order_number: …` to `body`; a send would get Meta error 132000"), "{err}");
    let err = refused(&format!("{ORDER}{ORDER_HEADER}    body: {{ first_name: a, order_no: b }}\n{ORDER_BUTTON}"));
    assert!(err.contains("has no parameter `order_no`; it has first_name, order_number\n  --> c.yaml:16:38"), "{err}");
    assert!(err.contains("did you mean `order_number`?"), "{err}");
}

// spawns: terminal output
#[test]
fn positional_parameters_for_a_named_template_and_named_for_a_positional_one_are_errors() {
    let err = refused(&format!("{ORDER}{ORDER_HEADER}    body: [a, b]\n{ORDER_BUTTON}"));
    assert!(
        err.contains("takes named parameters (first_name, order_number); the campaign gives them by position"),
        "{err}"
    );
    assert!(err.contains("write `body` as a mapping, `first_name: …, order_number: …` each"), "{err}");
    let named = "    name: vip_renewal\n    language: en_US\n    header: { type: text, text: Amina, name: first }\n";
    let err = refused(&format!("{named}    body: {{ name: a, order: b }}\n"));
    assert!(err.contains("`vip_renewal (en_US)` body: \"Dear {{1}}, your VIP membership {{2}} renews …\" takes its parameters by position; the campaign names them"), "{err}");
    assert!(err.contains("132012"), "{err}");
}

// spawns: terminal output
#[test]
fn an_image_header_the_campaign_does_not_fill_is_an_error() {
    let err = refused(&format!("{ORDER}{ORDER_BODY}{ORDER_BUTTON}"));
    assert!(err.contains("error: `order_confirmation (en_US)` has an image header; the campaign gives none"), "{err}");
    assert!(err.contains("add `header: { type: image, url: https://… }`"), "{err}");
}

// spawns: terminal output
#[test]
fn a_url_button_with_a_variable_needs_its_parameter() {
    let err = refused(&format!("{ORDER}{ORDER_HEADER}{ORDER_BODY}"));
    assert!(
        err.contains(
            "error: `order_confirmation (en_US)` button 0 \"Track order\" links to https://shop.example.com/track/{{1}}; the campaign gives no `url` for it"
        ),
        "{err}"
    );
    assert!(err.contains("add `{ type: url, index: 0, text: \"…\" }` to `buttons`"), "{err}");
}

// spawns: terminal output
#[test]
fn a_body_too_long_for_some_recipients_names_the_first_row_and_counts_them() {
    let s = Scratch::new();
    let long = "x".repeat(1_000);
    s.write("people.csv", format!("phone,name\n+254720000001,Amina\n+254720000002,{long}\n+254720000003,{long}\n"));
    campaign(&s, None, &format!("{RENEWAL}    body: [\"{{{{ name }}}}\", ORD-1]\n"));
    let out = online(&s);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("is 1065 characters, over Meta's 1024; 2 recipients are over it\n --> people.csv:3\n"),
        "{err}"
    );
    assert!(err.contains("Meta error 132005"), "{err}");
}

// spawns: terminal output
#[test]
fn the_example_cloud_api_campaigns_pass_against_the_sandbox_account() {
    for file in ["renewal.cloud_api.yaml", "order.cloud_api.yaml", "spring-sale.cloud_api.yaml"] {
        let out = herald(&root().join("campaigns")).args(["validate", file, "--online", "--sandbox"]).output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{file}: {}", stderr(&out));
        let text = stdout(&out);
        assert!(text.contains(&format!("account: {file}: sender +1 631-555-5555, CONNECTED, quality GREEN")), "{text}");
        assert!(!stderr(&out).contains("account"), "{}", stderr(&out));
    }
    let out = herald(&root().join("campaigns"))
        .args(["validate", "renewal.cloud_api.yaml", "--online", "--sandbox", "--format", "json"])
        .output()
        .unwrap();
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["valid"], true);
    assert_eq!(
        doc["account"]["checked"][0],
        "template vip_renewal (en_US) APPROVED, UTILITY, checked for 2 recipients"
    );
    assert_eq!(doc["account"]["daily_cap"], 2000);
}

/// A campaign naming the paused template, sent to a sandbox server of its own.
fn paused(s: &Scratch, server: &SandboxServer) {
    s.write("people.csv", "phone\n+254720000001\n");
    let template = "    name: spring_sale\n    language: en_US\n    body: [a, b]\n    buttons: [{ type: copy_code, code: SPRING20 }]\n";
    campaign(s, Some(&server.url), template);
}

// spawns: exit code
#[test]
fn send_stops_a_mismatched_campaign_before_its_first_request() {
    let s = Scratch::new();
    let server = sandbox_server(&s, &[]);
    paused(&s, &server);
    let out = herald(s.path())
        .env("WA_TOKEN", TOKEN)
        .args(["send", "c.yaml", "--yes", "--journal", "j.db", "--report", "out"])
        .output()
        .unwrap();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("is PAUSED") && err.ends_with("1 error; nothing was sent\n"), "{err}");
    assert!(accepted(&s).is_empty(), "the sandbox accepted {:?}", accepted(&s));
    assert!(!s.path().join("j.db").exists() && !s.path().join("out").exists());
    assert!(!err.contains(TOKEN));
}

// spawns: exit code
#[test]
fn send_offline_skips_the_checks_against_the_account() {
    let s = Scratch::new();
    let server = sandbox_server(&s, &[]);
    paused(&s, &server);
    let out = herald(s.path())
        .env("WA_TOKEN", TOKEN)
        .args(["send", "c.yaml", "--yes", "--offline", "--journal", "j.db", "--report", "out"])
        .output()
        .unwrap();
    let err = stderr(&out);
    assert!(!err.contains("PAUSED") && !err.contains("account:"), "{err}");
    assert!(s.path().join("out").exists(), "the send went on to its requests: {err}");
}

// spawns: terminal output
#[test]
fn an_audience_over_the_messaging_limit_is_a_warning_with_the_days_it_takes() {
    let s = Scratch::new();
    let rows: String = (0..2_001).map(|n| format!("+2547{n:08}\n")).collect();
    s.write("people.csv", format!("phone\n{rows}"));
    campaign(&s, None, "    name: hello_world\n    language: en_US\n");
    let out = online(&s);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(
        err.contains(
            "warning: the campaign has 2001 recipients, over +1 631-555-5555's messaging limit of 2000 unique users a day: it takes 2 days at the limit\n --> c.yaml:6:20"
        ),
        "{err}"
    );
    let text = stdout(&out);
    assert!(
        text.contains("messaging limit 2000 unique users a day (TIER_2K), a send holds to it as its daily cap"),
        "{text}"
    );
}

// spawns: exit code
#[test]
fn a_failed_read_of_the_account_is_a_warning_naming_why() {
    let s = Scratch::new();
    s.write("people.csv", "phone\n+254720000001\n");
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    campaign(&s, Some(&format!("http://{closed}")), "    name: hello_world\n    language: en_US\n");
    let out = herald(s.path()).env("WA_TOKEN", TOKEN).args(["validate", "c.yaml", "--online"]).output().unwrap();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(err.contains("warning: the account's templates could not be read, so the checks on it were skipped: The Cloud API could not show the account"), "{err}");
    assert!(err.contains("warning: the account's sender could not be read"), "{err}");
    assert!(err.contains("`--offline` skips these reads") && !err.contains(TOKEN), "{err}");
    let unset = herald(s.path()).args(["validate", "c.yaml", "--online"]).output().unwrap();
    assert!(stderr(&unset).contains("warning: the account was not read: `WA_TOKEN` is not set"), "{}", stderr(&unset));
}

// spawns: exit code
#[test]
fn a_send_holds_to_the_messaging_limit_when_the_campaign_sets_no_daily_cap() {
    let s = Scratch::new();
    let rows: String = (0..2_001).map(|n| format!("+2547{n:08}\n")).collect();
    s.write("people.csv", format!("phone\n{rows}"));
    campaign(&s, None, "    name: hello_world\n    language: en_US\n");
    let args = ["send", "c.yaml", "--sandbox", "--yes", "--no-receipts", "--rate", "1000/s", "--journal", "j.db"];
    let out = herald(s.path()).args(args).args(["--report", "out"]).output().unwrap();
    let err = stderr(&out);
    assert!(err.contains("a send holds to it as its daily cap"), "{err}");
    let rows = report_rows(&s);
    let state = |want: &str| rows.iter().filter(|r| &r[2] == want).count();
    assert_eq!((state("sent"), rows.len()), (2_000, 2_001), "{err}");
    assert!(rows.iter().any(|r| r.iter().any(|c| c.contains("daily cap of 2000"))), "{err}");
}

// spawns: terminal output
#[test]
fn without_the_journal_a_send_says_the_limit_is_not_held_to() {
    let s = Scratch::new();
    s.write("people.csv", "phone\n+254720000001\n");
    campaign(&s, None, "    name: hello_world\n    language: en_US\n");
    let out = herald(s.path()).args(["send", "c.yaml", "--sandbox", "--yes", "--no-journal"]).output().unwrap();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(err.contains("account: without the journal no count of the day's messages is kept"), "{err}");
}

/// An Evolution campaign of the sandbox's instance sending `template` to people.csv.
fn evolution(s: &Scratch, template: &str) {
    s.write(
        "e.yaml",
        format!(
            "version: 1\nid: e\nprovider:\n  kind: evolution\n  base_url: http://127.0.0.1:9\n  token_env: EVO_KEY\n  instance: shop\nrecipients:\n  csv: people.csv\nmessage:\n  type: template\n  template:\n{template}"
        ),
    );
}

// spawns: exit code
#[test]
fn a_template_the_sandbox_s_built_in_set_lacks_is_noted_and_one_a_file_lacks_stops() {
    let s = Scratch::new();
    s.write("people.csv", "phone\n+254720000001\n");
    let promo = "    name: promo\n    language: en\n    body: [a]\n";
    campaign(&s, None, promo);
    evolution(&s, promo);
    s.write(
        "account.json",
        r#"[{"name": "hello_world", "language": "en_US", "status": "APPROVED", "components": []}]"#,
    );
    for file in ["c.yaml", "e.yaml"] {
        let out = herald(s.path()).args(["validate", file, "--online", "--sandbox"]).output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{file}: {}", stderr(&out));
        let note =
            format!("account: {file}: template not checked: the sandbox's built-in account does not hold `promo`");
        assert!(stdout(&out).contains(&note), "{file}: {}", stdout(&out));
        let journal = format!("{file}.db");
        let send = ["send", file, "--sandbox", "--yes", "--no-receipts", "--journal", &journal];
        let out = herald(s.path()).args(send).output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{file}: {}", stderr(&out));
        let out = herald(s.path())
            .args(["validate", file, "--online", "--sandbox", "--templates", "account.json"])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{file}: {}", stderr(&out));
        assert!(stderr(&out).contains("error: the account has no template `promo`"), "{file}: {}", stderr(&out));
        let out = herald(s.path()).args(send).args(["--templates", "account.json"]).output().unwrap();
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{file}: {err}");
        assert!(err.contains("no template `promo`") && err.ends_with("nothing was sent\n"), "{file}: {err}");
    }
}

// spawns: terminal output
#[test]
fn every_language_the_recipients_are_sent_in_is_checked_not_only_the_first_s() {
    let s = Scratch::new();
    s.write("people.csv", "phone,lang\n+254720000001,en_US\n+254720000002,fr\n+254720000003,en_US\n");
    campaign(
        &s,
        None,
        "    name: vip_renewal\n    language: \"{{ lang }}\"\n    header: { type: text, text: Amina }\n    body: [a, b]\n",
    );
    let out = online(&s);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("error: the account's template `vip_renewal` is not in `fr`: it has en_US"), "{err}");
    s.write("people.csv", "phone,lang\n+254720000001,en_US\n+254720000003,en_US\n");
    let out = online(&s);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).contains("template vip_renewal (en_US) APPROVED, UTILITY, checked for 2 recipients"));
}

/// The sandbox server's `GET /_stats` answer.
fn stats(server: &SandboxServer) -> serde_json::Value {
    use std::io::{Read, Write};
    let addr = server.url.trim_start_matches("http://").split('/').next().unwrap().to_string();
    let mut answer = String::new();
    let mut c = std::net::TcpStream::connect(addr).unwrap();
    c.write_all(b"GET /_stats HTTP/1.1\r\nHost: herald\r\nConnection: close\r\n\r\n").unwrap();
    c.read_to_string(&mut answer).unwrap();
    serde_json::from_str(answer.split_once("\r\n\r\n").unwrap().1).unwrap()
}

// spawns: exit code
#[test]
fn validate_online_only_reads_the_account() {
    let s = Scratch::new();
    let server = sandbox_server(&s, &[]);
    s.write("people.csv", "phone\n+254720000001\n+254720000002\n");
    campaign(&s, Some(&server.url), &format!("{RENEWAL}    body: [a, b]\n"));
    let out = herald(s.path()).env("WA_TOKEN", TOKEN).args(["validate", "c.yaml", "--online"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).contains("checked for 2 recipients"), "the account was read: {}", stdout(&out));
    let stats = stats(&server);
    assert_eq!(stats["accepted"], 0, "{stats}");
    assert!(stats["received"].as_u64().unwrap() >= 2, "the templates and the number were read: {stats}");
    assert!(accepted(&s).is_empty(), "the sandbox accepted {:?}", accepted(&s));
}

/// A loopback Graph API of before the business portfolio's limit: it refuses a read naming
/// `whatsapp_business_manager_messaging_limit` with Meta's error 100 and answers one without it
/// with the number's deprecated tier. Its base URL, and the request line of each connection as
/// it comes (a channel, so a test whose herald reads less fails rather than waits).
fn graph_without_the_portfolio_field() -> (String, std::sync::mpsc::Receiver<String>) {
    use std::io::{BufRead, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/v23.0", listener.local_addr().unwrap());
    let (lines, served) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for c in listener.incoming() {
            let mut reader = std::io::BufReader::new(c.unwrap());
            let mut line = String::new();
            reader.read_line(&mut line).unwrap();
            let mut header = String::new();
            while reader.read_line(&mut header).unwrap() > 2 {
                header.clear();
            }
            let (status, body) = match line.contains("whatsapp_business_manager_messaging_limit") {
                true => (
                    "400 Bad Request",
                    r#"{"error":{"message":"(#100) Tried accessing nonexisting field (whatsapp_business_manager_messaging_limit) on node type (WhatsAppBusinessPhoneNumber)","type":"OAuthException","code":100}}"#,
                ),
                false => (
                    "200 OK",
                    r#"{"id":"42","display_phone_number":"+1 555-0100","status":"CONNECTED","quality_rating":"GREEN","messaging_limit_tier":"TIER_1K"}"#,
                ),
            };
            let _ = lines.send(line.trim_end().to_string());
            let mut c = reader.into_inner();
            let _ = write!(
                c,
                "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    (url, served)
}

// spawns: terminal output
#[test]
fn a_graph_refusing_the_portfolio_limit_is_read_again_and_its_deprecated_tier_sets_no_cap() {
    let s = Scratch::new();
    let (url, served) = graph_without_the_portfolio_field();
    s.write("people.csv", "phone\n+254720000001\n");
    s.write(
        "c.yaml",
        format!(
            "version: 1\nid: t\nprovider:\n  kind: cloud_api\n  token_env: WA_TOKEN\n  phone_number_id: \"42\"\n  base_url: {url}\nrecipients:\n  csv: people.csv\nmessage:\n  type: text\n  text: Hi\n"
        ),
    );
    let out = herald(s.path()).env("WA_TOKEN", TOKEN).args(["validate", "c.yaml", "--online"]).output().unwrap();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    let lines: Vec<String> = served.try_iter().collect();
    assert_eq!(lines.len(), 2, "{lines:?}: {err}");
    assert!(lines[0].contains("whatsapp_business_manager_messaging_limit"), "{lines:?}");
    assert!(!lines[1].contains("whatsapp_business_manager_messaging_limit"), "{lines:?}");
    assert!(lines[1].contains("messaging_limit_tier"), "{lines:?}");
    let text = stdout(&out);
    assert!(text.contains("messaging limit 1000 unique users a day (TIER_1K, the number's deprecated tier)"), "{text}");
    assert!(!text.contains("daily cap (set"), "the deprecated tier is no daily cap: {text}");
    assert!(err.contains("warning: the account gives only the number's deprecated messaging limit tier"), "{err}");
}

// spawns: terminal output
#[test]
fn a_campaign_declaring_no_category_is_billed_by_the_account_s() {
    let s = Scratch::new();
    s.write("people.csv", "phone\n+12025550123\n+254720000001\n");
    let card = root().join("tests/fixtures/meta-rates-usd.csv");
    // vip_renewal is UTILITY in the account: the estimate prices it so, not as marketing.
    campaign(&s, None, &format!("{RENEWAL}    body: [a, b]\n"));
    let out = herald(s.path())
        .env("HERALD_RATE_CARD", &card)
        .args(["validate", "c.yaml", "--online", "--sandbox", "--format", "json"])
        .output()
        .unwrap();
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["estimate"]["category"], "utility", "{doc}");
    // A template the account has as MARKETING warns of the US numbers, as a declared one does.
    s.write(
        "promo.json",
        r#"[{"name": "promo", "language": "en", "status": "APPROVED", "category": "MARKETING", "components": [{"type": "BODY", "text": "Hi {{1}}"}]}]"#,
    );
    campaign(&s, None, "    name: promo\n    language: en\n    body: [a]\n");
    let out = herald(s.path())
        .args(["validate", "c.yaml", "--online", "--sandbox", "--templates", "promo.json"])
        .output()
        .unwrap();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(
        err.contains("warning: 1 recipient has a US (+1) number, and Meta has not delivered marketing templates to US numbers since 1 April 2025"),
        "{err}"
    );
    assert!(err.contains("the account has the template as MARKETING"), "{err}");
}

// spawns: terminal output
#[test]
fn each_recipient_s_body_is_measured_against_its_own_language_s_template() {
    let s = Scratch::new();
    let long = "x".repeat(1_000);
    let body = |language: &str, text: &str| {
        format!(
            r#"{{"name": "promo", "language": "{language}", "status": "APPROVED", "category": "UTILITY", "components": [{{"type": "BODY", "text": "{text}"}}]}}"#
        )
    };
    s.write("account.json", format!("[{}, {}]", body("en", "Hi {{1}}"), body("fr", &format!("{long} {{{{1}}}}"))));
    s.write("people.csv", "phone,lang\n+254720000001,en\n+254720000002,fr\n");
    campaign(
        &s,
        None,
        "    name: promo\n    language: \"{{ lang }}\"\n    body: [\"a value of some thirty characters\"]\n",
    );
    let out = herald(s.path())
        .args(["validate", "c.yaml", "--online", "--sandbox", "--templates", "account.json"])
        .output()
        .unwrap();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("error: `promo (fr)` body:")
            && err.contains("over Meta's 1024; 1 recipient is over it\n --> people.csv:3\n"),
        "{err}"
    );
}
