//! The request engine around the schema: batching in waves, limits checked
//! before execution, error codes and the guard on ids in errors, and the
//! order of response fields. It knows no record type: the loaders of the
//! record types and the per-request state are in `common::context`.

pub mod batch;
pub mod documents;
pub mod error_codes;
pub mod error_ids;
pub mod execution;
pub mod input_text;
pub mod limits;
pub mod request_state;
pub mod response_cache;
pub mod response_order;
