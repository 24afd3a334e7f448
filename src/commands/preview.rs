//! `herald preview FILE`: the dry-run view, the exact request for each recipient, produced by
//! the same mapping sending uses, one recipient at a time. Recipients that go out in batches
//! are still shown one by one, with a note saying so (a batch is their requests merged). `pretty` is for people; `json` is one
//! object per line, a contract for scripts: `{"recipient","method","url","headers","body"}`
//! with secrets as `***` (and `"sender"`, the account it goes from, when there are several).

use super::Output;
use crate::error::Error;
use crate::exit;
use crate::plan::{self, Item, Options as PlanOptions, Send};
use crate::recipients::Origin;
use serde_json::json;
use std::io::Write;
use std::path::PathBuf;

/// Options for `preview`.
#[derive(Debug, Clone)]
pub struct Options {
    /// Campaign file.
    pub file: PathBuf,
    /// At most this many requests.
    pub limit: Option<usize>,
    /// JSON lines instead of the pretty view.
    pub json: bool,
    /// Print every problem.
    pub all_problems: bool,
    /// `--var key=value` pairs.
    pub vars: Vec<(String, String)>,
    /// Each message as the recipient's chat shows it, instead of the request.
    pub chat: bool,
    /// Only this recipient: a phone number (as the report writes it) or a CSV line.
    pub recipient: Option<String>,
    /// Global opt-out lists (`$HERALD_SUPPRESS`, `--suppress`).
    pub opt_out: Vec<crate::plan::OptOutList>,
    /// `$HERALD_RATE_CARD`: the rate card priced by when the campaign names none.
    pub rate_card: Option<PathBuf>,
    /// `--file-root`: the tree the campaign's files must lie in, instead of its repository.
    pub file_root: Option<PathBuf>,
}

/// How many requests the pretty view shows by default.
pub const PRETTY_DEFAULT_LIMIT: usize = 5;

/// Runs `preview`.
pub fn run(o: &Options, out: &Output) -> u8 {
    let options = PlanOptions {
        problems_per_group: super::problems_per_group(o.all_problems),
        vars: o.vars.clone(),
        opt_out: o.opt_out.clone(),
        rate_card: o.rate_card.clone(),
        file_root: o.file_root.clone(),
        ..PlanOptions::default()
    };
    let v = plan::load(&o.file, options);
    out.diagnostics(&v.diagnostics);
    let Some(plan) = v.plan else {
        out.invalid(&o.file, &v.diagnostics, false);
        return exit::INVALID;
    };
    let limit = o.limit.unwrap_or(if o.json { usize::MAX } else { PRETTY_DEFAULT_LIMIT });
    let total = plan.audience.counts.recipients;
    let clock = match super::clock() {
        Ok(clock) => clock,
        Err(e) => return out.error(&e),
    };
    // One recipient asked for: shown whatever the limit, or why they are not sent.
    let picked = match o.recipient.as_deref().map(|who| plan.find(who)) {
        None => None,
        Some(Ok(recipient)) => match plan.send_for(recipient) {
            Ok(send) => Some(send),
            Err(e) => return out.error(&e.into()),
        },
        Some(Err(e)) => return out.error(&e.into()),
    };
    let shown = match picked {
        Some(send) => show(std::iter::once(Ok(send)), &plan, 1, o, clock),
        None => {
            let items = match plan.items() {
                Ok(items) => items,
                Err(e) => return out.error(&e.into()),
            };
            let sends = items.filter_map(|item| match item {
                Ok(Item::Send(send)) => Some(Ok(*send)),
                Ok(Item::Skipped(_)) => None,
                Err(e) => Some(Err(e.into())),
            });
            show(sends, &plan, limit, o, clock)
        }
    };
    match shown {
        Ok(shown) => {
            if !o.json {
                eprintln!("{}", plan.summary());
                if plan.batch > 1 {
                    eprintln!(
                        "recipients go out in batches: up to {} numbers in one request's `{}` array; each request is shown here for one recipient",
                        plan.batch,
                        plan.provider.provider().info().batching.map_or("", |b| b.field)
                    );
                }
                if shown < total && o.recipient.is_none() {
                    eprintln!("showing {shown} of {total} requests; use --limit N to see more");
                }
            }
            exit::OK
        }
        Err(e) => out.error(&e),
    }
}

/// Prints up to `limit` of `sends`; returns how many. A closed pipe ends it quietly.
fn show(
    sends: impl Iterator<Item = Result<Send, Error>>,
    plan: &plan::Plan,
    limit: usize,
    o: &Options,
    clock: crate::window::Clock,
) -> Result<usize, Error> {
    let total = plan.audience.counts.recipients;
    let mut w = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
    let mut shown = 0;
    for send in sends.take(limit) {
        let send = send?;
        shown += 1;
        let window = plan.opening(&send.recipient, clock.now());
        let text = match (o.json, o.chat) {
            (true, _) => {
                let mut line = json_line(&send);
                if plan.senders.len() > 1 {
                    line["sender"] = account(plan, &send).into();
                }
                if let Some((opening, zone)) = &window {
                    line["window"] = json!({
                        "open": opening.opens().is_none(),
                        "opens": opening.opens().map(|t| t.to_string()),
                        "zone": zone.iana_name(),
                        "text": crate::window::describe(*opening, zone),
                    });
                }
                line.to_string()
            }
            (false, true) => format!(
                "── {}{}{}{}
{}",
                send.recipient.target,
                origin(&send),
                sender_note(plan, &send),
                window_note(window.as_ref()),
                super::chat::bubble(&send.message)
            ),
            (false, false) => {
                let mut text = pretty(&send, shown, total);
                let note = sender_note(plan, &send) + &window_note(window.as_ref());
                if let Some(end) = text.find('\n') {
                    text.insert_str(end, &note);
                }
                text
            }
        };
        if let Err(e) = writeln!(w, "{text}") {
            return if e.kind() == std::io::ErrorKind::BrokenPipe { Ok(shown) } else { Err(Error::Output(e)) };
        }
    }
    match w.flush() {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(Error::Output(e)),
        _ => Ok(shown),
    }
}

/// The account `send` goes from.
fn account<'a>(plan: &'a plan::Plan, send: &Send) -> &'a str {
    plan.senders.get(send.sender).map_or("", |s| s.account.as_str())
}

/// `  · sender 111` after a heading when the campaign sends from several accounts, else nothing.
fn sender_note(plan: &plan::Plan, send: &Send) -> String {
    if plan.senders.len() > 1 { format!("  · sender {}", account(plan, send)) } else { String::new() }
}

/// `  · window held until …` after a heading, or nothing without a window.
fn window_note(window: Option<&(crate::window::Opening, jiff::tz::TimeZone)>) -> String {
    window.map(|(opening, zone)| format!("  · window {}", crate::window::describe(*opening, zone))).unwrap_or_default()
}

/// One request as a JSON object (printed as one line).
pub fn json_line(send: &Send) -> serde_json::Value {
    let r = &send.request;
    json!({
        "recipient": send.recipient.target.to_string(),
        "csv_line": send.recipient.csv_line(),
        "method": r.method,
        "url": r.url,
        "headers": r.redacted_headers(),
        "body": r.body,
    })
}

/// Where a recipient came from, for headings: `  (CSV line 7)`.
fn origin(send: &Send) -> String {
    match &send.recipient.origin {
        Origin::CsvLine(l) => format!("  (CSV line {l})"),
        Origin::ListItem(i) => format!("  (recipients.list[{i}])"),
        Origin::GroupItem(i) => format!("  (recipients.groups[{i}])"),
        Origin::ProviderTags => String::new(),
        Origin::Seed(i) => format!("  (delivery.canary.to[{i}])"),
    }
}

/// One request for people.
pub fn pretty(send: &Send, n: usize, total: usize) -> String {
    let r = &send.request;
    let from = origin(send);
    let mut s = format!("── {n}/{total}  {}{from}\n{} {}\n", send.recipient.target, r.method, r.url);
    for h in &r.headers {
        s.push_str(&format!("{}: {}\n", h.name, h.redacted()));
    }
    s.push('\n');
    s.push_str(&serde_json::to_string_pretty(&r.body).unwrap_or_default());
    s.push('\n');
    s
}
