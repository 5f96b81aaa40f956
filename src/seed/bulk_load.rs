//! Secondary indexes set aside for a bulk load and rebuilt after it.
//!
//! Inserting a million rows into tables that keep every index up to date
//! costs a B-tree descent per row per index, most of them at random pages;
//! building an index once from the finished table is a sort. On both engines
//! dropping the secondary indexes, loading, and creating them again inside
//! the same transaction more than halves the time of a large load, and the
//! transaction keeps it all or nothing: a failed load rolls the indexes back
//! with the rows.
//!
//! Unique indexes stay: they guard the data (and `ON CONFLICT` needs them).
//! The tables are locked for the whole transaction (PostgreSQL takes an
//! exclusive lock for `DROP INDEX`, SQLite writes one at a time anyway), so
//! this is for loads, not for the write paths of a running service.

use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{ConnectionTrait, DatabaseBackend, DbErr};

/// Indexes dropped from a set of tables, with the statements that create them again.
#[derive(Debug)]
#[must_use = "the indexes must be rebuilt before the transaction commits"]
pub struct DeferredIndexes {
    definitions: Vec<(String, String)>,
}

impl DeferredIndexes {
    /// Drops the non-unique indexes of `tables` (in the current schema).
    pub async fn drop<C: ConnectionTrait>(db: &C, tables: &[&str]) -> Result<Self, DbErr> {
        let backend = db.get_database_backend();
        let tables = tables.iter().map(|table| Expr::val(*table));
        let catalogue = match backend {
            DatabaseBackend::Postgres => Query::select()
                .columns(["indexname", "indexdef"])
                .from("pg_indexes")
                .and_where(Expr::col("schemaname").eq(Expr::cust("current_schema()")))
                .and_where(Expr::col("tablename").is_in(tables))
                .and_where(Expr::col("indexdef").not_like("CREATE UNIQUE %"))
                .to_owned(),
            _ => Query::select()
                .columns(["name", "sql"])
                .from("sqlite_master")
                .and_where(Expr::col("type").eq("index"))
                .and_where(Expr::col("tbl_name").is_in(tables))
                // Indexes that back a primary key or unique constraint have no text.
                .and_where(Expr::col("sql").is_not_null())
                .and_where(Expr::col("sql").not_like("CREATE UNIQUE %"))
                .to_owned(),
        };
        let mut definitions = Vec::new();
        for row in db.query_all(&catalogue).await? {
            let (name, definition): (String, String) = (row.try_get_by_index(0)?, row.try_get_by_index(1)?);
            definitions.push((name, definition));
        }
        for (name, _) in &definitions {
            db.execute_unprepared(&format!("DROP INDEX \"{}\"", name.replace('"', "\"\""))).await?;
        }
        Ok(DeferredIndexes { definitions })
    }

    /// Creates the indexes again, exactly as they were defined; returns how many.
    pub async fn rebuild<C: ConnectionTrait>(self, db: &C) -> Result<usize, DbErr> {
        if db.get_database_backend() == DatabaseBackend::Postgres {
            // Sorts for index builds spill to disk above this (default 64 MB).
            db.execute_unprepared("SET LOCAL maintenance_work_mem = '256MB'").await?;
        }
        for (_, definition) in &self.definitions {
            db.execute_unprepared(definition).await?;
        }
        Ok(self.definitions.len())
    }
}
