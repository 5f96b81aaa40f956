//! Database settings: where the data lives, and the connection pool.

use clap::Args;

use super::{Problems, cores};

/// The database and its connection pool.
#[derive(Args, Debug, Clone)]
pub struct DatabaseSettings {
    /// Database to use: `sqlite://PATH?mode=rwc` (created if missing) or
    /// `postgres://USER:PASSWORD@HOST:PORT/DATABASE`.
    #[arg(long, env = "DATABASE_URL", default_value = "sqlite://rights-graph.db?mode=rwc", global = true)]
    pub database_url: String,

    /// Largest number of open database connections [default: 10 on
    /// PostgreSQL; on SQLite twice the number of CPU cores, at least 2].
    /// SQLite runs each connection's queries on a thread of the server's own
    /// process, with a page cache of its own: more connections than cores
    /// cost memory and add no throughput.
    #[arg(long, env = "DATABASE_MAX_CONNECTIONS", global = true)]
    pub database_max_connections: Option<u32>,

    /// Seconds to keep retrying, with backoff, when the database cannot be reached at start.
    #[arg(long, env = "DATABASE_CONNECT_TIMEOUT", default_value_t = 60, global = true)]
    pub database_connect_timeout: u64,

    /// Seconds a request waits for a database connection before it fails.
    #[arg(long, env = "DATABASE_ACQUIRE_TIMEOUT", default_value_t = 5, global = true)]
    pub database_acquire_timeout: u64,
}

impl DatabaseSettings {
    /// Connections in the pool: as configured, else 10 on PostgreSQL and
    /// twice the CPU cores on SQLite. SQLite queries run on the server's own
    /// cores, one thread per connection, each with a page cache: on two
    /// cores, 4 connections served the benchmark's first operation faster
    /// than 10 or 32, in less memory.
    pub fn pool_size(&self) -> u32 {
        self.database_max_connections.unwrap_or_else(|| {
            if self.database_url.starts_with("sqlite:") {
                u32::try_from(cores() * 2).unwrap_or(u32::MAX).clamp(2, 1_000)
            } else {
                10
            }
        })
    }

    pub(super) fn check(&self, problems: &mut Problems) {
        if let Err(error) = crate::db::check_url(&self.database_url) {
            problems.push(format!("database_url: {error}"));
        }
        if let Some(connections) = self.database_max_connections {
            problems.in_range("database_max_connections", connections.into(), 1, 1_000);
        }
        problems.in_range("database_connect_timeout", self.database_connect_timeout, 0, 3_600);
        problems.in_range("database_acquire_timeout", self.database_acquire_timeout, 1, 300);
    }
}
