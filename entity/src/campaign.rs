//! Campaigns: advocacy for individuals, against laws, observation missions.
use sea_orm::entity::prelude::*;

use crate::types::{CampaignKind, CampaignOutcome, CampaignStatus, PartialDate, Visibility};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "campaign")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub title: String,
    pub kind: CampaignKind,
    pub status: CampaignStatus,
    pub lead_organisation_id: Option<Uuid>,
    pub started_on: Option<PartialDate>,
    pub ended_on: Option<PartialDate>,
    pub summary: Option<String>,
    pub outcome: Option<CampaignOutcome>,
    /// What the campaign achieved, in words.
    pub outcome_summary: Option<String>,
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
