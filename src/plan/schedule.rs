//! `schedule:`: when a campaign goes out, and who holds its messages until then. A `send_at`
//! that has passed is an error for the commands that would send (the campaign is stale), and
//! one far ahead is a warning (a typo in the year). The provider holds the messages itself
//! (`mode: provider`) where its API can schedule that message type; otherwise herald waits
//! in-process (`mode: local`). Every check reads the clock from [`super::Options::now`], so
//! tests pin it.

use super::ScheduleCheck;
use super::checks::Context;
use crate::campaign::model::{ScheduleDoc, ScheduleMode};
use crate::campaign::source::Part;
use crate::diagnostic::{Diagnostics, Severity};
use crate::message::MessageType;
use crate::providers::ProviderKind;
use jiff::{SignedDuration, Timestamp};

/// How far ahead a `send_at` may be before it looks like a slip of the year: 4 weeks.
const FAR_AHEAD: SignedDuration = SignedDuration::from_hours(28 * 24);

/// When a campaign goes out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Schedule {
    /// `schedule.send_at`.
    pub at: Timestamp,
    /// Who holds the messages until then, the default resolved.
    pub mode: ScheduleMode,
}

impl Schedule {
    /// The time the provider is asked to deliver at: set for `mode: provider`, unless the
    /// command sends at once (`--now`).
    pub fn for_provider(schedule: Option<Schedule>, check: ScheduleCheck) -> Option<Timestamp> {
        schedule.filter(|s| s.mode == ScheduleMode::Provider && check != ScheduleCheck::Skip).map(|s| s.at)
    }
}

/// Checks `schedule:` for a campaign sending `message_type` through `kind`.
pub fn check(
    doc: Option<&ScheduleDoc>,
    kind: ProviderKind,
    message_type: MessageType,
    ctx: &Context,
    diags: &mut Diagnostics,
) -> Option<Schedule> {
    let doc = doc?;
    let mode = mode(doc.mode, kind, message_type, ctx, diags);
    let Some(text) = doc.send_at.as_deref() else {
        if doc.mode.is_some() {
            diags.push(
                ctx.at(
                    Severity::Warning,
                    "/schedule/mode",
                    Part::Key,
                    "`schedule.mode` has no effect without `send_at`",
                )
                .help("add `send_at`, or remove `schedule`"),
            );
        }
        return None;
    };
    let at = match text.parse::<Timestamp>() {
        Ok(at) => at,
        Err(e) => {
            diags.push(ctx.at(
                Severity::Error,
                "/schedule/send_at",
                Part::Value,
                format!("`{text}` is not a valid time: {e}"),
            ));
            return None;
        }
    };
    if ctx.options.schedule != ScheduleCheck::Skip {
        judge_time(at, ctx, diags);
    }
    Some(Schedule { at, mode })
}

/// The mode written, or the default: the provider where it can schedule `message_type`.
fn mode(
    written: Option<ScheduleMode>,
    kind: ProviderKind,
    message_type: MessageType,
    ctx: &Context,
    diags: &mut Diagnostics,
) -> ScheduleMode {
    let provider = kind.provider();
    let can = provider.schedules(message_type);
    match written {
        Some(mode) => {
            // A type the provider cannot send at all is reported once, at `message.type`.
            if mode == ScheduleMode::Provider && !can && provider.supports(message_type) {
                let able: Vec<&str> = ProviderKind::ALL
                    .iter()
                    .filter(|k| k.provider().schedules(message_type))
                    .map(|k| k.as_str())
                    .collect();
                let others = match able.as_slice() {
                    [] => format!("no provider schedules {message_type} messages"),
                    able => format!("providers that schedule {message_type} messages: {}", able.join(", ")),
                };
                diags.push(
                    ctx.at(
                        Severity::Error,
                        "/schedule/mode",
                        Part::Value,
                        format!("{} cannot schedule {message_type} messages itself", provider.info().name),
                    )
                    .label("not supported by this provider")
                    .help(format!("use `mode: local`: herald waits until `send_at`, then sends ({others})")),
                );
            }
            mode
        }
        None if can => ScheduleMode::Provider,
        None => ScheduleMode::Local,
    }
}

/// A time that has passed (an error or a warning, as the command asks), or one far ahead.
fn judge_time(at: Timestamp, ctx: &Context, diags: &mut Diagnostics) {
    let now = ctx.options.now.unwrap_or_else(Timestamp::now);
    let when = crate::clock::time(at);
    if at < now {
        let (severity, help) = match ctx.options.schedule {
            ScheduleCheck::Require => (
                Severity::Error,
                "set a time ahead to reschedule, or send at once with `herald send --now` (also to resume a campaign that started on time)",
            ),
            _ => (Severity::Warning, "`herald send` refuses a time that has passed unless --now"),
        };
        let message = format!("`schedule.send_at` is in the past ({when})");
        diags.push(ctx.at(severity, "/schedule/send_at", Part::Value, message).help(help));
        return;
    }
    let ahead = at.duration_since(now);
    if ahead > FAR_AHEAD {
        let days = ahead.as_secs() / 86_400;
        let (span, what) = match days {
            0..60 => (plural(days, "day"), "date"),
            60..365 => (plural(days / 30, "month"), "date"),
            _ => (plural(days / 365, "year"), "year"),
        };
        diags.push(ctx.at(
            Severity::Warning,
            "/schedule/send_at",
            Part::Value,
            format!("`schedule.send_at` is {span} ahead ({when}); check the {what}"),
        ));
    }
}

/// `1 day`, `3 days`.
fn plural(n: i64, unit: &str) -> String {
    format!("{n} {unit}{}", if n == 1 { "" } else { "s" })
}

#[cfg(test)]
mod tests;
