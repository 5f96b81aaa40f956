//! Each audit entry about a statement (its assertion, proposal, acceptance
//! or rejection, when that left the record as it was) names the statement,
//! so that the audit log and the change feed show the entry only to those
//! who may see the statement: the one visibility rule, applied to the
//! history as to the statements themselves. Entries written before are
//! given the statement their change names.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, Statement, Value};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum AuditEntry {
    Table,
    StatementId,
}

/// The audit trail view, with or without the statement column.
fn trail(with_statement: bool) -> String {
    let statement = if with_statement { ", e.statement_id" } else { "" };
    format!(
        "CREATE VIEW audit_trail AS
         SELECT e.id, e.record_type, e.record_id, e.action, e.version, e.organisation_id, e.api_key_id,
                e.changes, e.created_at, COALESCE(m.survivor_id, e.record_id) AS subject_id{statement}
         FROM audit_entry e
         LEFT JOIN record_merge m
           ON m.record_type = e.record_type AND m.absorbed_id = e.record_id AND m.undone_at IS NULL"
    )
}

/// The statement a logged change names: its `to` (or, for a rejection,
/// its `from`) holds the statement's global id.
fn named_statement(changes: &str) -> Option<uuid::Uuid> {
    let changes: serde_json::Value = serde_json::from_str(changes).ok()?;
    let change = changes.as_array()?.iter().find(|c| matches!(c["field"].as_str(), Some("statement" | "proposal")))?;
    let logged = if change["to"].is_object() { &change["to"] } else { &change["from"] };
    let decoded = URL_SAFE_NO_PAD.decode(logged["id"].as_str()?).ok()?;
    let (kind, id) = std::str::from_utf8(&decoded).ok()?.split_once(':')?;
    (kind == "Statement").then(|| uuid::Uuid::parse_str(id).ok()).flatten()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        db.execute_unprepared("DROP VIEW IF EXISTS audit_trail").await?;
        manager
            .alter_table(
                Table::alter()
                    .table(AuditEntry::Table)
                    .add_column(ColumnDef::new(AuditEntry::StatementId).uuid().null())
                    .to_owned(),
            )
            .await?;
        db.execute_unprepared(&trail(true)).await?;
        let backend = db.get_database_backend();
        let logged = db
            .query_all_raw(Statement::from_string(
                backend,
                "SELECT id, changes FROM audit_entry WHERE action IN ('ASSERT', 'PROPOSE', 'ACCEPT', 'REJECT')",
            ))
            .await?;
        for row in logged {
            let id: uuid::Uuid = row.try_get("", "id")?;
            let changes: String = row.try_get("", "changes")?;
            let Some(statement) = named_statement(&changes) else { continue };
            let sql = match backend {
                sea_orm_migration::sea_orm::DatabaseBackend::Postgres => {
                    "UPDATE audit_entry SET statement_id = $1 WHERE id = $2"
                }
                _ => "UPDATE audit_entry SET statement_id = ? WHERE id = ?",
            };
            db.execute_raw(Statement::from_sql_and_values(backend, sql, [Value::from(statement), Value::from(id)]))
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        // SQLite drops no column a view uses.
        db.execute_unprepared("DROP VIEW IF EXISTS audit_trail").await?;
        manager
            .alter_table(Table::alter().table(AuditEntry::Table).drop_column(AuditEntry::StatementId).to_owned())
            .await?;
        db.execute_unprepared(&trail(false)).await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_logged_statement_is_found() {
        use base64::Engine;
        let id = uuid::Uuid::now_v7();
        let gid = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("Statement:{id}"));
        let logged = format!(r#"[{{"field":"proposal","from":null,"to":{{"id":"{gid}","value":"x"}}}}]"#);
        assert_eq!(super::named_statement(&logged), Some(id));
        let rejected = format!(r#"[{{"field":"proposal","from":{{"id":"{gid}"}},"to":null}}]"#);
        assert_eq!(super::named_statement(&rejected), Some(id));
        assert_eq!(super::named_statement(r#"[{"field":"name","from":"a","to":"b"}]"#), None);
    }
}
