//! Writing exported rows in each format, and exporting a viewer's records
//! kind by kind, page by page.

use sea_orm::{DatabaseConnection, TransactionTrait};
use uuid::Uuid;

use super::csv_rows;
use super::export;
use super::ftm;
use super::rows::{RecordKind, Row};
use crate::error::AppResult;
use crate::service::Viewer;
use crate::service::changes::Position;

/// The format of an export.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExportFormat {
    /// One CSV file per kind of record, with a header.
    Csv,
    /// JSON Lines, each row with its `type`.
    JsonLines,
    /// FollowTheMoney entities, one per line.
    FollowTheMoney,
}

/// The kinds a format carries: FollowTheMoney has no counterpart of restrictions.
pub fn kinds(format: ExportFormat) -> Vec<RecordKind> {
    match format {
        ExportFormat::FollowTheMoney => vec![RecordKind::Organisation, RecordKind::Defender],
        _ => RecordKind::ALL.to_vec(),
    }
}

/// The CSV header line of a kind.
pub fn csv_header(kind: RecordKind) -> AppResult<String> {
    csv_lines(std::iter::once(csv_rows::header(kind).into_iter().map(str::to_owned).collect()))
}

fn csv_lines(records: impl Iterator<Item = Vec<String>>) -> AppResult<String> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    for record in records {
        writer.write_record(&record).map_err(anyhow::Error::from)?;
    }
    let bytes = writer.into_inner().map_err(|e| anyhow::anyhow!("could not write CSV: {e}"))?;
    Ok(String::from_utf8(bytes).map_err(anyhow::Error::from)?)
}

/// Rows in a format (for CSV, without the header).
pub fn encode(format: ExportFormat, rows: &[Row]) -> AppResult<String> {
    match format {
        ExportFormat::Csv => csv_lines(rows.iter().map(csv_rows::cells)),
        ExportFormat::JsonLines => Ok(rows.iter().map(|row| format!("{}\n", row.to_json())).collect()),
        ExportFormat::FollowTheMoney => {
            Ok(rows.iter().flat_map(ftm::entities).map(|entity| format!("{entity}\n")).collect())
        }
    }
}

/// Exports every kind the format carries, in import order, handing each
/// chunk of text to `sink` with its kind. One read transaction, so the
/// export is a consistent snapshot; pages of `page_size` keep memory flat.
/// Gives the number of records, and the change-feed position of the
/// snapshot: following the feed from there keeps the copy in sync.
pub async fn export_all(
    db: &DatabaseConnection,
    viewer: &Viewer,
    format: ExportFormat,
    page_size: u64,
    sink: &mut (dyn FnMut(RecordKind, &str) -> std::io::Result<()> + Send),
) -> AppResult<(u64, Option<Position>)> {
    let txn = db.begin().await?;
    let position = crate::service::changes::feed::latest(&txn, viewer).await?;
    let mut count = 0;
    for kind in kinds(format) {
        if format == ExportFormat::Csv {
            sink(kind, &csv_header(kind)?).map_err(anyhow::Error::from)?;
        }
        let mut after: Option<Uuid> = None;
        loop {
            let page = export::page(&txn, viewer, kind, after, page_size).await?;
            count += page.rows.len() as u64;
            sink(kind, &encode(format, &page.rows)?).map_err(anyhow::Error::from)?;
            match page.next {
                Some(next) => after = Some(next),
                None => break,
            }
        }
    }
    txn.commit().await?;
    Ok((count, position))
}
