//! The command line: subcommands and their arguments, and how flags, the
//! environment and the `--config` file are read into [`Settings`].

use anyhow::{Context, anyhow};
use clap::{Args, CommandFactory, FromArgMatches, Parser, Subcommand, ValueEnum};

use super::Settings;
use super::file::FileSettings;

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
    /// Apply pending database migrations, file what existing records lack
    /// (statements, search and duplicate-detection entries), and exit.
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
    /// Statements (who asserted which value, from where, in which language,
    /// when), as CSV in FollowTheMoney's statement columns. Exported: every
    /// statement the organisation may see. Imported: the rows of the
    /// importing organisation's own `dataset` (others are skipped), each
    /// added as `addStatement` adds it.
    Statements,
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
    /// For statements: the rows of this `dataset` are the importing
    /// organisation's own, besides those naming its own id. Give the
    /// organisation's id in the database the file was exported from, to
    /// bring its account into this one.
    #[arg(long)]
    pub dataset: Option<String>,
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
    /// Write the changes since this change-feed cursor instead of the
    /// records, as an OpenSanctions-style delta (`{"op": "ADD"|"MOD"|"DEL",
    /// "entity": ...}` lines; needs `--format jsonl`). `start` begins with
    /// the oldest change the feed keeps. The cursor to pass next time is
    /// printed when done (a full export prints the one it starts from).
    #[arg(long, value_name = "CURSOR")]
    pub changes_since: Option<String>,
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
