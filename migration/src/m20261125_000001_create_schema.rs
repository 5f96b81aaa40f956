//! The linked data model: places, organisations, defenders and their cases,
//! restrictions, campaigns, sources and published indicators.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;
use sea_orm_migration::sea_orm::DatabaseBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Short enumerations are stored as their names.
const ENUM_LEN: u32 = 40;

/// A folded copy of a name or title that listings sort by. On PostgreSQL it
/// uses the "C" collation so that both engines order it byte by byte.
pub(crate) fn sort_key(backend: DatabaseBackend) -> ColumnDef {
    let mut col = string("sort_key");
    if backend == DatabaseBackend::Postgres {
        col.extra("COLLATE \"C\"");
    }
    col
}

pub(crate) fn enum_col(name: &'static str) -> ColumnDef {
    string_len(name, ENUM_LEN)
}

fn partial_date_null(name: &'static str) -> ColumnDef {
    string_len_null(name, 10)
}

pub(crate) fn foreign(
    from: (&'static str, &'static str),
    to: (&'static str, &'static str),
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(format!("fk_{}_{}", from.0, from.1))
        .from(from.0, from.1)
        .to(to.0, to.1)
        .on_delete(ForeignKeyAction::Restrict)
        .take()
}

/// The provenance columns every shared record carries.
pub(crate) fn record_columns(table: &mut TableCreateStatement, name: &'static str) {
    table
        .col(uuid_null("contributed_by_id"))
        .col(enum_col("visibility").default("PUBLIC"))
        .col(integer("version").default(1))
        .col(timestamp_with_time_zone_null("archived_at"))
        .col(timestamp_with_time_zone("created_at"))
        .col(timestamp_with_time_zone("updated_at"))
        .foreign_key(&mut foreign((name, "contributed_by_id"), ("organisation", "id")));
}

fn timestamps(table: &mut TableCreateStatement) {
    table.col(timestamp_with_time_zone("created_at")).col(timestamp_with_time_zone("updated_at"));
}

pub(crate) fn index(table: &'static str, columns: &[&'static str]) -> IndexCreateStatement {
    let mut index = Index::create();
    index.name(format!("ix_{table}_{}", columns.join("_"))).table(table);
    for column in columns {
        index.col(*column);
    }
    index
}

fn unique_index(table: &'static str, columns: &[&'static str]) -> IndexCreateStatement {
    let mut index = index(table, columns);
    index.name(format!("ux_{table}_{}", columns.join("_"))).unique();
    index
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let backend = manager.get_database_backend();

        manager
            .create_table(
                Table::create()
                    .table("dataset")
                    .col(string_len("name", 100).primary_key())
                    .col(timestamp_with_time_zone("loaded_at"))
                    .take(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("country")
                    .col(string_len("code", 2).primary_key())
                    .col(string_len_uniq("alpha3", 3))
                    .col(integer("numeric"))
                    .col(string("name"))
                    .col(sort_key(backend))
                    .take(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("subdivision")
                    .col(string_len("code", 10).primary_key())
                    .col(string_len("country_code", 2))
                    .col(string("name"))
                    .col(string_len("kind", 100))
                    .col(sort_key(backend))
                    .foreign_key(&mut foreign(("subdivision", "country_code"), ("country", "code")))
                    .take(),
            )
            .await?;

        let mut organisation = Table::create()
            .table("organisation")
            .col(pk_uuid("id"))
            .col(string("name"))
            .col(string_null("acronym"))
            .col(enum_col("kind"))
            .col(string_len_null("country_code", 2))
            .col(string_len_null("website", 2048))
            .col(text_null("summary"))
            .col(sort_key(backend))
            .foreign_key(&mut foreign(("organisation", "country_code"), ("country", "code")))
            .take();
        record_columns(&mut organisation, "organisation");
        manager.create_table(organisation).await?;

        let mut defender = Table::create()
            .table("defender")
            .col(pk_uuid("id"))
            .col(string("name"))
            .col(string_len("country_code", 2))
            .col(string_len_null("subdivision_code", 10))
            .col(string_null("occupation"))
            .col(text_null("summary"))
            .col(enum_col("status"))
            .col(enum_col("consent").default("UNKNOWN"))
            // Confidential: shown only to the contributor and those it grants them to.
            .col(text_null("exact_location"))
            .col(text_null("contact_details"))
            .col(text_null("safety_notes"))
            .col(sort_key(backend))
            .foreign_key(&mut foreign(("defender", "country_code"), ("country", "code")))
            .foreign_key(&mut foreign(("defender", "subdivision_code"), ("subdivision", "code")))
            .take();
        record_columns(&mut defender, "defender");
        manager.create_table(defender).await?;

        let mut defender_name = Table::create()
            .table("defender_name")
            .col(pk_uuid("id"))
            .col(uuid("defender_id"))
            .col(string("name"))
            .col(enum_col("kind"))
            .col(string_len_null("language", 35))
            .col(sort_key(backend))
            .foreign_key(&mut foreign(("defender_name", "defender_id"), ("defender", "id")))
            .take();
        timestamps(&mut defender_name);
        manager.create_table(defender_name).await?;

        manager
            .create_table(
                Table::create()
                    .table("defender_sector")
                    .col(uuid("defender_id"))
                    .col(enum_col("sector"))
                    .primary_key(Index::create().col("defender_id").col("sector"))
                    .foreign_key(&mut foreign(("defender_sector", "defender_id"), ("defender", "id")))
                    .take(),
            )
            .await?;

        let mut affiliation = Table::create()
            .table("affiliation")
            .col(pk_uuid("id"))
            .col(uuid("defender_id"))
            .col(uuid("organisation_id"))
            .col(string_null("role"))
            .col(partial_date_null("started_on"))
            .col(partial_date_null("ended_on"))
            .foreign_key(&mut foreign(("affiliation", "defender_id"), ("defender", "id")))
            .foreign_key(&mut foreign(("affiliation", "organisation_id"), ("organisation", "id")))
            .take();
        timestamps(&mut affiliation);
        manager.create_table(affiliation).await?;

        let mut restriction = Table::create()
            .table("restriction")
            .col(pk_uuid("id"))
            .col(string_len("title", 1000))
            .col(string_null("reference"))
            .col(enum_col("kind"))
            .col(enum_col("status"))
            .col(string_len("country_code", 2))
            .col(string_len_null("subdivision_code", 10))
            .col(partial_date_null("introduced_on"))
            .col(partial_date_null("decided_on"))
            .col(text_null("summary"))
            .col(sort_key(backend))
            .foreign_key(&mut foreign(("restriction", "country_code"), ("country", "code")))
            .foreign_key(&mut foreign(("restriction", "subdivision_code"), ("subdivision", "code")))
            .take();
        record_columns(&mut restriction, "restriction");
        manager.create_table(restriction).await?;

        manager
            .create_table(
                Table::create()
                    .table("restriction_right")
                    .col(uuid("restriction_id"))
                    .col(enum_col("right"))
                    .primary_key(Index::create().col("restriction_id").col("right"))
                    .foreign_key(&mut foreign(("restriction_right", "restriction_id"), ("restriction", "id")))
                    .take(),
            )
            .await?;

        let mut status_change = Table::create()
            .table("restriction_status_change")
            .col(pk_uuid("id"))
            .col(uuid("restriction_id"))
            .col(enum_col("status"))
            .col(partial_date_null("changed_on"))
            .col(text_null("note"))
            .foreign_key(&mut foreign(("restriction_status_change", "restriction_id"), ("restriction", "id")))
            .take();
        timestamps(&mut status_change);
        manager.create_table(status_change).await?;

        let mut case_event = Table::create()
            .table("case_event")
            .col(pk_uuid("id"))
            .col(uuid("defender_id"))
            .col(enum_col("kind"))
            .col(partial_date_null("occurred_on"))
            .col(text_null("description"))
            .col(string_len_null("perpetrator_type", ENUM_LEN))
            .col(integer_null("sentence_months"))
            .col(boolean("sentence_life").default(false))
            .col(uuid_null("restriction_id"))
            .foreign_key(&mut foreign(("case_event", "defender_id"), ("defender", "id")))
            .foreign_key(&mut foreign(("case_event", "restriction_id"), ("restriction", "id")))
            .take();
        timestamps(&mut case_event);
        manager.create_table(case_event).await?;

        manager
            .create_table(
                Table::create()
                    .table("defender_restriction")
                    .col(pk_uuid("id"))
                    .col(uuid("defender_id"))
                    .col(uuid("restriction_id"))
                    .col(enum_col("relation"))
                    .col(text_null("note"))
                    .col(timestamp_with_time_zone("created_at"))
                    .foreign_key(&mut foreign(("defender_restriction", "defender_id"), ("defender", "id")))
                    .foreign_key(&mut foreign(("defender_restriction", "restriction_id"), ("restriction", "id")))
                    .take(),
            )
            .await?;

        let mut campaign = Table::create()
            .table("campaign")
            .col(pk_uuid("id"))
            .col(string_len("title", 1000))
            .col(enum_col("kind"))
            .col(enum_col("status"))
            .col(uuid_null("lead_organisation_id"))
            .col(partial_date_null("started_on"))
            .col(partial_date_null("ended_on"))
            .col(text_null("summary"))
            .col(string_len_null("outcome", ENUM_LEN))
            .col(text_null("outcome_summary"))
            .col(sort_key(backend))
            .foreign_key(&mut foreign(("campaign", "lead_organisation_id"), ("organisation", "id")))
            .take();
        record_columns(&mut campaign, "campaign");
        manager.create_table(campaign).await?;

        manager
            .create_table(
                Table::create()
                    .table("campaign_defender")
                    .col(uuid("campaign_id"))
                    .col(uuid("defender_id"))
                    .primary_key(Index::create().col("campaign_id").col("defender_id"))
                    .foreign_key(&mut foreign(("campaign_defender", "campaign_id"), ("campaign", "id")))
                    .foreign_key(&mut foreign(("campaign_defender", "defender_id"), ("defender", "id")))
                    .take(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("campaign_restriction")
                    .col(uuid("campaign_id"))
                    .col(uuid("restriction_id"))
                    .primary_key(Index::create().col("campaign_id").col("restriction_id"))
                    .foreign_key(&mut foreign(("campaign_restriction", "campaign_id"), ("campaign", "id")))
                    .foreign_key(&mut foreign(("campaign_restriction", "restriction_id"), ("restriction", "id")))
                    .take(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("campaign_area")
                    .col(pk_uuid("id"))
                    .col(uuid("campaign_id"))
                    .col(string_len("country_code", 2))
                    .col(string_len_null("subdivision_code", 10))
                    .foreign_key(&mut foreign(("campaign_area", "campaign_id"), ("campaign", "id")))
                    .foreign_key(&mut foreign(("campaign_area", "country_code"), ("country", "code")))
                    .foreign_key(&mut foreign(("campaign_area", "subdivision_code"), ("subdivision", "code")))
                    .take(),
            )
            .await?;

        let mut source = Table::create()
            .table("source")
            .col(pk_uuid("id"))
            .col(string_len_null("url", 2048))
            .col(string_len("title", 1000))
            .col(string_null("publisher"))
            .col(partial_date_null("published_on"))
            .col(sort_key(backend))
            .take();
        record_columns(&mut source, "source");
        manager.create_table(source).await?;

        manager
            .create_table(
                Table::create()
                    .table("citation")
                    .col(pk_uuid("id"))
                    .col(uuid("source_id"))
                    .col(string_len("record_type", ENUM_LEN))
                    .col(uuid("record_id"))
                    .col(text_null("locator"))
                    .col(timestamp_with_time_zone("created_at"))
                    .foreign_key(&mut foreign(("citation", "source_id"), ("source", "id")))
                    .take(),
            )
            .await?;

        let mut indicator = Table::create()
            .table("indicator")
            .col(pk_uuid("id"))
            .col(string_len("key", 200))
            .col(text("description"))
            .col(big_integer("value"))
            .col(enum_col("qualifier"))
            .col(string("unit"))
            .col(integer_null("year"))
            .col(string_len_null("country_code", 2))
            .col(uuid_null("source_id"))
            .foreign_key(&mut foreign(("indicator", "country_code"), ("country", "code")))
            .foreign_key(&mut foreign(("indicator", "source_id"), ("source", "id")))
            .take();
        record_columns(&mut indicator, "indicator");
        manager.create_table(indicator).await?;

        let indexes = [
            index("subdivision", &["country_code", "sort_key", "code"]),
            index("organisation", &["sort_key", "id"]),
            index("organisation", &["country_code"]),
            index("defender", &["sort_key", "id"]),
            index("defender", &["country_code", "sort_key", "id"]),
            index("defender", &["subdivision_code", "sort_key", "id"]),
            index("defender", &["status", "sort_key", "id"]),
            index("defender", &["updated_at", "id"]),
            index("defender_name", &["defender_id"]),
            index("defender_sector", &["sector", "defender_id"]),
            index("affiliation", &["defender_id"]),
            index("affiliation", &["organisation_id"]),
            index("case_event", &["defender_id", "occurred_on"]),
            index("case_event", &["restriction_id"]),
            index("restriction", &["sort_key", "id"]),
            index("restriction", &["country_code", "sort_key", "id"]),
            index("restriction", &["subdivision_code", "sort_key", "id"]),
            index("restriction", &["updated_at", "id"]),
            index("restriction_right", &["right", "restriction_id"]),
            index("restriction_status_change", &["restriction_id", "changed_on"]),
            unique_index("defender_restriction", &["defender_id", "restriction_id"]),
            index("defender_restriction", &["restriction_id"]),
            index("campaign", &["sort_key", "id"]),
            index("campaign", &["lead_organisation_id"]),
            index("campaign", &["updated_at", "id"]),
            index("campaign_defender", &["defender_id"]),
            index("campaign_restriction", &["restriction_id"]),
            index("campaign_area", &["campaign_id"]),
            index("campaign_area", &["country_code", "campaign_id"]),
            index("campaign_area", &["subdivision_code", "campaign_id"]),
            index("source", &["sort_key", "id"]),
            index("citation", &["record_type", "record_id"]),
            index("citation", &["source_id"]),
            index("indicator", &["key"]),
            index("indicator", &["country_code"]),
        ];
        for index in indexes {
            manager.create_index(index).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            "indicator",
            "citation",
            "source",
            "campaign_area",
            "campaign_restriction",
            "campaign_defender",
            "campaign",
            "defender_restriction",
            "case_event",
            "restriction_status_change",
            "restriction_right",
            "restriction",
            "affiliation",
            "defender_sector",
            "defender_name",
            "defender",
            "organisation",
            "subdivision",
            "country",
            "dataset",
        ] {
            manager.drop_table(Table::drop().table(table).take()).await?;
        }
        Ok(())
    }
}
