//! `CountryRating`: dated civic-space ratings of countries.

pub mod mutations;

use async_graphql::{Context, ID, InputObject, Object, Result};
use entity::{CivicSpaceRating, PartialDate, country_rating};

use crate::error::AppResult;
use crate::graphql::common::connection::{connection, page_args};
use crate::graphql::common::context::RequestContext;
use crate::graphql::common::node::{Lookup, record_lookup};
use crate::graphql::common::ordering::RatingOrder;
use crate::graphql::common::record::RecordFields;
use crate::graphql::organisations::Organisation;
use crate::graphql::places::{Country, country_by_code};
use crate::graphql::sources::Source;
use crate::ids::{GlobalId, NodeType};
use crate::service::codes;
use crate::service::query::listing::DateRange;
use crate::service::ratings::{self as service, Ratings};

/// Selects civic-space ratings. Each list given matches any of its values
/// (an empty list matches nothing); the conditions combine with AND.
#[derive(InputObject, Clone, Debug, Default)]
pub struct CountryRatingFilter {
    /// Ratings of any of these countries (ISO 3166-1 alpha-2 codes).
    pub country_codes: Option<Vec<String>>,
    /// Ratings at any of these steps of the scale.
    pub ratings: Option<Vec<CivicSpaceRating>>,
    /// Ratings given by any of these organisations (global ids).
    pub organisation_ids: Option<Vec<ID>>,
    /// Ratings dated on or after this date.
    pub rated_since: Option<PartialDate>,
    /// Ratings dated on or before this date (`2020` means up to 31 December 2020).
    pub rated_until: Option<PartialDate>,
    /// Only each country's latest rating among those by the given
    /// organisations and in the given period; `countryCodes` and `ratings`
    /// then apply to that one. With `ratedUntil`, the ratings as they stood
    /// then: `{current: true, ratedUntil: "2020", ratings: [CLOSED]}` gives
    /// the countries rated closed at the end of 2020.
    #[graphql(default)]
    pub current: bool,
}

impl CountryRatingFilter {
    /// Checks the values and turns the input into the service's filter.
    pub fn validate(self) -> AppResult<service::RatingFilter> {
        Ok(service::RatingFilter {
            country_codes: self.country_codes.map(|c| codes::country_codes("filter.countryCodes", &c)).transpose()?,
            ratings: self.ratings,
            organisation_ids: self
                .organisation_ids
                .map(|ids| {
                    ids.iter()
                        .map(|id| GlobalId::decode_uuid_of("filter.organisationIds", id, NodeType::Organisation))
                        .collect::<AppResult<Vec<_>>>()
                })
                .transpose()?,
            rated: DateRange::new("filter.ratedSince", self.rated_since, self.rated_until)?,
            current: self.current,
        })
    }
}

/// How open a country's civic space was judged to be, from a date on, by an
/// organisation such as the CIVICUS Monitor. A country's ratings form its
/// history; the latest is its current rating.
pub struct CountryRating(pub country_rating::Model);

impl From<country_rating::Model> for CountryRating {
    fn from(model: country_rating::Model) -> Self {
        CountryRating(model)
    }
}

/// How open a country's civic space was judged to be, from a date on, by an
/// organisation such as the CIVICUS Monitor. A country's ratings form its
/// history; the latest is its current rating.
#[Object]
impl CountryRating {
    /// Global id.
    pub async fn id(&self) -> ID {
        GlobalId::encode_uuid(NodeType::CountryRating, self.0.id)
    }

    /// The country rated.
    async fn country(&self, ctx: &Context<'_>) -> Result<Country> {
        country_by_code(ctx, &self.0.country_code).await
    }

    /// The step of the scale, from OPEN to CLOSED.
    async fn rating(&self) -> CivicSpaceRating {
        self.0.rating
    }

    /// The date the rating holds from.
    async fn rated_on(&self) -> &PartialDate {
        &self.0.rated_on
    }

    /// The organisation that gave the rating; null when not recorded or not
    /// visible to the viewer.
    async fn organisation(&self, ctx: &Context<'_>) -> Result<Option<Organisation>> {
        let Some(id) = self.0.organisation_id else { return Ok(None) };
        Ok(RequestContext::of(ctx).record::<entity::organisation::Entity>(id).await?.map(Organisation))
    }

    /// The source that states the rating; null when not recorded or not
    /// visible to the viewer.
    async fn source(&self, ctx: &Context<'_>) -> Result<Option<Source>> {
        let Some(id) = self.0.source_id else { return Ok(None) };
        Ok(RequestContext::of(ctx).record::<entity::source::Entity>(id).await?.map(Source))
    }

    /// Why the rating was given or changed, in words.
    async fn note(&self) -> Option<&str> {
        self.0.note.as_deref()
    }

    /// The fields every shared record has: history, visibility, contributor, version, timestamps.
    #[graphql(flatten)]
    async fn record(&self) -> RecordFields {
        RecordFields::of::<country_rating::Entity>(&self.0)
    }
}

connection!(
    /// A page of civic-space ratings.
    CountryRatingConnection,
    /// A civic-space rating in a page, with its cursor.
    CountryRatingEdge,
    CountryRating,
    country_rating::Model
);

/// Entry points for civic-space ratings.
#[derive(Default)]
pub struct RatingsQuery;

#[Object]
impl RatingsQuery {
    /// A civic-space rating by id. Null, with a NOT_FOUND error, when there is none.
    async fn country_rating(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The rating's global id.")] id: ID,
    ) -> Lookup<CountryRating> {
        record_lookup::<country_rating::Entity, CountryRating>(ctx, &id, NodeType::CountryRating).await
    }

    /// Civic-space ratings, by country then date unless ordered otherwise;
    /// `filter: {current: true}` gives each country's current rating.
    #[allow(clippy::too_many_arguments)]
    async fn country_ratings(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only ratings matching this filter.")] filter: Option<CountryRatingFilter>,
        #[graphql(desc = "The order; by country, then date, unless given.")] order_by: Option<RatingOrder>,
        #[graphql(desc = "Returns the first n elements: 20 unless given, at most 100.")] first: Option<i32>,
        #[graphql(desc = "Returns the elements after this cursor.")] after: Option<String>,
        #[graphql(desc = "Returns the last n elements, at most 100.")] last: Option<i32>,
        #[graphql(desc = "Returns the elements before this cursor.")] before: Option<String>,
    ) -> Result<CountryRatingConnection> {
        let filter = filter.unwrap_or_default().validate()?;
        let (page, total) = RequestContext::of(ctx)
            .list::<Ratings>(filter, order_by.into(), page_args(first, after, last, before))
            .await?;
        Ok(CountryRatingConnection::new(page, total, None))
    }
}
