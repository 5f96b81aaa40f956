//! `rights-graph export --format statements`: every statement the viewer may
//! see, as CSV in FollowTheMoney's statement columns. Records are read in
//! pages of ids, a fixed number of statements per page.
//!
//! - `id`: the statement's UUID;
//! - `entity_id`: the record that holds it, and `canonical_id` the one it
//!   is shown on (the survivor, after a merge), each by the exporting
//!   organisation's external identifier where it has one, else by global id
//!   (see [`portable`], which also says how link values and case events are
//!   named);
//! - `prop`, `prop_type`: the property and its FollowTheMoney type
//!   (`name`, `string`, `text`, `country`, `date`, `identifier`, `entity`,
//!   `json`);
//! - `schema`: `Person` for defenders; `Restriction` and `Campaign`, which
//!   have no FollowTheMoney schema;
//! - `dataset`: the asserting organisation's global id;
//! - `lang`, `original_value` (always empty), `first_seen`, `last_seen`.
//!
//! Only current asserted statements are written: proposals are not yet
//! anyone's account, and a value an organisation replaced is no longer its
//! account.

use std::io::Write;

use entity::{StatementStatus, campaign, defender, restriction, statement};
use sea_orm::sea_query::ExprTrait;
use sea_orm::{ConnectionTrait, IdenStatic, QueryFilter, QueryOrder, QuerySelect};
use uuid::Uuid;

use crate::error::{AppError, AppResult};
use crate::ids::{GlobalId, NodeType};
use crate::service::Viewer;
use crate::service::audit::Audited;
use crate::service::exchange::rows::RecordKind;
use crate::service::query::records::RecordEntity;
use crate::service::statements::facts::property_of;
use crate::service::statements::portable::Names;
use crate::service::statements::reads::of_records;

/// FollowTheMoney's statement columns, in order.
pub const COLUMNS: [&str; 12] = [
    "id",
    "entity_id",
    "canonical_id",
    "prop",
    "prop_type",
    "schema",
    "value",
    "dataset",
    "lang",
    "original_value",
    "first_seen",
    "last_seen",
];

/// Records read per page.
const PAGE: u64 = 500;

fn schema(kind: Audited) -> &'static str {
    match kind {
        Audited::Defender => "Person",
        Audited::Restriction => "Restriction",
        _ => "Campaign",
    }
}

/// The kind of record (as a JSON Lines `recordType`) a `schema` column names.
pub fn record_type_of(schema: &str) -> Option<&'static str> {
    [Audited::Defender, Audited::Restriction, Audited::Campaign]
        .into_iter()
        .find(|kind| self::schema(*kind) == schema)
        .map(Audited::table)
}

fn seen(at: chrono::DateTime<chrono::Utc>) -> String {
    at.format("%Y-%m-%dT%H:%M:%S").to_string()
}

/// Writes every statement the viewer may see; how many.
pub async fn write_csv<C: ConnectionTrait, W: Write>(db: &C, viewer: &Viewer, out: W) -> AppResult<u64> {
    let mut writer = csv::Writer::from_writer(out);
    let failed = |e: csv::Error| AppError::Internal(anyhow::anyhow!("could not write the statements: {e}"));
    writer.write_record(COLUMNS).map_err(failed)?;
    let mut written = 0;
    written += kind::<defender::Entity, _, _>(db, viewer, &mut writer).await?;
    written += kind::<restriction::Entity, _, _>(db, viewer, &mut writer).await?;
    written += kind::<campaign::Entity, _, _>(db, viewer, &mut writer).await?;
    writer.flush().map_err(|e| AppError::Internal(anyhow::anyhow!("could not write the statements: {e}")))?;
    Ok(written)
}

async fn kind<E, C, W>(db: &C, viewer: &Viewer, writer: &mut csv::Writer<W>) -> AppResult<u64>
where
    E: RecordEntity + IdenStatic,
    C: ConnectionTrait,
    W: Write,
{
    let kind = E::KIND;
    let mut after = Uuid::nil();
    let mut written = 0;
    loop {
        let ids: Vec<Uuid> = E::find()
            .select_only()
            .expr(E::column("id"))
            .filter(viewer.can_see(E::default()))
            .filter(E::column("id").gt(after))
            .order_by_asc(E::column("id"))
            .limit(PAGE)
            .into_tuple()
            .all(db)
            .await?;
        let Some(last) = ids.last() else { return Ok(written) };
        after = *last;
        let records: Vec<(Audited, Uuid)> = ids.iter().map(|id| (kind, *id)).collect();
        let mut found = of_records(db, viewer, &records).await?;
        // What each organisation asserts now: a value it replaced is history
        // (in `statements` and the audit log), and a file imported again
        // must not state it anew.
        for statements in found.values_mut() {
            statements.retain(|s| s.status == StatementStatus::Asserted && s.current);
        }
        let page: Vec<&statement::Model> = found.values().flatten().collect();
        let names = Names::of_page(db, viewer, &records, &page).await?;
        let record_kind = RecordKind::of_audited(kind);
        for id in &ids {
            for statement in found.remove(&(kind, *id)).unwrap_or_default() {
                let prop_type = property_of(kind, &statement.property).map_or("string", |p| p.prop_type.ftm_name());
                let entity_id = names.record(record_kind, statement.record_id);
                let canonical_id = names.record(record_kind, *id);
                let dataset = statement
                    .organisation_id
                    .map(|o| GlobalId::encode_uuid(NodeType::Organisation, o).to_string())
                    .unwrap_or_default();
                writer
                    .write_record([
                        statement.id.to_string().as_str(),
                        entity_id.as_str(),
                        canonical_id.as_str(),
                        &statement.property,
                        prop_type,
                        schema(kind),
                        &names.value(&statement),
                        &dataset,
                        statement.language.as_deref().unwrap_or(""),
                        "",
                        &seen(statement.first_seen),
                        &seen(statement.last_seen),
                    ])
                    .map_err(|e| AppError::Internal(anyhow::anyhow!("could not write the statements: {e}")))?;
                written += 1;
            }
        }
    }
}
