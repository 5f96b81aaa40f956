//! The integration tests, in one binary so that the server is linked once:
//! each module starts real servers on port 0 against fresh SQLite and
//! PostgreSQL databases and speaks HTTP to them (`common`).
//!
//! Tests that need a special environment keep binaries of their own:
//! `browser` (Chromium), `http_audit` (Node.js), `database_faults` (a
//! PostgreSQL instance they stop and start) and `otel_export` (the `otel`
//! feature). Run one module with `cargo test --test integration MODULE::`.

#[macro_use]
#[path = "../common/mod.rs"]
mod common;

mod as_of;
mod campaign_writes;
mod changes;
mod country_ratings;
mod defender_writes;
mod documented_queries;
mod exchange;
mod graphql_ws_client;
mod hidden_records;
mod limits;
mod merges;
mod noninterference;
mod observability;
mod operations;
mod organisation_writes;
mod outcomes;
mod pages;
mod pagination;
mod partner_access;
mod permission_matrix;
mod properties;
mod rate_limits;
mod read_api;
mod reconcile;
mod response_cache;
mod restriction_writes;
mod row_reading;
mod schema;
mod search;
mod server;
mod sharing;
mod source_writes;
mod startup;
mod statement_count;
mod statements;
mod statistics;
mod subscriptions;
mod synthetic;
mod webhooks;
