//! Statements: every value of a record's facts with the organisation that
//! asserted it, the source it cites, its language and when it was first and
//! last seen, after FollowTheMoney's statement model. The table starts empty:
//! the server files the statements of records that have none when it starts
//! (see `service::statements::backfill`), from each record's current values,
//! as its contributor's, first seen when the record was created and last seen
//! when it was last changed. The audit log keeps the history before that.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Statement {
    Table,
    Id,
    RecordType,
    RecordId,
    Property,
    Value,
    Language,
    OrganisationId,
    SourceId,
    Locator,
    Status,
    Current,
    FirstSeen,
    LastSeen,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Statement::Table)
                    .col(ColumnDef::new(Statement::Id).uuid().not_null().primary_key())
                    .col(ColumnDef::new(Statement::RecordType).string().not_null())
                    .col(ColumnDef::new(Statement::RecordId).uuid().not_null())
                    .col(ColumnDef::new(Statement::Property).string().not_null())
                    .col(ColumnDef::new(Statement::Value).text().not_null())
                    .col(ColumnDef::new(Statement::Language).string().null())
                    .col(ColumnDef::new(Statement::OrganisationId).uuid().null())
                    .col(ColumnDef::new(Statement::SourceId).uuid().null())
                    .col(ColumnDef::new(Statement::Locator).text().null())
                    .col(ColumnDef::new(Statement::Status).string().not_null())
                    .col(ColumnDef::new(Statement::Current).boolean().not_null())
                    .col(ColumnDef::new(Statement::FirstSeen).timestamp_with_time_zone().not_null())
                    .col(ColumnDef::new(Statement::LastSeen).timestamp_with_time_zone().not_null())
                    .to_owned(),
            )
            .await?;
        // A record's statements are read together, by property.
        manager
            .create_index(
                Index::create()
                    .name("ix_statement_record")
                    .table(Statement::Table)
                    .col(Statement::RecordId)
                    .col(Statement::Property)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(Statement::Table).to_owned()).await
    }
}
