//! A defender's affiliation to an organisation, with a role and dates.
use sea_orm::entity::prelude::*;

use crate::types::PartialDate;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "affiliation")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub defender_id: Uuid,
    pub organisation_id: Uuid,
    /// The defender's role, such as "co-founder".
    pub role: Option<String>,
    pub started_on: Option<PartialDate>,
    pub ended_on: Option<PartialDate>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
