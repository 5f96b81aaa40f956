//! Database connections for SQLite and PostgreSQL.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use anyhow::{Context, bail};
use sea_orm::{ConnectOptions, ConnectionTrait, Database, DatabaseBackend, DatabaseConnection};

use crate::config::Settings;

/// Counts the SQL statements a connection pool runs. Tests and benchmarks read
/// it to check that a request's statements depend on its shape only.
#[derive(Clone, Debug, Default)]
pub struct StatementCounter(Arc<AtomicU64>);

impl StatementCounter {
    /// Statements run so far.
    pub fn get(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

/// Checks that a database URL names an engine rights-graph supports. The URL
/// itself is never echoed: it may hold a password.
pub fn check_url(url: &str) -> anyhow::Result<()> {
    let scheme = url.split_once(':').map(|(scheme, _)| scheme).unwrap_or_default();
    match scheme {
        "sqlite" | "postgres" | "postgresql" => Ok(()),
        _ => bail!(
            "DATABASE_URL must start with sqlite: or postgres: (such as sqlite://rights-graph.db?mode=rwc or postgres://user@localhost/rights_graph)"
        ),
    }
}

/// Opens a connection pool and counts its statements.
pub async fn connect(settings: &Settings) -> anyhow::Result<(DatabaseConnection, StatementCounter)> {
    check_url(&settings.database_url)?;
    let mut options = ConnectOptions::new(settings.database_url.clone());
    options
        .max_connections(settings.database_max_connections)
        .min_connections(1)
        .connect_timeout(Duration::from_secs(10))
        .acquire_timeout(Duration::from_secs(10))
        // Statements are counted and timed by the metric callback instead;
        // sqlx's own log would write bound values (record contents) to the log.
        .sqlx_logging(false);
    let mut db = Database::connect(options).await.context("could not connect to the database")?;
    if db.get_database_backend() == DatabaseBackend::Sqlite {
        // WAL lets readers proceed while a write is in progress.
        db.execute_unprepared("PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON;")
            .await
            .context("could not configure SQLite")?;
    }
    let counter = StatementCounter::default();
    let count = counter.0.clone();
    db.set_metric_callback(move |info| {
        count.fetch_add(1, Ordering::Relaxed);
        if info.failed {
            tracing::warn!(elapsed_ms = info.elapsed.as_millis() as u64, "database statement failed");
        }
    });
    Ok((db, counter))
}
