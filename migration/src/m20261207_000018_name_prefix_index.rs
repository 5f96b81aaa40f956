//! Suggestions find names by their beginning, in the order of their folded
//! names, through an index read as a range. Folded names are ASCII, and the
//! range must be byte order: PostgreSQL's default collation ignores spaces
//! at first, so a range on the existing index would miss names ("ma zu"
//! sorts after "ma{"). PostgreSQL's index is in the "C" collation;
//! SQLite compares bytes already.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DatabaseBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // With the type and id, the index gives the suggestions' order
        // itself, and a page stops reading at its end.
        let statement = match manager.get_database_backend() {
            DatabaseBackend::Postgres => {
                r#"CREATE INDEX ix_search_document_name_prefix ON search_document ((name_key COLLATE "C"), record_type, record_id)"#
            }
            _ => "CREATE INDEX ix_search_document_name_prefix ON search_document (name_key, record_type, record_id)",
        };
        manager.get_connection().execute_unprepared(statement).await.map(|_| ())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared("DROP INDEX IF EXISTS ix_search_document_name_prefix")
            .await
            .map(|_| ())
    }
}
