//! Data that is loaded rather than written through the API: the ISO 3166
//! reference lists, the sample dataset, the synthetic generator for
//! benchmarks, and the index handling of bulk loads.

pub mod bulk_load;
pub mod reference;
pub mod sample;
pub mod synthetic;
