//! Partner access: API keys of organisations, records shared with
//! organisations other than their contributor, and the append-only audit log.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DatabaseBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("api_key")
                    .col(pk_uuid("id"))
                    .col(uuid("organisation_id"))
                    .col(string_len("role", 40))
                    .col(string_null("label"))
                    // The first characters of the key, to tell keys apart; not secret on its own.
                    .col(string_len("prefix", 16))
                    // SHA-256 of the whole key, hex; the key itself is never stored.
                    .col(string_len_uniq("key_hash", 64))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone_null("expires_at"))
                    .col(timestamp_with_time_zone_null("revoked_at"))
                    .col(timestamp_with_time_zone_null("last_used_at"))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_api_key_organisation_id")
                            .from("api_key", "organisation_id")
                            .to("organisation", "id")
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .take(),
            )
            .await?;
        manager
            .create_index(
                Index::create().name("ix_api_key_organisation_id").table("api_key").col("organisation_id").take(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("record_share")
                    .col(pk_uuid("id"))
                    // The table of the shared record, such as `defender`.
                    .col(string_len("record_type", 40))
                    .col(uuid("record_id"))
                    .col(uuid("organisation_id"))
                    .col(string_len("access", 40))
                    .col(boolean("confidential").default(false))
                    .col(timestamp_with_time_zone("created_at"))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_record_share_organisation_id")
                            .from("record_share", "organisation_id")
                            .to("organisation", "id")
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .take(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_record_share_record_type_record_id_organisation_id")
                    .table("record_share")
                    .col("record_type")
                    .col("record_id")
                    .col("organisation_id")
                    .unique()
                    .take(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_record_share_organisation_id_record_type")
                    .table("record_share")
                    .col("organisation_id")
                    .col("record_type")
                    .col("record_id")
                    .take(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("audit_entry")
                    .col(pk_uuid("id"))
                    .col(string_len("record_type", 40))
                    .col(uuid("record_id"))
                    .col(string_len("action", 40))
                    // The record's version after the change.
                    .col(integer("version"))
                    .col(uuid_null("organisation_id"))
                    .col(uuid_null("api_key_id"))
                    // JSON: [{ "field", "from", "to", "confidential" }].
                    .col(text("changes"))
                    .col(timestamp_with_time_zone("created_at"))
                    .take(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_audit_entry_record_type_record_id")
                    .table("audit_entry")
                    .col("record_type")
                    .col("record_id")
                    .col("created_at")
                    .take(),
            )
            .await?;
        // The audit log is append-only in the database itself, not just in the API.
        let db = manager.get_connection();
        match manager.get_database_backend() {
            DatabaseBackend::Postgres => {
                db.execute_unprepared(
                    "CREATE FUNCTION audit_entry_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
                     BEGIN RAISE EXCEPTION 'audit_entry is append-only'; END $$;
                     CREATE TRIGGER audit_entry_append_only BEFORE UPDATE OR DELETE ON audit_entry
                     FOR EACH ROW EXECUTE FUNCTION audit_entry_append_only();",
                )
                .await?;
            }
            _ => {
                for operation in ["UPDATE", "DELETE"] {
                    db.execute_unprepared(&format!(
                        "CREATE TRIGGER audit_entry_no_{op} BEFORE {operation} ON audit_entry
                         BEGIN SELECT RAISE(ABORT, 'audit_entry is append-only'); END;",
                        op = operation.to_lowercase()
                    ))
                    .await?;
                }
            }
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table("audit_entry").take()).await?;
        if manager.get_database_backend() == DatabaseBackend::Postgres {
            manager.get_connection().execute_unprepared("DROP FUNCTION IF EXISTS audit_entry_append_only()").await?;
        }
        manager.drop_table(Table::drop().table("record_share").take()).await?;
        manager.drop_table(Table::drop().table("api_key").take()).await?;
        Ok(())
    }
}
