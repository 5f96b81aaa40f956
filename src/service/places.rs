//! Countries (ISO 3166-1) and their subdivisions (ISO 3166-2).

use std::collections::HashMap;
use std::sync::Arc;

use entity::{campaign_area, country, subdivision};
use sea_orm::sea_query::ExprTrait;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Select};

use crate::error::AppResult;
use crate::service::Viewer;
use crate::service::query::listing::{Listing, any_of, col, filtered, joined, parent};
use crate::service::query::pagination::{CursorValue, ParentColumn, SortKey, SortSpec, ValueKind};

/// The order of a country listing.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct CountryOrder {
    pub by_code: bool,
    pub descending: bool,
}

/// Parents countries are listed under.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CountryVia {
    /// The countries a campaign targets.
    Campaign,
}

/// Which places to list: those with these codes, or all.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct PlaceFilter {
    /// ISO 3166 codes; None for every place.
    pub codes: Option<Vec<String>>,
}

/// Countries.
pub struct Countries;

impl Listing for Countries {
    type Entity = country::Entity;
    type Via = CountryVia;
    type Filter = PlaceFilter;
    type Order = CountryOrder;

    fn spec(order: CountryOrder) -> SortSpec<country::Model> {
        let code =
            SortKey::asc(col::<country::Entity>(country::Column::Code), ValueKind::Text, |m: &country::Model| {
                CursorValue::Text(m.code.clone())
            })
            .direction(order.descending);
        if order.by_code {
            return SortSpec { tag: format!("CODE:{}", order.descending), keys: vec![code] };
        }
        let name =
            SortKey::asc(col::<country::Entity>(country::Column::SortKey), ValueKind::Text, |m: &country::Model| {
                CursorValue::Text(m.sort_key.clone())
            })
            .direction(order.descending);
        SortSpec { tag: format!("NAME:{}", order.descending), keys: vec![name, code] }
    }

    fn select(_viewer: &Viewer, filter: &PlaceFilter) -> Select<country::Entity> {
        filtered(country::Entity::find(), [any_of(country::Column::Code, &filter.codes)])
    }

    fn via(viewer: &Viewer, via: CountryVia, filter: &PlaceFilter) -> (Select<country::Entity>, ParentColumn) {
        match via {
            CountryVia::Campaign => (
                // Rows without a subdivision name the countries a campaign targets.
                joined(
                    Self::select(viewer, filter),
                    "campaign_area",
                    col::<campaign_area::Entity>(campaign_area::Column::CountryCode)
                        .equals((country::Entity, country::Column::Code))
                        .and(col::<campaign_area::Entity>(campaign_area::Column::SubdivisionCode).is_null()),
                ),
                parent::<campaign_area::Entity>(campaign_area::Column::CampaignId),
            ),
        }
    }
}

/// Parents subdivisions are listed under.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SubdivisionVia {
    /// A country's subdivisions.
    Country,
    /// The subdivisions a campaign targets.
    Campaign,
}

/// Subdivisions, in order of name.
pub struct Subdivisions;

impl Listing for Subdivisions {
    type Entity = subdivision::Entity;
    type Via = SubdivisionVia;
    type Filter = PlaceFilter;
    type Order = ();

    fn spec(_order: ()) -> SortSpec<subdivision::Model> {
        SortSpec {
            tag: "NAME".into(),
            keys: vec![
                SortKey::asc(
                    col::<subdivision::Entity>(subdivision::Column::SortKey),
                    ValueKind::Text,
                    |m: &subdivision::Model| CursorValue::Text(m.sort_key.clone()),
                ),
                SortKey::asc(
                    col::<subdivision::Entity>(subdivision::Column::Code),
                    ValueKind::Text,
                    |m: &subdivision::Model| CursorValue::Text(m.code.clone()),
                ),
            ],
        }
    }

    fn select(_viewer: &Viewer, filter: &PlaceFilter) -> Select<subdivision::Entity> {
        filtered(subdivision::Entity::find(), [any_of(subdivision::Column::Code, &filter.codes)])
    }

    fn via(viewer: &Viewer, via: SubdivisionVia, filter: &PlaceFilter) -> (Select<subdivision::Entity>, ParentColumn) {
        match via {
            SubdivisionVia::Country => {
                (Self::select(viewer, filter), parent::<subdivision::Entity>(subdivision::Column::CountryCode))
            }
            SubdivisionVia::Campaign => (
                joined(
                    Self::select(viewer, filter),
                    "campaign_area",
                    col::<campaign_area::Entity>(campaign_area::Column::SubdivisionCode)
                        .equals((subdivision::Entity, subdivision::Column::Code)),
                ),
                parent::<campaign_area::Entity>(campaign_area::Column::CampaignId),
            ),
        }
    }
}

/// The ISO 3166-1 countries, held in memory. They are reference data,
/// loaded into the database once and never edited, and nearly every record
/// points at one (a defender's, a restriction's, an organisation's
/// country): looking them up in memory saves a statement, and its round
/// trips, in most requests. Read once when the server starts, after the
/// reference lists are loaded.
#[derive(Clone, Debug, Default)]
pub struct CountryTable(Arc<HashMap<String, country::Model>>);

impl CountryTable {
    /// Reads every country.
    pub async fn load<C: ConnectionTrait>(db: &C) -> Result<Self, sea_orm::DbErr> {
        let countries = country::Entity::find().all(db).await?;
        Ok(CountryTable(Arc::new(countries.into_iter().map(|country| (country.code.clone(), country)).collect())))
    }

    /// The countries with these codes; unknown codes are left out.
    pub fn by_code(&self, codes: &[String]) -> HashMap<String, country::Model> {
        codes.iter().filter_map(|code| Some((code.clone(), self.0.get(code)?.clone()))).collect()
    }
}

/// Countries by code, from the database.
pub async fn countries_by_code<C: ConnectionTrait>(
    db: &C,
    codes: &[String],
) -> AppResult<HashMap<String, country::Model>> {
    Ok(country::Entity::find()
        .filter(country::Column::Code.is_in(codes.iter().cloned()))
        .all(db)
        .await?
        .into_iter()
        .map(|country| (country.code.clone(), country))
        .collect())
}

/// Subdivisions by code.
pub async fn subdivisions_by_code<C: ConnectionTrait>(
    db: &C,
    codes: &[String],
) -> AppResult<HashMap<String, subdivision::Model>> {
    Ok(subdivision::Entity::find()
        .filter(subdivision::Column::Code.is_in(codes.iter().cloned()))
        .all(db)
        .await?
        .into_iter()
        .map(|subdivision| (subdivision.code.clone(), subdivision))
        .collect())
}
