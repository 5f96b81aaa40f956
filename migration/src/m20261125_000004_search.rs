//! Search and dashboards: a search document per record with a full-text index
//! (SQLite FTS5, PostgreSQL `tsvector` with GIN), and indexes for the filters
//! and groupings of the statistics.
//!
//! The server folds every text before it is stored or searched (case,
//! accents, punctuation, transliteration to Latin letters), so both engines
//! index the same tokens and answer the same queries alike.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DatabaseBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

const SQLITE_INDEX: &[&str] = &[
    // An external-content index: the text lives once, in search_document.
    "CREATE VIRTUAL TABLE search_fts USING fts5(title, aliases, reference, summary, \
     content='search_document', content_rowid='id', tokenize='unicode61 remove_diacritics 2', prefix='2 3 4')",
    "CREATE TRIGGER search_document_ai AFTER INSERT ON search_document BEGIN \
     INSERT INTO search_fts(rowid, title, aliases, reference, summary) \
     VALUES (new.id, new.title, new.aliases, new.reference, new.summary); END",
    "CREATE TRIGGER search_document_ad AFTER DELETE ON search_document BEGIN \
     INSERT INTO search_fts(search_fts, rowid, title, aliases, reference, summary) \
     VALUES ('delete', old.id, old.title, old.aliases, old.reference, old.summary); END",
    "CREATE TRIGGER search_document_au AFTER UPDATE ON search_document BEGIN \
     INSERT INTO search_fts(search_fts, rowid, title, aliases, reference, summary) \
     VALUES ('delete', old.id, old.title, old.aliases, old.reference, old.summary); \
     INSERT INTO search_fts(rowid, title, aliases, reference, summary) \
     VALUES (new.id, new.title, new.aliases, new.reference, new.summary); END",
];

const POSTGRES_INDEX: &[&str] = &[
    // Weights rank names, titles and references (A) above other names (B)
    // above summaries (D). The 'simple' configuration neither stems nor drops
    // stop words: the text is names and references in many languages.
    "ALTER TABLE search_document ADD COLUMN document tsvector GENERATED ALWAYS AS (\
     setweight(to_tsvector('simple', title), 'A') || setweight(to_tsvector('simple', reference), 'A') || \
     setweight(to_tsvector('simple', aliases), 'B') || setweight(to_tsvector('simple', summary), 'D')) STORED",
    "CREATE INDEX ix_search_document_document ON search_document USING GIN (document)",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("search_document")
                    .col(pk_auto("id"))
                    .col(string_len("record_type", 40))
                    .col(uuid("record_id"))
                    .col(text("title"))
                    .col(text("aliases"))
                    .col(text("reference"))
                    .col(text("summary"))
                    // The folded name or title alone: an exact match ranks first.
                    .col(text("name_key"))
                    .take(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_search_document_record_type_record_id")
                    .table("search_document")
                    .col("record_type")
                    .col("record_id")
                    .unique()
                    .take(),
            )
            .await?;
        let statements = match manager.get_database_backend() {
            DatabaseBackend::Sqlite => SQLITE_INDEX,
            DatabaseBackend::Postgres => POSTGRES_INDEX,
            other => return Err(DbErr::Migration(format!("search is not available on {other:?}"))),
        };
        for statement in statements {
            manager.get_connection().execute_unprepared(statement).await?;
        }
        // Statistics and filters by date: case events by kind and date,
        // restrictions by introduction.
        for (name, table, columns) in [
            ("ix_case_event_kind_occurred_on", "case_event", &["kind", "occurred_on"][..]),
            ("ix_case_event_occurred_on", "case_event", &["occurred_on"][..]),
            ("ix_restriction_introduced_on", "restriction", &["introduced_on"][..]),
        ] {
            let mut index = Index::create().name(name).table(table).to_owned();
            for column in columns {
                index.col(*column);
            }
            manager.create_index(index).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (name, table) in [
            ("ix_case_event_kind_occurred_on", "case_event"),
            ("ix_case_event_occurred_on", "case_event"),
            ("ix_restriction_introduced_on", "restriction"),
        ] {
            manager.drop_index(Index::drop().name(name).table(table).to_owned()).await?;
        }
        if manager.get_database_backend() == DatabaseBackend::Sqlite {
            manager.get_connection().execute_unprepared("DROP TABLE IF EXISTS search_fts").await?;
        }
        manager.drop_table(Table::drop().table("search_document").take()).await
    }
}
