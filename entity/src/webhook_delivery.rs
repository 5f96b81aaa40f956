//! One delivery to a webhook endpoint: a batch of changes, and its attempts.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "webhook_delivery")]
pub struct Model {
    /// Sent as the delivery id header; the same on every attempt.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub endpoint_id: Uuid,
    /// `PENDING` (being retried), `DELIVERED` or `FAILED` (the endpoint was paused).
    pub status: String,
    pub attempts: i32,
    /// The changes the last attempt carried.
    pub changes: i32,
    pub first_sequence: i64,
    pub last_sequence: i64,
    pub last_status_code: Option<i32>,
    pub last_error: Option<String>,
    pub created_at: DateTimeUtc,
    pub last_attempt_at: Option<DateTimeUtc>,
    pub delivered_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
