//! Partial indexes of the ids of the records everyone may see. Search checks
//! the visibility of its matches against the set of visible ids; for an
//! anonymous reader PostgreSQL reads that set from these indexes alone
//! (a tenth of the table's pages) instead of scanning the table. The
//! predicates repeat the public condition of `Viewer::can_see` word for word,
//! as in the public read indexes.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const INDEXES: &[(&str, &str)] = &[
    (
        "ix_defender_public_id",
        "defender (id) WHERE archived_at IS NULL AND merged_into_id IS NULL \
         AND visibility = 'PUBLIC' AND consent = 'GIVEN'",
    ),
    ("ix_restriction_public_id", "restriction (id) WHERE archived_at IS NULL AND visibility = 'PUBLIC'"),
    ("ix_campaign_public_id", "campaign (id) WHERE archived_at IS NULL AND visibility = 'PUBLIC'"),
    (
        "ix_organisation_public_id",
        "organisation (id) WHERE archived_at IS NULL AND merged_into_id IS NULL AND visibility = 'PUBLIC'",
    ),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        for (name, definition) in INDEXES {
            db.execute_unprepared(&format!("CREATE INDEX {name} ON {definition}")).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        for (name, _) in INDEXES {
            db.execute_unprepared(&format!("DROP INDEX {name}")).await?;
        }
        Ok(())
    }
}
