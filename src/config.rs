//! Configuration: command-line flags, each with an environment variable and a
//! documented default, and an optional TOML file. `rights-graph --help` lists
//! them; `rights-graph check-config` validates them and prints the result.

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::{Context, anyhow, bail};
use clap::parser::ValueSource;
use clap::{ArgAction, ArgMatches, Args, CommandFactory, FromArgMatches, Parser, Subcommand, ValueEnum};

/// rights-graph: a GraphQL service for cross-organisation human rights data.
#[derive(Parser, Debug)]
#[command(name = "rights-graph", version, about)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    #[command(flatten)]
    pub settings: Settings,
}

/// What to do; `serve` when none is given.
#[derive(Subcommand, Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// Migrate the database, load reference and sample data if it is new, and serve the API.
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Print the GraphQL schema (SDL) and exit. `schema.graphql` is its output.
    Schema,
    /// Manage partner organisations.
    #[command(subcommand)]
    Org(OrgCommand),
    /// Manage API keys.
    #[command(subcommand)]
    Key(KeyCommand),
    /// Import CSV, JSON Lines or FollowTheMoney files for an organisation:
    /// all files in one transaction, all or nothing.
    Import(ImportArgs),
    /// Export what an organisation (or, without --org, anyone) may see.
    Export(ExportArgs),
    /// Generate data for benchmarks and load tests.
    #[command(subcommand)]
    Seed(SeedCommand),
    /// Validate the configuration (flags, environment, `--config` file),
    /// print it with secrets masked, and exit: 0 when valid, 1 otherwise.
    CheckConfig,
}

/// The file formats of import and export.
#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileFormat {
    /// CSV, one file per kind of record (organisations, sources, restrictions, defenders, campaigns).
    Csv,
    /// JSON Lines: one record per line, each with its "type".
    Jsonl,
    /// FollowTheMoney entities (OpenSanctions, Aleph), one per line.
    Ftm,
}

/// `rights-graph import`
#[derive(Args, Debug, Clone, PartialEq, Eq)]
pub struct ImportArgs {
    /// The importing organisation's id, as `org create` printed it.
    #[arg(long)]
    pub org: String,
    /// The files' format.
    #[arg(long, value_enum)]
    pub format: FileFormat,
    /// For CSV: the kind of record in every file (organisations, sources,
    /// restrictions, defenders or campaigns). Without it, each file's name
    /// says: defenders.csv, ...
    #[arg(long = "type")]
    pub record_type: Option<String>,
    /// Check everything and report, but write nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// The files to import.
    #[arg(required = true)]
    pub files: Vec<std::path::PathBuf>,
}

/// `rights-graph export`
#[derive(Args, Debug, Clone, PartialEq, Eq)]
pub struct ExportArgs {
    /// The format to write.
    #[arg(long, value_enum)]
    pub format: FileFormat,
    /// Export what this organisation may see, confidential fields included
    /// where it may read them. Without it, only public records.
    #[arg(long)]
    pub org: Option<String>,
    /// Where to write: a directory for CSV (one file per kind), a file
    /// otherwise (standard output when left out).
    #[arg(long)]
    pub out: Option<std::path::PathBuf>,
}

/// `rights-graph seed ...`
#[derive(Subcommand, Debug, Clone, PartialEq, Eq)]
pub enum SeedCommand {
    /// Generate a realistic, deterministic synthetic dataset (marked as such
    /// everywhere) into the configured database.
    Synthetic {
        /// How many defenders; restrictions (one per five), campaigns (one
        /// per twenty) and the rest follow.
        #[arg(long)]
        defenders: u64,
        /// The random seed: the same seed gives the same dataset.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Write even though the database holds records that are not synthetic.
        #[arg(long)]
        allow_real_data: bool,
    },
}

/// Partner organisation commands.
#[derive(Subcommand, Debug, Clone, PartialEq, Eq)]
pub enum OrgCommand {
    /// Create a partner organisation and print its id.
    Create {
        /// The organisation's name.
        #[arg(long)]
        name: String,
        /// Its kind: NGO, COMMUNITY, ACADEMIC, MEDIA, ...
        #[arg(long, default_value = "NGO")]
        kind: String,
        /// ISO 3166-1 alpha-2 code of the country it is based in.
        #[arg(long)]
        country: Option<String>,
        /// Its website, an http or https address.
        #[arg(long)]
        website: Option<String>,
        /// Who may see the organisation's record: PUBLIC, PARTNERS or PRIVATE.
        #[arg(long, default_value = "PARTNERS")]
        visibility: String,
    },
}

/// API key commands.
#[derive(Subcommand, Debug, Clone, PartialEq, Eq)]
pub enum KeyCommand {
    /// Create an API key and print it. It is shown this once: store it safely.
    Create {
        /// The organisation's id, as `org create` printed it.
        #[arg(long)]
        org: String,
        /// READER, EDITOR or ADMIN.
        #[arg(long)]
        role: String,
        /// What the key is for, such as "dashboard".
        #[arg(long)]
        label: Option<String>,
        /// When the key stops working: a date (2027-01-31) or an RFC 3339 time.
        #[arg(long)]
        expires: Option<String>,
    },
    /// List an organisation's keys (never the keys themselves).
    List {
        /// The organisation's id.
        #[arg(long)]
        org: String,
    },
    /// Revoke a key at once.
    Revoke {
        /// The key's id, or the prefix `key list` shows.
        key: String,
    },
}

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

/// Where rate-limit budgets are kept.
#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RateLimitStore {
    /// In this process: each server instance has its own budgets.
    Memory,
    /// In the database: every instance on the same database shares one budget per client.
    Database,
}

/// Server settings. Each comes from a flag, else its environment variable,
/// else the TOML file given with `--config`, else its default.
#[derive(Args, Debug, Clone)]
pub struct Settings {
    /// A TOML file of settings, keyed by the flags' names with underscores
    /// (`max_query_depth = 12`). Flags and environment variables override it.
    #[arg(long = "config", env = "CONFIG_FILE", global = true)]
    pub config_file: Option<PathBuf>,

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

    /// Address and port to serve on.
    #[arg(long = "listen", env = "LISTEN_ADDR", default_value = "127.0.0.1:8000", global = true)]
    pub listen: SocketAddr,

    /// Do not load the sample dataset into a new database.
    #[arg(long, env = "SKIP_SAMPLE_DATA", global = true)]
    pub skip_sample_data: bool,

    /// Log format.
    #[arg(long, env = "LOG_FORMAT", value_enum, default_value_t = LogFormat::Auto, global = true)]
    pub log_format: LogFormat,

    /// Deepest nesting of fields a query may have (introspection excepted).
    #[arg(long, env = "MAX_QUERY_DEPTH", default_value_t = 15, global = true, help_heading = "Query limits")]
    pub max_query_depth: u32,

    /// Most records a query may ask for: the sum, over its paginated fields,
    /// of the product of the page sizes down each path (GitHub's node limit).
    #[arg(long, env = "MAX_QUERY_NODES", default_value_t = 100_000, global = true, help_heading = "Query limits")]
    pub max_query_nodes: u64,

    /// Most aliases in a query.
    #[arg(long, env = "MAX_QUERY_ALIASES", default_value_t = 30, global = true, help_heading = "Query limits")]
    pub max_query_aliases: u32,

    /// Most fields at the top of an operation.
    #[arg(long, env = "MAX_QUERY_ROOT_FIELDS", default_value_t = 20, global = true, help_heading = "Query limits")]
    pub max_query_root_fields: u32,

    /// Most directives in a query.
    #[arg(long, env = "MAX_QUERY_DIRECTIVES", default_value_t = 20, global = true, help_heading = "Query limits")]
    pub max_query_directives: u32,

    /// Longest query text, in bytes.
    #[arg(long, env = "MAX_QUERY_BYTES", default_value_t = 32_768, global = true, help_heading = "Query limits")]
    pub max_query_bytes: u64,

    /// Largest request body, in bytes (GraphQL imports travel in the body).
    #[arg(long, env = "MAX_BODY_BYTES", default_value_t = 16 * 1024 * 1024, global = true, help_heading = "Query limits")]
    pub max_body_bytes: u64,

    /// Most operations in one batched request (a JSON array); 0 turns batching off.
    #[arg(long, env = "MAX_BATCH_SIZE", default_value_t = 0, global = true, help_heading = "Query limits")]
    pub max_batch_size: u32,

    /// Most GraphQL operations executed at once [default: 8 per CPU core, at
    /// least 16]; the others wait their turn (within the request timeout).
    /// Each operation in flight holds its results in memory, so the cap
    /// bounds the server's memory under a burst without costing throughput:
    /// the CPU cores are busy long before.
    #[arg(long, env = "MAX_CONCURRENT_OPERATIONS", global = true, help_heading = "Query limits")]
    pub max_concurrent_operations: Option<u32>,

    /// Seconds a request may run before it is stopped.
    #[arg(long, env = "REQUEST_TIMEOUT", default_value_t = 30, global = true, help_heading = "Query limits")]
    pub request_timeout: u64,

    /// Whether clients may introspect the schema (GraphiQL needs it). When
    /// off, error messages do not suggest field names either.
    #[arg(long, env = "INTROSPECTION", default_value_t = true, action = ArgAction::Set, global = true, help_heading = "Query limits")]
    pub introspection: bool,

    /// A JSON file of trusted documents: `{ "sha256:<hex>": "query ..." }`.
    /// Clients may send `documentId` instead of the query text.
    #[arg(long, env = "TRUSTED_DOCUMENTS", global = true, help_heading = "Query limits")]
    pub trusted_documents: Option<PathBuf>,

    /// Run only the trusted documents; refuse any other query text.
    #[arg(long, env = "TRUSTED_DOCUMENTS_ONLY", default_value_t = false, action = ArgAction::Set, global = true, help_heading = "Query limits")]
    pub trusted_documents_only: bool,

    /// Points an anonymous client (by address) may spend per window; 0 turns the limit off.
    #[arg(long, env = "RATE_LIMIT_ANONYMOUS", default_value_t = 1_000, global = true, help_heading = "Rate limits")]
    pub rate_limit_anonymous: u64,

    /// Points an API key may spend per window; 0 turns the limit off.
    #[arg(
        long,
        env = "RATE_LIMIT_AUTHENTICATED",
        default_value_t = 5_000,
        global = true,
        help_heading = "Rate limits"
    )]
    pub rate_limit_authenticated: u64,

    /// Length of a rate-limit window, in seconds.
    #[arg(long, env = "RATE_LIMIT_WINDOW", default_value_t = 3_600, global = true, help_heading = "Rate limits")]
    pub rate_limit_window: u64,

    /// Where budgets are kept: `memory` (per instance) or `database` (shared by all instances).
    #[arg(long, env = "RATE_LIMIT_STORE", value_enum, default_value_t = RateLimitStore::Memory, global = true, help_heading = "Rate limits")]
    pub rate_limit_store: RateLimitStore,

    /// A header set by a trusted reverse proxy that carries the client's
    /// address, such as `X-Forwarded-For` (its last address is used). Unset:
    /// the connection's address. Never set it without such a proxy: clients
    /// could pick their own address.
    #[arg(long, env = "CLIENT_ADDRESS_HEADER", global = true, help_heading = "Rate limits")]
    pub client_address_header: Option<String>,

    /// Origins allowed to call the API from a browser (CORS), comma-separated,
    /// such as `https://dashboard.example.org`; `*` allows any. Empty: none.
    #[arg(long, env = "CORS_ALLOWED_ORIGINS", value_delimiter = ',', global = true, help_heading = "Operations")]
    pub cors_allowed_origins: Vec<String>,

    /// Seconds to let requests in flight finish after SIGTERM or SIGINT.
    #[arg(long, env = "SHUTDOWN_GRACE", default_value_t = 30, global = true, help_heading = "Operations")]
    pub shutdown_grace: u64,

    /// A token `/metrics` requires as `Authorization: Bearer <token>`. Unset: open.
    #[arg(long, env = "METRICS_TOKEN", hide_env_values = true, global = true, help_heading = "Operations")]
    pub metrics_token: Option<String>,

    /// Send traces to this OpenTelemetry (OTLP over HTTP) collector, such as
    /// `http://localhost:4318`. Needs a build with the `otel` feature.
    #[arg(long, env = "OTEL_EXPORTER_OTLP_ENDPOINT", global = true, help_heading = "Operations")]
    pub otel_endpoint: Option<String>,
}

/// Settings as a TOML file gives them; every key optional, unknown keys refused.
macro_rules! file_settings {
    (required { $($field:ident : $ty:ty),* $(,)? } optional { $($optional:ident : $oty:ty),* $(,)? }) => {
        #[derive(serde::Deserialize, Default, Debug)]
        #[serde(deny_unknown_fields)]
        struct FileSettings {
            $($field: Option<$ty>,)*
            $($optional: Option<$oty>,)*
        }

        impl FileSettings {
            /// Sets each value the file gives that neither a flag nor the environment set.
            fn apply(self, settings: &mut Settings, matches: &ArgMatches) {
                let unset = |id: &str| matches!(matches.value_source(id), None | Some(ValueSource::DefaultValue));
                $(if let Some(value) = self.$field && unset(stringify!($field)) { settings.$field = value; })*
                $(if let Some(value) = self.$optional && unset(stringify!($optional)) { settings.$optional = Some(value); })*
            }
        }
    };
}

file_settings! {
    required {
        database_url: String,
        database_connect_timeout: u64,
        database_acquire_timeout: u64,
        listen: SocketAddr,
        skip_sample_data: bool,
        log_format: LogFormat,
        max_query_depth: u32,
        max_query_nodes: u64,
        max_query_aliases: u32,
        max_query_root_fields: u32,
        max_query_directives: u32,
        max_query_bytes: u64,
        max_body_bytes: u64,
        max_batch_size: u32,
        request_timeout: u64,
        introspection: bool,
        trusted_documents_only: bool,
        rate_limit_anonymous: u64,
        rate_limit_authenticated: u64,
        rate_limit_window: u64,
        rate_limit_store: RateLimitStore,
        cors_allowed_origins: Vec<String>,
        shutdown_grace: u64,
    }
    optional {
        database_max_connections: u32,
        max_concurrent_operations: u32,
        trusted_documents: PathBuf,
        client_address_header: String,
        metrics_token: String,
        otel_endpoint: String,
    }
}

impl Cli {
    /// Reads flags, environment and the `--config` file, and validates the
    /// result. Errors name the setting and say what it takes.
    pub fn load<I, T>(args: I) -> anyhow::Result<Cli>
    where
        I: IntoIterator<Item = T>,
        T: Into<std::ffi::OsString> + Clone,
    {
        let matches = Cli::command().try_get_matches_from(args).unwrap_or_else(|error| error.exit());
        let mut cli = Cli::from_arg_matches(&matches).unwrap_or_else(|error| error.exit());
        if let Some(path) = cli.settings.config_file.clone() {
            let text = std::fs::read_to_string(&path)
                .with_context(|| format!("could not read the configuration file {}", path.display()))?;
            let file: FileSettings = toml::from_str(&text)
                .map_err(|error| anyhow!("the configuration file {} is not valid: {error}", path.display()))?;
            file.apply(&mut cli.settings, &matches);
        }
        cli.settings.validate()?;
        Ok(cli)
    }
}

/// The CPU cores this process may use, from which some defaults follow.
fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, |cores| cores.get())
}

impl Settings {
    /// GraphQL operations executed at once: as configured, else 8 per core
    /// and at least 16.
    pub fn concurrent_operations(&self) -> usize {
        self.max_concurrent_operations.map_or_else(|| (cores() * 8).max(16), |operations| operations as usize)
    }

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

    /// Settings for the given database, with every other value at its default.
    pub fn for_database(database_url: impl Into<String>) -> Self {
        let mut settings = Cli::parse_from(["rights-graph"]).settings;
        settings.database_url = database_url.into();
        settings
    }

    /// Checks every value; the error lists each problem on its own line.
    pub fn validate(&self) -> anyhow::Result<()> {
        let mut problems = Vec::new();
        if let Err(error) = crate::db::check_url(&self.database_url) {
            problems.push(format!("database_url: {error}"));
        }
        let mut in_range = |name: &str, value: u64, min: u64, max: u64| {
            if !(min..=max).contains(&value) {
                problems.push(format!("{name} must be between {min} and {max}; got {value}"));
            }
        };
        if let Some(connections) = self.database_max_connections {
            in_range("database_max_connections", connections.into(), 1, 1_000);
        }
        if let Some(operations) = self.max_concurrent_operations {
            in_range("max_concurrent_operations", operations.into(), 1, 100_000);
        }
        in_range("database_connect_timeout", self.database_connect_timeout, 0, 3_600);
        in_range("database_acquire_timeout", self.database_acquire_timeout, 1, 300);
        in_range("max_query_depth", self.max_query_depth.into(), 2, 100);
        in_range("max_query_nodes", self.max_query_nodes, 1, 10_000_000);
        in_range("max_query_aliases", self.max_query_aliases.into(), 0, 1_000);
        in_range("max_query_root_fields", self.max_query_root_fields.into(), 1, 1_000);
        in_range("max_query_directives", self.max_query_directives.into(), 0, 1_000);
        in_range("max_query_bytes", self.max_query_bytes, 256, 10 * 1024 * 1024);
        in_range("max_body_bytes", self.max_body_bytes, 1_024, 1024 * 1024 * 1024);
        in_range("max_batch_size", self.max_batch_size.into(), 0, 100);
        in_range("request_timeout", self.request_timeout, 1, 3_600);
        in_range("rate_limit_anonymous", self.rate_limit_anonymous, 0, 1_000_000_000);
        in_range("rate_limit_authenticated", self.rate_limit_authenticated, 0, 1_000_000_000);
        in_range("rate_limit_window", self.rate_limit_window, 1, 86_400);
        in_range("shutdown_grace", self.shutdown_grace, 0, 3_600);
        if self.max_query_bytes > self.max_body_bytes {
            problems.push("max_query_bytes cannot be larger than max_body_bytes".into());
        }
        if self.trusted_documents_only && self.trusted_documents.is_none() {
            problems.push("trusted_documents_only needs trusted_documents: the file of documents to allow".into());
        }
        if let Some(path) = &self.trusted_documents
            && let Err(error) = crate::http::trusted_documents::TrustedDocuments::read(path)
        {
            problems.push(format!("trusted_documents: {error:#}"));
        }
        if let Err(error) = crate::http::cors::layer(&self.cors_allowed_origins) {
            problems.push(format!("cors_allowed_origins: {error}"));
        }
        if let Some(header) = &self.client_address_header
            && axum::http::HeaderName::try_from(header.as_str()).is_err()
        {
            problems.push(format!("client_address_header: \"{header}\" is not a header name"));
        }
        if self.metrics_token.as_ref().is_some_and(|token| token.len() < 16) {
            problems.push("metrics_token must be at least 16 characters long".into());
        }
        if let Some(endpoint) = &self.otel_endpoint {
            match url::Url::parse(endpoint) {
                Ok(url) if matches!(url.scheme(), "http" | "https") => {}
                _ => problems.push(format!("otel_endpoint must be an http or https address; got \"{endpoint}\"")),
            }
            if !cfg!(feature = "otel") {
                problems.push("otel_endpoint is set, but this build has no OpenTelemetry support: build it with `--features otel`".into());
            }
        }
        if problems.is_empty() { Ok(()) } else { bail!("invalid configuration:\n  - {}", problems.join("\n  - ")) }
    }

    /// The settings as `check-config` prints them: secrets masked.
    pub fn describe(&self) -> String {
        let mut shown = format!("{self:#?}");
        let masked_url = crate::db::redact_url(&self.database_url);
        shown = shown.replace(&format!("{:?}", self.database_url), &format!("{masked_url:?}"));
        if let Some(token) = &self.metrics_token {
            shown = shown.replace(&format!("{token:?}"), "\"********\"");
        }
        let pool = self.pool_size();
        let source = if self.database_max_connections.is_some() { "as configured" } else { "the engine's default" };
        shown.push_str(&format!("\nDatabase pool: {pool} connections ({source})."));
        shown
    }
}
