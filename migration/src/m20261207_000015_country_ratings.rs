//! Civic-space ratings of countries (OPEN to CLOSED), dated, each a shared
//! record with the provenance columns, so that the one visibility rule, the
//! audit log, sharing and exchange treat it as every other kind.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use crate::m20261125_000001_create_schema::{enum_col, foreign, index, record_columns, sort_key};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let backend = manager.get_database_backend();
        let mut rating = Table::create()
            .table("country_rating")
            .col(pk_uuid("id"))
            .col(string_len("country_code", 2))
            .col(enum_col("rating"))
            .col(string_len("rated_on", 10))
            .col(uuid_null("organisation_id"))
            .col(uuid_null("source_id"))
            .col(text_null("note"))
            .col(sort_key(backend))
            .foreign_key(&mut foreign(("country_rating", "country_code"), ("country", "code")))
            .foreign_key(&mut foreign(("country_rating", "organisation_id"), ("organisation", "id")))
            .foreign_key(&mut foreign(("country_rating", "source_id"), ("source", "id")))
            .take();
        record_columns(&mut rating, "country_rating");
        manager.create_table(rating).await?;
        for index in [
            index("country_rating", &["country_code", "rated_on"]),
            index("country_rating", &["sort_key", "id"]),
            index("country_rating", &["organisation_id"]),
        ] {
            manager.create_index(index).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table("country_rating").take()).await
    }
}
