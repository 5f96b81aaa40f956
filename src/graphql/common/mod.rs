//! What every record type of the schema shares: the per-request state and
//! the batch loaders of records and their relationships (`context`),
//! connections and their ordering, `Node`, history (`auditLog`), the shared
//! record fields, and the inputs that every kind's mutations take.

pub mod as_of;
pub mod connection;
pub mod context;
pub mod edits;
pub mod history;
pub mod node;
pub mod ordering;
pub mod record;
