//! Records as they stood at a past moment, rebuilt from the audit log.
//!
//! Every write appends an entry with each changed field's value before and
//! after (see [`crate::service::audit`]). A record as it stood at `at` is
//! its current row with every change made after `at` undone, newest first:
//! each field takes the `from` value of the oldest change after `at`. A
//! record whose creation came after `at` did not exist then.
//!
//! Who may see the record is judged **now**, by the caller, before the past
//! is read: the past of a record the viewer cannot see today is never
//! asked for, and the past values go through the same field rules as the
//! current ones (confidential fields only with confidential access today,
//! linked records only where the viewer sees them today).

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use entity::{AuditAction, audit_entry, campaign, defender, restriction};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use serde::de::DeserializeOwned;
use serde_json::Value;
use uuid::Uuid;

use crate::error::{AppError, AppResult};
use crate::service::audit::{Audited, Change};

/// A record as it stood at a moment: whether it existed, and the value
/// then of each field changed since.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Past {
    /// The moment.
    pub at: DateTime<Utc>,
    /// Whether the record had been created by then.
    pub existed: bool,
    /// Its version then.
    pub version: Option<i32>,
    /// When it was last changed by then.
    pub updated_at: Option<DateTime<Utc>>,
    /// The value then of each field changed since, by its GraphQL name
    /// (null for no value).
    pub values: HashMap<String, Option<Value>>,
    /// Each change of the record's sources since (a citation added or
    /// removed, one source at a time), oldest first: its `from` and `to`.
    pub sources_since: Vec<(Option<Value>, Option<Value>)>,
}

impl Past {
    /// Whether `field` changed after the moment.
    pub fn changed(&self, field: &str) -> bool {
        self.values.contains_key(field)
    }

    /// The value of a changed field then, read as `T`; None when the field
    /// has not changed since (the current value is the value then).
    pub fn value<T: DeserializeOwned>(&self, field: &str) -> AppResult<Option<Option<T>>> {
        let Some(value) = self.values.get(field) else { return Ok(None) };
        let Some(value) = value else { return Ok(Some(None)) };
        serde_json::from_value(value.clone())
            .map(|value| Some(Some(value)))
            .map_err(|error| AppError::Internal(anyhow::anyhow!("the audit value of {field} cannot be read: {error}")))
    }

    /// The list a changed field held then (empty for none); None when it
    /// has not changed since.
    pub fn list<T: DeserializeOwned>(&self, field: &str) -> AppResult<Option<Vec<T>>> {
        Ok(self.value::<Vec<T>>(field)?.map(Option::unwrap_or_default))
    }
}

/// The field the log names a record's citations of sources by.
pub const SOURCES: &str = "sources";

/// The moment an `asOf` argument names, checked: not in the future.
pub fn moment(argument: &str, at: DateTime<Utc>) -> AppResult<DateTime<Utc>> {
    if at > Utc::now() {
        return Err(AppError::bad_input(
            argument,
            format!("{argument} must not be in the future; give a past moment such as 2024-01-31T00:00:00Z"),
        ));
    }
    Ok(at)
}

/// The pasts of records (kind, id, moment), in one statement for all of
/// them. The caller asks only for records the viewer may see now.
pub async fn pasts<C: ConnectionTrait>(
    db: &C,
    keys: &[(Audited, Uuid, DateTime<Utc>)],
) -> AppResult<HashMap<(Audited, Uuid, DateTime<Utc>), Past>> {
    let ids: Vec<Uuid> = keys.iter().map(|(_, id, _)| *id).collect();
    let entries = audit_entry::Entity::find()
        .filter(audit_entry::Column::RecordId.is_in(ids))
        .order_by_asc(audit_entry::Column::Sequence)
        .all(db)
        .await?;
    let mut found = HashMap::new();
    for &(kind, id, at) in keys {
        let own = entries.iter().filter(|entry| entry.record_id == id && entry.record_type == kind.table());
        found.insert((kind, id, at), past_of(own, at)?);
    }
    Ok(found)
}

/// A record's past at `at`, from its entries in order.
fn past_of<'a>(entries: impl Iterator<Item = &'a audit_entry::Model>, at: DateTime<Utc>) -> AppResult<Past> {
    let mut past = Past { at, existed: true, ..Past::default() };
    let mut seen_any = false;
    let mut created_later = false;
    // Entries about statements left the record as it was (and are not for
    // every viewer): they tell nothing of its past.
    for entry in entries.filter(|entry| entry.statement_id.is_none()) {
        if entry.created_at <= at {
            seen_any = true;
            past.version = Some(entry.version);
            past.updated_at = Some(entry.created_at);
            continue;
        }
        created_later |= entry.action == AuditAction::Create;
        let changes: Vec<Change> = serde_json::from_str(&entry.changes)
            .map_err(|error| AppError::Internal(anyhow::anyhow!("an audit entry cannot be read: {error}")))?;
        for change in changes {
            if change.field == SOURCES {
                past.sources_since.push((change.from.clone(), change.to.clone()));
            }
            // The oldest change after the moment holds the value then.
            past.values.entry(change.field).or_insert(change.from);
        }
    }
    // A record with no entry by then was created later, or (written before
    // the log began) has stood as it is since.
    past.existed = seen_any || !created_later;
    Ok(past)
}

/// The records of kind `owner` whose list `field` named `target` at `at`,
/// given those whose list names it now (`now`). The list a record held then
/// is in the `from` of its oldest change since; of its changes since, those
/// that name `target` (in `from` or `to`) are enough to tell: if it was in
/// the list then, the oldest change of the list names it; if not, the first
/// change that does added it. One statement, for the changes since that name
/// the target. The caller lists the result through the visibility rule.
pub async fn holders_then<C: ConnectionTrait>(
    db: &C,
    (owner, field): (Audited, &str),
    target: Uuid,
    at: DateTime<Utc>,
    now: Vec<Uuid>,
) -> AppResult<Vec<Uuid>> {
    let id = target.to_string();
    let naming = audit_entry::Entity::find()
        .filter(audit_entry::Column::RecordType.eq(owner.table()))
        .filter(audit_entry::Column::CreatedAt.gt(at))
        .filter(audit_entry::Column::Changes.contains(&id))
        .order_by_asc(audit_entry::Column::Sequence)
        .all(db)
        .await?;
    let mut held_then: HashMap<Uuid, bool> = HashMap::new();
    for entry in naming {
        if held_then.contains_key(&entry.record_id) {
            continue;
        }
        let changes: Vec<Change> = serde_json::from_str(&entry.changes)
            .map_err(|error| AppError::Internal(anyhow::anyhow!("an audit entry cannot be read: {error}")))?;
        let names = |value: &Option<Value>| value.as_ref().is_some_and(|value| names_id(value, &id));
        if let Some(change) = changes.iter().find(|c| c.field == field && (names(&c.from) || names(&c.to))) {
            held_then.insert(entry.record_id, names(&change.from));
        }
    }
    let mut holders: Vec<Uuid> =
        now.into_iter().filter(|owner| held_then.get(owner).copied().unwrap_or(true)).collect();
    let mut earlier: Vec<Uuid> = held_then
        .into_iter()
        .filter(|(owner, held)| *held && !holders.contains(owner))
        .map(|(owner, _)| owner)
        .collect();
    earlier.sort();
    holders.extend(earlier);
    Ok(holders)
}

/// Whether a logged value (an id, a list of ids, or entries with ids) names `id`.
fn names_id(value: &Value, id: &str) -> bool {
    match value {
        Value::String(text) => text == id,
        Value::Array(items) => items.iter().any(|item| names_id(item, id)),
        Value::Object(fields) => fields.values().any(|field| names_id(field, id)),
        _ => false,
    }
}

/// A stored record that can be set back to a past.
pub trait Rewind: Sized {
    /// The record as it stood in `past`; None when it did not exist yet.
    fn rewound(self, past: &Past) -> AppResult<Option<Self>>;
}

/// Sets each listed field to its value in the past, where it changed since.
macro_rules! rewind_fields {
    ($model:ty { $($field:literal => $member:ident: $kind:ident),* $(,)? }) => {
        impl Rewind for $model {
            fn rewound(mut self, past: &Past) -> AppResult<Option<Self>> {
                if !past.existed {
                    return Ok(None);
                }
                $( rewind_fields!(@set self, past, $field, $member, $kind); )*
                self.version = past.version.unwrap_or(self.version);
                self.updated_at = past.updated_at.unwrap_or(self.updated_at);
                Ok(Some(self))
            }
        }
    };
    (@set $self:ident, $past:ident, $field:literal, $member:ident, required) => {
        if let Some(Some(value)) = $past.value($field)? {
            $self.$member = value;
        }
    };
    (@set $self:ident, $past:ident, $field:literal, $member:ident, optional) => {
        if let Some(value) = $past.value($field)? {
            $self.$member = value;
        }
    };
}

rewind_fields!(defender::Model {
    "name" => name: required,
    "countryCode" => country_code: required,
    "subdivisionCode" => subdivision_code: optional,
    "occupation" => occupation: optional,
    "summary" => summary: optional,
    "status" => status: required,
    "visibility" => visibility: required,
    "consent" => consent: required,
    "exactLocation" => exact_location: optional,
    "contactDetails" => contact_details: optional,
    "safetyNotes" => safety_notes: optional,
});

rewind_fields!(restriction::Model {
    "title" => title: required,
    "reference" => reference: optional,
    "kind" => kind: required,
    "status" => status: required,
    "countryCode" => country_code: required,
    "subdivisionCode" => subdivision_code: optional,
    "introducedOn" => introduced_on: optional,
    "decidedOn" => decided_on: optional,
    "summary" => summary: optional,
    "visibility" => visibility: required,
});

rewind_fields!(campaign::Model {
    "title" => title: required,
    "kind" => kind: required,
    "status" => status: required,
    "leadOrganisationId" => lead_organisation_id: optional,
    "startedOn" => started_on: optional,
    "endedOn" => ended_on: optional,
    "summary" => summary: optional,
    "outcome" => outcome: optional,
    "outcomeSummary" => outcome_summary: optional,
    "visibility" => visibility: required,
});

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn entry(action: AuditAction, version: i32, day: u32, changes: Value) -> audit_entry::Model {
        audit_entry::Model {
            id: Uuid::now_v7(),
            record_type: "defender".into(),
            record_id: Uuid::nil(),
            action,
            version,
            organisation_id: None,
            api_key_id: None,
            changes: changes.to_string(),
            created_at: Utc.with_ymd_and_hms(2024, 1, day, 12, 0, 0).unwrap(),
            sequence: i64::from(day),
            audience: "PUBLIC".into(),
            readers: String::new(),
            was_audience: "PUBLIC".into(),
            was_readers: String::new(),
            statement_id: None,
        }
    }

    fn day(day: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2024, 1, day, 18, 0, 0).unwrap()
    }

    #[test]
    fn each_field_takes_the_value_before_the_oldest_later_change() {
        let entries = [
            entry(
                AuditAction::Create,
                1,
                1,
                serde_json::json!([{"field": "name", "from": null, "to": "A", "class": {}}]),
            ),
            entry(
                AuditAction::Update,
                2,
                3,
                serde_json::json!([{"field": "name", "from": "A", "to": "B", "class": {}}]),
            ),
            entry(
                AuditAction::Update,
                3,
                5,
                serde_json::json!([{"field": "name", "from": "B", "to": "C", "class": {}}]),
            ),
        ];
        let before = past_of(entries.iter(), Utc.with_ymd_and_hms(2023, 12, 1, 0, 0, 0).unwrap()).unwrap();
        assert!(!before.existed);
        let first = past_of(entries.iter(), day(2)).unwrap();
        assert!(first.existed);
        assert_eq!(first.version, Some(1));
        assert_eq!(first.value::<String>("name").unwrap(), Some(Some("A".to_owned())));
        let second = past_of(entries.iter(), day(4)).unwrap();
        assert_eq!((second.version, second.value::<String>("name").unwrap()), (Some(2), Some(Some("B".to_owned()))));
        let now = past_of(entries.iter(), day(6)).unwrap();
        assert_eq!((now.version, now.changed("name")), (Some(3), false));
    }

    #[test]
    fn future_moments_are_refused() {
        let error = moment("asOf", Utc::now() + chrono::Duration::days(1)).unwrap_err();
        assert!(matches!(error, AppError::BadInput { ref argument, .. } if argument == "asOf"));
        assert!(moment("asOf", Utc::now() - chrono::Duration::days(1)).is_ok());
    }
}
