//! Exact name and title matches found by an index: a search ranks a bounded
//! set of candidates, and a record whose whole name is the query is always
//! among them, however many other records match.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_index(
                Index::create().name("ix_search_document_name_key").table("search_document").col("name_key").to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_index(Index::drop().name("ix_search_document_name_key").table("search_document").to_owned()).await
    }
}
