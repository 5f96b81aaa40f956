//! Organisations: NGOs, communities, state agencies, companies. Partner
//! organisations are also the tenants that contribute records.
use sea_orm::entity::prelude::*;

use crate::types::{OrganisationKind, Visibility};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "organisation")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub name: String,
    pub acronym: Option<String>,
    pub kind: OrganisationKind,
    pub country_code: Option<String>,
    pub website: Option<String>,
    pub summary: Option<String>,
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
