//! Other names of a defender: aliases, transliterations, native-script names.
use sea_orm::entity::prelude::*;

use crate::types::OtherNameKind;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "defender_name")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub defender_id: Uuid,
    pub name: String,
    pub kind: OtherNameKind,
    /// BCP 47 language tag of the name, where known.
    pub language: Option<String>,
    pub sort_key: String,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
