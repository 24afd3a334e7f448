//! The campaign file: YAML with positions, its JSON Schema, and the typed model.

mod countries;
pub mod message_spec;
pub mod model;
pub mod schema;
pub mod source;
pub mod yaml;
