//! Campaigns and the defenders, restrictions and places they target.

pub mod edits;

use entity::{
    CampaignKind, CampaignOutcome, CampaignStatus, campaign, campaign_area, campaign_defender, campaign_restriction,
};
use sea_orm::sea_query::{ExprTrait, Query};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, Select};

use crate::service::Viewer;
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
