//! The application: a migrated database, the GraphQL schema and an HTTP
//! server bound to its address.

use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;

use anyhow::Context;
use migration::{Migrator, MigratorTrait};
use sea_orm::DatabaseConnection;
use tokio::net::TcpListener;

use crate::config::Settings;
use crate::db::{self, DatabaseHealth, StatementCounter};
use crate::http::{self, AppState};
use crate::seed::{reference as reference_data, sample as sample_data};
use crate::service::places::CountryTable;
use crate::service::{duplicates, search};

/// A server ready to run: its database is migrated and loaded, its port bound.
pub struct Application {
    listener: TcpListener,
    router: axum::Router,
    statements: StatementCounter,
    db: DatabaseConnection,
    state: AppState,
    health: DatabaseHealth,
    shutdown_grace: Duration,
}

/// How often the database is pinged to tell whether it answers.
const HEALTH_INTERVAL: Duration = Duration::from_secs(1);

/// Applies pending migrations, then loads the reference lists and (unless
/// told not to) the sample dataset into a new database.
pub async fn prepare_database(db: &DatabaseConnection, settings: &Settings) -> anyhow::Result<()> {
    migrate(db).await?;
    reference_data::load(db).await.context("could not load the ISO 3166 reference lists")?;
    if !settings.skip_sample_data {
        sample_data::load(db).await.context("could not load the sample dataset")?;
    }
    file_derived(db).await
}

/// Files what records written before a migration lack: their names for
/// duplicate detection, their statements, their search entries. Records
/// that have them are left alone, so it runs at every start (and in
/// `rights-graph migrate`, ahead of a rollout) at little cost.
pub async fn file_derived(db: &DatabaseConnection) -> anyhow::Result<()> {
    let filed = duplicates::file_missing(db)
        .await
        .map_err(|_| anyhow::anyhow!("could not file the names of existing records for duplicate detection"))?;
    if filed > 0 {
        tracing::info!(records = filed, "filed names for duplicate detection");
    }
    let stated = crate::service::statements::backfill::file_missing(db)
        .await
        .map_err(|_| anyhow::anyhow!("could not file the statements of existing records"))?;
    if stated > 0 {
        tracing::info!(records = stated, "filed statements of existing records");
    }
    let indexed =
        search::index_missing(db).await.map_err(|_| anyhow::anyhow!("could not index existing records for search"))?;
    if indexed > 0 {
        tracing::info!(records = indexed, "indexed records for search");
    }
    Ok(())
}

/// Applies pending migrations.
pub async fn migrate(db: &DatabaseConnection) -> anyhow::Result<()> {
    Migrator::up(db, None).await.context("could not migrate the database")
}

impl Application {
    /// Connects to and prepares the database, then binds the listen address
    /// (port 0 picks a free port).
    pub async fn build(settings: &Settings) -> anyhow::Result<Self> {
        let (db, statements) = db::connect(settings).await?;
        prepare_database(&db, settings).await?;
        let listener = TcpListener::bind(settings.listen)
            .await
            .with_context(|| format!("could not listen on {}", settings.listen))?;
        let health = DatabaseHealth::default();
        let countries = CountryTable::load(&db).await.context("could not read the countries")?;
        let background = db::connect_background(settings).await?;
        let state = AppState::new(settings, db.clone(), background, statements.clone(), health.clone(), countries)?;
        let router = http::router(state.clone(), settings)?;
        let shutdown_grace = Duration::from_secs(settings.operations.shutdown_grace);
        Ok(Application { listener, router, statements, db, state, health, shutdown_grace })
    }

    /// The address the server listens on.
    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// Counts the SQL statements the server runs.
    pub fn statement_counter(&self) -> StatementCounter {
        self.statements.clone()
    }

    /// The database connection pool.
    pub fn database(&self) -> DatabaseConnection {
        self.db.clone()
    }

    /// Serves until SIGINT or SIGTERM, then finishes in-flight requests.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.run_until(shutdown_signal()).await
    }

    /// Serves until `signal` completes, then stops accepting connections and
    /// lets requests in flight finish, for up to the shutdown grace period.
    pub async fn run_until(self, signal: impl Future<Output = ()> + Send + 'static) -> std::io::Result<()> {
        tracing::info!(address = %self.listener.local_addr()?, "serving GraphQL at /graphql");
        let watcher = tokio::spawn(self.health.clone().watch(self.db.clone(), HEALTH_INTERVAL));
        let limiter = self.state.limiter();
        let cleaner = tokio::spawn(async move {
            let period = Duration::from_secs(limiter.window_seconds().clamp(60, 3_600));
            loop {
                tokio::time::sleep(period).await;
                if limiter.forget_ended_windows().await.is_err() {
                    tracing::warn!("could not delete ended rate-limit windows; will retry");
                }
            }
        });
        let webhooks = tokio::spawn(crate::http::webhooks::deliver_forever(self.state.clone()));
        let (stopping, mut stopped) = tokio::sync::watch::channel(false);
        let signal = async move {
            signal.await;
            let _ = stopping.send(true);
        };
        let service = self.router.into_make_service_with_connect_info::<SocketAddr>();
        let server = axum::serve(self.listener, service).with_graceful_shutdown(signal);
        let grace = self.shutdown_grace;
        let deadline = async move {
            let _ = stopped.wait_for(|stopping| *stopping).await;
            tokio::time::sleep(grace).await;
        };
        tokio::select! {
            served = server => served?,
            _ = deadline => {
                tracing::warn!(grace_seconds = grace.as_secs(), "requests still running at the end of the grace period; stopping them");
            }
        }
        watcher.abort();
        cleaner.abort();
        webhooks.abort();
        self.db.close().await.ok();
        tracing::info!("stopped");
        Ok(())
    }
}

async fn shutdown_signal() {
    let interrupt = async {
        if let Err(error) = tokio::signal::ctrl_c().await {
            tracing::error!(%error, "could not listen for SIGINT");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(error) => {
                tracing::error!(%error, "could not listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = interrupt => {},
        _ = terminate => {},
    }
    tracing::info!("shutting down: finishing requests in flight");
}
