//! A defender may be PUBLIC only while consent is GIVEN, enforced by the
//! database so that no code path can break it (an unmerge once restored a
//! PUBLIC visibility to a defender whose consent had been withdrawn meanwhile;
//! the read rule still hid it, but the stored state contradicted itself).
//! PostgreSQL checks it as a table constraint; SQLite cannot add one to an
//! existing table, so triggers refuse the insert or update there.
//! Rows that break the rule already are made PRIVATE first, which is how
//! they read today: the public condition of the read rule already required
//! consent, so no viewer's view changes.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DatabaseBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// What a refused write says (the server never sends it to a client: it is
/// an internal error if it ever fires).
const MESSAGE: &str = "a defender can be PUBLIC only with consent GIVEN";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        db.execute_unprepared(
            "UPDATE defender SET visibility = 'PRIVATE' WHERE visibility = 'PUBLIC' AND consent <> 'GIVEN'",
        )
        .await?;
        match manager.get_database_backend() {
            DatabaseBackend::Postgres => {
                db.execute_unprepared(
                    "ALTER TABLE defender ADD CONSTRAINT ck_defender_public_needs_consent \
                     CHECK (visibility <> 'PUBLIC' OR consent = 'GIVEN')",
                )
                .await?;
            }
            _ => {
                for (event, when) in [("INSERT", "INSERT"), ("UPDATE", "UPDATE OF visibility, consent")] {
                    db.execute_unprepared(&format!(
                        "CREATE TRIGGER defender_public_needs_consent_{} BEFORE {when} ON defender \
                         FOR EACH ROW WHEN NEW.visibility = 'PUBLIC' AND NEW.consent <> 'GIVEN' \
                         BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END",
                        event.to_lowercase()
                    ))
                    .await?;
                }
            }
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        match manager.get_database_backend() {
            DatabaseBackend::Postgres => {
                db.execute_unprepared("ALTER TABLE defender DROP CONSTRAINT ck_defender_public_needs_consent").await?;
            }
            _ => {
                for event in ["insert", "update"] {
                    db.execute_unprepared(&format!("DROP TRIGGER defender_public_needs_consent_{event}")).await?;
                }
            }
        }
        Ok(())
    }
}
