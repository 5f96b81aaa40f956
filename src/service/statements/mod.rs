//! Statements: who asserted which value of a record's facts, from which
//! source, in which language, and when it was first and last seen.
//!
//! The record's row holds each fact's **current value**: the value most
//! recently asserted by an organisation allowed to change the record (its
//! contributor, or one it shared the record with for editing), or accepted
//! from a proposal. Every organisation's assertion stays a statement of its
//! own: writing a value never changes or removes another organisation's
//! statements. Values in other languages are statements with a language,
//! alongside the current value (see [`languages`]).
//!
//! Visibility: a statement is shown only on a record the viewer may see,
//! and only if the viewer may also see its organisation, its source, and the
//! record its value names (for links). Confidential fields are no facts.

pub mod backfill;
pub mod export;
pub mod facts;
pub mod languages;
pub mod portable;
pub mod proposals;
pub mod reads;
pub mod writes;

pub use facts::{Fact, Property, Stated};
pub use reads::{StatementFilter, of_records};
