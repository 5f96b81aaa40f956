//! `viewer`: who the request is made as.

use async_graphql::{Context, Object, Result};
use entity::Role;

use crate::graphql::access::api_keys::{ApiKey, keys_of_viewer};
use crate::graphql::access::webhooks::{Webhook, webhooks_of_viewer};
use crate::graphql::common::context::RequestContext;
use crate::graphql::organisations::Organisation;
use crate::service::Viewer as ServiceViewer;

/// Who the request is made as: an anonymous reader, or a partner
/// organisation through one of its API keys.
pub struct Viewer;

/// Who the request is made as: an anonymous reader, or a partner
/// organisation through one of its API keys.
#[Object]
impl Viewer {
    /// Whether the request carried a valid API key.
    async fn authenticated(&self, ctx: &Context<'_>) -> bool {
        matches!(RequestContext::of(ctx).viewer, ServiceViewer::Member(_))
    }

    /// The organisation the API key belongs to; null for anonymous readers.
    async fn organisation(&self, ctx: &Context<'_>) -> Result<Option<Organisation>> {
        let rc = RequestContext::of(ctx);
        let Some(id) = rc.viewer.organisation() else { return Ok(None) };
        Ok(rc.record::<entity::organisation::Entity>(id).await?.map(Organisation))
    }

    /// The organisation's API keys (never the keys themselves). Only ADMIN
    /// keys may list them: for others it is null, with a FORBIDDEN error.
    async fn api_keys(&self, ctx: &Context<'_>) -> Option<Result<Vec<ApiKey>>> {
        Some(keys_of_viewer(ctx).await)
    }

    /// The organisation's webhooks, with their newest deliveries (never
    /// their secrets). Only ADMIN keys may list them: for others it is null,
    /// with an error.
    async fn webhooks(&self, ctx: &Context<'_>) -> Option<Result<Vec<Webhook>>> {
        Some(webhooks_of_viewer(ctx).await)
    }

    /// What the API key may do; null for anonymous readers.
    async fn role(&self, ctx: &Context<'_>) -> Option<Role> {
        match RequestContext::of(ctx).viewer {
            ServiceViewer::Member(member) => Some(member.role),
            ServiceViewer::Anonymous => None,
        }
    }
}

/// The `viewer` entry point.
#[derive(Default)]
pub struct ViewerQuery;

#[Object]
impl ViewerQuery {
    /// Who this request is made as.
    async fn viewer(&self) -> Viewer {
        Viewer
    }
}
