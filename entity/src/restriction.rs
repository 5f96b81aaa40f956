//! Restrictions: laws, bills, orders and practices that curb civic freedoms.
use sea_orm::entity::prelude::*;

use crate::types::{PartialDate, RestrictionKind, RestrictionStatus, Visibility};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "restriction")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub title: String,
    /// Bill or law numbers, such as "HB 1 / SB 484".
    pub reference: Option<String>,
    pub kind: RestrictionKind,
    pub status: RestrictionStatus,
    /// The jurisdiction: a country, and a subdivision for state or provincial measures.
    pub country_code: String,
    pub subdivision_code: Option<String>,
    pub introduced_on: Option<PartialDate>,
    pub decided_on: Option<PartialDate>,
    pub summary: Option<String>,
    pub sort_key: String,
    pub contributed_by_id: Option<Uuid>,
    pub visibility: Visibility,
    pub version: i32,
    pub archived_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
