//! `statistics`: counts for dashboards, grouped by the database, over the
//! records the viewer may see that match the same filters as the lists.

use async_graphql::{Context, Enum, Object, Result, SimpleObject};

use crate::graphql::campaigns::CampaignFilter;
use crate::graphql::common::context::RequestContext;
use crate::graphql::defenders::{CaseEventFilter, DefenderFilter};
use crate::graphql::ratings::CountryRatingFilter;
use crate::graphql::restrictions::RestrictionFilter;
use crate::service::campaigns::{self as campaigns, Campaigns};
use crate::service::defenders::{self as defenders, CaseEventCriteria, Defenders};
use crate::service::ratings;
use crate::service::restrictions::{self as restrictions, Restrictions};
use crate::service::statistics::{self as service, CampaignDimension, DefenderDimension, RestrictionDimension};

/// A group of records and how many there are in it.
#[derive(SimpleObject)]
pub struct Bucket {
    /// What the group is: an ISO 3166 code, an enum value, or a period
    /// (`2015`, or `2015-03` for months).
    key: String,
    /// The key for people: a country's or subdivision's name, an enum value
    /// in words, or the period.
    label: String,
    /// How many records are in the group.
    count: i64,
}

impl From<service::Bucket> for Bucket {
    fn from(bucket: service::Bucket) -> Self {
        Bucket { key: bucket.key, label: bucket.label, count: bucket.count }
    }
}

fn buckets(found: Vec<service::Bucket>) -> Vec<Bucket> {
    found.into_iter().map(Bucket::from).collect()
}

/// The width of the periods of a time series.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Interval {
    /// Calendar years: counts records dated at least to the year.
    #[default]
    Year,
    /// Calendar months: counts records dated at least to the month.
    Month,
}

impl From<Interval> for service::Interval {
    fn from(value: Interval) -> Self {
        match value {
            Interval::Year => service::Interval::Year,
            Interval::Month => service::Interval::Month,
        }
    }
}

fn events(filter: Option<CaseEventFilter>) -> Result<CaseEventCriteria> {
    Ok(filter.map(|f| f.validate("events")).transpose()?.unwrap_or_default())
}

/// Counts of defenders matching a filter.
pub struct DefenderStatistics(defenders::DefenderFilter);

/// Counts of defenders matching a filter. Each field is one grouped query.
#[Object]
impl DefenderStatistics {
    /// How many defenders match.
    async fn total(&self, ctx: &Context<'_>) -> Result<u64> {
        let rc = RequestContext::of(ctx);
        Ok(service::total::<Defenders, _>(&rc.db, &rc.viewer, &self.0).await?)
    }

    /// Defenders per country they work in, most first.
    async fn by_country(&self, ctx: &Context<'_>) -> Result<Vec<Bucket>> {
        self.by(ctx, DefenderDimension::Country).await
    }

    /// Defenders per subdivision they work in, most first; those without one are left out.
    async fn by_subdivision(&self, ctx: &Context<'_>) -> Result<Vec<Bucket>> {
        self.by(ctx, DefenderDimension::Subdivision).await
    }

    /// Defenders per status, most first.
    async fn by_status(&self, ctx: &Context<'_>) -> Result<Vec<Bucket>> {
        self.by(ctx, DefenderDimension::Status).await
    }

    /// Defenders per sector, most first; a defender in two sectors counts in both.
    async fn by_sector(&self, ctx: &Context<'_>) -> Result<Vec<Bucket>> {
        self.by(ctx, DefenderDimension::Sector).await
    }

    /// Defenders per year of their case events (of the kinds and dates given),
    /// in year order: a defender counts once in each year with such an event.
    async fn by_case_event_year(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which case events count, such as only ARREST events.")] events: Option<CaseEventFilter>,
    ) -> Result<Vec<Bucket>> {
        self.by(ctx, DefenderDimension::CaseEventYear(self::events(events)?)).await
    }

    /// The case events of these defenders per year or month, in time order,
    /// with empty periods between the first and the last as zero. Events not
    /// dated that precisely are left out.
    async fn case_events_over_time(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Years (the default) or months.", default)] interval: Interval,
        #[graphql(desc = "Which case events count.")] events: Option<CaseEventFilter>,
    ) -> Result<Vec<Bucket>> {
        let rc = RequestContext::of(ctx);
        let criteria = self::events(events)?;
        Ok(buckets(service::case_events_over_time(&rc.db, &rc.viewer, &self.0, &criteria, interval.into()).await?))
    }
}

impl DefenderStatistics {
    async fn by(&self, ctx: &Context<'_>, dimension: DefenderDimension) -> Result<Vec<Bucket>> {
        let rc = RequestContext::of(ctx);
        Ok(buckets(service::defenders_by(&rc.db, &rc.viewer, &self.0, &dimension).await?))
    }
}

/// Counts of restrictions matching a filter.
pub struct RestrictionStatistics(restrictions::RestrictionFilter);

/// Counts of restrictions matching a filter. Each field is one grouped query.
#[Object]
impl RestrictionStatistics {
    /// How many restrictions match.
    async fn total(&self, ctx: &Context<'_>) -> Result<u64> {
        let rc = RequestContext::of(ctx);
        Ok(service::total::<Restrictions, _>(&rc.db, &rc.viewer, &self.0).await?)
    }

    /// Restrictions per country, national and subnational together, most first.
    async fn by_country(&self, ctx: &Context<'_>) -> Result<Vec<Bucket>> {
        self.by(ctx, RestrictionDimension::Country).await
    }

    /// Subnational restrictions per subdivision (such as a U.S. state), most first.
    async fn by_subdivision(&self, ctx: &Context<'_>) -> Result<Vec<Bucket>> {
        self.by(ctx, RestrictionDimension::Subdivision).await
    }

    /// Restrictions per jurisdiction: the subdivision for subnational ones,
    /// else the country. Most first.
    async fn by_jurisdiction(&self, ctx: &Context<'_>) -> Result<Vec<Bucket>> {
        self.by(ctx, RestrictionDimension::Jurisdiction).await
    }

    /// Restrictions per status, most first.
    async fn by_status(&self, ctx: &Context<'_>) -> Result<Vec<Bucket>> {
        self.by(ctx, RestrictionDimension::Status).await
    }

    /// Restrictions per kind (bill, law, ...), most first.
    async fn by_kind(&self, ctx: &Context<'_>) -> Result<Vec<Bucket>> {
        self.by(ctx, RestrictionDimension::Kind).await
    }

    /// Restrictions per right they curb, most first; one curbing two rights counts in both.
    async fn by_right(&self, ctx: &Context<'_>) -> Result<Vec<Bucket>> {
        self.by(ctx, RestrictionDimension::Right).await
    }

    /// Restrictions per year introduced, in year order; undated ones are left out.
    async fn by_year_introduced(&self, ctx: &Context<'_>) -> Result<Vec<Bucket>> {
        self.by(ctx, RestrictionDimension::YearIntroduced).await
    }

    /// Introductions per year or month, in time order, with empty periods
    /// between the first and the last as zero. Restrictions not dated that
    /// precisely are left out.
    async fn introduced_over_time(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Years (the default) or months.", default)] interval: Interval,
    ) -> Result<Vec<Bucket>> {
        let rc = RequestContext::of(ctx);
        Ok(buckets(service::restrictions_over_time(&rc.db, &rc.viewer, &self.0, interval.into()).await?))
    }
}

impl RestrictionStatistics {
    async fn by(&self, ctx: &Context<'_>, dimension: RestrictionDimension) -> Result<Vec<Bucket>> {
        let rc = RequestContext::of(ctx);
        Ok(buckets(service::restrictions_by(&rc.db, &rc.viewer, &self.0, dimension).await?))
    }
}

/// Counts of campaigns matching a filter.
pub struct CampaignStatistics(campaigns::CampaignFilter);

/// Counts of campaigns matching a filter. Each field is one grouped query.
#[Object]
impl CampaignStatistics {
    /// How many campaigns match.
    async fn total(&self, ctx: &Context<'_>) -> Result<u64> {
        let rc = RequestContext::of(ctx);
        Ok(service::total::<Campaigns, _>(&rc.db, &rc.viewer, &self.0).await?)
    }

    /// Campaigns per status, most first.
    async fn by_status(&self, ctx: &Context<'_>) -> Result<Vec<Bucket>> {
        self.by(ctx, CampaignDimension::Status).await
    }

    /// Campaigns per kind, most first.
    async fn by_kind(&self, ctx: &Context<'_>) -> Result<Vec<Bucket>> {
        self.by(ctx, CampaignDimension::Kind).await
    }

    /// Campaigns per outcome, most first; those without an outcome yet are left out.
    async fn by_outcome(&self, ctx: &Context<'_>) -> Result<Vec<Bucket>> {
        self.by(ctx, CampaignDimension::Outcome).await
    }
}

impl CampaignStatistics {
    async fn by(&self, ctx: &Context<'_>, dimension: CampaignDimension) -> Result<Vec<Bucket>> {
        let rc = RequestContext::of(ctx);
        Ok(buckets(service::campaigns_by(&rc.db, &rc.viewer, &self.0, dimension).await?))
    }
}

/// How many countries' civic-space ratings changed in a year.
#[derive(SimpleObject)]
pub struct RatingChanges {
    /// The year.
    year: i32,
    /// Changes to a more open rating.
    improved: i64,
    /// Changes to a more closed rating.
    worsened: i64,
}

/// Counts of civic-space ratings matching a filter.
pub struct RatingStatistics(ratings::RatingFilter);

/// Counts of civic-space ratings matching a filter. Each field is one query.
#[Object]
impl RatingStatistics {
    /// How many ratings match.
    async fn total(&self, ctx: &Context<'_>) -> Result<u64> {
        let rc = RequestContext::of(ctx);
        Ok(ratings::total(&rc.db, &rc.viewer, &self.0).await?)
    }

    /// How many countries stand at each step of the scale, by each
    /// country's latest matching rating (with `ratedUntil`, as they stood
    /// then): every step, OPEN first, zero where no country stands.
    async fn countries_by_rating(&self, ctx: &Context<'_>) -> Result<Vec<Bucket>> {
        let rc = RequestContext::of(ctx);
        Ok(buckets(ratings::countries_by_rating(&rc.db, &rc.viewer, &self.0).await?))
    }

    /// Rating changes per year, in year order, with the years between the
    /// first and the last change as zero. A change is a matching rating that
    /// differs from the same country's previous matching rating; a
    /// country's first rating is not a change.
    async fn changes_by_year(&self, ctx: &Context<'_>) -> Result<Vec<RatingChanges>> {
        let rc = RequestContext::of(ctx);
        Ok(ratings::changes_by_year(&rc.db, &rc.viewer, &self.0)
            .await?
            .into_iter()
            .map(|year| RatingChanges { year: year.year, improved: year.improved, worsened: year.worsened })
            .collect())
    }
}

/// Counts for dashboards.
pub struct Statistics;

/// Counts for dashboards: totals, groups and time series of defenders,
/// restrictions, campaigns and civic-space ratings. Each takes the same filter as the matching
/// list (`defenders`, `restrictions`, `campaigns`) and counts exactly the
/// records that list would return to the viewer.
#[Object]
impl Statistics {
    /// Counts of defenders, such as imprisoned defenders by country since 2015:
    /// `defenders(filter: {statuses: [IMPRISONED], caseEvents: {since: "2015"}}) { byCountry { label count } }`.
    async fn defenders(
        &self,
        #[graphql(desc = "Only defenders matching this filter.")] filter: Option<DefenderFilter>,
    ) -> Result<DefenderStatistics> {
        Ok(DefenderStatistics(filter.unwrap_or_default().validate()?))
    }

    /// Counts of restrictions, such as bills by U.S. state:
    /// `restrictions(filter: {countryCodes: ["US"], kinds: [BILL]}) { bySubdivision { label count } }`.
    async fn restrictions(
        &self,
        #[graphql(desc = "Only restrictions matching this filter.")] filter: Option<RestrictionFilter>,
    ) -> Result<RestrictionStatistics> {
        Ok(RestrictionStatistics(filter.unwrap_or_default().validate()?))
    }

    /// Counts of campaigns.
    async fn campaigns(
        &self,
        #[graphql(desc = "Only campaigns matching this filter.")] filter: Option<CampaignFilter>,
    ) -> Result<CampaignStatistics> {
        Ok(CampaignStatistics(filter.unwrap_or_default().validate()?))
    }

    /// Counts of civic-space ratings, such as countries by current rating:
    /// `ratings { countriesByRating { key count } }`, or as they stood at
    /// the end of 2020: `ratings(filter: {ratedUntil: "2020"}) { countriesByRating { key count } }`.
    async fn ratings(
        &self,
        #[graphql(desc = "Only ratings matching this filter; `current` is implied where it matters.")] filter: Option<
            CountryRatingFilter,
        >,
    ) -> Result<RatingStatistics> {
        Ok(RatingStatistics(filter.unwrap_or_default().validate()?))
    }
}

/// The `statistics` entry point.
#[derive(Default)]
pub struct StatisticsQuery;

#[Object]
impl StatisticsQuery {
    /// Counts for dashboards, computed by the database over the records the viewer may see.
    async fn statistics(&self) -> Statistics {
        Statistics
    }
}
