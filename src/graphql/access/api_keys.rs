//! API keys through GraphQL, for organisations' admins.

use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};
use entity::{Role, api_key};

use crate::error::AppError;
use crate::graphql::common::context::RequestContext;
use crate::service::access::api_keys;

/// An API key of the viewer's organisation. The key itself is shown only
/// once, when it is created.
pub struct ApiKey(pub api_key::Model);

/// An API key of the viewer's organisation. The key itself is shown only
/// once, when it is created.
#[Object]
impl ApiKey {
    /// The key's id, for revoking it.
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    /// The first characters of the key, to tell keys apart.
    async fn prefix(&self) -> &str {
        &self.0.prefix
    }

    /// What the key may do.
    async fn role(&self) -> Role {
        self.0.role
    }

    /// What the key is for.
    async fn label(&self) -> Option<&str> {
        self.0.label.as_deref()
    }

    /// When the key was created.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    /// When the key stops working, if ever.
    async fn expires_at(&self) -> Option<DateTime<Utc>> {
        self.0.expires_at
    }

    /// When the key was revoked, if it was.
    async fn revoked_at(&self) -> Option<DateTime<Utc>> {
        self.0.revoked_at
    }

    /// When the key was last used, to the minute.
    async fn last_used_at(&self) -> Option<DateTime<Utc>> {
        self.0.last_used_at
    }
}

/// A new API key for the caller's organisation.
#[derive(InputObject)]
pub struct CreateApiKeyInput {
    /// What the key may do.
    pub role: Role,
    /// What the key is for, such as "dashboard".
    pub label: Option<String>,
    /// When the key stops working; it must be in the future. Never, unless given.
    pub expires_at: Option<DateTime<Utc>>,
}

/// A key to revoke.
#[derive(InputObject)]
pub struct RevokeApiKeyInput {
    /// The key's id, as `viewer.apiKeys` lists it.
    pub id: ID,
}

/// A created key.
#[derive(SimpleObject)]
pub struct CreateApiKeyPayload {
    /// The key itself. Shown this once: store it safely.
    pub key: String,
    /// The stored record of the key.
    pub api_key: ApiKey,
}

/// A revoked key.
#[derive(SimpleObject)]
pub struct RevokeApiKeyPayload {
    /// The stored record of the key, now revoked.
    pub api_key: ApiKey,
}

/// The keys of the viewer's organisation, for its admins.
pub async fn keys_of_viewer(ctx: &Context<'_>) -> Result<Vec<ApiKey>> {
    let rc = RequestContext::of(ctx);
    let admin = api_keys::key_admin(&rc.viewer)?;
    Ok(api_keys::list_keys(&rc.db, admin.organisation).await?.into_iter().map(ApiKey).collect())
}

/// Key management for admins.
#[derive(Default)]
pub struct ApiKeyMutations;

#[Object]
impl ApiKeyMutations {
    /// Creates an API key for the caller's organisation. Needs an ADMIN key.
    async fn create_api_key(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The new key's role, label and expiry.")] input: CreateApiKeyInput,
    ) -> Result<CreateApiKeyPayload> {
        let rc = RequestContext::of(ctx);
        let admin = api_keys::key_admin(&rc.viewer)?;
        let label = input.label.map(|l| l.trim().to_owned()).filter(|l| !l.is_empty());
        if label.as_ref().is_some_and(|l| l.chars().count() > 200) {
            return Err(AppError::bad_input("input.label", "must be at most 200 characters").into());
        }
        let (record, key) =
            api_keys::create_key(&rc.db, admin.organisation, input.role, label, input.expires_at).await?;
        Ok(CreateApiKeyPayload { key, api_key: ApiKey(record) })
    }

    /// Revokes one of the caller's organisation's keys at once. Needs an ADMIN key.
    async fn revoke_api_key(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The key to revoke.")] input: RevokeApiKeyInput,
    ) -> Result<RevokeApiKeyPayload> {
        let rc = RequestContext::of(ctx);
        let id = uuid::Uuid::parse_str(&input.id).map_err(|_| AppError::bad_input("input.id", "not an API key id"))?;
        let revoked = api_keys::revoke_own_key(&rc.db, &rc.viewer, id).await?;
        Ok(RevokeApiKeyPayload { api_key: ApiKey(revoked) })
    }
}
