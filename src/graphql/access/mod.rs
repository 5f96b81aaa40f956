//! Who is calling and what they may spend: `viewer`, `rateLimit`, and the
//! mutations that manage API keys and webhooks.

pub mod api_keys;
pub mod rate_limit;
pub mod viewer;
pub mod webhooks;
