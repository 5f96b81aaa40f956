//! A record citing a source. Any kind of record can cite several sources.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "citation")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub source_id: Uuid,
    /// The kind of the citing record, as its GraphQL type name (`Defender`, ...).
    pub record_type: String,
    pub record_id: Uuid,
    /// Where in the source the fact stands, such as a quotation or a page.
    pub locator: Option<String>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
