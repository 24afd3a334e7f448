//! herald: run WhatsApp campaigns declared in YAML files.
//!
//! The library does the work; `main.rs` only parses arguments and maps errors to exit codes.

pub mod message;
pub mod phone;
pub mod providers;
pub mod request;
pub mod campaign;
pub mod diagnostic;
pub mod recipients;
pub mod providers;
pub mod template;
pub mod delivery;
pub mod plan;
pub mod cli;
pub mod commands;
pub mod exit;
pub mod secret;
