//! The toolkit each provider's imitation is written with: the `Api` trait and its
//! endpoints, replies, ids and path matching. It lives below `providers/` so that the sandbox,
//! which serves the imitations, depends on the providers and never the other way round.

pub(crate) mod api;
pub(crate) mod ids;
pub(crate) mod path;
pub(crate) mod plain;
pub(crate) mod reply;
pub mod templates;

use super::ProviderKind;

/// The token the sandbox accepts for this provider (FlowIQ's starts with `fiq_`, as the real
/// one requires; Cloud API's with `EAA`, as Meta's access tokens do).
pub fn token(kind: ProviderKind) -> &'static str {
    api::api(kind).token()
}
