//! Reading statements, each as the viewer may see it: on records it may see,
//! from organisations and sources it may see, naming records it may see. In
//! a number of statements fixed by the request, however many records.

use std::collections::{HashMap, HashSet};

use entity::{defender, organisation, restriction, source, statement};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

use crate::error::AppResult;
use crate::service::Viewer;
use crate::service::audit::Audited;
use crate::service::duplicates::{Mergeable, merges};
use crate::service::query::records::visible_by_id;
use crate::service::statements::facts::{PropType, property_of};

/// Which statements of a record to show.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct StatementFilter {
    /// Only statements of this property.
    pub property: Option<String>,
    /// Only statements of this organisation.
    pub organisation: Option<Uuid>,
}

impl StatementFilter {
    fn keeps(&self, statement: &statement::Model) -> bool {
        self.property.as_ref().is_none_or(|p| *p == statement.property)
            && self.organisation.is_none_or(|o| statement.organisation_id == Some(o))
    }
}

/// The statements of records the caller has checked the viewer may see,
/// each list in a stable order: by property, current ones first, then
/// newest first. Statements of records merged into one are shown on it.
pub async fn of_records<C: ConnectionTrait>(
    db: &C,
    viewer: &Viewer,
    records: &[(Audited, Uuid)],
) -> AppResult<HashMap<(Audited, Uuid), Vec<statement::Model>>> {
    let defenders: Vec<Uuid> = records.iter().filter(|(k, _)| *k == Audited::Defender).map(|(_, id)| *id).collect();
    let absorbed = merges::merged_ids(db, Mergeable::Defender, &defenders).await?;
    // Which record each statement's record shows on.
    let mut shown_on: HashMap<Uuid, (Audited, Uuid)> = records.iter().map(|r| (r.1, *r)).collect();
    for (survivor, ids) in &absorbed {
        for id in ids {
            shown_on.entry(*id).or_insert((Audited::Defender, *survivor));
        }
    }
    let rows = statement::Entity::find()
        .filter(statement::Column::RecordId.is_in(shown_on.keys().copied()))
        .order_by_asc(statement::Column::Property)
        .order_by_desc(statement::Column::Current)
        .order_by_desc(statement::Column::LastSeen)
        .order_by_asc(statement::Column::Id)
        .all(db)
        .await?;
    let visible = Sight::read(db, viewer, &rows, &shown_on).await?;
    let mut found: HashMap<(Audited, Uuid), Vec<statement::Model>> = HashMap::new();
    for row in rows {
        let Some(record) = shown_on.get(&row.record_id).copied() else { continue };
        if row.record_type == record.0.table() && visible.sees(record.0, &row) {
            found.entry(record).or_default().push(row);
        }
    }
    Ok(found)
}

/// The statements as they stood at `at`: those first seen by then that
/// were still stated then (current now, or last seen at or after `at`),
/// each current as it was then. A statement a write ended counts until
/// its `lastSeen`.
pub fn then(statements: Vec<statement::Model>, at: chrono::DateTime<chrono::Utc>) -> Vec<statement::Model> {
    statements
        .into_iter()
        .filter(|s| s.first_seen <= at && (s.current || s.last_seen >= at))
        .map(|mut s| {
            s.current = s.status != entity::StatementStatus::Rejected;
            s
        })
        .collect()
}

/// Keeps the statements a filter asks for.
pub fn filtered(statements: Vec<statement::Model>, filter: &StatementFilter) -> Vec<statement::Model> {
    statements.into_iter().filter(|s| filter.keeps(s)).collect()
}

/// Which organisations, sources and linked records the viewer may see,
/// among those some statements name.
struct Sight {
    organisations: HashSet<Uuid>,
    sources: HashSet<Uuid>,
    linked: HashSet<Uuid>,
}

impl Sight {
    async fn read<C: ConnectionTrait>(
        db: &C,
        viewer: &Viewer,
        rows: &[statement::Model],
        shown_on: &HashMap<Uuid, (Audited, Uuid)>,
    ) -> AppResult<Sight> {
        let organisations: Vec<Uuid> = rows.iter().filter_map(|r| r.organisation_id).collect();
        let sources: Vec<Uuid> = rows.iter().filter_map(|r| r.source_id).collect();
        let mut links: HashMap<Audited, Vec<Uuid>> = HashMap::new();
        for row in rows {
            let Some(kind) = shown_on.get(&row.record_id).map(|r| r.0) else { continue };
            if let Some(PropType::Entity(target)) = property_of(kind, &row.property).map(|p| p.prop_type)
                && let Ok(id) = Uuid::parse_str(&row.value)
            {
                links.entry(target).or_default().push(id);
            }
        }
        let mut linked_organisations = organisations;
        linked_organisations.extend(links.remove(&Audited::Organisation).unwrap_or_default());
        let organisations: HashSet<Uuid> =
            visible_by_id::<organisation::Entity, _>(db, viewer, &linked_organisations).await?.into_keys().collect();
        let sources = visible_by_id::<source::Entity, _>(db, viewer, &sources).await?.into_keys().collect();
        let mut linked: HashSet<Uuid> = organisations.clone();
        let restrictions = links.remove(&Audited::Restriction).unwrap_or_default();
        linked.extend(visible_by_id::<restriction::Entity, _>(db, viewer, &restrictions).await?.into_keys());
        let defenders = links.remove(&Audited::Defender).unwrap_or_default();
        linked.extend(visible_by_id::<defender::Entity, _>(db, viewer, &defenders).await?.into_keys());
        Ok(Sight { organisations, sources, linked })
    }

    fn sees(&self, kind: Audited, row: &statement::Model) -> bool {
        let organisation = row.organisation_id.is_none_or(|id| self.organisations.contains(&id));
        let source = row.source_id.is_none_or(|id| self.sources.contains(&id));
        let value = match property_of(kind, &row.property).map(|p| p.prop_type) {
            Some(PropType::Entity(_)) => Uuid::parse_str(&row.value).is_ok_and(|id| self.linked.contains(&id)),
            Some(_) => true,
            // A property this version does not know is shown to no one.
            None => false,
        };
        organisation && source && value
    }
}
