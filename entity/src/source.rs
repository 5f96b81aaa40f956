//! Sources: reports, articles and pages that records cite.
use sea_orm::entity::prelude::*;

use crate::types::{PartialDate, Visibility};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "source")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub url: Option<String>,
    pub title: String,
    pub publisher: Option<String>,
    pub published_on: Option<PartialDate>,
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
