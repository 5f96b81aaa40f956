//! The machinery of writes shared by every record kind: drafts validated in
//! full before anything is written, rights and versions checked, one
//! transaction with the audit entry (`editing`); rows inserted many per
//! statement (`insert_rows`).

pub mod editing;

use sea_orm::{ActiveModelTrait, ConnectionTrait, EntityTrait, Iterable};

use crate::error::AppResult;

/// Values bound per statement at most: below SQLite's limit (32,766) and
/// PostgreSQL's (65,535).
const MAX_BOUND_VALUES: usize = 30_000;

/// Inserts rows of one table, as many per statement as the engines' limits
/// on bound values allow (a table of 10 columns takes 3,000 rows a
/// statement), so that a batch of records costs a few statements whatever
/// their lists hold.
pub async fn insert_rows<A, C>(db: &C, rows: Vec<A>) -> AppResult<()>
where
    A: ActiveModelTrait + Send,
    C: ConnectionTrait,
{
    let columns = <A::Entity as EntityTrait>::Column::iter().count().max(1);
    let per_statement = (MAX_BOUND_VALUES / columns).max(1);
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let chunk: Vec<A> = rows.by_ref().take(per_statement).collect();
        <A::Entity as EntityTrait>::insert_many(chunk).exec_without_returning(db).await?;
    }
    Ok(())
}
