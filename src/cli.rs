//! Operator commands: partner organisations, their API keys, and imports
//! and exports of their records.

use anyhow::{Context, anyhow, bail};
use chrono::{DateTime, NaiveDate, Utc};
use entity::{OrganisationKind, Role, Visibility};
use sea_orm::{DatabaseConnection, Iterable};
use uuid::Uuid;

use crate::config::{ExportArgs, FileFormat, ImportArgs, KeyCommand, OrgCommand, SeedCommand, Settings};
use crate::error::AppError;
use crate::ids::{GlobalId, NodeType};
use crate::seed::reference as reference_data;
use crate::service::access::api_keys;
use crate::service::exchange::encode::{self, ExportFormat};
use crate::service::exchange::import::{self, Format, Report, Source};
use crate::service::exchange::rows::RecordKind;
use crate::service::organisations::{self, NewOrganisation};
use crate::service::{Member, Viewer};
use crate::{app, db};

/// A value of a text enum, by its name in any case.
fn parse_enum<T: Iterable + Copy>(what: &str, text: &str, name: impl Fn(T) -> &'static str) -> anyhow::Result<T> {
    T::iter().find(|value| name(*value).eq_ignore_ascii_case(text.trim())).ok_or_else(|| {
        let names: Vec<&str> = T::iter().map(name).collect();
        anyhow!("{what} must be one of {}; got \"{text}\"", names.join(", "))
    })
}

/// An organisation id as printed by `org create` (a global id) or a UUID.
fn organisation_id(text: &str) -> anyhow::Result<Uuid> {
    if let Ok(uuid) = Uuid::parse_str(text) {
        return Ok(uuid);
    }
    GlobalId::decode_uuid_of("org", text, NodeType::Organisation)
        .map_err(|_| anyhow!("\"{text}\" is not an organisation id: use the id `rights-graph org create` printed"))
}

/// An expiry given as a date (the start of that day, UTC) or an RFC 3339 time.
fn expiry(text: &str) -> anyhow::Result<DateTime<Utc>> {
    if let Ok(time) = DateTime::parse_from_rfc3339(text) {
        return Ok(time.with_timezone(&Utc));
    }
    let date = NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map_err(|_| anyhow!("--expires must be a date such as 2027-01-31 or an RFC 3339 time; got \"{text}\""))?;
    Ok(date.and_hms_opt(0, 0, 0).context("midnight exists")?.and_utc())
}

/// Turns a service error into an operator's message.
fn explain(error: AppError) -> anyhow::Error {
    match error {
        AppError::BadInput { argument, message } => anyhow!("--{argument}: {message}"),
        AppError::NotFound(message)
        | AppError::Unauthenticated(message)
        | AppError::Forbidden(message)
        | AppError::Conflict(message)
        | AppError::CursorExpired(message) => anyhow!(message),
        AppError::Unavailable(cause) => anyhow::Error::new(cause).context("the database cannot be reached"),
        AppError::Internal(cause) => cause,
    }
}

async fn open(settings: &Settings) -> anyhow::Result<DatabaseConnection> {
    let (db, _) = db::connect(settings).await?;
    app::migrate(&db).await?;
    reference_data::load(&db).await.context("could not load the ISO 3166 reference lists")?;
    Ok(db)
}

/// `rights-graph org ...`
pub async fn organisation(settings: &Settings, command: OrgCommand) -> anyhow::Result<()> {
    match command {
        OrgCommand::Create { name, kind, country, website, visibility } => {
            let kind = parse_enum("--kind", &kind, OrganisationKind::as_str)?;
            let visibility = parse_enum("--visibility", &visibility, Visibility::as_str)?;
            let db = open(settings).await?;
            let created = organisations::create(&db, NewOrganisation { name, kind, country, website, visibility })
                .await
                .map_err(explain)?;
            println!("{}", GlobalId::encode_uuid(NodeType::Organisation, created.id).0);
        }
    }
    Ok(())
}

/// `rights-graph key ...`
pub async fn key(settings: &Settings, command: KeyCommand) -> anyhow::Result<()> {
    match command {
        KeyCommand::Create { org, role, label, expires } => {
            let organisation = organisation_id(&org)?;
            let role = parse_enum("--role", &role, Role::as_str)?;
            let expires_at = expires.as_deref().map(expiry).transpose()?;
            let db = open(settings).await?;
            let (record, key) =
                api_keys::create_key(&db, organisation, role, label, expires_at).await.map_err(explain)?;
            eprintln!(
                "Created {} key {} (prefix {}). It is shown only now: store it safely.",
                record.role, record.id, record.prefix
            );
            println!("{key}");
        }
        KeyCommand::List { org } => {
            let organisation = organisation_id(&org)?;
            let db = open(settings).await?;
            let keys = api_keys::list_keys(&db, organisation).await.map_err(explain)?;
            println!(
                "{:<38} {:<13} {:<7} {:<21} {:<21} {:<21} LABEL",
                "ID", "PREFIX", "ROLE", "CREATED", "EXPIRES", "LAST USED"
            );
            let time =
                |t: Option<DateTime<Utc>>| t.map_or("-".to_owned(), |t| t.format("%Y-%m-%d %H:%M:%S").to_string());
            for key in keys {
                let role = if key.revoked_at.is_some() { "REVOKED" } else { key.role.as_str() };
                println!(
                    "{:<38} {:<13} {:<7} {:<21} {:<21} {:<21} {}",
                    key.id,
                    key.prefix,
                    role,
                    time(Some(key.created_at)),
                    time(key.expires_at),
                    time(key.last_used_at),
                    key.label.unwrap_or_default()
                );
            }
        }
        KeyCommand::Revoke { key } => {
            if key.trim().is_empty() {
                bail!("give the key's id or prefix");
            }
            let db = open(settings).await?;
            let revoked = api_keys::revoke_key(&db, key.trim()).await.map_err(explain)?;
            eprintln!("Revoked key {} (prefix {}).", revoked.id, revoked.prefix);
        }
    }
    Ok(())
}

/// The kind of records in a CSV file: `--type`, or the start of its name.
fn csv_kind(record_type: Option<&str>, path: &std::path::Path) -> anyhow::Result<RecordKind> {
    if let Some(name) = record_type {
        return RecordKind::from_name(name).ok_or_else(|| {
            anyhow!("--type must be organisations, sources, restrictions, defenders or campaigns; got \"{name}\"")
        });
    }
    let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or_default().to_ascii_lowercase();
    RecordKind::ALL
        .into_iter()
        .find(|kind| stem.starts_with(kind.file_stem()) || stem.starts_with(kind.table()))
        .or_else(|| stem.starts_with("organizations").then_some(RecordKind::Organisation))
        .ok_or_else(|| {
            anyhow!(
                "cannot tell what {} holds: name it organisations.csv, sources.csv, restrictions.csv, defenders.csv \
                 or campaigns.csv, or give --type",
                path.display()
            )
        })
}

/// `rights-graph import`: true when the files were imported (or, in a dry
/// run, would be).
pub async fn import(settings: &Settings, args: ImportArgs) -> anyhow::Result<bool> {
    use indicatif::{ProgressBar, ProgressStyle};
    let organisation = organisation_id(&args.org)?;
    if args.dataset.is_some() && args.format != FileFormat::Statements {
        bail!("--dataset is for statements files: use it with --format statements");
    }
    let mut sources = Vec::new();
    let mut sizes = std::collections::HashMap::new();
    for path in &args.files {
        let format = match args.format {
            FileFormat::Csv => Format::Csv(csv_kind(args.record_type.as_deref(), path)?),
            FileFormat::Jsonl => Format::JsonLines,
            FileFormat::Ftm => Format::FollowTheMoney,
            FileFormat::Statements => Format::Statements,
        };
        let file = std::fs::File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
        let name = path.display().to_string();
        sizes.insert(name.clone(), file.metadata().map(|m| m.len()).unwrap_or(0));
        let reader = Box::new(std::io::BufReader::with_capacity(1 << 16, file));
        sources.push(Source { name, format, reader, dataset: args.dataset.clone() });
    }
    let db = open(settings).await?;
    organisations::find(&db, organisation).await.map_err(explain)?;
    let viewer = Viewer::Member(Member::operator(organisation, Role::Editor));
    // Drawn only on a terminal; hidden when output is redirected.
    let bar = ProgressBar::new(sizes.values().sum());
    bar.set_style(
        ProgressStyle::with_template("{msg} [{bar:40}] {bytes}/{total_bytes} {bytes_per_sec} eta {eta}")
            .map_err(|e| anyhow!("progress bar template: {e}"))?
            .progress_chars("=> "),
    );
    let offsets = std::sync::Mutex::new((String::new(), 0u64));
    let progress = |file: &str, position: u64| {
        if let Ok(mut offset) = offsets.lock() {
            if offset.0 != file {
                let done: u64 = sizes.iter().filter(|(name, _)| **name == offset.0).map(|(_, size)| size).sum();
                *offset = (file.to_owned(), offset.1 + done);
                bar.set_message(file.to_owned());
            }
            bar.set_position(offset.1 + position);
        }
    };
    let started = std::time::Instant::now();
    let report = import::import(&db, &viewer, sources, args.dry_run, &progress).await.map_err(explain)?;
    bar.finish_and_clear();
    print_report(&report, started.elapsed());
    Ok(report.rejected == 0)
}

fn print_report(report: &Report, elapsed: std::time::Duration) {
    for problem in &report.problems {
        let record = problem.external_id.as_deref().map(|id| format!(" [{id}]")).unwrap_or_default();
        let field = problem.field.as_deref().map(|f| format!(" {f}:")).unwrap_or_default();
        eprintln!("{}:{}{record}{field} {}", problem.file, problem.line, problem.reason);
    }
    if report.unlisted_problems > 0 {
        eprintln!("... and {} more problems", report.unlisted_problems);
    }
    if let Some(peak) = peak_memory_kib() {
        eprintln!("Peak memory: {:.1} MiB.", peak as f64 / 1024.0);
    }
    let seconds = elapsed.as_secs_f64().max(1e-9);
    let outcome = match (report.rejected, report.dry_run) {
        (0, true) => "Dry run: nothing written; the import would succeed.",
        (0, false) => "Imported.",
        (_, true) => "Dry run: the import would be refused.",
        (_, false) => "Refused: nothing was written. Had it been accepted:",
    };
    eprintln!(
        "{outcome} {} created, {} updated, {} unchanged, {} rejected, {} skipped; {} rows in {:.1} s ({:.0} rows/s).",
        report.created,
        report.updated,
        report.unchanged,
        report.rejected,
        report.skipped,
        report.rows(),
        seconds,
        report.rows() as f64 / seconds
    );
}

/// `rights-graph export`
pub async fn export(settings: &Settings, args: ExportArgs) -> anyhow::Result<()> {
    use std::io::Write;
    let viewer = match &args.org {
        Some(org) => Viewer::Member(Member::operator(organisation_id(org)?, Role::Reader)),
        None => Viewer::Anonymous,
    };
    let db = open(settings).await?;
    if let Some(organisation) = viewer.organisation() {
        organisations::find(&db, organisation).await.map_err(explain)?;
    }
    let format = match args.format {
        FileFormat::Csv => ExportFormat::Csv,
        FileFormat::Jsonl => ExportFormat::JsonLines,
        FileFormat::Ftm => ExportFormat::FollowTheMoney,
        FileFormat::Statements => return export_statements(&db, &viewer, args).await,
    };
    if let Some(cursor) = &args.changes_since {
        if format != ExportFormat::JsonLines {
            bail!("--changes-since writes JSON Lines: use --format jsonl");
        }
        return export_changes(settings, &db, &viewer, cursor, args.out.as_deref()).await;
    }
    let mut outputs: std::collections::HashMap<RecordKind, Box<dyn Write + Send>> = std::collections::HashMap::new();
    let mut single: Option<Box<dyn Write + Send>> = None;
    match (format, &args.out) {
        (ExportFormat::Csv, Some(dir)) => {
            std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
            for kind in encode::kinds(format) {
                let path = dir.join(format!("{}.csv", kind.file_stem()));
                let file = std::fs::File::create(&path).with_context(|| format!("cannot write {}", path.display()))?;
                outputs.insert(kind, Box::new(std::io::BufWriter::new(file)));
            }
        }
        (ExportFormat::Csv, None) => bail!("--out DIRECTORY is needed for CSV: one file is written per kind of record"),
        (_, Some(path)) => {
            let file = std::fs::File::create(path).with_context(|| format!("cannot write {}", path.display()))?;
            single = Some(Box::new(std::io::BufWriter::new(file)));
        }
        (_, None) => single = Some(Box::new(std::io::BufWriter::new(std::io::stdout()))),
    }
    let mut sink = |kind: RecordKind, text: &str| -> std::io::Result<()> {
        match single.as_mut().or_else(|| outputs.get_mut(&kind)) {
            Some(output) => output.write_all(text.as_bytes()),
            None => Ok(()),
        }
    };
    let (count, position) = encode::export_all(&db, &viewer, format, 500, &mut sink).await.map_err(explain)?;
    for output in single.iter_mut().chain(outputs.values_mut()) {
        output.flush()?;
    }
    eprintln!("Exported {count} records.");
    let since = position.map_or_else(|| "start".to_owned(), |position| position.cursor());
    eprintln!("Keep the copy in sync with the changes since: --changes-since {since}");
    Ok(())
}

/// `rights-graph export --format statements`: to the file given, else standard output.
async fn export_statements(db: &sea_orm::DatabaseConnection, viewer: &Viewer, args: ExportArgs) -> anyhow::Result<()> {
    if args.changes_since.is_some() {
        bail!("--changes-since writes JSON Lines: use --format jsonl");
    }
    let written = match &args.out {
        Some(path) => {
            let file = std::fs::File::create(path).with_context(|| format!("cannot write {}", path.display()))?;
            crate::service::statements::export::write_csv(db, viewer, std::io::BufWriter::new(file)).await
        }
        None => crate::service::statements::export::write_csv(db, viewer, std::io::stdout().lock()).await,
    }
    .map_err(explain)?;
    eprintln!("Exported {written} statements.");
    Ok(())
}

/// `rights-graph export --changes-since CURSOR --format jsonl`: the change
/// feed as a delta, to its end, page by page.
async fn export_changes(
    settings: &Settings,
    db: &sea_orm::DatabaseConnection,
    viewer: &Viewer,
    cursor: &str,
    out: Option<&std::path::Path>,
) -> anyhow::Result<()> {
    use crate::service::changes::{FeedRequest, Position, Retention, delta};
    use std::io::Write;
    let after = match cursor {
        "start" => None,
        cursor => Some(Position::from_cursor(cursor, "changes-since").map_err(explain)?),
    };
    let mut output: Box<dyn Write> = match out {
        Some(path) => Box::new(std::io::BufWriter::new(
            std::fs::File::create(path).with_context(|| format!("cannot write {}", path.display()))?,
        )),
        None => Box::new(std::io::BufWriter::new(std::io::stdout())),
    };
    let retention = Retention(chrono::Duration::days(settings.changes.change_retention_days as i64));
    let mut request = FeedRequest { after, kinds: Vec::new(), first: 500 };
    let mut changes = 0;
    loop {
        let page = delta::read(db, viewer, &request, &retention).await.map_err(explain)?;
        output.write_all(page.lines.as_bytes())?;
        changes += page.changes;
        request.after = page.end.or(request.after);
        if !page.has_next {
            break;
        }
    }
    output.flush()?;
    eprintln!("Exported {changes} changes.");
    let since = request.after.map_or_else(|| cursor.to_owned(), |position| position.cursor());
    eprintln!("Resume with: --changes-since {since}");
    Ok(())
}

/// The process's peak resident memory so far, where the system tells (Linux).
fn peak_memory_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|line| line.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// `rights-graph seed synthetic ...`
pub async fn seed(settings: &Settings, command: SeedCommand) -> anyhow::Result<()> {
    let SeedCommand::Synthetic { defenders, seed, allow_real_data } = command;
    let db = open(settings).await?;
    let options = crate::seed::synthetic::Options { defenders, seed, allow_real_data };
    let report = crate::seed::synthetic::seed(&db, options).await?;
    eprintln!(
        "synthetic dataset (seed {seed}): {} defenders, {} other names, {} case events, {} affiliations, {} \
         organisations, {} restrictions ({} status changes), {} campaigns ({} subjects), {} sources, {} citations, \
         {} civic-space ratings: {} rows in {:.1} s, of which indexes ({} rebuilt), search documents and statistics {:.1} s",
        report.defenders,
        report.other_names,
        report.case_events,
        report.affiliations,
        report.organisations,
        report.restrictions,
        report.status_changes,
        report.campaigns,
        report.campaign_subjects,
        report.sources,
        report.citations,
        report.ratings,
        report.rows,
        report.elapsed.as_secs_f64(),
        report.indexes_rebuilt,
        report.indexed_in.as_secs_f64(),
    );
    Ok(())
}
