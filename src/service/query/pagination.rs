//! Keyset pagination for connections, at the top level and nested.
//!
//! A listing sorts by a [`SortSpec`]: one or more keys ending with the
//! record's unique id, so the order is total and stable. A cursor carries the
//! sort values of its row (and the name of the order it was made for), and the
//! next page starts strictly after them. Nested lists are paged for many
//! parents in a single statement, numbering each parent's rows with a window
//! function, so the work per request depends on the query, not on the data.

use std::sync::Arc;

// foldhash rather than SipHash: nested pages are grouped and looked up by
// parent for every row and every key of a batch.
use foldhash::HashMap;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use entity::{FromRow, RowReader};
use sea_orm::sea_query::{Asterisk, Expr, ExprTrait, Order, Query, SelectStatement, WindowStatement};
use sea_orm::{ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, QueryTrait, Select, Value};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::{AppError, AppResult};

/// Page size when the client gives neither `first` nor `last`.
pub const DEFAULT_PAGE_SIZE: u64 = 20;
/// The largest page a client may ask for.
pub const MAX_PAGE_SIZE: u64 = 100;

/// One sort value of a row, as carried in cursors.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum CursorValue {
    #[serde(rename = "s")]
    Text(String),
    #[serde(rename = "u")]
    Uuid(Uuid),
    #[serde(rename = "t")]
    Time(DateTime<Utc>),
    #[serde(rename = "i")]
    Int(i64),
}

impl CursorValue {
    fn kind(&self) -> ValueKind {
        match self {
            CursorValue::Text(_) => ValueKind::Text,
            CursorValue::Uuid(_) => ValueKind::Uuid,
            CursorValue::Time(_) => ValueKind::Time,
            CursorValue::Int(_) => ValueKind::Int,
        }
    }

    /// The order of two values of the same kind, as the database orders them.
    fn compare(&self, other: &CursorValue) -> std::cmp::Ordering {
        match (self, other) {
            (CursorValue::Text(a), CursorValue::Text(b)) => a.cmp(b),
            (CursorValue::Uuid(a), CursorValue::Uuid(b)) => a.cmp(b),
            (CursorValue::Time(a), CursorValue::Time(b)) => a.cmp(b),
            (CursorValue::Int(a), CursorValue::Int(b)) => a.cmp(b),
            // Cursors are checked against the order's kinds before use.
            _ => std::cmp::Ordering::Equal,
        }
    }

    fn to_value(&self) -> Value {
        match self {
            CursorValue::Text(text) => text.clone().into(),
            CursorValue::Uuid(id) => (*id).into(),
            CursorValue::Time(time) => (*time).into(),
            CursorValue::Int(number) => (*number).into(),
        }
    }
}

/// The type of a sort key's values.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ValueKind {
    Text,
    Uuid,
    Time,
    Int,
}

/// One key of an ordering: the expression sorted by, its direction, and how to
/// read a row's value of it.
pub struct SortKey<M> {
    pub expr: Expr,
    pub descending: bool,
    pub kind: ValueKind,
    pub value: Box<dyn Fn(&M) -> CursorValue + Send + Sync>,
}

impl<M> SortKey<M> {
    /// An ascending key.
    pub fn asc(
        expr: impl Into<Expr>,
        kind: ValueKind,
        value: impl Fn(&M) -> CursorValue + Send + Sync + 'static,
    ) -> Self {
        SortKey { expr: expr.into(), descending: false, kind, value: Box::new(value) }
    }

    /// An ascending key on a partial date column; undated rows sort first.
    pub fn partial_date(
        column: Expr,
        value: impl Fn(&M) -> Option<&entity::PartialDate> + Send + Sync + 'static,
    ) -> Self {
        let undated_first = Expr::from(sea_orm::sea_query::Func::coalesce([column, Expr::val("")]));
        Self::asc(undated_first, ValueKind::Text, move |m| {
            CursorValue::Text(value(m).map(|d| d.as_str().to_owned()).unwrap_or_default())
        })
    }

    /// An ascending key on a unique id column.
    pub fn id(column: Expr, value: impl Fn(&M) -> uuid::Uuid + Send + Sync + 'static) -> Self {
        Self::asc(column, ValueKind::Uuid, move |m| CursorValue::Uuid(value(m)))
    }

    /// The same key, descending when `descending` is true.
    pub fn direction(mut self, descending: bool) -> Self {
        self.descending = descending;
        self
    }

    /// The SQL order of this key when reading forwards or backwards.
    fn order(&self, backward: bool) -> Order {
        if self.descending == backward { Order::Asc } else { Order::Desc }
    }
}

/// A total order of a listing. `tag` names it in cursors, so that a cursor
/// made under one order is refused under another.
pub struct SortSpec<M> {
    pub tag: String,
    pub keys: Vec<SortKey<M>>,
}

impl<M> SortSpec<M> {
    fn cursor_of(&self, model: &M) -> String {
        let data = CursorData { o: self.tag.clone(), k: self.keys.iter().map(|key| (key.value)(model)).collect() };
        // Serialising plain strings, ids and times cannot fail.
        let json = serde_json::to_vec(&data).unwrap_or_default();
        URL_SAFE_NO_PAD.encode(json)
    }

    fn decode(&self, argument: &str, cursor: &str) -> AppResult<Vec<CursorValue>> {
        let refuse =
            |why: &str| AppError::bad_input(argument, format!("\"{cursor}\" is not a cursor of this list: {why}"));
        let json = URL_SAFE_NO_PAD.decode(cursor.trim_end_matches('=')).map_err(|_| refuse("it is not a cursor"))?;
        let data: CursorData = serde_json::from_slice(&json).map_err(|_| refuse("it is not a cursor"))?;
        if data.o != self.tag {
            return Err(refuse("it was made for another order; use cursors from a response with the same orderBy"));
        }
        let kinds_match = data.k.len() == self.keys.len()
            && data.k.iter().zip(&self.keys).all(|(value, key)| value.kind() == key.kind);
        if !kinds_match {
            return Err(refuse("it is not a cursor"));
        }
        Ok(data.k)
    }

    /// Rows strictly after (or, reading backwards, before) the cursor values.
    fn keyset(&self, values: &[CursorValue], backward: bool) -> Expr {
        let mut any: Option<Expr> = None;
        for (i, key) in self.keys.iter().enumerate() {
            let mut all: Option<Expr> = None;
            for (earlier, value) in self.keys[..i].iter().zip(values) {
                let equal = earlier.expr.clone().eq(value.to_value());
                all = Some(match all {
                    Some(all) => all.and(equal),
                    None => equal,
                });
            }
            let value = values[i].to_value();
            let beyond = match key.order(backward) {
                Order::Asc => key.expr.clone().gt(value),
                _ => key.expr.clone().lt(value),
            };
            let clause = match all {
                Some(all) => all.and(beyond),
                None => beyond,
            };
            any = Some(match any {
                Some(any) => any.or(clause),
                None => clause,
            });
        }
        any.unwrap_or_else(|| Expr::value(true))
    }
}

#[derive(Serialize, Deserialize)]
struct CursorData {
    o: String,
    k: Vec<CursorValue>,
}

/// Pagination arguments as a client gives them.
#[derive(Clone, Debug, Default)]
pub struct PageArgs {
    pub first: Option<i32>,
    pub after: Option<String>,
    pub last: Option<i32>,
    pub before: Option<String>,
}

/// Checked pagination: how many rows, in which direction, from where.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct PageRequest {
    pub backward: bool,
    pub limit: u64,
    pub from: Option<Vec<CursorValue>>,
}

fn page_size(argument: &str, size: i32) -> AppResult<u64> {
    if size < 0 {
        return Err(AppError::bad_input(argument, format!("must not be negative; got {size}")));
    }
    let size = size as u64;
    if size > MAX_PAGE_SIZE {
        return Err(AppError::bad_input(
            argument,
            format!(
                "at most {MAX_PAGE_SIZE} records can be asked for at once; got {size}. Page through the rest with cursors"
            ),
        ));
    }
    Ok(size)
}

impl PageRequest {
    /// Checks the arguments against the listing's order. The order is built
    /// only to read a cursor: a nested connection asks for a page under every
    /// parent, most of them without one.
    pub fn new<M>(args: &PageArgs, spec: impl FnOnce() -> SortSpec<M>) -> AppResult<Self> {
        if args.first.is_some() && args.last.is_some() {
            return Err(AppError::bad_input("last", "give either first or last, not both"));
        }
        if args.after.is_some() && args.before.is_some() {
            return Err(AppError::bad_input("before", "give either after or before, not both"));
        }
        if args.last.is_some() && args.after.is_some() {
            return Err(AppError::bad_input("after", "last pages backwards: combine it with before, not after"));
        }
        if args.first.is_some() && args.before.is_some() {
            return Err(AppError::bad_input("before", "first pages forwards: combine it with after, not before"));
        }
        let backward = args.last.is_some() || args.before.is_some();
        let limit = match (args.first, args.last) {
            (Some(first), _) => page_size("first", first)?,
            (_, Some(last)) => page_size("last", last)?,
            _ => DEFAULT_PAGE_SIZE,
        };
        let from = match (&args.after, &args.before) {
            (Some(after), _) => Some(spec().decode("after", after)?),
            (_, Some(before)) => Some(spec().decode("before", before)?),
            _ => None,
        };
        Ok(PageRequest { backward, limit, from })
    }
}

/// Makes the cursors of a listing's rows, when they are asked for: most
/// pages, nested ones above all, are read without them.
pub struct Cursors<M>(Option<Arc<SortSpec<M>>>);

impl<M> Clone for Cursors<M> {
    fn clone(&self) -> Self {
        Cursors(self.0.clone())
    }
}

impl<M> Cursors<M> {
    /// The cursor of `row`, a row of the listing these cursors were made for.
    pub fn of(&self, row: &M) -> String {
        self.0.as_ref().map(|spec| spec.cursor_of(row)).unwrap_or_default()
    }
}

/// One page of a listing.
#[derive(Clone)]
pub struct Page<M> {
    /// The rows, in listing order.
    pub items: Vec<M>,
    pub has_next_page: bool,
    pub has_previous_page: bool,
    /// The cursors of the rows.
    pub cursors: Cursors<M>,
}

impl<M> Page<M> {
    fn from_rows(mut rows: Vec<M>, spec: &Arc<SortSpec<M>>, page: &PageRequest) -> Self {
        let has_more = rows.len() as u64 > page.limit;
        rows.truncate(page.limit as usize);
        if page.backward {
            rows.reverse();
        }
        let from_cursor = page.from.is_some();
        Page {
            items: rows,
            has_next_page: if page.backward { from_cursor } else { has_more },
            has_previous_page: if page.backward { has_more } else { from_cursor },
            cursors: Cursors(Some(spec.clone())),
        }
    }

    /// A page with nothing on it.
    pub fn empty() -> Self {
        Page { items: Vec::new(), has_next_page: false, has_previous_page: false, cursors: Cursors(None) }
    }
}

/// One page of rows held in memory (a list rebuilt from the audit log), in
/// the order of `spec` and with its cursors, as the database pages the same
/// rows: a cursor from either works with the other. The keys compare as the
/// database compares them for the values such lists sort by (partial dates,
/// which sort alike under every collation, and ids).
pub fn page_in_memory<M>(rows: Vec<M>, spec: SortSpec<M>, page: &PageRequest) -> Page<M> {
    let spec = Arc::new(spec);
    let order = |a: &[CursorValue], b: &[CursorValue]| {
        spec.keys
            .iter()
            .zip(a.iter().zip(b))
            .map(|(key, (a, b))| {
                let ordering = a.compare(b);
                if key.descending { ordering.reverse() } else { ordering }
            })
            .find(|ordering| ordering.is_ne())
            .unwrap_or(std::cmp::Ordering::Equal)
    };
    let mut keyed: Vec<(Vec<CursorValue>, M)> =
        rows.into_iter().map(|row| (spec.keys.iter().map(|key| (key.value)(&row)).collect(), row)).collect();
    keyed.sort_by(|(a, _), (b, _)| order(a, b));
    if page.backward {
        keyed.reverse();
    }
    let beyond = |values: &[CursorValue]| match &page.from {
        None => true,
        Some(from) if page.backward => order(values, from).is_lt(),
        Some(from) => order(values, from).is_gt(),
    };
    let rows: Vec<M> = keyed
        .into_iter()
        .filter(|(values, _)| beyond(values))
        .take(page.limit as usize + 1)
        .map(|(_, row)| row)
        .collect();
    Page::from_rows(rows, &spec, page)
}

/// The models a selection finds, read by position ([`FromRow`]).
pub async fn read_all<E, C>(db: &C, select: &Select<E>) -> AppResult<Vec<E::Model>>
where
    E: EntityTrait<Model: FromRow>,
    C: ConnectionTrait,
{
    Ok(RowReader::read_all(&db.query_all(select.as_query()).await?)?)
}

/// Reads one page of a top-level listing.
pub async fn fetch_page<E, C>(
    db: &C,
    select: Select<E>,
    spec: &Arc<SortSpec<E::Model>>,
    page: &PageRequest,
) -> AppResult<Page<E::Model>>
where
    E: EntityTrait<Model: FromRow>,
    C: ConnectionTrait,
{
    let mut select = select;
    if let Some(values) = &page.from {
        select = select.filter(spec.keyset(values, page.backward));
    }
    for key in &spec.keys {
        select = select.order_by(key.expr.clone(), key.order(page.backward));
    }
    let rows = read_all(db, &select.limit(page.limit + 1)).await?;
    Ok(Page::from_rows(rows, spec, page))
}

/// The key that groups nested rows by their parent: a record id or an ISO code.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ParentKey {
    Id(Uuid),
    Code(String),
}

impl ParentKey {
    fn to_value(&self) -> Value {
        match self {
            ParentKey::Id(id) => (*id).into(),
            ParentKey::Code(code) => code.clone().into(),
        }
    }

    fn read(row: &sea_orm::QueryResult, column: &str, sample: &ParentKey) -> AppResult<ParentKey> {
        Ok(match sample {
            ParentKey::Id(_) => ParentKey::Id(row.try_get("", column)?),
            ParentKey::Code(_) => ParentKey::Code(row.try_get("", column)?),
        })
    }
}

impl From<Uuid> for ParentKey {
    fn from(id: Uuid) -> Self {
        ParentKey::Id(id)
    }
}

impl From<String> for ParentKey {
    fn from(code: String) -> Self {
        ParentKey::Code(code)
    }
}

/// The column (as `table`, `column`) that links a nested row to its parent.
pub type ParentColumn = (&'static str, &'static str);

const PARENT_ALIAS: &str = "rg_parent";
const RANK_ALIAS: &str = "rg_rank";

/// Reads one page of nested rows for each of many parents, in one statement.
/// `select` selects the child rows (joined as needed so that `parent` is
/// reachable) with every visibility and filter condition applied.
pub async fn fetch_child_pages<E, C>(
    db: &C,
    select: Select<E>,
    parent: ParentColumn,
    parents: &[ParentKey],
    spec: &Arc<SortSpec<E::Model>>,
    page: &PageRequest,
) -> AppResult<HashMap<ParentKey, Page<E::Model>>>
where
    E: EntityTrait<Model: FromRow>,
    C: ConnectionTrait,
{
    let Some(sample) = parents.first() else {
        return Ok(HashMap::default());
    };
    if let [only] = parents {
        // One parent (a country's defenders, say): a plain ordered, limited
        // query walks the (parent, sort key) index and stops after the page,
        // where the window below would rank every child of the parent.
        let select = select.filter(Expr::col(parent).eq(only.to_value()));
        return Ok([(only.clone(), fetch_page(db, select, spec, page).await?)].into_iter().collect());
    }
    let mut inner: SelectStatement =
        select.filter(Expr::col(parent).is_in(parents.iter().map(ParentKey::to_value))).into_query();
    if let Some(values) = &page.from {
        inner.and_where(spec.keyset(values, page.backward));
    }
    let mut window = WindowStatement::partition_by(parent);
    for key in &spec.keys {
        window.order_by_expr(key.expr.clone(), key.order(page.backward));
    }
    inner.expr_as(Expr::col(parent), PARENT_ALIAS).expr_window_as(Expr::cust("ROW_NUMBER()"), window, RANK_ALIAS);
    let outer = Query::select()
        .column(Asterisk)
        .from_subquery(inner, "ranked")
        .and_where(Expr::col(RANK_ALIAS).lte(page.limit as i64 + 1))
        .order_by(PARENT_ALIAS, Order::Asc)
        .order_by(RANK_ALIAS, Order::Asc)
        .take();

    let mut grouped: HashMap<ParentKey, Vec<E::Model>> = HashMap::default();
    let rows = db.query_all(&outer).await?;
    let reader = RowReader::<E::Model>::new(rows.first());
    for row in &rows {
        let key = ParentKey::read(row, PARENT_ALIAS, sample)?;
        let model = reader.read(row)?;
        grouped.entry(key).or_default().push(model);
    }
    Ok(parents
        .iter()
        .map(|key| {
            let page = match grouped.remove(key) {
                Some(rows) => Page::from_rows(rows, spec, page),
                None => Page::empty(),
            };
            (key.clone(), page)
        })
        .collect())
}

/// Counts the nested rows of each of many parents, in one statement.
pub async fn count_children<E, C>(
    db: &C,
    select: Select<E>,
    parent: ParentColumn,
    parents: &[ParentKey],
) -> AppResult<HashMap<ParentKey, u64>>
where
    E: EntityTrait,
    C: ConnectionTrait,
{
    let Some(sample) = parents.first() else {
        return Ok(HashMap::default());
    };
    let mut query: SelectStatement =
        select.filter(Expr::col(parent).is_in(parents.iter().map(ParentKey::to_value))).into_query();
    query
        .clear_selects()
        .expr_as(Expr::col(parent), PARENT_ALIAS)
        .expr_as(Expr::cust("COUNT(*)"), "rg_count")
        .group_by_col(parent);
    let mut counts: HashMap<ParentKey, u64> = parents.iter().map(|key| (key.clone(), 0)).collect();
    for row in db.query_all(&query).await? {
        let key = ParentKey::read(&row, PARENT_ALIAS, sample)?;
        let count: i64 = row.try_get("", "rg_count")?;
        counts.insert(key, u64::try_from(count).unwrap_or(0));
    }
    Ok(counts)
}

/// Counts the rows of a top-level listing.
pub async fn count<E, C>(db: &C, select: Select<E>) -> AppResult<u64>
where
    E: EntityTrait,
    E::Model: Sync,
    C: ConnectionTrait,
{
    use sea_orm::PaginatorTrait;
    Ok(select.count(db).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec() -> SortSpec<(Option<&'static str>, u128)> {
        SortSpec {
            tag: "DATE".into(),
            keys: vec![
                SortKey::asc(Expr::val(""), ValueKind::Text, |row: &(Option<&str>, u128)| {
                    CursorValue::Text(row.0.unwrap_or_default().to_owned())
                }),
                SortKey::id(Expr::val(""), |row: &(Option<&str>, u128)| Uuid::from_u128(row.1)),
            ],
        }
    }

    fn rows() -> Vec<(Option<&'static str>, u128)> {
        vec![(Some("2024-03"), 1), (None, 5), (Some("2023"), 4), (Some("2024"), 2), (Some("2024-03"), 3)]
    }

    fn ids(page: &Page<(Option<&'static str>, u128)>) -> Vec<u128> {
        page.items.iter().map(|row| row.1).collect()
    }

    #[test]
    fn pages_in_memory_forwards_and_backwards_as_the_database_would() {
        let args = |first, after: Option<String>, last, before: Option<String>| PageArgs { first, after, last, before };
        let first = PageRequest::new(&args(Some(2), None, None, None), spec).unwrap();
        let page = page_in_memory(rows(), spec(), &first);
        // Undated first, then by date, ties by id.
        assert_eq!(ids(&page), vec![5, 4]);
        assert!(page.has_next_page && !page.has_previous_page);
        let after = page.cursors.of(&page.items[1]);
        let next = PageRequest::new(&args(Some(2), Some(after), None, None), spec).unwrap();
        let page = page_in_memory(rows(), spec(), &next);
        assert_eq!(ids(&page), vec![2, 1]);
        assert!(page.has_next_page && page.has_previous_page);
        let before = page.cursors.of(&page.items[1]);
        let back = PageRequest::new(&args(None, None, Some(2), Some(before)), spec).unwrap();
        let page = page_in_memory(rows(), spec(), &back);
        assert_eq!(ids(&page), vec![4, 2], "the two before, in listing order");
        assert!(page.has_next_page && page.has_previous_page);
        let last = PageRequest::new(&args(None, None, Some(10), None), spec).unwrap();
        let page = page_in_memory(rows(), spec(), &last);
        assert_eq!(ids(&page), vec![5, 4, 2, 1, 3]);
        assert!(!page.has_next_page && !page.has_previous_page);
    }
}
