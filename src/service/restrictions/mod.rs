//! Restrictions, the rights they curb, and their status history.

pub mod edits;

use std::collections::HashMap;

use entity::{
    RestrictionKind, RestrictionStatus, Right, campaign_restriction, defender_restriction, restriction,
    restriction_right, restriction_status_change,
};
use sea_orm::sea_query::{ExprTrait, Query};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Select};
use uuid::Uuid;

use crate::error::AppResult;
use crate::service::Viewer;
use crate::service::query::listing::{DateRange, Listing, any_of, col, filtered, joined, parent};
use crate::service::query::pagination::{ParentColumn, SortKey, SortSpec};
use crate::service::query::records::{RecordOrder, record_spec};

/// A validated restriction filter. Each given list matches any of its values;
/// the lists combine with AND.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct RestrictionFilter {
    pub country_codes: Option<Vec<String>>,
    pub subdivision_codes: Option<Vec<String>>,
    pub statuses: Option<Vec<RestrictionStatus>>,
    pub kinds: Option<Vec<RestrictionKind>>,
    pub rights: Option<Vec<Right>>,
    /// Restrictions introduced in this range.
    pub introduced: DateRange,
    /// Only these restrictions: the links a record held at a past moment
    /// (never from a client's filter).
    pub ids: Option<Vec<Uuid>>,
}

/// Parents restrictions are listed under.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RestrictionVia {
    /// Restrictions in a country, national and subnational.
    Country,
    Subdivision,
    /// The restrictions that concern a defender.
    Defender,
    /// The restrictions a campaign addresses.
    Campaign,
}

/// Restrictions.
pub struct Restrictions;

impl Listing for Restrictions {
    type Entity = restriction::Entity;
    type Via = RestrictionVia;
    type Filter = RestrictionFilter;
    type Order = RecordOrder;

    fn spec(order: RecordOrder) -> SortSpec<restriction::Model> {
        record_spec::<restriction::Entity>(order)
    }

    fn select(viewer: &Viewer, filter: &RestrictionFilter) -> Select<restriction::Entity> {
        let curbing = filter.rights.as_ref().map(|rights| {
            col::<restriction::Entity>(restriction::Column::Id).in_subquery(
                Query::select()
                    .column(restriction_right::Column::RestrictionId)
                    .from(restriction_right::Entity)
                    .and_where(restriction_right::Column::Right.is_in(rights.iter().copied()))
                    .take(),
            )
        });
        filtered(
            restriction::Entity::find().filter(viewer.can_see(restriction::Entity)),
            [
                any_of(restriction::Column::CountryCode, &filter.country_codes),
                any_of(restriction::Column::SubdivisionCode, &filter.subdivision_codes),
                any_of(restriction::Column::Status, &filter.statuses),
                any_of(restriction::Column::Kind, &filter.kinds),
                curbing,
                filter.introduced.condition(col::<restriction::Entity>(restriction::Column::IntroducedOn)),
                any_of(restriction::Column::Id, &filter.ids),
            ],
        )
    }

    fn via(
        viewer: &Viewer,
        via: RestrictionVia,
        filter: &RestrictionFilter,
    ) -> (Select<restriction::Entity>, ParentColumn) {
        let select = Self::select(viewer, filter);
        let restriction_id = (restriction::Entity, restriction::Column::Id);
        match via {
            RestrictionVia::Country => (select, parent::<restriction::Entity>(restriction::Column::CountryCode)),
            RestrictionVia::Subdivision => {
                (select, parent::<restriction::Entity>(restriction::Column::SubdivisionCode))
            }
            RestrictionVia::Defender => (
                joined(
                    select,
                    "defender_restriction",
                    col::<defender_restriction::Entity>(defender_restriction::Column::RestrictionId)
                        .equals(restriction_id),
                ),
                parent::<defender_restriction::Entity>(defender_restriction::Column::DefenderId),
            ),
            RestrictionVia::Campaign => (
                joined(
                    select,
                    "campaign_restriction",
                    col::<campaign_restriction::Entity>(campaign_restriction::Column::RestrictionId)
                        .equals(restriction_id),
                ),
                parent::<campaign_restriction::Entity>(campaign_restriction::Column::CampaignId),
            ),
        }
    }
}

/// The rights each restriction curbs.
pub async fn rights<C: ConnectionTrait>(db: &C, restriction_ids: &[Uuid]) -> AppResult<HashMap<Uuid, Vec<Right>>> {
    let mut rights: HashMap<Uuid, Vec<Right>> = HashMap::new();
    for row in restriction_right::Entity::find()
        .filter(restriction_right::Column::RestrictionId.is_in(restriction_ids.iter().copied()))
        .order_by_asc(restriction_right::Column::Right)
        .all(db)
        .await?
    {
        rights.entry(row.restriction_id).or_default().push(row.right);
    }
    Ok(rights)
}

/// How each (defender, restriction) pair is linked.
pub async fn links<C: ConnectionTrait>(
    db: &C,
    pairs: &[(Uuid, Uuid)],
) -> AppResult<HashMap<(Uuid, Uuid), defender_restriction::Model>> {
    let defenders: Vec<Uuid> = pairs.iter().map(|(defender, _)| *defender).collect();
    let restrictions: Vec<Uuid> = pairs.iter().map(|(_, restriction)| *restriction).collect();
    Ok(defender_restriction::Entity::find()
        .filter(defender_restriction::Column::DefenderId.is_in(defenders))
        .filter(defender_restriction::Column::RestrictionId.is_in(restrictions))
        .all(db)
        .await?
        .into_iter()
        .map(|link| ((link.defender_id, link.restriction_id), link))
        .filter(|(pair, _)| pairs.contains(pair))
        .collect())
}

/// Parents status changes are listed under.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum StatusChangeVia {
    /// A restriction's history.
    Restriction,
}

/// Which status changes to list.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct StatusChangeFilter {
    /// Only those recorded by this moment: the history as it stood then.
    /// Status changes are only ever added, each in the write that changed
    /// the status (before that write's audit entry), so the history then
    /// is the changes recorded by then.
    pub recorded_by: Option<chrono::DateTime<chrono::Utc>>,
}

/// Status changes of restrictions, oldest first.
pub struct StatusChanges;

impl Listing for StatusChanges {
    type Entity = restriction_status_change::Entity;
    type Via = StatusChangeVia;
    type Filter = StatusChangeFilter;
    type Order = ();

    fn spec(_order: ()) -> SortSpec<restriction_status_change::Model> {
        SortSpec {
            tag: "DATE".into(),
            keys: vec![
                SortKey::partial_date(
                    col::<restriction_status_change::Entity>(restriction_status_change::Column::ChangedOn),
                    |m: &restriction_status_change::Model| m.changed_on.as_ref(),
                ),
                SortKey::id(
                    col::<restriction_status_change::Entity>(restriction_status_change::Column::Id),
                    |m: &restriction_status_change::Model| m.id,
                ),
            ],
        }
    }

    /// Status changes of restrictions the viewer may see.
    fn select(viewer: &Viewer, filter: &StatusChangeFilter) -> Select<restriction_status_change::Entity> {
        let recorded_by = filter.recorded_by.map(|at| restriction_status_change::Column::CreatedAt.lte(at));
        let select = joined(
            restriction_status_change::Entity::find(),
            "restriction",
            col::<restriction::Entity>(restriction::Column::Id)
                .equals((restriction_status_change::Entity, restriction_status_change::Column::RestrictionId)),
        )
        .filter(viewer.can_see(restriction::Entity));
        filtered(select, [recorded_by])
    }

    fn via(
        viewer: &Viewer,
        via: StatusChangeVia,
        filter: &StatusChangeFilter,
    ) -> (Select<restriction_status_change::Entity>, ParentColumn) {
        match via {
            StatusChangeVia::Restriction => (
                Self::select(viewer, filter),
                parent::<restriction_status_change::Entity>(restriction_status_change::Column::RestrictionId),
            ),
        }
    }
}
