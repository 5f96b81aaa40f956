//! Civic-space ratings of countries: listing, the current rating of each
//! country, and the counts dashboards chart. A country's current rating is
//! the latest by date of the ratings the viewer may see; ratings the viewer
//! may not see play no part, so that a hidden rating behaves exactly like
//! one that was never made.

pub mod edits;

use std::collections::{BTreeMap, HashMap};

use entity::{CivicSpaceRating, country_rating};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Query};
use sea_orm::{ConnectionTrait, EntityTrait, Iterable, QueryFilter, QueryOrder, Select};
use uuid::Uuid;

use crate::error::AppResult;
use crate::service::Viewer;
use crate::service::query::listing::{DateRange, Listing, any_of, col, filtered, parent};
use crate::service::query::pagination::{ParentColumn, SortSpec, read_all};
use crate::service::query::records::{RecordOrder, record_spec};
use crate::service::statistics::{Bucket, enum_label};

/// A validated filter of ratings. Each given list matches any of its
/// values; the conditions combine with AND.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct RatingFilter {
    pub country_codes: Option<Vec<String>>,
    pub ratings: Option<Vec<CivicSpaceRating>>,
    /// Ratings given by any of these organisations.
    pub organisation_ids: Option<Vec<Uuid>>,
    /// Ratings dated in this range.
    pub rated: DateRange,
    /// Only each country's latest rating among those the viewer may see by
    /// the given organisations in the given range (with `rated.until`, the
    /// ratings as they stood then); the country and rating conditions then
    /// apply to that one.
    pub current: bool,
}

/// The name of the second copy of the ratings table in the `current`
/// condition.
const LATER: &str = "later_rating";

/// Parents ratings are listed under.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RatingVia {
    /// A country's rating history.
    Country,
}

/// Civic-space ratings.
pub struct Ratings;

impl Listing for Ratings {
    type Entity = country_rating::Entity;
    type Via = RatingVia;
    type Filter = RatingFilter;
    type Order = RecordOrder;

    fn spec(order: RecordOrder) -> SortSpec<country_rating::Model> {
        record_spec::<country_rating::Entity>(order)
    }

    fn select(viewer: &Viewer, filter: &RatingFilter) -> Select<country_rating::Entity> {
        filtered(
            country_rating::Entity::find().filter(viewer.can_see(country_rating::Entity)),
            [
                any_of(country_rating::Column::CountryCode, &filter.country_codes),
                any_of(country_rating::Column::Rating, &filter.ratings),
                any_of(country_rating::Column::OrganisationId, &filter.organisation_ids),
                filter.rated.condition(col::<country_rating::Entity>(country_rating::Column::RatedOn)),
                filter.current.then(|| superseded(viewer, filter).not()),
            ],
        )
    }

    fn via(viewer: &Viewer, via: RatingVia, filter: &RatingFilter) -> (Select<country_rating::Entity>, ParentColumn) {
        match via {
            RatingVia::Country => {
                (Self::select(viewer, filter), parent::<country_rating::Entity>(country_rating::Column::CountryCode))
            }
        }
    }
}

/// Whether a rating has a later one of its country that the viewer may see,
/// by the filter's organisations and in its range: of two on the same date,
/// the one recorded last (the greater id) is the later.
fn superseded(viewer: &Viewer, filter: &RatingFilter) -> Expr {
    let later = |column: country_rating::Column| Expr::col((Alias::new(LATER), column));
    let this = col::<country_rating::Entity>;
    let mut query = Query::select();
    query
        .expr(Expr::val(1))
        .from_as(country_rating::Entity, Alias::new(LATER))
        .and_where(
            later(country_rating::Column::CountryCode)
                .equals((country_rating::Entity, country_rating::Column::CountryCode)),
        )
        .and_where(
            later(country_rating::Column::RatedOn).gt(this(country_rating::Column::RatedOn)).or(later(
                country_rating::Column::RatedOn,
            )
            .eq(this(country_rating::Column::RatedOn))
            .and(later(country_rating::Column::Id).gt(this(country_rating::Column::Id)))),
        )
        .cond_where(viewer.can_see_as::<country_rating::Entity>(Alias::new(LATER)));
    if let Some(organisations) = &filter.organisation_ids {
        query.and_where(later(country_rating::Column::OrganisationId).is_in(organisations.iter().copied()));
    }
    if let Some(range) = filter.rated.condition(later(country_rating::Column::RatedOn)) {
        query.and_where(range);
    }
    Expr::exists(query)
}

/// Every rating the viewer may see that matches the filter, by country, then
/// date, then id: one statement. Ratings are a few per country and year, so
/// their number is bounded by the countries, not by the records.
async fn matching<C: ConnectionTrait>(
    db: &C,
    viewer: &Viewer,
    filter: &RatingFilter,
) -> AppResult<Vec<country_rating::Model>> {
    let select = Ratings::select(viewer, filter)
        .order_by_asc(country_rating::Column::CountryCode)
        .order_by_asc(country_rating::Column::RatedOn)
        .order_by_asc(country_rating::Column::Id);
    read_all(db, &select).await
}

/// The current rating of each of these countries that has one the viewer
/// may see: one statement for any number of countries.
pub async fn current<C: ConnectionTrait>(
    db: &C,
    viewer: &Viewer,
    country_codes: &[String],
) -> AppResult<HashMap<String, country_rating::Model>> {
    let filter = RatingFilter { country_codes: Some(country_codes.to_vec()), current: true, ..RatingFilter::default() };
    Ok(matching(db, viewer, &filter).await?.into_iter().map(|rating| (rating.country_code.clone(), rating)).collect())
}

/// How many ratings match.
pub async fn total<C: ConnectionTrait>(db: &C, viewer: &Viewer, filter: &RatingFilter) -> AppResult<u64> {
    crate::service::query::listing::count::<Ratings, _>(db, viewer, filter).await
}

/// How many countries stand at each rating, by the latest of their matching
/// ratings (with `rated.until`, as they stood then): every rating of the
/// scale, open first, zero where no country stands.
pub async fn countries_by_rating<C: ConnectionTrait>(
    db: &C,
    viewer: &Viewer,
    filter: &RatingFilter,
) -> AppResult<Vec<Bucket>> {
    let current = current_by_country(db, viewer, filter).await?;
    Ok(CivicSpaceRating::iter()
        .map(|scale| Bucket {
            key: scale.as_str().to_owned(),
            label: enum_label(scale.as_str()),
            count: current.iter().filter(|rating| rating.rating == scale).count() as i64,
        })
        .collect())
}

/// Each country's latest matching rating (with `rated.until`, as it stood
/// then), by country code: what a map of ratings colours.
pub async fn current_by_country<C: ConnectionTrait>(
    db: &C,
    viewer: &Viewer,
    filter: &RatingFilter,
) -> AppResult<Vec<country_rating::Model>> {
    matching(db, viewer, &RatingFilter { current: true, ..filter.clone() }).await
}

/// The rating changes of one year: how many countries' ratings moved
/// towards open, and how many towards closed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct YearOfChanges {
    pub year: i32,
    pub improved: i64,
    pub worsened: i64,
}

/// Rating changes per year, in year order, with years between the first and
/// the last change as zero. A change is a matching rating that differs from
/// the same country's previous matching rating; a country's first rating is
/// not a change.
pub async fn changes_by_year<C: ConnectionTrait>(
    db: &C,
    viewer: &Viewer,
    filter: &RatingFilter,
) -> AppResult<Vec<YearOfChanges>> {
    let mut years: BTreeMap<i32, (i64, i64)> = BTreeMap::new();
    let mut previous: Option<country_rating::Model> = None;
    for rating in matching(db, viewer, filter).await? {
        if let Some(before) = previous.as_ref().filter(|before| before.country_code == rating.country_code) {
            let year = years.entry(rating.rated_on.year()).or_default();
            if improves(before.rating, rating.rating) {
                year.0 += 1;
            } else if improves(rating.rating, before.rating) {
                year.1 += 1;
            }
        }
        previous = Some(rating);
    }
    years.retain(|_, (improved, worsened)| *improved + *worsened > 0);
    let (Some(first), Some(last)) = (years.keys().next().copied(), years.keys().last().copied()) else {
        return Ok(Vec::new());
    };
    Ok((first..=last)
        .map(|year| {
            let (improved, worsened) = years.get(&year).copied().unwrap_or_default();
            YearOfChanges { year, improved, worsened }
        })
        .collect())
}

/// Whether `later` is a rating more open than `earlier`: the scale runs
/// from OPEN to CLOSED, so a lower step is more open.
pub fn improves(earlier: CivicSpaceRating, later: CivicSpaceRating) -> bool {
    later < earlier
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_scale_runs_from_open_to_closed() {
        let scale: Vec<CivicSpaceRating> = CivicSpaceRating::iter().collect();
        assert_eq!(scale.first(), Some(&CivicSpaceRating::Open));
        assert_eq!(scale.last(), Some(&CivicSpaceRating::Closed));
        assert!(improves(CivicSpaceRating::Repressed, CivicSpaceRating::Obstructed));
        assert!(!improves(CivicSpaceRating::Narrowed, CivicSpaceRating::Closed));
    }
}
