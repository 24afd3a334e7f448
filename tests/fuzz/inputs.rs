//! What the fuzz targets feed herald: valid inputs mutated with tokens from dictionaries (the
//! campaign schema's keys and values, YAML, CSV and template syntax, provider answer fields), so
//! the random search reaches deep into the loader instead of stopping at the first parse error,
//! and plain arbitrary bytes besides.

use crate::common::root;
use herald::providers::ProviderKind;
use proptest::prelude::*;
use proptest::sample::{Index, select};
use serde_json::Value;
use std::sync::LazyLock;
use std::time::Duration;

/// Campaign files to start from: the examples, and a few using what they do not.
pub static SEEDS: LazyLock<Vec<String>> = LazyLock::new(|| {
    let mut seeds: Vec<String> = std::fs::read_dir(root().join("campaigns"))
        .expect("the examples")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
        .map(|p| std::fs::read_to_string(p).expect("an example"))
        .collect();
    seeds.sort();
    seeds.extend(EXTRA_SEEDS.iter().map(|s| s.to_string()));
    seeds
});

const EXTRA_SEEDS: [&str; 4] = [
    "version: 1\nid: kitchen-sink\nname: \"Sink 😀\"\nprovider:\n  kind: cloud_api\n  base_url: http://127.0.0.1:9\n  \
     token_env: WA_TOKEN\n  phone_number_id: \"42\"\nrecipients:\n  csv: data/customers.csv\n  default_country: KE\n  \
     where: \"discount | int >= 15 and first_name != 'x'\"\n  exclude_tags: [newsletter]\nvars: { store: ACME, n: 3 }\n\
     message:\n  type: interactive\n  interactive:\n    header: \"Hi {{ first_name | title }}\"\n    body: \"{{ store }} \
     {{ discount }}%\"\n    footer: Thanks\n    buttons: [{ id: a, title: Yes }, { id: b, title: \"{{ n }}\" }]\n\
     schedule:\n  window: { start: \"09:00\", end: \"20:00\", days: [mon, tue, wed], fallback_timezone: Europe/Berlin }\n\
     delivery: { rate: 5/s, burst: 2, concurrency: 2, max_attempts: 3, timeout: 10s, breaker: 40%, daily_cap: 100, \
     canary: { count: 2, to: [\"+254799000001\"], pause: true, wait: 10m } }\n",
    "version: 1\nid: poll\nprovider:\n  kind: evolution\n  base_url: http://127.0.0.1:9\n  token_env: EVO\n  \
     instance: shop\nrecipients:\n  list: [\"+254712345678\", \"0712 345 679\", \"+1 202 555 0123\"]\n  \
     default_country: KE\nmessage:\n  type: poll\n  poll: { name: \"Lunch?\", options: [Rice, Ugali], \
     selectable_count: 1 }\n  mentions: [\"+254712345678\"]\n",
    "version: 1\nid: scheduled\nprovider:\n  kind: communiktor\n  token_env: C\n  instance: i\nrecipients:\n  \
     csv: data/customers.csv\n  default_country: KE\n  suppress: [data/opt-out.csv]\nmessage:\n  type: document\n  \
     media: { url: \"https://x.example/{{ order_ref }}.pdf\", caption: \"{{ first_name }}\", filename: a.pdf }\n\
     metadata: { c: \"{{ campaign.id }}\", n: 1, b: true }\nschedule: { send_at: \"2026-12-01T09:00:00+03:00\", \
     mode: provider }\n",
    "version: 1\nid: template\nprovider:\n  kind: cloud_api\n  token_env: WA_TOKEN\n  phone_number_id: \"1\"\n\
     recipients:\n  csv: data/customers.csv\n  default_country: KE\nmessage:\n  type: template\n  template:\n    \
     name: promo\n    language: en_US\n    header: { type: image, url: \"https://cdn.example.com/{{ id }}.jpg\" }\n    \
     body: [\"{{ first_name }}\", \"{{ discount }}\"]\n    buttons:\n      - { type: url, text: \"{{ order_ref }}\" }\n",
];

/// Tokens that make YAML, the campaign schema and templates interesting: every key and enum
/// value of the schema, YAML syntax, and values at and past the edges of what is allowed.
pub static CAMPAIGN_TOKENS: LazyLock<Vec<String>> = LazyLock::new(|| {
    let text = std::fs::read_to_string(root().join("schemas/campaign.schema.json")).expect("the schema");
    let schema: Value = serde_json::from_str(&text).expect("the schema is JSON");
    let mut tokens = Vec::new();
    schema_words(&schema, &mut tokens);
    for t in [
        ": ",
        ":",
        "- ",
        "-",
        "[",
        "]",
        "{",
        "}",
        ",",
        "\"",
        "'",
        "|",
        "|-",
        ">",
        "&a ",
        "*a",
        "!!str ",
        "!tag ",
        "#",
        "\n",
        "\r\n",
        "\r",
        "\t",
        "  ",
        "    ",
        "~",
        "null",
        "true",
        "no",
        "---\n",
        "...\n",
        "? ",
        "%YAML 1.2\n",
        "0",
        "-1",
        "1e400",
        "-0",
        ".nan",
        ".inf",
        "0x1F",
        "0o17",
        "99999999999999999999",
        "1.5",
        "007",
        "",
        "2026-12-01T09:00:00+03:00",
        "1970-01-01T00:00:00Z",
        "9999-12-31T23:59:59-23:59",
        "10/s",
        "1/h",
        "0/s",
        "1000000/s",
        "0.5",
        "1%",
        "100%",
        "101%",
        "-5%",
        "2",
        "30s",
        "0s",
        "1ms",
        "25h",
        "99999999999999999999s",
        "KE",
        "XX",
        "ke",
        "Europe/Berlin",
        "Mars/Olympus",
        "24:00",
        "23:59",
        "9:00",
        "data/customers.csv",
        "data/opt-out.csv",
        "missing.csv",
        "../templates/spring.txt.j2",
        "data",
        "/",
        "+254712345678",
        "0712345678",
        "{{ first_name }}",
        "{{ x }}",
        "{{",
        "}}",
        "{%",
        "%}",
        "{#",
        "{% if discount %}",
        "{% endif %}",
        "{{ first_name | title }}",
        "{{ campaign.id }}",
        "{{ recipient }}",
        "😀",
        "\u{200f}",
        "\u{feff}",
        "\0",
        "https://cdn.example.com/a.jpg",
        "http://127.0.0.1:9",
        "https://u:p@h/x?q#f",
        "WA_TOKEN",
        "EAAxyz123",
    ] {
        tokens.push(t.to_string());
    }
    tokens
});

fn schema_words(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            for (k, v) in m {
                if k == "properties"
                    && let Value::Object(props) = v
                {
                    out.extend(props.keys().cloned());
                }
                if k == "enum"
                    && let Value::Array(values) = v
                {
                    out.extend(values.iter().filter_map(Value::as_str).map(str::to_string));
                }
                schema_words(v, out);
            }
        }
        Value::Array(a) => a.iter().for_each(|v| schema_words(v, out)),
        _ => {}
    }
}

/// One edit of a text.
#[derive(Debug, Clone)]
pub enum Edit {
    /// Insert a token.
    Insert(Index, usize),
    /// Replace up to `len` characters with a token.
    Replace(Index, u8, usize),
    /// Delete up to `len` characters.
    Delete(Index, u8),
    /// Insert one arbitrary character.
    Char(Index, char),
    /// Repeat a line.
    DuplicateLine(Index),
    /// Exchange two lines.
    SwapLines(Index, Index),
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        4 => (any::<Index>(), any::<usize>()).prop_map(|(at, t)| Edit::Insert(at, t)),
        4 => (any::<Index>(), 0..24u8, any::<usize>()).prop_map(|(at, n, t)| Edit::Replace(at, n, t)),
        2 => (any::<Index>(), 1..40u8).prop_map(|(at, n)| Edit::Delete(at, n)),
        1 => (any::<Index>(), any::<char>()).prop_map(|(at, c)| Edit::Char(at, c)),
        1 => any::<Index>().prop_map(Edit::DuplicateLine),
        1 => (any::<Index>(), any::<Index>()).prop_map(|(a, b)| Edit::SwapLines(a, b)),
    ]
}

/// `text` after `edits`, each inserting from `tokens`.
pub fn apply(text: &str, edits: &[Edit], tokens: &[String]) -> String {
    let mut chars: Vec<char> = text.chars().collect();
    for e in edits {
        let token = |t: &usize| tokens[t % tokens.len()].chars().collect::<Vec<char>>();
        match e {
            Edit::Insert(at, t) => {
                let at = at.index(chars.len() + 1);
                chars.splice(at..at, token(t));
            }
            Edit::Replace(at, n, t) => {
                let at = at.index(chars.len() + 1);
                let end = (at + usize::from(*n)).min(chars.len());
                chars.splice(at..end, token(t));
            }
            Edit::Delete(at, n) => {
                let at = at.index(chars.len() + 1);
                let end = (at + usize::from(*n)).min(chars.len());
                chars.drain(at..end);
            }
            Edit::Char(at, c) => chars.insert(at.index(chars.len() + 1), *c),
            Edit::DuplicateLine(at) | Edit::SwapLines(at, _) => {
                let text: String = chars.iter().collect();
                let mut lines: Vec<&str> = text.split_inclusive('\n').collect();
                if lines.is_empty() {
                    continue;
                }
                let i = at.index(lines.len());
                match e {
                    Edit::SwapLines(_, b) => {
                        let j = b.index(lines.len());
                        lines.swap(i, j);
                    }
                    _ => lines.insert(i, lines[i]),
                }
                chars = lines.concat().chars().collect();
            }
        }
    }
    chars.into_iter().collect()
}

/// A seed mutated by up to `max` edits with tokens from `tokens`.
pub fn mutated(seeds: &'static [String], tokens: &'static [String], max: usize) -> impl Strategy<Value = String> {
    (select(seeds), prop::collection::vec(edit(), 0..max)).prop_map(move |(seed, edits)| apply(&seed, &edits, tokens))
}

/// A campaign file: mostly a mutated seed, sometimes arbitrary bytes.
pub fn campaign_file() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        8 => mutated(SEEDS.as_slice(), CAMPAIGN_TOKENS.as_slice(), 8).prop_map(String::into_bytes),
        1 => prop::collection::vec(any::<u8>(), 0..400),
        1 => "\\PC{0,200}".prop_map(String::into_bytes),
    ]
}

/// Pieces of CSV files: separators, quotes, line ends, encodings, numbers and names.
static CSV_TOKENS: LazyLock<Vec<String>> = LazyLock::new(|| {
    [
        "phone",
        "name",
        "tags",
        "timezone",
        ",",
        ";",
        "\t",
        "\"",
        "\"\"",
        "\n",
        "\r\n",
        "\r",
        "\u{feff}",
        "\0",
        "#",
        " ",
        "+254712345678",
        "0712 345 679",
        "+1 202 555 0123",
        "00254712345670",
        "12",
        "+999",
        "CALL-ME",
        "vip",
        "vip;newsletter",
        "Europe/Berlin",
        "Nowhere/Else",
        "Jane",
        "{{ name }}",
        "😀",
        "\u{200f}",
        "é",
    ]
    .map(str::to_string)
    .to_vec()
});

/// Seeds for the recipients CSV.
static CSV_SEEDS: LazyLock<Vec<String>> = LazyLock::new(|| {
    vec![
        "phone,name,tags\n+254712345678,Jane,vip\n0712 345 679,\"Doe, J\",\n+254712345678,dup,vip\n".into(),
        "\u{feff}phone;name\r\n+254712345670;\"two\r\nlines\"\r\n\r\n;empty\r\n".into(),
        "name,phone,timezone\nA,+12025550123,America/New_York\nB,bad,Nowhere/Else\n".into(),
    ]
});

/// A CSV file: a mutated seed, pieces strung together, or arbitrary bytes.
pub fn csv_file() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        4 => mutated(CSV_SEEDS.as_slice(), CSV_TOKENS.as_slice(), 10).prop_map(String::into_bytes),
        2 => prop::collection::vec(select(CSV_TOKENS.as_slice()), 0..60).prop_map(|p| p.concat().into_bytes()),
        1 => (prop::collection::vec(select(CSV_TOKENS.as_slice()), 0..30), prop::collection::vec(any::<u8>(), 0..60))
            .prop_map(|(p, tail)| [p.concat().into_bytes(), tail].concat()),
        1 => prop::collection::vec(any::<u8>(), 0..300),
    ]
}

/// Pieces of templates: filters, control flow, tests, literals, and broken syntax.
static TEMPLATE_TOKENS: [&str; 44] = [
    "{{ name }}",
    "{{ name | title }}",
    "{{ name | upper }}",
    "{{ name | lower }}",
    "{{ name | trim }}",
    "{{ name | default('x') }}",
    "{{ name | replace('a', 'b') }}",
    "{{ name | urlencode }}",
    "{{ name | tojson }}",
    "{{ name | length }}",
    "{{ name | reverse }}",
    "{{ name | first }}",
    "{{ name | last }}",
    "{{ name[0] }}",
    "{{ name[1:3] }}",
    "{{ name ~ name }}",
    "{{ name * 3 }}",
    "{{ name | int }}",
    "{{ name | float }}",
    "{{ name | escape }}",
    "{{ name | safe }}",
    "{{ name | indent(2) }}",
    "{{ name | split | join('-') }}",
    "{{ name is string }}",
    "{{ store }}",
    "{{ campaign.id }}",
    "{{ campaign.name }}",
    "{{ recipient }}",
    "{% if name %}",
    "{% else %}",
    "{% endif %}",
    "{% for c in name %}{{ c }}{% endfor %}",
    "{% set x = name %}{{ x }}",
    "{{ range(5) | list }}",
    "{{ 10 // 3 }}",
    "{{ -1 }}",
    "{{",
    "}}",
    "{%",
    "%}",
    "{#",
    "#}",
    "\n",
    "Hi ",
];

/// A template source: pieces strung together, sometimes with arbitrary text between.
pub fn template() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![4 => select(&TEMPLATE_TOKENS[..]).prop_map(str::to_string), 1 => "\\PC{0,6}"],
        1..8,
    )
    .prop_map(|p| p.concat())
}

/// Fields of the providers' answers, and values their classifiers look for.
const ANSWER_KEYS: [&str; 28] = [
    "error",
    "code",
    "message",
    "messages",
    "id",
    "key",
    "status",
    "success",
    "data",
    "messageId",
    "message_id",
    "recipients_count",
    "response",
    "exists",
    "error_data",
    "details",
    "is_transient",
    "message_status",
    "contacts",
    "wa_id",
    "type",
    "fbtrace_id",
    "error_subcode",
    "jid",
    "number",
    "remoteJid",
    "fromMe",
    "x",
];

const ANSWER_WORDS: [&str; 18] = [
    "accepted",
    "failed",
    "FAILED",
    "held_for_quality_assessment",
    "paused",
    "Connection Closed",
    "SessionError",
    "Timed Out",
    "reconnect_waba",
    "invalid_api_key",
    "template_not_found",
    "template_not_approved",
    "no_valid_recipients",
    "OAuthException",
    "wamid.HBgL",
    "",
    " ",
    "😀",
];

const META_CODES: [i64; 22] = [
    0,
    1,
    2,
    4,
    10,
    100,
    190,
    200,
    299,
    368,
    80007,
    130429,
    131026,
    131031,
    131042,
    131048,
    131056,
    131057,
    132000,
    132001,
    -1,
    i64::MAX,
];

/// A JSON answer built from the fields providers use.
pub fn answer_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        select(&META_CODES[..]).prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        select(&ANSWER_WORDS[..]).prop_map(Value::from),
        "\\PC{0,30}".prop_map(Value::from),
    ];
    leaf.prop_recursive(4, 40, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::vec((select(&ANSWER_KEYS[..]), inner), 0..6)
                .prop_map(|kv| Value::Object(kv.into_iter().map(|(k, v)| (k.to_string(), v)).collect())),
        ]
    })
}

/// An answer's body: JSON of the providers' fields (whole or cut short), or arbitrary bytes.
pub fn answer_body() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        6 => answer_json().prop_map(|v| serde_json::to_vec(&v).unwrap_or_default()),
        1 => (answer_json(), any::<Index>()).prop_map(|(v, at)| {
            let bytes = serde_json::to_vec(&v).unwrap_or_default();
            bytes[..at.index(bytes.len() + 1)].to_vec()
        }),
        1 => prop::collection::vec(any::<u8>(), 0..200),
    ]
}

/// A status: the ones providers use, or any.
pub fn status() -> impl Strategy<Value = u16> {
    let known = [200, 201, 202, 204, 301, 302, 307, 400, 401, 403, 404, 408, 409, 422, 425, 429, 500, 502, 503, 504];
    prop_oneof![3 => select(known.to_vec()), 1 => any::<u16>()]
}

/// A parsed `Retry-After`: none, a usual one, or any duration at all.
pub fn retry_after() -> impl Strategy<Value = Option<Duration>> {
    prop_oneof![
        2 => Just(None),
        2 => (0..3_600u64).prop_map(|s| Some(Duration::from_secs(s))),
        1 => (any::<u64>(), 0..1_000_000_000u32).prop_map(|(s, n)| Some(Duration::new(s, n))),
    ]
}

/// A `Retry-After` header as received.
pub fn retry_after_header() -> impl Strategy<Value = String> {
    prop_oneof![
        "[-+]?[0-9]{0,25}(\\.[0-9]{0,12})?([eE][-+]?[0-9]{1,4})?",
        Just("Wed, 21 Oct 2015 07:28:00 GMT".to_string()),
        "(Mon|Tue|Sun), [0-9]{1,2} (Jan|Feb|Dec) [0-9]{1,5} [0-9]{2}:[0-9]{2}:[0-9]{2} (GMT|UTC|\\+0300|-9999)",
        select(vec!["NaN", "inf", "-inf", "-0", "1e309", " 7 ", "", "0x10", "1_000"]).prop_map(str::to_string),
        "\\PC{0,40}",
    ]
}

/// A provider.
pub fn provider() -> impl Strategy<Value = ProviderKind> {
    select(ProviderKind::ALL.to_vec())
}
