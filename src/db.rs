//! Database connections for SQLite and PostgreSQL.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use sea_orm::{ConnectOptions, Database, DatabaseBackend, DatabaseConnection};

use crate::config::Settings;

/// Counts the SQL statements a connection pool runs. Tests and benchmarks read
/// it to check that a request's statements depend on its shape only; the
/// benchmark also records them, to replay them straight to the database.
#[derive(Clone, Debug, Default)]
pub struct StatementCounter(Arc<AtomicU64>, Arc<Recorder>);

#[derive(Debug, Default)]
struct Recorder {
    on: AtomicBool,
    statements: std::sync::Mutex<Vec<sea_orm::Statement>>,
}

impl StatementCounter {
    /// Statements run so far.
    pub fn get(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }

    /// Starts keeping every statement run (with its values) until
    /// [`StatementCounter::stop_recording`]. For benchmarks: it keeps record contents in memory.
    pub fn start_recording(&self) {
        self.1.statements.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).clear();
        self.1.on.store(true, Ordering::SeqCst);
    }

    /// Stops recording and returns the statements run since it started.
    pub fn stop_recording(&self) -> Vec<sea_orm::Statement> {
        self.1.on.store(false, Ordering::SeqCst);
        std::mem::take(&mut *self.1.statements.lock().unwrap_or_else(|poisoned| poisoned.into_inner()))
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

/// The URL with its password masked, for messages and `check-config`.
pub fn redact_url(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) if parsed.password().is_some() => {
            let _ = parsed.set_password(Some("********"));
            parsed.to_string()
        }
        _ => url.to_owned(),
    }
}

/// Opens a connection pool and counts its statements. While the database
/// cannot be reached, retries with exponential backoff for up to
/// `database_connect_timeout` seconds, saying so in the log.
pub async fn connect(settings: &Settings) -> anyhow::Result<(DatabaseConnection, StatementCounter)> {
    check_url(&settings.database.database_url)?;
    let options = options(settings, settings.database.pool_size());
    let give_up = Instant::now() + Duration::from_secs(settings.database.database_connect_timeout);
    let mut delay = Duration::from_millis(250);
    let mut attempt = 1;
    // Each attempt gives up after a second (the pool's own acquire timeout
    // would make one attempt last as long as all of them).
    let mut probe = options.clone();
    probe.acquire_timeout(Duration::from_secs(1)).connect_timeout(Duration::from_secs(1));
    loop {
        match Database::connect(probe.clone()).await {
            Ok(db) => {
                db.close().await.ok();
                break;
            }
            Err(error) if Instant::now() + delay < give_up => {
                tracing::warn!(
                    attempt,
                    retry_in_ms = delay.as_millis() as u64,
                    %error,
                    "database unreachable; retrying"
                );
                tokio::time::sleep(delay).await;
                delay = (delay * 2).min(Duration::from_secs(5));
                attempt += 1;
            }
            Err(error) => {
                return Err(anyhow::Error::new(error).context(format!(
                    "could not connect to the database at {} ({attempt} attempts over {} s)",
                    redact_url(&settings.database.database_url),
                    settings.database.database_connect_timeout
                )));
            }
        }
    }
    let mut db = Database::connect(options).await.context("could not connect to the database")?;
    if attempt > 1 {
        tracing::info!(attempts = attempt, "database reachable");
    }
    let counter = StatementCounter::default();
    let (count, recorder) = (counter.0.clone(), counter.1.clone());
    db.set_metric_callback(move |info| {
        count.fetch_add(1, Ordering::Relaxed);
        if recorder.on.load(Ordering::Relaxed) {
            recorder.statements.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).push(info.statement.clone());
        }
        if info.failed {
            tracing::warn!(elapsed_ms = info.elapsed.as_millis() as u64, "database statement failed");
        }
    });
    Ok((db, counter))
}

/// A small pool for the server's background work (following the change
/// feed's head, checking the keys of open connections, delivering webhooks),
/// kept apart from the requests' pool: its statements are not the requests'
/// and are not counted with them, and a burst of requests does not delay it.
pub async fn connect_background(settings: &Settings) -> anyhow::Result<DatabaseConnection> {
    let mut options = options(settings, 4);
    options.min_connections(0);
    Database::connect(options).await.context("could not connect to the database")
}

/// The pool's options: `pool_size` connections at most.
fn options(settings: &Settings, pool_size: u32) -> ConnectOptions {
    let mut options = ConnectOptions::new(settings.database.database_url.clone());
    options
        .max_connections(pool_size)
        .min_connections(1)
        .connect_timeout(Duration::from_secs(10))
        // sqlx checks a connection with a round trip when it goes back to the
        // pool; checking it again on every checkout doubled the round trips of
        // each statement under load. A connection idle for a second or more is
        // still checked before use: while the database is away requests are
        // refused, so after a restart every pooled connection has been idle
        // that long and a dead one is dropped instead of failing a request.
        .test_before_acquire_if_idle_for(Duration::from_secs(1))
        // Requests fail fast when the database is away rather than queueing.
        .acquire_timeout(Duration::from_secs(settings.database.database_acquire_timeout))
        // Statements are counted and timed by the metric callback instead;
        // sqlx's own log would write bound values (record contents) to the log.
        .sqlx_logging(false)
        // Just-in-time compilation pays off for long analytical queries; for
        // a service's short ones it costs tens to hundreds of milliseconds per
        // statement whose estimate crosses `jit_above_cost` (search, counts).
        //
        // PostgreSQL's default `random_page_cost` (4) prices an index lookup
        // as if it read a spinning disk; a service's working set is in memory
        // or on SSD, where 1.1 is the usual setting. With 4, a page of
        // defenders' campaigns hashed the whole campaign table (5 ms at
        // 100,000 defenders) instead of looking up 20 campaigns (0.8 ms).
        // Set for rights-graph's own sessions only.
        .map_sqlx_postgres_opts(|options| options.options([("jit", "off"), ("random_page_cost", "1.1")]))
        // WAL lets readers proceed while a write is in progress. With NORMAL
        // synchronisation (SQLite's recommended pairing for WAL) a commit
        // survives an application crash; only a power loss can undo the
        // latest ones. FULL would sync the disk on every commit.
        .map_sqlx_sqlite_opts(|options| {
            options
                .journal_mode(sea_orm::sqlx::sqlite::SqliteJournalMode::Wal)
                .synchronous(sea_orm::sqlx::sqlite::SqliteSynchronous::Normal)
                .foreign_keys(true)
        });
    options
}

/// Starts a transaction that reads, then writes. On SQLite it takes the
/// write lock at once (`BEGIN IMMEDIATE`): a deferred transaction that
/// read before another connection committed cannot then write (WAL refuses
/// the upgrade with SQLITE_BUSY at once, whatever the busy timeout), while
/// an immediate one waits its turn. Every write path (records, citations,
/// imports, merges, sharing) begins this way. PostgreSQL begins as usual.
pub async fn begin_write(db: &sea_orm::DatabaseConnection) -> Result<sea_orm::DatabaseTransaction, sea_orm::DbErr> {
    use sea_orm::{SqliteTransactionMode, TransactionOptions, TransactionTrait};
    db.begin_with_options(TransactionOptions {
        sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
        ..TransactionOptions::default()
    })
    .await
}

/// Refreshes the planners' statistics after a large load, which both
/// engines would otherwise plan with as if the tables were still small.
/// `vacuum` also vacuums on PostgreSQL, marking the new rows all-visible so
/// that counts can read indexes alone; it reads every table, so it is for
/// bulk loads into a database being prepared, not for a running service.
pub async fn refresh_statistics<C: sea_orm::ConnectionTrait>(db: &C, vacuum: bool) -> Result<(), sea_orm::DbErr> {
    let statement = match db.get_database_backend() {
        DatabaseBackend::Postgres if vacuum => "VACUUM (ANALYZE)",
        DatabaseBackend::Postgres => "ANALYZE",
        // A bounded sample per index, as SQLite advises for large databases:
        // the whole-table pass would read (and cache) every row.
        _ if !vacuum => "PRAGMA analysis_limit = 1000; ANALYZE",
        _ => "ANALYZE",
    };
    db.execute_unprepared(statement).await.map(|_| ())
}

/// Connections of the pool: open and idle.
pub fn pool_use(db: &DatabaseConnection) -> (u32, u32) {
    match db.get_database_backend() {
        DatabaseBackend::Postgres => {
            let pool = db.get_postgres_connection_pool();
            (pool.size(), pool.num_idle() as u32)
        }
        _ => {
            let pool = db.get_sqlite_connection_pool();
            (pool.size(), pool.num_idle() as u32)
        }
    }
}

/// Whether the database answers, as last seen. Requests refuse at once while
/// it does not, instead of each waiting for a connection; a watcher pings it
/// and turns it back on when it answers again.
#[derive(Clone, Debug)]
pub struct DatabaseHealth(Arc<AtomicBool>);

impl Default for DatabaseHealth {
    fn default() -> Self {
        DatabaseHealth(Arc::new(AtomicBool::new(true)))
    }
}

impl DatabaseHealth {
    pub fn is_up(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }

    /// Records the outcome of a ping or a request; logs changes.
    pub fn set(&self, up: bool) {
        let was = self.0.swap(up, Ordering::Relaxed);
        match (was, up) {
            (true, false) => tracing::error!("database unreachable: refusing requests until it answers"),
            (false, true) => tracing::info!("database reachable again: serving requests"),
            _ => {}
        }
    }

    /// Pings the database every `interval`, for as long as the server runs.
    pub async fn watch(self, db: DatabaseConnection, interval: Duration) {
        loop {
            tokio::time::sleep(interval).await;
            let up = matches!(tokio::time::timeout(interval.max(Duration::from_secs(2)), db.ping()).await, Ok(Ok(())));
            self.set(up);
        }
    }
}
