//! Exchange between organisations: the identifiers partners give their own
//! records, the keys duplicate detection compares names by, judgements on
//! candidate duplicates, and reversible merges.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

fn organisation_fk(table: &'static str) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(format!("fk_{table}_organisation_id"))
        .from(table, "organisation_id")
        .to("organisation", "id")
        .on_delete(ForeignKeyAction::Restrict)
        .take()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // An organisation's own identifier for a record, as in its spreadsheet
        // or case system; re-importing the same identifier updates the record.
        manager
            .create_table(
                Table::create()
                    .table("external_id")
                    .col(pk_uuid("id"))
                    .col(uuid("organisation_id"))
                    .col(string_len("record_type", 40))
                    .col(string_len("external_id", 200))
                    .col(uuid("record_id"))
                    .col(timestamp_with_time_zone("created_at"))
                    .foreign_key(&mut organisation_fk("external_id"))
                    .take(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_external_id_organisation_id_record_type_external_id")
                    .table("external_id")
                    .col("organisation_id")
                    .col("record_type")
                    .col("external_id")
                    .unique()
                    .take(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_external_id_record_type_record_id")
                    .table("external_id")
                    .col("record_type")
                    .col("record_id")
                    .take(),
            )
            .await?;

        // A record absorbed by a merge points at the record that absorbed it.
        for table in ["defender", "organisation"] {
            manager.alter_table(Table::alter().table(table).add_column(uuid_null("merged_into_id")).take()).await?;
        }

        // Name keys for finding candidate duplicates: several per record
        // (each name and other name, whole and in part).
        manager
            .create_table(
                Table::create()
                    .table("match_key")
                    .col(string_len("record_type", 40))
                    .col(string_len("key", 200))
                    .col(uuid("record_id"))
                    .primary_key(Index::create().col("record_type").col("key").col("record_id"))
                    .take(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_match_key_record_type_record_id")
                    .table("match_key")
                    .col("record_type")
                    .col("record_id")
                    .take(),
            )
            .await?;

        // An organisation's judgement on whether two records describe the same
        // person or organisation. The pair is stored with the smaller id first.
        manager
            .create_table(
                Table::create()
                    .table("duplicate_judgement")
                    .col(pk_uuid("id"))
                    .col(string_len("record_type", 40))
                    .col(uuid("first_id"))
                    .col(uuid("second_id"))
                    .col(uuid("organisation_id"))
                    .col(string_len("verdict", 40))
                    .col(text_null("note"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .foreign_key(&mut organisation_fk("duplicate_judgement"))
                    .take(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_duplicate_judgement_pair_organisation")
                    .table("duplicate_judgement")
                    .col("record_type")
                    .col("first_id")
                    .col("second_id")
                    .col("organisation_id")
                    .unique()
                    .take(),
            )
            .await?;

        // A merge, with what it moved, so that it can be undone exactly.
        manager
            .create_table(
                Table::create()
                    .table("record_merge")
                    .col(pk_uuid("id"))
                    .col(string_len("record_type", 40))
                    .col(uuid("survivor_id"))
                    .col(uuid("absorbed_id"))
                    .col(uuid("organisation_id"))
                    .col(uuid_null("api_key_id"))
                    // JSON: the rows moved to the survivor and the fields it took.
                    .col(text("moved"))
                    .col(timestamp_with_time_zone("merged_at"))
                    .col(timestamp_with_time_zone_null("undone_at"))
                    .foreign_key(&mut organisation_fk("record_merge"))
                    .take(),
            )
            .await?;
        for column in ["survivor_id", "absorbed_id"] {
            manager
                .create_index(
                    Index::create()
                        .name(format!("ix_record_merge_record_type_{column}"))
                        .table("record_merge")
                        .col("record_type")
                        .col(column)
                        .take(),
                )
                .await?;
        }

        // A record's history includes the history of the records merged
        // into it: each entry's subject is the record it now belongs to.
        manager
            .get_connection()
            .execute_unprepared(
                "CREATE VIEW audit_trail AS
                 SELECT e.id, e.record_type, e.record_id, e.action, e.version, e.organisation_id, e.api_key_id,
                        e.changes, e.created_at, COALESCE(m.survivor_id, e.record_id) AS subject_id
                 FROM audit_entry e
                 LEFT JOIN record_merge m
                   ON m.record_type = e.record_type AND m.absorbed_id = e.record_id AND m.undone_at IS NULL",
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.get_connection().execute_unprepared("DROP VIEW IF EXISTS audit_trail").await?;
        for table in ["record_merge", "duplicate_judgement", "match_key", "external_id"] {
            manager.drop_table(Table::drop().table(table).take()).await?;
        }
        for table in ["defender", "organisation"] {
            manager.alter_table(Table::alter().table(table).drop_column("merged_into_id").take()).await?;
        }
        Ok(())
    }
}
