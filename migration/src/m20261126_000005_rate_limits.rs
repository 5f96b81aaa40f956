//! Rate-limit budgets shared by every server instance on one database
//! (`RATE_LIMIT_STORE=database`): the points each client spent per window.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum RateLimitWindow {
    Table,
    Bucket,
    WindowStart,
    Used,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(RateLimitWindow::Table)
                    .col(string(RateLimitWindow::Bucket))
                    .col(big_integer(RateLimitWindow::WindowStart))
                    .col(big_integer(RateLimitWindow::Used))
                    .primary_key(Index::create().col(RateLimitWindow::Bucket).col(RateLimitWindow::WindowStart))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(RateLimitWindow::Table).to_owned()).await
    }
}
