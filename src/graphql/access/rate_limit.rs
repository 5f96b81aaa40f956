//! `rateLimit`: the caller's budget, as GitHub's API reports it.

use std::sync::Arc;

use async_graphql::{Context, Object, SimpleObject};
use chrono::{DateTime, Utc};

use crate::graphql::runtime::request_state::RequestState;

/// The caller's rate-limit budget for the current window, after this query.
/// API keys have a budget each; anonymous clients one per address.
#[derive(SimpleObject)]
pub struct RateLimit {
    /// Points the caller may spend per window.
    limit: u64,
    /// What this query cost: the pages it asks for, summed down each path,
    /// divided by 100; at least 1.
    cost: u64,
    /// Points left in this window.
    remaining: u64,
    /// Points spent in this window, this query included.
    used: u64,
    /// When the window ends and the budget is whole again.
    reset_at: DateTime<Utc>,
    /// Records this query may return at most: the product of the page sizes
    /// down each path, summed (the measure the node limit applies to).
    node_count: u64,
}

/// The `rateLimit` entry point.
#[derive(Default)]
pub struct RateLimitQuery;

#[Object]
impl RateLimitQuery {
    /// The caller's rate-limit budget after this query; null when the server
    /// sets no limit for this kind of caller.
    async fn rate_limit(&self, ctx: &Context<'_>) -> Option<RateLimit> {
        let measured = ctx.data_opt::<Arc<RequestState>>()?.measured();
        let charge = measured.charge?;
        Some(RateLimit {
            limit: charge.limit,
            cost: charge.cost,
            remaining: charge.remaining(),
            used: charge.used,
            reset_at: charge.reset_at,
            node_count: measured.shape.map(|shape| shape.nodes).unwrap_or_default(),
        })
    }
}
