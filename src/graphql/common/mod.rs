//! What every record type of the schema shares: connections and their
//! ordering, `Node` and global ids, history (`auditLog`), and the inputs
//! that every kind's mutations take.

pub mod connection;
pub mod edits;
pub mod history;
pub mod node;
pub mod ordering;
pub mod record;
