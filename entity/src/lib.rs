//! The sea-orm entities of rights-graph, one module per table, and the value
//! types they share.
//!
//! Shared records (organisations, defenders, restrictions, campaigns, sources,
//! civic-space ratings and indicators) carry the same provenance columns: the contributing
//! organisation, a visibility, a version for optimistic concurrency, an archive
//! time (nothing is hard-deleted) and created/updated timestamps. Text columns
//! named `sort_key` hold a case- and accent-folded copy of the name or title,
//! so that listings sort the same way on every database.

pub mod affiliation;
pub mod api_key;
pub mod audit_entry;
pub mod audit_trail;
pub mod campaign;
pub mod campaign_area;
pub mod campaign_defender;
pub mod campaign_restriction;
pub mod case_event;
pub mod citation;
pub mod country;
pub mod country_rating;
pub mod dataset;
pub mod defender;
pub mod defender_name;
pub mod defender_restriction;
pub mod defender_sector;
pub mod duplicate_judgement;
pub mod external_id;
pub mod indicator;
pub mod match_key;
pub mod organisation;
pub mod record_merge;
pub mod record_share;
pub mod restriction;
pub mod restriction_right;
pub mod restriction_status_change;
pub mod rows;
pub mod source;
pub mod statement;
pub mod subdivision;
pub mod types;
pub mod webhook_delivery;
pub mod webhook_endpoint;

pub use rows::{FromRow, RowReader};
pub use types::*;
