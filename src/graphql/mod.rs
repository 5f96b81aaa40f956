//! The GraphQL API: types, entry points and per-request batching.

pub mod api_keys;
pub mod batch;
pub mod campaign_mutations;
pub mod campaigns;
pub mod connection;
pub mod context;
pub mod defender_mutations;
pub mod defenders;
pub mod documents;
pub mod error_codes;
pub mod error_ids;
pub mod exchange;
pub mod execution;
pub mod history;
pub mod ids;
pub mod indicators;
pub mod input_text;
pub mod limits;
pub mod merges;
pub mod node;
pub mod ordering;
pub mod organisation_mutations;
pub mod organisations;
pub mod places;
pub mod rate_limit;
pub mod record_edits;
pub mod request_state;
pub mod response_order;
pub mod restriction_mutations;
pub mod restrictions;
pub mod search;
pub mod sharing;
pub mod source_mutations;
pub mod sources;
pub mod statistics;
pub mod viewer;

use async_graphql::{EmptySubscription, MergedObject, Schema};

/// Reads of the linked data: defenders, restrictions, campaigns,
/// organisations, places and published figures.
#[derive(MergedObject, Default)]
pub struct Query(
    node::NodeQuery,
    places::PlacesQuery,
    defenders::DefendersQuery,
    restrictions::RestrictionsQuery,
    campaigns::CampaignsQuery,
    organisations::OrganisationsQuery,
    indicators::IndicatorsQuery,
    viewer::ViewerQuery,
    exchange::ExchangeQuery,
    merges::DuplicatesQuery,
    search::SearchQueryRoot,
    statistics::StatisticsQuery,
    rate_limit::RateLimitQuery,
);

/// Changes to the linked data. Every change needs an API key with a role that
/// allows it, checks the caller's rights on the record, is validated in full
/// before anything is written, and is recorded in the record's history.
#[derive(MergedObject, Default)]
pub struct Mutation(
    defender_mutations::DefenderMutations,
    restriction_mutations::RestrictionMutations,
    campaign_mutations::CampaignMutations,
    organisation_mutations::OrganisationMutations,
    source_mutations::SourceMutations,
    sharing::SharingMutations,
    api_keys::ApiKeyMutations,
    exchange::ExchangeMutations,
    merges::MergeMutations,
);

/// The executable schema.
pub type AppSchema = Schema<Query, Mutation, EmptySubscription>;

fn builder() -> async_graphql::SchemaBuilder<Query, Mutation, EmptySubscription> {
    Schema::build(Query::default(), Mutation::default(), EmptySubscription)
}

/// Builds the schema. Per-request state (database, viewer, loaders) is
/// attached to each request, not to the schema; limits, error codes and the
/// order of response fields are applied around execution (`execution.rs`).
fn build_schema(introspection: bool) -> AppSchema {
    let mut builder = builder();
    if !introspection {
        builder = builder.disable_introspection().disable_suggestions();
    }
    builder.finish()
}

/// The schema in SDL, as checked in at `schema.graphql`.
pub fn sdl() -> String {
    builder().finish().sdl()
}
