//! The sending rate against the provider's published limit: a `delivery.rate` (or `--rate`)
//! above it is a warning, since the provider throttles or refuses what goes beyond it.

use super::checks::Context;
use crate::campaign::source::Part;
use crate::delivery::rate_text;
use crate::diagnostic::{Diagnostic, Diagnostics, Severity};
use crate::providers::ProviderKind;

/// Warns when `rate_per_sec`, from `--rate` when `from_cli` and else from the rate at
/// `pointer` (`delivery.rate`, a sender's `rate`), is above `kind`'s published limit. The
/// default rate never is.
pub(super) fn check(
    kind: ProviderKind,
    rate_per_sec: f64,
    from_cli: bool,
    pointer: &str,
    ctx: &Context,
    diags: &mut Diagnostics,
) {
    let Some(limit) = kind.provider().info().rate_limit else { return };
    if rate_per_sec <= limit.per_sec * (1.0 + 1e-9) {
        return;
    }
    let (rate, limit_text) = (rate_text(rate_per_sec), rate_text(limit.per_sec));
    let help = format!("requests beyond it are throttled and retried, or fail; use `{limit_text}` or less");
    let diagnostic = if from_cli {
        Diagnostic::new(Severity::Warning, format!("`--rate {rate}` is above {}", limit.what))
    } else {
        let name = pointer.trim_start_matches('/').replace('/', ".");
        let message = format!("`{name}` {rate} is above {}", limit.what);
        ctx.at(Severity::Warning, pointer, Part::Value, message).label("faster than the provider allows")
    };
    diags.push(diagnostic.help(help));
}
