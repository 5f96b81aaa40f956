//! A view of the audit log in which each entry also names its subject: the
//! record it now belongs to, which is the survivor for entries of a record
//! absorbed by a merge. Read-only.
use sea_orm::entity::prelude::*;

use crate::types::AuditAction;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_trail")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub record_type: String,
    /// The record the change was made to.
    pub record_id: Uuid,
    pub action: AuditAction,
    pub version: i32,
    pub organisation_id: Option<Uuid>,
    pub api_key_id: Option<Uuid>,
    pub changes: String,
    pub created_at: DateTimeUtc,
    /// The record whose history the entry is part of now.
    pub subject_id: Uuid,
    /// The statement the entry is about, if any (see `audit_entry`).
    pub statement_id: Option<Uuid>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
