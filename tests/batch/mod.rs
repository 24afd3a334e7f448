//! AutoKonnect batches (`delivery.batch_size`): several recipients in one request's
//! `phone_number` array, each ending the way its request ends, and nobody sent to twice.

mod engine;
pub(crate) mod send;
