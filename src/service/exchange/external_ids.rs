//! The identifiers organisations give their own records. Each organisation
//! has its own namespace per record type, so two partners' "D-1" never meet.

use std::collections::HashMap;

use chrono::Utc;
use entity::external_id;
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use crate::error::AppResult;

/// The longest external identifier accepted.
pub const MAX_EXTERNAL_ID: usize = 200;

/// The record an organisation's external identifier names, if any.
pub async fn lookup<C: ConnectionTrait>(
    db: &C,
    organisation: Uuid,
    table: &str,
    external: &str,
) -> AppResult<Option<Uuid>> {
    Ok(external_id::Entity::find()
        .filter(external_id::Column::OrganisationId.eq(organisation))
        .filter(external_id::Column::RecordType.eq(table))
        .filter(external_id::Column::ExternalId.eq(external))
        .one(db)
        .await?
        .map(|row| row.record_id))
}

/// The records that the organisation's external identifiers of one table
/// name, for those that name one: a statement per thousand identifiers.
pub async fn lookup_all<C: ConnectionTrait>(
    db: &C,
    organisation: Uuid,
    table: &str,
    externals: &[&str],
) -> AppResult<HashMap<String, Uuid>> {
    let mut found = HashMap::with_capacity(externals.len());
    for chunk in externals.chunks(1_000) {
        let rows = external_id::Entity::find()
            .filter(external_id::Column::OrganisationId.eq(organisation))
            .filter(external_id::Column::RecordType.eq(table))
            .filter(external_id::Column::ExternalId.is_in(chunk.iter().copied()))
            .all(db)
            .await?;
        found.extend(rows.into_iter().map(|row| (row.external_id, row.record_id)));
    }
    Ok(found)
}

/// Records that `external` names `record` for this organisation.
pub async fn register<C: ConnectionTrait>(
    db: &C,
    organisation: Uuid,
    table: &str,
    external: &str,
    record: Uuid,
) -> AppResult<()> {
    register_all(db, organisation, table, &[(external.to_owned(), record)]).await
}

/// Records that each external identifier names its record for this
/// organisation, in a few statements for all.
pub async fn register_all<C: ConnectionTrait>(
    db: &C,
    organisation: Uuid,
    table: &str,
    names: &[(String, Uuid)],
) -> AppResult<()> {
    let now = Utc::now();
    let rows = names.iter().map(|(external, record)| external_id::ActiveModel {
        id: Set(Uuid::now_v7()),
        organisation_id: Set(organisation),
        record_type: Set(table.to_owned()),
        external_id: Set(external.clone()),
        record_id: Set(*record),
        created_at: Set(now),
    });
    crate::service::write::insert_rows(db, rows.collect()).await
}

/// The organisation's external identifiers of these records.
pub async fn of_records<C: ConnectionTrait>(
    db: &C,
    organisation: Uuid,
    table: &str,
    records: &[Uuid],
) -> AppResult<HashMap<Uuid, String>> {
    Ok(external_id::Entity::find()
        .filter(external_id::Column::OrganisationId.eq(organisation))
        .filter(external_id::Column::RecordType.eq(table))
        .filter(external_id::Column::RecordId.is_in(records.iter().copied()))
        .all(db)
        .await?
        .into_iter()
        .map(|row| (row.record_id, row.external_id))
        .collect())
}
