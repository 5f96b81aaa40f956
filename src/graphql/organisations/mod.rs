//! `Organisation`.

pub mod mutations;

use async_graphql::{Context, ID, InputObject, Object, Result};
use entity::{OrganisationKind, organisation};

use crate::error::AppResult;
use crate::graphql::campaigns::{CampaignConnection, CampaignFilter, campaigns_under};
use crate::graphql::common::connection::{connection, page_args};
use crate::graphql::common::context::RequestContext;
use crate::graphql::common::node::{Lookup, record_lookup};
use crate::graphql::common::ordering::{CampaignOrder, OrganisationOrder};
use crate::graphql::common::record::RecordFields;
use crate::graphql::defenders::AffiliationConnection;
use crate::graphql::places::{Country, country_by_code};
use crate::graphql::sources::{SourceConnection, sources_of};
use crate::ids::{GlobalId, NodeType};
use crate::service::campaigns::CampaignVia;
use crate::service::codes;
use crate::service::defenders::{AffiliationVia, Affiliations};
use crate::service::organisations as service;
use crate::service::sources::CitingRecord;

/// Selects organisations. Each list given matches any of its values (an empty
/// list matches nothing); the lists combine with AND.
#[derive(InputObject, Clone, Debug, Default)]
pub struct OrganisationFilter {
    /// Organisations based in any of these countries (ISO 3166-1 alpha-2 codes).
    pub country_codes: Option<Vec<String>>,
    /// Organisations of any of these kinds.
    pub kinds: Option<Vec<OrganisationKind>>,
}

impl OrganisationFilter {
    /// Checks the codes and turns the input into the service's filter.
    pub fn validate(self) -> AppResult<service::OrganisationFilter> {
        Ok(service::OrganisationFilter {
            country_codes: self.country_codes.map(|c| codes::country_codes("filter.countryCodes", &c)).transpose()?,
            kinds: self.kinds,
        })
    }
}

/// An organisation: an NGO, a community, a state agency, a company...
pub struct Organisation(pub organisation::Model);

impl From<organisation::Model> for Organisation {
    fn from(model: organisation::Model) -> Self {
        Organisation(model)
    }
}

/// An organisation: an NGO, a community, a state agency, a company...
#[Object]
impl Organisation {
    /// Global id.
    pub async fn id(&self) -> ID {
        GlobalId::encode_uuid(NodeType::Organisation, self.0.id)
    }

    /// Name.
    async fn name(&self) -> &str {
        &self.0.name
    }

    /// Acronym, such as "ACPRA".
    async fn acronym(&self) -> Option<&str> {
        self.0.acronym.as_deref()
    }

    /// What kind of organisation it is.
    async fn kind(&self) -> OrganisationKind {
        self.0.kind
    }

    /// The country it is based in; null for international organisations or when not known.
    async fn country(&self, ctx: &Context<'_>) -> Result<Option<Country>> {
        match &self.0.country_code {
            Some(code) => country_by_code(ctx, code).await.map(Some),
            None => Ok(None),
        }
    }

    /// Website address.
    async fn website(&self) -> Option<&str> {
        self.0.website.as_deref()
    }

    /// What the organisation does, in words.
    async fn summary(&self) -> Option<&str> {
        self.0.summary.as_deref()
    }

    /// Defenders affiliated with it, with their roles.
    async fn affiliations(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Returns the first n elements: 20 unless given, at most 100.")] first: Option<i32>,
        #[graphql(desc = "Returns the elements after this cursor.")] after: Option<String>,
        #[graphql(desc = "Returns the last n elements, at most 100.")] last: Option<i32>,
        #[graphql(desc = "Returns the elements before this cursor.")] before: Option<String>,
    ) -> Result<AffiliationConnection> {
        let (page, total) = RequestContext::of(ctx)
            .list_under::<Affiliations>(
                AffiliationVia::Organisation,
                self.0.id,
                (),
                (),
                page_args(first, after, last, before),
            )
            .await?;
        Ok(AffiliationConnection::new(page, total, None))
    }

    /// Campaigns it leads.
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
        campaigns_under(ctx, CampaignVia::LeadOrganisation, self.0.id.into(), filter, order_by, args).await
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
        sources_of(ctx, CitingRecord::Organisation, self.0.id, None, page_args(first, after, last, before)).await
    }

    /// The global ids of records merged into this one; each of them resolves
    /// to this record. Empty unless a merge absorbed another record.
    async fn merged_ids(&self, ctx: &Context<'_>) -> Result<Vec<ID>> {
        crate::graphql::duplicates::merged_ids(ctx, crate::graphql::duplicates::MergeableType::Organisation, self.0.id)
            .await
    }

    /// The fields every shared record has: history, visibility, contributor, version, timestamps.
    #[graphql(flatten)]
    async fn record(&self) -> RecordFields {
        RecordFields::of::<entity::organisation::Entity>(&self.0)
    }
}

connection!(
    /// A page of organisations.
    OrganisationConnection,
    /// An organisation in a page, with its cursor.
    OrganisationEdge,
    Organisation,
    organisation::Model
);

/// Entry points for organisations.
#[derive(Default)]
pub struct OrganisationsQuery;

#[Object]
impl OrganisationsQuery {
    /// An organisation by id. Null, with a NOT_FOUND error, when there is none.
    async fn organisation(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The organisation's global id.")] id: ID,
    ) -> Lookup<Organisation> {
        record_lookup::<organisation::Entity, Organisation>(ctx, &id, NodeType::Organisation).await
    }

    /// Organisations, by name unless ordered otherwise.
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
            .list::<service::Organisations>(filter, order_by.into(), page_args(first, after, last, before))
            .await?;
        Ok(OrganisationConnection::new(page, total, None))
    }
}
