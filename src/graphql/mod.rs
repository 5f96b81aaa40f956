//! The GraphQL API: types, entry points and per-request batching.

pub mod batch;
pub mod campaigns;
pub mod connection;
pub mod context;
pub mod defenders;
pub mod error_codes;
pub mod ids;
pub mod indicators;
pub mod node;
pub mod ordering;
pub mod organisations;
pub mod places;
pub mod response_order;
pub mod restrictions;
pub mod sources;
pub mod viewer;

use async_graphql::{EmptyMutation, EmptySubscription, MergedObject, Schema};

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
);

/// The executable schema.
pub type AppSchema = Schema<Query, EmptyMutation, EmptySubscription>;

/// Builds the schema. Per-request state (database, viewer, loaders) is
/// attached to each request, not to the schema.
pub fn build_schema() -> AppSchema {
    Schema::build(Query::default(), EmptyMutation, EmptySubscription)
        .extension(error_codes::ErrorCodes)
        .extension(response_order::ResponseOrder)
        .finish()
}

/// The schema in SDL, as checked in at `schema.graphql`.
pub fn sdl() -> String {
    build_schema().sdl()
}
