//! The sandbox's delivery receipts: after accepting a message, a real provider later reports
//! it delivered, read or failed on its status webhook. [`plan()`] decides, from the message id
//! alone, which status events a message gets and when, so the sandbox (and `herald track`
//! answering a status poll) tell the same story on every run with the same seed.

mod plan;

pub use plan::{Due, Ending, Options, Plan, plan};
