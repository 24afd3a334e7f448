//! `delivery.canary`, checked: seed numbers normalised like the audience's, a count, and
//! whether the campaign pauses after the canary or goes on by itself.

use super::checks::Context;
use crate::campaign::model::CampaignDoc;
use crate::campaign::source::Part;
use crate::diagnostic::{Diagnostics, Severity};
use crate::phone::{Phone, normalize};
use rlibphonenumber::Region;
use std::time::Duration;

/// Recipients of the audience a canary sends to when `to` names no seeds.
const DEFAULT_COUNT: usize = 10;

/// How long `pause: false` waits after a clean canary by default.
const DEFAULT_WAIT: Duration = Duration::from_secs(600);

/// A first, small send to check before the rest.
#[derive(Debug, Clone, PartialEq)]
pub struct Canary {
    /// Recipients of the audience (the first ones not yet sent).
    pub count: usize,
    /// Seed numbers, sent first, rendered with the first recipient's row.
    pub seeds: Vec<Phone>,
    /// Stop after the canary until `--continue`.
    pub pause: bool,
    /// With `pause: false`, how long to wait after a clean canary before going on.
    pub wait: Duration,
}

impl Canary {
    /// Recipients the canary run sends to: the seeds, then `count` of the audience.
    pub fn size(&self) -> usize {
        self.seeds.len() + self.count
    }
}

/// Checks `delivery.canary`; `None` when there is none or it is wrong (reported).
pub fn check(c: &CampaignDoc, region: Option<Region>, ctx: &Context, diags: &mut Diagnostics) -> Option<Canary> {
    let doc = c.delivery.canary.as_ref()?;
    let mut ok = true;
    let mut seeds = Vec::new();
    let r = &c.recipients;
    let numbers = r.groups.is_none() && r.group_column.is_none() && r.contact_column.is_none();
    if !doc.to.is_empty() && (!numbers || r.provider_tags.is_some()) {
        ok = false;
        diags.push(
            ctx.at(
                Severity::Error,
                "/delivery/canary/to",
                Part::Key,
                "canary seeds are phone numbers; this audience is not",
            )
            .help("use `count` alone for groups, contacts and provider tags"),
        );
    }
    for (i, raw) in doc.to.iter().enumerate() {
        match normalize(raw, region) {
            Ok(phone) => seeds.push(phone),
            Err(why) => {
                ok = false;
                diags.push(ctx.at(Severity::Error, &format!("/delivery/canary/to/{i}"), Part::Value, why.to_string()));
            }
        }
    }
    let count = doc.count.unwrap_or(if doc.to.is_empty() { DEFAULT_COUNT } else { 0 });
    if count == 0 && doc.to.is_empty() {
        ok = false;
        diags.push(
            ctx.at(Severity::Error, "/delivery/canary/count", Part::Value, "a canary of nobody checks nothing")
                .help("send it to a few recipients (`count: 10`) or to your own phones (`to: [\"+…\"]`)"),
        );
    }
    let wait = match &doc.wait {
        None => DEFAULT_WAIT,
        Some(v) => match crate::delivery::parse_seconds(v).filter(|s| (0.0..=86_400.0).contains(s)) {
            Some(s) => Duration::from_secs_f64(s),
            None => {
                ok = false;
                diags.push(ctx.at(
                    Severity::Error,
                    "/delivery/canary/wait",
                    Part::Value,
                    "`wait` is a duration up to a day, such as `10m` or `30s`",
                ));
                DEFAULT_WAIT
            }
        },
    };
    let pause = doc.pause.unwrap_or(true);
    if pause && doc.wait.is_some() {
        diags.push(ctx.at(
            Severity::Warning,
            "/delivery/canary/wait",
            Part::Key,
            "`wait` is only used with `pause: false`; a paused canary waits for `--continue`",
        ));
    }
    ok.then_some(Canary { count, seeds, pause, wait })
}
