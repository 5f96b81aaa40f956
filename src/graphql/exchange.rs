//! Import and export through GraphQL, for files of a few megabytes: the same
//! formats, checks and report as `rights-graph import` and `export`.

use async_graphql::{Context, Enum, InputObject, Object, Result, SimpleObject};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sea_orm::TransactionTrait;
use uuid::Uuid;

use crate::error::AppError;
use crate::graphql::common::context::RequestContext;
use crate::service::exchange::encode::{self, ExportFormat};
use crate::service::exchange::import::{self, Format, Source};
use crate::service::exchange::{export, rows::RecordKind};

/// The largest file accepted through GraphQL; larger files go through the
/// command line, which streams them.
const MAX_IMPORT_BYTES: usize = 8 * 1024 * 1024;
/// The largest export page.
const MAX_EXPORT_PAGE: i32 = 5_000;

/// The format of an exchange file.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExchangeFormat {
    /// CSV with a header row, one kind of record per file; lists separated by `|`.
    Csv,
    /// JSON Lines: one record per line with its `type`, in the shape of the GraphQL inputs.
    JsonLines,
    /// FollowTheMoney entities (OpenSanctions, Aleph): `Person`, `Organization`, `Membership`, ...
    FollowTheMoney,
}

/// A kind of record that can be imported and exported.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExchangeRecordType {
    /// Organisations.
    Organisation,
    /// Sources.
    Source,
    /// Restrictions.
    Restriction,
    /// Defenders.
    Defender,
    /// Campaigns.
    Campaign,
    /// Civic-space ratings of countries.
    CountryRating,
}

impl From<ExchangeRecordType> for RecordKind {
    fn from(kind: ExchangeRecordType) -> Self {
        match kind {
            ExchangeRecordType::Organisation => RecordKind::Organisation,
            ExchangeRecordType::Source => RecordKind::Source,
            ExchangeRecordType::Campaign => RecordKind::Campaign,
            ExchangeRecordType::Restriction => RecordKind::Restriction,
            ExchangeRecordType::Defender => RecordKind::Defender,
            ExchangeRecordType::CountryRating => RecordKind::CountryRating,
        }
    }
}

/// A file to import.
#[derive(InputObject)]
pub struct ImportRecordsInput {
    /// The file's format.
    pub format: ExchangeFormat,
    /// For CSV, the kind of record the file holds; other formats say it per row.
    pub record_type: Option<ExchangeRecordType>,
    /// The file's text, at most 8 MiB. Larger files: use `rights-graph import`.
    pub data: String,
    /// A name for the file in the report; "upload" unless given.
    pub file_name: Option<String>,
    /// Check everything and report, but write nothing; false unless given.
    #[graphql(default)]
    pub dry_run: bool,
}

/// A problem with one row of an imported file.
#[derive(SimpleObject)]
pub struct ImportProblem {
    /// The file's name.
    pub file: String,
    /// The line where the row starts, from 1.
    pub line: u64,
    /// The row's external identifier, when it could be read.
    pub external_id: Option<String>,
    /// The field or column at fault, when one is.
    pub field: Option<String>,
    /// What is wrong, and how to put it right.
    pub reason: String,
}

/// What an import did, or in a dry run would do. A file with any problem is
/// refused as a whole: then `committed` is false and the counts say what the
/// valid rows would have done.
#[derive(SimpleObject)]
pub struct ImportReport {
    /// Whether this was a dry run.
    pub dry_run: bool,
    /// Whether the import was written.
    pub committed: bool,
    /// Records created.
    pub created: u64,
    /// Records changed.
    pub updated: u64,
    /// Records already as the file has them: not written, no new version.
    pub unchanged: u64,
    /// Rows with a problem.
    pub rejected: u64,
    /// FollowTheMoney entities of a schema without counterpart here.
    pub skipped: u64,
    /// The problems, up to 1,000.
    pub problems: Vec<ImportProblem>,
    /// Problems found beyond those listed.
    pub unlisted_problems: u64,
}

/// A page of an export.
#[derive(SimpleObject)]
pub struct ExportPage {
    /// The page's text in the requested format (for CSV, with the header row).
    pub content: String,
    /// Records on this page.
    pub count: u64,
    /// Pass as `after` to get the next page.
    pub end_cursor: Option<String>,
    /// Whether there may be more records.
    pub has_next_page: bool,
}

/// Imports.
#[derive(Default)]
pub struct ExchangeMutations;

#[Object]
impl ExchangeMutations {
    /// Imports a file for the caller's organisation, in one transaction: any
    /// invalid row refuses the whole file, and the report lists every
    /// problem. Rows name records by the organisation's external identifiers,
    /// so importing the same file again updates in place and leaves unchanged
    /// records untouched. Needs an EDITOR or ADMIN key.
    async fn import_records(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The file and how to read it.")] input: ImportRecordsInput,
    ) -> Result<ImportReport> {
        let rc = RequestContext::of(ctx);
        crate::service::write::editing::editor(&rc.viewer)?;
        if input.data.len() > MAX_IMPORT_BYTES {
            return Err(AppError::bad_input(
                "input.data",
                format!(
                    "the file has {} bytes; at most {MAX_IMPORT_BYTES} are accepted here: import larger files with `rights-graph import`",
                    input.data.len()
                ),
            )
            .into());
        }
        let format = match (input.format, input.record_type) {
            (ExchangeFormat::Csv, Some(kind)) => Format::Csv(kind.into()),
            (ExchangeFormat::Csv, None) => {
                return Err(
                    AppError::bad_input("input.recordType", "CSV needs the kind of record the file holds").into()
                );
            }
            (ExchangeFormat::JsonLines, _) => Format::JsonLines,
            (ExchangeFormat::FollowTheMoney, _) => Format::FollowTheMoney,
        };
        // The problems are data, not errors: the guard on errors does not see
        // them, so they pass it here. A row's external identifier may name a
        // record the importer cannot see (merged into a hidden survivor); no
        // reason may print an id the file did not hold.
        let sent = input.data.clone();
        let source = Source {
            name: input.file_name.unwrap_or_else(|| "upload".into()),
            format,
            reader: Box::new(std::io::Cursor::new(input.data.into_bytes())),
            dataset: None,
        };
        let report = import::import(&rc.db, &rc.viewer, vec![source], input.dry_run, &|_, _| {}).await?;
        let known = crate::graphql::runtime::error_ids::sent_ids(&[&sent]);
        Ok(ImportReport {
            dry_run: report.dry_run,
            committed: report.committed,
            created: report.created,
            updated: report.updated,
            unchanged: report.unchanged,
            rejected: report.rejected,
            skipped: report.skipped,
            problems: report
                .problems
                .into_iter()
                .map(|p| ImportProblem {
                    file: p.file,
                    line: p.line,
                    external_id: p.external_id,
                    field: p.field,
                    reason: crate::graphql::runtime::error_ids::withheld(&p.reason, &known).unwrap_or(p.reason),
                })
                .collect(),
            unlisted_problems: report.unlisted_problems,
        })
    }
}

/// Exports.
#[derive(Default)]
pub struct ExchangeQuery;

fn cursor(kind: RecordKind, id: Uuid) -> String {
    URL_SAFE_NO_PAD.encode(format!("export:{}:{id}", kind.table()))
}

fn after_id(kind: RecordKind, after: &str) -> Result<Uuid, AppError> {
    let refuse =
        || AppError::bad_input("after", "not a cursor of this export: pass the endCursor of the previous page");
    let text =
        URL_SAFE_NO_PAD.decode(after.trim()).ok().and_then(|bytes| String::from_utf8(bytes).ok()).ok_or_else(refuse)?;
    let id = text
        .strip_prefix("export:")
        .and_then(|rest| rest.strip_prefix(kind.table()))
        .and_then(|rest| rest.strip_prefix(':'));
    id.and_then(|id| Uuid::parse_str(id).ok()).ok_or_else(refuse)
}

#[Object]
impl ExchangeQuery {
    /// Exports one kind of record the viewer may see, a page at a time, in a
    /// format `importRecords` accepts back. Links to records the viewer may
    /// not see are left out; confidential fields are included only where the
    /// viewer may read them (never in FollowTheMoney). Records are named by
    /// the viewer's external identifiers where it has them, else by global id.
    async fn export_records(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The kind of record.")] record_type: ExchangeRecordType,
        #[graphql(desc = "The format.")] format: ExchangeFormat,
        #[graphql(desc = "Records per page, 1 to 5,000; 500 unless given.", default = 500)] first: i32,
        #[graphql(desc = "The `endCursor` of the previous page.")] after: Option<String>,
    ) -> Result<ExportPage> {
        let rc = RequestContext::of(ctx);
        if !(1..=MAX_EXPORT_PAGE).contains(&first) {
            return Err(AppError::bad_input("first", format!("must be 1 to {MAX_EXPORT_PAGE}; got {first}")).into());
        }
        let kind = RecordKind::from(record_type);
        let after = after.as_deref().map(|after| after_id(kind, after)).transpose()?;
        let format = match format {
            ExchangeFormat::Csv => ExportFormat::Csv,
            ExchangeFormat::JsonLines => ExportFormat::JsonLines,
            ExchangeFormat::FollowTheMoney => ExportFormat::FollowTheMoney,
        };
        let txn = rc.db.begin().await.map_err(AppError::from)?;
        let page = export::page(&txn, &rc.viewer, kind, after, first as u64).await?;
        txn.commit().await.map_err(AppError::from)?;
        let mut content = if format == ExportFormat::Csv { encode::csv_header(kind)? } else { String::new() };
        content.push_str(&encode::encode(format, &page.rows)?);
        Ok(ExportPage {
            content,
            count: page.rows.len() as u64,
            end_cursor: page.next.map(|id| cursor(kind, id)),
            has_next_page: page.next.is_some(),
        })
    }
}
