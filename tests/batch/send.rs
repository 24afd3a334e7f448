//! Batches through the real binary: what `validate` says about them, a batched send to the
//! built-in sandbox, and kills at any moment of a batched run never sending to anyone twice.

use crate::common::*;

/// An AutoKonnect campaign over `data.csv` with this message text and `delivery`.
fn campaign(base_url: &str, text: &str, delivery: &str) -> String {
    format!(
        "version: 1\nid: batch-test\nprovider:\n  kind: autokonnect\n  base_url: {base_url}\n  token_env: AK_TOKEN\n  channel_id: \"123\"\nrecipients:\n  csv: data.csv\n  default_country: KE\nvars: {{ store: ACME }}\nmessage:\n  type: text\n  text: \"{text}\"\ndelivery: {{ {delivery} }}\n"
    )
}

/// A CSV of `n` numbers with a name each.
fn csv(n: usize) -> String {
    let mut csv = String::from("phone,name\n");
    for i in 0..n {
        csv.push_str(&format!("+2547{:08},Name {i}\n", 30_000_000 + i));
    }
    csv
}

fn validate(yaml: &str) -> std::process::Output {
    let s = Scratch::new();
    s.write("data.csv", csv(3));
    s.write("c.yaml", yaml);
    run(s.path(), &["validate", "c.yaml"])
}

#[test]
fn validate_says_when_recipients_go_in_batches_and_why_not() {
    let base = "https://app.autokonnect.co.ke";
    // The same message for everyone: batched by default, and the summary says so.
    let o = validate(&campaign(base, "Sale at {{ store }} ({{ campaign.id }})", "rate: 5/s"));
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).ends_with("provider autokonnect, message text, in batches of up to 100\n"), "{}", stdout(&o));
    assert!(!stderr(&o).contains("batch"), "{}", stderr(&o));
    let o = validate(&campaign(base, "Sale at {{ store }}", "batch_size: 2"));
    assert!(stdout(&o).ends_with("in batches of up to 2\n"), "{}", stdout(&o));
    let o = validate(&campaign(base, "Sale at {{ store }}", "batch_size: 1"));
    assert!(!stdout(&o).contains("batches"), "1 turns batching off: {}", stdout(&o));

    // A message using a CSV column: one request each; said only when batch_size asks for more.
    let o = validate(&campaign(base, "Hi {{ name }}", "rate: 5/s"));
    assert!(!stdout(&o).contains("batches") && !stderr(&o).contains("batch"), "{}{}", stdout(&o), stderr(&o));
    let o = validate(&campaign(base, "Hi {{ name }}", "batch_size: 50"));
    assert_eq!(o.status.code(), Some(0));
    let err = stderr(&o);
    assert!(
        err.contains("warning: batching is off: `message.text` uses `name` (a CSV column), so each recipient's message differs; one request per recipient"),
        "{err}"
    );
    assert!(err.contains("c.yaml:15:13"), "points at batch_size: {err}");
    let o = validate(&campaign(base, "Your number: {{ recipient }}", "batch_size: 50"));
    assert!(stderr(&o).contains("uses `recipient` (the recipient's own value)"), "{}", stderr(&o));

    // Another provider: the key does nothing, and says so.
    let cloud = CAMPAIGN.to_string() + "delivery: { batch_size: 10 }\n";
    let o = validate(&cloud);
    assert_eq!(o.status.code(), Some(0));
    assert!(
        stderr(&o).contains(
            "warning: `delivery.batch_size` has no effect on provider `cloud_api`: it sends one request per recipient"
        ),
        "{}",
        stderr(&o)
    );
    let s = Scratch::new();
    s.write("data.csv", csv(3));
    s.write("c.yaml", &cloud);
    assert_eq!(run(s.path(), &["validate", "--strict", "c.yaml"]).status.code(), Some(2));

    // More than AutoKonnect's cap is refused by the schema.
    let o = validate(&campaign(base, "Sale", "batch_size: 1001"));
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
}
