//! Sources and the citations that link records to them.

pub mod edits;

use std::collections::{BTreeSet, HashMap, HashSet};

use entity::{citation, source};
use sea_orm::sea_query::ExprTrait;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Select};
use uuid::Uuid;

use crate::error::{AppError, AppResult};
use crate::service::Viewer;
use crate::service::as_of::Past;
use crate::service::query::listing::{Listing, any_of, col, filtered, joined, parent};
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

/// Which sources to list: those with these ids, or all.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct SourceFilter {
    pub ids: Option<Vec<Uuid>>,
}

/// Sources.
pub struct Sources;

impl Listing for Sources {
    type Entity = source::Entity;
    /// Sources are listed under the records that cite them.
    type Via = CitingRecord;
    type Filter = SourceFilter;
    type Order = RecordOrder;

    fn spec(order: RecordOrder) -> SortSpec<source::Model> {
        record_spec::<source::Entity>(order)
    }

    fn select(viewer: &Viewer, filter: &SourceFilter) -> Select<source::Entity> {
        let select = source::Entity::find().filter(viewer.can_see(source::Entity));
        filtered(select, [any_of(source::Column::Id, &filter.ids)])
    }

    fn via(viewer: &Viewer, via: CitingRecord, filter: &SourceFilter) -> (Select<source::Entity>, ParentColumn) {
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

/// The sources a record cited at the moment of `past`, whatever their
/// visibility (the caller lists them through the visibility rule); in one
/// statement. A citation still kept counts from when it was made, unless
/// a merge since brought it in (`brought`: citation ids). One removed since
/// counts by the removal's logged record of the citations it removed and
/// when each was made; for a removal logged without it (older logs), a
/// source counts as cited then when the oldest change of it since is its
/// removal.
pub async fn cited_then<C: ConnectionTrait>(
    db: &C,
    (record, id): (CitingRecord, Uuid),
    past: &Past,
    brought: &HashSet<Uuid>,
) -> AppResult<Vec<Uuid>> {
    let kept = citation::Entity::find()
        .filter(citation::Column::RecordType.eq(record.as_str()))
        .filter(citation::Column::RecordId.eq(id))
        .all(db)
        .await?;
    let mut then: BTreeSet<Uuid> = kept
        .iter()
        .filter(|citation| citation.created_at <= past.at && !brought.contains(&citation.id))
        .map(|citation| citation.source_id)
        .collect();
    let mut changed_since: HashSet<Uuid> = HashSet::new();
    for (from, to) in &past.sources_since {
        let named = from.as_ref().or(to.as_ref()).and_then(|value| value.get("source")).map(|source| {
            serde_json::from_value::<Uuid>(source.clone())
                .map_err(|error| AppError::Internal(anyhow::anyhow!("a logged citation cannot be read: {error}")))
        });
        let Some(source) = named.transpose()? else { continue };
        let first = changed_since.insert(source);
        let Some(removal) = from else { continue };
        let cited_before = match removal.get("removed") {
            Some(removed) => serde_json::from_value::<Vec<RemovedCitation>>(removed.clone())
                .map_err(|error| AppError::Internal(anyhow::anyhow!("a logged citation cannot be read: {error}")))?
                .iter()
                .any(|citation| citation.created_at <= past.at && !brought.contains(&citation.id)),
            None => first,
        };
        if cited_before {
            then.insert(source);
        }
    }
    Ok(then.into_iter().collect())
}

/// A citation as a removal logs it.
#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct RemovedCitation {
    id: Uuid,
    created_at: chrono::DateTime<chrono::Utc>,
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
