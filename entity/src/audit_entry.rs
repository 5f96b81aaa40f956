//! The append-only audit log: who changed which record, when, and how.
use sea_orm::entity::prelude::*;

use crate::types::AuditAction;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_entry")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The table of the changed record, such as `defender`.
    pub record_type: String,
    pub record_id: Uuid,
    pub action: AuditAction,
    /// The record's version after the change.
    pub version: i32,
    /// The organisation that made the change; none for operator commands.
    pub organisation_id: Option<Uuid>,
    /// The API key the change was made with.
    pub api_key_id: Option<Uuid>,
    /// JSON list of `{ field, from, to, confidential }`.
    pub changes: String,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
