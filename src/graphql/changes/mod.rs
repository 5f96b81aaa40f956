//! The change feed in GraphQL: the `changes` connection, read page by page
//! and resumed with `after`, and the `changes` subscription (see
//! [`subscription`]), which follows the same feed as changes commit.

pub mod subscription;

use std::sync::Arc;

use async_graphql::{Context, Enum, ID, Object, Result};
use chrono::{DateTime, Utc};

use crate::graphql::common::connection::PageInfo;
use crate::graphql::common::context::RequestContext;
use crate::graphql::common::node::{Node, record_node};
use crate::ids::{GlobalId, NodeType};
use crate::service::audit::Audited;
use crate::service::changes::{self, ChangeHub, FeedChange, FeedRequest, Operation, Position, Retention};

/// What the feed needs besides the request's context: its retention, the
/// process's news of commits, and whether webhooks may be registered on
/// private addresses. Attached to every request.
#[derive(Clone)]
pub struct FeedSettings {
    pub retention: Retention,
    pub hub: Arc<ChangeHub>,
    pub webhooks_on_private_addresses: bool,
}

/// The changes a page holds when `first` is not given.
const DEFAULT_FIRST: i32 = 100;
/// The most changes one page holds. The statements a page costs do not
/// depend on it: the records of a page are loaded in one batch per kind.
const MAX_FIRST: i32 = 1_000;

/// A kind of record the change feed reports on.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum RecordType {
    /// Human rights defenders.
    Defender,
    /// Restrictions: laws, bills and practices.
    Restriction,
    /// Campaigns.
    Campaign,
    /// Organisations.
    Organisation,
    /// Sources.
    Source,
    /// Civic-space ratings of countries.
    CountryRating,
}

impl From<RecordType> for Audited {
    fn from(kind: RecordType) -> Audited {
        match kind {
            RecordType::Defender => Audited::Defender,
            RecordType::Restriction => Audited::Restriction,
            RecordType::Campaign => Audited::Campaign,
            RecordType::Organisation => Audited::Organisation,
            RecordType::Source => Audited::Source,
            RecordType::CountryRating => Audited::CountryRating,
        }
    }
}

impl From<Audited> for RecordType {
    fn from(kind: Audited) -> RecordType {
        match kind {
            Audited::Defender => RecordType::Defender,
            Audited::Restriction => RecordType::Restriction,
            Audited::Campaign => RecordType::Campaign,
            Audited::Organisation => RecordType::Organisation,
            Audited::Source => RecordType::Source,
            Audited::CountryRating => RecordType::CountryRating,
        }
    }
}

/// What happened to a record, as the viewer is told. A copy kept in sync
/// adds or replaces the record on `CREATED`, `UPDATED`, `RESTORED`,
/// `MERGED` (when `node` is set) and `UNMERGED`, and deletes it on
/// `WITHDRAWN`, `ARCHIVED` and `MERGED` without `node`.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum ChangeOperation {
    /// The record was created, or came into the viewer's sight (shared with
    /// it, made visible to more readers, consent given): add it.
    Created,
    /// The record changed (including who it is shared with): replace the copy.
    Updated,
    /// The viewer's organisation archived the record: delete the copy (it may
    /// come back as `RESTORED`). Other viewers are told `WITHDRAWN`.
    Archived,
    /// The record was restored from the archive: add it again.
    Restored,
    /// A merge: on the record that absorbed another, replace the copy; on the
    /// record absorbed (told only to the organisation that merged it; others
    /// are told `WITHDRAWN`), delete the copy.
    Merged,
    /// A merge was undone: add or replace the record.
    Unmerged,
    /// The record left the viewer's sight: consent withdrawn, unshared,
    /// visibility narrowed, archived or merged away. Only its id is given,
    /// never a reason or a value. Delete every copy of it now.
    Withdrawn,
}

impl From<Operation> for ChangeOperation {
    fn from(operation: Operation) -> ChangeOperation {
        match operation {
            Operation::Created => ChangeOperation::Created,
            Operation::Updated => ChangeOperation::Updated,
            Operation::Archived => ChangeOperation::Archived,
            Operation::Restored => ChangeOperation::Restored,
            Operation::Merged => ChangeOperation::Merged,
            Operation::Unmerged => ChangeOperation::Unmerged,
            Operation::Withdrawn => ChangeOperation::Withdrawn,
        }
    }
}

/// One change to a record, as the viewer is told of it, with the cursor
/// to resume after it.
#[derive(Clone)]
pub struct Change(pub FeedChange, pub String);

impl Change {
    pub fn new(change: FeedChange) -> Change {
        let cursor = Position { sequence: change.sequence }.cursor();
        Change(change, cursor)
    }
}

fn node_type(kind: Audited) -> NodeType {
    match kind {
        Audited::Defender => NodeType::Defender,
        Audited::Restriction => NodeType::Restriction,
        Audited::Campaign => NodeType::Campaign,
        Audited::Organisation => NodeType::Organisation,
        Audited::Source => NodeType::Source,
        Audited::CountryRating => NodeType::CountryRating,
    }
}

/// One change to a record, as the viewer is told of it.
#[Object]
impl Change {
    /// The change's place in the feed: changes are numbered in the order
    /// they were committed, one sequence for the whole service. Numbers the
    /// viewer is not told of are skipped.
    async fn sequence(&self) -> i64 {
        self.0.sequence
    }

    /// Pass as `after` (to the `changes` query or subscription) to resume
    /// after this change.
    async fn cursor(&self) -> &str {
        &self.1
    }

    /// When the change was committed.
    async fn at(&self) -> DateTime<Utc> {
        self.0.at
    }

    /// What happened, as the viewer is told.
    async fn operation(&self) -> ChangeOperation {
        self.0.operation.into()
    }

    /// The global id of the changed record.
    async fn record_id(&self) -> ID {
        GlobalId::encode_uuid(node_type(self.0.kind), self.0.record_id)
    }

    /// The kind of the changed record.
    async fn record_type(&self) -> RecordType {
        self.0.kind.into()
    }

    /// The record as the viewer may see it now: null after `WITHDRAWN`,
    /// `ARCHIVED` or a `MERGED` that absorbed it, and null when the record
    /// has left the viewer's sight since (a later change says so).
    async fn node(&self, ctx: &Context<'_>) -> Result<Option<Node>> {
        if !self.0.in_sight {
            return Ok(None);
        }
        record_node(ctx, node_type(self.0.kind), self.0.record_id).await
    }
}

/// A change and the cursor to resume after it.
pub struct ChangeEdge {
    cursor: String,
    node: Change,
}

/// A change and the cursor to resume after it.
#[Object]
impl ChangeEdge {
    /// Pass as `after` to read the changes that follow this one.
    async fn cursor(&self) -> &str {
        &self.cursor
    }

    /// The change.
    async fn node(&self) -> &Change {
        &self.node
    }
}

/// A page of the change feed, in sequence order.
pub struct ChangeConnection {
    edges: Vec<ChangeEdge>,
    has_next_page: bool,
    end: Option<String>,
}

/// A page of the change feed, in sequence order.
#[Object]
impl ChangeConnection {
    /// The changes of this page, each with its cursor.
    async fn edges(&self) -> &[ChangeEdge] {
        &self.edges
    }

    /// The changes of this page.
    async fn nodes(&self) -> Vec<&Change> {
        self.edges.iter().map(|edge| &edge.node).collect()
    }

    /// Where this page ends. `endCursor` is where to resume: the last
    /// change's cursor; for an empty page the `after` it was asked for; and
    /// with `first: 0`, where the viewer's feed stands now (null when it
    /// holds nothing yet), which is where a client that has just exported
    /// starts following.
    async fn page_info(&self) -> PageInfo {
        PageInfo {
            has_next_page: self.has_next_page,
            has_previous_page: false,
            start_cursor: self.edges.first().map(|edge| edge.cursor.clone()),
            end_cursor: self.end.clone(),
        }
    }
}

/// Builds the feed request of `changes(after:, first:, types:)`.
pub fn feed_request(after: Option<&str>, first: Option<i32>, types: Option<Vec<RecordType>>) -> Result<FeedRequest> {
    let after = after.map(|cursor| Position::from_cursor(cursor, "after")).transpose()?;
    let first = first.unwrap_or(DEFAULT_FIRST);
    if !(0..=MAX_FIRST).contains(&first) {
        return Err(crate::error::AppError::bad_input(
            "first",
            format!("must be between 0 and {MAX_FIRST}; got {first}"),
        )
        .into());
    }
    let mut kinds: Vec<Audited> = types.unwrap_or_default().into_iter().map(Audited::from).collect();
    kinds.dedup();
    Ok(FeedRequest { after, kinds, first: first as u64 })
}

/// The `changes` entry point.
#[derive(Default)]
pub struct ChangesQuery;

#[Object]
impl ChangesQuery {
    /// The change feed: every change to the records the viewer can see, in
    /// the order it was committed, for keeping a copy in sync. Start after
    /// an export, with the position it gave, or without `after` to read
    /// everything the feed keeps (see the retention in docs/changes.md).
    /// Pass each page's `pageInfo.endCursor` as the next `after`: resuming
    /// loses nothing and repeats nothing. A record that leaves the viewer's
    /// sight is reported once as `WITHDRAWN`, with its id only; records the
    /// viewer never saw are never mentioned. A cursor older than the
    /// retention is refused with the code `CURSOR_EXPIRED`.
    async fn changes(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Resume after this cursor (an edge's `cursor` or a page's `endCursor`).")] after: Option<
            String,
        >,
        #[graphql(desc = "At most this many changes (0 to 1000; default 100).")] first: Option<i32>,
        #[graphql(desc = "Only changes to records of these types; every type when not given.")] types: Option<
            Vec<RecordType>,
        >,
    ) -> Result<ChangeConnection> {
        let request = feed_request(after.as_deref(), first, types)?;
        let rc = RequestContext::of(ctx);
        let settings = ctx.data::<FeedSettings>()?;
        let page = changes::feed::read(&rc.db, &rc.viewer, &request, &settings.retention).await?;
        let edges = page
            .changes
            .into_iter()
            .map(|change| {
                let node = Change::new(change);
                ChangeEdge { cursor: node.1.clone(), node }
            })
            .collect();
        Ok(ChangeConnection { edges, has_next_page: page.has_next, end: page.end.map(|end| end.cursor()) })
    }
}
