//! Reading statements, each as the viewer may see it: on records it may see,
//! from organisations and sources it may see, naming records it may see
//! ([`visible`]). In a number of statements fixed by the request, however
//! many records.

use std::collections::HashMap;

use entity::{defender, organisation, restriction, source, statement};
use sea_orm::sea_query::{Alias, Condition, Expr, ExprTrait, Query, SelectStatement};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

use crate::error::AppResult;
use crate::service::Viewer;
use crate::service::audit::Audited;
use crate::service::duplicates::{Mergeable, merges};
use crate::service::statements::facts::{PropType, properties};
use crate::service::visibility::Governed;

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
        .filter(visible(viewer))
        .order_by_asc(statement::Column::Property)
        .order_by_desc(statement::Column::Current)
        .order_by_desc(statement::Column::LastSeen)
        .order_by_asc(statement::Column::Id)
        .all(db)
        .await?;
    let mut found: HashMap<(Audited, Uuid), Vec<statement::Model>> = HashMap::new();
    for row in rows {
        let Some(record) = shown_on.get(&row.record_id).copied() else { continue };
        if row.record_type == record.0.table() {
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

/// Whether the viewer may see a statement, on top of its record (which
/// the caller checks): its organisation, its source and, for a link, the
/// record its value names must be ones the viewer may see, and its property
/// one this version knows. The one rule, in SQL, for the statements of
/// records, the audit log and the change feed alike.
pub fn visible(viewer: &Viewer) -> Condition {
    let ids_of = |table: Audited| -> SelectStatement {
        match table {
            Audited::Organisation => seen::<organisation::Entity>(viewer),
            Audited::Source => seen::<source::Entity>(viewer),
            Audited::Restriction => seen::<restriction::Entity>(viewer),
            _ => seen::<defender::Entity>(viewer),
        }
    };
    let column = |c: statement::Column| Expr::col((statement::Entity, c));
    let mut known = Condition::any();
    for kind in [Audited::Defender, Audited::Restriction, Audited::Campaign] {
        let mut of_kind = Condition::all().add(column(statement::Column::RecordType).eq(kind.table()));
        let names: Vec<&str> = properties(kind).iter().map(|p| p.name).collect();
        of_kind = of_kind.add(column(statement::Column::Property).is_in(names));
        for property in properties(kind) {
            let PropType::Entity(target) = property.prop_type else { continue };
            let names_it = column(statement::Column::Property).eq(property.name);
            let seen_value = column(statement::Column::LinkedId).in_subquery(ids_of(target));
            of_kind = of_kind.add(names_it.not().or(seen_value));
        }
        known = known.add(of_kind);
    }
    Condition::all()
        .add(
            column(statement::Column::OrganisationId)
                .is_null()
                .or(column(statement::Column::OrganisationId).in_subquery(ids_of(Audited::Organisation))),
        )
        .add(
            column(statement::Column::SourceId)
                .is_null()
                .or(column(statement::Column::SourceId).in_subquery(ids_of(Audited::Source))),
        )
        .add(known)
}

/// Whether an audit entry whose `statement` column names the statement it
/// is about (if any) may be shown to the viewer: only if it may see that
/// statement.
pub fn entry_shown(viewer: &Viewer, statement: Expr) -> sea_orm::sea_query::SimpleExpr {
    let visible_ids = Query::select()
        .column((statement::Entity, statement::Column::Id))
        .from(statement::Entity)
        .cond_where(visible(viewer))
        .take();
    statement.clone().is_null().or(statement.in_subquery(visible_ids))
}

/// The ids of the records of `E` the viewer may see.
fn seen<E: Governed>(viewer: &Viewer) -> SelectStatement {
    Query::select()
        .expr(Expr::col((E::default(), Alias::new("id"))))
        .from(E::default())
        .cond_where(viewer.can_see(E::default()))
        .take()
}
