//! What the Meta family shares: the Cloud API itself, Evolution on Cloud-API instances,
//! AutoKonnect and FlowIQ all carry Meta's message objects, meet Meta's limits and relay Meta's
//! error codes.

pub(crate) mod components;
pub(crate) mod errors;
pub(crate) mod limits;
pub(crate) mod resend_rules;
pub mod signature;
pub(crate) mod template_refusals;
pub(crate) mod templates;
