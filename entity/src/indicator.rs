//! Published figures, such as "at least 156 defenders were killed in 2015".
use sea_orm::entity::prelude::*;

use crate::types::{IndicatorQualifier, Visibility};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "indicator")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// A stable machine name, such as `defenders_killed_or_died_in_detention`.
    pub key: String,
    pub description: String,
    pub value: i64,
    pub qualifier: IndicatorQualifier,
    /// What is counted, such as "human rights defenders" or "countries".
    pub unit: String,
    pub year: Option<i32>,
    /// The country the figure is about; none for a worldwide figure.
    pub country_code: Option<String>,
    pub source_id: Option<Uuid>,
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
