//! Who may call and how much: API keys and their authentication, and rate
//! limits per key or address, kept in memory or in the database that all
//! instances share.

pub mod api_keys;
pub mod rate_limits;
