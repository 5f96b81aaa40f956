//! `Source`: what records cite.

use async_graphql::{Context, ID, Object, Result};
use chrono::{DateTime, Utc};
use entity::{PartialDate, source};
use uuid::Uuid;

use super::connection::connection;
use super::context::RequestContext;
use super::ids::{GlobalId, NodeType};
use crate::service::pagination::PageArgs;
use crate::service::records::RecordOrder;
use crate::service::sources::{CitingRecord, Sources};

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

    /// When the record was created.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    /// When the record was last changed.
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
}

connection!(
    /// A page of sources.
    SourceConnection,
    /// A source in a page, with its cursor.
    SourceEdge,
    Source,
    source::Model
);

/// The sources a record cites, by title.
pub async fn sources_of(ctx: &Context<'_>, record: CitingRecord, id: Uuid, args: PageArgs) -> Result<SourceConnection> {
    let (page, total) =
        RequestContext::of(ctx).list_under::<Sources>(record, id, (), RecordOrder::default(), args).await?;
    Ok(SourceConnection::new(page, total, None))
}
