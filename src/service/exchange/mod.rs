//! Exchange with partners' other systems: import and export in CSV, JSON
//! Lines and FollowTheMoney, keyed by the organisations' own identifiers.

pub mod apply;
pub mod csv_rows;
pub mod encode;
pub mod export;
pub mod external_ids;
pub mod ftm;
pub mod import;
pub mod rows;
