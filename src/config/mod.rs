//! Configuration: command-line flags, each with an environment variable and a
//! documented default, and an optional TOML file. `rights-graph --help` lists
//! them; `rights-graph check-config` validates them and prints the result.
//! Settings are grouped by concern; the file's keys and the flags stay flat
//! (`max_query_depth = 12`, `--max-query-depth 12`).

mod cache;
mod changes;
mod cli;
mod database;
mod file;
mod limits;
mod operations;
mod rate_limits;

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::bail;
use clap::{Args, Parser, ValueEnum};

pub use cache::CacheSettings;
pub use changes::ChangeSettings;
pub use cli::{Cli, Command, ExportArgs, FileFormat, ImportArgs, KeyCommand, OrgCommand, SeedCommand};
pub use database::DatabaseSettings;
pub use limits::QueryLimits;
pub use operations::Operations;
pub use rate_limits::{RateLimitStore, RateLimits};

/// How logs are written.
#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// Human-readable on a terminal, JSON otherwise.
    Auto,
    /// Human-readable text.
    Text,
    /// One JSON object per line.
    Json,
}

/// Server settings. Each comes from a flag, else its environment variable,
/// else the TOML file given with `--config`, else its default.
#[derive(Args, Debug, Clone)]
pub struct Settings {
    /// A TOML file of settings, keyed by the flags' names with underscores
    /// (`max_query_depth = 12`). Flags and environment variables override it.
    #[arg(long = "config", env = "CONFIG_FILE", global = true)]
    pub config_file: Option<PathBuf>,

    #[command(flatten)]
    pub database: DatabaseSettings,

    /// Address and port to serve on.
    #[arg(long = "listen", env = "LISTEN_ADDR", default_value = "127.0.0.1:8000", global = true)]
    pub listen: SocketAddr,

    /// Do not load the sample dataset into a new database.
    #[arg(long, env = "SKIP_SAMPLE_DATA", global = true)]
    pub skip_sample_data: bool,

    /// Log format.
    #[arg(long, env = "LOG_FORMAT", value_enum, default_value_t = LogFormat::Auto, global = true)]
    pub log_format: LogFormat,

    #[command(flatten)]
    pub limits: QueryLimits,

    #[command(flatten)]
    pub rate_limits: RateLimits,

    #[command(flatten)]
    pub operations: Operations,

    #[command(flatten)]
    pub changes: ChangeSettings,

    #[command(flatten)]
    pub cache: CacheSettings,
}

/// The CPU cores this process may use, from which some defaults follow.
fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, |cores| cores.get())
}

/// What is wrong with the settings, one line each.
#[derive(Default)]
struct Problems(Vec<String>);

impl Problems {
    fn push(&mut self, problem: String) {
        self.0.push(problem);
    }

    fn in_range(&mut self, name: &str, value: u64, min: u64, max: u64) {
        if !(min..=max).contains(&value) {
            self.push(format!("{name} must be between {min} and {max}; got {value}"));
        }
    }
}

impl Settings {
    /// Settings for the given database, with every other value at its default.
    pub fn for_database(database_url: impl Into<String>) -> Self {
        let mut settings = Cli::parse_from(["rights-graph"]).settings;
        settings.database.database_url = database_url.into();
        settings
    }

    /// Checks every value; the error lists each problem on its own line.
    pub fn validate(&self) -> anyhow::Result<()> {
        let mut problems = Problems::default();
        self.database.check(&mut problems);
        self.limits.check(&mut problems);
        self.rate_limits.check(&mut problems);
        self.operations.check(&mut problems);
        self.changes.check(&mut problems);
        self.cache.check(&mut problems);
        if problems.0.is_empty() { Ok(()) } else { bail!("invalid configuration:\n  - {}", problems.0.join("\n  - ")) }
    }

    /// The settings as `check-config` prints them: secrets masked.
    pub fn describe(&self) -> String {
        let mut shown = format!("{self:#?}");
        let masked_url = crate::db::redact_url(&self.database.database_url);
        shown = shown.replace(&format!("{:?}", self.database.database_url), &format!("{masked_url:?}"));
        if let Some(token) = &self.operations.metrics_token {
            shown = shown.replace(&format!("{token:?}"), "\"********\"");
        }
        let pool = self.database.pool_size();
        let source =
            if self.database.database_max_connections.is_some() { "as configured" } else { "the engine's default" };
        shown.push_str(&format!("\nDatabase pool: {pool} connections ({source})."));
        shown
    }
}
