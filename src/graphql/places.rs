//! `Country` and `Subdivision`.

use async_graphql::{Context, ID, Object, Result};
use entity::{country, subdivision};

use crate::error::AppError;
use crate::graphql::campaigns::{CampaignConnection, CampaignFilter, campaigns_under};
use crate::graphql::common::connection::{connection, page_args};
use crate::graphql::common::context::{CountryByCode, CurrentRatingOf, RequestContext, SubdivisionByCode};
use crate::graphql::common::node::Lookup;
use crate::graphql::common::ordering::{
    CampaignOrder, CountryOrderInput, DefenderOrder, OrganisationOrder, RatingOrder, RestrictionOrder,
};
use crate::graphql::defenders::{DefenderConnection, DefenderFilter, defenders_under};
use crate::graphql::indicators::{IndicatorConnection, IndicatorFilter};
use crate::graphql::organisations::{OrganisationConnection, OrganisationFilter};
use crate::graphql::ratings::{CountryRating, CountryRatingConnection, CountryRatingFilter};
use crate::graphql::restrictions::{RestrictionConnection, RestrictionFilter, restrictions_under};
use crate::ids::{GlobalId, NodeType};
use crate::service::campaigns::CampaignVia;
use crate::service::codes;
use crate::service::defenders::DefenderVia;
use crate::service::indicators::{IndicatorVia, Indicators};
use crate::service::organisations::{OrganisationVia, Organisations};
use crate::service::places::{Countries, SubdivisionVia, Subdivisions};
use crate::service::ratings::{RatingVia, Ratings};
use crate::service::restrictions::RestrictionVia;

/// A country or territory with an ISO 3166-1 code.
pub struct Country(pub country::Model);

impl From<country::Model> for Country {
    fn from(model: country::Model) -> Self {
        Country(model)
    }
}

/// A country or territory with an ISO 3166-1 code.
#[Object]
impl Country {
    /// Global id.
    pub async fn id(&self) -> ID {
        GlobalId::encode_code(NodeType::Country, &self.0.code)
    }

    /// ISO 3166-1 alpha-2 code, such as `SA`.
    async fn code(&self) -> &str {
        &self.0.code
    }

    /// ISO 3166-1 alpha-3 code, such as `SAU`.
    async fn alpha3(&self) -> &str {
        &self.0.alpha3
    }

    /// ISO 3166-1 numeric code, such as 682.
    async fn numeric(&self) -> i32 {
        self.0.numeric
    }

    /// English short name.
    async fn name(&self) -> &str {
        &self.0.name
    }

    /// The country's ISO 3166-2 subdivisions (states, provinces, districts...), by name.
    async fn subdivisions(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Returns the first n elements: 20 unless given, at most 100.")] first: Option<i32>,
        #[graphql(desc = "Returns the elements after this cursor.")] after: Option<String>,
        #[graphql(desc = "Returns the last n elements, at most 100.")] last: Option<i32>,
        #[graphql(desc = "Returns the elements before this cursor.")] before: Option<String>,
    ) -> Result<SubdivisionConnection> {
        let parent = self.0.code.clone();
        let (page, total) = RequestContext::of(ctx)
            .list_under::<Subdivisions>(
                SubdivisionVia::Country,
                parent,
                Default::default(),
                (),
                page_args(first, after, last, before),
            )
            .await?;
        Ok(SubdivisionConnection::new(page, total, None))
    }

    /// Defenders who work in this country, including in its subdivisions.
    #[allow(clippy::too_many_arguments)]
    async fn defenders(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only defenders matching this filter.")] filter: Option<DefenderFilter>,
        #[graphql(desc = "The order; by name unless given.")] order_by: Option<DefenderOrder>,
        #[graphql(desc = "Returns the first n elements: 20 unless given, at most 100.")] first: Option<i32>,
        #[graphql(desc = "Returns the elements after this cursor.")] after: Option<String>,
        #[graphql(desc = "Returns the last n elements, at most 100.")] last: Option<i32>,
        #[graphql(desc = "Returns the elements before this cursor.")] before: Option<String>,
    ) -> Result<DefenderConnection> {
        let args = page_args(first, after, last, before);
        defenders_under(ctx, DefenderVia::Country, self.0.code.clone().into(), filter, order_by, args).await
    }

    /// Restrictions in this country: national ones and those of its subdivisions.
    #[allow(clippy::too_many_arguments)]
    async fn restrictions(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only restrictions matching this filter.")] filter: Option<RestrictionFilter>,
        #[graphql(desc = "The order; by title unless given.")] order_by: Option<RestrictionOrder>,
        #[graphql(desc = "Returns the first n elements: 20 unless given, at most 100.")] first: Option<i32>,
        #[graphql(desc = "Returns the elements after this cursor.")] after: Option<String>,
        #[graphql(desc = "Returns the last n elements, at most 100.")] last: Option<i32>,
        #[graphql(desc = "Returns the elements before this cursor.")] before: Option<String>,
    ) -> Result<RestrictionConnection> {
        let args = page_args(first, after, last, before);
        restrictions_under(ctx, RestrictionVia::Country, self.0.code.clone().into(), filter, order_by, args).await
    }

    /// Campaigns that target this country, as a whole or in its subdivisions.
    #[allow(clippy::too_many_arguments)]
    async fn campaigns(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only campaigns matching this filter.")] filter: Option<CampaignFilter>,
        #[graphql(desc = "The order; by title unless given.")] order_by: Option<CampaignOrder>,
        #[graphql(desc = "Returns the first n elements: 20 unless given, at most 100.")] first: Option<i32>,
        #[graphql(desc = "Returns the elements after this cursor.")] after: Option<String>,
        #[graphql(desc = "Returns the last n elements, at most 100.")] last: Option<i32>,
        #[graphql(desc = "Returns the elements before this cursor.")] before: Option<String>,
    ) -> Result<CampaignConnection> {
        let args = page_args(first, after, last, before);
        campaigns_under(ctx, CampaignVia::Country, self.0.code.clone().into(), filter, order_by, args).await
    }

    /// Organisations based in this country.
    #[allow(clippy::too_many_arguments)]
    async fn organisations(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only organisations matching this filter.")] filter: Option<OrganisationFilter>,
        #[graphql(desc = "The order; by name unless given.")] order_by: Option<OrganisationOrder>,
        #[graphql(desc = "Returns the first n elements: 20 unless given, at most 100.")] first: Option<i32>,
        #[graphql(desc = "Returns the elements after this cursor.")] after: Option<String>,
        #[graphql(desc = "Returns the last n elements, at most 100.")] last: Option<i32>,
        #[graphql(desc = "Returns the elements before this cursor.")] before: Option<String>,
    ) -> Result<OrganisationConnection> {
        let filter = filter.unwrap_or_default().validate()?;
        let (page, total) = RequestContext::of(ctx)
            .list_under::<Organisations>(
                OrganisationVia::Country,
                self.0.code.clone(),
                filter,
                order_by.into(),
                page_args(first, after, last, before),
            )
            .await?;
        Ok(OrganisationConnection::new(page, total, None))
    }

    /// The country's civic-space ratings: its history, oldest first unless
    /// ordered otherwise.
    #[allow(clippy::too_many_arguments)]
    async fn ratings(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only ratings matching this filter.")] filter: Option<CountryRatingFilter>,
        #[graphql(desc = "The order; by date unless given.")] order_by: Option<RatingOrder>,
        #[graphql(desc = "Returns the first n elements: 20 unless given, at most 100.")] first: Option<i32>,
        #[graphql(desc = "Returns the elements after this cursor.")] after: Option<String>,
        #[graphql(desc = "Returns the last n elements, at most 100.")] last: Option<i32>,
        #[graphql(desc = "Returns the elements before this cursor.")] before: Option<String>,
    ) -> Result<CountryRatingConnection> {
        let filter = filter.unwrap_or_default().validate()?;
        let (page, total) = RequestContext::of(ctx)
            .list_under::<Ratings>(
                RatingVia::Country,
                self.0.code.clone(),
                filter,
                order_by.into(),
                page_args(first, after, last, before),
            )
            .await?;
        Ok(CountryRatingConnection::new(page, total, None))
    }

    /// The country's current civic-space rating: the latest by date of those
    /// the viewer may see; null when it has none.
    async fn current_rating(&self, ctx: &Context<'_>) -> Result<Option<CountryRating>> {
        let found = RequestContext::of(ctx).loader.load_one(CurrentRatingOf(self.0.code.clone())).await?;
        Ok(found.map(CountryRating))
    }

    /// Published figures about this country.
    async fn indicators(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only figures matching this filter.")] filter: Option<IndicatorFilter>,
        #[graphql(desc = "Returns the first n elements: 20 unless given, at most 100.")] first: Option<i32>,
        #[graphql(desc = "Returns the elements after this cursor.")] after: Option<String>,
        #[graphql(desc = "Returns the last n elements, at most 100.")] last: Option<i32>,
        #[graphql(desc = "Returns the elements before this cursor.")] before: Option<String>,
    ) -> Result<IndicatorConnection> {
        let filter = filter.unwrap_or_default().validate()?;
        let (page, total) = RequestContext::of(ctx)
            .list_under::<Indicators>(
                IndicatorVia::Country,
                self.0.code.clone(),
                filter,
                (),
                page_args(first, after, last, before),
            )
            .await?;
        Ok(IndicatorConnection::new(page, total, None))
    }
}

connection!(
    /// A page of countries.
    CountryConnection,
    /// A country in a page, with its cursor.
    CountryEdge,
    Country,
    country::Model
);

/// A subdivision of a country with an ISO 3166-2 code: a state, province,
/// district, territory or the like.
pub struct Subdivision(pub subdivision::Model);

impl From<subdivision::Model> for Subdivision {
    fn from(model: subdivision::Model) -> Self {
        Subdivision(model)
    }
}

/// A subdivision of a country with an ISO 3166-2 code: a state, province,
/// district, territory or the like.
#[Object]
impl Subdivision {
    /// Global id.
    pub async fn id(&self) -> ID {
        GlobalId::encode_code(NodeType::Subdivision, &self.0.code)
    }

    /// ISO 3166-2 code, such as `US-ND`.
    async fn code(&self) -> &str {
        &self.0.code
    }

    /// Name, as ISO 3166-2 gives it.
    async fn name(&self) -> &str {
        &self.0.name
    }

    /// The kind of subdivision, as ISO 3166-2 names it: `State`, `District`, `Province`...
    async fn kind(&self) -> &str {
        &self.0.kind
    }

    /// The country it belongs to.
    async fn country(&self, ctx: &Context<'_>) -> Result<Country> {
        country_by_code(ctx, &self.0.country_code).await
    }

    /// Defenders who work in this subdivision.
    #[allow(clippy::too_many_arguments)]
    async fn defenders(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only defenders matching this filter.")] filter: Option<DefenderFilter>,
        #[graphql(desc = "The order; by name unless given.")] order_by: Option<DefenderOrder>,
        #[graphql(desc = "Returns the first n elements: 20 unless given, at most 100.")] first: Option<i32>,
        #[graphql(desc = "Returns the elements after this cursor.")] after: Option<String>,
        #[graphql(desc = "Returns the last n elements, at most 100.")] last: Option<i32>,
        #[graphql(desc = "Returns the elements before this cursor.")] before: Option<String>,
    ) -> Result<DefenderConnection> {
        let args = page_args(first, after, last, before);
        defenders_under(ctx, DefenderVia::Subdivision, self.0.code.clone().into(), filter, order_by, args).await
    }

    /// Restrictions of this subdivision (state laws, provincial bills...).
    #[allow(clippy::too_many_arguments)]
    async fn restrictions(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only restrictions matching this filter.")] filter: Option<RestrictionFilter>,
        #[graphql(desc = "The order; by title unless given.")] order_by: Option<RestrictionOrder>,
        #[graphql(desc = "Returns the first n elements: 20 unless given, at most 100.")] first: Option<i32>,
        #[graphql(desc = "Returns the elements after this cursor.")] after: Option<String>,
        #[graphql(desc = "Returns the last n elements, at most 100.")] last: Option<i32>,
        #[graphql(desc = "Returns the elements before this cursor.")] before: Option<String>,
    ) -> Result<RestrictionConnection> {
        let args = page_args(first, after, last, before);
        restrictions_under(ctx, RestrictionVia::Subdivision, self.0.code.clone().into(), filter, order_by, args).await
    }

    /// Campaigns that target this subdivision.
    #[allow(clippy::too_many_arguments)]
    async fn campaigns(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only campaigns matching this filter.")] filter: Option<CampaignFilter>,
        #[graphql(desc = "The order; by title unless given.")] order_by: Option<CampaignOrder>,
        #[graphql(desc = "Returns the first n elements: 20 unless given, at most 100.")] first: Option<i32>,
        #[graphql(desc = "Returns the elements after this cursor.")] after: Option<String>,
        #[graphql(desc = "Returns the last n elements, at most 100.")] last: Option<i32>,
        #[graphql(desc = "Returns the elements before this cursor.")] before: Option<String>,
    ) -> Result<CampaignConnection> {
        let args = page_args(first, after, last, before);
        campaigns_under(ctx, CampaignVia::Subdivision, self.0.code.clone().into(), filter, order_by, args).await
    }
}

connection!(
    /// A page of subdivisions.
    SubdivisionConnection,
    /// A subdivision in a page, with its cursor.
    SubdivisionEdge,
    Subdivision,
    subdivision::Model
);

/// A country that the database must hold (it holds every ISO 3166-1 country).
pub async fn country_by_code(ctx: &Context<'_>, code: &str) -> Result<Country> {
    RequestContext::of(ctx)
        .loader
        .load_one(CountryByCode(code.to_owned()))
        .await?
        .map(Country)
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("country {code} is referenced but missing")).into())
}

/// A subdivision by code, where one is given.
pub async fn subdivision_by_code(ctx: &Context<'_>, code: Option<&str>) -> Result<Option<Subdivision>> {
    let Some(code) = code else { return Ok(None) };
    let found = RequestContext::of(ctx).loader.load_one(SubdivisionByCode(code.to_owned())).await?;
    found
        .map(Subdivision)
        .map(Some)
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("subdivision {code} is referenced but missing")).into())
}

/// Entry points for places.
#[derive(Default)]
pub struct PlacesQuery;

#[Object]
impl PlacesQuery {
    /// A country by ISO 3166-1 alpha-2 code, such as "SA" (any case). Every ISO
    /// country exists; a malformed or unassigned code is refused.
    async fn country(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "ISO 3166-1 alpha-2 code.")] code: String,
    ) -> Lookup<Country> {
        Some(async { country_by_code(ctx, &codes::country_code("code", &code)?).await }.await)
    }

    /// Every ISO 3166-1 country and territory.
    async fn countries(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The order; by name unless given.")] order_by: Option<CountryOrderInput>,
        #[graphql(desc = "Returns the first n elements: 20 unless given, at most 100.")] first: Option<i32>,
        #[graphql(desc = "Returns the elements after this cursor.")] after: Option<String>,
        #[graphql(desc = "Returns the last n elements, at most 100.")] last: Option<i32>,
        #[graphql(desc = "Returns the elements before this cursor.")] before: Option<String>,
    ) -> Result<CountryConnection> {
        let (page, total) = RequestContext::of(ctx)
            .list::<Countries>(Default::default(), order_by.into(), page_args(first, after, last, before))
            .await?;
        Ok(CountryConnection::new(page, total, None))
    }

    /// A subdivision by ISO 3166-2 code, such as "US-ND" (any case).
    async fn subdivision(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "ISO 3166-2 code.")] code: String,
    ) -> Lookup<Subdivision> {
        Some(
            async {
                let code = codes::subdivision_code("code", &code)?;
                subdivision_by_code(ctx, Some(&code))
                    .await?
                    .ok_or_else(|| AppError::NotFound(format!("No subdivision has the code {code}")).into())
            }
            .await,
        )
    }
}
