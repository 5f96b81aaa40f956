//! rights-graph: a GraphQL service for cross-organisation human rights data.
//!
//! Layers, from the outside in: `http` (routes) and `web` (pages), `graphql` (types, resolvers,
//! per-request batching), `service` (reads with visibility rules, pagination,
//! data loading), and the `entity` and `migration` crates (tables).

// The root Query merges many objects (async-graphql's MergedObject nests
// them as pairs); the layout of its resolver's future is deeper than the
// default query depth allows in release builds.
#![recursion_limit = "256"]

pub mod app;
pub mod cli;
pub mod config;
pub mod db;
pub mod error;
pub mod graphql;
pub mod http;
pub mod ids;
pub mod metrics;
pub mod seed;
pub mod service;
pub mod telemetry;
pub mod web;

pub use app::Application;
pub use config::Settings;
