//! `delivery.min_delivered` and `delivery.wait_receipts` against the provider: a gate on
//! deliveries needs a provider that reports them (a status webhook), or it could only ever
//! fail.

use super::checks::Context;
use crate::campaign::source::Part;
use crate::delivery::Delivery;
use crate::diagnostic::{Diagnostics, Severity};
use crate::providers::ProviderKind;

/// Errors for a delivery gate or a wait for receipts where `kind` reports no delivery status.
pub(super) fn check(kind: ProviderKind, delivery: &Delivery, ctx: &Context, diags: &mut Diagnostics) {
    let asked =
        [("min_delivered", delivery.min_delivered.is_some()), ("wait_receipts", delivery.wait_receipts.is_some())];
    if kind.provider().status_webhook().is_some() || !asked.iter().any(|(_, set)| *set) {
        return;
    }
    let id = kind.provider().info().id;
    let able: Vec<&str> = ProviderKind::ALL
        .iter()
        .filter(|k| k.provider().status_webhook().is_some())
        .map(|k| k.provider().info().id)
        .collect();
    for (field, _) in asked.iter().filter(|(_, set)| *set) {
        let message = format!("provider `{id}` reports no delivery status, so `delivery.{field}` could never be met");
        diags.push(
            ctx.at(Severity::Error, &format!("/delivery/{field}"), Part::Key, message)
                .help(format!("remove `{field}`; delivery receipts come from: {}", able.join(", "))),
        );
    }
}
