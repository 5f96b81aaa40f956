//! Webhooks: endpoints an organisation's admin registers, and the log of
//! deliveries to them. An endpoint keeps its place in the change feed
//! (`position`, the last sequence delivered), its failures in a row, and a
//! lease that lets one server instance at a time deliver to it, so that its
//! deliveries follow the sequence.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum WebhookEndpoint {
    Table,
    Id,
    OrganisationId,
    Url,
    RecordTypes,
    Secret,
    Position,
    ConsecutiveFailures,
    NextAttemptAt,
    PausedAt,
    PauseReason,
    LeaseUntil,
    CreatedAt,
}

#[derive(DeriveIden)]
enum WebhookDelivery {
    Table,
    Id,
    EndpointId,
    Status,
    Attempts,
    Changes,
    FirstSequence,
    LastSequence,
    LastStatusCode,
    LastError,
    CreatedAt,
    LastAttemptAt,
    DeliveredAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(WebhookEndpoint::Table)
                    .col(pk_uuid(WebhookEndpoint::Id))
                    .col(uuid(WebhookEndpoint::OrganisationId))
                    .col(text(WebhookEndpoint::Url))
                    .col(string(WebhookEndpoint::RecordTypes))
                    .col(string(WebhookEndpoint::Secret))
                    .col(big_integer(WebhookEndpoint::Position))
                    .col(integer(WebhookEndpoint::ConsecutiveFailures).default(0))
                    .col(timestamp_with_time_zone_null(WebhookEndpoint::NextAttemptAt))
                    .col(timestamp_with_time_zone_null(WebhookEndpoint::PausedAt))
                    .col(text_null(WebhookEndpoint::PauseReason))
                    .col(timestamp_with_time_zone_null(WebhookEndpoint::LeaseUntil))
                    .col(timestamp_with_time_zone(WebhookEndpoint::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_webhook_endpoint_organisation_id")
                    .table(WebhookEndpoint::Table)
                    .col(WebhookEndpoint::OrganisationId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(WebhookDelivery::Table)
                    .col(pk_uuid(WebhookDelivery::Id))
                    .col(uuid(WebhookDelivery::EndpointId))
                    .col(string(WebhookDelivery::Status))
                    .col(integer(WebhookDelivery::Attempts))
                    .col(integer(WebhookDelivery::Changes))
                    .col(big_integer(WebhookDelivery::FirstSequence))
                    .col(big_integer(WebhookDelivery::LastSequence))
                    .col(integer_null(WebhookDelivery::LastStatusCode))
                    .col(text_null(WebhookDelivery::LastError))
                    .col(timestamp_with_time_zone(WebhookDelivery::CreatedAt))
                    .col(timestamp_with_time_zone_null(WebhookDelivery::LastAttemptAt))
                    .col(timestamp_with_time_zone_null(WebhookDelivery::DeliveredAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(WebhookDelivery::Table, WebhookDelivery::EndpointId)
                            .to(WebhookEndpoint::Table, WebhookEndpoint::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_webhook_delivery_endpoint_id_created_at")
                    .table(WebhookDelivery::Table)
                    .col(WebhookDelivery::EndpointId)
                    .col(WebhookDelivery::CreatedAt)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(WebhookDelivery::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(WebhookEndpoint::Table).to_owned()).await
    }
}
