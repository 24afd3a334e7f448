//! `report.html`: the report for people who do not read CSV. One self-contained page (inline
//! CSS and SVG, no script, nothing fetched) with the delivery funnel, failures by code, the cost
//! (estimate beside actual), receipts over time, and results by country and by sender. Every
//! string that comes from the campaign, its audience or the provider is escaped. The key numbers
//! carry `data-` attributes (`data-funnel="delivered"`, `data-count="sent"`,
//! `data-failure="131026"`, `data-cost="actual"`) for tests and scripts.

use super::{Counts, Mode, Report, Shown, Tally};
use crate::results::Status;
use std::fmt::Write;

/// The page.
pub fn report_html(r: &Report) -> String {
    let a = &r.about;
    let title = a.campaign_name.as_deref().unwrap_or(&a.campaign_id);
    let mut s = String::with_capacity(16 * 1024);
    let _ = write!(
        s,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{} · herald report</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<main>\n\
         <h1 id=\"campaign-name\">{}</h1>\n",
        esc(title),
        esc(title)
    );
    about(&mut s, r);
    if let Some(v) = super::verdict(r) {
        let _ = writeln!(
            s,
            "<p class=\"verdict\" id=\"verdict\"><strong>Exit {}, {}:</strong> {}. <br>To do: {}.</p>",
            r.exit_code,
            esc(v.title),
            code_spans(&esc(v.what.trim_end_matches('.'))),
            code_spans(&esc(&v.advice))
        );
    }
    statuses(&mut s, r);
    funnel(&mut s, r);
    cost(&mut s, r);
    over_time(&mut s, r);
    breakdowns(&mut s, r);
    problems(&mut s, r);
    let _ = write!(
        s,
        "<footer>Written by herald {} · campaign file sha256 <code>{}</code></footer>\n</main>\n</body>\n</html>\n",
        env!("CARGO_PKG_VERSION"),
        esc(&a.file_hash)
    );
    s
}

/// The campaign, provider and run times.
fn about(s: &mut String, r: &Report) {
    let a = &r.about;
    let mode = match a.mode {
        Mode::Send => "sent",
        Mode::Sandbox => "sent to the sandbox",
        Mode::DryRun => "dry run (nothing sent)",
    };
    let ended = r
        .run
        .started_at
        .parse::<jiff::Timestamp>()
        .ok()
        .and_then(|t| t.checked_add(jiff::SignedDuration::from_millis(r.run.duration_ms as i64)).ok());
    let rows = [
        ("campaign", format!("<code>{}</code>", esc(&a.campaign_id))),
        ("file", format!("<code>{}</code>", esc(&a.file))),
        (
            "provider",
            format!(
                "{} (<code>{}</code>), {} message, {mode}",
                esc(&a.provider_name),
                esc(&a.provider),
                esc(&a.message_type)
            ),
        ),
        ("started", esc(&r.run.started_at)),
        ("ended", ended.map(|t| esc(&t.to_string())).unwrap_or_default()),
        (
            "took",
            format!(
                "{} ({:.1} recipients/s)",
                crate::clock::format(std::time::Duration::from_millis(r.run.duration_ms)),
                r.rate()
            ),
        ),
        ("exit code", format!("<span data-exit-code=\"{0}\">{0}</span>", r.exit_code)),
    ];
    s.push_str("<dl class=\"about\">\n");
    for (name, value) in rows {
        let _ = writeln!(s, "<dt>{name}</dt><dd>{value}</dd>");
    }
    if let Some(line) = r.run.pace.and_then(|p| p.line()) {
        let _ = writeln!(s, "<dt>pace</dt><dd id=\"pace\">{}</dd>", esc(&line));
    }
    if let Some(stop) = &r.run.stopped {
        let _ = writeln!(s, "<dt>stopped early</dt><dd>{}</dd>", esc(&stop.message));
    }
    s.push_str("</dl>\n");
}

/// Recipients by status.
fn statuses(s: &mut String, r: &Report) {
    s.push_str("<section id=\"recipients\">\n<h2>Recipients</h2>\n<div class=\"tiles\">\n");
    let _ = writeln!(s, "<div class=\"tile\"><b data-count=\"recipients\">{}</b>recipients</div>", r.summary.total());
    for status in Status::ALL {
        if r.count(status) > 0 || matches!(status, Status::Sent | Status::Failed) {
            let _ = writeln!(
                s,
                "<div class=\"tile {0}\"><b data-count=\"{0}\">{1}</b>{2}</div>",
                status.as_str(),
                r.count(status),
                status.as_str().replace('_', " ")
            );
        }
    }
    s.push_str("</div>\n</section>\n");
}

/// The estimate beside the actual cost, or how to add a rate card; nothing for a free message
/// with no card.
fn cost(s: &mut String, r: &Report) {
    match r.cost() {
        super::Cost::Nothing => {}
        super::Cost::NoCard => {
            let _ = writeln!(
                s,
                "<section id=\"cost\">\n<h2>Cost</h2>\n<p class=\"note\" id=\"cost-note\">{}.</p>\n</section>",
                code_spans(&capitalise(&esc(super::cost::NO_CARD)))
            );
        }
        super::Cost::Priced { estimate, actual, known } => {
            let _ = writeln!(
                s,
                "<section id=\"cost\">\n<h2>Cost</h2>\n<table class=\"cost\">\n<tbody>\n\
                 <tr><th>estimate</th><td data-cost=\"estimate\" data-amount=\"{}\">{}</td></tr>\n\
                 <tr><th>actual</th><td data-cost=\"actual\" data-amount=\"{}\" data-known=\"{}\">{}</td></tr>\n\
                 </tbody>\n</table>\n</section>",
                estimate.total.as_f64(),
                esc(&super::cost::estimated(estimate)),
                actual.amount.as_f64(),
                known.as_str(),
                esc(&super::cost::actual(&actual, known))
            );
        }
    }
}

/// The funnel of the accepted messages, or why there is none.
fn funnel(s: &mut String, r: &Report) {
    s.push_str("<section id=\"delivery\">\n<h2>Delivery</h2>\n");
    let f = match super::shown(r) {
        Shown::Funnel(f) => f,
        Shown::Nothing => {
            s.push_str("<p class=\"note\" id=\"delivery-note\">No message was accepted, so there is nothing to deliver.</p>\n</section>\n");
            return;
        }
        shown => {
            let sentence = shown.sentence().unwrap_or_default();
            let _ = writeln!(
                s,
                "<p class=\"note\" id=\"delivery-note\"><b data-funnel=\"accepted\">{}</b> accepted. {}.</p>\n</section>",
                r.summary.funnel().accepted,
                code_spans(&capitalise(&esc(&sentence)))
            );
            return;
        }
    };
    let steps = [
        ("accepted", "accepted by the provider", f.accepted),
        ("delivered", "delivered to the phone", f.delivered),
        ("read", "read", f.read),
        ("failed", "failed after acceptance", f.failed),
        ("no_receipt", "no receipt yet", f.no_receipt),
    ];
    s.push_str("<div class=\"funnel\">\n");
    for (key, words, n) in steps {
        let share = super::share(n, f.accepted);
        let width = if f.accepted == 0 { 0.0 } else { n as f64 * 100.0 / f.accepted as f64 };
        let _ = writeln!(
            s,
            "<div class=\"step {key}\"><span class=\"label\">{words}</span>\
             <span class=\"bar\"><span style=\"width:{width:.1}%\"></span></span>\
             <b data-funnel=\"{key}\">{n}</b><span class=\"share\" data-share=\"{key}\">{share}</span></div>"
        );
    }
    s.push_str("</div>\n");
    if f.conflicts > 0 {
        let _ = writeln!(
            s,
            "<p class=\"note\"><b data-funnel=\"conflicts\">{}</b> reported both failed and delivered; they count as failed.</p>",
            f.conflicts
        );
    }
    let failures = super::failures(f);
    if !failures.is_empty() {
        s.push_str(
            "<h3>Failed after acceptance, by code</h3>\n<table class=\"failures\">\n\
             <thead><tr><th>code</th><th>what it means</th><th class=\"n\">messages</th><th class=\"n\">of accepted</th></tr></thead>\n<tbody>\n",
        );
        for x in failures {
            let _ = writeln!(
                s,
                "<tr><td><code>{0}</code></td><td>{1}</td><td class=\"n\" data-failure=\"{0}\">{2}</td><td class=\"n\">{3}</td></tr>",
                esc(if x.code.is_empty() { "(no code)" } else { &x.code }),
                esc(&x.description),
                x.count,
                super::share(x.count, f.accepted)
            );
        }
        s.push_str("</tbody>\n</table>\n");
    }
    s.push_str("</section>\n");
}

/// Accepted messages and receipts per bucket of time, as an SVG bar chart.
fn over_time(s: &mut String, r: &Report) {
    let timeline = r.summary.timeline();
    let buckets = timeline.buckets();
    if buckets.is_empty() || !r.summary.funnel().any() {
        return;
    }
    let (w, h, top, bottom) = (720.0_f64, 220.0_f64, 10.0_f64, 30.0_f64);
    let max = buckets.iter().flat_map(|(_, t)| t.named().map(|(_, n)| n)).max().unwrap_or(0).max(1);
    let slot = w / buckets.len() as f64;
    let bar = (slot / 5.0).max(0.5);
    let _ = writeln!(
        s,
        "<section id=\"over-time\">\n<h2>Over time</h2>\n<p class=\"legend\">Each group of bars is {} from its start (UTC): {}</p>\n\
         <svg viewBox=\"0 0 {w} {h}\" width=\"100%\" role=\"img\" aria-label=\"accepted messages and receipts over time\" data-buckets=\"{}\">",
        bucket_words(timeline.seconds()),
        Tally::default().named().map(|(name, _)| format!("<span class=\"key {name}\"></span>{name}")).join(" "),
        buckets.len()
    );
    let _ = writeln!(s, "<line class=\"axis\" x1=\"0\" y1=\"{0}\" x2=\"{w}\" y2=\"{0}\"/>", h - bottom);
    let _ = writeln!(s, "<text x=\"2\" y=\"{}\" class=\"tick\">{max}</text>", top + 10.0);
    for (i, (start, tally)) in buckets.iter().enumerate() {
        let x0 = i as f64 * slot + bar / 2.0;
        for (k, (name, n)) in tally.named().into_iter().enumerate() {
            let height = n as f64 * (h - top - bottom) / max as f64;
            let _ = writeln!(
                s,
                "<rect class=\"{name}\" x=\"{:.1}\" y=\"{:.1}\" width=\"{bar:.1}\" height=\"{height:.1}\"><title>{} {name}: {n}</title></rect>",
                x0 + k as f64 * bar,
                h - bottom - height,
                time_label(*start, timeline.seconds())
            );
        }
    }
    let last = buckets.len() - 1;
    for (i, anchor) in [(0, "start"), (last, "end")] {
        if i == last && last == 0 {
            continue;
        }
        let x = if anchor == "start" { 0.0 } else { w };
        let _ = writeln!(
            s,
            "<text x=\"{x}\" y=\"{}\" text-anchor=\"{anchor}\" class=\"tick\">{}</text>",
            h - 8.0,
            time_label(buckets[i].0, timeline.seconds())
        );
    }
    s.push_str("</svg>\n</section>\n");
}

/// A bucket's start, to the minute, or the day for buckets of a day or more.
fn time_label(at: jiff::Timestamp, seconds: i64) -> String {
    let format = if seconds >= 86_400 { "%Y-%m-%d" } else { "%Y-%m-%d %H:%M" };
    at.strftime(format).to_string()
}

/// A bucket's width in words.
fn bucket_words(seconds: i64) -> String {
    match seconds {
        s if s % 604_800 == 0 => format!("{} week{}", s / 604_800, if s == 604_800 { "" } else { "s" }),
        s if s % 86_400 == 0 => format!("{} day{}", s / 86_400, if s == 86_400 { "" } else { "s" }),
        s if s % 3_600 == 0 => format!("{} hour{}", s / 3_600, if s == 3_600 { "" } else { "s" }),
        s => format!("{} minute{}", s / 60, if s == 60 { "" } else { "s" }),
    }
}

/// Results by country calling code and by sender.
fn breakdowns(s: &mut String, r: &Report) {
    let countries: Vec<(String, String, Counts)> = r
        .summary
        .by_country()
        .iter()
        .map(|(code, c)| match code {
            Some(code) => {
                let regions = crate::phone::calling_code_regions(*code);
                let name = match regions.len() {
                    0 => "?".to_string(),
                    1 => regions[0].clone(),
                    n => format!("{} and {} more", regions[0], n - 1),
                };
                (format!("{name} (+{code})"), format!("+{code}"), *c)
            }
            None => ("not a phone number".to_string(), "none".to_string(), *c),
        })
        .collect();
    table(s, "by-country", "By country", "country (calling code)", "country", &countries);
    if r.several_senders() {
        let senders: Vec<(String, String, Counts)> =
            r.by_sender().into_iter().map(|(a, c)| (a.to_string(), a.to_string(), c)).collect();
        table(s, "by-sender", "By sender", "sender", "sender", &senders);
    }
}

/// One breakdown table: a row per key with its counts and receipts.
fn table(s: &mut String, id: &str, title: &str, head: &str, attr: &str, rows: &[(String, String, Counts)]) {
    if rows.is_empty() {
        return;
    }
    let _ = writeln!(
        s,
        "<section id=\"{id}\">\n<h2>{title}</h2>\n<table>\n<thead><tr><th>{head}</th><th class=\"n\">recipients</th>\
         <th class=\"n\">sent</th><th class=\"n\">failed</th><th class=\"n\">unknown</th><th class=\"n\">skipped</th>\
         <th class=\"n\">delivered</th><th class=\"n\">read</th><th class=\"n\">failed after</th><th class=\"n\">delivered of sent</th></tr></thead>\n<tbody>"
    );
    for (label, key, c) in rows {
        let [sent, failed, unknown, skipped, dry] =
            [Status::Sent, Status::Failed, Status::Unknown, Status::Skipped, Status::DryRun].map(|st| c.of(st));
        let _ = writeln!(
            s,
            "<tr data-{attr}=\"{}\"><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{sent}</td><td class=\"n\">{failed}</td>\
             <td class=\"n\">{unknown}</td><td class=\"n\">{skipped}</td><td class=\"n\" data-delivered>{}</td>\
             <td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
            esc(key),
            esc(label),
            sent + failed + unknown + skipped + dry,
            c.delivered(),
            c.read(),
            c.failed_after(),
            if sent == 0 { String::new() } else { super::share(c.delivered(), sent) }
        );
    }
    s.push_str("</tbody>\n</table>\n</section>\n");
}

/// Failed, unknown and skipped recipients by code, with an example.
fn problems(s: &mut String, r: &Report) {
    let classes = r.summary.problem_classes();
    if classes.is_empty() {
        return;
    }
    s.push_str(
        "<section id=\"problems\">\n<h2>Not sent, by code</h2>\n<table>\n<thead><tr><th>status</th><th>code</th>\
         <th class=\"n\">recipients</th><th>example</th></tr></thead>\n<tbody>\n",
    );
    for (status, code, class) in classes.iter().take(20) {
        let _ = writeln!(
            s,
            "<tr><td>{}</td><td><code>{}</code></td><td class=\"n\" data-problem=\"{}\">{}</td><td>{}</td></tr>",
            status.as_str(),
            esc(code),
            esc(&format!("{}:{code}", status.as_str())),
            class.count,
            esc(&class.example)
        );
    }
    s.push_str("</tbody>\n</table>\n</section>\n");
}

/// Escaped text with each pair of backticks made a `<code>` span, as the sentences herald
/// shares with the terminal mark commands and settings.
fn code_spans(escaped: &str) -> String {
    let parts: Vec<&str> = escaped.split('`').collect();
    if parts.len().is_multiple_of(2) {
        return escaped.to_string();
    }
    parts
        .iter()
        .enumerate()
        .map(|(i, p)| if i % 2 == 1 { format!("<code>{p}</code>") } else { p.to_string() })
        .collect()
}

/// `s` with its first letter in capitals.
fn capitalise(s: &str) -> String {
    let mut chars = s.chars();
    chars.next().map(|c| c.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

/// `s` safe as HTML text and as an attribute value.
fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const STYLE: &str = "
body{margin:0;background:#f6f7f9;color:#1d2330;font:15px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif}
main{max-width:960px;margin:0 auto;padding:24px}
h1{margin:0 0 8px;font-size:26px;overflow-wrap:anywhere}
h2{margin:28px 0 10px;font-size:19px}
h3{margin:18px 0 8px;font-size:16px}
code{font:13px ui-monospace,Menlo,Consolas,monospace;overflow-wrap:anywhere}
td code{white-space:nowrap;overflow-wrap:normal}
dl.about{display:grid;grid-template-columns:max-content 1fr;gap:2px 16px;margin:0 0 12px;color:#4a5263}
dl.about dt{font-weight:600}dl.about dd{margin:0;overflow-wrap:anywhere}
.verdict{background:#fff4e5;border-left:4px solid #e8891c;padding:10px 14px}
.note{background:#eef3fb;border-left:4px solid #4a78c2;padding:10px 14px}
.tiles{display:flex;flex-wrap:wrap;gap:10px}
.tile{background:#fff;border:1px solid #dde1e8;border-radius:6px;padding:10px 16px;min-width:90px}
.tile b{display:block;font-size:22px}
.funnel{background:#fff;border:1px solid #dde1e8;border-radius:6px;padding:12px 16px}
.step{display:grid;grid-template-columns:190px 1fr 80px 64px;align-items:center;gap:12px;margin:6px 0}
.step b{text-align:right;font-size:18px}.share{text-align:right;color:#4a5263}
.bar{background:#eceff4;border-radius:4px;height:18px;overflow:hidden}.bar span{display:block;height:100%}
.accepted .bar span,rect.accepted,.key.accepted{background:#8a94a6;fill:#8a94a6}
.delivered .bar span,rect.delivered,.key.delivered{background:#2f80ed;fill:#2f80ed}
.read .bar span,rect.read,.key.read{background:#27ae60;fill:#27ae60}
.failed .bar span,rect.failed,.key.failed{background:#d64545;fill:#d64545}
.no_receipt .bar span{background:#c9ced8}
.key{display:inline-block;width:10px;height:10px;margin:0 4px 0 8px;border-radius:2px}
table{border-collapse:collapse;width:100%;background:#fff;border:1px solid #dde1e8}
th,td{padding:6px 10px;border-bottom:1px solid #eceff4;text-align:left;vertical-align:top}
th{background:#f0f2f6;font-weight:600}.n{text-align:right;white-space:nowrap}
svg{background:#fff;border:1px solid #dde1e8;border-radius:6px}
.axis{stroke:#8a94a6}.tick{font-size:11px;fill:#4a5263}
footer{margin-top:32px;color:#6b7385;font-size:13px}
";

#[cfg(test)]
mod tests {
    use super::super::fixture::{record, report_of};
    use super::*;
    use crate::receipts::{Delivery, Receipts};

    fn with(phone: &str, d: Delivery, code: Option<&str>, words: Option<&str>) -> crate::results::Record {
        let mut r = record(phone, Status::Sent, None);
        let mut x = Receipts::default();
        x.add(d, r.timestamp + jiff::SignedDuration::from_secs(90), code, words);
        r.receipts = Some(x);
        r
    }

    fn funnel_report() -> Report {
        let mut r = report_of(vec![
            with("+254712345678", Delivery::Read, None, None),
            with("+254712345677", Delivery::Delivered, None, None),
            with("+14155552671", Delivery::Failed, Some("131026"), Some("<script>alert(1)</script>")),
            record("+254712345676", Status::Sent, None),
            record("+254712345675", Status::Failed, Some("131051")),
        ]);
        r.about.campaign_name = Some("Spring <script>alert('x')</script> & \"friends\"".into());
        r.about.file = "campaigns/<b>spring</b>.yaml".into();
        r
    }

    #[test]
    fn shows_the_funnel_with_its_numbers_and_shares() {
        let html = report_html(&funnel_report());
        for (key, n, share) in [
            ("accepted", 4, "100.0%"),
            ("delivered", 2, "50.0%"),
            ("read", 1, "25.0%"),
            ("failed", 1, "25.0%"),
            ("no_receipt", 1, "25.0%"),
        ] {
            assert!(html.contains(&format!("<b data-funnel=\"{key}\">{n}</b>")), "{key}: {html}");
            assert!(html.contains(&format!("data-share=\"{key}\">{share}</span>")), "{key}");
        }
        assert!(html.contains("<td class=\"n\" data-failure=\"131026\">1</td>"));
        assert!(html.contains("<b data-count=\"sent\">4</b>"));
        assert!(html.contains("id=\"over-time\""));
        assert!(
            html.contains("<tr data-country=\"+254\"><td>KE (+254)</td><td class=\"n\">4</td><td class=\"n\">3</td>"),
            "{html}"
        );
        assert!(html.contains("<tr data-country=\"+1\"><td>US and "), "{html}");
    }

    #[test]
    fn escapes_every_string_from_the_campaign_and_the_provider() {
        let html = report_html(&funnel_report());
        assert!(!html.contains("<script"), "{html}");
        assert!(!html.contains("<b>spring"));
        assert!(html.contains("Spring &lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;friends&quot;"));
        assert!(html.contains("<td>&lt;script&gt;alert(1)&lt;/script&gt;</td>"), "the provider's words, escaped");
        assert!(html.contains("campaigns/&lt;b&gt;spring&lt;/b&gt;.yaml"));
    }

    #[test]
    fn is_self_contained() {
        let html = report_html(&funnel_report());
        for outside in ["http://", "https://", "<script", "<link", "src=", "@import", "url("] {
            assert!(!html.contains(outside), "{outside}");
        }
        assert!(!html.contains("WA_TOKEN"), "not even the name of the key's variable");
    }

    #[test]
    fn says_why_there_is_no_funnel() {
        let mut r = report_of(vec![record("+254712345678", Status::Sent, None)]);
        (r.about.receipts, r.about.provider_name) = (false, "WhautoChat".into());
        let html = report_html(&r);
        assert!(
            html.contains("<b data-funnel=\"accepted\">1</b> accepted. WhautoChat reports no delivery status"),
            "{html}"
        );
        assert!(!html.contains("data-funnel=\"delivered\""));
        r.about.receipts = true;
        assert!(report_html(&r).contains("run <code>herald listen</code>"));
        assert_eq!(code_spans("a `b` c"), "a <code>b</code> c");
        assert_eq!(code_spans("one ` alone"), "one ` alone", "an unpaired backtick stays");
        let none = report_html(&report_of(vec![record("+254712345678", Status::Failed, Some("x"))]));
        assert!(none.contains("No message was accepted"));
    }

    #[test]
    fn bucket_widths_read_as_words() {
        assert_eq!(
            [60, 300, 3_600, 10_800, 86_400, 604_800, 2_419_200].map(bucket_words),
            ["1 minute", "5 minutes", "1 hour", "3 hours", "1 day", "1 week", "4 weeks"]
        );
    }
}
