//! ISO 3166-2 subdivisions: states, provinces, districts, territories.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "subdivision")]
pub struct Model {
    /// ISO 3166-2 code, such as `US-ND`.
    #[sea_orm(primary_key, auto_increment = false)]
    pub code: String,
    pub country_code: String,
    pub name: String,
    /// The kind ISO 3166-2 gives, such as `State`, `District` or `Province`.
    pub kind: String,
    pub sort_key: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
