//! Rate limits: budgets per API key and per address, and where they are kept.

use clap::{Args, ValueEnum};

use super::Problems;

/// Where rate-limit budgets are kept.
#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RateLimitStore {
    /// In this process: each server instance has its own budgets.
    Memory,
    /// In the database: every instance on the same database shares one budget per client.
    Database,
}

/// Budgets per window.
#[derive(Args, Debug, Clone)]
pub struct RateLimits {
    /// Points an anonymous client (by address) may spend per window; 0 turns the limit off.
    #[arg(long, env = "RATE_LIMIT_ANONYMOUS", default_value_t = 1_000, global = true, help_heading = "Rate limits")]
    pub rate_limit_anonymous: u64,

    /// Points an API key may spend per window; 0 turns the limit off.
    #[arg(
        long,
        env = "RATE_LIMIT_AUTHENTICATED",
        default_value_t = 5_000,
        global = true,
        help_heading = "Rate limits"
    )]
    pub rate_limit_authenticated: u64,

    /// Length of a rate-limit window, in seconds.
    #[arg(long, env = "RATE_LIMIT_WINDOW", default_value_t = 3_600, global = true, help_heading = "Rate limits")]
    pub rate_limit_window: u64,

    /// Where budgets are kept: `memory` (per instance) or `database` (shared by all instances).
    #[arg(long, env = "RATE_LIMIT_STORE", value_enum, default_value_t = RateLimitStore::Memory, global = true, help_heading = "Rate limits")]
    pub rate_limit_store: RateLimitStore,

    /// A header set by a trusted reverse proxy that carries the client's
    /// address, such as `X-Forwarded-For` (its last address is used). Unset:
    /// the connection's address. Never set it without such a proxy: clients
    /// could pick their own address.
    #[arg(long, env = "CLIENT_ADDRESS_HEADER", global = true, help_heading = "Rate limits")]
    pub client_address_header: Option<String>,
}

impl RateLimits {
    pub(super) fn check(&self, problems: &mut Problems) {
        problems.in_range("rate_limit_anonymous", self.rate_limit_anonymous, 0, 1_000_000_000);
        problems.in_range("rate_limit_authenticated", self.rate_limit_authenticated, 0, 1_000_000_000);
        problems.in_range("rate_limit_window", self.rate_limit_window, 1, 86_400);
        if let Some(header) = &self.client_address_header
            && axum::http::HeaderName::try_from(header.as_str()).is_err()
        {
            problems.push(format!("client_address_header: \"{header}\" is not a header name"));
        }
    }
}
