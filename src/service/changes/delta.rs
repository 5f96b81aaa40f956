//! The change feed as a delta file, in the shape OpenSanctions publishes its
//! dataset deltas: one JSON object per line, `{"op": "ADD"|"MOD"|"DEL",
//! "entity": {...}}`. Defenders and organisations are FollowTheMoney
//! entities (a defender's `Membership` entities follow its `Person`), as
//! `export --format ftm` writes them; restrictions, sources and campaigns,
//! which have no FollowTheMoney counterpart, are the rows `export --format
//! jsonl` writes. A deleted record is `{"op": "DEL", "entity": {"id": ...}}`.
//! Records are named as in the viewer's exports: by its external
//! identifier where it has one, else by global id.

use std::collections::HashMap;

use sea_orm::{DatabaseConnection, TransactionTrait};
use serde_json::{Value, json};
use uuid::Uuid;

use super::feed::{self, FeedChange, FeedRequest, Operation, Position, Retention};
use crate::error::AppResult;
use crate::service::Viewer;
use crate::service::exchange::export::{self, Names, Selection};
use crate::service::exchange::ftm;
use crate::service::exchange::rows::{RecordKind, Row};

/// A page of the delta.
pub struct DeltaPage {
    /// The lines, each ending in a newline.
    pub lines: String,
    /// Where to resume (see [`feed::FeedPage::end`]).
    pub end: Option<Position>,
    pub has_next: bool,
    /// The changes the page covers.
    pub changes: usize,
}

/// What a change asks a copy to do.
fn op(change: &FeedChange) -> &'static str {
    match change.operation {
        _ if !change.in_sight => "DEL",
        Operation::Created | Operation::Restored | Operation::Unmerged => "ADD",
        Operation::Updated | Operation::Merged => "MOD",
        Operation::Archived | Operation::Withdrawn => "DEL",
    }
}

/// A page of the viewer's delta, read in one transaction. The statements
/// it makes are fixed by the kinds of record the page holds, not by how
/// many changes it holds: each kind's records are exported as one batch.
pub async fn read(
    db: &DatabaseConnection,
    viewer: &Viewer,
    request: &FeedRequest,
    retention: &Retention,
) -> AppResult<DeltaPage> {
    let txn = db.begin().await?;
    let page = feed::read(&txn, viewer, request, retention).await?;
    let mut shown: HashMap<RecordKind, Vec<Uuid>> = HashMap::new();
    let mut gone: HashMap<RecordKind, Vec<Uuid>> = HashMap::new();
    for change in &page.changes {
        let ids = if change.in_sight { &mut shown } else { &mut gone };
        ids.entry(RecordKind::of_audited(change.kind)).or_default().push(change.record_id);
    }
    let mut rows: HashMap<(RecordKind, Uuid), Row> = HashMap::new();
    for (kind, ids) in &shown {
        let (found, found_ids) = export::rows(&txn, viewer, *kind, Selection::Ids(ids)).await?;
        rows.extend(found_ids.into_iter().map(|id| (*kind, id)).zip(found));
    }
    let mut names: HashMap<RecordKind, Names> = HashMap::new();
    for (kind, ids) in &gone {
        names.insert(*kind, Names::of(&txn, viewer, *kind, ids).await?);
    }
    txn.commit().await?;

    let mut lines = String::new();
    for change in &page.changes {
        let kind = RecordKind::of_audited(change.kind);
        let op = op(change);
        if op == "DEL" {
            let id = names.get(&kind).map_or_else(String::new, |names| names.name(change.record_id));
            lines.push_str(&format!("{}\n", json!({ "op": "DEL", "entity": { "id": id } })));
            continue;
        }
        // A record that has left the viewer's sight since: a later change
        // of the feed deletes it.
        let Some(row) = rows.get(&(kind, change.record_id)) else { continue };
        let entities: Vec<Value> = match kind {
            RecordKind::Defender | RecordKind::Organisation => ftm::entities(row),
            _ => vec![row.to_json()],
        };
        for entity in entities {
            lines.push_str(&format!("{}\n", json!({ "op": op, "entity": entity })));
        }
    }
    Ok(DeltaPage { lines, end: page.end, has_next: page.has_next, changes: page.changes.len() })
}
