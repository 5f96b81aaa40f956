//! Human rights defenders.
use sea_orm::entity::prelude::*;

use crate::types::{Consent, DefenderStatus, Visibility};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "defender")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub name: String,
    /// Country where the defender works.
    pub country_code: String,
    pub subdivision_code: Option<String>,
    pub occupation: Option<String>,
    pub summary: Option<String>,
    pub status: DefenderStatus,
    /// Whether the defender agreed to publication. Only GIVEN allows PUBLIC.
    pub consent: Consent,
    /// Confidential: where the defender can be found.
    pub exact_location: Option<String>,
    /// Confidential: how to reach the defender.
    pub contact_details: Option<String>,
    /// Confidential: risks and precautions.
    pub safety_notes: Option<String>,
    pub sort_key: String,
    pub contributed_by_id: Option<Uuid>,
    /// Set when a merge absorbed this record into another; it then resolves to that one.
    pub merged_into_id: Option<Uuid>,
    pub visibility: Visibility,
    pub version: i32,
    pub archived_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
