//! Sources and the citations that link records to them.

use entity::{citation, source};
use sea_orm::sea_query::ExprTrait;
use sea_orm::{EntityTrait, QueryFilter, Select};

use super::Viewer;
use super::listing::{Listing, col, joined, parent};
use super::pagination::{ParentColumn, SortSpec};
use super::records::{RecordOrder, record_spec};

/// The kinds of record that cite sources, named as their GraphQL types.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CitingRecord {
    Organisation,
    Defender,
    Restriction,
    Campaign,
    Indicator,
}

impl CitingRecord {
    /// The value stored in `citation.record_type`.
    pub fn as_str(self) -> &'static str {
        match self {
            CitingRecord::Organisation => "Organisation",
            CitingRecord::Defender => "Defender",
            CitingRecord::Restriction => "Restriction",
            CitingRecord::Campaign => "Campaign",
            CitingRecord::Indicator => "Indicator",
        }
    }
}

/// Sources.
pub struct Sources;

impl Listing for Sources {
    type Entity = source::Entity;
    /// Sources are listed under the records that cite them.
    type Via = CitingRecord;
    type Filter = ();
    type Order = RecordOrder;

    fn spec(order: RecordOrder) -> SortSpec<source::Model> {
        record_spec::<source::Entity>(order)
    }

    fn select(viewer: &Viewer, _filter: &()) -> Select<source::Entity> {
        source::Entity::find().filter(viewer.can_see(source::Entity))
    }

    fn via(viewer: &Viewer, via: CitingRecord, filter: &()) -> (Select<source::Entity>, ParentColumn) {
        (
            joined(
                Self::select(viewer, filter),
                "citation",
                col::<citation::Entity>(citation::Column::SourceId)
                    .equals((source::Entity, source::Column::Id))
                    .and(col::<citation::Entity>(citation::Column::RecordType).eq(via.as_str())),
            ),
            parent::<citation::Entity>(citation::Column::RecordId),
        )
    }
}
