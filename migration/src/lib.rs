//! Database migrations of rights-graph. They run from the server (`rights-graph
//! migrate`, and on every start) and from the usual sea-orm migration CLI
//! (`cargo run -p migration -- up`).

pub use sea_orm_migration::prelude::*;

mod m20261125_000001_create_schema;
mod m20261125_000002_partner_access;
mod m20261125_000003_exchange;
mod m20261125_000004_search;
mod m20261126_000005_rate_limits;
mod m20261126_000006_public_read_indexes;
mod m20261126_000007_public_id_indexes;
mod m20261201_000008_audit_classes;
mod m20261201_000009_public_needs_consent;
mod m20261205_000010_change_feed;
mod m20261205_000011_webhooks;
mod m20261205_000012_audit_kind_heads;
mod m20261205_000013_search_name_keys;
mod m20261206_000014_record_tally;
mod m20261207_000015_country_ratings;
mod m20261207_000016_outcome_events_index;
mod m20261207_000017_name_word_keys;
mod m20261207_000018_name_prefix_index;
mod m20261208_000019_statements;
mod m20261209_000020_statement_entries;
mod m20261210_000021_statement_links;

pub use m20261206_000014_record_tally::WRITER_LOCK;
pub use m20261207_000016_outcome_events_index::{OUTCOME_EVENT_KINDS, outcome_events_condition};

/// The ordered list of migrations.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261125_000001_create_schema::Migration),
            Box::new(m20261125_000002_partner_access::Migration),
            Box::new(m20261125_000003_exchange::Migration),
            Box::new(m20261125_000004_search::Migration),
            Box::new(m20261126_000005_rate_limits::Migration),
            Box::new(m20261126_000006_public_read_indexes::Migration),
            Box::new(m20261126_000007_public_id_indexes::Migration),
            Box::new(m20261201_000008_audit_classes::Migration),
            Box::new(m20261201_000009_public_needs_consent::Migration),
            Box::new(m20261205_000010_change_feed::Migration),
            Box::new(m20261205_000011_webhooks::Migration),
            Box::new(m20261205_000012_audit_kind_heads::Migration),
            Box::new(m20261205_000013_search_name_keys::Migration),
            Box::new(m20261206_000014_record_tally::Migration),
            Box::new(m20261207_000015_country_ratings::Migration),
            Box::new(m20261207_000016_outcome_events_index::Migration),
            Box::new(m20261207_000017_name_word_keys::Migration),
            Box::new(m20261207_000018_name_prefix_index::Migration),
            Box::new(m20261208_000019_statements::Migration),
            Box::new(m20261209_000020_statement_entries::Migration),
            Box::new(m20261210_000021_statement_links::Migration),
        ]
    }
}
