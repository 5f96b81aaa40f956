//! An organisation's judgement on a pair of candidate duplicates.
use sea_orm::entity::prelude::*;

use crate::types::Verdict;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "duplicate_judgement")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The table of both records, such as `defender`.
    pub record_type: String,
    /// The smaller id of the pair.
    pub first_id: Uuid,
    /// The larger id of the pair.
    pub second_id: Uuid,
    pub organisation_id: Uuid,
    pub verdict: Verdict,
    pub note: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
