//! Organisations.

use entity::{OrganisationKind, organisation};
use sea_orm::{EntityTrait, QueryFilter, Select};

use super::Viewer;
use super::listing::{Listing, any_of, filtered, parent};
use super::pagination::{ParentColumn, SortSpec};
use super::records::{RecordOrder, record_spec};

/// A validated organisation filter.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct OrganisationFilter {
    pub country_codes: Option<Vec<String>>,
    pub kinds: Option<Vec<OrganisationKind>>,
}

/// Parents organisations are listed under.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum OrganisationVia {
    /// Organisations based in a country.
    Country,
}

/// Organisations.
pub struct Organisations;

impl Listing for Organisations {
    type Entity = organisation::Entity;
    type Via = OrganisationVia;
    type Filter = OrganisationFilter;
    type Order = RecordOrder;

    fn spec(order: RecordOrder) -> SortSpec<organisation::Model> {
        record_spec::<organisation::Entity>(order)
    }

    fn select(viewer: &Viewer, filter: &OrganisationFilter) -> Select<organisation::Entity> {
        filtered(
            organisation::Entity::find().filter(viewer.can_see(organisation::Entity)),
            [
                any_of(organisation::Column::CountryCode, &filter.country_codes),
                any_of(organisation::Column::Kind, &filter.kinds),
            ],
        )
    }

    fn via(
        viewer: &Viewer,
        via: OrganisationVia,
        filter: &OrganisationFilter,
    ) -> (Select<organisation::Entity>, ParentColumn) {
        match via {
            OrganisationVia::Country => {
                (Self::select(viewer, filter), parent::<organisation::Entity>(organisation::Column::CountryCode))
            }
        }
    }
}
