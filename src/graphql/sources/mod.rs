//! `Source`: what records cite.

pub mod mutations;

use async_graphql::{Context, ID, Object, Result};
use chrono::{DateTime, Utc};
use entity::{PartialDate, source};
use uuid::Uuid;

use crate::graphql::common::connection::connection;
use crate::graphql::runtime::context::{LocatorsOf, RequestContext};
use crate::ids::{GlobalId, NodeType};
use crate::service::query::pagination::{PageArgs, ParentKey};
use crate::service::query::records::RecordOrder;
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

    /// The record's audit log, oldest first: who changed it, when, and which
    /// fields changed from what to what.
    async fn audit_log(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Returns the first n elements: 20 unless given, at most 100.")] first: Option<i32>,
        #[graphql(desc = "Returns the elements after this cursor.")] after: Option<String>,
        #[graphql(desc = "Returns the last n elements, at most 100.")] last: Option<i32>,
        #[graphql(desc = "Returns the elements before this cursor.")] before: Option<String>,
    ) -> Result<crate::graphql::common::history::AuditEntryConnection> {
        let args = crate::graphql::common::connection::page_args(first, after, last, before);
        crate::graphql::common::history::audit_log(ctx, crate::service::audit::Audited::Source, self.0.id, args).await
    }

    /// Who may read the record.
    async fn visibility(&self) -> entity::Visibility {
        self.0.visibility
    }

    /// The organisation that contributed the record; null for reference data,
    /// or when the viewer may not see that organisation.
    async fn contributed_by(&self, ctx: &Context<'_>) -> Result<Option<crate::graphql::organisations::Organisation>> {
        crate::graphql::common::history::contributor(ctx, self.0.contributed_by_id).await
    }

    /// The record's version, raised by every change.
    async fn version(&self) -> i32 {
        self.0.version
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

/// The sources a record cites, by title.
pub async fn sources_of(ctx: &Context<'_>, record: CitingRecord, id: Uuid, args: PageArgs) -> Result<SourceConnection> {
    let (page, total) =
        RequestContext::of(ctx).list_under::<Sources>(record, id, (), RecordOrder::default(), args).await?;
    Ok(SourceConnection::new(page, total, Some(ParentKey::Id(id))))
}
