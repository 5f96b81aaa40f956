//! Configuration: command-line flags, each with an environment variable and a
//! documented default. `rights-graph --help` lists them.

use std::net::SocketAddr;

use clap::{Args, Parser, Subcommand, ValueEnum};

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
#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    /// Human-readable on a terminal, JSON otherwise.
    Auto,
    /// Human-readable text.
    Text,
    /// One JSON object per line.
    Json,
}

/// Server settings.
#[derive(Args, Debug, Clone)]
pub struct Settings {
    /// Database to use: `sqlite://PATH?mode=rwc` (created if missing) or
    /// `postgres://USER:PASSWORD@HOST:PORT/DATABASE`.
    #[arg(long, env = "DATABASE_URL", default_value = "sqlite://rights-graph.db?mode=rwc", global = true)]
    pub database_url: String,

    /// Largest number of open database connections.
    #[arg(long, env = "DATABASE_MAX_CONNECTIONS", default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..=1000), global = true)]
    pub database_max_connections: u32,

    /// Address and port to serve on.
    #[arg(long = "listen", env = "LISTEN_ADDR", default_value = "127.0.0.1:8000", global = true)]
    pub listen: SocketAddr,

    /// Do not load the sample dataset into a new database.
    #[arg(long, env = "SKIP_SAMPLE_DATA", global = true)]
    pub skip_sample_data: bool,

    /// Log format.
    #[arg(long, env = "LOG_FORMAT", value_enum, default_value_t = LogFormat::Auto, global = true)]
    pub log_format: LogFormat,
}

impl Settings {
    /// Settings for the given database, with every other value at its default.
    pub fn for_database(database_url: impl Into<String>) -> Self {
        let mut settings = Cli::parse_from(["rights-graph"]).settings;
        settings.database_url = database_url.into();
        settings
    }
}
