//! Civic-space ratings: how open a country's civic space was judged to be,
//! by whom and from when. A country's ratings form its history; the latest
//! by date is its current rating.
use sea_orm::entity::prelude::*;

use crate::types::{CivicSpaceRating, PartialDate, Visibility};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "country_rating")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub country_code: String,
    pub rating: CivicSpaceRating,
    /// From when the rating holds.
    pub rated_on: PartialDate,
    /// The organisation that gave the rating, such as the CIVICUS Monitor.
    pub organisation_id: Option<Uuid>,
    /// The source that states it.
    pub source_id: Option<Uuid>,
    pub note: Option<String>,
    /// The country code, then the date: listings by "name" run by country,
    /// then oldest first.
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
