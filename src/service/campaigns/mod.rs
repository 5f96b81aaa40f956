//! Campaigns and the defenders, restrictions and places they target.

pub mod edits;

use chrono::{DateTime, Utc};
use entity::{
    CampaignKind, CampaignOutcome, CampaignStatus, campaign, campaign_area, campaign_defender, campaign_restriction,
};
use sea_orm::sea_query::{ExprTrait, Query};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect, Select};
use uuid::Uuid;

use crate::error::AppResult;
use crate::service::Viewer;
use crate::service::audit::Audited;
use crate::service::query::listing::{DateRange, Listing, any_of, col, filtered, joined, parent};
use crate::service::query::pagination::ParentColumn;
use crate::service::query::pagination::SortSpec;
use crate::service::query::records::{RecordOrder, record_spec};

/// A validated campaign filter. Each given list matches any of its values;
/// the lists combine with AND.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct CampaignFilter {
    /// Campaigns targeting any of these countries (or places in them).
    pub country_codes: Option<Vec<String>>,
    pub statuses: Option<Vec<CampaignStatus>>,
    pub kinds: Option<Vec<CampaignKind>>,
    pub outcomes: Option<Vec<CampaignOutcome>>,
    /// Campaigns started in this range.
    pub started: DateRange,
    /// Only these campaigns: those that listed a record at a past moment
    /// (never from a client's filter).
    pub ids: Option<Vec<Uuid>>,
}

/// Parents campaigns are listed under.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CampaignVia {
    /// Campaigns targeting a country as a whole or places in it.
    Country,
    /// Campaigns targeting a subdivision.
    Subdivision,
    /// Campaigns for a defender.
    Defender,
    /// Campaigns addressing a restriction.
    Restriction,
    /// Campaigns an organisation leads.
    LeadOrganisation,
}

/// Campaigns.
pub struct Campaigns;

impl Listing for Campaigns {
    type Entity = campaign::Entity;
    type Via = CampaignVia;
    type Filter = CampaignFilter;
    type Order = RecordOrder;

    fn spec(order: RecordOrder) -> SortSpec<campaign::Model> {
        record_spec::<campaign::Entity>(order)
    }

    fn select(viewer: &Viewer, filter: &CampaignFilter) -> Select<campaign::Entity> {
        let in_countries = filter.country_codes.as_ref().map(|codes| {
            col::<campaign::Entity>(campaign::Column::Id).in_subquery(
                Query::select()
                    .column(campaign_area::Column::CampaignId)
                    .from(campaign_area::Entity)
                    .and_where(campaign_area::Column::CountryCode.is_in(codes.iter().cloned()))
                    .take(),
            )
        });
        filtered(
            campaign::Entity::find().filter(viewer.can_see(campaign::Entity)),
            [
                any_of(campaign::Column::Status, &filter.statuses),
                any_of(campaign::Column::Kind, &filter.kinds),
                any_of(campaign::Column::Outcome, &filter.outcomes),
                in_countries,
                filter.started.condition(col::<campaign::Entity>(campaign::Column::StartedOn)),
                any_of(campaign::Column::Id, &filter.ids),
            ],
        )
    }

    fn via(viewer: &Viewer, via: CampaignVia, filter: &CampaignFilter) -> (Select<campaign::Entity>, ParentColumn) {
        let select = Self::select(viewer, filter);
        let campaign_id = (campaign::Entity, campaign::Column::Id);
        match via {
            // Each targeted country has exactly one row without a subdivision.
            CampaignVia::Country => (
                joined(
                    select,
                    "campaign_area",
                    col::<campaign_area::Entity>(campaign_area::Column::CampaignId)
                        .equals(campaign_id)
                        .and(col::<campaign_area::Entity>(campaign_area::Column::SubdivisionCode).is_null()),
                ),
                parent::<campaign_area::Entity>(campaign_area::Column::CountryCode),
            ),
            CampaignVia::Subdivision => (
                joined(
                    select,
                    "campaign_area",
                    col::<campaign_area::Entity>(campaign_area::Column::CampaignId).equals(campaign_id),
                ),
                parent::<campaign_area::Entity>(campaign_area::Column::SubdivisionCode),
            ),
            CampaignVia::Defender => (
                joined(
                    select,
                    "campaign_defender",
                    col::<campaign_defender::Entity>(campaign_defender::Column::CampaignId).equals(campaign_id),
                ),
                parent::<campaign_defender::Entity>(campaign_defender::Column::DefenderId),
            ),
            CampaignVia::Restriction => (
                joined(
                    select,
                    "campaign_restriction",
                    col::<campaign_restriction::Entity>(campaign_restriction::Column::CampaignId).equals(campaign_id),
                ),
                parent::<campaign_restriction::Entity>(campaign_restriction::Column::RestrictionId),
            ),
            CampaignVia::LeadOrganisation => (select, parent::<campaign::Entity>(campaign::Column::LeadOrganisationId)),
        }
    }
}

/// The campaigns that listed a defender (`CampaignVia::Defender`) or a
/// restriction (`CampaignVia::Restriction`) at `at`, from their logs: two
/// statements, whatever the history. None for other parents.
pub async fn listing_then<C: ConnectionTrait>(
    db: &C,
    via: CampaignVia,
    record: Uuid,
    at: DateTime<Utc>,
) -> AppResult<Option<Vec<Uuid>>> {
    let (field, now): (&str, Vec<Uuid>) = match via {
        CampaignVia::Defender => (
            "defenderIds",
            campaign_defender::Entity::find()
                .select_only()
                .column(campaign_defender::Column::CampaignId)
                .filter(campaign_defender::Column::DefenderId.eq(record))
                .into_tuple()
                .all(db)
                .await?,
        ),
        CampaignVia::Restriction => (
            "restrictionIds",
            campaign_restriction::Entity::find()
                .select_only()
                .column(campaign_restriction::Column::CampaignId)
                .filter(campaign_restriction::Column::RestrictionId.eq(record))
                .into_tuple()
                .all(db)
                .await?,
        ),
        _ => return Ok(None),
    };
    let then = crate::service::as_of::holders_then(db, (Audited::Campaign, field), record, at, now).await?;
    Ok(Some(then))
}
