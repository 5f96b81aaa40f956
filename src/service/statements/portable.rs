//! Statements as a file carries them from one database to another. A
//! database's ids mean nothing in another, so a statements file names:
//!
//! - a record (`entity_id`, `canonical_id`) and a link's value (an
//!   affiliation's organisation, a linked restriction or defender, a lead
//!   organisation) by the exporting organisation's external identifier of
//!   it where it has one, else by its global id;
//! - a case event, in the value of its description in another language, by
//!   what the event states (its `caseEvent` value:
//!   `{"event": {"kind": "ARREST", "occurredOn": "2014-01", …}, "description": "…"}`).
//!
//! An organisation that imported its records with external identifiers into
//! another database, and then imports its statements file there with
//! `--dataset`, has the same account in both: its export from either reads
//! the same but for what each database assigns (statement ids, the
//! organisation's id, dates). Import resolves the names back: a record and
//! a link's value through the importer's external identifiers, else its
//! global id (or, as earlier files wrote a link's value, a UUID); a case
//! event among the events of the record's defender.

use std::collections::HashMap;

use entity::{external_id, statement};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use crate::error::{AppError, AppResult};
use crate::ids::GlobalId;
use crate::service::Viewer;
use crate::service::audit::Audited;
use crate::service::defenders::case::CaseDraft;
use crate::service::exchange::rows::RecordKind;
use crate::service::statements::facts::{EVENT_DESCRIPTION, EventText, PropType, event_value, property_of};

/// The kind of record a property's values name, for a link.
pub fn linked_kind(kind: Audited, property: &str) -> Option<RecordKind> {
    match property_of(kind, property)?.prop_type {
        PropType::Entity(linked) => Some(RecordKind::of_audited(linked)),
        _ => None,
    }
}

/// How one export names the records and case events of a page of
/// statements.
#[derive(Default)]
pub struct Names {
    /// The exporting organisation's external identifiers, by table and record.
    external: HashMap<(String, Uuid), String>,
    /// The `caseEvent` value of each case event a description names.
    events: HashMap<Uuid, serde_json::Value>,
}

impl Names {
    /// The names of what a page of statements refers to: the records they
    /// are shown on, those they are held by, their links' values and the
    /// case events they describe. Two statements at most, however many
    /// statements: the viewer's external identifiers of them all, and the
    /// events of the defenders whose events are described.
    pub async fn of_page<C: ConnectionTrait>(
        db: &C,
        viewer: &Viewer,
        shown: &[(Audited, Uuid)],
        statements: &[&statement::Model],
    ) -> AppResult<Names> {
        let mut names = Names::default();
        let mut records: Vec<Uuid> = shown.iter().map(|(_, id)| *id).collect();
        let mut described = Vec::new();
        for statement in statements {
            records.push(statement.record_id);
            let Some(kind) = Audited::of_table(&statement.record_type) else { continue };
            if linked_kind(kind, &statement.property).is_some()
                && let Ok(target) = Uuid::parse_str(&statement.value)
            {
                records.push(target);
            }
            if statement.property == EVENT_DESCRIPTION {
                described.push(statement.record_id);
            }
        }
        if let Some(organisation) = viewer.organisation() {
            records.sort_unstable();
            records.dedup();
            let rows = external_id::Entity::find()
                .filter(external_id::Column::OrganisationId.eq(organisation))
                .filter(external_id::Column::RecordId.is_in(records))
                .all(db)
                .await?;
            for row in rows {
                // Of several identifiers of one record, always the same one.
                let key = (row.record_type, row.record_id);
                match names.external.get(&key) {
                    Some(held) if *held <= row.external_id => {}
                    _ => {
                        names.external.insert(key, row.external_id);
                    }
                }
            }
        }
        if !described.is_empty() {
            described.sort_unstable();
            described.dedup();
            for case in CaseDraft::load_all(db, &described).await?.into_values() {
                for event in case.events {
                    if let Some(id) = event.id {
                        names.events.insert(id, event_value(&event));
                    }
                }
            }
        }
        Ok(names)
    }

    /// A record's name in the file: the exporter's external identifier of
    /// it, else its global id.
    pub fn record(&self, kind: RecordKind, id: Uuid) -> String {
        match self.external.get(&(kind.table().to_owned(), id)) {
            Some(external) => external.clone(),
            None => GlobalId::encode_uuid(kind.node_type(), id).to_string(),
        }
    }

    /// A statement's value in the file: a link's value named as a record
    /// is, a case event's description naming the event by what it states.
    pub fn value(&self, statement: &statement::Model) -> String {
        let Some(kind) = Audited::of_table(&statement.record_type) else { return statement.value.clone() };
        if let Some(linked) = linked_kind(kind, &statement.property)
            && let Ok(target) = Uuid::parse_str(&statement.value)
        {
            return self.record(linked, target);
        }
        if statement.property == EVENT_DESCRIPTION
            && let Some(text) = EventText::decode(&statement.value)
            && let Some(event) = self.events.get(&text.event)
        {
            return serde_json::json!({ "event": event, "description": text.description }).to_string();
        }
        statement.value.clone()
    }
}

/// A description's value that names its event by what the event states:
/// the event, and the description if the value holds nothing else.
fn by_statement(value: &str) -> Option<(serde_json::Value, Option<String>)> {
    let serde_json::Value::Object(mut given) = serde_json::from_str(value).ok()? else { return None };
    let stated @ serde_json::Value::Object(_) = given.remove("event")? else { return None };
    let description = match given.remove("description") {
        Some(serde_json::Value::String(text)) if given.is_empty() => Some(text),
        _ => None,
    };
    Some((stated, description))
}

/// A case event description's value from a file, in the stored form with
/// an unknown event, to be checked before the database is consulted.
pub fn checkable_event_description(value: &str) -> String {
    match by_statement(value) {
        Some((_, Some(description))) => EventText { event: Uuid::nil(), description }.encode(),
        _ => value.to_owned(),
    }
}

/// A case event description's value from a file, as stored: an event named
/// by what it states becomes the defender's event that states it (the
/// first, should two state the same). Other values are left as given, to be
/// checked as every statement is.
pub async fn stored_event_description<C: ConnectionTrait>(db: &C, defender: Uuid, value: &str) -> AppResult<String> {
    let Some((stated, Some(description))) = by_statement(value) else { return Ok(value.to_owned()) };
    let case = CaseDraft::load_all(db, &[defender]).await?.remove(&defender).unwrap_or_default();
    let event = case
        .events
        .iter()
        .find(|event| event_value(event) == stated)
        .and_then(|event| event.id)
        .ok_or_else(|| AppError::bad_input("value.event", "names no case event of this defender"))?;
    Ok(EventText { event, description }.encode())
}
