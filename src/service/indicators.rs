//! Published figures.

use std::collections::HashMap;

use entity::indicator;
use sea_orm::sea_query::ExprTrait;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Select};
use uuid::Uuid;

use crate::error::AppResult;
use crate::service::Viewer;
use crate::service::query::listing::{Listing, any_of, col, filtered, parent};
use crate::service::query::pagination::{CursorValue, ParentColumn, SortKey, SortSpec, ValueKind};

/// A validated indicator filter.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct IndicatorFilter {
    pub keys: Option<Vec<String>>,
    pub years: Option<Vec<i32>>,
    /// Figures about any of these countries.
    pub country_codes: Option<Vec<String>>,
    /// Only worldwide figures (true) or only national ones (false).
    pub worldwide: Option<bool>,
}

/// Parents indicators are listed under.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum IndicatorVia {
    Country,
}

/// Indicators, by key then year (undated first).
pub struct Indicators;

impl Listing for Indicators {
    type Entity = indicator::Entity;
    type Via = IndicatorVia;
    type Filter = IndicatorFilter;
    type Order = ();

    fn spec(_order: ()) -> SortSpec<indicator::Model> {
        SortSpec {
            tag: "KEY".into(),
            keys: vec![
                SortKey::asc(
                    col::<indicator::Entity>(indicator::Column::Key),
                    ValueKind::Text,
                    |m: &indicator::Model| CursorValue::Text(m.key.clone()),
                ),
                SortKey::asc(
                    sea_orm::sea_query::Expr::from(sea_orm::sea_query::Func::coalesce([
                        col::<indicator::Entity>(indicator::Column::Year),
                        sea_orm::sea_query::Expr::val(0),
                    ])),
                    ValueKind::Int,
                    |m: &indicator::Model| CursorValue::Int(m.year.unwrap_or_default().into()),
                ),
                SortKey::id(col::<indicator::Entity>(indicator::Column::Id), |m: &indicator::Model| m.id),
            ],
        }
    }

    fn select(viewer: &Viewer, filter: &IndicatorFilter) -> Select<indicator::Entity> {
        let scope = filter.worldwide.map(|worldwide| {
            let country = col::<indicator::Entity>(indicator::Column::CountryCode);
            if worldwide { country.is_null() } else { country.is_not_null() }
        });
        filtered(
            indicator::Entity::find().filter(viewer.can_see(indicator::Entity)),
            [
                any_of(indicator::Column::Key, &filter.keys),
                any_of(indicator::Column::Year, &filter.years),
                any_of(indicator::Column::CountryCode, &filter.country_codes),
                scope,
            ],
        )
    }

    fn via(viewer: &Viewer, via: IndicatorVia, filter: &IndicatorFilter) -> (Select<indicator::Entity>, ParentColumn) {
        match via {
            IndicatorVia::Country => {
                (Self::select(viewer, filter), parent::<indicator::Entity>(indicator::Column::CountryCode))
            }
        }
    }
}

/// Indicators by id that the viewer may see.
pub async fn by_id<C: ConnectionTrait>(
    db: &C,
    viewer: &Viewer,
    ids: &[Uuid],
) -> AppResult<HashMap<Uuid, indicator::Model>> {
    Ok(Indicators::select(viewer, &IndicatorFilter::default())
        .filter(indicator::Column::Id.is_in(ids.iter().copied()))
        .all(db)
        .await?
        .into_iter()
        .map(|indicator| (indicator.id, indicator))
        .collect())
}
