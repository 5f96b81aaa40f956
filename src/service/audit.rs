//! The append-only audit log. Entries are written in the same transaction as
//! the change they describe; nothing in the API updates or deletes them.

use chrono::Utc;
use entity::{AuditAction, audit_entry, audit_trail};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ConnectionTrait, EntityTrait, QueryFilter, Select};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::listing::{Listing, col, parent};
use super::pagination::{CursorValue, ParentColumn, SortKey, SortSpec, ValueKind};
use super::{Member, Viewer};
use crate::error::AppResult;

/// One field's change.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Change {
    pub field: String,
    pub from: Option<serde_json::Value>,
    pub to: Option<serde_json::Value>,
    /// Whether the values are confidential: shown only to those who may see
    /// the record's confidential fields.
    pub confidential: bool,
}

impl Change {
    /// The change of `field` from `from` to `to`, if they differ.
    pub fn of<T: Serialize + PartialEq>(field: &str, from: &T, to: &T, confidential: bool) -> Option<Change> {
        (from != to).then(|| Change {
            field: field.to_owned(),
            from: serde_json::to_value(from).ok().filter(|v| !v.is_null()),
            to: serde_json::to_value(to).ok().filter(|v| !v.is_null()),
            confidential,
        })
    }
}

/// The changes that record a creation: every field that has a value, from
/// nothing to that value. `confidential` names the confidential fields.
pub fn created(record: &impl Serialize, confidential: &[&str]) -> Vec<Change> {
    let Ok(serde_json::Value::Object(fields)) = serde_json::to_value(record) else { return Vec::new() };
    fields
        .into_iter()
        .filter(|(_, value)| !value.is_null() && value.as_array().is_none_or(|items| !items.is_empty()))
        .map(|(field, value)| Change {
            confidential: confidential.contains(&field.as_str()),
            field,
            from: None,
            to: Some(value),
        })
        .collect()
}

/// Appends an entry.
pub async fn append<C: ConnectionTrait>(
    db: &C,
    actor: &Member,
    action: AuditAction,
    record: (&str, Uuid),
    version: i32,
    changes: &[Change],
) -> AppResult<()> {
    audit_entry::ActiveModel {
        id: Set(Uuid::now_v7()),
        record_type: Set(record.0.to_owned()),
        record_id: Set(record.1),
        action: Set(action),
        version: Set(version),
        organisation_id: Set(Some(actor.organisation)),
        api_key_id: Set(actor.api_key()),
        changes: Set(serde_json::to_string(changes).map_err(anyhow::Error::from)?),
        created_at: Set(Utc::now()),
    }
    .insert(db)
    .await?;
    Ok(())
}

/// The kinds of record with a history.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Audited {
    Defender,
    Restriction,
    Campaign,
    Organisation,
    Source,
}

impl Audited {
    /// The table name stored in `audit_entry.record_type`.
    pub fn table(self) -> &'static str {
        match self {
            Audited::Defender => "defender",
            Audited::Restriction => "restriction",
            Audited::Campaign => "campaign",
            Audited::Organisation => "organisation",
            Audited::Source => "source",
        }
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

    fn select(_viewer: &Viewer, _filter: &()) -> Select<audit_trail::Entity> {
        audit_trail::Entity::find()
    }

    fn via(viewer: &Viewer, via: Audited, filter: &()) -> (Select<audit_trail::Entity>, ParentColumn) {
        (
            Self::select(viewer, filter)
                .filter(Expr::col((audit_trail::Entity, audit_trail::Column::RecordType)).eq(via.table())),
            parent::<audit_trail::Entity>(audit_trail::Column::SubjectId),
        )
    }
}
