//! Delivering the change feed to webhook endpoints (see
//! [`crate::service::webhooks`] for the rules). Each delivery is a POST of
//! a batch of changes in the feed's JSON shape, rendered by the same GraphQL
//! query a partner would send, as the endpoint's organisation may see them:
//!
//! ```json
//! {"webhookId": "…", "deliveryId": "…", "changes": [{"sequence": 12, "at": "…",
//!   "operation": "WITHDRAWN", "recordId": "…", "recordType": "DEFENDER",
//!   "cursor": "…", "node": null}], "cursor": "…", "hasMore": false}
//! ```
//!
//! with the headers `X-Rights-Graph-Signature-256: sha256=<hex HMAC-SHA256 of
//! the body under the endpoint's secret>`, `X-Rights-Graph-Delivery: <id>`
//! (the same on every attempt) and `X-Rights-Graph-Timestamp: <Unix seconds>`.

use std::sync::Arc;
use std::time::Duration;

use async_graphql::{Request, Variables};
use chrono::Utc;
use entity::webhook_endpoint;
use sea_orm::EntityTrait;
use serde_json::{Value, json};
use uuid::Uuid;

use super::{AppState, Shared};
use crate::graphql::common::context::RequestContext;
use crate::graphql::runtime::request_state::RequestState;
use crate::service::access::rate_limits::Client;
use crate::service::changes::Position;
use crate::service::webhooks::{self, Attempt};

/// The changes one delivery carries at most.
const BATCH: i32 = 100;

/// How long an instance holds an endpoint's lease: longer than a delivery may take.
fn lease_length(timeout: Duration) -> chrono::Duration {
    chrono::Duration::from_std(timeout * 3 + Duration::from_secs(10)).unwrap_or(chrono::Duration::minutes(5))
}

const FEED: &str = "query WebhookDelivery($after: String, $first: Int, $types: [RecordType!]) {
  changes(after: $after, first: $first, types: $types) {
    pageInfo { endCursor hasNextPage }
    nodes {
      sequence at operation recordId recordType cursor
      node {
        __typename id
        ... on Defender { name status country { code } }
        ... on Restriction { title status country { code } }
        ... on Campaign { title status }
        ... on Organisation { name }
        ... on Source { title }
      }
    }
  }
}";

/// Delivers to due endpoints whenever changes commit, and at least every
/// second (for retries), until the server stops.
pub async fn deliver_forever(state: AppState) {
    let shared = &state.0;
    let client = match reqwest::Client::builder()
        .timeout(Duration::from_secs(shared.changes.webhook_timeout))
        .redirect(reqwest::redirect::Policy::none())
        .build()
    {
        Ok(client) => client,
        Err(error) => {
            tracing::error!(%error, "cannot make the webhook HTTP client; webhooks are not delivered");
            return;
        }
    };
    let mut head = shared.feed.hub.head();
    loop {
        let current = *head.borrow_and_update();
        match webhooks::due(&shared.background, current).await {
            Ok(endpoints) => {
                for endpoint in endpoints {
                    deliver(shared, &client, endpoint, current).await;
                }
            }
            Err(error) => {
                let error: async_graphql::Error = error.into();
                tracing::warn!(error = %error.message, "could not read the webhooks due");
            }
        }
        let _ = tokio::time::timeout(Duration::from_secs(1), head.changed()).await;
    }
}

/// Delivers what an endpoint is due, batch after batch, while it succeeds.
/// `head` is the feed's head, read before: an endpoint with nothing to
/// send up to it moves its position there.
async fn deliver(shared: &Shared, client: &reqwest::Client, endpoint: webhook_endpoint::Model, head: i64) {
    let timeout = Duration::from_secs(shared.changes.webhook_timeout);
    match webhooks::lease(&shared.background, endpoint.id, Utc::now() + lease_length(timeout)).await {
        Ok(true) => {}
        _ => return,
    }
    let mut endpoint = endpoint;
    loop {
        match deliver_batch(shared, client, &endpoint).await {
            Ok(Some(more)) if more => {}
            Ok(Some(_)) => break,
            Ok(None) => {
                // Nothing this organisation may see happened up to the head.
                if let Err(error) = webhooks::advance(&shared.background, endpoint.id, head).await {
                    let error: async_graphql::Error = error.into();
                    tracing::warn!(webhook = %endpoint.id, error = %error.message, "could not move a webhook on");
                }
                break;
            }
            Err(error) => {
                let error: async_graphql::Error = error.into();
                tracing::warn!(webhook = %endpoint.id, error = %error.message, "a webhook delivery could not be made");
                break;
            }
        }
        // Read back what the delivery recorded (its position, failures).
        match entity::webhook_endpoint::Entity::find_by_id(endpoint.id).one(&shared.background).await {
            Ok(Some(fresh)) => endpoint = fresh,
            _ => break,
        }
    }
    if let Err(error) = webhooks::release(&shared.background, endpoint.id).await {
        let error: async_graphql::Error = error.into();
        tracing::warn!(webhook = %endpoint.id, error = %error.message, "could not release a webhook's lease");
    }
}

/// One batch: rendered, posted and recorded. `Some(true)` when delivered
/// and more changes follow; `Some(false)` when done or failed; `None` when
/// there was nothing to send.
async fn deliver_batch(
    shared: &Shared,
    client: &reqwest::Client,
    endpoint: &webhook_endpoint::Model,
) -> crate::error::AppResult<Option<bool>> {
    let changes = render(shared, endpoint).await?;
    let nodes = changes["nodes"].as_array().cloned().unwrap_or_default();
    let (Some(first), Some(last)) = (nodes.first(), nodes.last()) else { return Ok(None) };
    let sequence = |change: &Value| change["sequence"].as_i64().unwrap_or_default();
    let (first_sequence, last_sequence) = (sequence(first), sequence(last));
    let has_more = changes["pageInfo"]["hasNextPage"].as_bool().unwrap_or(false);
    let id = webhooks::pending(&shared.background, endpoint.id).await?.map_or_else(Uuid::now_v7, |pending| pending.id);
    let body = json!({
        "webhookId": endpoint.id,
        "deliveryId": id,
        "changes": nodes,
        "cursor": Position { sequence: last_sequence }.cursor(),
        "hasMore": has_more,
    })
    .to_string();
    let sent = client
        .post(&endpoint.url)
        .header("content-type", "application/json")
        .header("user-agent", concat!("rights-graph/", env!("CARGO_PKG_VERSION")))
        .header("x-rights-graph-signature-256", webhooks::signature(&endpoint.secret, body.as_bytes()))
        .header("x-rights-graph-delivery", id.to_string())
        .header("x-rights-graph-timestamp", Utc::now().timestamp().to_string())
        .body(body)
        .send()
        .await;
    let (status_code, error) = match sent {
        Ok(response) if response.status().is_success() => (Some(response.status().as_u16()), None),
        Ok(response) => {
            (Some(response.status().as_u16()), Some(format!("the endpoint answered {}", response.status())))
        }
        Err(error) if error.is_timeout() => (None, Some("the endpoint did not answer in time".to_owned())),
        Err(error) if error.is_connect() => (None, Some("could not connect to the endpoint".to_owned())),
        Err(_) => (None, Some("the request to the endpoint failed".to_owned())),
    };
    let delivered = error.is_none();
    let attempt = Attempt { id, changes: nodes.len() as i32, first_sequence, last_sequence, status_code, error };
    let retry_base = Duration::from_millis(shared.changes.webhook_retry_base_ms);
    let recorded =
        webhooks::record(&shared.background, endpoint, attempt, retry_base, shared.changes.webhook_max_failures)
            .await?;
    if recorded.paused {
        tracing::warn!(webhook = %endpoint.id, "a webhook endpoint kept failing and is paused");
    }
    Ok(Some(delivered && has_more))
}

/// The next batch of the endpoint's feed, as its organisation may see it:
/// the `changes` connection of the GraphQL response.
async fn render(shared: &Shared, endpoint: &webhook_endpoint::Model) -> crate::error::AppResult<Value> {
    let viewer = webhooks::viewer_of(endpoint);
    // Each endpoint has its own rate-limit budget.
    let state =
        Arc::new(RequestState::new(Uuid::now_v7().to_string(), Client::Key(endpoint.id), shared.limiter.clone()));
    let context = RequestContext::observed(
        shared.background.clone(),
        viewer,
        shared.countries.clone(),
        Arc::new(|_: &str, _| {}),
    );
    let loader = context.loader.clone();
    // The GraphQL names of the record types are their tables' in capitals.
    let types: Vec<String> = webhooks::kinds(endpoint).iter().map(|kind| kind.table().to_uppercase()).collect();
    let variables = json!({
        "after": Position { sequence: endpoint.position }.cursor(),
        "first": BATCH,
        "types": if types.is_empty() { Value::Null } else { json!(types) },
    });
    let request = Request::new(FEED)
        .variables(Variables::from_json(variables))
        .data(context)
        .data(state.clone())
        .data(shared.feed.clone());
    let response = loader.drive(shared.executor.execute(request, &state)).await;
    if let Some(error) = response.errors.first() {
        return Err(crate::error::AppError::Internal(anyhow::anyhow!(
            "rendering a webhook delivery: {}",
            error.message
        )));
    }
    let data = response.data.into_json().map_err(anyhow::Error::from)?;
    Ok(data["changes"].clone())
}
