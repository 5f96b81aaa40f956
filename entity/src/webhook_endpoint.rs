//! A webhook endpoint: where an organisation is sent its change feed.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "webhook_endpoint")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The organisation whose view of the feed is sent.
    pub organisation_id: Uuid,
    pub url: String,
    /// Comma-separated record tables to send changes of; empty: every kind.
    pub record_types: String,
    /// The signing secret (HMAC-SHA256). Shown once, when registered; never logged.
    pub secret: String,
    /// The last sequence delivered.
    pub position: i64,
    /// Failed attempts in a row; the endpoint is paused at the configured limit.
    pub consecutive_failures: i32,
    /// When the next attempt is due, after a failure.
    pub next_attempt_at: Option<DateTimeUtc>,
    pub paused_at: Option<DateTimeUtc>,
    pub pause_reason: Option<String>,
    /// Until when one server instance holds the right to deliver to it.
    pub lease_until: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
