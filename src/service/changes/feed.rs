//! The change feed: the audit log in sequence order, as one viewer may know it.
//!
//! Each audit entry has a place in one gap-free sequence, given under a lock
//! held until its transaction commits, so that sequence order is commit
//! order: a reader that has seen sequence `n` has seen every change before it,
//! and a cursor loses nothing and repeats nothing. Each entry also keeps the
//! record's audience just before and just after it; a viewer is shown the
//! change if it was in either:
//!
//! | before | after | shown as |
//! |---|---|---|
//! | in | in | what happened (`UPDATED`, `MERGED`, ...) |
//! | out | in | `CREATED` (or `RESTORED`, `UNMERGED`): the record enters its sight |
//! | in | out | `WITHDRAWN`, id only: the record leaves its sight |
//! | out | out | nothing |
//!
//! A record that leaves sight is `WITHDRAWN` whatever the reason (consent
//! withdrawn, unshared, narrowed, archived, merged), so that the reason, which
//! may concern what the viewer may not see, is not told; only the organisation
//! that archived or merged the record is told `ARCHIVED` or `MERGED`.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use entity::{AuditAction, audit_entry};
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseBackend, EntityTrait, FromQueryResult, Order, QueryFilter, QueryOrder,
    QuerySelect,
};
use uuid::Uuid;

use super::audience::{Audience, includes_condition};
use crate::error::{AppError, AppResult};
use crate::service::Viewer;
use crate::service::audit::Audited;

/// The PostgreSQL channel on which each commit announces its last sequence.
pub const CHANNEL: &str = "rights_graph_changes";

/// The key of the PostgreSQL advisory lock that orders writers (the count
/// triggers of migration 000014 take it too).
const SEQUENCE_LOCK: i64 = migration::WRITER_LOCK;

/// What happened to a record, as one viewer is told.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Operation {
    Created,
    Updated,
    Archived,
    Restored,
    Merged,
    Unmerged,
    Withdrawn,
}

/// One change as one viewer is told of it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FeedChange {
    pub sequence: i64,
    pub at: DateTime<Utc>,
    pub operation: Operation,
    pub kind: Audited,
    pub record_id: Uuid,
    /// Whether the viewer could see the record just after the change: only
    /// then may the record itself be shown.
    pub in_sight: bool,
}

/// A place in the feed: after the change with this sequence. A cursor names
/// only a change its viewer was told of, so that it depends on nothing the
/// viewer may not see.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Position {
    pub sequence: i64,
}

const CURSOR_TAG: &str = "changes:";

impl Position {
    /// The opaque cursor clients pass back as `after`.
    pub fn cursor(&self) -> String {
        URL_SAFE_NO_PAD.encode(format!("{CURSOR_TAG}{}", self.sequence))
    }

    /// A cursor read back; `argument` names where it came from.
    pub fn from_cursor(cursor: &str, argument: &str) -> AppResult<Position> {
        let refused =
            || AppError::bad_input(argument, "not a change-feed cursor: pass a cursor or endCursor the feed gave you");
        let bytes = URL_SAFE_NO_PAD.decode(cursor.trim().trim_end_matches('=')).map_err(|_| refused())?;
        let text = String::from_utf8(bytes).map_err(|_| refused())?;
        let sequence = text.strip_prefix(CURSOR_TAG).and_then(|rest| rest.parse::<i64>().ok());
        Ok(Position { sequence: sequence.filter(|s| *s >= 0).ok_or_else(refused)? })
    }
}

/// How long the feed promises to be able to resume from a cursor. The audit
/// log itself is kept; a client that has missed changes older than this is
/// told to export again rather than replay them.
#[derive(Clone, Copy, Debug)]
pub struct Retention(pub chrono::Duration);

impl Retention {
    fn cutoff(&self) -> DateTime<Utc> {
        Utc::now() - self.0
    }

    fn expired(&self, missed_since: DateTime<Utc>) -> AppError {
        AppError::CursorExpired(format!(
            "Changes after this cursor go back to {}, further than the change feed keeps ({} days). Export the \
             records again (rights-graph export, or the exportRecords query) and follow the feed from the position \
             the export gives.",
            missed_since.format("%Y-%m-%d"),
            self.0.num_days()
        ))
    }
}

/// Which changes to read.
#[derive(Clone, Debug, Default)]
pub struct FeedRequest {
    /// After this place; from the start of the retention when none.
    pub after: Option<Position>,
    /// Only records of these kinds; every kind when empty.
    pub kinds: Vec<Audited>,
    /// At most this many changes.
    pub first: u64,
}

/// A page of the feed.
#[derive(Clone, Debug)]
pub struct FeedPage {
    pub changes: Vec<FeedChange>,
    /// Whether more changes follow this page now.
    pub has_next: bool,
    /// Where to resume: after the page's last change; when the page is
    /// empty, the place asked for, or, when no changes were asked for
    /// (`first` 0), after the last change the viewer is told of.
    pub end: Option<Position>,
}

#[derive(FromQueryResult)]
struct Row {
    sequence: i64,
    created_at: DateTime<Utc>,
    action: AuditAction,
    record_type: String,
    record_id: Uuid,
    organisation_id: Option<Uuid>,
    audience: String,
    readers: String,
    was_audience: String,
    was_readers: String,
}

/// The last sequence committed, as this statement sees it.
pub async fn head<C: ConnectionTrait>(db: &C) -> AppResult<i64> {
    let head: Option<Option<i64>> = audit_entry::Entity::find()
        .select_only()
        .expr(Expr::col(audit_entry::Column::Sequence).max())
        .into_tuple()
        .one(db)
        .await?;
    Ok(head.flatten().unwrap_or(0))
}

/// The last sequence committed for each kind of record.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Heads([i64; Audited::ALL.len()]);

impl Heads {
    /// The last sequence of a change to a record of `kind` (0 before any).
    pub fn of(&self, kind: Audited) -> i64 {
        self.0[kind.index()]
    }

    /// These heads with the head of `kind` at `sequence`.
    pub fn with(mut self, kind: Audited, sequence: i64) -> Heads {
        self.0[kind.index()] = sequence;
        self
    }
}

/// The last sequence of each kind, read in one statement: a subquery per
/// kind, each an index lookup (`ix_audit_entry_record_type_sequence`).
pub async fn heads<C: ConnectionTrait>(db: &C) -> AppResult<Heads> {
    let mut select = Query::select();
    for kind in Audited::ALL {
        // The table names are constants of the program, never input.
        select.expr_as(
            Expr::cust(format!("(SELECT MAX(sequence) FROM audit_entry WHERE record_type = '{}')", kind.table())),
            sea_orm::sea_query::Alias::new(kind.table()),
        );
    }
    let row = db
        .query_one(&select)
        .await?
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("the heads query returned no row")))?;
    let mut heads = Heads::default();
    for kind in Audited::ALL {
        heads.0[kind.index()] = row.try_get::<Option<i64>>("", kind.table())?.unwrap_or(0);
    }
    Ok(heads)
}

/// The entries `viewer` is told of: those of records in its sight just
/// before or just after the change; and, of the entries about a statement,
/// those whose statement it may see.
fn told_of(viewer: &Viewer) -> sea_orm::sea_query::Condition {
    let statement = Expr::col((audit_entry::Entity, audit_entry::Column::StatementId));
    sea_orm::sea_query::Condition::all()
        .add(includes_condition(viewer, "audience", "readers").or(includes_condition(
            viewer,
            "was_audience",
            "was_readers",
        )))
        .add(crate::service::statements::reads::entry_shown(viewer, statement))
}

/// After the last change `viewer` is told of: where to follow its feed from
/// now on, as an export starts it. None when it was told of nothing yet.
pub async fn latest<C: ConnectionTrait>(db: &C, viewer: &Viewer) -> AppResult<Option<Position>> {
    let last: Option<Option<i64>> = audit_entry::Entity::find()
        .select_only()
        .expr(Expr::col(audit_entry::Column::Sequence).max())
        .filter(told_of(viewer))
        .into_tuple()
        .one(db)
        .await?;
    Ok(last.flatten().map(|sequence| Position { sequence }))
}

/// The place just before the oldest change still within the retention.
async fn start<C: ConnectionTrait>(db: &C, retention: &Retention) -> AppResult<i64> {
    // Sequences are given in time order, so the newest entry older than the
    // cutoff is found through the time index, not by scanning the window.
    let floor: Option<i64> = audit_entry::Entity::find()
        .select_only()
        .column(audit_entry::Column::Sequence)
        .filter(audit_entry::Column::CreatedAt.lt(retention.cutoff()))
        .order_by(audit_entry::Column::CreatedAt, Order::Desc)
        .order_by(audit_entry::Column::Sequence, Order::Desc)
        .limit(1)
        .into_tuple()
        .one(db)
        .await?;
    Ok(floor.unwrap_or(0))
}

/// A page of the changes `viewer` is told of. Two statements, whatever the
/// page holds. A cursor is refused when the first change the viewer missed
/// after it is older than the retention: that decision rests on the
/// viewer's own changes only.
pub async fn read<C: ConnectionTrait>(
    db: &C,
    viewer: &Viewer,
    request: &FeedRequest,
    retention: &Retention,
) -> AppResult<FeedPage> {
    let after = match &request.after {
        Some(after) => after.sequence,
        None => start(db, retention).await?,
    };
    let mut select = audit_entry::Entity::find()
        .select_only()
        .columns([
            audit_entry::Column::Sequence,
            audit_entry::Column::CreatedAt,
            audit_entry::Column::Action,
            audit_entry::Column::RecordType,
            audit_entry::Column::RecordId,
            audit_entry::Column::OrganisationId,
            audit_entry::Column::Audience,
            audit_entry::Column::Readers,
            audit_entry::Column::WasAudience,
            audit_entry::Column::WasReaders,
        ])
        .filter(audit_entry::Column::Sequence.gt(after))
        .filter(told_of(viewer))
        .order_by(audit_entry::Column::Sequence, Order::Asc)
        .limit(request.first + 1);
    if !request.kinds.is_empty() {
        select = select.filter(audit_entry::Column::RecordType.is_in(request.kinds.iter().map(|kind| kind.table())));
    }
    let mut rows = select.into_model::<Row>().all(db).await?;
    if let (Some(_), Some(first)) = (&request.after, rows.first()) {
        // Sequences are given in time order: the first missed is the oldest.
        if first.created_at < retention.cutoff() {
            return Err(retention.expired(first.created_at));
        }
    }
    let has_next = rows.len() as u64 > request.first;
    rows.truncate(request.first as usize);
    let end = match rows.last() {
        Some(last) => Some(Position { sequence: last.sequence }),
        // Asking for no changes asks where the viewer's feed stands now.
        None if request.first == 0 => latest(db, viewer).await?.or(request.after),
        None => request.after,
    };
    let changes = rows.into_iter().filter_map(|row| told(viewer, row)).collect();
    Ok(FeedPage { changes, has_next, end })
}

/// What `viewer` is told of one entry, if anything.
fn told(viewer: &Viewer, row: Row) -> Option<FeedChange> {
    let kind = Audited::of_table(&row.record_type)?;
    let before = Audience::from_stored(&row.was_audience, &row.was_readers).includes(viewer);
    let after = Audience::from_stored(&row.audience, &row.readers).includes(viewer);
    let by_viewer = row.organisation_id.is_some() && row.organisation_id == viewer.organisation();
    let operation = match (before, after) {
        (false, false) => return None,
        (true, true) => match row.action {
            AuditAction::Create => Operation::Created,
            AuditAction::Merge => Operation::Merged,
            AuditAction::Unmerge => Operation::Unmerged,
            AuditAction::Restore => Operation::Restored,
            AuditAction::Archive => Operation::Archived,
            AuditAction::Update
            | AuditAction::Share
            | AuditAction::Unshare
            | AuditAction::Assert
            | AuditAction::Propose
            | AuditAction::Accept
            | AuditAction::Reject => Operation::Updated,
        },
        (false, true) => match row.action {
            AuditAction::Restore => Operation::Restored,
            AuditAction::Unmerge => Operation::Unmerged,
            _ => Operation::Created,
        },
        (true, false) => match row.action {
            AuditAction::Archive if by_viewer => Operation::Archived,
            AuditAction::Merge if by_viewer => Operation::Merged,
            _ => Operation::Withdrawn,
        },
    };
    Some(FeedChange {
        sequence: row.sequence,
        at: row.created_at,
        operation,
        kind,
        record_id: row.record_id,
        in_sight: after,
    })
}

/// A new entry's place in the feed, given inside the writing transaction.
pub struct Placement {
    pub sequence: i64,
    pub audience: Audience,
    pub was: Audience,
}

/// Gives the next entry of the record `(kind, id)` its sequence, and reads
/// the record's audience now and after its previous entry. On PostgreSQL an
/// advisory lock, held until the transaction ends, makes writers take their
/// sequence in turn, so that sequences commit in order and without gaps (a
/// transaction that rolls back gives its number back). On SQLite the
/// transaction already holds the database's one write lock.
pub async fn place<C: ConnectionTrait>(db: &C, kind: Audited, id: Uuid) -> AppResult<Placement> {
    let sequence = next_sequence(db).await?;
    let audience = Audience::of_record(db, kind, id).await?;
    let previous: Option<(String, String)> = audit_entry::Entity::find()
        .select_only()
        .columns([audit_entry::Column::Audience, audit_entry::Column::Readers])
        .filter(audit_entry::Column::RecordType.eq(kind.table()))
        .filter(audit_entry::Column::RecordId.eq(id))
        .order_by(audit_entry::Column::Sequence, Order::Desc)
        .limit(1)
        .into_tuple()
        .one(db)
        .await?;
    let was = previous.map_or(Audience::Nobody, |(audience, readers)| Audience::from_stored(&audience, &readers));
    Ok(Placement { sequence, audience, was })
}

/// The places of the creation entries of records just created, all of one
/// kind: the first entry's sequence (the others follow it, one each, in the
/// order of `ids`), and each record's audience. A new record had no audience
/// before its creation.
pub async fn place_created<C: ConnectionTrait>(db: &C, kind: Audited, ids: &[Uuid]) -> AppResult<(i64, Vec<Audience>)> {
    let sequence = next_sequence(db).await?;
    Ok((sequence, Audience::of_records(db, kind, ids).await?))
}

/// The next sequence, under the lock that makes writers take theirs in turn
/// (see [`place`]).
async fn next_sequence<C: ConnectionTrait>(db: &C) -> AppResult<i64> {
    if db.get_database_backend() == DatabaseBackend::Postgres {
        db.execute(
            &Query::select().expr(Expr::cust_with_values("pg_advisory_xact_lock($1)", [SEQUENCE_LOCK])).to_owned(),
        )
        .await?;
    }
    Ok(head(db).await? + 1)
}

/// Tells every instance listening on PostgreSQL that `sequence` is committed,
/// when the transaction commits (a notification is sent only then, and not
/// at all on rollback). The payload is the sequence alone: listeners read
/// the changes from the database, as each viewer may see them. SQLite
/// servers are one process, which watches the head itself.
pub async fn announce<C: ConnectionTrait>(db: &C, sequence: i64) -> AppResult<()> {
    if db.get_database_backend() == DatabaseBackend::Postgres {
        db.execute(
            &Query::select()
                .expr(Expr::cust_with_values("pg_notify($1, $2)", [CHANNEL.to_owned(), sequence.to_string()]))
                .to_owned(),
        )
        .await?;
    }
    Ok(())
}
