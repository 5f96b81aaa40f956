//! Classifies the values of every audit entry written before entries carried
//! classes. Until then each change had one flag, `confidential`, and the log
//! showed an unflagged value to anyone who could read the record, including
//! ids of linked records the reader could not see (a campaign's lead
//! organisation). Each change now says how its values may be shown: plain,
//! confidential, the id of a record of a kind, or entries whose fields name
//! records (see `service::audit::Class` in the server). The classes below are
//! those the server gives the same fields today; a field not listed keeps its
//! old flag. Shares are rewritten to the entry shape new shares have,
//! `{organisationId, access, confidential}`.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, FromQueryResult};
use serde_json::{Map, Value, json};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Entries read and rewritten at a time.
const BATCH: u64 = 1_000;

#[derive(FromQueryResult)]
struct Row {
    id: uuid::Uuid,
    record_type: String,
    changes: String,
}

fn entries(field: &str, record: &str, whole: bool) -> Value {
    json!({ "entries": [{ "field": field, "record": record, "whole": whole }] })
}

/// The class of one stored change of a record of `record_type`.
fn class_of(record_type: &str, field: &str, confidential: bool) -> Value {
    match field {
        "exactLocation" | "contactDetails" | "safetyNotes" => json!({ "confidential": true }),
        "events" => entries("restrictionId", "restriction", false),
        "affiliations" => entries("organisationId", "organisation", true),
        "restrictionLinks" => entries("restrictionId", "restriction", true),
        "leadOrganisationId" => json!({ "refersTo": "organisation" }),
        "defenderIds" => json!({ "refersTo": "defender" }),
        "restrictionIds" => json!({ "refersTo": "restriction" }),
        "merged" | "mergedInto" => json!({ "refersTo": record_type }),
        "sources" => entries("source", "source", true),
        "sharedWith" => {
            let mut class = entries("organisationId", "organisation", false);
            class["confidential"] = json!(true);
            class
        }
        _ if confidential => json!({ "confidential": true }),
        _ => json!({}),
    }
}

/// A share as stored before: an organisation's id, or `[id, access, confidential]`.
fn share_entry(value: Value) -> Value {
    match value {
        Value::String(id) => json!({ "organisationId": id }),
        Value::Array(parts) if parts.len() == 3 => {
            json!({ "organisationId": parts[0], "access": parts[1], "confidential": parts[2] })
        }
        other => other,
    }
}

/// One entry's changes, classified; `None` when they carry classes already.
fn classified(record_type: &str, changes: &str) -> Result<Option<String>, DbErr> {
    let Value::Array(items) = serde_json::from_str(changes).map_err(|e| DbErr::Custom(e.to_string()))? else {
        return Err(DbErr::Custom("an audit entry's changes are not a list".into()));
    };
    if items.iter().all(|item| item.get("class").is_some()) {
        return Ok(None);
    }
    let mut out = Vec::with_capacity(items.len());
    for item in items {
        let Value::Object(mut change) = item else { continue };
        let field = change.get("field").and_then(Value::as_str).unwrap_or_default().to_owned();
        let confidential = change.remove("confidential").and_then(|v| v.as_bool()).unwrap_or(false);
        if field == "sharedWith" {
            for side in ["from", "to"] {
                if let Some(value) = change.remove(side) {
                    change.insert(side.into(), if Value::is_null(&value) { value } else { share_entry(value) });
                }
            }
        }
        let mut classified = Map::new();
        classified.insert("field".into(), Value::String(field.clone()));
        classified.insert("from".into(), change.remove("from").unwrap_or(Value::Null));
        classified.insert("to".into(), change.remove("to").unwrap_or(Value::Null));
        classified.insert("class".into(), class_of(record_type, &field, confidential));
        out.push(Value::Object(classified));
    }
    serde_json::to_string(&out).map(Some).map_err(|e| DbErr::Custom(e.to_string()))
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        let backend = manager.get_database_backend();
        let mut after: Option<uuid::Uuid> = None;
        loop {
            let mut select = Query::select();
            select
                .columns([Alias::new("id"), Alias::new("record_type"), Alias::new("changes")])
                .from(Alias::new("audit_entry"))
                .order_by(Alias::new("id"), Order::Asc)
                .limit(BATCH);
            if let Some(after) = after {
                select.and_where(Expr::col(Alias::new("id")).gt(after));
            }
            let rows = Row::find_by_statement(backend.build(&select)).all(db).await?;
            let Some(last) = rows.last() else { break };
            after = Some(last.id);
            for row in &rows {
                if let Some(changes) = classified(&row.record_type, &row.changes)? {
                    let update = Query::update()
                        .table(Alias::new("audit_entry"))
                        .value(Alias::new("changes"), changes)
                        .and_where(Expr::col(Alias::new("id")).eq(row.id))
                        .to_owned();
                    db.execute(&update).await?;
                }
            }
            if (rows.len() as u64) < BATCH {
                break;
            }
        }
        Ok(())
    }

    async fn down(&self, _manager: &SchemaManager) -> Result<(), DbErr> {
        // The classes only add information; the server of before reads the
        // flag it knew, so there is nothing to take back.
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_old_entries() {
        let old = r#"[{"field":"leadOrganisationId","from":null,"to":"0190","confidential":false},
            {"field":"safetyNotes","from":"a","to":"b","confidential":true},
            {"field":"sharedWith","from":null,"to":["0191","READ",false],"confidential":true},
            {"field":"name","from":"a","to":"b","confidential":false}]"#;
        let new: Value = serde_json::from_str(&classified("campaign", old).unwrap().unwrap()).unwrap();
        assert_eq!(new[0]["class"], json!({ "refersTo": "organisation" }));
        assert_eq!(new[1]["class"], json!({ "confidential": true }));
        assert_eq!(new[2]["to"], json!({ "organisationId": "0191", "access": "READ", "confidential": false }));
        assert_eq!(new[2]["class"]["confidential"], json!(true));
        assert_eq!(new[3]["class"], json!({}));
        assert!(new[3].get("confidential").is_none());
        // Entries classified already are left alone.
        assert_eq!(classified("campaign", &serde_json::to_string(&new).unwrap()).unwrap(), None);
    }
}
