//! `statistics`: counts for dashboards, grouped by the database, over the
//! records the viewer may see that match the same filters as the lists.

use async_graphql::{Context, Enum, InputObject, Object, Result, SimpleObject};
use entity::{CampaignKind, PartialDate};

use crate::error::AppResult;
use crate::graphql::campaigns::CampaignFilter;
use crate::graphql::common::context::RequestContext;
use crate::graphql::defenders::{CaseEventFilter, DefenderFilter};
use crate::graphql::ratings::{CountryRating, CountryRatingFilter};
use crate::graphql::restrictions::RestrictionFilter;
use crate::service::campaigns::{self as campaigns, Campaigns};
use crate::service::codes;
use crate::service::defenders::{self as defenders, CaseEventCriteria, Defenders};
use crate::service::query::listing::DateRange;
use crate::service::ratings;
use crate::service::restrictions::{self as restrictions, Restrictions};
use crate::service::statistics::outcomes;
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

    /// Each country's latest matching rating (with `ratedUntil`, as it
    /// stood then), by country code: what a map of ratings colours.
    async fn current_by_country(&self, ctx: &Context<'_>) -> Result<Vec<CountryRating>> {
        let rc = RequestContext::of(ctx);
        Ok(ratings::current_by_country(&rc.db, &rc.viewer, &self.0).await?.into_iter().map(CountryRating).collect())
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

/// Selects what outcome figures are about. The conditions combine with AND.
#[derive(InputObject, Clone, Debug, Default)]
pub struct OutcomeFilter {
    /// Defenders and restrictions of any of these countries (ISO 3166-1 alpha-2 codes).
    pub country_codes: Option<Vec<String>>,
    /// Only campaigns of these kinds make a record "campaigned".
    pub campaign_kinds: Option<Vec<CampaignKind>>,
    /// Reference dates on or after this date: campaigns started then, and
    /// the comparison group's custody events and introductions.
    pub since: Option<PartialDate>,
    /// Reference dates on or before this date (`2020` means up to 31 December 2020).
    pub until: Option<PartialDate>,
}

impl OutcomeFilter {
    fn validate(self) -> AppResult<outcomes::OutcomeFilter> {
        Ok(outcomes::OutcomeFilter {
            country_codes: self.country_codes.map(|c| codes::country_codes("filter.countryCodes", &c)).transpose()?,
            campaign_kinds: self.campaign_kinds,
            period: DateRange::new("filter.since", self.since, self.until)?,
        })
    }
}

/// The plain-language caveat every outcome figure carries.
pub const OUTCOME_CAVEAT: &str = "These figures count what followed campaigns, as the records show it: they say what \
     came after a campaign began, not what the campaign caused. Records are incomplete, and the comparison group \
     differs from the campaigned records in ways the records do not show.";

/// The kind of record an outcome figure counts.
#[derive(Clone, Copy)]
enum Counted {
    Defenders,
    Restrictions,
}

/// One outcome figure: how many records saw the outcome, out of how many,
/// after how long, and which.
pub struct OutcomeFigure(outcomes::Figure, Counted);

/// One outcome figure: how many records saw the outcome, out of how many,
/// after how long, and which.
#[Object]
impl OutcomeFigure {
    /// How many records saw the outcome afterwards.
    async fn count(&self) -> u64 {
        self.0.records.len() as u64
    }

    /// Out of how many: the records the outcome could follow (the denominator).
    async fn out_of(&self) -> u64 {
        self.0.out_of
    }

    /// `count / outOf`, from 0 to 1; null when `outOf` is 0.
    async fn share(&self) -> Option<f64> {
        (self.0.out_of > 0).then(|| self.0.records.len() as f64 / self.0.out_of as f64)
    }

    /// The median number of days from the reference date to the outcome
    /// (the lower middle of an even count); null when none is counted.
    async fn median_days(&self) -> Option<i64> {
        self.0.median_days()
    }

    /// The days from the reference date to the outcome, in five ranges,
    /// shortest first; `key` is the range as ISO 8601 durations (`P1M-P3M`).
    async fn distribution(&self) -> Vec<Bucket> {
        buckets(self.0.distribution())
    }

    /// The records counted, soonest outcome first: defenders or restrictions.
    async fn records(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "How many, 20 unless given, at most 100.", default = 20)] first: i32,
    ) -> Result<Vec<crate::graphql::common::node::Node>> {
        use crate::graphql::common::node::Node;
        if !(0..=100).contains(&first) {
            return Err(crate::error::AppError::bad_input("first", "must be 0 to 100").into());
        }
        let ids: Vec<uuid::Uuid> = self.0.records.iter().take(first as usize).copied().collect();
        let rc = RequestContext::of(ctx);
        Ok(match self.1 {
            Counted::Defenders => rc
                .records::<entity::defender::Entity>(&ids)
                .await?
                .into_iter()
                .flatten()
                .map(|m| Node::Defender(crate::graphql::defenders::Defender::from(m)))
                .collect(),
            Counted::Restrictions => rc
                .records::<entity::restriction::Entity>(&ids)
                .await?
                .into_iter()
                .flatten()
                .map(|m| Node::Restriction(crate::graphql::restrictions::Restriction::from(m)))
                .collect(),
        })
    }
}

/// The outcome figures of one group of records.
pub struct OutcomeGroup(outcomes::Group);

/// The outcome figures of one group of records.
#[Object]
impl OutcomeGroup {
    /// Of defenders held at the reference date, those released afterwards.
    async fn released(&self) -> OutcomeFigure {
        OutcomeFigure(self.0.released.clone(), Counted::Defenders)
    }

    /// Of defenders charged by the reference date, those whose charges were dropped afterwards.
    async fn charges_dropped(&self) -> OutcomeFigure {
        OutcomeFigure(self.0.charges_dropped.clone(), Counted::Defenders)
    }

    /// Of defenders sentenced by the reference date, those whose sentence
    /// was later reduced (a shorter sentence or appeal).
    async fn sentence_reduced(&self) -> OutcomeFigure {
        OutcomeFigure(self.0.sentence_reduced.clone(), Counted::Defenders)
    }

    /// Of restrictions still pending at the reference date, those defeated,
    /// vetoed, enjoined or enacted with improvements afterwards.
    async fn restrictions_defeated(&self) -> OutcomeFigure {
        OutcomeFigure(self.0.restrictions_defeated.clone(), Counted::Restrictions)
    }
}

/// What followed campaigns, from the records the viewer may see, beside
/// the same figures for comparable records no campaign was about.
pub struct Outcomes(outcomes::Outcomes);

/// What followed campaigns, from the records the viewer may see, beside
/// the same figures for comparable records no campaign was about. A
/// campaigned record's reference date is the start of the earliest matching
/// campaign about it; a comparison record's is its first custody event
/// (defenders) or its introduction (restrictions). Partial dates count from
/// their first day. See `caveat`.
#[Object]
impl Outcomes {
    /// What the figures do and do not say, in plain words: what followed, not what caused.
    async fn caveat(&self) -> &'static str {
        OUTCOME_CAVEAT
    }

    /// Defenders and restrictions that matching campaigns (with a start date) were about.
    async fn campaigned(&self) -> OutcomeGroup {
        OutcomeGroup(self.0.campaigned.clone())
    }

    /// Defenders and restrictions no campaign the viewer may see was about,
    /// of the campaigned records' countries (and the defenders' statuses,
    /// the restrictions' kinds), with a reference date in the period.
    async fn comparison(&self) -> OutcomeGroup {
        OutcomeGroup(self.0.comparison.clone())
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

    /// What followed campaigns: releases, charges dropped, sentences
    /// reduced and restrictions defeated, with their denominators, times and
    /// records, beside a comparison group without campaigns. They say what
    /// came after, not what a campaign caused (see `caveat`).
    async fn outcomes(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which records and campaigns count.")] filter: Option<OutcomeFilter>,
    ) -> Result<Outcomes> {
        let filter = filter.unwrap_or_default().validate()?;
        let rc = RequestContext::of(ctx);
        Ok(Outcomes(outcomes::outcomes(&rc.db, &rc.viewer, &filter).await?))
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
