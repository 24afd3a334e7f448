//! What the journal knows a recipient's request by ([`crate::journal::request_hash`]), taken of
//! the request without the delivery time a scheduled one carries ([`Plan::unscheduled`]): when
//! a message is delivered is not part of what it says, so rescheduling a partly sent campaign
//! is not a change of the message. The feed takes it before a send; the inspection before a run
//! compares it with the journal's.

use super::transport::wire_body;
use crate::journal::Hash;
use crate::plan::{Plan, PlanError, Send};
use crate::providers::Settings;
use crate::request::HttpRequest;

/// The hash the journal keeps of `send`, whose body goes on the wire as `body`; it covers the
/// sender's account, so the same message from another sender is another request.
pub(super) fn of(plan: &Plan, send: &Send, body: &[u8]) -> Result<Hash, PlanError> {
    let settings = plan.settings_of(send.sender);
    Ok(match plan.unscheduled(send)? {
        Some(bare) => hash(&bare, settings, &wire_body(&bare.body)),
        None => hash(&send.request, settings, body),
    })
}

/// The hash a journal written before connection settings joined it keeps of `send`.
pub(super) fn legacy(plan: &Plan, send: &Send) -> Result<Hash, PlanError> {
    let settings = plan.settings_of(send.sender);
    let bare = plan.unscheduled(send)?;
    let r = bare.as_ref().unwrap_or(&send.request);
    Ok(crate::journal::legacy_request_hash(r.method, &r.url, &settings.base_url, &wire_body(&r.body)))
}

/// The hash of `request`, whose body goes on the wire as `body`.
fn hash(request: &HttpRequest, settings: &Settings, body: &[u8]) -> Hash {
    crate::journal::request_hash(request.method, &request.url, &settings.base_url, &settings.account, body)
}
