//! herald: run WhatsApp campaigns declared in YAML files.
//!
//! The library does the work; `main.rs` only parses arguments and maps errors to exit codes.

pub mod campaign;
pub mod cli;
pub mod clock;
pub mod commands;
pub mod cost;
pub mod delivery;
pub mod diagnostic;
pub mod error;
pub mod exit;
pub mod hex;
pub mod journal;
pub mod listen;
pub mod message;
pub mod pace;
pub mod parallel;
pub mod phone;
pub mod plan;
pub mod preflight;
pub mod providers;
pub mod receipts;
pub mod recipients;
pub mod report;
pub mod request;
pub mod results;
pub mod run;
pub mod sandbox;
pub mod secret;
pub mod session;
pub mod signals;
pub mod template;
pub mod typing;
pub mod window;
