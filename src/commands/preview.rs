//! `herald preview FILE`: the dry-run view, the exact request for each recipient, produced by
//! the same mapping sending uses. `pretty` is for people; `json` is one object per line, a
//! contract for scripts: `{"recipient","method","url","headers","body"}` with secrets as `***`.

use super::Output;
use crate::exit;
use crate::plan::{self, Options as PlanOptions, Send};
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
}

/// How many requests the pretty view shows by default.
pub const PRETTY_DEFAULT_LIMIT: usize = 5;

/// Runs `preview`.
pub fn run(o: &Options, out: &Output) -> u8 {
    let v = plan::load(&o.file, PlanOptions::default());
    out.diagnostics(&v.diagnostics, o.all_problems);
    let Some(plan) = v.plan else {
        out.invalid(&o.file, &v.diagnostics, false);
        return exit::INVALID;
    };
    let limit = o.limit.unwrap_or(if o.json { usize::MAX } else { PRETTY_DEFAULT_LIMIT });
    let stdout = std::io::stdout();
    let mut w = std::io::BufWriter::new(stdout.lock());
    let shown = plan.sends.len().min(limit);
    for (i, send) in plan.sends.iter().take(limit).enumerate() {
        let text = if o.json { json_line(send) } else { pretty(send, i + 1, plan.sends.len()) };
        if writeln!(w, "{text}").is_err() {
            return exit::OK; // stdout closed (e.g. piped into `head`): nothing more to say
        }
    }
    let _ = w.flush();
    if !o.json {
        eprintln!("{}", plan.summary());
        if shown < plan.sends.len() {
            eprintln!("showing {shown} of {} requests; use --limit N to see more", plan.sends.len());
        }
    }
    exit::OK
}

/// One request as a JSON line.
pub fn json_line(send: &Send) -> String {
    let r = &send.request;
    json!({
        "recipient": send.recipient.target.to_string(),
        "method": r.method,
        "url": r.url,
        "headers": r.redacted_headers(),
        "body": r.body,
    })
    .to_string()
}

/// One request for people.
pub fn pretty(send: &Send, n: usize, total: usize) -> String {
    let r = &send.request;
    let from = match &send.recipient.origin {
        Origin::CsvLine(l) => format!("  (CSV line {l})"),
        Origin::ListItem(i) => format!("  (recipients.list[{i}])"),
        Origin::ProviderTags => String::new(),
    };
    let mut s = format!("── {n}/{total}  {}{from}\n{} {}\n", send.recipient.target, r.method, r.url);
    for h in &r.headers {
        s.push_str(&format!("{}: {}\n", h.name, h.redacted()));
    }
    s.push('\n');
    s.push_str(&serde_json::to_string_pretty(&r.body).unwrap_or_default());
    s.push('\n');
    s
}
