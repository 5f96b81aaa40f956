//! Webhook endpoints and their delivery log: registering (by an
//! organisation's ADMIN), pausing after failures, resuming, and the
//! bookkeeping of each delivery. The deliveries themselves are made by
//! `crate::http::webhooks`, which renders the feed as the organisation sees it.
//!
//! Each endpoint keeps its place in the change feed. Deliveries to one
//! endpoint are made one at a time, in sequence order, by whichever server
//! instance holds its lease; a delivery that fails is retried (the same
//! delivery id, the changes as they are at that attempt) with exponential
//! backoff until it succeeds, or until the endpoint has failed
//! `webhook_max_failures` times in a row, when it is paused.

use std::net::IpAddr;

use chrono::{DateTime, Duration, Utc};
use entity::{Role, webhook_delivery, webhook_endpoint};
use hmac::{Hmac, Mac};
use rand::RngCore;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect,
};
use sha2::Sha256;
use uuid::Uuid;

use crate::error::{AppError, AppResult};
use crate::service::audit::Audited;
use crate::service::changes::feed;
use crate::service::{Member, Viewer};

/// The most endpoints one organisation may register.
pub const MAX_ENDPOINTS: u64 = 20;

/// The newest deliveries of an endpoint its log shows.
pub const LOG_LENGTH: u64 = 50;

/// A new endpoint.
pub struct NewEndpoint {
    pub url: String,
    pub kinds: Vec<Audited>,
}

/// An endpoint, registered, with its secret: shown this once.
pub struct Registered {
    pub endpoint: webhook_endpoint::Model,
    pub secret: String,
}

fn admin(viewer: &Viewer) -> AppResult<Member> {
    match viewer {
        Viewer::Anonymous => Err(AppError::Unauthenticated("Webhooks need an API key".into())),
        Viewer::Member(member) if member.role != Role::Admin => {
            Err(AppError::Forbidden("Webhooks are managed with an ADMIN key of the organisation".into()))
        }
        Viewer::Member(member) => Ok(*member),
    }
}

/// Checks a webhook address: http or https, with a host; on loopback,
/// private or link-local addresses only where `allow_private` (the server
/// would otherwise post into its own network for anyone with an ADMIN key).
pub fn check_url(url: &str, allow_private: bool) -> AppResult<url::Url> {
    let refused = |why: &str| AppError::bad_input("url", why.to_owned());
    let parsed = url::Url::parse(url.trim()).map_err(|_| refused("not an address: give an http or https URL"))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(refused("must be an http or https URL"));
    }
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err(refused("must not carry credentials: the deliveries are signed instead"));
    }
    let Some(host) = parsed.host_str() else { return Err(refused("has no host")) };
    let host = host.trim_start_matches('[').trim_end_matches(']');
    let private = host.eq_ignore_ascii_case("localhost")
        || host.parse::<IpAddr>().is_ok_and(|address| match address {
            IpAddr::V4(v4) => {
                v4.is_loopback() || v4.is_private() || v4.is_link_local() || v4.is_unspecified() || v4.is_broadcast()
            }
            IpAddr::V6(v6) => {
                v6.is_loopback()
                    || v6.is_unspecified()
                    || v6.is_unique_local()
                    || v6.is_unicast_link_local()
                    || v6.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback() || v4.is_private())
            }
        });
    if private && !allow_private {
        return Err(refused(
            "is a loopback or private address, which this server does not post to (webhook_allow_private_addresses)",
        ));
    }
    Ok(parsed)
}

/// Registers an endpoint for the viewer's organisation. It follows the
/// feed from now on.
pub async fn register<C: ConnectionTrait>(
    db: &C,
    viewer: &Viewer,
    new: NewEndpoint,
    allow_private: bool,
) -> AppResult<Registered> {
    let member = admin(viewer)?;
    let url = check_url(&new.url, allow_private)?;
    let existing = webhook_endpoint::Entity::find()
        .filter(webhook_endpoint::Column::OrganisationId.eq(member.organisation))
        .count(db)
        .await?;
    if existing >= MAX_ENDPOINTS {
        return Err(AppError::bad_input(
            "url",
            format!("your organisation has {MAX_ENDPOINTS} webhooks, the most it may: delete one first"),
        ));
    }
    let position = feed::latest(db, viewer).await?.map_or(0, |position| position.sequence);
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let secret = format!("whsec_{}", hex::encode(bytes));
    let mut kinds: Vec<&str> = new.kinds.iter().map(|kind| kind.table()).collect();
    kinds.sort();
    kinds.dedup();
    let endpoint = webhook_endpoint::ActiveModel {
        id: Set(Uuid::now_v7()),
        organisation_id: Set(member.organisation),
        url: Set(url.to_string()),
        record_types: Set(kinds.join(",")),
        secret: Set(secret.clone()),
        position: Set(position),
        consecutive_failures: Set(0),
        next_attempt_at: Set(None),
        paused_at: Set(None),
        pause_reason: Set(None),
        lease_until: Set(None),
        created_at: Set(Utc::now()),
    }
    .insert(db)
    .await?;
    Ok(Registered { endpoint, secret })
}

/// The viewer's organisation's endpoint with this id; not found for any other.
async fn own<C: ConnectionTrait>(db: &C, viewer: &Viewer, id: Uuid) -> AppResult<webhook_endpoint::Model> {
    let member = admin(viewer)?;
    webhook_endpoint::Entity::find_by_id(id)
        .filter(webhook_endpoint::Column::OrganisationId.eq(member.organisation))
        .one(db)
        .await?
        .ok_or_else(|| AppError::NotFound("Your organisation has no webhook with this id".into()))
}

/// The organisation's endpoints, oldest first (ADMIN only).
pub async fn list<C: ConnectionTrait>(db: &C, viewer: &Viewer) -> AppResult<Vec<webhook_endpoint::Model>> {
    let member = admin(viewer)?;
    Ok(webhook_endpoint::Entity::find()
        .filter(webhook_endpoint::Column::OrganisationId.eq(member.organisation))
        .order_by_asc(webhook_endpoint::Column::CreatedAt)
        .all(db)
        .await?)
}

/// The newest deliveries of the given endpoints, newest first, in one statement.
pub async fn deliveries<C: ConnectionTrait>(db: &C, endpoints: &[Uuid]) -> AppResult<Vec<webhook_delivery::Model>> {
    Ok(webhook_delivery::Entity::find()
        .filter(webhook_delivery::Column::EndpointId.is_in(endpoints.iter().copied()))
        .order_by_desc(webhook_delivery::Column::CreatedAt)
        .all(db)
        .await?)
}

/// Deletes an endpoint and its log.
pub async fn delete<C: ConnectionTrait>(db: &C, viewer: &Viewer, id: Uuid) -> AppResult<()> {
    let endpoint = own(db, viewer, id).await?;
    webhook_delivery::Entity::delete_many()
        .filter(webhook_delivery::Column::EndpointId.eq(endpoint.id))
        .exec(db)
        .await?;
    webhook_endpoint::Entity::delete_by_id(endpoint.id).exec(db).await?;
    Ok(())
}

/// Resumes a paused endpoint: deliveries start again where they stopped.
pub async fn resume<C: ConnectionTrait>(db: &C, viewer: &Viewer, id: Uuid) -> AppResult<webhook_endpoint::Model> {
    let endpoint = own(db, viewer, id).await?;
    let mut active: webhook_endpoint::ActiveModel = endpoint.into();
    active.paused_at = Set(None);
    active.pause_reason = Set(None);
    active.consecutive_failures = Set(0);
    active.next_attempt_at = Set(None);
    Ok(active.update(db).await?)
}

/// The record kinds an endpoint is sent; empty: every kind.
pub fn kinds(endpoint: &webhook_endpoint::Model) -> Vec<Audited> {
    endpoint.record_types.split(',').filter_map(Audited::of_table).collect()
}

/// The viewer an endpoint's deliveries are rendered for: its organisation,
/// reading.
pub fn viewer_of(endpoint: &webhook_endpoint::Model) -> Viewer {
    Viewer::Member(Member::operator(endpoint.organisation_id, Role::Reader))
}

/// Endpoints that may have something to deliver now: not paused, not
/// waiting for a retry, not leased, and behind `head`.
pub async fn due<C: ConnectionTrait>(db: &C, head: i64) -> AppResult<Vec<webhook_endpoint::Model>> {
    let now = Utc::now();
    Ok(webhook_endpoint::Entity::find()
        .filter(webhook_endpoint::Column::PausedAt.is_null())
        .filter(webhook_endpoint::Column::Position.lt(head))
        .filter(webhook_endpoint::Column::NextAttemptAt.is_null().or(webhook_endpoint::Column::NextAttemptAt.lte(now)))
        .filter(webhook_endpoint::Column::LeaseUntil.is_null().or(webhook_endpoint::Column::LeaseUntil.lt(now)))
        .order_by_asc(webhook_endpoint::Column::CreatedAt)
        .limit(100)
        .all(db)
        .await?)
}

/// Takes the lease of an endpoint until `until`, unless another instance
/// holds it. Whoever holds it delivers; the others leave it alone.
pub async fn lease<C: ConnectionTrait>(db: &C, id: Uuid, until: DateTime<Utc>) -> AppResult<bool> {
    let now = Utc::now();
    let taken = webhook_endpoint::Entity::update_many()
        .col_expr(webhook_endpoint::Column::LeaseUntil, Expr::value(until))
        .filter(webhook_endpoint::Column::Id.eq(id))
        .filter(webhook_endpoint::Column::PausedAt.is_null())
        .filter(webhook_endpoint::Column::LeaseUntil.is_null().or(webhook_endpoint::Column::LeaseUntil.lt(now)))
        .exec(db)
        .await?;
    Ok(taken.rows_affected == 1)
}

/// Moves an endpoint's position to `sequence` when it has nothing to send
/// before it (never backwards).
pub async fn advance<C: ConnectionTrait>(db: &C, id: Uuid, sequence: i64) -> AppResult<()> {
    webhook_endpoint::Entity::update_many()
        .col_expr(webhook_endpoint::Column::Position, Expr::value(sequence))
        .filter(webhook_endpoint::Column::Id.eq(id))
        .filter(webhook_endpoint::Column::Position.lt(sequence))
        .exec(db)
        .await?;
    Ok(())
}

/// Gives the lease back.
pub async fn release<C: ConnectionTrait>(db: &C, id: Uuid) -> AppResult<()> {
    webhook_endpoint::Entity::update_many()
        .col_expr(webhook_endpoint::Column::LeaseUntil, Expr::value(Option::<DateTime<Utc>>::None))
        .filter(webhook_endpoint::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(())
}

/// The delivery being retried for an endpoint, if any.
pub async fn pending<C: ConnectionTrait>(db: &C, endpoint: Uuid) -> AppResult<Option<webhook_delivery::Model>> {
    Ok(webhook_delivery::Entity::find()
        .filter(webhook_delivery::Column::EndpointId.eq(endpoint))
        .filter(webhook_delivery::Column::Status.eq(PENDING))
        .one(db)
        .await?)
}

pub const PENDING: &str = "PENDING";
pub const DELIVERED: &str = "DELIVERED";
pub const FAILED: &str = "FAILED";

/// One attempt at a delivery, as it went.
pub struct Attempt {
    /// The delivery's id (a retry keeps it).
    pub id: Uuid,
    pub changes: i32,
    pub first_sequence: i64,
    pub last_sequence: i64,
    /// The endpoint's answer, if it answered.
    pub status_code: Option<u16>,
    /// Why it failed, if it did: a status, a timeout or a connection error.
    pub error: Option<String>,
}

/// How a delivery was recorded: whether the endpoint is now paused.
pub struct Recorded {
    pub paused: bool,
}

/// Records an attempt and moves the endpoint on (delivered: its position;
/// failed: its backoff, or its pause). One transaction's worth of writes.
pub async fn record<C: ConnectionTrait>(
    db: &C,
    endpoint: &webhook_endpoint::Model,
    attempt: Attempt,
    retry_base: std::time::Duration,
    max_failures: u64,
) -> AppResult<Recorded> {
    let now = Utc::now();
    let delivered = attempt.error.is_none();
    let failures = if delivered { 0 } else { endpoint.consecutive_failures + 1 };
    let paused = !delivered && failures as u64 >= max_failures;
    let status = match (delivered, paused) {
        (true, _) => DELIVERED,
        (false, true) => FAILED,
        (false, false) => PENDING,
    };
    let existing = webhook_delivery::Entity::find_by_id(attempt.id).one(db).await?;
    let attempts = existing.as_ref().map_or(0, |delivery| delivery.attempts) + 1;
    let delivery = webhook_delivery::ActiveModel {
        id: Set(attempt.id),
        endpoint_id: Set(endpoint.id),
        status: Set(status.to_owned()),
        attempts: Set(attempts),
        changes: Set(attempt.changes),
        first_sequence: Set(attempt.first_sequence),
        last_sequence: Set(attempt.last_sequence),
        last_status_code: Set(attempt.status_code.map(i32::from)),
        last_error: Set(attempt.error.clone()),
        created_at: Set(existing.as_ref().map_or(now, |delivery| delivery.created_at)),
        last_attempt_at: Set(Some(now)),
        delivered_at: Set(delivered.then_some(now)),
    };
    if existing.is_some() {
        delivery.update(db).await?;
    } else {
        delivery.insert(db).await?;
    }
    let mut active: webhook_endpoint::ActiveModel = endpoint.clone().into();
    active.consecutive_failures = Set(failures);
    if delivered {
        active.position = Set(attempt.last_sequence);
        active.next_attempt_at = Set(None);
    } else {
        // 1, 2, 4, ... times the base, up to an hour.
        let factor = 1u32 << (failures - 1).clamp(0, 20);
        let wait = (retry_base * factor).min(std::time::Duration::from_secs(3_600));
        active.next_attempt_at = Set(Some(now + Duration::from_std(wait).unwrap_or(Duration::hours(1))));
    }
    if paused {
        active.paused_at = Set(Some(now));
        active.pause_reason = Set(Some(format!(
            "{failures} failed attempts in a row; the last: {}",
            attempt.error.as_deref().unwrap_or("unknown")
        )));
    }
    active.update(db).await?;
    Ok(Recorded { paused })
}

/// The signature header's value for a body: `sha256=` and the hex HMAC-SHA256
/// of the body under the endpoint's secret, as GitHub's `X-Hub-Signature-256`.
pub fn signature(secret: &str, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes a key of any length");
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_are_github_s_hmac_sha256() {
        // The example of GitHub's documentation on validating webhook deliveries.
        assert_eq!(
            signature("It's a Secret to Everybody", b"Hello, World!"),
            "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
        );
    }

    #[test]
    fn private_addresses_are_refused_unless_allowed() {
        for url in ["http://127.0.0.1:8080/hook", "http://localhost/hook", "http://10.0.0.5/", "http://[::1]/x"] {
            assert!(check_url(url, false).is_err(), "{url}");
            assert!(check_url(url, true).is_ok(), "{url}");
        }
        assert!(check_url("https://partner.example.org/hooks/rights-graph", false).is_ok());
        for url in ["ftp://example.org/", "not a url", "https://user:pass@example.org/"] {
            assert!(check_url(url, true).is_err(), "{url}");
        }
    }
}
