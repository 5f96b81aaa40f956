//! `Source`: what records cite.

pub mod mutations;

use async_graphql::{Context, ID, Object, Result};
use entity::{PartialDate, source};
use std::collections::HashSet;

use uuid::Uuid;

use crate::graphql::common::connection::connection;
use crate::graphql::common::context::{LocatorsOf, RequestContext};
use crate::graphql::common::record::RecordFields;
use crate::ids::{GlobalId, NodeType};
use crate::service::as_of::Past;
use crate::service::query::pagination::{PageArgs, ParentKey};
use crate::service::query::records::RecordOrder;
use crate::service::sources::{CitingRecord, SourceFilter, Sources};

/// A report, article, page or other document that records rest on.
pub struct Source(pub source::Model);

impl From<source::Model> for Source {
    fn from(model: source::Model) -> Self {
        Source(model)
    }
}

/// A report, article, page or other document that records rest on.
#[Object]
impl Source {
    /// Global id.
    pub async fn id(&self) -> ID {
        GlobalId::encode_uuid(NodeType::Source, self.0.id)
    }

    /// Where to read it, where it is online.
    async fn url(&self) -> Option<&str> {
        self.0.url.as_deref()
    }

    /// Title.
    async fn title(&self) -> &str {
        &self.0.title
    }

    /// Who published it.
    async fn publisher(&self) -> Option<&str> {
        self.0.publisher.as_deref()
    }

    /// When it was published, where known.
    async fn published_on(&self) -> Option<&PartialDate> {
        self.0.published_on.as_ref()
    }

    /// The fields every shared record has: history, visibility, contributor, version, timestamps.
    #[graphql(flatten)]
    async fn record(&self) -> RecordFields {
        RecordFields::of::<entity::source::Entity>(&self.0)
    }
}

connection!(
    /// A page of sources.
    SourceConnection,
    /// A source in a page, with its cursor.
    SourceEdge,
    Source,
    source::Model,
    edge_fields {
        /// Where in the source the citing record's facts stand: quotations,
        /// pages or sections, as the contributor gave them.
        async fn locators(&self, ctx: &Context<'_>) -> Result<Vec<String>> {
            let Some(ParentKey::Id(record)) = &self.parent else { return Ok(Vec::new()) };
            let found = RequestContext::of(ctx).loader.load_one(LocatorsOf((*record, self.node.0.id))).await?;
            Ok(found.unwrap_or_default())
        }
    }
);

/// The sources a record cites, by title. Read as of a past moment
/// (`past`, with the citations merges since brought in), those it cited
/// then, listed through the same visibility rule; their locators are those
/// of its citations now.
pub async fn sources_of(
    ctx: &Context<'_>,
    record: CitingRecord,
    id: Uuid,
    past: Option<(&Past, &HashSet<Uuid>)>,
    args: PageArgs,
) -> Result<SourceConnection> {
    let rc = RequestContext::of(ctx);
    let (page, total) = match past {
        Some((past, brought)) => {
            let ids = crate::service::sources::cited_then(&rc.db, (record, id), past, brought).await?;
            rc.list::<Sources>(SourceFilter { ids: Some(ids) }, RecordOrder::default(), args).await?
        }
        None => rc.list_under::<Sources>(record, id, SourceFilter::default(), RecordOrder::default(), args).await?,
    };
    Ok(SourceConnection::new(page, total, Some(ParentKey::Id(id))))
}
