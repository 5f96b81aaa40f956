//! ISO 3166 reference lists, loaded once into an empty database.
//!
//! Source: the `rust_iso3166` crate (version pinned in Cargo.lock), which
//! compiles the ISO 3166-1 country list and the ISO 3166-2 subdivision list
//! into the binary, so loading needs no network.

use std::collections::BTreeMap;

use chrono::Utc;
use entity::{country, dataset, subdivision};
use sea_orm::{ActiveValue::Set, ConnectionTrait, EntityTrait, TransactionSession, TransactionTrait};

use crate::service::text::sort_key;

/// The name under which the reference lists are recorded in `dataset`.
pub const DATASET: &str = "iso3166";

/// Rows per INSERT: well under the bound-parameter limits of both engines.
const CHUNK: usize = 500;

/// Whether a dataset was loaded already.
pub async fn is_loaded<C: ConnectionTrait>(db: &C, name: &str) -> Result<bool, sea_orm::DbErr> {
    Ok(dataset::Entity::find_by_id(name.to_owned()).one(db).await?.is_some())
}

/// Records that a dataset was loaded.
pub async fn mark_loaded<C: ConnectionTrait>(db: &C, name: &str) -> Result<(), sea_orm::DbErr> {
    dataset::Entity::insert(dataset::ActiveModel { name: Set(name.to_owned()), loaded_at: Set(Utc::now()) })
        .exec(db)
        .await?;
    Ok(())
}

/// Loads every ISO 3166-1 country and ISO 3166-2 subdivision, unless done
/// before. Returns whether it loaded anything.
pub async fn load<C: TransactionTrait>(db: &C) -> Result<bool, sea_orm::DbErr> {
    let txn = db.begin().await?;
    if is_loaded(&txn, DATASET).await? {
        return Ok(false);
    }
    let countries: Vec<country::ActiveModel> = rust_iso3166::ALL
        .iter()
        .map(|c| country::ActiveModel {
            code: Set(c.alpha2.to_owned()),
            alpha3: Set(c.alpha3.to_owned()),
            numeric: Set(i32::from(c.numeric)),
            name: Set(c.name.to_owned()),
            sort_key: Set(sort_key(c.name)),
        })
        .collect();
    for chunk in countries.chunks(CHUNK) {
        country::Entity::insert_many(chunk.to_vec()).exec(&txn).await?;
    }

    // Keyed by code: the list holds each subdivision once, but a map makes
    // that a guarantee rather than an assumption.
    let subdivisions: BTreeMap<&str, subdivision::ActiveModel> = rust_iso3166::ALL
        .iter()
        .filter_map(|c| c.subdivisions())
        .flatten()
        .map(|s| {
            (
                s.code,
                subdivision::ActiveModel {
                    code: Set(s.code.to_owned()),
                    country_code: Set(s.country_code.to_owned()),
                    name: Set(s.name.to_owned()),
                    kind: Set(s.subdivision_type.to_owned()),
                    sort_key: Set(sort_key(s.name)),
                },
            )
        })
        .collect();
    let subdivisions: Vec<_> = subdivisions.into_values().collect();
    for chunk in subdivisions.chunks(CHUNK) {
        subdivision::Entity::insert_many(chunk.to_vec()).exec(&txn).await?;
    }
    mark_loaded(&txn, DATASET).await?;
    txn.commit().await?;
    tracing::info!(countries = countries.len(), subdivisions = subdivisions.len(), "loaded ISO 3166 reference lists");
    Ok(true)
}
