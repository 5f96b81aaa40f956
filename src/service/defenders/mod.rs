//! Defenders, their other names and sectors, their case events and their
//! affiliations to organisations.

pub mod case;
pub mod edits;
pub mod past;

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use entity::{
    CaseEventKind, DefenderStatus, Sector, affiliation, campaign_defender, case_event, defender, defender_name,
    defender_restriction, defender_sector, organisation,
};
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Select};
use uuid::Uuid;

use crate::error::AppResult;
use crate::service::Viewer;
use crate::service::audit::Audited;
use crate::service::query::listing::{DateRange, Listing, any_of, col, filtered, joined, parent};
use crate::service::query::pagination::{ParentColumn, SortKey, SortSpec};
use crate::service::query::records::{RecordOrder, record_spec};

/// A validated defender filter. Each given list matches any of its values;
/// the lists combine with AND.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct DefenderFilter {
    pub country_codes: Option<Vec<String>>,
    pub subdivision_codes: Option<Vec<String>>,
    pub statuses: Option<Vec<DefenderStatus>>,
    pub sectors: Option<Vec<Sector>>,
    /// Defenders with at least one case event matching.
    pub case_events: Option<CaseEventCriteria>,
    /// Only these defenders, or those they were merged into (one merge
    /// deep): the links a record held at a past moment, as they live on now
    /// (never from a client's filter).
    pub ids: Option<Vec<Uuid>>,
}

/// Case events of some kinds, in a date range.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct CaseEventCriteria {
    pub kinds: Option<Vec<CaseEventKind>>,
    pub dates: DateRange,
}

impl CaseEventCriteria {
    /// The conditions on `case_event` rows.
    pub fn conditions(&self) -> Vec<Expr> {
        [
            any_of(case_event::Column::Kind, &self.kinds),
            self.dates.condition(col::<case_event::Entity>(case_event::Column::OccurredOn)),
        ]
        .into_iter()
        .flatten()
        .collect()
    }
}

/// Parents defenders are listed under.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DefenderVia {
    Country,
    Subdivision,
    /// The defenders a restriction concerns.
    Restriction,
    /// The defenders a campaign works for.
    Campaign,
}

/// Defenders.
pub struct Defenders;

impl Listing for Defenders {
    type Entity = defender::Entity;
    type Via = DefenderVia;
    type Filter = DefenderFilter;
    type Order = RecordOrder;

    fn spec(order: RecordOrder) -> SortSpec<defender::Model> {
        record_spec::<defender::Entity>(order)
    }

    fn select(viewer: &Viewer, filter: &DefenderFilter) -> Select<defender::Entity> {
        let in_sectors = filter.sectors.as_ref().map(|sectors| {
            col::<defender::Entity>(defender::Column::Id).in_subquery(
                Query::select()
                    .column(defender_sector::Column::DefenderId)
                    .from(defender_sector::Entity)
                    .and_where(defender_sector::Column::Sector.is_in(sectors.iter().copied()))
                    .take(),
            )
        });
        let with_events = filter.case_events.as_ref().map(|criteria| {
            let mut events = Query::select();
            events.column(case_event::Column::DefenderId).from(case_event::Entity);
            for condition in criteria.conditions() {
                events.and_where(condition);
            }
            col::<defender::Entity>(defender::Column::Id).in_subquery(events.take())
        });
        let among = filter.ids.as_ref().map(|ids| {
            let survivors = Query::select()
                .column(defender::Column::MergedIntoId)
                .from(defender::Entity)
                .and_where(defender::Column::Id.is_in(ids.iter().copied()))
                .take();
            let id = col::<defender::Entity>(defender::Column::Id);
            id.clone().is_in(ids.iter().copied()).or(id.in_subquery(survivors))
        });
        filtered(
            defender::Entity::find().filter(viewer.can_see(defender::Entity)),
            [
                any_of(defender::Column::CountryCode, &filter.country_codes),
                any_of(defender::Column::SubdivisionCode, &filter.subdivision_codes),
                any_of(defender::Column::Status, &filter.statuses),
                in_sectors,
                with_events,
                among,
            ],
        )
    }

    fn via(viewer: &Viewer, via: DefenderVia, filter: &DefenderFilter) -> (Select<defender::Entity>, ParentColumn) {
        let select = Self::select(viewer, filter);
        let defender_id = (defender::Entity, defender::Column::Id);
        match via {
            DefenderVia::Country => (select, parent::<defender::Entity>(defender::Column::CountryCode)),
            DefenderVia::Subdivision => (select, parent::<defender::Entity>(defender::Column::SubdivisionCode)),
            DefenderVia::Restriction => (
                joined(
                    select,
                    "defender_restriction",
                    col::<defender_restriction::Entity>(defender_restriction::Column::DefenderId).equals(defender_id),
                ),
                parent::<defender_restriction::Entity>(defender_restriction::Column::RestrictionId),
            ),
            DefenderVia::Campaign => (
                joined(
                    select,
                    "campaign_defender",
                    col::<campaign_defender::Entity>(campaign_defender::Column::DefenderId).equals(defender_id),
                ),
                parent::<campaign_defender::Entity>(campaign_defender::Column::CampaignId),
            ),
        }
    }
}

/// The defenders a restriction concerned at `at` (their links to it are
/// their own, and logged with them): two statements, whatever the history.
pub async fn concerned_then<C: ConnectionTrait>(db: &C, restriction: Uuid, at: DateTime<Utc>) -> AppResult<Vec<Uuid>> {
    let now: Vec<Uuid> = defender_restriction::Entity::find()
        .select_only()
        .column(defender_restriction::Column::DefenderId)
        .filter(defender_restriction::Column::RestrictionId.eq(restriction))
        .into_tuple()
        .all(db)
        .await?;
    crate::service::as_of::holders_then(db, (Audited::Defender, "restrictionLinks"), restriction, at, now).await
}

/// Other names of each defender, in order of name.
pub async fn other_names<C: ConnectionTrait>(
    db: &C,
    defender_ids: &[Uuid],
) -> AppResult<HashMap<Uuid, Vec<defender_name::Model>>> {
    let mut names: HashMap<Uuid, Vec<defender_name::Model>> = HashMap::new();
    for name in defender_name::Entity::find()
        .filter(defender_name::Column::DefenderId.is_in(defender_ids.iter().copied()))
        .order_by_asc(defender_name::Column::SortKey)
        .order_by_asc(defender_name::Column::Id)
        .all(db)
        .await?
    {
        names.entry(name.defender_id).or_default().push(name);
    }
    Ok(names)
}

/// Sectors of each defender.
pub async fn sectors<C: ConnectionTrait>(db: &C, defender_ids: &[Uuid]) -> AppResult<HashMap<Uuid, Vec<Sector>>> {
    let mut sectors: HashMap<Uuid, Vec<Sector>> = HashMap::new();
    for row in defender_sector::Entity::find()
        .filter(defender_sector::Column::DefenderId.is_in(defender_ids.iter().copied()))
        .order_by_asc(defender_sector::Column::Sector)
        .all(db)
        .await?
    {
        sectors.entry(row.defender_id).or_default().push(row.sector);
    }
    Ok(sectors)
}

/// Parents case events are listed under.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CaseEventVia {
    /// A defender's timeline.
    Defender,
}

/// Case events, in date order; undated events come first.
pub struct CaseEvents;

impl Listing for CaseEvents {
    type Entity = case_event::Entity;
    type Via = CaseEventVia;
    type Filter = ();
    type Order = ();

    fn spec(_order: ()) -> SortSpec<case_event::Model> {
        SortSpec {
            tag: "DATE".into(),
            keys: vec![
                SortKey::partial_date(
                    col::<case_event::Entity>(case_event::Column::OccurredOn),
                    |m: &case_event::Model| m.occurred_on.as_ref(),
                ),
                SortKey::id(col::<case_event::Entity>(case_event::Column::Id), |m: &case_event::Model| m.id),
            ],
        }
    }

    /// Events of defenders the viewer may see.
    fn select(viewer: &Viewer, _filter: &()) -> Select<case_event::Entity> {
        joined(
            case_event::Entity::find(),
            "defender",
            col::<defender::Entity>(defender::Column::Id).equals((case_event::Entity, case_event::Column::DefenderId)),
        )
        .filter(viewer.can_see(defender::Entity))
    }

    fn via(viewer: &Viewer, via: CaseEventVia, filter: &()) -> (Select<case_event::Entity>, ParentColumn) {
        match via {
            CaseEventVia::Defender => {
                (Self::select(viewer, filter), parent::<case_event::Entity>(case_event::Column::DefenderId))
            }
        }
    }
}

/// Case events by id, where the viewer may see their defender.
pub async fn case_events_by_id<C: ConnectionTrait>(
    db: &C,
    viewer: &Viewer,
    ids: &[Uuid],
) -> AppResult<HashMap<Uuid, case_event::Model>> {
    Ok(CaseEvents::select(viewer, &())
        .filter(case_event::Column::Id.is_in(ids.iter().copied()))
        .all(db)
        .await?
        .into_iter()
        .map(|event| (event.id, event))
        .collect())
}

/// Parents affiliations are listed under.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AffiliationVia {
    /// A defender's organisations.
    Defender,
    /// An organisation's people.
    Organisation,
}

/// Affiliations of defenders to organisations, oldest first.
pub struct Affiliations;

impl Listing for Affiliations {
    type Entity = affiliation::Entity;
    type Via = AffiliationVia;
    type Filter = ();
    type Order = ();

    fn spec(_order: ()) -> SortSpec<affiliation::Model> {
        SortSpec {
            tag: "DATE".into(),
            keys: vec![
                SortKey::partial_date(
                    col::<affiliation::Entity>(affiliation::Column::StartedOn),
                    |m: &affiliation::Model| m.started_on.as_ref(),
                ),
                SortKey::id(col::<affiliation::Entity>(affiliation::Column::Id), |m: &affiliation::Model| m.id),
            ],
        }
    }

    /// Affiliations where the viewer may see both the defender and the organisation.
    fn select(viewer: &Viewer, _filter: &()) -> Select<affiliation::Entity> {
        let select = joined(
            affiliation::Entity::find(),
            "defender",
            col::<defender::Entity>(defender::Column::Id)
                .equals((affiliation::Entity, affiliation::Column::DefenderId)),
        );
        joined(
            select,
            "organisation",
            col::<organisation::Entity>(organisation::Column::Id)
                .equals((affiliation::Entity, affiliation::Column::OrganisationId)),
        )
        .filter(viewer.can_see(defender::Entity))
        .filter(viewer.can_see(organisation::Entity))
    }

    fn via(viewer: &Viewer, via: AffiliationVia, filter: &()) -> (Select<affiliation::Entity>, ParentColumn) {
        let column = match via {
            AffiliationVia::Defender => affiliation::Column::DefenderId,
            AffiliationVia::Organisation => affiliation::Column::OrganisationId,
        };
        (Self::select(viewer, filter), parent::<affiliation::Entity>(column))
    }
}

/// Affiliations by id, where the viewer may see both the defender and the organisation.
pub async fn affiliations_by_id<C: ConnectionTrait>(
    db: &C,
    viewer: &Viewer,
    ids: &[Uuid],
) -> AppResult<HashMap<Uuid, affiliation::Model>> {
    Ok(Affiliations::select(viewer, &())
        .filter(affiliation::Column::Id.is_in(ids.iter().copied()))
        .all(db)
        .await?
        .into_iter()
        .map(|a| (a.id, a))
        .collect())
}
