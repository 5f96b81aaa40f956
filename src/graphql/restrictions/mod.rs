//! `Restriction` and its status history.

pub mod mutations;

use async_graphql::{Context, ID, InputObject, Object, Result};
use entity::{
    DefenderRestrictionRelation, PartialDate, RestrictionKind, RestrictionStatus, Right, restriction,
    restriction_status_change,
};

use crate::error::AppResult;
use crate::graphql::campaigns::{CampaignConnection, CampaignFilter, campaigns_under};
use crate::graphql::common::connection::{connection, page_args};
use crate::graphql::common::context::{LinkOf, RequestContext, RightsOf};
use crate::graphql::common::node::Lookup;
use crate::graphql::common::ordering::{CampaignOrder, DefenderOrder, RestrictionOrder};
use crate::graphql::common::record::RecordFields;
use crate::graphql::defenders::{DefenderConnection, DefenderFilter, defenders_under};
use crate::graphql::places::{Country, Subdivision, country_by_code, subdivision_by_code};
use crate::graphql::sources::{SourceConnection, sources_of};
use crate::graphql::statements::{self, Translated};
use crate::ids::{GlobalId, NodeType};
use crate::service::audit::Audited;
use crate::service::campaigns::CampaignVia;
use crate::service::codes;
use crate::service::defenders::DefenderVia;
use crate::service::query::listing::DateRange;
use crate::service::query::pagination::{PageArgs, ParentKey};
use crate::service::restrictions::{
    self as service, RestrictionVia, StatusChangeFilter, StatusChangeVia, StatusChanges,
};
use crate::service::sources::CitingRecord;

/// Selects restrictions. Each list given matches any of its values (an empty
/// list matches nothing); the lists combine with AND.
#[derive(InputObject, Clone, Debug, Default)]
pub struct RestrictionFilter {
    /// Restrictions in any of these countries, national or subnational (ISO 3166-1 alpha-2 codes).
    pub country_codes: Option<Vec<String>>,
    /// Restrictions of any of these subdivisions (ISO 3166-2 codes).
    pub subdivision_codes: Option<Vec<String>>,
    /// Restrictions with any of these statuses.
    pub statuses: Option<Vec<RestrictionStatus>>,
    /// Restrictions of any of these kinds.
    pub kinds: Option<Vec<RestrictionKind>>,
    /// Restrictions that curb any of these rights.
    pub rights: Option<Vec<Right>>,
    /// Restrictions introduced on or after this date (`2017` means from 1 January 2017).
    pub introduced_since: Option<PartialDate>,
    /// Restrictions introduced on or before this date (`2017` means up to 31 December 2017).
    pub introduced_until: Option<PartialDate>,
}

impl RestrictionFilter {
    /// Checks the codes and turns the input into the service's filter.
    pub fn validate(self) -> AppResult<service::RestrictionFilter> {
        Ok(service::RestrictionFilter {
            country_codes: self.country_codes.map(|c| codes::country_codes("filter.countryCodes", &c)).transpose()?,
            subdivision_codes: self
                .subdivision_codes
                .map(|c| codes::subdivision_codes("filter.subdivisionCodes", &c))
                .transpose()?,
            statuses: self.statuses,
            kinds: self.kinds,
            rights: self.rights,
            introduced: DateRange::new("filter.introducedSince", self.introduced_since, self.introduced_until)?,
            ids: None,
        })
    }
}

/// A law, bill, order, ruling or practice that curbs protest, expression,
/// association or other civic freedoms.
///
/// The second part is the past it was read at, when read with `asOf`.
pub struct Restriction(pub restriction::Model, pub Option<std::sync::Arc<crate::service::as_of::Past>>);

impl From<restriction::Model> for Restriction {
    fn from(model: restriction::Model) -> Self {
        Restriction(model, None)
    }
}

/// A law, bill, order, ruling or practice that curbs protest, expression,
/// association or other civic freedoms.
#[Object]
impl Restriction {
    /// Global id.
    pub async fn id(&self) -> ID {
        GlobalId::encode_uuid(NodeType::Restriction, self.0.id)
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
            Translated::Fact((Audited::Restriction, self.0.id), "title"),
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
            Translated::Fact((Audited::Restriction, self.0.id), "title"),
            self.1.as_deref(),
            language,
            Some(&self.0.title),
        )
        .await
    }

    /// Bill or law numbers, such as "HB 1 / SB 484".
    async fn reference(&self) -> Option<&str> {
        self.0.reference.as_deref()
    }

    /// What kind of measure it is.
    async fn kind(&self) -> RestrictionKind {
        self.0.kind
    }

    /// Where it stands now.
    async fn status(&self) -> RestrictionStatus {
        self.0.status
    }

    /// The rights it curbs.
    async fn rights(&self, ctx: &Context<'_>) -> Result<Vec<Right>> {
        if let Some(rights) = self.1.as_deref().map(|past| past.list("rights")).transpose()?.flatten() {
            return Ok(rights);
        }
        Ok(RequestContext::of(ctx).loader.load_one(RightsOf(self.0.id)).await?.unwrap_or_default())
    }

    /// The country whose jurisdiction it falls under (federal measures sit on the country).
    async fn country(&self, ctx: &Context<'_>) -> Result<Country> {
        country_by_code(ctx, &self.0.country_code).await
    }

    /// The subdivision, for state, provincial or local measures.
    async fn subdivision(&self, ctx: &Context<'_>) -> Result<Option<Subdivision>> {
        subdivision_by_code(ctx, self.0.subdivision_code.as_deref()).await
    }

    /// When it was introduced or proposed, where known.
    async fn introduced_on(&self) -> Option<&PartialDate> {
        self.0.introduced_on.as_ref()
    }

    /// When it was decided (enacted, defeated, vetoed...), where known.
    async fn decided_on(&self) -> Option<&PartialDate> {
        self.0.decided_on.as_ref()
    }

    /// What it does, in words. In the preferred language where a statement gives one.
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
            Translated::Fact((Audited::Restriction, self.0.id), "summary"),
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
            Translated::Fact((Audited::Restriction, self.0.id), "summary"),
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
            (crate::service::audit::Audited::Restriction, self.0.id),
            self.1.as_deref(),
            property,
            organisation,
        )
        .await
    }

    /// Its status over time, oldest first (undated changes first).
    async fn history(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Returns the first n elements: 20 unless given, at most 100.")] first: Option<i32>,
        #[graphql(desc = "Returns the elements after this cursor.")] after: Option<String>,
        #[graphql(desc = "Returns the last n elements, at most 100.")] last: Option<i32>,
        #[graphql(desc = "Returns the elements before this cursor.")] before: Option<String>,
    ) -> Result<StatusChangeConnection> {
        // As of a past moment: the changes recorded by the last write then
        // (a write records its status change just before its log entry).
        let recorded_by = self.1.as_deref().map(|past| past.updated_at.unwrap_or(past.at));
        let (page, total) = RequestContext::of(ctx)
            .list_under::<StatusChanges>(
                StatusChangeVia::Restriction,
                self.0.id,
                StatusChangeFilter { recorded_by },
                (),
                page_args(first, after, last, before),
            )
            .await?;
        Ok(StatusChangeConnection::new(page, total, None))
    }

    /// Defenders it concerns; each edge says how.
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
        if let Some(past) = &self.1 {
            return crate::graphql::defenders::defenders_then(ctx, self.0.id, past.clone(), filter, order_by, args)
                .await;
        }
        defenders_under(ctx, DefenderVia::Restriction, self.0.id.into(), filter, order_by, args).await
    }

    /// Campaigns that address it.
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
        if let Some(past) = &self.1 {
            let parent = (CampaignVia::Restriction, self.0.id);
            return crate::graphql::campaigns::campaigns_then(ctx, parent, past.at, filter, order_by, args).await;
        }
        campaigns_under(ctx, CampaignVia::Restriction, self.0.id.into(), filter, order_by, args).await
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
        sources_of(ctx, CitingRecord::Restriction, self.0.id, past, page_args(first, after, last, before)).await
    }

    /// The fields every shared record has: history, visibility, contributor, version, timestamps.
    #[graphql(flatten)]
    async fn record(&self) -> RecordFields {
        RecordFields::of::<entity::restriction::Entity>(&self.0)
    }
}

connection!(
    /// A page of restrictions.
    RestrictionConnection,
    /// A restriction in a page, with its cursor.
    RestrictionEdge,
    Restriction,
    restriction::Model,
    edge_fields {
        /// How the restriction concerns the defender, on a defender's
        /// `restrictions`; null elsewhere.
        async fn relation(&self, ctx: &Context<'_>) -> Result<Option<DefenderRestrictionRelation>> {
            let Some(ParentKey::Id(defender)) = &self.parent else { return Ok(None) };
            if let Some(links) = self.past.as_deref().map(|past| past.list::<PastLink>("restrictionLinks")).transpose()?.flatten() {
                // The defender read as of a moment since which its links changed.
                return Ok(links.into_iter().find(|link| link.restriction_id == self.node.0.id).map(|link| link.relation));
            }
            let link = RequestContext::of(ctx).loader.load_one(LinkOf((*defender, self.node.0.id))).await?;
            Ok(link.map(|link| link.relation))
        }
    }
);

/// A change in a restriction's status.
pub struct StatusChange(restriction_status_change::Model);

impl From<restriction_status_change::Model> for StatusChange {
    fn from(model: restriction_status_change::Model) -> Self {
        StatusChange(model)
    }
}

/// A change in a restriction's status.
#[Object]
impl StatusChange {
    /// The status from this point on.
    async fn status(&self) -> RestrictionStatus {
        self.0.status
    }

    /// When the status changed, where known.
    async fn changed_on(&self) -> Option<&PartialDate> {
        self.0.changed_on.as_ref()
    }

    /// What happened, in words.
    async fn note(&self) -> Option<&str> {
        self.0.note.as_deref()
    }
}

connection!(
    /// A page of status changes.
    StatusChangeConnection,
    /// A status change in a page, with its cursor.
    StatusChangeEdge,
    StatusChange,
    restriction_status_change::Model
);

/// Lists restrictions under a parent. On a defender's restrictions, each edge
/// also tells how the restriction concerns the defender.
///
/// Not `async`: the arguments go into the boxed listing at once, so that the
/// future left to the resolver is small (see [`RequestContext::list_under`]).
pub fn restrictions_under<'a>(
    ctx: &Context<'a>,
    via: RestrictionVia,
    parent: ParentKey,
    filter: Option<RestrictionFilter>,
    order_by: Option<RestrictionOrder>,
    args: PageArgs,
) -> impl Future<Output = Result<RestrictionConnection>> + Send + 'a {
    let link_parent = (via == RestrictionVia::Defender).then(|| parent.clone());
    let listing = filter.unwrap_or_default().validate().map(|filter| {
        RequestContext::of(ctx).list_under::<service::Restrictions>(via, parent, filter, order_by.into(), args)
    });
    async move {
        let (page, total) = listing?.await?;
        Ok(RestrictionConnection::new(page, total, link_parent))
    }
}

/// A defender's link to a restriction, as its audit log keeps it.
#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PastLink {
    pub restriction_id: uuid::Uuid,
    pub relation: DefenderRestrictionRelation,
}

/// Lists the restrictions among `ids` (a record's links as they stood at a
/// past moment) that the viewer may see now, as the top-level listing gives
/// them. `defender`: the defender whose links they were, read in `past`,
/// for each edge's relation then.
pub async fn restrictions_among(
    ctx: &Context<'_>,
    ids: Vec<uuid::Uuid>,
    defender: Option<(uuid::Uuid, std::sync::Arc<crate::service::as_of::Past>)>,
    filter: Option<RestrictionFilter>,
    order_by: Option<RestrictionOrder>,
    args: PageArgs,
) -> Result<RestrictionConnection> {
    let mut filter = filter.unwrap_or_default().validate()?;
    filter.ids = Some(ids);
    let (page, total) = RequestContext::of(ctx).list::<service::Restrictions>(filter, order_by.into(), args).await?;
    Ok(match defender {
        Some((id, past)) => RestrictionConnection::new(page, total, Some(ParentKey::Id(id))).in_past(past),
        None => RestrictionConnection::new(page, total, None),
    })
}

/// Entry points for restrictions.
#[derive(Default)]
pub struct RestrictionsQuery;

#[Object]
impl RestrictionsQuery {
    /// A restriction by id. Null, with a NOT_FOUND error, when there is none.
    async fn restriction(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The restriction's global id.")] id: ID,
        #[graphql(
            desc = "Gives the record as it stood at this moment (not in the future), rebuilt from its audit log; null, without an error, when it did not exist yet. Who may see it, and which of its fields, is judged now. Its links are those of then, each record shown as it is now (a defender merged since as the one it was merged into) and only if the viewer may see it now: a campaign's defenders and restrictions, a defender's restrictions and a restriction's defenders (with how each concerned the defender then), and the campaigns that listed a defender or a restriction then. A defender's events, affiliations (where the viewer may see the organisation now) and merged ids, a restriction's status history, a campaign's countries and subdivisions, and the sources each cited are those of then too, paged and ordered as now."
        )]
        as_of: Option<chrono::DateTime<chrono::Utc>>,
    ) -> Lookup<Restriction> {
        crate::graphql::common::as_of::lookup::<Restriction>(ctx, &id, as_of).await
    }

    /// Restrictions, by title unless ordered otherwise.
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
        let filter = filter.unwrap_or_default().validate()?;
        let (page, total) = RequestContext::of(ctx)
            .list::<service::Restrictions>(filter, order_by.into(), page_args(first, after, last, before))
            .await?;
        Ok(RestrictionConnection::new(page, total, None))
    }
}
