//! Partial indexes over the records everyone may see, for the reads that
//! count or group them (`totalCount` of filtered lists, `statistics`): each
//! holds only public, current records, so a count reads the index alone
//! instead of every row of the table. The predicates repeat the public
//! condition of `Viewer::can_see` word for word (constants, not bound
//! values), which is what lets both planners use them.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const INDEXES: &[(&str, &str)] = &[
    (
        "ix_defender_public_country_code_status",
        "defender (country_code, status) WHERE archived_at IS NULL AND merged_into_id IS NULL \
         AND visibility = 'PUBLIC' AND consent = 'GIVEN'",
    ),
    (
        "ix_defender_public_status",
        "defender (status) WHERE archived_at IS NULL AND merged_into_id IS NULL \
         AND visibility = 'PUBLIC' AND consent = 'GIVEN'",
    ),
    (
        "ix_restriction_public_country_code_status",
        "restriction (country_code, status) WHERE archived_at IS NULL AND visibility = 'PUBLIC'",
    ),
    ("ix_restriction_public_status", "restriction (status) WHERE archived_at IS NULL AND visibility = 'PUBLIC'"),
    ("ix_campaign_public_status", "campaign (status) WHERE archived_at IS NULL AND visibility = 'PUBLIC'"),
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
