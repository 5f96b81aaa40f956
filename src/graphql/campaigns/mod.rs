//! `Campaign`.

pub mod mutations;

use async_graphql::{Context, ID, InputObject, Object, Result};
use entity::{CampaignKind, CampaignOutcome, CampaignStatus, PartialDate, campaign};

use crate::error::AppResult;
use crate::graphql::common::connection::{connection, page_args};
use crate::graphql::common::context::RequestContext;
use crate::graphql::common::node::Lookup;
use crate::graphql::common::ordering::{CampaignOrder, DefenderOrder, RestrictionOrder};
use crate::graphql::common::record::RecordFields;
use crate::graphql::defenders::{DefenderConnection, DefenderFilter, defenders_among, defenders_under};
use crate::graphql::organisations::Organisation;
use crate::graphql::places::{CountryConnection, SubdivisionConnection};
use crate::graphql::restrictions::{RestrictionConnection, RestrictionFilter, restrictions_among, restrictions_under};
use crate::graphql::sources::{SourceConnection, sources_of};
use crate::graphql::statements::{self, Translated};
use crate::ids::{GlobalId, NodeType};
use crate::service::audit::Audited;
use crate::service::campaigns::{self as service, CampaignVia};
use crate::service::codes;
use crate::service::defenders::DefenderVia;
use crate::service::places::{Countries, CountryVia, PlaceFilter, SubdivisionVia, Subdivisions};
use crate::service::query::listing::DateRange;
use crate::service::query::pagination::{PageArgs, ParentKey};
use crate::service::restrictions::RestrictionVia;
use crate::service::sources::CitingRecord;

/// Selects campaigns. Each list given matches any of its values (an empty list
/// matches nothing); the lists combine with AND.
#[derive(InputObject, Clone, Debug, Default)]
pub struct CampaignFilter {
    /// Campaigns that target any of these countries, as a whole or in part (ISO 3166-1 alpha-2 codes).
    pub country_codes: Option<Vec<String>>,
    /// Campaigns with any of these statuses.
    pub statuses: Option<Vec<CampaignStatus>>,
    /// Campaigns of any of these kinds.
    pub kinds: Option<Vec<CampaignKind>>,
    /// Campaigns with any of these outcomes.
    pub outcomes: Option<Vec<CampaignOutcome>>,
    /// Campaigns started on or after this date.
    pub started_since: Option<PartialDate>,
    /// Campaigns started on or before this date (`2016` means up to 31 December 2016).
    pub started_until: Option<PartialDate>,
}

impl CampaignFilter {
    /// Checks the codes and turns the input into the service's filter.
    pub fn validate(self) -> AppResult<service::CampaignFilter> {
        Ok(service::CampaignFilter {
            country_codes: self.country_codes.map(|c| codes::country_codes("filter.countryCodes", &c)).transpose()?,
            statuses: self.statuses,
            kinds: self.kinds,
            outcomes: self.outcomes,
            started: DateRange::new("filter.startedSince", self.started_since, self.started_until)?,
            ids: None,
        })
    }
}

/// A campaign: advocacy for a defender, against a law, an observation mission,
/// a petition or a letter.
///
/// The second part is the past it was read at, when read with `asOf`.
pub struct Campaign(pub campaign::Model, pub Option<std::sync::Arc<crate::service::as_of::Past>>);

impl From<campaign::Model> for Campaign {
    fn from(model: campaign::Model) -> Self {
        Campaign(model, None)
    }
}

impl Campaign {
    /// The areas (ISO 3166 codes of countries and subdivisions) the campaign
    /// targeted at the moment it is read as of, where they changed since.
    fn past_areas(&self) -> Result<Option<Vec<String>>> {
        Ok(self.1.as_deref().map(|past| past.list::<String>("areas")).transpose()?.flatten())
    }
}

/// A campaign: advocacy for a defender, against a law, an observation mission,
/// a petition or a letter.
#[Object]
impl Campaign {
    /// Global id.
    pub async fn id(&self) -> ID {
        GlobalId::encode_uuid(NodeType::Campaign, self.0.id)
    }

    /// Title. In the preferred language where a statement gives one.
    async fn title(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "A BCP 47 language tag to give the value in (see the docs for the fallback order); the request's Accept-Language header unless given."
        )]
        language: Option<String>,
    ) -> Result<String> {
        statements::localized(
            ctx,
            Translated::Fact((Audited::Campaign, self.0.id), "title"),
            self.1.as_deref(),
            language,
            Some(&self.0.title),
        )
        .await
        .map(Option::unwrap_or_default)
    }

    /// The language of the `title` given for the same preferences, as a BCP 47 tag; null when not known.
    async fn title_language(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "A BCP 47 language tag to give the value in (see the docs for the fallback order); the request's Accept-Language header unless given."
        )]
        language: Option<String>,
    ) -> Result<Option<String>> {
        statements::language_of(
            ctx,
            Translated::Fact((Audited::Campaign, self.0.id), "title"),
            self.1.as_deref(),
            language,
            Some(&self.0.title),
        )
        .await
    }

    /// What kind of campaign it is.
    async fn kind(&self) -> CampaignKind {
        self.0.kind
    }

    /// Where it stands.
    async fn status(&self) -> CampaignStatus {
        self.0.status
    }

    /// The organisation that leads it, where known.
    async fn lead_organisation(&self, ctx: &Context<'_>) -> Result<Option<Organisation>> {
        let Some(id) = self.0.lead_organisation_id else {
            return Ok(None);
        };
        Ok(RequestContext::of(ctx).record::<entity::organisation::Entity>(id).await?.map(Organisation))
    }

    /// When it started, where known.
    async fn started_on(&self) -> Option<&PartialDate> {
        self.0.started_on.as_ref()
    }

    /// When it ended; null while it runs or when not known.
    async fn ended_on(&self) -> Option<&PartialDate> {
        self.0.ended_on.as_ref()
    }

    /// What the campaign does, in words. In the preferred language where a statement gives one.
    async fn summary(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "A BCP 47 language tag to give the value in (see the docs for the fallback order); the request's Accept-Language header unless given."
        )]
        language: Option<String>,
    ) -> Result<Option<String>> {
        statements::localized(
            ctx,
            Translated::Fact((Audited::Campaign, self.0.id), "summary"),
            self.1.as_deref(),
            language,
            self.0.summary.as_deref(),
        )
        .await
    }

    /// The language of the `summary` given for the same preferences, as a BCP 47 tag; null when not known.
    async fn summary_language(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "A BCP 47 language tag to give the value in (see the docs for the fallback order); the request's Accept-Language header unless given."
        )]
        language: Option<String>,
    ) -> Result<Option<String>> {
        statements::language_of(
            ctx,
            Translated::Fact((Audited::Campaign, self.0.id), "summary"),
            self.1.as_deref(),
            language,
            self.0.summary.as_deref(),
        )
        .await
    }

    /// Every statement of the record's facts the viewer may see: each value
    /// with the organisation that asserted (or proposed) it, its source,
    /// language, and when it was first and last seen. By property, current
    /// ones first, newest first.
    async fn statements(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only statements of this property, such as \"name\" or \"status\".")] property: Option<String>,
        #[graphql(desc = "Only statements of this organisation (its global id).")] organisation: Option<ID>,
    ) -> Result<Vec<statements::Statement>> {
        statements::statements_of(
            ctx,
            (crate::service::audit::Audited::Campaign, self.0.id),
            self.1.as_deref(),
            property,
            organisation,
        )
        .await
    }

    /// What it achieved, where reported.
    async fn outcome(&self) -> Option<CampaignOutcome> {
        self.0.outcome
    }

    /// What it achieved, in words.
    async fn outcome_summary(&self) -> Option<&str> {
        self.0.outcome_summary.as_deref()
    }

    /// The defenders it works for.
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
        if let Some(then) = crate::graphql::common::as_of::past_ids(self.1.as_deref(), "defenderIds")? {
            return defenders_among(ctx, then, filter, order_by, args).await;
        }
        defenders_under(ctx, DefenderVia::Campaign, self.0.id.into(), filter, order_by, args).await
    }

    /// The laws, bills and practices it addresses.
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
        if let Some(then) = crate::graphql::common::as_of::past_ids(self.1.as_deref(), "restrictionIds")? {
            return restrictions_among(ctx, then, None, filter, order_by, args).await;
        }
        restrictions_under(ctx, RestrictionVia::Campaign, self.0.id.into(), filter, order_by, args).await
    }

    /// The countries it targets, as a whole or in part, by name.
    async fn countries(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Returns the first n elements: 20 unless given, at most 100.")] first: Option<i32>,
        #[graphql(desc = "Returns the elements after this cursor.")] after: Option<String>,
        #[graphql(desc = "Returns the last n elements, at most 100.")] last: Option<i32>,
        #[graphql(desc = "Returns the elements before this cursor.")] before: Option<String>,
    ) -> Result<CountryConnection> {
        let args = page_args(first, after, last, before);
        let rc = RequestContext::of(ctx);
        // As of a past moment, the areas then: each country, or the country
        // of each subdivision (targeting a subdivision targets its country).
        if let Some(areas) = self.past_areas()? {
            let countries = areas.iter().map(|code| code.split_once('-').map_or(code.as_str(), |(country, _)| country));
            let codes =
                Some(countries.map(str::to_owned).collect::<std::collections::BTreeSet<_>>().into_iter().collect());
            let (page, total) = rc.list::<Countries>(PlaceFilter { codes }, Default::default(), args).await?;
            return Ok(CountryConnection::new(page, total, None));
        }
        let (page, total) = rc
            .list_under::<Countries>(CountryVia::Campaign, self.0.id, PlaceFilter::default(), Default::default(), args)
            .await?;
        Ok(CountryConnection::new(page, total, None))
    }

    /// The subdivisions (states, provinces...) it targets, by name.
    async fn subdivisions(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Returns the first n elements: 20 unless given, at most 100.")] first: Option<i32>,
        #[graphql(desc = "Returns the elements after this cursor.")] after: Option<String>,
        #[graphql(desc = "Returns the last n elements, at most 100.")] last: Option<i32>,
        #[graphql(desc = "Returns the elements before this cursor.")] before: Option<String>,
    ) -> Result<SubdivisionConnection> {
        let args = page_args(first, after, last, before);
        let rc = RequestContext::of(ctx);
        if let Some(areas) = self.past_areas()? {
            let codes = Some(areas.into_iter().filter(|code| code.contains('-')).collect());
            let (page, total) = rc.list::<Subdivisions>(PlaceFilter { codes }, (), args).await?;
            return Ok(SubdivisionConnection::new(page, total, None));
        }
        let (page, total) = rc
            .list_under::<Subdivisions>(SubdivisionVia::Campaign, self.0.id, PlaceFilter::default(), (), args)
            .await?;
        Ok(SubdivisionConnection::new(page, total, None))
    }

    /// The sources this record rests on.
    async fn sources(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Returns the first n elements: 20 unless given, at most 100.")] first: Option<i32>,
        #[graphql(desc = "Returns the elements after this cursor.")] after: Option<String>,
        #[graphql(desc = "Returns the last n elements, at most 100.")] last: Option<i32>,
        #[graphql(desc = "Returns the elements before this cursor.")] before: Option<String>,
    ) -> Result<SourceConnection> {
        // Only defenders are merged: nothing was brought in since.
        let brought = std::collections::HashSet::new();
        let past = self.1.as_deref().map(|past| (past, &brought));
        sources_of(ctx, CitingRecord::Campaign, self.0.id, past, page_args(first, after, last, before)).await
    }

    /// The fields every shared record has: history, visibility, contributor, version, timestamps.
    #[graphql(flatten)]
    async fn record(&self) -> RecordFields {
        RecordFields::of::<entity::campaign::Entity>(&self.0)
    }
}

connection!(
    /// A page of campaigns.
    CampaignConnection,
    /// A campaign in a page, with its cursor.
    CampaignEdge,
    Campaign,
    campaign::Model
);

/// Lists campaigns under a parent.
///
/// Not `async`: the arguments go into the boxed listing at once, so that the
/// future left to the resolver is small (see [`RequestContext::list_under`]).
pub fn campaigns_under<'a>(
    ctx: &Context<'a>,
    via: CampaignVia,
    parent: ParentKey,
    filter: Option<CampaignFilter>,
    order_by: Option<CampaignOrder>,
    args: PageArgs,
) -> impl Future<Output = Result<CampaignConnection>> + Send + 'a {
    let listing = filter.unwrap_or_default().validate().map(|filter| {
        RequestContext::of(ctx).list_under::<service::Campaigns>(via, parent, filter, order_by.into(), args)
    });
    async move {
        let (page, total) = listing?.await?;
        Ok(CampaignConnection::new(page, total, None))
    }
}

/// Lists the campaigns under a defender or a restriction read as of a past
/// moment: those that listed it then (see [`service::listing_then`]), as the
/// top-level listing gives them to the viewer now.
pub async fn campaigns_then(
    ctx: &Context<'_>,
    (via, record): (CampaignVia, uuid::Uuid),
    at: chrono::DateTime<chrono::Utc>,
    filter: Option<CampaignFilter>,
    order_by: Option<CampaignOrder>,
    args: PageArgs,
) -> Result<CampaignConnection> {
    let mut filter = filter.unwrap_or_default().validate()?;
    let rc = RequestContext::of(ctx);
    let then = service::listing_then(&rc.db, via, record, at).await?;
    filter.ids = Some(then.unwrap_or_default());
    let (page, total) = rc.list::<service::Campaigns>(filter, order_by.into(), args).await?;
    Ok(CampaignConnection::new(page, total, None))
}

/// Entry points for campaigns.
#[derive(Default)]
pub struct CampaignsQuery;

#[Object]
impl CampaignsQuery {
    /// A campaign by id. Null, with a NOT_FOUND error, when there is none.
    async fn campaign(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The campaign's global id.")] id: ID,
        #[graphql(
            desc = "Gives the record as it stood at this moment (not in the future), rebuilt from its audit log; null, without an error, when it did not exist yet. Who may see it, and which of its fields, is judged now. Its links are those of then, each record shown as it is now (a defender merged since as the one it was merged into) and only if the viewer may see it now: a campaign's defenders and restrictions, a defender's restrictions and a restriction's defenders (with how each concerned the defender then), and the campaigns that listed a defender or a restriction then. A defender's events, affiliations (where the viewer may see the organisation now) and merged ids, a restriction's status history, a campaign's countries and subdivisions, and the sources each cited are those of then too, paged and ordered as now."
        )]
        as_of: Option<chrono::DateTime<chrono::Utc>>,
    ) -> Lookup<Campaign> {
        crate::graphql::common::as_of::lookup::<Campaign>(ctx, &id, as_of).await
    }

    /// Campaigns, by title unless ordered otherwise.
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
        let filter = filter.unwrap_or_default().validate()?;
        let (page, total) = RequestContext::of(ctx)
            .list::<service::Campaigns>(filter, order_by.into(), page_args(first, after, last, before))
            .await?;
        Ok(CampaignConnection::new(page, total, None))
    }
}
