//! Suggestions find names by their beginning, in the order of their folded
//! names, through an index read as a range. Folded names are ASCII, and the
//! range must be byte order: PostgreSQL's default collation ignores spaces
//! at first, so a range on the existing index would miss names ("ma zu"
//! sorts after "ma{"). PostgreSQL gets an index in the "C" collation;
//! SQLite's index compares bytes already.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DatabaseBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() == DatabaseBackend::Postgres {
            manager
                .get_connection()
                .execute_unprepared(
                    r#"CREATE INDEX ix_search_document_name_key_c ON search_document ((name_key COLLATE "C"))"#,
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() == DatabaseBackend::Postgres {
            manager.get_connection().execute_unprepared("DROP INDEX IF EXISTS ix_search_document_name_key_c").await?;
        }
        Ok(())
    }
}
