//! Fuzzing on stable Rust. Each target is an ignored test that feeds herald generated hostile
//! input ([`inputs`]) for `HERALD_FUZZ_SECS` seconds (or `HERALD_FUZZ_CASES` cases, 200 by
//! default), keeps going after a crash to find others, and prints one line:
//! `fuzz <target>: N executions, K crashes in S s`. `scripts/fuzz.sh` runs them all for a time
//! budget. A crash is a panic or a broken invariant; each one found is kept below as a normal
//! test, replaying the shrunk input through the same check.
//!
//! Targets: the campaign loader (YAML → schema → model → plan → every request), the YAML span
//! map, the recipients CSV (and the same bytes as a suppression list), phone normalisation,
//! templates with hostile values, and every provider's answer classifier and `Retry-After`.

mod inputs;

use crate::common::kind;
use crate::common::{Scratch, root};
use crate::properties::{HOSTILE, fail, value};
use herald::campaign::source::{Part, Source};
use herald::campaign::{schema, yaml};
use herald::diagnostic::{Diagnostic, Style};
use herald::phone::{Phone, normalize, parse_region};
use herald::plan::{self, Item, Options, TokenCheck, Validation};
use herald::providers::{Outcome, ProviderKind, Response};
use herald::recipients::{CsvReader, read_suppression};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestError, TestRunner};
use serde_json::Value;
use std::cell::Cell;
use std::fmt::Debug;
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// Cases per runner; each runner starts from a fresh random seed.
const BATCH: u32 = 64;
/// Distinct crashes after which a target stops looking.
const MAX_CRASHES: usize = 10;
/// Rows of a plan rendered per case.
const ROWS: usize = 40;

/// How long a target runs.
enum Budget {
    Time(Duration),
    Cases(u64),
}

impl Budget {
    fn from_env() -> Budget {
        let number = |name| std::env::var(name).ok().and_then(|v| v.parse::<u64>().ok());
        match (number("HERALD_FUZZ_SECS"), number("HERALD_FUZZ_CASES")) {
            (Some(secs), _) => Budget::Time(Duration::from_secs(secs)),
            (None, cases) => Budget::Cases(cases.unwrap_or(200)),
        }
    }

    fn spent(&self, elapsed: Duration, executions: u64) -> bool {
        match self {
            Budget::Time(t) => elapsed >= *t,
            Budget::Cases(n) => executions >= *n,
        }
    }
}

/// Runs `check` on inputs from `strategy` until the budget is spent, then reports and fails
/// if anything crashed.
fn fuzz<S>(target: &str, strategy: S, check: impl Fn(S::Value) -> Result<(), TestCaseError>)
where
    S: Strategy,
    S::Value: Debug,
{
    let budget = Budget::from_env();
    let start = Instant::now();
    let executions = Cell::new(0u64);
    let mut crashes: Vec<(String, String)> = Vec::new();
    while !budget.spent(start.elapsed(), executions.get()) && crashes.len() < MAX_CRASHES {
        let config = Config {
            cases: BATCH,
            failure_persistence: None,
            max_shrink_iters: 2048,
            max_shrink_time: 30_000,
            ..Config::default()
        };
        let result = TestRunner::new(config).run(&strategy, |input| {
            executions.set(executions.get() + 1);
            check(input)
        });
        let (why, input) = match result {
            Ok(()) => continue,
            Err(TestError::Fail(why, input)) => (why.to_string(), format!("{input:?}")),
            Err(TestError::Abort(why)) => (why.to_string(), String::new()),
        };
        if !crashes.iter().any(|(seen, _)| *seen == why) {
            crashes.push((why, input));
        }
    }
    let secs = start.elapsed().as_secs_f64();
    println!("fuzz {target}: {} executions, {} crashes in {secs:.0} s", executions.get(), crashes.len());
    for (why, input) in &crashes {
        println!("  crash: {why}\n    shrunk input: {input}");
    }
    assert!(crashes.is_empty(), "{target}: {} crashes, listed above", crashes.len());
}

/// The time plans are checked against, so a `send_at` means the same on every run.
fn now() -> jiff::Timestamp {
    jiff::Timestamp::from_second(1_780_000_000).unwrap_or(jiff::Timestamp::UNIX_EPOCH)
}

/// A folder laid out like a project: `campaigns/` with the examples' data, and `templates/`.
struct Project {
    scratch: Scratch,
}

impl Project {
    fn new() -> Project {
        let scratch = Scratch::new();
        for f in ["campaigns/data/customers.csv", "campaigns/data/opt-out.csv", "templates/spring.txt.j2"] {
            scratch.write(f, std::fs::read(root().join(f)).expect("an example's file"));
        }
        Project { scratch }
    }

    fn write(&self, name: &str, contents: impl AsRef<[u8]>) -> PathBuf {
        self.scratch.write(&format!("campaigns/{name}"), contents)
    }

    /// Validates and plans `campaigns/c.yaml`, and renders every request it makes.
    fn load(&self, strict: bool) -> Result<(), TestCaseError> {
        let path = self.scratch.path().join("campaigns/c.yaml");
        let options = Options {
            token: TokenCheck::Skip,
            strict,
            problems_per_group: Some(5),
            now: Some(now()),
            ..Options::default()
        };
        let text = std::fs::read(&path).map_err(fail)?;
        exercise(&plan::load(&path, options), &String::from_utf8_lossy(&text))
    }
}

/// Uses everything a validation yields: its diagnostics, printed both ways, and the plan's
/// requests, summary, seeds and windows. A diagnostic in the campaign file must point at one
/// of its lines.
fn exercise(v: &Validation, text: &str) -> Result<(), TestCaseError> {
    let _ = (v.diagnostics.render(Style { color: true }), v.diagnostics.render(Style { color: false }));
    let _ = v.diagnostics.to_json();
    let lines = yaml::unify_line_breaks(text.to_string()).lines().count().max(1);
    for d in v.diagnostics.kept() {
        if let Some(l) = d.location.as_ref().filter(|l| l.file.ends_with("c.yaml")) {
            prop_assert!(l.line >= 1 && l.line <= lines + 1, "{:?} at line {} of {lines}", d.message, l.line);
        }
    }
    let Some(plan) = &v.plan else { return Ok(()) };
    let _ = (plan.summary(), plan.seeds());
    for item in plan.items().map_err(fail)?.take(ROWS) {
        match item {
            Ok(Item::Send(send)) => {
                let wire = serde_json::to_vec(&send.request.body).map_err(fail)?;
                serde_json::from_slice::<Value>(&wire).map_err(fail)?;
                let _ = (plan.unscheduled(&send), plan.placed(&send.recipient), plan.opening(&send.recipient, now()));
            }
            Ok(Item::Skipped(s)) => {
                let _ = s.message();
            }
            // A row that no longer renders is an error for the run to report, not a crash.
            Err(e) => {
                let _ = e.to_string();
            }
        }
    }
    Ok(())
}

/// The campaign loader on one campaign file.
fn check_campaign(project: &Project, file: &[u8], strict: bool) -> Result<(), TestCaseError> {
    project.write("c.yaml", file);
    project.load(strict)
}

#[test]
#[ignore = "fuzzing: run by scripts/fuzz.sh"]
fn campaign_loader() {
    let project = Project::new();
    fuzz("campaign_loader", (inputs::campaign_file(), any::<bool>()), |(file, strict)| {
        check_campaign(&project, &file, strict)
    });
}

/// Every JSON pointer of a document.
fn pointers(v: &Value, at: String, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => m.iter().for_each(|(k, v)| pointers(v, format!("{at}/{}", yaml::escape(k)), out)),
        Value::Array(a) => a.iter().enumerate().for_each(|(i, v)| pointers(v, format!("{at}/{i}"), out)),
        _ => {}
    }
    out.push(at);
}

/// The span map of one text: every pointer of the document has a span that does not end before
/// it starts, and every location made from it prints.
fn check_yaml(text: &str, within: (usize, usize, usize)) -> Result<(), TestCaseError> {
    let text = yaml::unify_line_breaks(text.to_string());
    let Ok((doc, spans)) = yaml::parse(&text) else { return Ok(()) };
    let source = Source { name: "c.yaml".into(), text, spans };
    let _ = schema::check(&doc, &source);
    let mut all = Vec::new();
    pointers(&doc, String::new(), &mut all);
    for p in all {
        let span = source.spans.get(&p).ok_or_else(|| fail(format!("no span for {p}")))?;
        prop_assert!(span.value.start <= span.value.end, "{p}: {span:?}");
        let (line, col, len) = within;
        let places = [
            source.locate(&p, Part::Key),
            source.locate(&p, Part::Value),
            source.locate(&format!("{p}/missing"), Part::Value),
            source.locate_within(&p, line, col, len),
        ];
        for location in places.into_iter().flatten() {
            let _ = herald::diagnostic::render(&Diagnostic::error("x").at(Some(location)), Style { color: false });
        }
    }
    Ok(())
}

#[test]
#[ignore = "fuzzing: run by scripts/fuzz.sh"]
fn yaml_spans() {
    let text = prop_oneof![
        4 => inputs::mutated(inputs::SEEDS.as_slice(), inputs::CAMPAIGN_TOKENS.as_slice(), 12),
        1 => "\\PC{0,200}",
        1 => any::<String>(),
    ];
    fuzz("yaml_spans", (text, (0..4usize, 0..200usize, 0..50usize)), |(text, within)| check_yaml(&text, within));
}

/// Campaigns reading `data.csv`: plainly, with a filter and a window, and as their own
/// suppression list.
const CSV_CAMPAIGNS: [&str; 3] = [
    "recipients:\n  csv: data.csv\n  default_country: KE\n",
    "recipients:\n  csv: data.csv\n  default_country: KE\n  tags: [vip]\n  where: \"name != 'x'\"\n\
     schedule:\n  window: { start: \"09:00\", end: \"20:00\", fallback_timezone: Africa/Nairobi }\n",
    "recipients:\n  csv: data.csv\n  suppress: [data.csv]\n",
];

/// The recipients CSV: records come with strictly increasing lines, the same bytes read as a
/// suppression list, and a campaign over them plans and renders.
fn check_csv(project: &Project, bytes: &[u8], campaign: usize) -> Result<(), TestCaseError> {
    let path = project.write("data.csv", bytes);
    for comments in [false, true] {
        let reader = if comments { CsvReader::open_with_comments(&path) } else { CsvReader::open(&path) };
        let Ok(mut reader) = reader else { continue };
        let (mut record, mut last) = (csv::ByteRecord::new(), 1);
        while let Ok(Some(r)) = reader.next(&mut record) {
            prop_assert!(r.line > last, "line {} after line {last}", r.line);
            last = r.line;
        }
    }
    let _ = read_suppression(&path, "phone", parse_region("KE"));
    let head = "version: 1\nid: fuzz\nprovider:\n  kind: cloud_api\n  token_env: T\n  phone_number_id: \"1\"\n";
    let message = "message:\n  type: text\n  text: \"Hi {{ name | default('there') }}\"\n";
    project.write("c.yaml", format!("{head}{}{message}", CSV_CAMPAIGNS[campaign % CSV_CAMPAIGNS.len()]));
    project.load(false)
}

#[test]
#[ignore = "fuzzing: run by scripts/fuzz.sh"]
fn csv_reader() {
    let project = Project::new();
    fuzz("csv_reader", (inputs::csv_file(), 0..CSV_CAMPAIGNS.len()), |(bytes, campaign)| {
        check_csv(&project, &bytes, campaign)
    });
}

/// Every region herald accepts.
fn regions() -> Vec<String> {
    let letters = b'A'..=b'Z';
    let codes =
        letters.clone().flat_map(|a| letters.clone().map(move |b| String::from_utf8_lossy(&[a, b]).into_owned()));
    codes.filter(|c| parse_region(c).is_some()).collect()
}

/// Phone normalisation: never a panic, and a number it accepts is E.164, keeps its key and
/// normalises to itself in any region.
fn check_phone(raw: &str, region: Option<&str>, again: Option<&str>) -> Result<(), TestCaseError> {
    let Ok(p) = normalize(raw, region.and_then(parse_region)) else { return Ok(()) };
    prop_assert!(p.e164().starts_with('+') && p.digits().bytes().all(|b| b.is_ascii_digit()), "{p}");
    prop_assert!(p.digits().len() <= 17 && !p.digits().starts_with('0'), "{p}");
    prop_assert_eq!(Phone::from_key(p.key()), p.clone());
    let _ = p.region();
    prop_assert_eq!(normalize(p.e164(), again.and_then(parse_region)), Ok(p.clone()), "{} read in {:?}", raw, region);
    Ok(())
}

#[test]
#[ignore = "fuzzing: run by scripts/fuzz.sh"]
fn phone() {
    let regions: Vec<Option<String>> = std::iter::once(None).chain(regions().into_iter().map(Some)).collect();
    let raw = prop_oneof![
        "[-+0-9 ().\\/]{0,24}",
        "(\\+|00)?[1-9][0-9]{0,3}[ -]?[0-9]{2,14}",
        "\\PC{0,30}",
        any::<String>(),
        prop::collection::vec(prop::sample::select(&HOSTILE[..]), 0..6).prop_map(|p| p.concat() + "712345678"),
    ];
    let region = prop::sample::select(regions);
    fuzz("phone", (raw, region.clone(), region), |(raw, region, again)| {
        check_phone(&raw, region.as_deref(), again.as_deref())
    });
}

/// A quoted YAML string holding `s` exactly.
fn yaml_string(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_default()
}

/// A template over a hostile value, in the campaign file or in a `text_file`, and in
/// `metadata`: it renders or is refused, and every request it makes is valid JSON.
fn check_template(project: &Project, template: &str, name: &str, in_file: bool) -> Result<(), TestCaseError> {
    let mut csv = csv::Writer::from_writer(vec![]);
    csv.write_record(["phone", "name"]).map_err(fail)?;
    csv.write_record(["+254712345678", name]).map_err(fail)?;
    project.write("data.csv", csv.into_inner().map_err(fail)?);
    let text = if in_file {
        project.write("t.j2", template);
        "text_file: t.j2".to_string()
    } else {
        format!("text: {}", yaml_string(template))
    };
    let campaign = format!(
        "version: 1\nid: fuzz\nname: {}\nprovider:\n  kind: communiktor\n  token_env: T\n  instance: i\n\
         recipients:\n  csv: data.csv\nvars: {{ store: {} }}\nmessage:\n  type: text\n  {text}\n\
         metadata: {{ m: {} }}\n",
        yaml_string(name),
        yaml_string(name),
        yaml_string(template),
    );
    project.write("c.yaml", campaign);
    project.load(false)
}

#[test]
#[ignore = "fuzzing: run by scripts/fuzz.sh"]
fn templates() {
    let project = Project::new();
    fuzz("templates", (inputs::template(), value(), any::<bool>()), |(template, name, in_file)| {
        check_template(&project, &template, &name, in_file)
    });
}

/// A provider's verdict on an answer: never a panic; accepted only on a 2xx, with an id that
/// is not empty; a retry never sooner than `Retry-After`; a failure that says why.
fn check_classify(
    kind: ProviderKind,
    status: u16,
    retry_after: Option<Duration>,
    body: &[u8],
) -> Result<(), TestCaseError> {
    let r = Response { status, retry_after, body, recipients: 1 };
    match kind.provider().classify(&r) {
        Outcome::Accepted { message_id, note } => {
            prop_assert!(r.is_success(), "{kind} accepted a {status}");
            prop_assert!(message_id.is_none_or(|id| !id.is_empty()), "{kind}: an empty message id");
            prop_assert!(note.is_none_or(|n| !n.message.is_empty()), "{kind}: an empty note");
        }
        Outcome::Retry { error, after } | Outcome::Throttled { error, after } => {
            if let Some(asked) = retry_after {
                prop_assert!(after.is_some_and(|a| a >= asked), "{kind}: retry after {after:?}, asked {asked:?}");
            }
            prop_assert!(!error.message.trim().is_empty(), "{kind}: a retry that does not say why");
        }
        Outcome::Failed(e) | Outcome::Ambiguous(e) | Outcome::Stop(e) => {
            prop_assert!(!e.message.trim().is_empty(), "{kind}: an outcome that does not say why: {e:?}");
        }
    }
    Ok(())
}

/// `Retry-After` as received: never a panic, never more than the cap.
fn check_retry_after(header: &str) -> Result<(), TestCaseError> {
    let parsed = herald::run::parse_retry_after(header);
    prop_assert!(parsed.is_none_or(|d| d <= Duration::from_secs(15 * 60)), "{header:?} → {parsed:?}");
    Ok(())
}

#[test]
#[ignore = "fuzzing: run by scripts/fuzz.sh"]
fn classify() {
    let answer = (inputs::provider(), inputs::status(), inputs::retry_after(), inputs::answer_body());
    fuzz("classify", (answer, inputs::retry_after_header()), |((kind, status, retry_after, body), header)| {
        check_classify(kind, status, retry_after, &body)?;
        check_retry_after(&header)
    });
}

// What the targets found, replayed through the same checks.

#[test]
fn a_value_with_a_custom_tag_has_a_place_in_the_file() {
    // saphyr gives `! x` no position (line 0), and locating inside it underflowed.
    check_yaml("! 𛱰", (0, 0, 0)).unwrap();
    let project = Project::new();
    let campaign = crate::common::CAMPAIGN.replace("text: \"Hi {{ name }}\"", "text: !t \"Hi {{ name\"");
    project.write("data.csv", "phone,name\n+254712345678,Jane\n");
    check_campaign(&project, campaign.as_bytes(), false).unwrap();
}

#[test]
fn a_blank_error_message_is_no_reason() {
    // `{"message": " "}` once became the whole reason a recipient failed.
    check_classify(kind("whautochat"), 400, None, br#"{"message":" "}"#).unwrap();
    check_classify(kind("cloud_api"), 400, None, br#"{"error":{"code":131026,"message":""}}"#).unwrap();
    check_classify(kind("evolution"), 400, None, br#"{"response":{"message":[" ", ""]}}"#).unwrap();
}

#[test]
fn records_after_a_lone_carriage_return_are_on_later_lines() {
    let project = Project::new();
    for bytes in [&b"\0\rphone"[..], b"phone\n\x0e\r\x0e", b"phone;name\r\n;empty\r\xef\xbb\xbf\n+254712345678;x\r"] {
        check_csv(&project, bytes, 0).unwrap();
    }
}
