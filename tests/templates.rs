//! `herald templates` through the real binary against the sandbox's account: the table and the
//! JSON list every template of every page; a scaffold of a positional and of a named template
//! is a `message:` block that, pasted into a campaign, renders every parameter; and each error
//! (no `provider.waba_id`, a refused token, a provider with no account API, an unknown name)
//! says what to do without printing the token.

use crate::common::*;

const TOKEN: &str = "EAASandboxCloudApiToken";

/// A Cloud API campaign reaching `base_url` (the provider's default when empty), with
/// `waba_id` under `provider:` when given, sending `message` (a `message:` block) to people.csv.
fn campaign(s: &Scratch, base_url: &str, waba_id: Option<&str>, message: &str) {
    let mut provider = String::from("  kind: cloud_api\n  token_env: WA_TOKEN\n  phone_number_id: \"42\"\n");
    if !base_url.is_empty() {
        provider.push_str(&format!("  base_url: {base_url}\n"));
    }
    if let Some(id) = waba_id {
        provider.push_str(&format!("  waba_id: \"{id}\"\n"));
    }
    s.write("c.yaml", format!("version: 1\nid: t\nprovider:\n{provider}recipients:\n  csv: people.csv\n{message}"));
}

const TEXT: &str = "message:\n  type: text\n  text: Hi\n";

fn templates(s: &Scratch, args: &[&str]) -> std::process::Output {
    herald(s.path()).args(["templates", "c.yaml"]).args(args).output().unwrap()
}

// spawns: terminal output
#[test]
fn templates_lists_every_page_of_the_account_as_a_table_and_as_json() {
    let s = Scratch::new();
    s.write("people.csv", "phone\n+254720000001\n");
    campaign(&s, "", Some("102290129340398"), TEXT);
    let table = templates(&s, &["--sandbox"]);
    assert_eq!(table.status.code(), Some(0), "{}", stderr(&table));
    let text = stdout(&table);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines[0],
        "NAME                LANGUAGE  STATUS    CATEGORY   PARAMETERS                     HEADER  BUTTONS"
    );
    assert_eq!(
        lines[2],
        "vip_renewal         en_US     APPROVED  UTILITY    header 1; body 2               text    quick_reply"
    );
    assert_eq!(
        lines[3],
        "order_confirmation  en_US     APPROVED  UTILITY    body first_name, order_number  image   url{{1}}"
    );
    assert!(lines[4].starts_with("spring_sale         en_US     PAUSED    MARKETING  body 2"), "{text}");
    assert_eq!(lines.last(), Some(&"5 templates · 3 approved"), "{text}");
    let json = templates(&s, &["--sandbox", "--format", "json"]);
    assert_eq!(json.status.code(), Some(0), "{}", stderr(&json));
    let doc: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    let all = doc["templates"].as_array().unwrap();
    let names: Vec<&str> = all.iter().map(|t| t["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["hello_world", "vip_renewal", "order_confirmation", "spring_sale", "winter_sale"]);
    let order = &all[2];
    assert_eq!((&order["parameter_format"], &order["header"]["format"]), (&"named".into(), &"image".into()));
    assert_eq!(order["body"]["parameters"][1], serde_json::json!({"name": "order_number", "example": "860198-230332"}));
    assert_eq!(order["buttons"][0]["type"], "url");
    assert_eq!((&order["buttons"][0]["variable"], &order["buttons"][0]["index"]), (&true.into(), &0.into()));
    assert_eq!((&doc["campaign"], &doc["partial"]), (&"t".into(), &serde_json::Value::Null));
}

// spawns: terminal output
#[test]
fn a_positional_scaffold_pasted_into_a_campaign_renders_every_parameter() {
    let s = Scratch::new();
    s.write(
        "people.csv",
        "phone,header_1,body_1,body_2,button_0_payload\n+254720000001,Amina,Amina Otieno,ORD-1,renew-1\n",
    );
    campaign(&s, "", Some("102290129340398"), TEXT);
    let scaffold = templates(&s, &["--sandbox", "--scaffold", "vip_renewal"]);
    assert_eq!(scaffold.status.code(), Some(0), "{}", stderr(&scaffold));
    let block = stdout(&scaffold);
    assert!(
        block.contains("    header: { type: text, text: \"{{ header_1 }}\" }  # {{1}}, e.g. \"Amina\"\n"),
        "{block}"
    );
    assert!(block.contains("      - \"{{ body_2 }}\"  # {{2}}, e.g. \"ORD-1042\"\n"), "{block}");
    campaign(&s, "", Some("102290129340398"), &block);
    let preview = herald(s.path()).args(["preview", "c.yaml", "--format", "json"]).output().unwrap();
    assert_eq!(preview.status.code(), Some(0), "{}{block}", stderr(&preview));
    let request: serde_json::Value = serde_json::from_str(stdout(&preview).lines().next().unwrap()).unwrap();
    let sent = request.to_string();
    for value in ["vip_renewal", "\"Amina\"", "Amina Otieno", "ORD-1", "renew-1"] {
        assert!(sent.contains(value), "{value} is not in {sent}");
    }
}

// spawns: terminal output
#[test]
fn a_named_scaffold_maps_each_name_to_its_value_and_is_sent_with_parameter_names() {
    let s = Scratch::new();
    s.write(
        "people.csv",
        "phone,header_image_url,first_name,order_number,button_0_url\n+254720000001,https://x.example/a.jpg,Pablo,860198,860198\n",
    );
    campaign(&s, "", Some("102290129340398"), TEXT);
    let scaffold = templates(&s, &["--sandbox", "--scaffold", "order_confirmation", "--language", "en_US"]);
    assert_eq!(scaffold.status.code(), Some(0), "{}", stderr(&scaffold));
    let block = stdout(&scaffold);
    assert!(!block.contains("not yet supported"), "{block}");
    assert!(block.contains("# its parameters are NAMED: `body` maps each {{name}} to its value"), "{block}");
    assert!(block.contains("    header: { type: image, url: \"{{ header_image_url }}\" }"), "{block}");
    assert!(
        block.contains("    body:\n      first_name: \"{{ first_name }}\"  # {{first_name}}, e.g. \"Pablo\"\n"),
        "{block}"
    );
    assert!(
        block.contains("      order_number: \"{{ order_number }}\"  # {{order_number}}, e.g. \"860198-230332\"\n"),
        "{block}"
    );
    assert!(block.contains("      - { type: url, index: 0, text: \"{{ button_0_url }}\" }"), "{block}");
    assert!(block.contains("e.g. \"https://shop.example.com/track/860198\"\n"), "{block}");
    campaign(&s, "", Some("102290129340398"), &block);
    let validate = herald(s.path()).args(["validate", "c.yaml"]).output().unwrap();
    assert_eq!(validate.status.code(), Some(0), "{}{block}", stderr(&validate));
    let preview = herald(s.path()).args(["preview", "c.yaml", "--format", "json"]).output().unwrap();
    assert_eq!(preview.status.code(), Some(0), "{}{block}", stderr(&preview));
    let request: serde_json::Value = serde_json::from_str(stdout(&preview).lines().next().unwrap()).unwrap();
    assert_eq!(
        request["body"]["template"]["components"][1]["parameters"],
        serde_json::json!([
            {"type": "text", "parameter_name": "first_name", "text": "Pablo"},
            {"type": "text", "parameter_name": "order_number", "text": "860198"}
        ])
    );
}

// spawns: exit code
#[test]
fn each_error_says_what_to_do_and_never_shows_the_token() {
    let s = Scratch::new();
    s.write("people.csv", "phone\n+254720000001\n");
    campaign(&s, "", None, TEXT);
    let no_waba = templates(&s, &["--sandbox"]);
    assert_eq!(no_waba.status.code(), Some(2), "{}", stderr(&no_waba));
    assert!(
        stderr(&no_waba).contains("error: the campaign names no WhatsApp Business Account: add `provider.waba_id`")
    );
    // A real read (no --sandbox) of a `herald sandbox` refusing the token: the provider's code and advice.
    let server = sandbox_server(&s, &["--reject-auth"]);
    campaign(&s, &server.url, Some("102290129340398"), TEXT);
    let refused = herald(s.path()).args(["templates", "c.yaml"]).env("WA_TOKEN", TOKEN).output().unwrap();
    assert_eq!(refused.status.code(), Some(3), "{}", stderr(&refused));
    let err = stderr(&refused);
    assert!(err.contains("error: The Cloud API refused to show the account (code 190: "), "{err}");
    assert!(err.contains("check the token in `provider.token_env`"), "{err}");
    let unset = templates(&s, &[]);
    assert_eq!(unset.status.code(), Some(2), "{}", stderr(&unset));
    assert!(stderr(&unset).contains("environment variable `WA_TOKEN` is not set"), "{}", stderr(&unset));
    campaign(&s, "", Some("102290129340398"), TEXT);
    let unknown = templates(&s, &["--sandbox", "--scaffold", "vip_renewel"]);
    assert_eq!(unknown.status.code(), Some(2), "{}", stderr(&unknown));
    let err = stderr(&unknown);
    assert!(err.contains("error: the account has no template `vip_renewel`"), "{err}");
    assert!(err.contains("= help: closest: `vip_renewal (en_US)`"), "{err}");
    s.write(
        "c.yaml",
        "version: 1\nid: t\nprovider:\n  kind: flowiq\n  token_env: KEY\n  tenant_id: w\nrecipients:\n  csv: people.csv\nmessage:\n  type: text\n  text: Hi\n",
    );
    let flowiq = herald(s.path()).args(["templates", "c.yaml"]).env("KEY", "fiq_k").output().unwrap();
    assert_eq!(flowiq.status.code(), Some(2), "{}", stderr(&flowiq));
    let err = stderr(&flowiq);
    assert!(err.contains("error: FlowIQ documents no way to list an account's templates"), "{err}");
    assert!(err.contains("it reads cloud_api"), "{err}");
    for o in [&no_waba, &refused, &unset, &unknown, &flowiq] {
        assert!(!(stdout(o) + &stderr(o)).contains(TOKEN) && !stderr(o).contains("fiq_k"), "a token was printed");
    }
}
