//! herald: run WhatsApp campaigns declared in YAML files.
//!
//! The library does the work; `main.rs` only parses arguments and maps errors to exit codes.

pub mod message;
pub mod phone;
pub mod providers;
pub mod request;
