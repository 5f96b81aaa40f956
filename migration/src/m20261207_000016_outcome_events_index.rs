//! The case events that outcomes read (custody, charges, sentences,
//! appeals, releases), dated, by defender, with what outcomes need of them
//! in the index itself: `statistics.outcomes` reads a country's events by
//! index, not by a scan of every case event.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DatabaseBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The kinds of case event `statistics.outcomes` reads. Its query names
/// them as constants, as here, so that both planners see that the index
/// covers it.
pub const OUTCOME_EVENT_KINDS: &[&str] =
    &["ARREST", "DETENTION", "SENTENCE", "RELEASE", "CHARGE", "CHARGES_DROPPED", "APPEAL"];

/// The index's condition over `case_event`, as SQL.
pub fn outcome_events_condition() -> String {
    let kinds: Vec<String> = OUTCOME_EVENT_KINDS.iter().map(|kind| format!("'{kind}'")).collect();
    format!("case_event.kind IN ({}) AND case_event.occurred_on IS NOT NULL", kinds.join(", "))
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let (columns, include, condition) = match manager.get_database_backend() {
            // PostgreSQL carries the other columns for index-only scans;
            // SQLite, without INCLUDE, as trailing key columns. PostgreSQL
            // is given the condition in the form it writes back
            // (`pg_indexes`), so that an index dropped for a bulk load and
            // rebuilt from its definition comes back the same; its planner
            // proves that the query's `kind IN (...)` implies either form.
            DatabaseBackend::Postgres => {
                let kinds: Vec<String> = OUTCOME_EVENT_KINDS.iter().map(|kind| format!("'{kind}'::text")).collect();
                (
                    "defender_id, occurred_on",
                    " INCLUDE (kind, sentence_months, sentence_life)",
                    format!("kind::text = ANY (ARRAY[{}]) AND occurred_on IS NOT NULL", kinds.join(", ")),
                )
            }
            _ => ("defender_id, occurred_on, kind, sentence_months, sentence_life", "", outcome_events_condition()),
        };
        manager
            .get_connection()
            .execute_unprepared(&format!(
                "CREATE INDEX ix_case_event_outcomes ON case_event ({columns}){include} WHERE {condition}"
            ))
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_index(Index::drop().name("ix_case_event_outcomes").table("case_event").to_owned()).await
    }
}
