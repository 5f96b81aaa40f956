//! The change feed: every audit entry gets a place in one gap-free sequence,
//! and says who could see its record just before and just after it (its
//! audience), so that the feed can tell each viewer what it may know,
//! including that a record has left its sight (a tombstone).
//!
//! The audience is one of `NOBODY` (archived or merged away), `PUBLIC`
//! (anyone, including anonymous readers), `PARTNERS` (every partner
//! organisation) or `ORGANISATIONS` (only those listed in `readers`: the
//! contributor and the organisations the record is shared with).
//!
//! Entries written before this migration get the sequence of their time, and
//! the audience their record has today; the audience before is `NOBODY` for a
//! creation and today's for the rest, so that old entries make no tombstones.

use std::collections::HashMap;

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DatabaseBackend, FromQueryResult};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(FromQueryResult)]
struct Record {
    id: uuid::Uuid,
    visibility: String,
    hidden: bool,
    consent_given: bool,
    contributed_by_id: Option<uuid::Uuid>,
}

#[derive(FromQueryResult)]
struct Share {
    record_type: String,
    record_id: uuid::Uuid,
    organisation_id: uuid::Uuid,
}

/// The audit log refuses updates (migration 000002); the backfill runs
/// with that guard lifted, inside this migration only.
async fn guard(manager: &SchemaManager<'_>, on: bool) -> Result<(), DbErr> {
    let db = manager.get_connection();
    match manager.get_database_backend() {
        DatabaseBackend::Postgres => {
            let state = if on { "ENABLE" } else { "DISABLE" };
            db.execute_unprepared(&format!("ALTER TABLE audit_entry {state} TRIGGER audit_entry_append_only")).await?;
        }
        _ if on => {
            db.execute_unprepared(
                "CREATE TRIGGER IF NOT EXISTS audit_entry_no_update BEFORE UPDATE ON audit_entry
                 BEGIN SELECT RAISE(ABORT, 'audit_entry is append-only'); END;",
            )
            .await?;
        }
        _ => {
            db.execute_unprepared("DROP TRIGGER IF EXISTS audit_entry_no_update").await?;
        }
    }
    Ok(())
}

async fn backfill(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    let db = manager.get_connection();
    let backend = manager.get_database_backend();
    db.execute_unprepared(
        "UPDATE audit_entry SET sequence = numbered.position
         FROM (SELECT id, ROW_NUMBER() OVER (ORDER BY created_at, id) AS position FROM audit_entry) AS numbered
         WHERE audit_entry.id = numbered.id",
    )
    .await?;
    let shares = Share::find_by_statement(
        backend.build(
            Query::select()
                .columns([Alias::new("record_type"), Alias::new("record_id"), Alias::new("organisation_id")])
                .from(Alias::new("record_share")),
        ),
    )
    .all(db)
    .await?;
    let mut shared: HashMap<(String, uuid::Uuid), Vec<uuid::Uuid>> = HashMap::new();
    for share in shares {
        shared.entry((share.record_type, share.record_id)).or_default().push(share.organisation_id);
    }
    for (table, mergeable, consent) in [
        ("defender", true, true),
        ("organisation", true, false),
        ("restriction", false, false),
        ("campaign", false, false),
        ("source", false, false),
    ] {
        let hidden =
            if mergeable { "archived_at IS NOT NULL OR merged_into_id IS NOT NULL" } else { "archived_at IS NOT NULL" };
        let consent_given = if consent { "consent = 'GIVEN'" } else { "1 = 1" };
        let records = Record::find_by_statement(sea_orm_migration::sea_orm::Statement::from_string(
            backend,
            format!(
                "SELECT id, visibility, ({hidden}) AS hidden, ({consent_given}) AS consent_given, contributed_by_id \
                 FROM {table} WHERE id IN (SELECT record_id FROM audit_entry WHERE record_type = '{table}')"
            ),
        ))
        .all(db)
        .await?;
        for record in records {
            let (audience, readers) = if record.hidden {
                ("NOBODY", String::new())
            } else if record.visibility == "PUBLIC" && record.consent_given {
                ("PUBLIC", String::new())
            } else if record.visibility == "PARTNERS" {
                ("PARTNERS", String::new())
            } else {
                let mut readers: Vec<uuid::Uuid> = record.contributed_by_id.into_iter().collect();
                readers.extend(shared.get(&(table.to_owned(), record.id)).into_iter().flatten());
                readers.sort();
                readers.dedup();
                ("ORGANISATIONS", readers.iter().map(uuid::Uuid::to_string).collect::<Vec<_>>().join(","))
            };
            let update = Query::update()
                .table(Alias::new("audit_entry"))
                .value(Alias::new("audience"), audience)
                .value(Alias::new("readers"), readers.clone())
                .value(Alias::new("was_audience"), audience)
                .value(Alias::new("was_readers"), readers)
                .and_where(Expr::col(Alias::new("record_type")).eq(table))
                .and_where(Expr::col(Alias::new("record_id")).eq(record.id))
                .to_owned();
            db.execute(&update).await?;
        }
    }
    db.execute_unprepared("UPDATE audit_entry SET was_audience = 'NOBODY', was_readers = '' WHERE action = 'CREATE'")
        .await?;
    Ok(())
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let text = |name: &str, default: &str| {
            ColumnDef::new(Alias::new(name)).string().not_null().default(default.to_owned()).to_owned()
        };
        for column in [
            ColumnDef::new(Alias::new("sequence")).big_integer().null().to_owned(),
            text("audience", "NOBODY"),
            text("readers", ""),
            text("was_audience", "NOBODY"),
            text("was_readers", ""),
        ] {
            // One column per statement: SQLite adds one at a time.
            manager.alter_table(Table::alter().table(Alias::new("audit_entry")).add_column(column).to_owned()).await?;
        }
        // A new database has no entries to backfill, and its guard is left
        // alone (on SQLite, lifting it means dropping and recreating triggers).
        let entries = manager
            .get_connection()
            .query_one(&Query::select().expr(Expr::cust("COUNT(*)")).from(Alias::new("audit_entry")).to_owned())
            .await?
            .map(|row| row.try_get_by_index::<i64>(0))
            .transpose()?
            .unwrap_or(0);
        if entries > 0 {
            guard(manager, false).await?;
            backfill(manager).await?;
            guard(manager, true).await?;
        }
        manager
            .create_index(
                Index::create()
                    .name("ux_audit_entry_sequence")
                    .table(Alias::new("audit_entry"))
                    .col(Alias::new("sequence"))
                    .unique()
                    .to_owned(),
            )
            .await?;
        // The feed's start (the newest entry older than the retention) is
        // found through the entry times.
        manager
            .create_index(
                Index::create()
                    .name("ix_audit_entry_created_at")
                    .table(Alias::new("audit_entry"))
                    .col(Alias::new("created_at"))
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(Index::drop().name("ix_audit_entry_created_at").table(Alias::new("audit_entry")).to_owned())
            .await?;
        manager
            .drop_index(Index::drop().name("ux_audit_entry_sequence").table(Alias::new("audit_entry")).to_owned())
            .await?;
        for column in ["sequence", "audience", "readers", "was_audience", "was_readers"] {
            manager
                .alter_table(Table::alter().table(Alias::new("audit_entry")).drop_column(Alias::new(column)).to_owned())
                .await?;
        }
        Ok(())
    }
}
