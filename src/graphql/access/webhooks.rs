//! Webhooks through GraphQL, for organisations' admins: registering,
//! deleting and resuming endpoints, and reading their delivery logs.

use std::collections::HashMap;

use async_graphql::{Context, Enum, ID, InputObject, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};
use entity::{webhook_delivery, webhook_endpoint};

use crate::error::AppError;
use crate::graphql::changes::{FeedSettings, RecordType};
use crate::graphql::common::context::RequestContext;
use crate::service::audit::Audited;
use crate::service::webhooks::{self, NewEndpoint};

/// A webhook endpoint of the viewer's organisation: it is sent every
/// change the organisation may see, as it commits, in batches signed with
/// its secret (shown once, when it was registered).
pub struct Webhook {
    endpoint: webhook_endpoint::Model,
    deliveries: Vec<webhook_delivery::Model>,
}

/// A webhook endpoint of the viewer's organisation: it is sent every
/// change the organisation may see, as it commits, in batches signed with
/// its secret (shown once, when it was registered).
#[Object]
impl Webhook {
    /// The endpoint's id, for deleting or resuming it.
    async fn id(&self) -> ID {
        ID(self.endpoint.id.to_string())
    }

    /// Where deliveries are posted.
    async fn url(&self) -> &str {
        &self.endpoint.url
    }

    /// The record types whose changes are sent; every type when empty.
    async fn types(&self) -> Vec<RecordType> {
        webhooks::kinds(&self.endpoint).into_iter().map(RecordType::from).collect()
    }

    /// When it was registered.
    async fn created_at(&self) -> DateTime<Utc> {
        self.endpoint.created_at
    }

    /// The sequence of the last change delivered.
    async fn position(&self) -> i64 {
        self.endpoint.position
    }

    /// Failed attempts in a row. At the server's limit the endpoint is paused.
    async fn consecutive_failures(&self) -> i32 {
        self.endpoint.consecutive_failures
    }

    /// When the next attempt is due after a failure, if one is waiting.
    async fn next_attempt_at(&self) -> Option<DateTime<Utc>> {
        self.endpoint.next_attempt_at
    }

    /// When it was paused for failing too often; null while it is active.
    /// `resumeWebhook` starts it again where it stopped.
    async fn paused_at(&self) -> Option<DateTime<Utc>> {
        self.endpoint.paused_at
    }

    /// Why it was paused.
    async fn pause_reason(&self) -> Option<&str> {
        self.endpoint.pause_reason.as_deref()
    }

    /// The newest deliveries, newest first (at most 50).
    async fn deliveries(&self) -> Vec<WebhookDelivery> {
        self.deliveries.iter().cloned().map(WebhookDelivery).collect()
    }
}

/// How a delivery stands.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum DeliveryStatus {
    /// It failed and will be tried again (see the endpoint's `nextAttemptAt`).
    Pending,
    /// The endpoint accepted it (a 2xx answer).
    Delivered,
    /// It failed, and the endpoint was paused.
    Failed,
}

/// One delivery to a webhook endpoint: a batch of changes and its attempts.
pub struct WebhookDelivery(webhook_delivery::Model);

/// One delivery to a webhook endpoint: a batch of changes and its attempts.
#[Object]
impl WebhookDelivery {
    /// The delivery's id, as sent in `X-Rights-Graph-Delivery` (the same on every attempt).
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    /// How it stands.
    async fn status(&self) -> DeliveryStatus {
        match self.0.status.as_str() {
            webhooks::DELIVERED => DeliveryStatus::Delivered,
            webhooks::FAILED => DeliveryStatus::Failed,
            _ => DeliveryStatus::Pending,
        }
    }

    /// Attempts made.
    async fn attempts(&self) -> i32 {
        self.0.attempts
    }

    /// The changes the last attempt carried.
    async fn changes(&self) -> i32 {
        self.0.changes
    }

    /// The sequences of the first and last change it carried.
    async fn first_sequence(&self) -> i64 {
        self.0.first_sequence
    }

    /// The sequence of the last change it carried.
    async fn last_sequence(&self) -> i64 {
        self.0.last_sequence
    }

    /// The HTTP status the endpoint answered the last attempt with, if it answered.
    async fn last_status_code(&self) -> Option<i32> {
        self.0.last_status_code
    }

    /// Why the last attempt failed, if it did.
    async fn last_error(&self) -> Option<&str> {
        self.0.last_error.as_deref()
    }

    /// When it was first attempted.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    /// When it was last attempted.
    async fn last_attempt_at(&self) -> Option<DateTime<Utc>> {
        self.0.last_attempt_at
    }

    /// When the endpoint accepted it.
    async fn delivered_at(&self) -> Option<DateTime<Utc>> {
        self.0.delivered_at
    }
}

/// The webhooks of the viewer's organisation, with their newest
/// deliveries, in two statements.
pub async fn webhooks_of_viewer(ctx: &Context<'_>) -> Result<Vec<Webhook>> {
    let rc = RequestContext::of(ctx);
    let endpoints = webhooks::list(&rc.db, &rc.viewer).await?;
    let ids: Vec<uuid::Uuid> = endpoints.iter().map(|endpoint| endpoint.id).collect();
    let mut by_endpoint: HashMap<uuid::Uuid, Vec<webhook_delivery::Model>> = HashMap::new();
    for delivery in webhooks::deliveries(&rc.db, &ids).await? {
        let log = by_endpoint.entry(delivery.endpoint_id).or_default();
        if (log.len() as u64) < webhooks::LOG_LENGTH {
            log.push(delivery);
        }
    }
    Ok(endpoints
        .into_iter()
        .map(|endpoint| Webhook { deliveries: by_endpoint.remove(&endpoint.id).unwrap_or_default(), endpoint })
        .collect())
}

/// A webhook to register.
#[derive(InputObject)]
pub struct CreateWebhookInput {
    /// Where to post deliveries: an http or https URL. Loopback and private
    /// addresses are refused unless the server allows them.
    pub url: String,
    /// Only changes to records of these types; every type when empty.
    #[graphql(default)]
    pub types: Vec<RecordType>,
}

/// A registered webhook and its secret.
#[derive(SimpleObject)]
pub struct CreateWebhookPayload {
    /// The signing secret: each delivery carries
    /// `X-Rights-Graph-Signature-256: sha256=<hex HMAC-SHA256 of the body
    /// under this secret>`. Shown this once: store it safely.
    pub secret: String,
    /// The registered webhook.
    pub webhook: Webhook,
}

/// A webhook to delete or resume.
#[derive(InputObject)]
pub struct WebhookIdInput {
    /// The webhook's id, as `viewer.webhooks` lists it.
    pub id: ID,
}

/// A deleted webhook.
#[derive(SimpleObject)]
pub struct DeleteWebhookPayload {
    /// Whether it was deleted.
    pub deleted: bool,
}

/// A resumed webhook.
#[derive(SimpleObject)]
pub struct ResumeWebhookPayload {
    /// The webhook, active again.
    pub webhook: Webhook,
}

fn webhook_id(id: &ID) -> Result<uuid::Uuid> {
    Ok(uuid::Uuid::parse_str(id).map_err(|_| AppError::bad_input("input.id", "not a webhook id"))?)
}

/// Webhook management for admins.
#[derive(Default)]
pub struct WebhookMutations;

#[Object]
impl WebhookMutations {
    /// Registers a webhook for the caller's organisation: from now on, every
    /// change the organisation may see is posted to it, in order, with
    /// tombstones (`WITHDRAWN`) as in the change feed. Needs an ADMIN key.
    async fn create_webhook(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Where to post, and which record types.")] input: CreateWebhookInput,
    ) -> Result<CreateWebhookPayload> {
        let rc = RequestContext::of(ctx);
        let allow_private = ctx.data::<FeedSettings>()?.webhooks_on_private_addresses;
        let kinds: Vec<Audited> = input.types.into_iter().map(Audited::from).collect();
        let registered =
            webhooks::register(&rc.db, &rc.viewer, NewEndpoint { url: input.url, kinds }, allow_private).await?;
        Ok(CreateWebhookPayload {
            secret: registered.secret,
            webhook: Webhook { endpoint: registered.endpoint, deliveries: Vec::new() },
        })
    }

    /// Deletes one of the organisation's webhooks, with its delivery log.
    /// Needs an ADMIN key.
    async fn delete_webhook(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The webhook to delete.")] input: WebhookIdInput,
    ) -> Result<DeleteWebhookPayload> {
        let rc = RequestContext::of(ctx);
        webhooks::delete(&rc.db, &rc.viewer, webhook_id(&input.id)?).await?;
        Ok(DeleteWebhookPayload { deleted: true })
    }

    /// Resumes a paused webhook: deliveries start again after the last one
    /// delivered. Needs an ADMIN key.
    async fn resume_webhook(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The webhook to resume.")] input: WebhookIdInput,
    ) -> Result<ResumeWebhookPayload> {
        let rc = RequestContext::of(ctx);
        let endpoint = webhooks::resume(&rc.db, &rc.viewer, webhook_id(&input.id)?).await?;
        Ok(ResumeWebhookPayload { webhook: Webhook { endpoint, deliveries: Vec::new() } })
    }
}
