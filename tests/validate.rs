//! `herald validate`: every problem at once, with file:line:col, and the right exit code.

use crate::common::*;

fn validate(s: &Scratch, campaign: &str) -> std::process::Output {
    s.write("c.yaml", campaign);
    run(s.path(), &["validate", "c.yaml"])
}

fn scratch_with_csv(csv: &str) -> Scratch {
    let s = Scratch::new();
    s.write("data.csv", csv);
    s
}

// spawns: terminal output
#[test]
fn a_broken_file_reports_every_problem_with_its_location() {
    let s = scratch_with_csv("phone,name\n+254712345678,Jane\n");
    s.write("t.txt", "hi");
    let broken = "\
version: 2
id: Spring Sale
provider:
  kind: cloud_api
  bse_url: https://graph.facebook.com/v23.0
  token_env: EAAGm0PX4ZCpsBAKZBZAZCnTsZAnzAbCdEfGh1234567890abcdef
recipients:
  csv: nope.csv
message:
  type: txt
  text: \"Hi {{ first_name }\"
delivery: { rate: fast, concurrency: 0 }
";
    let o = validate(&s, broken);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(!err.contains("EAAGm0PX4ZCpsBAKZBZAZCnTsZAnzAbCdEfGh"), "the pasted secret was echoed:\n{err}");
    golden("errors/broken.txt", &err);
}

// spawns: terminal output
#[test]
fn a_valid_campaign_prints_one_summary_line_and_exits_zero() {
    let s = scratch_with_csv("phone,name\n+254712345678,Jane\n0712345679,Bob\n0712345679,Bob again\n");
    let o = validate(&s, CAMPAIGN);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(
        stdout(&o),
        "ok: c.yaml: 2 recipients to send, 1 skipped (0 invalid, 1 duplicate, 0 suppressed), provider cloud_api, message text, sends in under a second at 80/s\n"
    );
    assert!(stderr(&o).contains("warning: environment variable `WA_TOKEN` is not set"));
}

// spawns: exit code
#[test]
fn several_files_exit_two_when_any_is_invalid() {
    let s = scratch_with_csv("phone,name\n+254712345678,Jane\n");
    s.write("good.yaml", CAMPAIGN);
    s.write("bad.yaml", CAMPAIGN.replace("version: 1", "version: one"));
    let o = run(s.path(), &["validate", "good.yaml", "bad.yaml"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stdout(&o).contains("ok: good.yaml"));
    assert!(stderr(&o).contains("bad.yaml is invalid: 1 error"));
}

// spawns: terminal output
#[test]
fn a_template_variable_missing_from_the_csv_points_at_the_template() {
    let s = scratch_with_csv("phone,nme\n+254712345678,Jane\n");
    let o = validate(&s, CAMPAIGN);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(
        err.contains("error: `message.text` uses `name`, which is not a column of data.csv nor a key of `vars`"),
        "{err}"
    );
    // At the variable, not the whole string: the column a text_file's error has.
    assert!(err.contains("--> c.yaml:12:16"), "{err}");
    assert!(err.contains("help: did you mean `nme`?"), "{err}");
}

// spawns: terminal output
#[test]
fn a_text_file_template_is_named_as_the_file_not_as_message_text() {
    let s = scratch_with_csv("phone,name\n+254712345678,Jane\n+254712345679,\n");
    s.write("t.txt", "Hello,\nwelcome {{ name }} and {{ nme }}\n");
    let o = validate(&s, &CAMPAIGN.replace("text: \"Hi {{ name }}\"", "text_file: t.txt"));
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(err.contains("error: t.txt (`message.text_file`) uses `nme`, which is not a column of data.csv"), "{err}");
    assert!(err.contains("--> t.txt:2:27"), "{err}");
    s.write("t.txt", "Hello,\nwelcome {{ name }}\n");
    let o = validate(&s, &CAMPAIGN.replace("text: \"Hi {{ name }}\"", "text_file: t.txt"));
    let err = stderr(&o);
    assert!(
        err.contains("error: `name` is empty at line 3 of data.csv, and t.txt (`message.text_file`) uses it"),
        "{err}"
    );
    assert!(!err.contains("`message.text`"), "{err}");
}

// spawns: terminal output
#[test]
fn an_empty_cell_is_an_error_naming_the_csv_line_unless_a_default_is_given() {
    let s = scratch_with_csv("phone,name\n+254712345678,Jane\n+254712345679,\n");
    let o = validate(&s, CAMPAIGN);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(err.contains("error: `name` is empty at line 3 of data.csv, and `message.text` uses it"), "{err}");
    assert!(err.contains("--> data.csv:3"), "{err}");
    // The hint pastes as it is into the campaign's double-quoted string.
    assert!(err.contains("{{ name | default('…') }}"), "{err}");
    let o = validate(&s, &CAMPAIGN.replace("{{ name }}", "{{ name | default('there') }}"));
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
}

// spawns: terminal output
#[test]
fn rendered_values_are_checked_against_provider_limits() {
    let s = scratch_with_csv(&format!("phone,name\n+254712345678,Jane\n+254712345679,{}\n", "x".repeat(4100)));
    let o = validate(&s, CAMPAIGN);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(err.contains("4103 characters long; the limit is 4096 (line 3 of data.csv)"), "{err}");
}

// spawns: terminal output
#[test]
fn unsupported_provider_and_type_combinations_are_rejected() {
    let cases = [
        ("communiktor", "instance: i", "template", "template: { name: t, language: en }"),
        ("whautochat", "workspace_id: w", "location", "location: { latitude: 1, longitude: 2 }"),
        ("autokonnect", "channel_id: \"1\"", "reaction", "reaction: { message_id: m, emoji: \"👍\" }"),
        ("flowiq", "tenant_id: t", "voice", "media: { url: \"https://x/v.ogg\" }"),
        ("evolution", "instance: i\n  base_url: http://localhost:8080", "text", "text: hi"),
    ];
    for (kind, account, t, block) in cases {
        let s = scratch_with_csv("phone,name\n+254712345678,Jane\n");
        let campaign = format!(
            "version: 1\nid: x\nprovider:\n  kind: {kind}\n  token_env: T\n  {account}\nrecipients:\n  csv: data.csv\nmessage:\n  type: {t}\n  {block}\n"
        );
        let o = validate(&s, &campaign);
        if kind == "evolution" {
            assert_eq!(o.status.code(), Some(0), "evolution sends text: {}", stderr(&o));
            continue;
        }
        assert_eq!(o.status.code(), Some(2), "{kind} × {t}");
        assert!(stderr(&o).contains(&format!("provider `{kind}` cannot send {t} messages")), "{kind}: {}", stderr(&o));
    }
}

// spawns: terminal output
#[test]
fn provider_specific_settings_are_checked() {
    let s = scratch_with_csv("phone,name\n+254712345678,Jane\n");
    let o = validate(&s, &CAMPAIGN.replace("phone_number_id: \"1234567890\"", "instance: abc"));
    let err = stderr(&o);
    assert!(err.contains("missing `phone_number_id` in `provider`"), "{err}");
    let o = validate(&s, &CAMPAIGN.replace("token_env: WA_TOKEN", "token_env: WA_TOKEN\n  instance: abc"));
    assert!(stderr(&o).contains("`instance` is not a setting of provider `cloud_api`"), "{}", stderr(&o));
    let evolution = CAMPAIGN.replace("kind: cloud_api", "kind: evolution").replace("phone_number_id", "instance");
    let o = validate(&s, &evolution);
    assert!(stderr(&o).contains("missing `base_url` in `provider`"), "{}", stderr(&o));
    let whautochat = CAMPAIGN
        .replace("kind: cloud_api", "kind: whautochat")
        .replace("phone_number_id: \"1234567890\"", "workspace_id: ws")
        .replace("csv: data.csv", "groups: [\"120363025246125486@g.us\"]");
    let o = validate(&s, &whautochat.replace("{{ name }}", "all"));
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("provider `whautochat` cannot send to groups"), "{}", stderr(&o));
    let group_template = CAMPAIGN
        .replace("kind: cloud_api", "kind: evolution\n  base_url: https://evo.example.com")
        .replace("phone_number_id: \"1234567890\"", "instance: shop")
        .replace("csv: data.csv", "groups: [\"120363025246125486@g.us\"]")
        .replace("type: text\n  text: \"Hi {{ name }}\"", "type: template\n  template: { name: promo, language: en }");
    let err = stderr(&validate(&s, &group_template));
    assert!(err.contains("Evolution API sends templates only from Cloud-API instances"), "{err}");
    let mixed = CAMPAIGN.replace("csv: data.csv", "csv: data.csv\n  group_column: name\n  phone_column: phone");
    assert!(stderr(&validate(&s, &mixed)).contains("a CSV holds one kind of address"));
}

// spawns: terminal output
#[test]
fn flowiq_keys_must_carry_their_prefix_without_being_printed() {
    let s = Scratch::new();
    let campaign = "version: 1\nid: x\nprovider:\n  kind: flowiq\n  token_env: FLOWIQ_API_KEY\n  tenant_id: t\nrecipients:\n  list: [\"+254712345678\"]\nmessage:\n  type: text\n  text: hi\n";
    s.write("c.yaml", campaign);
    let o = herald(s.path()).args(["validate", "c.yaml"]).env("FLOWIQ_API_KEY", "sk_wrong_secret").output().unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("does not start with `fiq_`"));
    assert!(!stderr(&o).contains("sk_wrong_secret"));
    let o = herald(s.path()).args(["validate", "c.yaml"]).env("FLOWIQ_API_KEY", "fiq_right").output().unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
}

// spawns: terminal output
#[test]
fn providers_prints_the_support_matrix_the_docs_show() {
    let o = run(&root(), &["providers"]);
    assert_eq!(o.status.code(), Some(0));
    let out = stdout(&o);
    assert!(
        out.contains("\n  cta_url      -              -              -              -              -              yes"),
        "{out}"
    );
    let page = std::fs::read_to_string(root().join("docs/providers.md")).unwrap();
    let section = &page[page.find("## `herald providers").expect("docs/providers.md documents `herald providers`")..];
    let block = section.split("```text\n").nth(1).and_then(|b| b.split("```").next()).unwrap();
    assert_eq!(block, out, "the provider matrix in docs/providers.md differs from `herald providers`");
    let json: serde_json::Value =
        serde_json::from_slice(&run(&root(), &["providers", "--format", "json"]).stdout).unwrap();
    assert_eq!(json[5]["kind"], "cloud_api");
    assert_eq!(json[3]["provider_tags"], true);
    assert_eq!(json[1]["groups"], true);
    assert_eq!(json[5]["interactive"].as_array().unwrap().len(), 7);
}

// spawns: terminal output — a closed pipe
#[test]
fn output_into_a_closed_pipe_ends_quietly() {
    for args in [&["providers", "--format", "json"][..], &["providers"], &["validate", "campaigns/survey.flowiq.yaml"]]
    {
        let o = into_closed_pipe(&root(), args, 0);
        assert!(!stderr(&o).contains("panicked"), "{args:?}: {}", stderr(&o));
        assert_ne!(o.status.code(), Some(101), "{args:?}");
    }
}

// spawns: terminal output
#[test]
fn a_suppression_csv_may_start_with_comments() {
    let s = scratch_with_csv("phone,name\n+254712345678,Jane\n+254712345679,Joe\n");
    s.write("optout.csv", "# exported from the CRM\nname,phone\nJoe,+254712345679\n");
    let o =
        validate(&s, &CAMPAIGN.replace("  default_country: KE\n", "  default_country: KE\n  suppress: [optout.csv]\n"));
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("1 recipient to send, 1 skipped (0 invalid, 0 duplicate, 1 suppressed)"),
        "{}",
        stdout(&o)
    );
}

// spawns: terminal output
#[test]
fn nobody_to_send_to_is_an_error_with_the_likely_fix() {
    let s = scratch_with_csv("phone,name\n0712345678,Jane\n0722000111,Bo\n");
    let o = validate(&s, &CAMPAIGN.replace("  default_country: KE\n", ""));
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(err.contains("no recipients to send to: 2 invalid"), "{err}");
    assert!(err.contains("need `recipients.default_country`"), "{err}");
}

// spawns: terminal output
#[test]
fn strict_makes_warnings_errors_and_max_invalid_caps_bad_rows() {
    let s = scratch_with_csv("phone,name\n+254712345678,Jane\nnot-a-number,Bo\n");
    let lenient = validate(&s, CAMPAIGN);
    assert_eq!(lenient.status.code(), Some(0), "{}", stderr(&lenient));
    s.write("c.yaml", CAMPAIGN);
    let strict = run(s.path(), &["validate", "--strict", "c.yaml"]);
    assert_eq!(strict.status.code(), Some(2), "{}", stderr(&strict));
    let capped =
        validate(&s, &CAMPAIGN.replace("  default_country: KE\n", "  default_country: KE\n  max_invalid: 10%\n"));
    assert_eq!(capped.status.code(), Some(2));
    assert!(
        stderr(&capped).contains("50.0% of the rows are invalid (1 of 2), above the 10.0% allowed"),
        "{}",
        stderr(&capped)
    );
}

// spawns: terminal output — completions and the manual
#[test]
fn completions_and_the_manual_page_are_generated() {
    let bash = run(&root(), &["completions", "bash"]);
    assert_eq!(bash.status.code(), Some(0));
    assert!(stdout(&bash).contains("_herald()") && stdout(&bash).contains("--dry-run"), "{}", stdout(&bash));
    assert!(stdout(&run(&root(), &["completions", "zsh"])).contains("#compdef herald"));
    let man = run(&root(), &["man"]);
    assert_eq!(man.status.code(), Some(0));
    assert!(stdout(&man).contains(".TH herald 1"), "{}", stdout(&man));
}

// spawns: terminal output
#[test]
fn command_line_overrides_reach_the_message_and_the_gate() {
    let s = scratch_with_csv("phone,name\n+254712345678,Jane\n");
    s.write(
        "c.yaml",
        CAMPAIGN.replace("text: \"Hi {{ name }}\"", "text: \"Code {{ promo }}\"").to_string()
            + "vars: { promo: SPRING }\n",
    );
    let preview = run(s.path(), &["preview", "c.yaml", "--format", "json", "--var", "promo=SUMMER25"]);
    assert!(stdout(&preview).contains("Code SUMMER25"), "{}", stdout(&preview));
    let sent = run(
        s.path(),
        &[
            "send",
            "c.yaml",
            "--sandbox",
            "--yes",
            "--quiet",
            "--report",
            "out",
            "--var",
            "promo=X",
            "--max-failure-rate",
            "5%",
            "--rate",
            "50/s",
        ],
    );
    assert_eq!(sent.status.code(), Some(0), "{}", stderr(&sent));
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(s.path().join("out/summary.json")).unwrap()).unwrap();
    assert_eq!(summary["max_failure_rate"], 0.05);
    let bad = run(s.path(), &["send", "c.yaml", "--sandbox", "--yes", "--var", "nokey"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(stderr(&bad).contains("is not KEY=VALUE"), "{}", stderr(&bad));
}

// spawns: terminal output
#[test]
fn validate_and_send_speak_json_for_machines() {
    let s = scratch_with_csv("phone,name\n+254712345678,Jane\nnope,Bo\n");
    s.write("c.yaml", CAMPAIGN);
    s.write("broken.yaml", "version: 1\n");
    let o = run(s.path(), &["validate", "--format", "json", "c.yaml", "broken.yaml"]);
    assert_eq!(o.status.code(), Some(2));
    let lines: Vec<serde_json::Value> = stdout(&o).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!((lines[0]["valid"].clone(), lines[0]["audience"]["recipients"].clone()), (true.into(), 1.into()));
    assert_eq!(lines[0]["audience"]["invalid"], 1);
    assert_eq!(lines[1]["valid"], false);
    assert!(lines[1]["problems"][0]["line"].is_u64(), "{}", lines[1]);
    let sent =
        run(s.path(), &["send", "c.yaml", "--sandbox", "--yes", "--quiet", "--format", "json", "--report", "out"]);
    assert_eq!(sent.status.code(), Some(0), "{}", stderr(&sent));
    let mut summary: serde_json::Value = serde_json::from_str(&stdout(&sent)).unwrap();
    assert_eq!(summary["report_dir"], "out");
    assert_eq!(summary["herald_version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(summary["by_skip_code"]["invalid_phone"], 1);
    summary.as_object_mut().unwrap().remove("report_dir");
    let schema: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(root().join("schemas/report.schema.json")).unwrap()).unwrap();
    assert!(jsonschema::draft202012::new(&schema).unwrap().is_valid(&summary), "{summary:#}");
}

// spawns: terminal output
#[test]
fn type_and_bound_errors_say_what_was_written_and_a_semicolon_csv_is_read() {
    let s = scratch_with_csv("phone,name\n+254712345678,Jane\n");
    let typed = CAMPAIGN.replace("version: 1", "version: \"1\"") + "delivery: { rate: 0 }\n";
    let o = validate(&s, &typed);
    assert_eq!(o.status.code(), Some(2));
    golden("errors/types_and_bounds.txt", &stderr(&o));
    s.write("data.csv", "phone;name\n+254712345678;Jane\n");
    s.write("c.yaml", CAMPAIGN);
    let o = run(s.path(), &["preview", "c.yaml", "--chat"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).contains("│ Hi Jane"), "{}", stdout(&o));
}

// spawns: terminal output
#[test]
fn yaml_mistakes_point_at_their_line_with_the_likely_cause() {
    let s = Scratch::new();
    let cases = [
        ("tab", "version: 1\nid: x\nprovider:\n\tkind: cloud_api\n"),
        ("unquoted_colon", "version: 1\nid: x\nmessage:\n  type: text\n  text: Hello: world\n"),
        ("dedented_key", "version: 1\nprovider:\n  kind: cloud_api\n token_env: X\n"),
        ("deep_key", "version: 1\nprovider:\n  kind: cloud_api\n   token_env: X\n"),
        ("unquoted_template", "version: 1\nid: x\nmessage:\n  type: text\n  text: {{ first_name }}, welcome\n"),
        ("template_alone", "version: 1\nid: x\nmessage:\n  type: text\n  text: {{ first_name }}\n"),
    ];
    for (name, text) in cases {
        let o = validate(&s, text);
        assert_eq!(o.status.code(), Some(2), "{name}");
        golden(&format!("errors/yaml_{name}.txt"), &stderr(&o));
    }
}

// spawns: terminal output
#[test]
fn each_provider_defaults_to_its_documented_rate_and_a_faster_rate_is_a_warning() {
    let s = scratch_with_csv("phone,name\n+254712345678,Jane\n");
    let whautochat = CAMPAIGN.replace("kind: cloud_api", "kind: whautochat").replace("phone_number_id", "workspace_id");
    let rate_of = |yaml: &str| {
        let path = s.write("c.yaml", yaml);
        let options = herald::plan::Options { token: herald::plan::TokenCheck::Skip, ..Default::default() };
        herald::plan::load(&path, options).plan.expect("valid").delivery.rate_per_sec
    };
    // WhautoChat publishes 100 requests a minute; Meta 80 messages a second per number.
    assert_eq!(rate_of(&whautochat), 100.0 / 60.0);
    assert_eq!(rate_of(CAMPAIGN), 80.0);
    assert_eq!(
        rate_of(&CAMPAIGN.replace("kind: cloud_api", "kind: communiktor").replace("phone_number_id", "instance")),
        10.0
    );
    // With the token set, so that no other warning is printed.
    let validate = |s: &Scratch, yaml: &str| {
        s.write("c.yaml", yaml);
        herald(s.path()).args(["validate", "c.yaml"]).env("WA_TOKEN", "EAAG-token").output().unwrap()
    };
    let o = validate(&s, &whautochat);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(!stderr(&o).contains("warning"), "the default rate is within the limit: {}", stderr(&o));

    let fast = format!("{whautochat}delivery: {{ rate: 10/s }}\n");
    let o = validate(&s, &fast);
    assert_eq!(o.status.code(), Some(0), "a warning, not an error: {}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains("warning: `delivery.rate` 10/s is above WhautoChat's published limit of 100 requests a minute"),
        "{err}"
    );
    assert!(err.contains("c.yaml:13:19"), "the warning points at delivery.rate: {err}");
    let meta = format!("{CAMPAIGN}delivery: {{ rate: 100/s }}\n");
    let err = stderr(&validate(&s, &meta));
    assert!(err.contains("`delivery.rate` 100/s is above Meta's default throughput of 80 messages a second"), "{err}");
    assert!(!stderr(&validate(&s, &format!("{CAMPAIGN}delivery: {{ rate: 80/s }}\n"))).contains("warning"));
    // `--strict` makes the warning fail the check, as every warning does.
    s.write("c.yaml", &fast);
    let strict = herald(s.path()).args(["validate", "--strict", "c.yaml"]).env("WA_TOKEN", "EAAG-token").output();
    assert_eq!(strict.unwrap().status.code(), Some(2));
}

// spawns: terminal output
#[test]
fn a_template_language_whautochat_cannot_send_is_a_warning_and_optional_there_only() {
    let s = scratch_with_csv("phone,name\n+254712345678,Jane\n");
    let template = |kind: &str, account: &str, language: &str| {
        CAMPAIGN.replace("kind: cloud_api", kind).replace("phone_number_id: \"1234567890\"", account).replace(
            "type: text\n  text: \"Hi {{ name }}\"",
            &format!("type: template\n  template: {{ name: promo{language} }}"),
        )
    };
    let check = |yaml: &str| {
        s.write("c.yaml", yaml);
        herald(s.path()).args(["validate", "c.yaml"]).env("WA_TOKEN", "EAAG-token").output().unwrap()
    };
    let o = check(&template("kind: whautochat", "workspace_id: ws", ", language: en_US"));
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("warning: WhautoChat has no field for a template language; it will not be sent"),
        "{}",
        stderr(&o)
    );
    assert!(stderr(&o).contains("c.yaml:12:38"), "{}", stderr(&o));
    let o = check(&template("kind: whautochat", "workspace_id: ws", ""));
    assert_eq!((o.status.code(), stderr(&o)), (Some(0), String::new()));
    let o = check(&template("kind: cloud_api", "phone_number_id: \"1234567890\"", ""));
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("error: The Cloud API needs the template's language"), "{}", stderr(&o));
}

// spawns: terminal output
#[test]
fn human_pacing_is_in_the_sending_time_and_typing_only_where_documented() {
    let s = scratch_with_csv("phone,name\n+254712345678,Jane\n+254712345679,Joe\n+254712345680,Ann\n");
    let evolution = CAMPAIGN
        .replace("kind: cloud_api", "kind: evolution\n  base_url: https://evo.example.com")
        .replace("phone_number_id: \"1234567890\"", "instance: shop")
        .replace("Hi {{ name }}", &"x".repeat(60));
    let o = validate(&s, &format!("{evolution}delivery:\n  jitter: 2s..8s\n  typing: true\n"));
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    // 3 messages, each 3 s of typing and 5 s of pause on average: 24 s, 450 an hour.
    assert!(
        stdout(&o).contains(
            "sends in about 24s at 450/h (one message at a time, about 3.0s of typing before each and a 2s..8s pause \
             after it; delivery.rate is 10/s; the provider's answers add to this)"
        ),
        "{}",
        stdout(&o)
    );
    let o = validate(&s, &format!("{evolution}delivery:\n  typing: true\n  timeout: 5s\n"));
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(
        err.contains("error: `delivery.timeout` must outlast the typing indicator") && err.contains("c.yaml:16:12"),
        "{err}"
    );
    let o = validate(&s, &format!("{CAMPAIGN}delivery:\n  typing: true\n"));
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(
        err.contains("error: provider `cloud_api` documents no typing indicator") && err.contains("c.yaml:14:11"),
        "{err}"
    );
    assert!(err.contains("typing works on: evolution"), "{err}");
}

// spawns: terminal output
#[test]
fn a_delivery_gate_needs_a_provider_that_reports_deliveries() {
    let s = scratch_with_csv("phone,name\n+254712345678,Jane\n");
    let o = validate(&s, &format!("{CAMPAIGN}delivery:\n  min_delivered: 95%\n  wait_receipts: 10m\n"));
    assert_eq!(o.status.code(), Some(0), "the Cloud API reports deliveries: {}", stderr(&o));
    let whautochat = CAMPAIGN
        .replace("kind: cloud_api", "kind: whautochat\n  base_url: https://wa.example.com")
        .replace("phone_number_id: \"1234567890\"", "workspace_id: w1");
    let o = validate(&s, &format!("{whautochat}delivery:\n  min_delivered: 95%\n"));
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(
        err.contains("error: provider `whautochat` reports no delivery status, so `delivery.min_delivered`"),
        "{err}"
    );
    assert!(
        err.contains("c.yaml:15:3") && err.contains("delivery receipts come from: ") && err.contains("cloud_api"),
        "{err}"
    );
    let o = validate(&s, &format!("{CAMPAIGN}delivery:\n  min_delivered: 95\n  wait_receipts: soon\n"));
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(err.contains("min_delivered") && err.contains("wait_receipts"), "{err}");
}

// spawns: terminal output
#[test]
fn a_named_template_body_validates_and_a_bad_name_points_at_its_key() {
    let s = scratch_with_csv("phone,name\n+254712345678,Jane\n");
    let named = |body: &str| {
        CAMPAIGN.replace(
            "type: text\n  text: \"Hi {{ name }}\"",
            &format!(
                "type: template\n  template:\n    name: order_confirmation\n    language: en_US\n    body:\n{body}"
            ),
        )
    };
    let o = validate(&s, &named("      first_name: \"{{ name }}\"\n      order_number: A-7\n"));
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let o = validate(&s, &named("      first_name: \"{{ name }}\"\n      Order Number: A-7\n"));
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(
        err.contains("error: `Order Number` is not a parameter name Meta accepts: use lowercase letters, digits and underscores, starting with a letter"),
        "{err}"
    );
    assert!(err.contains("--> c.yaml:17:"), "{err}");
}
