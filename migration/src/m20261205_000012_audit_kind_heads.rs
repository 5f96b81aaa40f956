//! The last change of each record kind, found by an index lookup: the
//! response cache reads it on every cacheable request, to serve an answer
//! only while no record of a kind the query reads has changed.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_index(
                Index::create()
                    .name("ix_audit_entry_record_type_sequence")
                    .table("audit_entry")
                    .col("record_type")
                    .col("sequence")
                    .take(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(Index::drop().name("ix_audit_entry_record_type_sequence").table("audit_entry").to_owned())
            .await
    }
}
