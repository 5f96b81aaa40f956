//! `Defender`, with their other names, affiliations and case events.

pub mod mutations;

use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject};
use entity::{
    CaseEventKind, Consent, DefenderRestrictionRelation, DefenderStatus, OtherNameKind, PartialDate, PerpetratorType,
    Sector, affiliation, case_event, defender, defender_name,
};

use crate::error::AppResult;
use crate::graphql::campaigns::{CampaignConnection, CampaignFilter, campaigns_under};
use crate::graphql::common::as_of;
use crate::graphql::common::connection::{connection, page_args};
use crate::graphql::common::context::{
    ConfidentialAccessOf, LinkOf, MergesThenOf, OtherNamesOf, PastOf, RequestContext, SectorsOf,
};
use crate::graphql::common::node::Lookup;
use crate::graphql::common::ordering::{CampaignOrder, DefenderOrder, RestrictionOrder};
use crate::graphql::common::record::RecordFields;
use crate::graphql::organisations::Organisation;
use crate::graphql::places::{Country, Subdivision, country_by_code, subdivision_by_code};
use crate::graphql::restrictions::{
    PastLink, Restriction, RestrictionConnection, RestrictionFilter, restrictions_among, restrictions_under,
};
use crate::graphql::sources::{SourceConnection, sources_of};
use crate::graphql::statements::{self, Translated};
use crate::ids::{GlobalId, NodeType};
use crate::service::audit::Audited;
use crate::service::campaigns::CampaignVia;
use crate::service::codes;
use crate::service::defenders::{self as service, AffiliationVia, Affiliations, CaseEventVia, CaseEvents, DefenderVia};
use crate::service::query::listing::DateRange;
use crate::service::query::pagination::ParentKey;
use crate::service::restrictions::RestrictionVia;
use crate::service::sources::CitingRecord;

/// Selects defenders. Each list given matches any of its values (an empty list
/// matches nothing); the lists combine with AND.
#[derive(InputObject, Clone, Debug, Default)]
pub struct DefenderFilter {
    /// Defenders who work in any of these countries (ISO 3166-1 alpha-2 codes).
    pub country_codes: Option<Vec<String>>,
    /// Defenders who work in any of these subdivisions (ISO 3166-2 codes).
    pub subdivision_codes: Option<Vec<String>>,
    /// Defenders with any of these statuses.
    pub statuses: Option<Vec<DefenderStatus>>,
    /// Defenders who work in any of these sectors.
    pub sectors: Option<Vec<Sector>>,
    /// Defenders with at least one case event matching, such as an arrest since 2015.
    pub case_events: Option<CaseEventFilter>,
}

/// Selects case events: of any of the kinds given, dated in the range given.
/// Undated events match only when no range is given.
#[derive(InputObject, Clone, Debug, Default)]
pub struct CaseEventFilter {
    /// Events of any of these kinds.
    pub kinds: Option<Vec<CaseEventKind>>,
    /// Events on or after this date (`2015` means from 1 January 2015).
    pub since: Option<PartialDate>,
    /// Events on or before this date (`2016` means up to 31 December 2016).
    pub until: Option<PartialDate>,
}

impl CaseEventFilter {
    /// Checks the range and turns the input into the service's criteria.
    pub fn validate(self, argument: &str) -> AppResult<service::CaseEventCriteria> {
        Ok(service::CaseEventCriteria { kinds: self.kinds, dates: DateRange::new(argument, self.since, self.until)? })
    }
}

impl DefenderFilter {
    /// Checks the codes and turns the input into the service's filter.
    pub fn validate(self) -> AppResult<service::DefenderFilter> {
        Ok(service::DefenderFilter {
            country_codes: self.country_codes.map(|c| codes::country_codes("filter.countryCodes", &c)).transpose()?,
            subdivision_codes: self
                .subdivision_codes
                .map(|c| codes::subdivision_codes("filter.subdivisionCodes", &c))
                .transpose()?,
            statuses: self.statuses,
            sectors: self.sectors,
            case_events: self.case_events.map(|events| events.validate("filter.caseEvents")).transpose()?,
            ids: None,
        })
    }
}

/// A human rights defender: a person who acts, peacefully, to promote or
/// protect human rights, and who may be at risk for it.
///
/// The second part is the past it was read at, when read with `asOf`.
pub struct Defender(pub defender::Model, pub Option<std::sync::Arc<crate::service::as_of::Past>>);

impl From<defender::Model> for Defender {
    fn from(model: defender::Model) -> Self {
        Defender(model, None)
    }
}

impl Defender {
    /// The list `field` held at the moment the defender is read as of,
    /// where it changed since.
    fn past_list<T: serde::de::DeserializeOwned>(&self, field: &str) -> Result<Option<Vec<T>>> {
        Ok(self.1.as_deref().map(|past| past.list(field)).transpose()?.flatten())
    }

    /// How merges bear on the defender as of the moment `past` is of.
    async fn merges_then(
        ctx: &Context<'_>,
        id: uuid::Uuid,
        past: &crate::service::as_of::Past,
    ) -> Result<crate::service::duplicates::merges::MergesThen> {
        let merges = RequestContext::of(ctx).loader.load_one(MergesThenOf((id, past.at))).await?;
        Ok(merges.unwrap_or_default())
    }

    /// Whether the viewer may see this defender's confidential fields.
    async fn confidential(&self, ctx: &Context<'_>) -> Result<bool> {
        if RequestContext::of(ctx).viewer.organisation().is_none() {
            return Ok(false);
        }
        Ok(RequestContext::of(ctx).loader.load_one(ConfidentialAccessOf(self.0.id)).await?.unwrap_or(false))
    }
}

/// A human rights defender: a person who acts, peacefully, to promote or
/// protect human rights, and who may be at risk for it.
#[Object]
impl Defender {
    /// Global id.
    pub async fn id(&self) -> ID {
        GlobalId::encode_uuid(NodeType::Defender, self.0.id)
    }

    /// The name the defender is best known by. In the preferred language where a statement gives one.
    async fn name(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "A BCP 47 language tag to give the value in (see the docs for the fallback order); the request's Accept-Language header unless given."
        )]
        language: Option<String>,
    ) -> Result<String> {
        statements::localized(
            ctx,
            Translated::Fact((Audited::Defender, self.0.id), "name"),
            self.1.as_deref(),
            language,
            Some(&self.0.name),
        )
        .await
        .map(Option::unwrap_or_default)
    }

    /// The language of the `name` given for the same preferences, as a BCP 47 tag; null when not known.
    async fn name_language(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "A BCP 47 language tag to give the value in (see the docs for the fallback order); the request's Accept-Language header unless given."
        )]
        language: Option<String>,
    ) -> Result<Option<String>> {
        statements::language_of(
            ctx,
            Translated::Fact((Audited::Defender, self.0.id), "name"),
            self.1.as_deref(),
            language,
            Some(&self.0.name),
        )
        .await
    }

    /// Other names: aliases, other spellings, transliterations, names in other scripts.
    async fn other_names(&self, ctx: &Context<'_>) -> Result<Vec<OtherName>> {
        if let Some(names) = self.past_list::<PastName>("otherNames")? {
            let mut names: Vec<defender_name::Model> = names.into_iter().map(|past| past.stored(self.0.id)).collect();
            names.sort_by(|a, b| a.sort_key.cmp(&b.sort_key));
            return Ok(names.into_iter().map(OtherName).collect());
        }
        let names = RequestContext::of(ctx).loader.load_one(OtherNamesOf(self.0.id)).await?;
        Ok(names.unwrap_or_default().into_iter().map(OtherName).collect())
    }

    /// The country where the defender works.
    async fn country(&self, ctx: &Context<'_>) -> Result<Country> {
        country_by_code(ctx, &self.0.country_code).await
    }

    /// The subdivision (state, province...) where the defender works, where known.
    async fn subdivision(&self, ctx: &Context<'_>) -> Result<Option<Subdivision>> {
        subdivision_by_code(ctx, self.0.subdivision_code.as_deref()).await
    }

    /// Occupation, such as "economics professor". In the preferred language where a statement gives one.
    async fn occupation(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "A BCP 47 language tag to give the value in (see the docs for the fallback order); the request's Accept-Language header unless given."
        )]
        language: Option<String>,
    ) -> Result<Option<String>> {
        statements::localized(
            ctx,
            Translated::Fact((Audited::Defender, self.0.id), "occupation"),
            self.1.as_deref(),
            language,
            self.0.occupation.as_deref(),
        )
        .await
    }

    /// The language of the `occupation` given for the same preferences, as a BCP 47 tag; null when not known.
    async fn occupation_language(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "A BCP 47 language tag to give the value in (see the docs for the fallback order); the request's Accept-Language header unless given."
        )]
        language: Option<String>,
    ) -> Result<Option<String>> {
        statements::language_of(
            ctx,
            Translated::Fact((Audited::Defender, self.0.id), "occupation"),
            self.1.as_deref(),
            language,
            self.0.occupation.as_deref(),
        )
        .await
    }

    /// A short account of the defender and their case. In the preferred language where a statement gives one.
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
            Translated::Fact((Audited::Defender, self.0.id), "summary"),
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
            Translated::Fact((Audited::Defender, self.0.id), "summary"),
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
            (crate::service::audit::Audited::Defender, self.0.id),
            self.1.as_deref(),
            property,
            organisation,
        )
        .await
    }

    /// The defender's situation, as last reported.
    async fn status(&self) -> DefenderStatus {
        self.0.status
    }

    /// The fields of human rights work the defender is active in.
    async fn sectors(&self, ctx: &Context<'_>) -> Result<Vec<Sector>> {
        if let Some(sectors) = self.past_list("sectors")? {
            return Ok(sectors);
        }
        Ok(RequestContext::of(ctx).loader.load_one(SectorsOf(self.0.id)).await?.unwrap_or_default())
    }

    /// The organisations the defender belongs or belonged to, with their role.
    async fn affiliations(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Returns the first n elements: 20 unless given, at most 100.")] first: Option<i32>,
        #[graphql(desc = "Returns the elements after this cursor.")] after: Option<String>,
        #[graphql(desc = "Returns the last n elements, at most 100.")] last: Option<i32>,
        #[graphql(desc = "Returns the elements before this cursor.")] before: Option<String>,
    ) -> Result<AffiliationConnection> {
        let args = page_args(first, after, last, before);
        let rc = RequestContext::of(ctx);
        if let Some(past) = &self.1 {
            let merges = Defender::merges_then(ctx, self.0.id, past).await?;
            let then = service::past::affiliations_then(&rc.db, self.0.id, past, &merges).await?;
            // Only where the viewer may see the organisation now, as the list now.
            let organisations: Vec<uuid::Uuid> = then.iter().map(|affiliation| affiliation.organisation_id).collect();
            let seen = rc.records::<entity::organisation::Entity>(&organisations).await?;
            let then = then.into_iter().zip(seen).filter(|(_, seen)| seen.is_some()).map(|(a, _)| a).collect();
            let (page, total) = as_of::past_page::<Affiliations>(then, (), &args)?;
            return Ok(AffiliationConnection::new(page, total, None));
        }
        let (page, total) = rc.list_under::<Affiliations>(AffiliationVia::Defender, self.0.id, (), (), args).await?;
        Ok(AffiliationConnection::new(page, total, None))
    }

    /// The defender's case: arrests, trials, sentences, attacks, in date order (undated first).
    async fn events(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Returns the first n elements: 20 unless given, at most 100.")] first: Option<i32>,
        #[graphql(desc = "Returns the elements after this cursor.")] after: Option<String>,
        #[graphql(desc = "Returns the last n elements, at most 100.")] last: Option<i32>,
        #[graphql(desc = "Returns the elements before this cursor.")] before: Option<String>,
    ) -> Result<CaseEventConnection> {
        let args = page_args(first, after, last, before);
        let rc = RequestContext::of(ctx);
        let (page, total) = match &self.1 {
            Some(past) => {
                let merges = Defender::merges_then(ctx, self.0.id, past).await?;
                let then = service::past::events_then(&rc.db, self.0.id, past, &merges).await?;
                as_of::past_page::<CaseEvents>(then, (), &args)?
            }
            None => rc.list_under::<CaseEvents>(CaseEventVia::Defender, self.0.id, (), (), args).await?,
        };
        let mut events = CaseEventConnection::new(page, total, None);
        // Read in the past, an event's descriptions in other languages are
        // those stated by then.
        for edge in &mut events.edges {
            edge.node.1 = self.1.clone();
        }
        Ok(events)
    }

    /// Laws, bills and practices that concern the defender; each edge says how.
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
        if let Some(past) = &self.1 {
            let logged = past.list::<PastLink>("restrictionLinks")?;
            let logged = logged.map(|links| links.into_iter().map(|link| link.restriction_id).collect());
            let merges = Defender::merges_then(ctx, self.0.id, past).await?;
            let then =
                service::past::restrictions_then(&RequestContext::of(ctx).db, self.0.id, logged, &merges).await?;
            let defender = Some((self.0.id, past.clone()));
            return restrictions_among(ctx, then, defender, filter, order_by, args).await;
        }
        restrictions_under(ctx, RestrictionVia::Defender, self.0.id.into(), filter, order_by, args).await
    }

    /// Campaigns for the defender.
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
            let parent = (CampaignVia::Defender, self.0.id);
            return crate::graphql::campaigns::campaigns_then(ctx, parent, past.at, filter, order_by, args).await;
        }
        campaigns_under(ctx, CampaignVia::Defender, self.0.id.into(), filter, order_by, args).await
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
        let args = page_args(first, after, last, before);
        if let Some(past) = &self.1 {
            let merges = Defender::merges_then(ctx, self.0.id, past).await?;
            return sources_of(ctx, CitingRecord::Defender, self.0.id, Some((past, &merges.brought_since)), args).await;
        }
        sources_of(ctx, CitingRecord::Defender, self.0.id, None, args).await
    }

    /// Whether the defender agreed to publication. Only GIVEN allows the record to be PUBLIC.
    async fn consent(&self) -> Consent {
        self.0.consent
    }

    /// Confidential: where the defender can be found. Null unless the viewer's
    /// organisation contributed the record or was granted confidential access.
    async fn exact_location(&self, ctx: &Context<'_>) -> Result<Option<&str>> {
        Ok(self.confidential(ctx).await?.then_some(self.0.exact_location.as_deref()).flatten())
    }

    /// Confidential: how to reach the defender. Null unless the viewer's
    /// organisation contributed the record or was granted confidential access.
    async fn contact_details(&self, ctx: &Context<'_>) -> Result<Option<&str>> {
        Ok(self.confidential(ctx).await?.then_some(self.0.contact_details.as_deref()).flatten())
    }

    /// Confidential: risks to the defender and precautions to take. Null
    /// unless the viewer's organisation contributed the record or was granted
    /// confidential access.
    async fn safety_notes(&self, ctx: &Context<'_>) -> Result<Option<&str>> {
        Ok(self.confidential(ctx).await?.then_some(self.0.safety_notes.as_deref()).flatten())
    }

    /// The global ids of records merged into this one; each of them resolves
    /// to this record. Empty unless a merge absorbed another record.
    async fn merged_ids(&self, ctx: &Context<'_>) -> Result<Vec<ID>> {
        use crate::graphql::duplicates::MergeableType;
        if let Some(past) = &self.1 {
            let then = Defender::merges_then(ctx, self.0.id, past).await?.merged;
            return Ok(then.into_iter().map(|id| GlobalId::encode_uuid(NodeType::Defender, id)).collect());
        }
        crate::graphql::duplicates::merged_ids(ctx, MergeableType::Defender, self.0.id).await
    }

    /// The fields every shared record has: history, visibility, contributor, version, timestamps.
    #[graphql(flatten)]
    async fn record(&self) -> RecordFields {
        RecordFields::of::<entity::defender::Entity>(&self.0)
    }
}

connection!(
    /// A page of defenders.
    DefenderConnection,
    /// A defender in a page, with its cursor.
    DefenderEdge,
    Defender,
    defender::Model,
    edge_fields {
        /// How the restriction concerns this defender, on a restriction's
        /// `defenders`; null elsewhere.
        async fn relation(&self, ctx: &Context<'_>) -> Result<Option<DefenderRestrictionRelation>> {
            let Some(ParentKey::Id(restriction)) = &self.parent else { return Ok(None) };
            let loader = &RequestContext::of(ctx).loader;
            if let Some(past) = &self.past {
                // The restriction read as of a moment: the defender's links
                // then, where they changed since (the links are its own).
                let key = PastOf((crate::service::audit::Audited::Defender, self.node.0.id, past.at));
                let then = loader.load_one(key).await?.unwrap_or_default();
                if let Some(links) = then.list::<PastLink>("restrictionLinks")? {
                    let link = links.into_iter().find(|link| link.restriction_id == *restriction);
                    return Ok(link.map(|link| link.relation));
                }
            }
            let link = loader.load_one(LinkOf((self.node.0.id, *restriction))).await?;
            Ok(link.map(|link| link.relation))
        }
    }
);

/// Another name of a defender.
pub struct OtherName(defender_name::Model);

/// Another name as the audit log keeps it.
#[derive(serde::Deserialize)]
struct PastName {
    name: String,
    kind: entity::OtherNameKind,
    language: Option<String>,
}

impl PastName {
    /// The name as a stored one of `defender`.
    fn stored(self, defender: uuid::Uuid) -> defender_name::Model {
        let now = chrono::Utc::now();
        defender_name::Model {
            id: uuid::Uuid::nil(),
            defender_id: defender,
            sort_key: crate::service::text::sort_key(&self.name),
            name: self.name,
            kind: self.kind,
            language: self.language,
            created_at: now,
            updated_at: now,
        }
    }
}

/// Another name of a defender.
#[Object]
impl OtherName {
    /// The name as written.
    async fn name(&self) -> &str {
        &self.0.name
    }

    /// What kind of name it is.
    async fn kind(&self) -> OtherNameKind {
        self.0.kind
    }

    /// BCP 47 language tag of the name, where known, such as `ar` or `ug-Arab`.
    async fn language(&self) -> Option<&str> {
        self.0.language.as_deref()
    }
}

/// A defender's membership of, or role in, an organisation.
pub struct Affiliation(affiliation::Model);

impl From<affiliation::Model> for Affiliation {
    fn from(model: affiliation::Model) -> Self {
        Affiliation(model)
    }
}

/// A defender's membership of, or role in, an organisation.
#[Object]
impl Affiliation {
    /// Global id.
    pub async fn id(&self) -> ID {
        GlobalId::encode_uuid(NodeType::Affiliation, self.0.id)
    }

    /// The defender.
    async fn defender(&self, ctx: &Context<'_>) -> Result<Option<Defender>> {
        Ok(RequestContext::of(ctx).record::<defender::Entity>(self.0.defender_id).await?.map(Defender::from))
    }

    /// The organisation.
    async fn organisation(&self, ctx: &Context<'_>) -> Result<Option<Organisation>> {
        Ok(RequestContext::of(ctx)
            .record::<entity::organisation::Entity>(self.0.organisation_id)
            .await?
            .map(Organisation))
    }

    /// The defender's role, such as "co-founder".
    async fn role(&self) -> Option<&str> {
        self.0.role.as_deref()
    }

    /// When the affiliation began, where known.
    async fn started_on(&self) -> Option<&PartialDate> {
        self.0.started_on.as_ref()
    }

    /// When the affiliation ended; null while it lasts or when not known.
    async fn ended_on(&self) -> Option<&PartialDate> {
        self.0.ended_on.as_ref()
    }
}

connection!(
    /// A page of affiliations.
    AffiliationConnection,
    /// An affiliation in a page, with its cursor.
    AffiliationEdge,
    Affiliation,
    affiliation::Model
);

/// A prison sentence.
#[derive(SimpleObject)]
pub struct Sentence {
    /// Length in months; null for a life sentence or when not known.
    pub months: Option<i32>,
    /// Whether it is life imprisonment.
    pub life: bool,
}

/// An event in a defender's case: an arrest, a trial, a sentence, an attack.
///
/// The second part is the past its defender was read at, when read with `asOf`.
pub struct CaseEvent(pub case_event::Model, pub Option<std::sync::Arc<crate::service::as_of::Past>>);

impl From<case_event::Model> for CaseEvent {
    fn from(model: case_event::Model) -> Self {
        CaseEvent(model, None)
    }
}

/// An event in a defender's case: an arrest, a trial, a sentence, an attack.
#[Object]
impl CaseEvent {
    /// Global id.
    pub async fn id(&self) -> ID {
        GlobalId::encode_uuid(NodeType::CaseEvent, self.0.id)
    }

    /// What happened.
    async fn kind(&self) -> CaseEventKind {
        self.0.kind
    }

    /// When it happened, to the year, month or day; null when not known.
    async fn occurred_on(&self) -> Option<&PartialDate> {
        self.0.occurred_on.as_ref()
    }

    /// What happened, in words. In the preferred language where a statement
    /// gives one (a `caseEventDescription` statement of the defender).
    async fn description(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "A BCP 47 language tag to give the value in (see the docs for the fallback order); the request's Accept-Language header unless given."
        )]
        language: Option<String>,
    ) -> Result<Option<String>> {
        let of = Translated::EventDescription(&self.0);
        statements::localized(ctx, of, self.1.as_deref(), language, self.0.description.as_deref()).await
    }

    /// The language of the `description` given for the same preferences, as a BCP 47 tag; null when not known.
    async fn description_language(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "A BCP 47 language tag to give the value in (see the docs for the fallback order); the request's Accept-Language header unless given."
        )]
        language: Option<String>,
    ) -> Result<Option<String>> {
        let of = Translated::EventDescription(&self.0);
        statements::language_of(ctx, of, self.1.as_deref(), language, self.0.description.as_deref()).await
    }

    /// Who acted against the defender; null for events that are not reprisals.
    async fn perpetrator_type(&self) -> Option<PerpetratorType> {
        self.0.perpetrator_type
    }

    /// The prison sentence imposed, for sentences.
    async fn sentence(&self) -> Option<Sentence> {
        (self.0.sentence_months.is_some() || self.0.sentence_life)
            .then_some(Sentence { months: self.0.sentence_months, life: self.0.sentence_life })
    }

    /// The defender.
    async fn defender(&self, ctx: &Context<'_>) -> Result<Option<Defender>> {
        Ok(RequestContext::of(ctx).record::<defender::Entity>(self.0.defender_id).await?.map(Defender::from))
    }

    /// The law or practice the event relied on, if any.
    async fn restriction(&self, ctx: &Context<'_>) -> Result<Option<Restriction>> {
        let Some(id) = self.0.restriction_id else {
            return Ok(None);
        };
        Ok(RequestContext::of(ctx).record::<entity::restriction::Entity>(id).await?.map(Restriction::from))
    }
}

connection!(
    /// A page of case events.
    CaseEventConnection,
    /// A case event in a page, with its cursor.
    CaseEventEdge,
    CaseEvent,
    case_event::Model
);

/// Entry points for defenders.
#[derive(Default)]
pub struct DefendersQuery;

#[Object]
impl DefendersQuery {
    /// A defender by id. Null, with a NOT_FOUND error, when there is none.
    async fn defender(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The defender's global id.")] id: ID,
        #[graphql(
            desc = "Gives the record as it stood at this moment (not in the future), rebuilt from its audit log; null, without an error, when it did not exist yet. Who may see it, and which of its fields, is judged now. Its links are those of then, each record shown as it is now (a defender merged since as the one it was merged into) and only if the viewer may see it now: a campaign's defenders and restrictions, a defender's restrictions and a restriction's defenders (with how each concerned the defender then), and the campaigns that listed a defender or a restriction then. A defender's events, affiliations (where the viewer may see the organisation now) and merged ids, a restriction's status history, a campaign's countries and subdivisions, and the sources each cited are those of then too, paged and ordered as now."
        )]
        as_of: Option<chrono::DateTime<chrono::Utc>>,
    ) -> Lookup<Defender> {
        crate::graphql::common::as_of::lookup::<Defender>(ctx, &id, as_of).await
    }

    /// Defenders, by name unless ordered otherwise.
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
        let filter = filter.unwrap_or_default().validate()?;
        let (page, total) = RequestContext::of(ctx)
            .list::<service::Defenders>(filter, order_by.into(), page_args(first, after, last, before))
            .await?;
        Ok(DefenderConnection::new(page, total, None))
    }
}

/// Lists the defenders among `ids` (a record's links as they stood at a past
/// moment) that the viewer may see now, as the top-level listing gives them.
pub async fn defenders_among(
    ctx: &Context<'_>,
    ids: Vec<uuid::Uuid>,
    filter: Option<DefenderFilter>,
    order_by: Option<DefenderOrder>,
    args: crate::service::query::pagination::PageArgs,
) -> Result<DefenderConnection> {
    let mut filter = filter.unwrap_or_default().validate()?;
    filter.ids = Some(ids);
    let (page, total) = RequestContext::of(ctx).list::<service::Defenders>(filter, order_by.into(), args).await?;
    Ok(DefenderConnection::new(page, total, None))
}

/// Lists the defenders a restriction concerned at the moment it is read at
/// (`past`), from the defenders' logs, as the top-level listing gives them
/// to the viewer now; each edge with its relation then.
pub async fn defenders_then(
    ctx: &Context<'_>,
    restriction: uuid::Uuid,
    past: std::sync::Arc<crate::service::as_of::Past>,
    filter: Option<DefenderFilter>,
    order_by: Option<DefenderOrder>,
    args: crate::service::query::pagination::PageArgs,
) -> Result<DefenderConnection> {
    let mut filter = filter.unwrap_or_default().validate()?;
    let rc = RequestContext::of(ctx);
    filter.ids = Some(service::concerned_then(&rc.db, restriction, past.at).await?);
    let (page, total) = rc.list::<service::Defenders>(filter, order_by.into(), args).await?;
    Ok(DefenderConnection::new(page, total, Some(ParentKey::Id(restriction))).in_past(past))
}

/// Lists defenders under a parent. On a restriction's defenders, each edge
/// also tells how the restriction concerns the defender.
///
/// Not `async`: the arguments go into the boxed listing at once, so that the
/// future left to the resolver is small (see [`RequestContext::list_under`]).
pub fn defenders_under<'a>(
    ctx: &Context<'a>,
    via: DefenderVia,
    parent: ParentKey,
    filter: Option<DefenderFilter>,
    order_by: Option<DefenderOrder>,
    args: crate::service::query::pagination::PageArgs,
) -> impl Future<Output = Result<DefenderConnection>> + Send + 'a {
    let link_parent = (via == DefenderVia::Restriction).then(|| parent.clone());
    let listing = filter.unwrap_or_default().validate().map(|filter| {
        RequestContext::of(ctx).list_under::<service::Defenders>(via, parent, filter, order_by.into(), args)
    });
    async move {
        let (page, total) = listing?.await?;
        Ok(DefenderConnection::new(page, total, link_parent))
    }
}
