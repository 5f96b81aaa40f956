//! A merge of one record into another, with what it moved.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "record_merge")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The table of both records, such as `defender`.
    pub record_type: String,
    pub survivor_id: Uuid,
    pub absorbed_id: Uuid,
    /// The organisation that merged.
    pub organisation_id: Uuid,
    pub api_key_id: Option<Uuid>,
    /// JSON: the rows moved to the survivor and the fields it took.
    pub moved: String,
    pub merged_at: DateTimeUtc,
    pub undone_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
