//! How a restriction touches a defender.
use sea_orm::entity::prelude::*;

use crate::types::DefenderRestrictionRelation;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "defender_restriction")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub defender_id: Uuid,
    pub restriction_id: Uuid,
    pub relation: DefenderRestrictionRelation,
    pub note: Option<String>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
