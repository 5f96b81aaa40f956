//! Statements written with the record: a creation states every fact as the
//! creating organisation's; an update states what the writer changed, and
//! ends the writer's own statements of the values it replaced. Other
//! organisations' statements are never touched. A few statements per write
//! (or per import batch), however many facts.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use entity::{StatementStatus, statement};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use crate::error::AppResult;
use crate::service::audit::Audited;
use crate::service::statements::Fact;
use crate::service::statements::facts::{EVENT_DESCRIPTION, EventText, PropType, property_of};
use crate::service::write::insert_rows;

/// A new statement's row.
pub fn row(
    (table, record): (&str, Uuid),
    fact: &Fact,
    organisation: Option<Uuid>,
    status: StatementStatus,
    (first_seen, last_seen): (DateTime<Utc>, DateTime<Utc>),
) -> statement::ActiveModel {
    statement::ActiveModel {
        id: Set(Uuid::now_v7()),
        record_type: Set(table.to_owned()),
        record_id: Set(record),
        property: Set(fact.property.to_owned()),
        value: Set(fact.value.clone()),
        language: Set(fact.language.clone()),
        organisation_id: Set(organisation),
        source_id: Set(None),
        locator: Set(None),
        status: Set(status),
        current: Set(status != StatementStatus::Rejected),
        first_seen: Set(first_seen),
        last_seen: Set(last_seen),
        linked_id: Set(linked_id(table, fact)),
    }
}

/// The record a link's value names; none for other facts.
fn linked_id(table: &str, fact: &Fact) -> Option<Uuid> {
    let property = property_of(Audited::of_table(table)?, fact.property)?;
    matches!(property.prop_type, PropType::Entity(_)).then(|| Uuid::parse_str(&fact.value).ok()).flatten()
}

/// States every fact of records just created, as `organisation`'s.
pub async fn created<C: ConnectionTrait>(
    db: &C,
    table: &str,
    organisation: Option<Uuid>,
    records: &[(Uuid, Vec<Fact>)],
) -> AppResult<()> {
    let now = Utc::now();
    let rows = records
        .iter()
        .flat_map(|(id, facts)| {
            facts.iter().map(move |fact| row((table, *id), fact, organisation, StatementStatus::Asserted, (now, now)))
        })
        .collect();
    insert_rows(db, rows).await
}

/// States what an update changed, as `organisation`'s: the values it added
/// are asserted (a value it had stated before is current again, seen now),
/// and its own statements of the values it removed are no longer current.
pub async fn updated<C: ConnectionTrait>(
    db: &C,
    (table, record): (&str, Uuid),
    kind: Audited,
    organisation: Uuid,
    before: &[Fact],
    after: &[Fact],
) -> AppResult<()> {
    let old: HashSet<&Fact> = before.iter().collect();
    let new: HashSet<&Fact> = after.iter().collect();
    let added: Vec<&Fact> = after.iter().filter(|f| !old.contains(f)).collect();
    let removed: Vec<&Fact> = before.iter().filter(|f| !new.contains(f)).collect();
    if added.is_empty() && removed.is_empty() {
        return Ok(());
    }
    let properties: HashSet<&str> = added.iter().chain(&removed).map(|f| f.property).collect();
    let own = statement::Entity::find()
        .filter(statement::Column::RecordId.eq(record))
        .filter(statement::Column::OrganisationId.eq(organisation))
        .filter(statement::Column::Status.eq(StatementStatus::Asserted))
        .filter(statement::Column::Property.is_in(properties))
        .all(db)
        .await?;
    let key = |s: &statement::Model| (s.property.clone(), s.value.clone(), s.language.clone());
    let mut by_fact: HashMap<(String, String, Option<String>), Uuid> = HashMap::new();
    for statement in &own {
        by_fact.insert(key(statement), statement.id);
    }
    let fact_key = |f: &Fact| (f.property.to_owned(), f.value.clone(), f.language.clone());
    // A single value replaced ends all the writer's own statements of it
    // (in no language); a list's removed values end theirs.
    let replaced: HashSet<&str> = added
        .iter()
        .filter(|f| f.language.is_none() && property_of(kind, f.property).is_some_and(|p| p.single))
        .map(|f| f.property)
        .collect();
    let ended: Vec<Uuid> = own
        .iter()
        .filter(|s| {
            let replaced = replaced.contains(s.property.as_str()) && s.language.is_none();
            replaced || removed.iter().any(|f| fact_key(f) == key(s))
        })
        .filter(|s| !added.iter().any(|f| fact_key(f) == key(s)))
        .map(|s| s.id)
        .collect();
    let renewed: Vec<Uuid> = added.iter().filter_map(|f| by_fact.get(&fact_key(f)).copied()).collect();
    let now = Utc::now();
    statement::Entity::update_many()
        .col_expr(statement::Column::Current, Expr::value(false))
        .filter(statement::Column::Id.is_in(ended))
        .exec(db)
        .await?;
    statement::Entity::update_many()
        .col_expr(statement::Column::Current, Expr::value(true))
        .col_expr(statement::Column::LastSeen, Expr::value(now))
        .filter(statement::Column::Id.is_in(renewed))
        .exec(db)
        .await?;
    let fresh = added
        .into_iter()
        .filter(|f| !by_fact.contains_key(&fact_key(f)))
        .map(|f| row((table, record), f, Some(organisation), StatementStatus::Asserted, (now, now)))
        .collect();
    insert_rows(db, fresh).await
}

/// Ends the descriptions in other languages of a defender's case events
/// that an update removed (every event but `kept`), whoever stated them:
/// they describe nothing any more. They stay, no longer current.
pub async fn events_removed<C: ConnectionTrait>(db: &C, defender: Uuid, kept: &[Uuid]) -> AppResult<()> {
    let mut about_removed = Condition::all()
        .add(statement::Column::RecordId.eq(defender))
        .add(statement::Column::Property.eq(EVENT_DESCRIPTION))
        .add(statement::Column::Current.eq(true));
    for event in kept {
        about_removed = about_removed.add(statement::Column::Value.starts_with(EventText::prefix(*event)).not());
    }
    statement::Entity::update_many()
        .col_expr(statement::Column::Current, Expr::value(false))
        .filter(about_removed)
        .exec(db)
        .await?;
    Ok(())
}
