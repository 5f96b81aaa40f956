//! `subscription { changes(after:, types:) { ... } }`: the change feed as
//! changes commit, over WebSocket (see `crate::http::subscriptions`).
//!
//! A subscription is not run as one long execution. It is opened once: the
//! document is admitted and charged like a query, and executed with
//! [`Stage::Opening`], so that its arguments are checked and kept. Then each
//! change the viewer is told of is executed as a request of its own, with
//! [`Stage::Event`] holding the change and a fresh request context: nested
//! records are loaded in batches as in any query, as the viewer may see
//! them at that moment, and nothing is cached from one event to the next.

use std::sync::{Arc, Mutex};

use async_graphql::futures_util::stream::{self, BoxStream, StreamExt};
use async_graphql::{Context, Result, Subscription};

use super::{Change, RecordType, feed_request};
use crate::service::changes::FeedRequest;

/// The changes a subscription reads from the feed at a time.
pub const EVENTS_PER_READ: i32 = 100;

/// What the `changes` subscription field works on in one execution.
pub enum Stage {
    /// The subscription is opening: its arguments are checked and put here.
    Opening(Arc<Mutex<Option<FeedRequest>>>),
    /// One event of an open subscription: the field yields this change.
    Event(Change),
}

/// Changes as they happen, over WebSocket at `/graphql`.
#[derive(Default)]
pub struct SubscriptionRoot;

/// Changes as they happen, over WebSocket at `/graphql`
/// (graphql-transport-ws, or the legacy graphql-ws).
#[Subscription(name = "Subscription")]
impl SubscriptionRoot {
    /// Every change to the records the viewer can see, as it commits: the
    /// same changes, in the same order and with the same tombstones
    /// (`WITHDRAWN`) as the `changes` query. Without `after`, it follows
    /// from when it opens. With `after`, the changes committed since that
    /// cursor come first, so a client that reconnects with the `cursor` of
    /// the last change it handled loses nothing. Authenticate in `connection_init`
    /// with `{"Authorization": "Bearer <API key>"}`.
    async fn changes(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Start after this cursor (an edge's `cursor` or a page's `endCursor` from the `changes` \
                          query, or a `cursor` of an earlier event).")]
        after: Option<String>,
        #[graphql(desc = "Only changes to records of these types; every type when not given.")] types: Option<
            Vec<RecordType>,
        >,
    ) -> Result<BoxStream<'static, Change>> {
        let Ok(stage) = ctx.data::<Stage>() else {
            return Err(crate::error::AppError::bad_input(
                "changes",
                "subscriptions are served over WebSocket at /graphql (graphql-transport-ws or graphql-ws)",
            )
            .into());
        };
        match stage {
            Stage::Opening(opened) => {
                // A cursor past the retention is refused by the first read.
                let request = feed_request(after.as_deref(), Some(EVENTS_PER_READ), types)?;
                *opened.lock().unwrap_or_else(|poisoned| poisoned.into_inner()) = Some(request);
                Ok(stream::empty().boxed())
            }
            Stage::Event(change) => Ok(stream::once(std::future::ready(change.clone())).boxed()),
        }
    }
}
