//! The sandbox's delivery receipts: after accepting a message, a real provider later reports
//! it delivered, read or failed on its status webhook. [`plan()`] decides, from the message id
//! alone, which status events a message gets and when, so the sandbox (and `herald track`
//! answering a status poll) tell the same story on every run with the same seed; the
//! [`Emitter`] posts them to a receiver as each provider posts them, and keeps the
//! [`Totals`]: the truth planned, and how the posts went. Meta's statuses carry the message's
//! pricing ([`billing`]).

mod billing;
mod emitter;
mod plan;
mod tally;

pub use emitter::{Emitter, EmitterError, RETRIES, Webhooks};
pub use plan::{Due, Ending, Options, Plan, plan};
pub use tally::Totals;
