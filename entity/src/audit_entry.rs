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
    /// The entry's place in the change feed: gap-free and in commit order.
    pub sequence: i64,
    /// Who could see the record just after the change: `NOBODY`, `PUBLIC`,
    /// `PARTNERS` or `ORGANISATIONS` (those in `readers`).
    pub audience: String,
    /// Comma-separated ids of the organisations that could see the record
    /// when `audience` is `ORGANISATIONS`.
    pub readers: String,
    /// Who could see the record just before the change.
    pub was_audience: String,
    /// The readers just before the change.
    pub was_readers: String,
    /// The statement the entry is about, for an assertion, proposal,
    /// acceptance or rejection that left the record as it was: shown only to
    /// those who may see that statement.
    pub statement_id: Option<Uuid>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
