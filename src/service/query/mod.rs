//! The machinery of reads: listings with filters and orders, cursor
//! pagination at the top level and under many parents at once, and records
//! by id, each filtered through `Viewer::can_see`.

pub mod listing;
pub mod pagination;
pub mod records;
