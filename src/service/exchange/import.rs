//! Imports exchange files for an organisation. Every file of an import is
//! written in one transaction: one invalid row refuses them all, and the
//! report lists every problem with its line, record and field. Rows stream
//! through; memory does not grow with the file.
//!
//! A row names its record by the organisation's external identifier: known
//! identifiers update their record (and an unchanged row writes nothing),
//! new ones create a record of the organisation's own. Imports go through the
//! same checks as every other write, so they cannot widen anyone's access.

use std::collections::{HashMap, HashSet};
use std::io::BufRead;

use sea_orm::{ConnectionTrait, DatabaseConnection, DatabaseTransaction, IdenStatic};
use serde::Serialize;
use uuid::Uuid;

use super::apply::{self, CampaignLinks, DefenderLinks, RatingLinks};
use super::csv_rows::Layout;
use super::external_ids::{self, MAX_EXTERNAL_ID};
use super::ftm;
use super::rows::{CampaignRow, DefenderRow, MembershipRow, RatingRow, RecordKind, RestrictionRow, Row, StatementRow};
use crate::error::{AppError, AppResult};
use crate::ids::GlobalId;
use crate::service::audit::Audited;
use crate::service::campaigns::edits::CampaignDraft;
use crate::service::defenders::edits::DefenderDraft;
use crate::service::organisations::edits::OrganisationDraft;
use crate::service::query::records::RecordModel;
use crate::service::ratings::edits::RatingDraft;
use crate::service::restrictions::edits::RestrictionDraft;
use crate::service::sources::edits::SourceDraft;
use crate::service::statements::facts::EVENT_DESCRIPTION;
use crate::service::statements::portable;
use crate::service::statements::proposals::{self, NewStatement};
use crate::service::write::editing::{self, Draft, ModelOf, create_all_in, editable, prepare_new, update_in};
use crate::service::{Member, Viewer};

/// At most this many problems are listed; the rest are counted.
const MAX_LISTED_PROBLEMS: usize = 1_000;

/// The format of an exchange file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// CSV of one kind of record.
    Csv(RecordKind),
    /// JSON Lines of any kinds, each row with its `type`.
    JsonLines,
    /// FollowTheMoney entities, one per line.
    FollowTheMoney,
    /// FollowTheMoney statements as CSV (the columns `rights-graph export
    /// --format statements` writes): each row the importing organisation's
    /// statement.
    Statements,
}

/// One file to import.
pub struct Source {
    /// The file's name, for the report.
    pub name: String,
    pub format: Format,
    pub reader: Box<dyn BufRead + Send>,
    /// For a statements file: a `dataset` whose rows are the importer's own
    /// besides its own global id, such as the organisation's global id in
    /// the database the file was exported from.
    pub dataset: Option<String>,
}

/// A problem with one row.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Problem {
    pub file: String,
    /// The line of the file where the row starts, from 1.
    pub line: u64,
    /// The row's external identifier, when it could be read.
    pub external_id: Option<String>,
    /// The field at fault, in the file's own naming.
    pub field: Option<String>,
    pub reason: String,
}

/// New records of one kind wait for at most this many rows, then are
/// written together.
const BATCH_ROWS: usize = 500;

/// ... or for rows of at most this many bytes in the file, so that memory
/// stays flat whatever a row holds. A batch is held several times over
/// while it is written (drafts, statement values, the driver's buffer,
/// search documents), so this stays small: rows of a few hundred bytes
/// fill the 500 rows first.
const BATCH_BYTES: u64 = 1 << 20;

/// Rows read ahead, whose external identifiers are looked up together (at
/// most [`BATCH_BYTES`] of the file, too).
const WINDOW_ROWS: usize = 500;

/// Records written by an import after which the planners' statistics are refreshed.
const LARGE_IMPORT: u64 = 1_000;

/// What an import did, or would do in a dry run.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Report {
    pub dry_run: bool,
    /// Whether the import was written: no problems and not a dry run.
    pub committed: bool,
    pub created: u64,
    pub updated: u64,
    pub unchanged: u64,
    /// Rows with a problem.
    pub rejected: u64,
    /// FollowTheMoney entities of a schema without counterpart.
    pub skipped: u64,
    pub problems: Vec<Problem>,
    /// Problems found beyond those listed.
    pub unlisted_problems: u64,
}

impl Report {
    /// Rows read in all.
    pub fn rows(&self) -> u64 {
        self.created + self.updated + self.unchanged + self.rejected + self.skipped
    }
}

/// What a row's record is to the importer.
enum Target<M> {
    /// A record it may change.
    Editable(M),
    /// A record it may see but not change.
    ReadOnly(M),
    /// No record it may see: the row creates one.
    New,
}

enum Outcome {
    Created,
    Updated,
    Unchanged,
    /// A row that is not the importer's to write (another organisation's statement).
    Skipped,
}

/// Reads rows of one file.
enum Rows {
    Csv {
        reader: csv::Reader<Box<dyn BufRead + Send>>,
        layout: Option<Layout>,
        kind: RecordKind,
        record: csv::StringRecord,
    },
    Statements {
        reader: csv::Reader<Box<dyn BufRead + Send>>,
        /// The columns read, by name, once the header is read.
        columns: Option<HashMap<String, usize>>,
        record: csv::StringRecord,
    },
    Lines {
        reader: Box<dyn BufRead + Send>,
        ftm: bool,
        line: u64,
        bytes: u64,
        text: String,
    },
}

/// A row read, or the problem with it: `(field, reason)`.
type Read = Result<Option<Row>, (String, String)>;

impl Rows {
    fn new(source: Source) -> Rows {
        match source.format {
            Format::Csv(kind) => Rows::Csv {
                reader: csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(source.reader),
                layout: None,
                kind,
                record: csv::StringRecord::new(),
            },
            Format::Statements => Rows::Statements {
                reader: csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(source.reader),
                columns: None,
                record: csv::StringRecord::new(),
            },
            Format::JsonLines | Format::FollowTheMoney => Rows::Lines {
                reader: source.reader,
                ftm: source.format == Format::FollowTheMoney,
                line: 0,
                bytes: 0,
                text: String::new(),
            },
        }
    }

    /// Bytes read so far.
    fn position(&self) -> u64 {
        match self {
            Rows::Csv { reader, .. } | Rows::Statements { reader, .. } => reader.position().byte(),
            Rows::Lines { bytes, .. } => *bytes,
        }
    }

    /// The next row, its line and (for the report) its external identifier
    /// if it has one; `None` at the end.
    fn next(&mut self) -> Option<(u64, Option<String>, Read)> {
        match self {
            Rows::Csv { reader, layout, kind, record } => loop {
                let line = match filled_record(reader, record)? {
                    Ok(line) => line,
                    Err((line, problem)) => return Some((line, None, Err(problem))),
                };
                let Some(layout) = layout else {
                    match Layout::new(*kind, record) {
                        Ok(found) => {
                            *layout = Some(found);
                            continue;
                        }
                        Err(problem) => return Some((line, None, Err(problem))),
                    }
                };
                return Some((line, layout.external_id(record), layout.row(record).map(Some)));
            },
            Rows::Statements { reader, columns, record } => loop {
                let line = match filled_record(reader, record)? {
                    Ok(line) => line,
                    Err((line, problem)) => return Some((line, None, Err(problem))),
                };
                let Some(columns) = columns else {
                    match statement_columns(record) {
                        Ok(found) => {
                            *columns = Some(found);
                            continue;
                        }
                        Err(problem) => return Some((line, None, Err(problem))),
                    }
                };
                let row = statement_csv_row(columns, record);
                return Some((
                    line,
                    Some(row.record_id.clone()),
                    row.record_kind().map(|kind| Some(Row::Statement(kind, Box::new(row)))),
                ));
            },
            Rows::Lines { reader, ftm, line, bytes, text } => loop {
                text.clear();
                let read = match reader.read_line(text) {
                    Ok(0) => return None,
                    Ok(read) => read,
                    Err(error) => {
                        return Some((*line + 1, None, Err((String::new(), format!("unreadable line: {error}")))));
                    }
                };
                *line += 1;
                *bytes += read as u64;
                if text.trim().is_empty() {
                    continue;
                }
                let value: serde_json::Value = match serde_json::from_str(text) {
                    Ok(value) => value,
                    Err(error) => {
                        return Some((*line, None, Err((String::new(), format!("not a JSON object: {error}")))));
                    }
                };
                let key = if *ftm { "id" } else { "externalId" };
                let external = value.get(key).and_then(serde_json::Value::as_str).map(str::to_owned);
                return Some((*line, external, if *ftm { ftm::parse(value) } else { json_row(value).map(Some) }));
            },
        }
    }

    /// Whether a problem on this line leaves nothing more to read.
    fn fatal(&self) -> bool {
        matches!(self, Rows::Csv { layout: None, .. } | Rows::Statements { columns: None, .. })
    }
}

/// A line of a file that could not be read, and why: `(field, reason)`.
type Unreadable = (u64, (String, String));

/// Reads the next CSV record that is not blank into `record`: its line,
/// or the line that could not be read and why; `None` at the end.
fn filled_record(
    reader: &mut csv::Reader<Box<dyn BufRead + Send>>,
    record: &mut csv::StringRecord,
) -> Option<Result<u64, Unreadable>> {
    loop {
        let line = reader.position().line();
        match reader.read_record(record) {
            Ok(false) => return None,
            Err(error) => return Some(Err((line, (String::new(), format!("unreadable CSV: {error}"))))),
            Ok(true) if record.iter().all(|cell| cell.trim().is_empty()) => continue,
            Ok(true) => return Some(Ok(line)),
        }
    }
}

const KINDS: &str = "organisation, source, restriction, defender, campaign, country_rating or statement";

/// A JSON Lines row: its `type`, then the fields of that type.
fn json_row(value: serde_json::Value) -> Result<Row, (String, String)> {
    let serde_json::Value::Object(mut object) = value else {
        return Err((String::new(), "each line must be a JSON object".into()));
    };
    let kind = match object.remove("type") {
        Some(serde_json::Value::String(name)) if name.trim().eq_ignore_ascii_case("statement") => {
            return statement_row(serde_json::Value::Object(object));
        }
        Some(serde_json::Value::String(name)) => {
            RecordKind::from_name(&name).ok_or_else(|| ("type".to_owned(), format!("\"{name}\" is not {KINDS}")))?
        }
        _ => return Err(("type".into(), format!("each line needs a \"type\": {KINDS}"))),
    };
    Row::from_json(kind, serde_json::Value::Object(object))
}

/// The columns of a statements file a row needs.
const STATEMENT_COLUMNS: [&str; 3] = ["entity_id", "prop", "value"];

/// The columns of a statements file, from its header.
fn statement_columns(header: &csv::StringRecord) -> Result<HashMap<String, usize>, (String, String)> {
    let columns: HashMap<String, usize> =
        header.iter().enumerate().map(|(i, name)| (name.trim().to_ascii_lowercase(), i)).collect();
    let missing: Vec<&str> = STATEMENT_COLUMNS.into_iter().filter(|name| !columns.contains_key(*name)).collect();
    if !missing.is_empty() {
        return Err((
            String::new(),
            format!(
                "the first row must name the columns, among them {}; {} missing",
                STATEMENT_COLUMNS.join(", "),
                missing.join(", ")
            ),
        ));
    }
    Ok(columns)
}

/// A statements CSV row as a statement row: the record is the one the
/// statement is shown on (`canonical_id`, else `entity_id`), by the
/// importer's external identifier (its kind from `schema`) or by global id.
/// A row whose `dataset` is not the importing organisation (nor the dataset
/// the import claims) is skipped (on writing); a file without the column is
/// all the importer's. The statement's own id and dates are not taken: the
/// organisation states the value now.
fn statement_csv_row(columns: &HashMap<String, usize>, record: &csv::StringRecord) -> StatementRow {
    let cell = |name: &str| {
        columns.get(name).and_then(|i| record.get(*i)).map(str::trim).filter(|v| !v.is_empty()).map(str::to_owned)
    };
    // The schema says the kind, for a record named by external identifier.
    let record_type = cell("schema")
        .and_then(|schema| crate::service::statements::export::record_type_of(&schema))
        .map(str::to_owned);
    StatementRow {
        record_id: cell("canonical_id").or_else(|| cell("entity_id")).unwrap_or_default(),
        record_type,
        property: cell("prop").unwrap_or_default(),
        value: columns.get("value").and_then(|i| record.get(*i)).unwrap_or_default().to_owned(),
        language: cell("lang"),
        source_id: None,
        locator: None,
        dataset: columns.get("dataset").map(|i| record.get(*i).unwrap_or_default().trim().to_owned()),
    }
}

/// A statement row, with the kind of record it names.
fn statement_row(value: serde_json::Value) -> Result<Row, (String, String)> {
    let row: StatementRow = serde_path_to_error::deserialize(value).map_err(|error| {
        let path = error.path().to_string();
        (if path == "." { String::new() } else { path }, error.into_inner().to_string())
    })?;
    Ok(Row::Statement(row.record_kind()?, Box::new(row)))
}

/// Runs an import. `progress` hears of the bytes read of the current file
/// after each row.
pub async fn import(
    db: &DatabaseConnection,
    viewer: &Viewer,
    mut sources: Vec<Source>,
    dry_run: bool,
    progress: &(dyn Fn(&str, u64) + Sync),
) -> AppResult<Report> {
    let actor = editing::editor(viewer)?;
    // CSV files in the order their links need; other files as given.
    sources.sort_by_key(|source| match source.format {
        Format::Csv(kind) => kind as usize,
        _ => RecordKind::ALL.len(),
    });
    let txn = crate::db::begin_write(db).await?;
    if txn.get_database_backend() == sea_orm::DatabaseBackend::Postgres {
        // The tables grow by the import itself, inside this transaction; a
        // generic plan chosen while they were small (a sequential scan)
        // would stay for the whole file and make it quadratic.
        txn.execute_unprepared("SET LOCAL plan_cache_mode = force_custom_plan").await?;
    }
    let mut importer = Importer {
        txn: &txn,
        viewer,
        actor,
        report: Report { dry_run, ..Report::default() },
        naming: Naming::Json,
        dataset: None,
        batch: Batch::default(),
        known: HashMap::new(),
    };
    for source in sources {
        let name = source.name.clone();
        importer.naming = match source.format {
            Format::Csv(_) => Naming::Csv,
            Format::Statements => Naming::Statements,
            Format::JsonLines | Format::FollowTheMoney => Naming::Json,
        };
        importer.dataset = source.dataset.clone();
        let mut rows = Rows::new(source);
        let mut window = Vec::with_capacity(WINDOW_ROWS);
        let mut ended = false;
        while !ended {
            // Read a window of rows ahead, and look up every external
            // identifier they name at once.
            let start = rows.position();
            while window.len() < WINDOW_ROWS {
                let Some(next) = rows.next() else {
                    ended = true;
                    break;
                };
                let fatal = rows.fatal() && next.2.is_err();
                window.push((next, rows.position()));
                if fatal || rows.position() - start >= BATCH_BYTES {
                    break;
                }
            }
            importer.look_up(window.iter().filter_map(|((_, _, read), _)| read.as_ref().ok()?.as_ref())).await?;
            let mut before = start;
            for ((line, external, read), after) in window.drain(..) {
                importer.row(&name, line, external, read).await?;
                importer.read(after - before).await?;
                before = after;
                progress(&name, after);
            }
            if rows.fatal() && importer.report.rejected > 0 {
                break;
            }
        }
        importer.write_batch().await?;
    }
    let mut report = importer.report;
    if dry_run || report.rejected > 0 {
        txn.rollback().await?;
    } else {
        txn.commit().await?;
        report.committed = true;
        if report.created + report.updated >= LARGE_IMPORT {
            // The planners' statistics would otherwise describe the tables
            // as they were before the load until autovacuum comes round. The
            // import is committed: a failure here is logged, not reported.
            if let Err(error) = crate::db::refresh_statistics(db, false).await {
                tracing::warn!(%error, "could not refresh statistics after a large import");
            }
        }
    }
    Ok(report)
}

struct Importer<'a> {
    txn: &'a DatabaseTransaction,
    viewer: &'a Viewer,
    actor: Member,
    report: Report,
    /// How the current file names fields, for its problems.
    naming: Naming,
    /// The current file's other dataset that is the importer's own.
    dataset: Option<String>,
    /// New records not yet written.
    batch: Batch,
    /// What the external identifiers of the rows read ahead name (`None`:
    /// nothing yet), kept up to date as records are created.
    known: HashMap<(RecordKind, String), Option<Uuid>>,
}

/// New records waiting to be written together, all of one kind, each with
/// its external identifier: validated and checked already, so that writing
/// them can fail only with the database. A row that names one of them (by
/// its own identifier or in a link) has the batch written first.
#[derive(Default)]
struct Batch {
    kind: Option<RecordKind>,
    externals: HashSet<String>,
    /// Bytes of the file read since the batch began.
    bytes: u64,
    organisations: Vec<(String, OrganisationDraft)>,
    sources: Vec<(String, SourceDraft)>,
    restrictions: Vec<(String, RestrictionDraft)>,
    defenders: Vec<(String, DefenderDraft)>,
    campaigns: Vec<(String, CampaignDraft)>,
    ratings: Vec<(String, RatingDraft)>,
}

impl Batch {
    /// Whether a record of `kind` with this external identifier waits.
    fn holds(&self, kind: RecordKind, external: &str) -> bool {
        self.kind == Some(kind) && self.externals.contains(external)
    }
}

/// A kind of draft the importer batches.
trait Batched: Draft {
    const KIND: RecordKind;
    fn waiting(batch: &mut Batch) -> &mut Vec<(String, Self)>;
}

macro_rules! batched {
    ($draft:ty, $kind:ident, $field:ident) => {
        impl Batched for $draft {
            const KIND: RecordKind = RecordKind::$kind;
            fn waiting(batch: &mut Batch) -> &mut Vec<(String, Self)> {
                &mut batch.$field
            }
        }
    };
}
batched!(OrganisationDraft, Organisation, organisations);
batched!(SourceDraft, Source, sources);
batched!(RestrictionDraft, Restriction, restrictions);
batched!(DefenderDraft, Defender, defenders);
batched!(CampaignDraft, Campaign, campaigns);
batched!(RatingDraft, CountryRating, ratings);

impl Importer<'_> {
    /// Imports one row, or notes its problem. Once any row failed, the rest
    /// are only checked (nothing will be written), so that the report lists
    /// every problem of the file. Database failures end the import.
    async fn row(&mut self, file: &str, line: u64, external: Option<String>, read: Read) -> AppResult<()> {
        let row = match read {
            Ok(Some(row)) => row,
            Ok(None) => {
                self.report.skipped += 1;
                return Ok(());
            }
            Err((field, reason)) => {
                self.problem(file, line, external, Some(field), reason);
                return Ok(());
            }
        };
        let external_id = row.external_id().to_owned();
        let outcome =
            if self.report.rejected > 0 { self.check(row).map(|()| None) } else { self.write(row).await.map(Some) };
        match outcome {
            Ok(Some(Outcome::Created)) => self.report.created += 1,
            Ok(Some(Outcome::Updated)) => self.report.updated += 1,
            Ok(Some(Outcome::Unchanged)) => self.report.unchanged += 1,
            Ok(Some(Outcome::Skipped)) => self.report.skipped += 1,
            Ok(None) => {}
            Err(error @ (AppError::Internal(_) | AppError::Unavailable(_))) => return Err(error),
            Err(AppError::BadInput { argument, message }) => {
                self.problem(file, line, Some(external_id), Some(argument), message)
            }
            Err(
                AppError::NotFound(message)
                | AppError::Forbidden(message)
                | AppError::Conflict(message)
                | AppError::CursorExpired(message)
                | AppError::Unauthenticated(message),
            ) => self.problem(file, line, Some(external_id), None, message),
        }
        Ok(())
    }

    fn problem(&mut self, file: &str, line: u64, external_id: Option<String>, field: Option<String>, reason: String) {
        self.report.rejected += 1;
        let field = field.map(|field| match self.naming {
            Naming::Json => field,
            Naming::Csv => csv_column(&field),
            Naming::Statements => statement_column(&field).to_owned(),
        });
        if self.report.problems.len() < MAX_LISTED_PROBLEMS {
            let field = field.filter(|field| !field.is_empty());
            self.report.problems.push(Problem { file: file.to_owned(), line, external_id, field, reason });
        } else {
            self.report.unlisted_problems += 1;
        }
    }

    /// Checks what needs no database, once writing has stopped.
    fn check(&self, row: Row) -> AppResult<()> {
        match &row {
            // Skipped when written: nothing to check.
            Row::Statement(_, statement) if !self.own(statement) => return Ok(()),
            Row::Statement(..) => {}
            _ => {
                external_id(row.external_id())?;
            }
        }
        match row {
            Row::Organisation(row) => {
                let mut draft = apply::new_organisation();
                apply::organisation(row, &mut draft);
                draft.validated().map(drop)
            }
            Row::Restriction(row) => {
                required_for_restriction(&row)?;
                let mut draft = apply::new_restriction();
                apply::restriction(row, &mut draft);
                draft.validated().map(drop)
            }
            Row::Defender(row) => {
                let links = DefenderLinks {
                    event_restrictions: row.events.iter().flatten().map(|_| None).collect(),
                    organisations: row.affiliations.iter().flatten().map(|_| Uuid::nil()).collect(),
                    restrictions: row.restriction_links.iter().flatten().map(|_| Uuid::nil()).collect(),
                };
                let mut draft = apply::new_defender();
                apply::defender(*row, links, &mut draft);
                draft.validated().map(drop)
            }
            Row::Source(row) => {
                let mut draft = apply::new_source();
                apply::source(row, &mut draft);
                draft.validated().map(drop)
            }
            Row::Campaign(row) => {
                required_for_campaign(&row)?;
                let links = CampaignLinks {
                    lead: row.lead_organisation_id.as_ref().map(|lead| lead.as_ref().map(|_| Uuid::nil())),
                    defenders: row.defender_ids.as_ref().map(|ids| ids.iter().map(|_| Uuid::nil()).collect()),
                    restrictions: row.restriction_ids.as_ref().map(|ids| ids.iter().map(|_| Uuid::nil()).collect()),
                };
                let mut draft = apply::new_campaign();
                apply::campaign(*row, links, &mut draft);
                draft.validated().map(drop)
            }
            Row::CountryRating(row) => {
                let links = RatingLinks {
                    organisation: row.organisation_id.as_ref().map(|id| id.as_ref().map(|_| Uuid::nil())),
                    source: row.source_id.as_ref().map(|id| id.as_ref().map(|_| Uuid::nil())),
                };
                let mut draft = apply::new_rating();
                apply::rating(row, links, &mut draft);
                draft.validated().map(drop)
            }
            Row::Membership(_) => Ok(()),
            Row::Statement(kind, mut row) => {
                let source = row.source_id.as_ref().map(|_| Uuid::nil());
                if row.property == EVENT_DESCRIPTION {
                    row.value = portable::checkable_event_description(&row.value);
                }
                // A link may name a record by external identifier, which
                // only the database resolves.
                if portable::linked_kind(audited(kind), &row.property).is_some() {
                    row.value = Uuid::nil().to_string();
                }
                proposals::validate(audited(kind), new_statement(audited(kind), Uuid::nil(), *row, source))
            }
        }
    }

    async fn write(&mut self, row: Row) -> AppResult<Outcome> {
        if let Row::Statement(kind, row) = row {
            return self.statement(kind, *row).await;
        }
        let external = external_id(row.external_id())?.to_owned();
        match row {
            Row::Organisation(row) => {
                let id = row.id.clone();
                self.upsert(&external, id.as_deref(), apply::new_organisation, |draft| apply::organisation(row, draft))
                    .await
            }
            Row::Restriction(row) => {
                let id = row.id.clone();
                let target = self
                    .target::<entity::restriction::Entity>(RecordKind::Restriction, &external, id.as_deref())
                    .await?;
                if matches!(target, Target::New) {
                    required_for_restriction(&row)?;
                }
                self.store(&external, target, apply::new_restriction, |draft| apply::restriction(row, draft)).await
            }
            Row::Defender(row) => {
                let links = self.defender_links(&row).await?;
                let id = row.id.clone();
                self.upsert(&external, id.as_deref(), apply::new_defender, move |draft| {
                    apply::defender(*row, links, draft)
                })
                .await
            }
            Row::Source(row) => {
                let id = row.id.clone();
                self.upsert(&external, id.as_deref(), apply::new_source, |draft| apply::source(row, draft)).await
            }
            Row::Campaign(row) => {
                let links = self.campaign_links(&row).await?;
                let id = row.id.clone();
                let target =
                    self.target::<entity::campaign::Entity>(RecordKind::Campaign, &external, id.as_deref()).await?;
                if matches!(target, Target::New) {
                    required_for_campaign(&row)?;
                }
                self.store(&external, target, apply::new_campaign, move |draft| apply::campaign(*row, links, draft))
                    .await
            }
            Row::CountryRating(row) => {
                let links = self.rating_links(&row).await?;
                let id = row.id.clone();
                self.upsert(&external, id.as_deref(), apply::new_rating, move |draft| apply::rating(row, links, draft))
                    .await
            }
            Row::Membership(row) => self.membership(row).await,
            Row::Statement(..) => Err(AppError::Internal(anyhow::anyhow!("a statement row reached the record writer"))),
        }
    }

    /// Creates or updates the record a row names.
    async fn upsert<D>(
        &mut self,
        external: &str,
        id: Option<&str>,
        new: fn() -> D,
        edit: impl FnOnce(&mut D) + Send,
    ) -> AppResult<Outcome>
    where
        D: Batched,
        editing::ActiveOf<D>: sea_orm::ActiveModelTrait<Entity = D::Entity> + sea_orm::ActiveModelBehavior + Send,
        ModelOf<D>: sea_orm::IntoActiveModel<editing::ActiveOf<D>> + Send,
    {
        let target = self.target::<D::Entity>(D::KIND, external, id).await?;
        self.store(external, target, new, edit).await
    }

    async fn store<D>(
        &mut self,
        external: &str,
        target: Target<ModelOf<D>>,
        new: fn() -> D,
        edit: impl FnOnce(&mut D) + Send,
    ) -> AppResult<Outcome>
    where
        D: Batched,
        editing::ActiveOf<D>: sea_orm::ActiveModelTrait<Entity = D::Entity> + sea_orm::ActiveModelBehavior + Send,
        ModelOf<D>: sea_orm::IntoActiveModel<editing::ActiveOf<D>> + Send,
    {
        match target {
            Target::Editable(record) => {
                let updated = update_in::<D>(self.txn, self.viewer, &self.actor, record, edit).await?;
                Ok(if updated.is_some() { Outcome::Updated } else { Outcome::Unchanged })
            }
            Target::ReadOnly(record) => {
                // Another organisation's record, as the importer's own export
                // has it: fine while unchanged, refused if it would change.
                let confidential =
                    editing::confidential_access(self.txn, self.viewer, D::Entity::default().as_str(), record.id())
                        .await?;
                let old = D::load(self.txn, &record).await?.seen_by(self.txn, self.viewer, confidential).await?;
                let mut draft = old.clone();
                edit(&mut draft);
                draft.settle(&old);
                if draft.validated()?.changes_from(&old).is_empty() {
                    Ok(Outcome::Unchanged)
                } else {
                    Err(AppError::Forbidden(
                        "this row changes another organisation's record, which you may not change; leave out its id \
                         to import it as a record of your own"
                            .into(),
                    ))
                }
            }
            Target::New => {
                let mut draft = new();
                edit(&mut draft);
                let draft = prepare_new(self.txn, self.viewer, draft).await?;
                self.wait(external, draft).await?;
                Ok(Outcome::Created)
            }
        }
    }

    /// The record a row names: the one its external identifier names, or
    /// else the one its global id names (then the identifier is recorded for
    /// it, if the organisation may change it). A global id of a record the
    /// organisation may not see is treated like one that does not exist.
    async fn target<E>(&mut self, kind: RecordKind, external: &str, id: Option<&str>) -> AppResult<Target<E::Model>>
    where
        E: crate::service::query::records::RecordEntity + IdenStatic + Send + Sync,
        E::Model: Send,
    {
        let organisation = self.actor.organisation;
        if let Some(record) = self.named(kind, external).await? {
            return editable::<E, _>(self.txn, self.viewer, &self.actor, record).await.map(Target::Editable);
        }
        let Some(uuid) = id.and_then(|id| GlobalId::decode_uuid_of("id", id, kind.node_type()).ok()) else {
            return Ok(Target::New);
        };
        match editable::<E, _>(self.txn, self.viewer, &self.actor, uuid).await {
            Ok(record) => {
                external_ids::register(self.txn, organisation, kind.table(), external, uuid).await?;
                self.known.insert((kind, external.to_owned()), Some(uuid));
                Ok(Target::Editable(record))
            }
            Err(AppError::Forbidden(_)) => {
                let record = E::find_by_id_uuid(self.txn, uuid).await?;
                Ok(record.map_or(Target::New, Target::ReadOnly))
            }
            Err(AppError::Internal(cause)) => Err(AppError::Internal(cause)),
            Err(_) => Ok(Target::New),
        }
    }

    /// The record a link names: by the organisation's external identifier,
    /// else by global id. Whether the viewer may see it is checked with the
    /// draft, like every other write.
    async fn resolve(&mut self, kind: RecordKind, field: &str, reference: &str) -> AppResult<Uuid> {
        let reference = reference.trim();
        if let Some(id) = self.named(kind, reference).await? {
            return Ok(id);
        }
        GlobalId::decode_uuid_of(field, reference, kind.node_type()).map_err(|_| {
            AppError::bad_input(
                field,
                format!(
                    "no {} has the external id \"{reference}\": import it before the records that link to it, or give its global id",
                    kind.table()
                ),
            )
        })
    }

    async fn defender_links(&mut self, row: &DefenderRow) -> AppResult<DefenderLinks> {
        let mut links = DefenderLinks::default();
        for (i, event) in row.events.iter().flatten().enumerate() {
            let field = format!("events[{i}].restrictionId");
            let id = match &event.restriction_id {
                Some(reference) => Some(self.resolve(RecordKind::Restriction, &field, reference).await?),
                None => None,
            };
            links.event_restrictions.push(id);
        }
        for (i, affiliation) in row.affiliations.iter().flatten().enumerate() {
            let field = format!("affiliations[{i}].organisationId");
            links
                .organisations
                .push(self.resolve(RecordKind::Organisation, &field, &affiliation.organisation_id).await?);
        }
        for (i, link) in row.restriction_links.iter().flatten().enumerate() {
            let field = format!("restrictionLinks[{i}].restrictionId");
            links.restrictions.push(self.resolve(RecordKind::Restriction, &field, &link.restriction_id).await?);
        }
        Ok(links)
    }

    async fn campaign_links(&mut self, row: &CampaignRow) -> AppResult<CampaignLinks> {
        let mut links = CampaignLinks::default();
        if let Some(lead) = &row.lead_organisation_id {
            links.lead = Some(match lead {
                Some(lead) => Some(self.resolve(RecordKind::Organisation, "leadOrganisationId", lead).await?),
                None => None,
            });
        }
        if let Some(ids) = &row.defender_ids {
            let mut resolved = Vec::with_capacity(ids.len());
            for (i, id) in ids.iter().enumerate() {
                resolved.push(self.resolve(RecordKind::Defender, &format!("defenderIds[{i}]"), id).await?);
            }
            links.defenders = Some(resolved);
        }
        if let Some(ids) = &row.restriction_ids {
            let mut resolved = Vec::with_capacity(ids.len());
            for (i, id) in ids.iter().enumerate() {
                resolved.push(self.resolve(RecordKind::Restriction, &format!("restrictionIds[{i}]"), id).await?);
            }
            links.restrictions = Some(resolved);
        }
        Ok(links)
    }

    async fn rating_links(&mut self, row: &RatingRow) -> AppResult<RatingLinks> {
        let mut links = RatingLinks::default();
        if let Some(organisation) = &row.organisation_id {
            links.organisation = Some(match organisation {
                Some(id) => Some(self.resolve(RecordKind::Organisation, "organisationId", id).await?),
                None => None,
            });
        }
        if let Some(source) = &row.source_id {
            links.source = Some(match source {
                Some(id) => Some(self.resolve(RecordKind::Source, "sourceId", id).await?),
                None => None,
            });
        }
        Ok(links)
    }

    /// Looks up at once every external identifier the rows name, for
    /// [`Importer::named`]; forgets those of the rows before.
    async fn look_up<'r>(&mut self, rows: impl Iterator<Item = &'r Row>) -> AppResult<()> {
        self.known.clear();
        if self.report.rejected > 0 {
            // Nothing more is written, so nothing more is looked up.
            return Ok(());
        }
        let mut wanted: HashMap<RecordKind, HashSet<&str>> = HashMap::new();
        for row in rows {
            for (kind, external) in row.references() {
                wanted.entry(kind).or_default().insert(external);
            }
        }
        for (kind, externals) in wanted {
            let externals: Vec<&str> = externals.into_iter().collect();
            let found = external_ids::lookup_all(self.txn, self.actor.organisation, kind.table(), &externals).await?;
            for external in externals {
                self.known.insert((kind, external.to_owned()), found.get(external).copied());
            }
        }
        Ok(())
    }

    /// The record an external identifier of the organisation names: a
    /// waiting one is written first; those of the rows read ahead were
    /// looked up already.
    async fn named(&mut self, kind: RecordKind, external: &str) -> AppResult<Option<Uuid>> {
        if self.batch.holds(kind, external) {
            self.write_batch().await?;
        }
        if let Some(known) = self.known.get(&(kind, external.to_owned())) {
            return Ok(*known);
        }
        external_ids::lookup(self.txn, self.actor.organisation, kind.table(), external).await
    }

    /// Adds a new record to the batch, writing the batch first if it holds
    /// another kind, and after if it is full.
    async fn wait<D: Batched>(&mut self, external: &str, draft: D) -> AppResult<()> {
        if self.batch.kind.is_some_and(|kind| kind != D::KIND) {
            self.write_batch().await?;
        }
        self.batch.kind = Some(D::KIND);
        self.batch.externals.insert(external.to_owned());
        let waiting = D::waiting(&mut self.batch);
        waiting.push((external.to_owned(), draft));
        if waiting.len() >= BATCH_ROWS {
            self.write_batch().await?;
        }
        Ok(())
    }

    /// Counts bytes read while a batch waits, and writes it once they are many.
    async fn read(&mut self, bytes: u64) -> AppResult<()> {
        if self.batch.kind.is_some() {
            self.batch.bytes += bytes;
            if self.batch.bytes >= BATCH_BYTES {
                self.write_batch().await?;
            }
        }
        Ok(())
    }

    /// Writes the waiting records, with their external identifiers. Once a
    /// row failed nothing more is written: the import will be rolled back.
    async fn write_batch(&mut self) -> AppResult<()> {
        let Some(kind) = self.batch.kind else { return Ok(()) };
        if self.report.rejected > 0 {
            self.batch = Batch::default();
            return Ok(());
        }
        match kind {
            RecordKind::Organisation => self.write_waiting::<OrganisationDraft>().await?,
            RecordKind::Source => self.write_waiting::<SourceDraft>().await?,
            RecordKind::Restriction => self.write_waiting::<RestrictionDraft>().await?,
            RecordKind::Defender => self.write_waiting::<DefenderDraft>().await?,
            RecordKind::Campaign => self.write_waiting::<CampaignDraft>().await?,
            RecordKind::CountryRating => self.write_waiting::<RatingDraft>().await?,
        }
        self.batch = Batch::default();
        Ok(())
    }

    async fn write_waiting<D: Batched>(&mut self) -> AppResult<()>
    where
        editing::ActiveOf<D>: sea_orm::ActiveModelTrait<Entity = D::Entity> + sea_orm::ActiveModelBehavior + Send,
    {
        let (externals, drafts): (Vec<String>, Vec<D>) =
            std::mem::take(D::waiting(&mut self.batch)).into_iter().unzip();
        let ids = create_all_in(self.txn, &self.actor, drafts).await?;
        let named: Vec<(String, Uuid)> = externals.into_iter().zip(ids).collect();
        external_ids::register_all(self.txn, self.actor.organisation, D::KIND.table(), &named).await?;
        self.known.extend(named.into_iter().map(|(external, id)| ((D::KIND, external), Some(id))));
        Ok(())
    }

    /// Whether a statement row is the importing organisation's to state: its
    /// file names no dataset, or names the organisation (or the dataset the
    /// import was told is its own). Another organisation's account, or
    /// reference data, is not: no one states a value in another's name.
    fn own(&self, row: &StatementRow) -> bool {
        let own = GlobalId::encode_uuid(crate::ids::NodeType::Organisation, self.actor.organisation);
        row.dataset.as_ref().is_none_or(|dataset| *dataset == own.as_str() || self.dataset.as_ref() == Some(dataset))
    }

    /// Adds the organisation's statement, as `addStatement` would: asserted
    /// on a record it may change, proposed on one it may only read.
    async fn statement(&mut self, kind: RecordKind, row: StatementRow) -> AppResult<Outcome> {
        if !self.own(&row) {
            return Ok(Outcome::Skipped);
        }
        let record = self.resolve(kind, "recordId", &row.record_id).await?;
        let source = match &row.source_id {
            Some(source) => Some(self.resolve(RecordKind::Source, "sourceId", source).await?),
            None => None,
        };
        let mut row = row;
        // A file names links and case events as another database can
        // resolve them; the statement holds them as stored.
        if let Some(linked) = portable::linked_kind(audited(kind), &row.property)
            && Uuid::parse_str(row.value.trim()).is_err()
        {
            row.value = self.resolve(linked, "value", &row.value).await?.to_string();
        }
        if row.property == EVENT_DESCRIPTION {
            row.value = portable::stored_event_description(self.txn, record, &row.value).await?;
        }
        let input = new_statement(audited(kind), record, row, source);
        let added = proposals::add_in(self.txn, self.viewer, &self.actor, input).await?;
        // A value the organisation stated before is seen again.
        Ok(if added.first_seen == added.last_seen { Outcome::Created } else { Outcome::Updated })
    }

    async fn membership(&mut self, row: MembershipRow) -> AppResult<Outcome> {
        let defender = self.resolve(RecordKind::Defender, "properties.member", &row.defender).await?;
        let organisation =
            self.resolve(RecordKind::Organisation, "properties.organization", &row.affiliation.organisation_id).await?;
        let record = editable::<entity::defender::Entity, _>(self.txn, self.viewer, &self.actor, defender).await?;
        let updated = update_in::<DefenderDraft>(self.txn, self.viewer, &self.actor, record, |draft| {
            apply::membership(row, organisation, draft)
        })
        .await?;
        Ok(if updated.is_some() { Outcome::Updated } else { Outcome::Unchanged })
    }
}

/// The audited kind of a kind of record that holds statements.
fn audited(kind: RecordKind) -> Audited {
    match kind {
        RecordKind::Defender => Audited::Defender,
        RecordKind::Restriction => Audited::Restriction,
        _ => Audited::Campaign,
    }
}

fn new_statement(kind: Audited, record: Uuid, row: StatementRow, source: Option<Uuid>) -> NewStatement {
    NewStatement {
        record: (kind, record),
        property: row.property,
        value: row.value,
        language: row.language,
        source,
        locator: row.locator,
    }
}

/// A row's external identifier, checked.
fn external_id(external: &str) -> AppResult<&str> {
    let external = external.trim();
    if external.is_empty() || external.chars().count() > MAX_EXTERNAL_ID {
        return Err(AppError::bad_input("externalId", format!("must be 1 to {MAX_EXTERNAL_ID} characters")));
    }
    Ok(external)
}

fn required_for_campaign(row: &CampaignRow) -> AppResult<()> {
    if row.kind.is_none() {
        return Err(AppError::bad_input("kind", "a new campaign needs its kind"));
    }
    Ok(())
}

fn required_for_restriction(row: &RestrictionRow) -> AppResult<()> {
    if row.kind.is_none() {
        return Err(AppError::bad_input("kind", "a new restriction needs its kind"));
    }
    if row.status.is_none() {
        return Err(AppError::bad_input("status", "a new restriction needs its status"));
    }
    Ok(())
}

/// How a file names the fields its problems are about.
#[derive(Clone, Copy)]
enum Naming {
    /// As in JSON (and GraphQL).
    Json,
    /// As CSV columns: `country_code`.
    Csv,
    /// As a statements file's columns: `prop`, `lang`.
    Statements,
}

/// The statements file's column of a statement row's field.
fn statement_column(field: &str) -> &str {
    match field {
        "recordId" | "recordType" => "entity_id",
        "property" => "prop",
        "language" => "lang",
        other => other,
    }
}

/// The CSV column of a field named as in JSON: `affiliations[0].role` is in
/// `affiliations`, `countryCode` is `country_code`.
fn csv_column(field: &str) -> String {
    let head = field.split(['[', '.']).next().unwrap_or(field);
    let mut column = String::with_capacity(head.len() + 4);
    for c in head.chars() {
        if c.is_ascii_uppercase() {
            column.push('_');
            column.push(c.to_ascii_lowercase());
        } else {
            column.push(c);
        }
    }
    column
}
