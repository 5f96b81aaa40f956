//! API keys: creation, listing, revocation and authentication.
//!
//! A key is 32 random bytes, base64url-encoded behind the `rgk_` prefix (so
//! secret scanners can recognise it). Only its SHA-256 is stored: keys are
//! random and long, so a fast hash is as safe as a slow one, and it lets a
//! request's key be found with one indexed lookup.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Duration, Utc};
use entity::{Role, api_key, organisation};
use rand::RngCore;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::error::{AppError, AppResult};
use crate::service::{Member, Viewer};

/// What every key starts with.
pub const KEY_PREFIX: &str = "rgk_";
/// How many characters of a key are kept to tell keys apart.
const SHOWN_PREFIX: usize = 12;
/// How stale `last_used_at` may get before a request refreshes it; saves a
/// write on every request.
const LAST_USED_RESOLUTION: Duration = Duration::minutes(1);

fn hash(key: &str) -> String {
    hex::encode(Sha256::digest(key.as_bytes()))
}

fn generate() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    format!("{KEY_PREFIX}{}", URL_SAFE_NO_PAD.encode(bytes))
}

/// Creates a key for an organisation. Returns the stored record and the key
/// itself, which is shown this once and never again.
pub async fn create_key<C: ConnectionTrait>(
    db: &C,
    organisation: Uuid,
    role: Role,
    label: Option<String>,
    expires_at: Option<DateTime<Utc>>,
) -> AppResult<(api_key::Model, String)> {
    let now = Utc::now();
    if organisation::Entity::find_by_id(organisation).one(db).await?.is_none() {
        return Err(AppError::NotFound(format!("No organisation has the id {organisation}")));
    }
    if let Some(expires_at) = expires_at
        && expires_at <= now
    {
        return Err(AppError::bad_input("expires", "the expiry must be in the future"));
    }
    let key = generate();
    let record = api_key::ActiveModel {
        id: Set(Uuid::now_v7()),
        organisation_id: Set(organisation),
        role: Set(role),
        label: Set(label),
        prefix: Set(key[..SHOWN_PREFIX].to_owned()),
        key_hash: Set(hash(&key)),
        created_at: Set(now),
        expires_at: Set(expires_at),
        revoked_at: Set(None),
        last_used_at: Set(None),
    }
    .insert(db)
    .await?;
    Ok((record, key))
}

/// The keys of an organisation, oldest first.
pub async fn list_keys<C: ConnectionTrait>(db: &C, organisation: Uuid) -> AppResult<Vec<api_key::Model>> {
    Ok(api_key::Entity::find()
        .filter(api_key::Column::OrganisationId.eq(organisation))
        .order_by_asc(api_key::Column::CreatedAt)
        .order_by_asc(api_key::Column::Id)
        .all(db)
        .await?)
}

/// Revokes a key, given its id or its shown prefix. Revoking twice is harmless.
pub async fn revoke_key<C: ConnectionTrait>(db: &C, key: &str) -> AppResult<api_key::Model> {
    let found = match Uuid::parse_str(key) {
        Ok(id) => api_key::Entity::find_by_id(id).one(db).await?,
        Err(_) => api_key::Entity::find().filter(api_key::Column::Prefix.eq(key)).one(db).await?,
    };
    let found = found.ok_or_else(|| AppError::NotFound(format!("No API key has the id or prefix {key}")))?;
    if found.revoked_at.is_some() {
        return Ok(found);
    }
    let mut active: api_key::ActiveModel = found.into();
    active.revoked_at = Set(Some(Utc::now()));
    Ok(active.update(db).await?)
}

/// Why a presented key was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// No key has this value.
    Unknown,
    Expired,
    Revoked,
}

impl Refusal {
    /// What to tell the client.
    pub fn message(self) -> &'static str {
        match self {
            Refusal::Unknown => "The API key is not valid.",
            Refusal::Expired => "The API key has expired. Ask your organisation's administrator for a new one.",
            Refusal::Revoked => "The API key has been revoked. Ask your organisation's administrator for a new one.",
        }
    }
}

/// Finds who a presented key speaks for. A bad key is refused, never treated
/// as anonymous.
pub async fn authenticate<C: ConnectionTrait>(db: &C, key: &str) -> AppResult<Result<Viewer, Refusal>> {
    if !key.starts_with(KEY_PREFIX) {
        return Ok(Err(Refusal::Unknown));
    }
    let Some(record) = api_key::Entity::find().filter(api_key::Column::KeyHash.eq(hash(key))).one(db).await? else {
        return Ok(Err(Refusal::Unknown));
    };
    let now = Utc::now();
    if record.revoked_at.is_some() {
        return Ok(Err(Refusal::Revoked));
    }
    if record.expires_at.is_some_and(|expires_at| expires_at <= now) {
        return Ok(Err(Refusal::Expired));
    }
    if record.last_used_at.is_none_or(|used| now - used > LAST_USED_RESOLUTION) {
        let mut active: api_key::ActiveModel = record.clone().into();
        active.last_used_at = Set(Some(now));
        // Bookkeeping only: a failure here must not refuse the request.
        if let Err(error) = active.update(db).await {
            tracing::warn!(key = %record.id, %error, "could not record the use of an API key");
        }
    }
    Ok(Ok(Viewer::Member(Member { organisation: record.organisation_id, role: record.role, key: record.id })))
}

/// The organisation's admin behind a key-management request.
pub fn key_admin(viewer: &Viewer) -> AppResult<Member> {
    match viewer {
        Viewer::Anonymous => Err(AppError::Unauthenticated("Managing API keys needs an API key".into())),
        Viewer::Member(member) if member.role != Role::Admin => {
            Err(AppError::Forbidden("Managing API keys needs an ADMIN key".into()))
        }
        Viewer::Member(member) => Ok(*member),
    }
}

/// Revokes one of the admin's own organisation's keys. Keys of other
/// organisations are NOT_FOUND, as if they did not exist.
pub async fn revoke_own_key<C: ConnectionTrait>(db: &C, viewer: &Viewer, id: Uuid) -> AppResult<api_key::Model> {
    let admin = key_admin(viewer)?;
    let key = api_key::Entity::find_by_id(id)
        .one(db)
        .await?
        .filter(|key| key.organisation_id == admin.organisation)
        .ok_or_else(|| AppError::NotFound(format!("No API key of your organisation has the id {id}")))?;
    revoke_key(db, &key.id.to_string()).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_random_prefixed_and_hashed() {
        let (a, b) = (generate(), generate());
        assert_ne!(a, b);
        assert!(a.starts_with(KEY_PREFIX));
        assert_eq!(a.len(), KEY_PREFIX.len() + 43);
        assert_eq!(hash(&a).len(), 64);
        assert_ne!(hash(&a), hash(&b));
        assert!(!hash(&a).contains(&a[KEY_PREFIX.len()..]));
    }
}
