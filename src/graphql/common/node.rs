//! The `Node` interface and the `node` / `nodes` entry points.

use async_graphql::futures_util::future::try_join_all;
use async_graphql::{Context, ID, Interface, Object, Result};
use chrono::{DateTime, Utc};

use crate::error::AppError;
use crate::graphql::campaigns::Campaign;
use crate::graphql::common::as_of;
use crate::graphql::common::context::{
    AffiliationById, CaseEventById, CountryByCode, IndicatorById, RequestContext, SubdivisionByCode,
};
use crate::graphql::defenders::{Affiliation, CaseEvent, Defender};
use crate::graphql::indicators::Indicator;
use crate::graphql::organisations::Organisation;
use crate::graphql::places::{Country, Subdivision};
use crate::graphql::ratings::CountryRating;
use crate::graphql::restrictions::Restriction;
use crate::graphql::sources::Source;
use crate::ids::{GlobalId, NodeType, found};
use crate::service::query::pagination::MAX_PAGE_SIZE;
use crate::service::query::records::RecordEntity;

/// A record with a global id, fetchable with `node(id:)`.
#[derive(Interface)]
#[graphql(field(name = "id", ty = "ID", desc = "Global id: opaque, stable, unique across all types."))]
pub enum Node {
    Country(Country),
    Subdivision(Subdivision),
    Organisation(Organisation),
    Defender(Defender),
    CaseEvent(CaseEvent),
    Restriction(Restriction),
    Campaign(Campaign),
    Source(Source),
    Indicator(Indicator),
    Affiliation(Affiliation),
    CountryRating(CountryRating),
}

/// The record of this type and id, if the viewer may see it.
pub async fn record_node(ctx: &Context<'_>, node_type: NodeType, id: uuid::Uuid) -> Result<Option<Node>> {
    load(ctx, GlobalId::Uuid(node_type, id)).await
}

/// The record a global id names as it stood at `at`, if the viewer may see
/// it now: Err(NOT_FOUND) when not, Ok(None) when it did not exist yet.
async fn load_then(ctx: &Context<'_>, id: &ID, at: DateTime<Utc>) -> Result<Option<Node>> {
    let decoded = GlobalId::decode("id", id)?;
    let rc = RequestContext::of(ctx);
    let missing = || AppError::NotFound(format!("Nothing has the id {}", id.0));
    Ok(match decoded {
        GlobalId::Uuid(NodeType::Defender, uuid) => {
            let model = rc.record::<entity::defender::Entity>(uuid).await?.ok_or_else(missing)?;
            as_of::then::<Defender>(ctx, uuid, model, at).await?.map(Node::Defender)
        }
        GlobalId::Uuid(NodeType::Restriction, uuid) => {
            let model = rc.record::<entity::restriction::Entity>(uuid).await?.ok_or_else(missing)?;
            as_of::then::<Restriction>(ctx, uuid, model, at).await?.map(Node::Restriction)
        }
        GlobalId::Uuid(NodeType::Campaign, uuid) => {
            let model = rc.record::<entity::campaign::Entity>(uuid).await?.ok_or_else(missing)?;
            as_of::then::<Campaign>(ctx, uuid, model, at).await?.map(Node::Campaign)
        }
        GlobalId::Uuid(node_type, _) | GlobalId::Code(node_type, _) => {
            return Err(AppError::bad_input(
                "asOf",
                format!("asOf applies to defenders, restrictions and campaigns; this id names a {}", node_type.name()),
            )
            .into());
        }
    })
}

/// Loads the record a global id names, if the viewer may see it.
async fn load(ctx: &Context<'_>, id: GlobalId) -> Result<Option<Node>> {
    let rc = RequestContext::of(ctx);
    Ok(match id {
        GlobalId::Code(NodeType::Country, code) => {
            rc.loader.load_one(CountryByCode(code)).await?.map(|m| Node::Country(Country(m)))
        }
        GlobalId::Code(NodeType::Subdivision, code) => {
            rc.loader.load_one(SubdivisionByCode(code)).await?.map(|m| Node::Subdivision(Subdivision(m)))
        }
        GlobalId::Uuid(NodeType::Organisation, id) => {
            rc.record::<entity::organisation::Entity>(id).await?.map(|m| Node::Organisation(Organisation(m)))
        }
        GlobalId::Uuid(NodeType::Defender, id) => {
            rc.record::<entity::defender::Entity>(id).await?.map(|m| Node::Defender(Defender::from(m)))
        }
        GlobalId::Uuid(NodeType::CaseEvent, id) => {
            rc.loader.load_one(CaseEventById(id)).await?.map(|m| Node::CaseEvent(CaseEvent::from(m)))
        }
        GlobalId::Uuid(NodeType::Restriction, id) => {
            rc.record::<entity::restriction::Entity>(id).await?.map(|m| Node::Restriction(Restriction::from(m)))
        }
        GlobalId::Uuid(NodeType::Campaign, id) => {
            rc.record::<entity::campaign::Entity>(id).await?.map(|m| Node::Campaign(Campaign::from(m)))
        }
        GlobalId::Uuid(NodeType::Source, id) => {
            rc.record::<entity::source::Entity>(id).await?.map(|m| Node::Source(Source(m)))
        }
        GlobalId::Uuid(NodeType::Indicator, id) => {
            rc.loader.load_one(IndicatorById(id)).await?.map(|m| Node::Indicator(Indicator(m)))
        }
        GlobalId::Uuid(NodeType::CountryRating, id) => {
            rc.record::<entity::country_rating::Entity>(id).await?.map(|m| Node::CountryRating(CountryRating(m)))
        }
        GlobalId::Uuid(NodeType::Affiliation, id) => {
            rc.loader.load_one(AffiliationById(id)).await?.map(|m| Node::Affiliation(Affiliation::from(m)))
        }
        // Decoding pairs each type with its kind of key, so no other pair exists.
        GlobalId::Code(..) | GlobalId::Uuid(..) => None,
    })
}

/// The result of looking a record up by id or code: null, with an error that
/// says why, when there is no such record. (A failed lookup nulls only its own
/// field, not the whole response.)
pub type Lookup<T> = Option<Result<T>>;

/// Looks up a shared record by the global id of its type.
pub async fn record_lookup<E, N>(ctx: &Context<'_>, id: &ID, node_type: NodeType) -> Lookup<N>
where
    E: RecordEntity + sea_orm::IdenStatic + Send + Sync + 'static,
    E::Model: Clone + Send + Sync,
    N: From<E::Model>,
{
    Some(
        async {
            let uuid = GlobalId::decode_uuid_of("id", id, node_type)?;
            found(RequestContext::of(ctx).record::<E>(uuid).await?, node_type, uuid).map(N::from)
        }
        .await,
    )
}

/// Entry points that fetch any record by global id.
#[derive(Default)]
pub struct NodeQuery;

#[Object]
impl NodeQuery {
    /// Any record by global id. Null, with a NOT_FOUND error, when there is none.
    async fn node(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "A global id, as given by a record's id field.")] id: ID,
        #[graphql(
            desc = "For a defender, restriction or campaign: the record as it stood at this moment (not in the future), rebuilt from its audit log; null, without an error, when it did not exist yet. Who may see it, and which of its fields, is judged now. Its links are those of then, each record shown as it is now (a defender merged since as the one it was merged into) and only if the viewer may see it now: a campaign's defenders and restrictions, a defender's restrictions and a restriction's defenders (with how each concerned the defender then), and the campaigns that listed a defender or a restriction then. A defender's events, affiliations (where the viewer may see the organisation now) and merged ids, a restriction's status history, a campaign's countries and subdivisions, and the sources each cited are those of then too, paged and ordered as now."
        )]
        as_of: Option<DateTime<Utc>>,
    ) -> Lookup<Node> {
        if let Some(at) = as_of {
            return async { load_then(ctx, &id, as_of::moment(at)?).await }.await.transpose();
        }
        Some(
            async {
                let decoded = GlobalId::decode("id", &id)?;
                load(ctx, decoded)
                    .await?
                    .ok_or_else(|| AppError::NotFound(format!("Nothing has the id {}", id.0)).into())
            }
            .await,
        )
    }

    /// Records by global id, in the order given, at most 100 at once; null
    /// where an id names no record.
    async fn nodes(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Global ids, as given by records' id fields.")] ids: Vec<ID>,
    ) -> Result<Vec<Option<Node>>> {
        if ids.len() as u64 > MAX_PAGE_SIZE {
            return Err(
                AppError::bad_input("ids", format!("at most {MAX_PAGE_SIZE} ids at once; got {}", ids.len())).into()
            );
        }
        let decoded = ids.iter().map(|id| GlobalId::decode("ids", id)).collect::<Result<Vec<_>, _>>()?;
        // Resolving concurrently lets the loaders batch ids of the same type.
        try_join_all(decoded.into_iter().map(|id| load(ctx, id))).await
    }
}
