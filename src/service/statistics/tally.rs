//! Charts without a filter, read from the standing counts the database keeps
//! per dimension and audience (`record_tally`, migration 000014), instead
//! of grouping every record: a few hundred small rows, whatever the number
//! of records.
//!
//! What a viewer sees of a kind of record splits into two parts that do
//! not overlap (see [`Viewer::audience_sees`]): live records its audience
//! lets the viewer see, which the standing counts hold, and live records
//! seen only because they were shared with the viewer's organisation, which
//! are counted here from the shares. The sum is exactly what grouping the
//! records the viewer may see would give; `tests/integration/statistics.rs`
//! compares the two after every kind of write.

use sea_orm::sea_query::{Alias, Expr, ExprTrait, Query, SelectStatement, UnionType};
use sea_orm::{ConnectionTrait, QueryFilter, QuerySelect, QueryTrait, Select};

use crate::error::AppResult;
use crate::service::Viewer;
use crate::service::visibility::Governed;

/// The dimension every record counts in once, under an empty key.
pub const TOTAL: &str = "total";

/// Counts per key of `dimension` among the records of `select` (the records
/// of `E` the viewer may see, without a filter), where `key` is the
/// dimension's key of a record, NULL where the record is not counted in it.
pub async fn counts<E: Governed, C: ConnectionTrait>(
    db: &C,
    viewer: &Viewer,
    select: Select<E>,
    dimension: &str,
    key: Expr,
) -> AppResult<Vec<(String, i64)>> {
    let tally = Alias::new("record_tally");
    let mut counted: SelectStatement = Query::select()
        .column((tally.clone(), Alias::new("key")))
        .column((tally.clone(), Alias::new("count")))
        .from(tally.clone())
        .and_where(Expr::col((tally.clone(), Alias::new("record_type"))).eq(E::default().table_name()))
        .and_where(Expr::col((tally.clone(), Alias::new("dimension"))).eq(dimension))
        .cond_where(viewer.audience_sees::<E>(tally))
        .to_owned();
    if let Some(shared) = viewer.shared_with(E::default()) {
        // Shared records the audience alone would not show: each counts once.
        let only_shared = select
            .filter(shared)
            .filter(viewer.audience_sees::<E>(E::default()).not())
            .select_only()
            .expr_as(key, "key")
            .expr_as(Expr::cust("1"), "count")
            .into_query();
        counted.union(UnionType::All, only_shared);
    }
    let key = Alias::new("key");
    let statement = Query::select()
        .column(key.clone())
        .expr_as(Expr::cust("CAST(SUM(count) AS BIGINT)"), Alias::new("count"))
        .from_subquery(counted, Alias::new("counted"))
        .and_where(Expr::col(key.clone()).is_not_null())
        .group_by_col(key)
        .and_having(Expr::cust("SUM(count) <> 0"))
        .to_owned();
    let rows = db.query_all(&statement).await?;
    rows.iter().map(|row| Ok((row.try_get::<String>("", "key")?, row.try_get::<i64>("", "count")?))).collect()
}
