//! The GraphQL API: types, entry points and per-request batching.

pub mod access;
pub mod campaigns;
pub mod changes;
pub mod common;
pub mod defenders;
pub mod duplicates;
pub mod exchange;
pub mod indicators;
pub mod organisations;
pub mod places;
pub mod ratings;
pub mod reconcile;
pub mod restrictions;
pub mod runtime;
pub mod search;
pub mod sharing;
pub mod sources;
pub mod statements;
pub mod statistics;

use async_graphql::{MergedObject, Schema};

use changes::subscription::SubscriptionRoot;

/// Reads of the linked data: defenders, restrictions, campaigns,
/// organisations, places and published figures.
#[derive(MergedObject, Default)]
pub struct Query(
    common::node::NodeQuery,
    places::PlacesQuery,
    defenders::DefendersQuery,
    restrictions::RestrictionsQuery,
    campaigns::CampaignsQuery,
    organisations::OrganisationsQuery,
    indicators::IndicatorsQuery,
    ratings::RatingsQuery,
    access::viewer::ViewerQuery,
    exchange::ExchangeQuery,
    duplicates::DuplicatesQuery,
    search::SearchQueryRoot,
    reconcile::MatchQueryRoot,
    statistics::StatisticsQuery,
    access::rate_limit::RateLimitQuery,
    changes::ChangesQuery,
);

/// Changes to the linked data. Every change needs an API key with a role that
/// allows it, checks the caller's rights on the record, is validated in full
/// before anything is written, and is recorded in the record's history.
#[derive(MergedObject, Default)]
pub struct Mutation(
    defenders::mutations::DefenderMutations,
    restrictions::mutations::RestrictionMutations,
    campaigns::mutations::CampaignMutations,
    organisations::mutations::OrganisationMutations,
    sources::mutations::SourceMutations,
    ratings::mutations::RatingMutations,
    sharing::SharingMutations,
    access::api_keys::ApiKeyMutations,
    access::webhooks::WebhookMutations,
    exchange::ExchangeMutations,
    duplicates::MergeMutations,
    statements::StatementMutations,
);

/// The executable schema.
pub type AppSchema = Schema<Query, Mutation, SubscriptionRoot>;

fn builder() -> async_graphql::SchemaBuilder<Query, Mutation, SubscriptionRoot> {
    Schema::build(Query::default(), Mutation::default(), SubscriptionRoot)
}

/// Builds the schema. Per-request state (database, viewer, loaders) is
/// attached to each request, not to the schema; limits, error codes and the
/// order of response fields are applied around execution (`runtime::execution`).
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
