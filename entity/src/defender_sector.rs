//! The sectors a defender works in.
use sea_orm::entity::prelude::*;

use crate::types::Sector;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "defender_sector")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub defender_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub sector: Sector,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
