//! The rights a restriction curbs.
use sea_orm::entity::prelude::*;

use crate::types::Right;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "restriction_right")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub restriction_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub right: Right,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
