//! Sources and the citations that link records to them.

pub mod edits;

use std::collections::HashMap;

use entity::{citation, source};
use sea_orm::sea_query::ExprTrait;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Select};
use uuid::Uuid;

use crate::error::AppResult;
use crate::service::Viewer;
use crate::service::query::listing::{Listing, col, joined, parent};
use crate::service::query::pagination::{ParentColumn, SortSpec};
use crate::service::query::records::{RecordOrder, record_spec};

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

/// Where in each source each record's facts stand, for (record, source)
/// pairs: the locators of the record's citations of that source.
pub async fn locators<C: ConnectionTrait>(
    db: &C,
    pairs: &[(Uuid, Uuid)],
) -> AppResult<HashMap<(Uuid, Uuid), Vec<String>>> {
    let records: Vec<Uuid> = pairs.iter().map(|(record, _)| *record).collect();
    let sources: Vec<Uuid> = pairs.iter().map(|(_, source)| *source).collect();
    let mut found: HashMap<(Uuid, Uuid), Vec<String>> = HashMap::new();
    for citation in citation::Entity::find()
        .filter(citation::Column::RecordId.is_in(records))
        .filter(citation::Column::SourceId.is_in(sources))
        .order_by_asc(citation::Column::Id)
        .all(db)
        .await?
    {
        let pair = (citation.record_id, citation.source_id);
        if let (true, Some(locator)) = (pairs.contains(&pair), citation.locator) {
            found.entry(pair).or_default().push(locator);
        }
    }
    Ok(found)
}
