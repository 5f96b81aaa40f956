//! The service layer: reads and writes of the linked data model, with the
//! visibility rules applied. The GraphQL layer calls these functions and never
//! builds SQL itself.

pub mod access;
pub mod as_of;
pub mod audit;
pub mod campaigns;
pub mod changes;
pub mod codes;
pub mod defenders;
pub mod duplicates;
pub mod exchange;
pub mod indicators;
pub mod organisations;
pub mod places;
pub mod query;
pub mod ratings;
pub mod reconcile;
pub mod restrictions;
pub mod search;
pub mod sharing;
pub mod sources;
pub mod statements;
pub mod statistics;
pub mod text;
pub mod visibility;
pub mod webhooks;
pub mod write;

pub use visibility::{Governed, Member, Viewer};
