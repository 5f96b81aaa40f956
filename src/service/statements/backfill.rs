//! Statements of records that have none: written before statements existed
//! (migration 000019), or loaded without them (the sample and synthetic
//! data). Each record's current values become its contributor's statements,
//! first seen when the record was created and last seen when it last
//! changed; what came before stays in the audit log. Runs at start, in
//! batches in id order, each under a lock so that instances starting
//! together do not both file a record.

use entity::{campaign, defender, restriction, statement};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Query};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseBackend, DatabaseConnection, EntityTrait, IdenStatic, QueryFilter,
    QueryOrder, QuerySelect,
};
use uuid::Uuid;

use crate::error::AppResult;
use crate::service::campaigns::edits::CampaignDraft;
use crate::service::defenders::edits::DefenderDraft;
use crate::service::query::records::RecordModel;
use crate::service::restrictions::edits::RestrictionDraft;
use crate::service::statements::Stated;
use crate::service::statements::writes::row;
use crate::service::write::editing::{Draft, ModelOf};
use crate::service::write::insert_rows;
use entity::StatementStatus;

/// Records filed per transaction.
const BATCH: u64 = 500;
/// The advisory lock filing takes on PostgreSQL ("rgstatmt").
const LOCK: i64 = 0x7267_7374_6174_6d74;

/// Files the statements of every record that has none; how many records.
pub async fn file_missing(db: &DatabaseConnection) -> AppResult<u64> {
    let mut filed = file_kind::<DefenderDraft>(db, defender::Column::Id).await?;
    filed += file_kind::<RestrictionDraft>(db, restriction::Column::Id).await?;
    filed += file_kind::<CampaignDraft>(db, campaign::Column::Id).await?;
    Ok(filed)
}

async fn file_kind<D>(db: &DatabaseConnection, id_column: <D::Entity as EntityTrait>::Column) -> AppResult<u64>
where
    D: Draft + Stated,
    ModelOf<D>: RecordModel,
{
    let table = D::Entity::default().as_str();
    let mut filed = 0;
    let mut after = Uuid::nil();
    loop {
        let txn = crate::db::begin_write(db).await?;
        if txn.get_database_backend() == DatabaseBackend::Postgres {
            txn.execute(&Query::select().expr(Expr::cust_with_values("pg_advisory_xact_lock($1)", [LOCK])).to_owned())
                .await?;
        }
        let stated = Query::select()
            .expr(Expr::val(1))
            .from(statement::Entity)
            .and_where(Expr::col((statement::Entity, statement::Column::RecordId)).equals((Alias::new(table), "id")))
            .take();
        let records: Vec<ModelOf<D>> = D::Entity::find()
            .filter(Expr::exists(stated).not())
            .filter(id_column.gt(after))
            .order_by_asc(id_column)
            .limit(BATCH)
            .all(&txn)
            .await?;
        let Some(last) = records.last() else {
            txn.commit().await?;
            return Ok(filed);
        };
        after = last.id();
        let drafts = D::load_all(&txn, &records).await?;
        let rows = records
            .iter()
            .zip(&drafts)
            .flat_map(|(record, draft)| {
                let seen = (record.created_at(), record.updated_at());
                draft.facts().into_iter().map(move |fact| {
                    row((table, record.id()), &fact, record.contributed_by(), StatementStatus::Asserted, seen)
                })
            })
            .collect();
        insert_rows(&txn, rows).await?;
        txn.commit().await?;
        filed += records.len() as u64;
    }
}
