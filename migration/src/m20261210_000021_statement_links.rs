//! A statement of a link (a defender's affiliation or restriction, a
//! campaign's lead organisation, defenders or restrictions) keeps the id of
//! the record its value names in a column of the id's own type, so that
//! whether the viewer may see that record is one comparison of ids on
//! every engine. (Its value holds the id as text, which SQLite cannot
//! compare with an id stored as bytes.)

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DatabaseBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Statement {
    Table,
    LinkedId,
}

/// The properties whose values name a record, by the table that holds them.
const LINKS: &str = "(record_type = 'defender' AND property IN ('affiliation', 'restriction'))
    OR (record_type = 'campaign' AND property IN ('leadOrganisation', 'defender', 'restriction'))";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Statement::Table)
                    .add_column(ColumnDef::new(Statement::LinkedId).uuid().null())
                    .to_owned(),
            )
            .await?;
        let db = manager.get_connection();
        // The value is the id as text; SQLite stores ids as their 16 bytes.
        let id = match db.get_database_backend() {
            DatabaseBackend::Sqlite => "unhex(replace(value, '-', ''))",
            _ => "CAST(value AS uuid)",
        };
        db.execute_unprepared(&format!("UPDATE statement SET linked_id = {id} WHERE {LINKS}")).await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.alter_table(Table::alter().table(Statement::Table).drop_column(Statement::LinkedId).to_owned()).await
    }
}
