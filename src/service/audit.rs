//! The append-only audit log. Entries are written in the same transaction as
//! the change they describe; nothing in the API updates or deletes them.

use chrono::Utc;
use entity::{AuditAction, audit_entry, audit_trail};
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ConnectionTrait, EntityTrait, QueryFilter, Select};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::AppResult;
use crate::service::query::listing::{Listing, col, parent};
use crate::service::query::pagination::{CursorValue, ParentColumn, SortKey, SortSpec, ValueKind};
use crate::service::{Member, Viewer};

/// How a changed value may be shown, decided when the entry is written and
/// applied each time it is read: the log never decides by field name, and a
/// grant given or withdrawn later changes what each viewer is shown.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Class {
    /// Shown only to viewers who now hold confidential access to the record
    /// (its contributor, and organisations it shared the record with
    /// confidential access). Being the entry's author does not count.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub confidential: bool,
    /// The value is the id of a record of this kind, or a list of such ids:
    /// each id is shown only to viewers who can now see that record.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refers_to: Option<Audited>,
    /// The value is an entry (an object) or a list of entries, whose fields
    /// name records: see [`EntryRef`].
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub entries: Vec<EntryRef>,
}

/// A field of an entry that names a record.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EntryRef {
    /// The entry's field holding the id.
    pub field: String,
    /// The kind of record it names.
    pub record: Audited,
    /// Whether an entry naming a record the viewer cannot see is left out
    /// whole (an affiliation, a link: its role or note belongs to the hidden
    /// record) or keeps its other fields with this one withheld (a case
    /// event that cites a hidden restriction).
    pub whole: bool,
}

impl Class {
    /// A value anyone who sees the record may see.
    pub const PLAIN: Class = Class { confidential: false, refers_to: None, entries: Vec::new() };

    /// A confidential value.
    pub const fn confidential() -> Class {
        Class { confidential: true, refers_to: None, entries: Vec::new() }
    }

    /// The id of a record of this kind, or a list of such ids.
    pub const fn refers_to(record: Audited) -> Class {
        Class { confidential: false, refers_to: Some(record), entries: Vec::new() }
    }

    /// Entries whose `fields` name records: `(field, kind, whole)`.
    pub fn entries(fields: &[(&str, Audited, bool)]) -> Class {
        let entries =
            fields.iter().map(|&(field, record, whole)| EntryRef { field: field.to_owned(), record, whole }).collect();
        Class { confidential: false, refers_to: None, entries }
    }

    /// This class, confidential as well.
    pub fn and_confidential(mut self) -> Class {
        self.confidential = true;
        self
    }
}

/// One field's change.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Change {
    pub field: String,
    pub from: Option<serde_json::Value>,
    pub to: Option<serde_json::Value>,
    /// How its values may be shown.
    pub class: Class,
}

impl Change {
    /// The change of `field` from `from` to `to`, if they differ.
    pub fn of<T: Serialize + PartialEq>(field: &str, from: &T, to: &T, class: Class) -> Option<Change> {
        (from != to).then(|| Change {
            field: field.to_owned(),
            from: serde_json::to_value(from).ok().filter(|v| !v.is_null()),
            to: serde_json::to_value(to).ok().filter(|v| !v.is_null()),
            class,
        })
    }

    /// A change of `field` with values given as JSON.
    pub fn values(field: &str, from: Option<serde_json::Value>, to: Option<serde_json::Value>, class: Class) -> Change {
        Change { field: field.to_owned(), from, to, class }
    }

    /// The records its values name, by kind.
    pub fn references(&self) -> Vec<(Audited, Uuid)> {
        let mut found = Vec::new();
        for value in [&self.from, &self.to].into_iter().flatten() {
            if let Some(kind) = self.class.refers_to {
                found.extend(ids_in(value).map(|id| (kind, id)));
            }
            for entry in entries_in(value) {
                for reference in &self.class.entries {
                    if let Some(id) = entry.get(&reference.field).and_then(id_of) {
                        found.push((reference.record, id));
                    }
                }
            }
        }
        found
    }
}

fn id_of(value: &serde_json::Value) -> Option<Uuid> {
    value.as_str().and_then(|text| Uuid::parse_str(text).ok())
}

/// The ids in a value that is an id or a list of ids.
fn ids_in(value: &serde_json::Value) -> impl Iterator<Item = Uuid> + '_ {
    let items: Box<dyn Iterator<Item = &serde_json::Value>> = match value {
        serde_json::Value::Array(items) => Box::new(items.iter()),
        single => Box::new(std::iter::once(single)),
    };
    items.filter_map(id_of)
}

/// The entries of a value that is an entry or a list of entries.
fn entries_in(value: &serde_json::Value) -> Vec<&serde_json::Map<String, serde_json::Value>> {
    match value {
        serde_json::Value::Array(items) => items.iter().filter_map(|item| item.as_object()).collect(),
        serde_json::Value::Object(entry) => vec![entry],
        _ => Vec::new(),
    }
}

/// What a viewer may know when a change is shown.
pub struct Sight<'a> {
    /// Whether the viewer now holds confidential access to the changed record.
    pub confidential: bool,
    /// Whether the viewer can now see a record the change names.
    pub sees: &'a dyn Fn(Audited, Uuid) -> bool,
}

/// A change as one viewer may see it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ShownChange {
    pub field: String,
    pub from: Option<serde_json::Value>,
    pub to: Option<serde_json::Value>,
    /// Whether the values are withheld because they are confidential.
    pub redacted: bool,
}

/// The changes as a viewer may see them. A confidential change is withheld
/// whole (and marked redacted) from a viewer without confidential access;
/// ids of records the viewer cannot see are left out, and so are entries
/// that belong to such records, unmarked: a mark would tell that something
/// hidden is there. A change that, as the viewer sees it, changes nothing is
/// left out: otherwise its presence would tell of the hidden record.
pub fn shown(changes: Vec<Change>, sight: &Sight<'_>) -> Vec<ShownChange> {
    changes
        .into_iter()
        .filter_map(|change| {
            if change.class.confidential && !sight.confidential {
                return Some(ShownChange { field: change.field, from: None, to: None, redacted: true });
            }
            let mut withheld = false;
            let mut show = |value: Option<serde_json::Value>| {
                value.and_then(|value| {
                    let (value, some_withheld) = filter_value(value, &change.class, sight);
                    withheld |= some_withheld;
                    value
                })
            };
            let (from, to) = (show(change.from), show(change.to));
            // As the viewer sees it, a list with only hidden entries is no
            // list: from nothing to that is no change.
            let nothing = |value: &Option<serde_json::Value>| {
                value.as_ref().is_none_or(|value| value.as_array().is_some_and(|items| items.is_empty()))
            };
            if withheld && (from == to || (nothing(&from) && nothing(&to))) {
                return None;
            }
            Some(ShownChange { field: change.field, from, to, redacted: false })
        })
        .collect()
}

/// A value with what the viewer may not see taken out; and whether anything was.
fn filter_value(value: serde_json::Value, class: &Class, sight: &Sight<'_>) -> (Option<serde_json::Value>, bool) {
    use serde_json::Value;
    let visible = |kind: Audited, value: &Value| id_of(value).is_none_or(|id| (sight.sees)(kind, id));
    let mut withheld = false;
    let mut keep_entry = |item: &mut Value| -> bool {
        let Some(entry) = item.as_object_mut() else { return true };
        for reference in &class.entries {
            let Some(id) = entry.get(&reference.field) else { continue };
            if !visible(reference.record, id) {
                withheld = true;
                if reference.whole {
                    return false;
                }
                entry.insert(reference.field.clone(), Value::Null);
            }
        }
        true
    };
    let value = match (class.refers_to, value) {
        (Some(kind), Value::Array(items)) => {
            let count = items.len();
            let kept: Vec<Value> = items.into_iter().filter(|item| visible(kind, item)).collect();
            withheld = kept.len() < count;
            Some(Value::Array(kept))
        }
        (Some(kind), single) => {
            withheld = !visible(kind, &single);
            (!withheld).then_some(single)
        }
        (None, Value::Array(items)) if !class.entries.is_empty() => {
            Some(Value::Array(items.into_iter().filter_map(|mut item| keep_entry(&mut item).then_some(item)).collect()))
        }
        (None, mut entry @ Value::Object(_)) if !class.entries.is_empty() => keep_entry(&mut entry).then_some(entry),
        (None, other) => Some(other),
    };
    (value, withheld)
}

/// The changes that record a creation: every field that has a value, from
/// nothing to that value. `classes` gives the class of fields that are not plain.
pub fn created(record: &impl Serialize, classes: &[(&str, Class)]) -> Vec<Change> {
    let Ok(serde_json::Value::Object(fields)) = serde_json::to_value(record) else { return Vec::new() };
    fields
        .into_iter()
        .filter(|(_, value)| !value.is_null() && value.as_array().is_none_or(|items| !items.is_empty()))
        .map(|(field, value)| Change {
            class: classes.iter().find(|(name, _)| *name == field).map_or(Class::PLAIN, |(_, class)| class.clone()),
            field,
            from: None,
            to: Some(value),
        })
        .collect()
}

/// Appends an entry, with its place in the change feed (see
/// [`crate::service::changes`]). Called inside the writing transaction, after
/// the write, so that the record's audience is read as the change left it.
pub async fn append<C: ConnectionTrait>(
    db: &C,
    actor: &Member,
    action: AuditAction,
    record: (&str, Uuid),
    version: i32,
    changes: &[Change],
) -> AppResult<()> {
    append_about(db, actor, action, record, version, changes, None).await
}

/// [`append`] for an entry about a statement (one that left the record as
/// it was): the log and the feed show it only to those who may see the
/// statement.
pub async fn append_about<C: ConnectionTrait>(
    db: &C,
    actor: &Member,
    action: AuditAction,
    record: (&str, Uuid),
    version: i32,
    changes: &[Change],
    statement: Option<Uuid>,
) -> AppResult<()> {
    let kind = audited(record.0)?;
    let placement = crate::service::changes::feed::place(db, kind, record.1).await?;
    let mut entry = entry(actor, action, (kind, record.1), version, changes, &placement)?;
    entry.statement_id = Set(statement);
    entry.insert(db).await?;
    crate::service::changes::feed::announce(db, placement.sequence).await
}

/// Appends the creation entries of records of `table` just created, each
/// with its changes, in the order given: a few statements for all of them.
pub async fn append_created<C: ConnectionTrait>(
    db: &C,
    actor: &Member,
    table: &str,
    records: &[(Uuid, Vec<Change>)],
) -> AppResult<()> {
    let kind = audited(table)?;
    let ids: Vec<Uuid> = records.iter().map(|(id, _)| *id).collect();
    let (first, audiences) = crate::service::changes::feed::place_created(db, kind, &ids).await?;
    let mut entries = Vec::with_capacity(records.len());
    let mut sequence = first;
    for ((id, changes), audience) in records.iter().zip(audiences) {
        let placement = crate::service::changes::feed::Placement {
            sequence,
            audience,
            was: crate::service::changes::audience::Audience::Nobody,
        };
        entries.push(entry(actor, AuditAction::Create, (kind, *id), 1, changes, &placement)?);
        sequence += 1;
    }
    crate::service::write::insert_rows(db, entries).await?;
    if sequence > first {
        crate::service::changes::feed::announce(db, sequence - 1).await?;
    }
    Ok(())
}

fn audited(table: &str) -> AppResult<Audited> {
    Ok(Audited::of_table(table).ok_or_else(|| anyhow::anyhow!("no history is kept for records of table {table}"))?)
}

/// The entry of one change at its place in the feed.
fn entry(
    actor: &Member,
    action: AuditAction,
    (kind, id): (Audited, Uuid),
    version: i32,
    changes: &[Change],
    placement: &crate::service::changes::feed::Placement,
) -> AppResult<audit_entry::ActiveModel> {
    let (audience, readers) = placement.audience.stored();
    let (was_audience, was_readers) = placement.was.stored();
    Ok(audit_entry::ActiveModel {
        id: Set(Uuid::now_v7()),
        record_type: Set(kind.table().to_owned()),
        record_id: Set(id),
        action: Set(action),
        version: Set(version),
        organisation_id: Set(Some(actor.organisation)),
        api_key_id: Set(actor.api_key()),
        changes: Set(serde_json::to_string(changes).map_err(anyhow::Error::from)?),
        // Taken under the sequence lock, so that times follow sequences.
        created_at: Set(Utc::now()),
        sequence: Set(placement.sequence),
        audience: Set(audience.to_owned()),
        readers: Set(readers),
        was_audience: Set(was_audience.to_owned()),
        was_readers: Set(was_readers),
        statement_id: Set(None),
    })
}

/// The kinds of record with a history, and that a history can name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Audited {
    Defender,
    Restriction,
    Campaign,
    Organisation,
    Source,
    CountryRating,
}

impl Audited {
    /// Every kind, in a fixed order (see [`Audited::index`]).
    pub const ALL: [Audited; 6] = [
        Audited::Defender,
        Audited::Restriction,
        Audited::Campaign,
        Audited::Organisation,
        Audited::Source,
        Audited::CountryRating,
    ];

    /// The kind's place in [`Audited::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }

    /// The table name stored in `audit_entry.record_type`.
    pub fn table(self) -> &'static str {
        match self {
            Audited::Defender => "defender",
            Audited::Restriction => "restriction",
            Audited::Campaign => "campaign",
            Audited::Organisation => "organisation",
            Audited::Source => "source",
            Audited::CountryRating => "country_rating",
        }
    }

    /// The kind stored under this table name.
    pub fn of_table(table: &str) -> Option<Audited> {
        Audited::ALL.into_iter().find(|kind| kind.table() == table)
    }
}

/// A record's history, oldest first. Callers list it only under records the
/// viewer may see.
pub struct History;

impl Listing for History {
    type Entity = audit_trail::Entity;
    type Via = Audited;
    type Filter = ();
    type Order = ();

    fn spec(_order: ()) -> SortSpec<audit_trail::Model> {
        SortSpec {
            tag: "TIME".into(),
            keys: vec![
                SortKey::asc(
                    col::<audit_trail::Entity>(audit_trail::Column::CreatedAt),
                    ValueKind::Time,
                    |m: &audit_trail::Model| CursorValue::Time(m.created_at),
                ),
                SortKey::id(col::<audit_trail::Entity>(audit_trail::Column::Id), |m: &audit_trail::Model| m.id),
            ],
        }
    }

    fn select(viewer: &Viewer, _filter: &()) -> Select<audit_trail::Entity> {
        // An entry about a statement is there only for those who may see it.
        let statement = Expr::col((audit_trail::Entity, audit_trail::Column::StatementId));
        audit_trail::Entity::find().filter(crate::service::statements::reads::entry_shown(viewer, statement))
    }

    fn via(viewer: &Viewer, via: Audited, filter: &()) -> (Select<audit_trail::Entity>, ParentColumn) {
        let column = |name| Expr::col((audit_trail::Entity, name));
        let mut select = Self::select(viewer, filter).filter(column(audit_trail::Column::RecordType).eq(via.table()));
        // Entries of a record merged into this one: only for viewers who
        // could see that record on its own.
        let absorbed_seen = |kind: Audited| {
            let subquery = match kind {
                Audited::Defender => Query::select()
                    .column((entity::defender::Entity, entity::defender::Column::Id))
                    .from(entity::defender::Entity)
                    .cond_where(viewer.could_see_absorbed(entity::defender::Entity))
                    .take(),
                _ => Query::select()
                    .column((entity::organisation::Entity, entity::organisation::Column::Id))
                    .from(entity::organisation::Entity)
                    .cond_where(viewer.could_see_absorbed(entity::organisation::Entity))
                    .take(),
            };
            column(audit_trail::Column::RecordId).in_subquery(subquery)
        };
        if matches!(via, Audited::Defender | Audited::Organisation) {
            select = select.filter(
                column(audit_trail::Column::RecordId).eq(column(audit_trail::Column::SubjectId)).or(absorbed_seen(via)),
            );
        }
        (select, parent::<audit_trail::Entity>(audit_trail::Column::SubjectId))
    }
}
