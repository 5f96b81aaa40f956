//! The change feed, subscriptions and webhooks: how far back the feed
//! resumes, what one connection or key may hold open, and how webhooks
//! are delivered.

use clap::Args;

use super::Problems;

/// Limits and timing of the change feed and its subscriptions.
#[derive(Args, Debug, Clone)]
pub struct ChangeSettings {
    /// Days the change feed resumes from: a cursor older than this is refused
    /// (CURSOR_EXPIRED), and its client exports again.
    #[arg(long, env = "CHANGE_RETENTION_DAYS", default_value_t = 30, global = true, help_heading = "Changes")]
    pub change_retention_days: u64,

    /// Subscriptions one WebSocket connection may hold open at once.
    #[arg(
        long,
        env = "MAX_SUBSCRIPTIONS_PER_CONNECTION",
        default_value_t = 20,
        global = true,
        help_heading = "Changes"
    )]
    pub max_subscriptions_per_connection: u64,

    /// WebSocket connections one API key may hold open at once, per server process.
    #[arg(long, env = "MAX_CONNECTIONS_PER_KEY", default_value_t = 20, global = true, help_heading = "Changes")]
    pub max_connections_per_key: u64,

    /// Seconds a WebSocket client has to send `connection_init` (else 4408).
    #[arg(long, env = "CONNECTION_INIT_TIMEOUT", default_value_t = 10, global = true, help_heading = "Changes")]
    pub connection_init_timeout: u64,

    /// Seconds a WebSocket client may take to accept one message before it
    /// is disconnected as too slow (it resumes from its last cursor).
    #[arg(long, env = "SLOW_CONSUMER_TIMEOUT", default_value_t = 30, global = true, help_heading = "Changes")]
    pub slow_consumer_timeout: u64,

    /// Seconds a webhook endpoint has to answer a delivery.
    #[arg(long, env = "WEBHOOK_TIMEOUT", default_value_t = 10, global = true, help_heading = "Changes")]
    pub webhook_timeout: u64,

    /// Milliseconds before the first retry of a failed delivery; each
    /// further retry waits twice as long, up to an hour.
    #[arg(long, env = "WEBHOOK_RETRY_BASE_MS", default_value_t = 1_000, global = true, help_heading = "Changes")]
    pub webhook_retry_base_ms: u64,

    /// Failed attempts in a row after which a webhook endpoint is paused
    /// (its admin resumes it with resumeWebhook).
    #[arg(long, env = "WEBHOOK_MAX_FAILURES", default_value_t = 10, global = true, help_heading = "Changes")]
    pub webhook_max_failures: u64,

    /// Allow webhook endpoints on loopback and private addresses (for
    /// testing, or a trusted internal network). Off: such URLs are refused.
    #[arg(long, env = "WEBHOOK_ALLOW_PRIVATE_ADDRESSES", global = true, help_heading = "Changes")]
    pub webhook_allow_private_addresses: bool,
}

impl ChangeSettings {
    pub(super) fn check(&self, problems: &mut Problems) {
        problems.in_range("change_retention_days", self.change_retention_days, 1, 3_650);
        problems.in_range("max_subscriptions_per_connection", self.max_subscriptions_per_connection, 1, 1_000);
        problems.in_range("max_connections_per_key", self.max_connections_per_key, 1, 100_000);
        problems.in_range("connection_init_timeout", self.connection_init_timeout, 1, 600);
        problems.in_range("slow_consumer_timeout", self.slow_consumer_timeout, 1, 3_600);
        problems.in_range("webhook_timeout", self.webhook_timeout, 1, 300);
        problems.in_range("webhook_retry_base_ms", self.webhook_retry_base_ms, 10, 3_600_000);
        problems.in_range("webhook_max_failures", self.webhook_max_failures, 1, 1_000);
    }
}
