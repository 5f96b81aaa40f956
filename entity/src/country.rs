//! ISO 3166-1 countries.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "country")]
pub struct Model {
    /// ISO 3166-1 alpha-2 code, such as `SA`.
    #[sea_orm(primary_key, auto_increment = false)]
    pub code: String,
    /// ISO 3166-1 alpha-3 code, such as `SAU`.
    pub alpha3: String,
    /// ISO 3166-1 numeric code, such as 682.
    pub numeric: i32,
    pub name: String,
    pub sort_key: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
