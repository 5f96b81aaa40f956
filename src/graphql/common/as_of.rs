//! Reading defenders, restrictions and campaigns as they stood at a past
//! moment (`asOf`); see [`crate::service::as_of`].
//!
//! The record is found as it is found now, through the visibility rule:
//! only then is its past read. Fields are then shown by today's rules.
//! A campaign's defenders and restrictions, and a defender's restrictions,
//! are listed from the ids their log gives for then; a defender's and a
//! restriction's campaigns from the logs of the campaigns that name it
//! (see [`as_of::holders_then`]). Each goes through the same visibility
//! rule as every listing. A defender's events and affiliations are the
//! lists of then (see [`crate::service::defenders::past`]), paged in memory
//! with the cursors of the lists now; a restriction's status history is the
//! changes recorded by then; a campaign's countries and subdivisions are its
//! areas then; its sources are those it cited then (see
//! [`crate::service::sources::cited_then`]).

use std::sync::Arc;

use async_graphql::{Context, ID, Result};
use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::graphql::campaigns::Campaign;
use crate::graphql::common::context::TotalCount;
use crate::graphql::common::context::{PastOf, RequestContext};
use crate::graphql::common::node::Lookup;
use crate::graphql::defenders::Defender;
use crate::graphql::restrictions::Restriction;
use crate::ids::{GlobalId, NodeType, found};
use crate::service::as_of::{self, Past, Rewind};
use crate::service::query::listing::{Listing, ModelOf};
use crate::service::query::pagination::{self, Page, PageArgs, PageRequest};
use crate::service::query::records::RecordEntity;

/// A record type that can be read as of a past moment.
pub trait Rewindable: From<Self::Model> + Sized {
    type Entity: RecordEntity<Model = Self::Model> + sea_orm::IdenStatic + Send + Sync + 'static;
    type Model: Rewind + crate::service::query::records::RecordModel + Clone + Send + Sync;
    const NODE: NodeType;

    /// The record as it stood in `past`.
    fn then(model: Self::Model, past: Arc<Past>) -> Self;
}

/// The record types read as of a past moment, each with its table and
/// node type.
macro_rules! rewindable {
    ($($record:ident: $table:ident, $node:ident;)*) => {
        $(
            impl Rewindable for $record {
                type Entity = entity::$table::Entity;
                type Model = entity::$table::Model;
                const NODE: NodeType = NodeType::$node;

                fn then(model: Self::Model, past: Arc<Past>) -> Self {
                    $record(model, Some(past))
                }
            }
        )*
    };
}

rewindable! {
    Defender: defender, Defender;
    Restriction: restriction, Restriction;
    Campaign: campaign, Campaign;
}

/// Checks an `asOf` argument: not in the future.
pub fn moment(at: DateTime<Utc>) -> Result<DateTime<Utc>> {
    Ok(as_of::moment("asOf", at)?)
}

/// The record the viewer may see now, as it stood at `at`: None when it
/// did not exist yet.
pub async fn then<N: Rewindable>(ctx: &Context<'_>, id: Uuid, model: N::Model, at: DateTime<Utc>) -> Result<Option<N>> {
    let past = RequestContext::of(ctx)
        .loader
        .load_one(PastOf((<N::Entity as RecordEntity>::KIND, id, at)))
        .await?
        .unwrap_or_default();
    let past = Arc::new(Past { at, ..past });
    Ok(model.rewound(&past)?.map(|model| N::then(model, past)))
}

/// Looks a record up by id, now or as of a past moment. Null with a
/// NOT_FOUND error when the viewer may not see it now; null without an
/// error when it exists but did not yet at `at`.
pub async fn lookup<N: Rewindable>(ctx: &Context<'_>, id: &ID, at: Option<DateTime<Utc>>) -> Lookup<N> {
    let looked_up = async {
        let at = at.map(moment).transpose()?;
        let uuid = GlobalId::decode_uuid_of("id", id, N::NODE)?;
        let model = found(RequestContext::of(ctx).record::<N::Entity>(uuid).await?, N::NODE, uuid)?;
        match at {
            None => Ok(Some(N::from(model))),
            Some(at) => then::<N>(ctx, uuid, model, at).await,
        }
    };
    looked_up.await.transpose()
}

/// The ids a list of links held at the past moment, when it has changed
/// since; None when it has not (the list now is the list then) or when the
/// record is read now.
pub fn past_ids(past: Option<&Past>, field: &str) -> Result<Option<Vec<Uuid>>> {
    match past {
        None => Ok(None),
        Some(past) => Ok(past.list::<Uuid>(field)?),
    }
}

/// A page of a list as it stood at a past moment, rebuilt from the log:
/// paged in memory in the listing's order, with the cursors the listing
/// gives; its total is the list's length. The caller has left out what the
/// viewer may not see now.
pub fn past_page<L: Listing>(
    rows: Vec<ModelOf<L>>,
    order: L::Order,
    args: &PageArgs,
) -> Result<(Page<ModelOf<L>>, TotalCount)> {
    let page = PageRequest::new(args, || L::spec(order))?;
    let total = rows.len() as u64;
    let total: TotalCount = Arc::new(move || Box::pin(async move { Ok(total) }));
    Ok((pagination::page_in_memory(rows, L::spec(order), &page), total))
}
