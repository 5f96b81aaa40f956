//! Name keys gain one key per word (`t:` and the word's outline), so that
//! reconciliation finds a record whose name is misspelt in one word of
//! two: the pair keys of duplicate detection then share nothing. The keys
//! are derived data; they are cleared here and filed again, in the new
//! form, when the server starts (`duplicates::file_missing`).

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.exec_stmt(Query::delete().from_table("match_key").to_owned()).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // Word keys are ignored by duplicate detection; the next start of an
        // older server files what it lacks.
        manager
            .exec_stmt(Query::delete().from_table("match_key").and_where(Expr::col("key").like("t:%")).to_owned())
            .await
    }
}
