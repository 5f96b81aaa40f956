//! The change feed, subscriptions and webhooks: how far back the feed
//! resumes, and what one connection or key may hold open.

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
}

impl ChangeSettings {
    pub(super) fn check(&self, problems: &mut Problems) {
        problems.in_range("change_retention_days", self.change_retention_days, 1, 3_650);
        problems.in_range("max_subscriptions_per_connection", self.max_subscriptions_per_connection, 1, 1_000);
        problems.in_range("max_connections_per_key", self.max_connections_per_key, 1, 100_000);
        problems.in_range("connection_init_timeout", self.connection_init_timeout, 1, 600);
        problems.in_range("slow_consumer_timeout", self.slow_consumer_timeout, 1, 3_600);
    }
}
