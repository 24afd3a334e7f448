//! herald's integration tests: one binary (one link step) running the real `herald` command.

mod audience;
mod bad_input;
mod batch;
mod canary;
mod common;
mod engine;
mod examples;
mod fuzz;
mod help;
mod hostile;
mod http;
mod journal;
mod layers;
mod pg_server;
mod postgres;
mod preview;
mod properties;
mod sandbox;
mod schedule;
mod secrets;
mod send;
mod server;
mod session;
mod soak;
mod validate;
mod window;
