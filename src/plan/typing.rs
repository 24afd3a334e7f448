//! `delivery.typing` against the provider: only a provider that documents a typing indicator
//! can show one (Evolution's `delay`), and its request stays open while it shows, so the
//! timeout must outlast the longest.

use super::checks::Context;
use crate::campaign::source::Part;
use crate::delivery::Delivery;
use crate::diagnostic::{Diagnostics, Severity};
use crate::providers::ProviderKind;

/// Errors for `delivery.typing` where `kind` documents no typing indicator, or where
/// `delivery.timeout` would cut the longest one short.
pub(super) fn check(kind: ProviderKind, delivery: &Delivery, ctx: &Context, diags: &mut Diagnostics) {
    if !delivery.typing {
        return;
    }
    let info = kind.provider().info();
    if !info.typing {
        let able: Vec<&str> =
            ProviderKind::ALL.iter().map(|k| k.provider().info()).filter(|i| i.typing).map(|i| i.id).collect();
        let message =
            format!("provider `{}` documents no typing indicator, so `delivery.typing` cannot be shown", info.id);
        diags.push(ctx.at(Severity::Error, "/delivery/typing", Part::Value, message).help(format!(
            "remove `typing`; `delivery.jitter: 2s..8s` paces the messages like a person on any provider (typing works on: {})",
            able.join(", ")
        )));
    } else if delivery.timeout <= crate::typing::MAX {
        let message = format!(
            "`delivery.timeout` must outlast the typing indicator: the request stays open while it shows, up to {}s",
            crate::typing::MAX.as_secs()
        );
        diags.push(
            ctx.at(Severity::Error, "/delivery/timeout", Part::Value, message)
                .help("raise the timeout to 20s or more, or remove `delivery.typing`"),
        );
    }
}
