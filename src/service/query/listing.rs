//! The shape every listing shares: a base selection filtered by the viewer and
//! the client's filter, a sort order, and the ways it hangs off a parent. One
//! generic implementation of paging and counting serves them all.

use foldhash::HashMap;
use std::fmt::Debug;
use std::hash::Hash;

use sea_orm::sea_query::{Expr, ExprTrait, IntoIden};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, IdenStatic, QueryFilter, QueryTrait, Select};

use crate::error::AppResult;
use crate::service::Viewer;
use crate::service::query::pagination::{self, Page, PageRequest, ParentColumn, ParentKey, SortSpec};

/// A kind of record that can be listed, paged and counted, at the top level
/// and under a parent.
pub trait Listing: Send + Sync + 'static {
    type Entity: EntityTrait<Model: Send + Sync + entity::FromRow>;
    /// The parents this listing can hang off.
    type Via: Copy + Debug + Eq + Hash + Send + Sync + 'static;
    /// The client's filter, already validated.
    type Filter: Clone + Debug + Default + Eq + Hash + Send + Sync + 'static;
    /// The client's choice of order.
    type Order: Copy + Debug + Default + Eq + Hash + Send + Sync + 'static;

    /// The total order for `order`, ending with the unique id.
    fn spec(order: Self::Order) -> SortSpec<<Self::Entity as EntityTrait>::Model>;

    /// The records the viewer may see that match the filter.
    fn select(viewer: &Viewer, filter: &Self::Filter) -> Select<Self::Entity>;

    /// The same records, joined so that the parent column of `via` is reachable.
    fn via(viewer: &Viewer, via: Self::Via, filter: &Self::Filter) -> (Select<Self::Entity>, ParentColumn);
}

/// The model type of a listing.
pub type ModelOf<L> = <<L as Listing>::Entity as EntityTrait>::Model;

/// A column reference `table.column` as an expression.
pub fn col<E: EntityTrait>(column: E::Column) -> Expr {
    Expr::col((E::default().into_iden(), column.into_iden()))
}

/// A column as the parent link of a nested listing.
pub fn parent<E: EntityTrait>(column: E::Column) -> ParentColumn {
    (E::default().table_name(), column.as_str())
}

/// `column IN (values)`; `None` puts no constraint. An empty list matches nothing.
pub fn any_of<C, V>(column: C, values: &Option<Vec<V>>) -> Option<Expr>
where
    C: ColumnTrait,
    V: Into<sea_orm::Value> + Clone,
{
    values.as_ref().map(|values| Expr::col(column.as_column_ref()).is_in(values.iter().cloned()))
}

/// Applies optional conditions.
pub fn filtered<E: EntityTrait>(select: Select<E>, conditions: impl IntoIterator<Item = Option<Expr>>) -> Select<E> {
    conditions.into_iter().flatten().fold(select, |select, condition| select.filter(condition))
}

/// Joins `table` on `on` (an equality of two columns).
pub fn joined<E: EntityTrait>(mut select: Select<E>, table: &'static str, on: Expr) -> Select<E> {
    QueryTrait::query(&mut select).inner_join(table, on);
    select
}

/// One page of a top-level listing.
pub async fn list<L: Listing, C: ConnectionTrait>(
    db: &C,
    viewer: &Viewer,
    filter: &L::Filter,
    order: L::Order,
    page: &PageRequest,
) -> AppResult<Page<ModelOf<L>>> {
    pagination::fetch_page(db, L::select(viewer, filter), &std::sync::Arc::new(L::spec(order)), page).await
}

/// The size of a top-level listing.
pub async fn count<L: Listing, C: ConnectionTrait>(db: &C, viewer: &Viewer, filter: &L::Filter) -> AppResult<u64> {
    pagination::count(db, L::select(viewer, filter)).await
}

/// One page under each parent.
pub async fn list_under<L: Listing, C: ConnectionTrait>(
    db: &C,
    viewer: &Viewer,
    via: L::Via,
    parents: &[ParentKey],
    filter: &L::Filter,
    order: L::Order,
    page: &PageRequest,
) -> AppResult<HashMap<ParentKey, Page<ModelOf<L>>>> {
    let (select, parent) = L::via(viewer, via, filter);
    pagination::fetch_child_pages(db, select, parent, parents, &std::sync::Arc::new(L::spec(order)), page).await
}

/// The size of the listing under each parent.
pub async fn count_under<L: Listing, C: ConnectionTrait>(
    db: &C,
    viewer: &Viewer,
    via: L::Via,
    parents: &[ParentKey],
    filter: &L::Filter,
) -> AppResult<HashMap<ParentKey, u64>> {
    let (select, parent) = L::via(viewer, via, filter);
    pagination::count_children(db, select, parent, parents).await
}

/// Dates from `since` to `until`, both included, at the precision each is
/// given: `until: 2016` includes 2016-12-31. Partial dates are stored as
/// text in date order, so a range is a text range.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct DateRange {
    pub since: Option<entity::PartialDate>,
    pub until: Option<entity::PartialDate>,
}

impl DateRange {
    /// Checks that the range is not empty.
    pub fn new(
        argument: &str,
        since: Option<entity::PartialDate>,
        until: Option<entity::PartialDate>,
    ) -> AppResult<DateRange> {
        if let (Some(since), Some(until)) = (&since, &until)
            && since.as_str() > until.as_str()
            && !since.as_str().starts_with(until.as_str())
        {
            return Err(crate::error::AppError::bad_input(
                argument,
                format!("since ({}) is after until ({})", since.as_str(), until.as_str()),
            ));
        }
        Ok(DateRange { since, until })
    }

    /// The condition on a date column; none when the range is open on both ends.
    pub fn condition(&self, column: Expr) -> Option<Expr> {
        let since = self.since.as_ref().map(|since| column.clone().gte(since.as_str()));
        // '~' sorts after every digit and '-', so "2016~" follows every date in 2016.
        let until = self.until.as_ref().map(|until| column.clone().lte(format!("{}~", until.as_str())));
        match (since, until) {
            (Some(since), Some(until)) => Some(since.and(until)),
            (since, until) => since.or(until),
        }
    }
}
